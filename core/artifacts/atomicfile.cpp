#include "artifacts/atomicfile.h"

#include "base/errors.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

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

void commitTogether(std::initializer_list<AtomicFile *> files)
{
    struct Step
    {
        AtomicFile *file;
        std::string backup; // hard link to the earlier target; empty when there was none
        bool renamed = false;
    };
    std::vector<Step> steps;
    auto cleanup = [&] {
        for (auto &s : steps)
            if (!s.backup.empty())
                ::unlink(s.backup.c_str());
    };
    // Checks before the first rename: an immutable manifest.json used to fail only after weights_int8.bin had been
    // replaced, so the folder no longer matched itself.
    for (AtomicFile *f : files) {
        Step s{f, {}};
        struct stat st;
        if (::lstat(f->m_target.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                cleanup();
                throw outputError("cannot replace: it is a folder", f->m_target.string());
            }
            if (S_ISREG(st.st_mode)) {
                const int fd = ::open(f->m_target.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
                int flags = 0;
                const bool locked = fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
                                    (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL));
                if (fd >= 0)
                    ::close(fd);
                if (locked) {
                    cleanup();
                    throw outputError("cannot replace: the file is immutable or append-only (chattr -i); nothing "
                                      "was changed",
                                      f->m_target.string());
                }
            }
            std::string tmpl = f->m_temp.string();
            tmpl.replace(tmpl.rfind(".tmp-"), 5, ".old-");
            if (::link(f->m_target.c_str(), tmpl.c_str()) == 0)
                s.backup = tmpl;
            // No hard links on this file system: the renames still happen, without the way back.
        }
        steps.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        AtomicFile &f = *steps[i].file;
        int err = 0;
        if (::close(f.m_fd) != 0)
            err = errno;
        f.m_fd = -1;
        if (err == 0 && ::rename(f.m_temp.c_str(), f.m_target.c_str()) != 0)
            err = errno;
        if (err != 0) {
            for (std::size_t k = 0; k < i; ++k) { // put back what this call replaced
                if (!steps[k].backup.empty())
                    ::rename(steps[k].backup.c_str(), steps[k].file->m_target.c_str());
                else
                    ::unlink(steps[k].file->m_target.c_str());
                steps[k].backup.clear();
            }
            cleanup();
            f.fail("cannot move the finished file into place (the earlier files are kept)", err);
        }
        steps[i].renamed = true;
        f.m_committed = true;
    }
    cleanup();
    // The renames are durable only once the folder itself is on disk.
    const auto dir = steps.empty() ? std::filesystem::path(".")
                                   : (steps[0].file->m_target.has_parent_path() ? steps[0].file->m_target.parent_path()
                                                                               : std::filesystem::path("."));
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void writeFileAtomically(const std::filesystem::path &path, std::string_view contents)
{
    AtomicFile f(path);
    f.write(contents.data(), contents.size());
    f.finish();
    f.commit();
}

} // namespace ql
