#include "base/regularfile.h"

#include "base/errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {

namespace {
/// What a non-regular file is, for the message.
std::string notRegular(mode_t m)
{
    if (S_ISDIR(m))
        return "is a directory, not a file";
    if (S_ISFIFO(m))
        return "is a FIFO (named pipe), not a regular file";
    if (S_ISCHR(m))
        return "is a character device, not a regular file";
    if (S_ISBLK(m))
        return "is a block device, not a regular file";
    if (S_ISSOCK(m))
        return "is a socket, not a regular file";
    return "is not a regular file";
}

std::string mib(uint64_t n)
{
    return std::to_string(n) + " bytes (" + std::to_string((n + (1 << 19)) >> 20) + " MiB)";
}
} // namespace

uint64_t regularFileSize(const std::filesystem::path &path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw inputError(std::string("cannot open: ") + std::strerror(errno), path.string());
    if (!S_ISREG(st.st_mode))
        throw inputError(notRegular(st.st_mode), path.string());
    return static_cast<uint64_t>(st.st_size);
}

std::string readRegularFile(const std::filesystem::path &path, uint64_t maxBytes, const std::string &what)
{
    const uint64_t size = regularFileSize(path);
    if (size > maxBytes)
        throw inputError("has " + mib(size) + ", over the " + what + " of " + mib(maxBytes), path.string());
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throw inputError(std::string("cannot open: ") + std::strerror(errno), path.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || uint64_t(st.st_size) > maxBytes) {
        ::close(fd);
        throw inputError("changed while it was opened (no longer a regular file within the " + what + ")",
                         path.string());
    }
    std::string out(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int e = errno;
            ::close(fd);
            throw inputError(std::string("cannot read: ") + std::strerror(e), path.string());
        }
        if (n == 0)
            break; // shrank while being read: what was read is checked like any other content
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

} // namespace ql
