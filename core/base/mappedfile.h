#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace ql {

/// Makes a read of a mapped page that is no longer backed by its file (another program truncated the file while we
/// read it: the kernel sends SIGBUS) read zeros instead of killing the process, and marks that map damaged, so that
/// MappedFile::checkIntact() turns it into an input error naming the file before anything is written. Installed by
/// each program's main() (quantlens-cli, quantlens, quantlens-report, quantlens-eval, the tests), never by a static
/// initializer: a library must not take a process-wide signal over behind its host's back. A SIGBUS at any other
/// address goes to the handler that was there before (or kills the process as before). Idempotent.
void installMappedFileGuard();

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

    /// Whether the file is no longer what was mapped: a read hit a page past its new end (zeros were read instead,
    /// see installMappedFileGuard()), or its size or modification time changed since it was opened.
    bool damaged() const;
    /// Throws an input error naming the file when damaged(): what was read from it cannot be trusted.
    void checkIntact() const;

private:
    MappedFile() = default;
    std::filesystem::path m_path;
    const std::byte *m_data = nullptr;
    std::size_t m_size = 0;
    int m_fd = -1;           ///< kept open to compare size and mtime at checkIntact()
    int64_t m_mtimeNs = 0;
    int m_slot = -1;         ///< in the guard's table of mapped ranges, -1 when not registered
};

} // namespace ql
