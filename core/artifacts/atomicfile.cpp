#include "artifacts/atomicfile.h"

#include "base/errors.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql {

void ignoreFileSizeSignal()
{
    std::signal(SIGXFSZ, SIG_IGN);
}

void ensureDirectory(const std::filesystem::path &dir)
{
    std::error_code ec;
    if (dir.empty())
        return;
    // Said plainly before create_directories() reports a bare "Not a directory" / "File exists".
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
        throw outputError("output path exists and is not a folder", dir.string());
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw outputError("cannot create output folder: " + ec.message(), dir.string());
    if (!std::filesystem::is_directory(dir, ec))
        throw outputError("output path exists and is not a folder", dir.string());
}

AtomicFile::AtomicFile(std::filesystem::path target)
    : m_target(std::move(target))
{
    const auto dir = m_target.has_parent_path() ? m_target.parent_path() : std::filesystem::path(".");
    std::string tmpl = (dir / ("." + m_target.filename().string() + ".tmp-XXXXXX")).string();
    m_fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (m_fd < 0)
        fail("cannot create a file in the output folder", errno);
    m_temp = tmpl;
    ::fchmod(m_fd, 0644);
}

AtomicFile::~AtomicFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_committed && !m_temp.empty())
        ::unlink(m_temp.c_str());
}

void AtomicFile::fail(const std::string &what, int err) const
{
    throw outputError(what + ": " + std::strerror(err) +
                          (err == ENOSPC || err == EFBIG || err == EDQUOT ? " (free space or raise the limit, then retry)" : ""),
                      m_target.string());
}

void AtomicFile::write(const void *data, std::size_t size)
{
    auto p = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t n = ::write(m_fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("cannot write", errno);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFile::writeAt(uint64_t offset, const void *data, std::size_t size)
{
    auto p = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t n = ::pwrite(m_fd, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("cannot write", errno);
        }
        p += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFile::readAt(uint64_t offset, void *data, std::size_t size) const
{
    auto p = static_cast<char *>(data);
    while (size > 0) {
        const ssize_t n = ::pread(m_fd, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail("cannot read back", n < 0 ? errno : EIO);
        p += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFile::reserve(uint64_t size)
{
    if (size == 0)
        return;
    // posix_fallocate reserves real blocks, so a full disk fails here and not half-way through.
    const int rc = ::posix_fallocate(m_fd, 0, static_cast<off_t>(size));
    if (rc == EOPNOTSUPP || rc == EINVAL) {
        if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0)
            fail("cannot size the file", errno);
    } else if (rc != 0)
        fail("cannot reserve " + std::to_string(size) + " bytes", rc);
}

void AtomicFile::finish()
{
    if (::fsync(m_fd) != 0)
        fail("cannot flush to disk", errno);
}

void AtomicFile::commit()
{
    if (::close(m_fd) != 0) {
        m_fd = -1;
        fail("cannot close", errno);
    }
    m_fd = -1;
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0)
        fail("cannot move the finished file into place", errno);
    m_committed = true;
}

void writeFileAtomically(const std::filesystem::path &path, std::string_view contents)
{
    AtomicFile f(path);
    f.write(contents.data(), contents.size());
    f.finish();
    f.commit();
}

} // namespace ql
