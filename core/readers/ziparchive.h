#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ql {

/// Limits for archives from strangers.
struct ZipLimits
{
    uint64_t maxEntries = 1u << 22;
    uint64_t maxInflated = 1ull << 30; ///< total bytes that compressed records may inflate to
};

/// The records of a zip archive held in memory (a file map): stored records are views into it (zero copy),
/// deflated ones are inflated into owned buffers. Reads the central directory itself, zip64 included, because
/// Debian 12's minizip 1.1 ignores zip64 extra fields (measured: sizes come back as 0xFFFFFFFF).
class ZipArchive
{
public:
    /// Throws ql::Error (Input) naming `file` for anything malformed, lying or over the limits.
    ZipArchive(std::span<const std::byte> data, const std::string &file, const ZipLimits &limits = {});

    const std::map<std::string, std::span<const std::byte>> &entries() const { return m_entries; }
    /// nullptr-like empty optional when absent.
    const std::span<const std::byte> *find(const std::string &name) const;
    bool usedZip64() const { return m_zip64; }

private:
    std::map<std::string, std::span<const std::byte>> m_entries;
    /// Inflated records, allocated uninitialised: a record that stops short of its declared size (a lying header) then
    /// costs only the pages inflate() wrote, not the whole claim zero-filled.
    std::vector<std::unique_ptr<std::byte[]>> m_inflated;
    bool m_zip64 = false;
};

} // namespace ql
