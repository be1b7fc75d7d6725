// Every thread of the window's background pool held busy, so that the next job waits in the queue: for tests of what
// a queued job holds, or of which thread a job that someone waits for runs on.
#pragma once
#include "backgroundjob.h"

#include <QFuture>
#include <QSemaphore>
#include <QTest>

#include <atomic>
#include <vector>

namespace qltest {

/// Blocks each thread of backgroundPool() from construction until release() or destruction, so a failed check between
/// the two still lets the pool drain.
class PoolBlocker
{
public:
    PoolBlocker() : m_threads(backgroundPool()->maxThreadCount())
    {
        for (int i = 0; i < m_threads; ++i)
            m_blockers.push_back(runInBackground([this] {
                ++m_started;
                m_release.acquire();
            }));
    }
    ~PoolBlocker() { release(); }
    PoolBlocker(const PoolBlocker &) = delete;
    PoolBlocker &operator=(const PoolBlocker &) = delete;

    /// True once every pool thread runs a blocker; false after 10 s.
    bool allBlocked() const { return QTest::qWaitFor([this] { return m_started.load() == m_threads; }, 10000); }
    /// Lets the pool go on and waits until every blocker has ended.
    void release()
    {
        if (m_released)
            return;
        m_released = true;
        m_release.release(m_threads);
        for (auto &b : m_blockers)
            b.waitForFinished();
    }

private:
    const int m_threads;
    QSemaphore m_release;
    std::atomic<int> m_started{0};
    bool m_released = false;
    std::vector<QFuture<void>> m_blockers;
};

} // namespace qltest
