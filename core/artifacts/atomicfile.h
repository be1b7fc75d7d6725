#pragma once
#include <cstdint>
#include <filesystem>
#include <initializer_list>
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
    friend void commitTogether(std::initializer_list<AtomicFile *> files);
    [[noreturn]] void fail(const std::string &what, int err) const;
    std::filesystem::path m_target;
    std::filesystem::path m_temp;
    int m_fd = -1;
    bool m_committed = false;
};

/// Renames finished files into place as one change of their folder, as far as POSIX allows: first every existing
/// target is checked replaceable (not immutable or append-only, not a folder) and kept under a hard link, so that a
/// failed rename puts back the earlier files, all of them, and removes the new ones; then the folder is fsynced.
/// Throws an output Error naming the file that could not be replaced. A crash (power loss, SIGKILL) between two
/// renames can still leave the new first file with the old second one, and a hidden ".<name>.old-*" link.
void commitTogether(std::initializer_list<AtomicFile *> files);

/// Convenience: whole contents at once.
void writeFileAtomically(const std::filesystem::path &path, std::string_view contents);

/// Makes a file-size limit (RLIMIT_FSIZE, a full quota) fail writes with EFBIG, which AtomicFile reports as a clear
/// output error, instead of killing the process with SIGXFSZ. Process-wide, so programs call it from main(); the
/// library never changes signal dispositions behind their back.
void ignoreFileSizeSignal();

/// Creates the folder (and parents); throws an output Error naming it when that is impossible.
void ensureDirectory(const std::filesystem::path &dir);

} // namespace ql
