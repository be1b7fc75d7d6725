#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ql {

/// A file written under a temporary name in its final folder and renamed into place by commit();
/// destroyed uncommitted, it removes the temporary, so a failure never leaves a partial artifact.
class AtomicFile
{
public:
    explicit AtomicFile(std::filesystem::path target);
    ~AtomicFile();
    AtomicFile(const AtomicFile &) = delete;
    AtomicFile &operator=(const AtomicFile &) = delete;

    void write(const void *data, std::size_t size);                   ///< appends
    void writeAt(uint64_t offset, const void *data, std::size_t size); ///< positional (thread-safe)
    /// Reads back what was written (positional, thread-safe); throws an output Error.
    void readAt(uint64_t offset, void *data, std::size_t size) const;
    void reserve(uint64_t size);                                      ///< sets the final size up front
    /// Flushes to disk; throws an output Error (disk full, quota, ...). Call on every file before any commit().
    void finish();
    void commit(); ///< renames into place (after finish())
    const std::filesystem::path &target() const { return m_target; }

private:
    [[noreturn]] void fail(const std::string &what, int err) const;
    std::filesystem::path m_target;
    std::filesystem::path m_temp;
    int m_fd = -1;
    bool m_committed = false;
};

/// Convenience: whole contents at once.
void writeFileAtomically(const std::filesystem::path &path, std::string_view contents);

/// Makes a file-size limit (RLIMIT_FSIZE, a full quota) fail writes with EFBIG, which AtomicFile reports as a clear
/// output error, instead of killing the process with SIGXFSZ. Process-wide, so programs call it from main(); the
/// library never changes signal dispositions behind their back.
void ignoreFileSizeSignal();

/// Creates the folder (and parents); throws an output Error naming it when that is impossible.
void ensureDirectory(const std::filesystem::path &dir);

} // namespace ql
