#include "base/mappedfile.h"

#include "base/errors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace ql {

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw inputError(std::string("cannot open: ") + std::strerror(errno), path.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        throw inputError(std::string("cannot stat: ") + std::strerror(e), path.string());
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw inputError("is a directory, expected a checkpoint file", path.string());
    }
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_path = path;
    file->m_size = static_cast<std::size_t>(st.st_size);
    if (file->m_size > 0) {
        void *p = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            throw inputError(std::string("cannot map: ") + std::strerror(e), path.string());
        }
        file->m_data = static_cast<const std::byte *>(p);
        ::madvise(p, file->m_size, MADV_RANDOM); // advisory: failure only costs read-ahead
    }
    ::close(fd);
    return file;
}

MappedFile::~MappedFile()
{
    if (m_data)
        ::munmap(const_cast<std::byte *>(m_data), m_size);
}

namespace {

/// The pages [first, last) that cover [begin, begin + length) inside the map, or an empty range.
std::pair<std::uintptr_t, std::uintptr_t> pagesOf(const std::byte *data, std::size_t size, const std::byte *begin,
                                                  std::size_t length)
{
    if (!data || length == 0 || begin < data || begin + length > data + size)
        return {0, 0};
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const auto first = reinterpret_cast<std::uintptr_t>(begin) & ~(page - 1);
    const auto mapEnd = reinterpret_cast<std::uintptr_t>(data) + size;
    const auto last = std::min<std::uintptr_t>((reinterpret_cast<std::uintptr_t>(begin) + length + page - 1) & ~(page - 1),
                                               (mapEnd + page - 1) & ~(page - 1));
    return last > first ? std::pair{first, last} : std::pair<std::uintptr_t, std::uintptr_t>{0, 0};
}

} // namespace

void MappedFile::streamFromHere() const
{
    if (m_data)
        ::madvise(const_cast<std::byte *>(m_data), m_size, MADV_NORMAL);
}

void MappedFile::willNeed(const std::byte *begin, std::size_t length) const
{
    const auto [first, last] = pagesOf(m_data, m_size, begin, length);
    if (last > first)
        ::madvise(reinterpret_cast<void *>(first), last - first, MADV_WILLNEED);
}

void MappedFile::release(const std::byte *begin, std::size_t length) const
{
    // Every page the range touches, partial ones included: the map is read-only and file-backed, so dropping a page
    // that neighbouring data shares costs at most a soft fault that maps it again from the page cache. Rounding
    // inwards instead would never release tensors smaller than a page, nor (with large folios mapped whole) the
    // megabytes around them.
    const auto [first, last] = pagesOf(m_data, m_size, begin, length);
    if (last > first)
        ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

} // namespace ql
