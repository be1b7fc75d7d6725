#include "mappedfile.h"

#include "errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
    }
    ::close(fd);
    return file;
}

MappedFile::~MappedFile()
{
    if (m_data)
        ::munmap(const_cast<std::byte *>(m_data), m_size);
}

void MappedFile::release(const std::byte *begin, std::size_t length) const
{
    if (!m_data || begin < m_data || begin + length > m_data + m_size)
        return;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    auto first = reinterpret_cast<std::uintptr_t>(begin);
    auto last = first + length;
    first = (first + page - 1) & ~(page - 1); // only whole pages inside the range
    last &= ~(page - 1);
    if (last > first)
        ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

} // namespace ql
