#pragma once
#include <cstdint>

/// Numbers background jobs so a result that arrives after a newer job started (or after the source changed) is dropped.
class JobTracker
{
public:
    /// Starts a job; every job started before it becomes stale.
    uint64_t start() { return ++m_current; }
    /// Makes every running job stale (e.g. the document they were computed for is gone).
    void invalidate() { ++m_current; }
    bool isCurrent(uint64_t job) const { return job == m_current; }

private:
    uint64_t m_current = 0;
};
