#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace ql {

/// A read-only memory map of a whole file; the bytes stay valid while any copy of the shared_ptr lives.
class MappedFile
{
public:
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path &path);
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const std::byte *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    const std::filesystem::path &path() const { return m_path; }

    /// Tells the kernel the given range will not be needed again, so its pages (all it touches) leave our RSS; a later
    /// read of them, or of data sharing them, maps them again from the page cache.
    void release(const std::byte *begin, std::size_t length) const;
    /// The map is opened with MADV_RANDOM: while the archive's directory, local headers and pickle are parsed, a fault
    /// reads only its own page instead of the device's read-ahead window around it (8 MiB on the benchmark machine),
    /// so records that are never read (optimizer state) stay on disk. Once parsing is over, this restores normal
    /// advice (fault-around on cached pages); the tensors are then announced with willNeed() just before they are
    /// read. Measured on the seed-shaped world model after dropping it from the page cache: 17 of its 50 MB read,
    /// not all of it, and 49 ms instead of 89 ms.
    void streamFromHere() const;
    /// Starts reading a range into the page cache (MADV_WILLNEED): it is about to be read.
    void willNeed(const std::byte *begin, std::size_t length) const;

private:
    MappedFile() = default;
    std::filesystem::path m_path;
    const std::byte *m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace ql
