#include "base/mappedfile.h"

#include "base/errors.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace ql {

namespace {

/// The ranges the SIGBUS handler may repair, in a fixed table it can read without locks or allocation (a signal
/// handler may do neither). A map that finds no free slot is simply not guarded (a SIGBUS in it kills as before);
/// QuantLens keeps a handful of maps open at a time.
struct GuardSlot
{
    std::atomic<bool> used{false};
    std::atomic<std::uintptr_t> begin{0}, end{0};
    std::atomic<bool> hit{false};
};
constexpr int kGuardSlots = 256;
GuardSlot g_slots[kGuardSlots];
std::uintptr_t g_pageSize = 4096;
struct sigaction g_previous {};

int registerRange(const std::byte *data, std::size_t size)
{
    for (int i = 0; i < kGuardSlots; ++i) {
        bool expected = false;
        if (!g_slots[i].used.compare_exchange_strong(expected, true))
            continue;
        g_slots[i].hit.store(false);
        g_slots[i].end.store(reinterpret_cast<std::uintptr_t>(data) + size);
        g_slots[i].begin.store(reinterpret_cast<std::uintptr_t>(data)); // last: the handler matches on begin != 0
        return i;
    }
    return -1;
}

void unregisterRange(int slot)
{
    g_slots[slot].begin.store(0);
    g_slots[slot].end.store(0);
    g_slots[slot].used.store(false);
}

void onSigbus(int sig, siginfo_t *info, void *context)
{
    const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (auto &slot : g_slots) {
        const std::uintptr_t b = slot.begin.load();
        if (b == 0 || addr < b || addr >= slot.end.load())
            continue;
        // The page lies past the file's new end, and so does the rest of the map. Put zeros in their place, from this
        // page to the end in one call (one per page could exhaust vm.max_map_count on a large tensor); mmap is a
        // plain system call, safe here on Linux. The read goes on; checkIntact() reports the file before anything
        // is written.
        const std::uintptr_t page = addr & ~(g_pageSize - 1);
        const std::uintptr_t end = (slot.end.load() + g_pageSize - 1) & ~(g_pageSize - 1);
        if (::mmap(reinterpret_cast<void *>(page), end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0) != MAP_FAILED) {
            slot.hit.store(true);
            return;
        }
        break;
    }
    // Not ours (or the repair failed): what would have happened without us.
    if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
        g_previous.sa_sigaction(sig, info, context);
        return;
    }
    if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler) {
        g_previous.sa_handler(sig);
        return;
    }
    ::signal(SIGBUS, SIG_DFL); // returning re-executes the faulting read, which now kills the process
}

} // namespace

void installMappedFileGuard()
{
    static std::once_flag once;
    std::call_once(once, [] {
        g_pageSize = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
        struct sigaction sa {};
        sa.sa_sigaction = onSigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGBUS, &sa, &g_previous);
    });
}

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
        file->m_slot = registerRange(file->m_data, file->m_size);
        ::madvise(p, file->m_size, MADV_RANDOM); // advisory: failure only costs read-ahead
    }
    file->m_fd = fd;
    file->m_mtimeNs = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return file;
}

MappedFile::~MappedFile()
{
    if (m_slot >= 0)
        unregisterRange(m_slot);
    if (m_data)
        ::munmap(const_cast<std::byte *>(m_data), m_size);
    if (m_fd >= 0)
        ::close(m_fd);
}

bool MappedFile::damaged() const
{
    if (m_slot >= 0 && g_slots[m_slot].hit.load())
        return true;
    struct stat st {};
    if (m_fd < 0 || ::fstat(m_fd, &st) != 0)
        return false;
    return static_cast<std::size_t>(st.st_size) != m_size ||
           int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec != m_mtimeNs;
}

void MappedFile::checkIntact() const
{
    if (!damaged())
        return;
    struct stat st {};
    std::string now;
    if (m_fd >= 0 && ::fstat(m_fd, &st) == 0)
        now = std::to_string(st.st_size);
    throw inputError("the file changed while it was being read (" + std::to_string(m_size) + " bytes when opened" +
                         (now.empty() ? std::string() : ", " + now + " now") +
                         "; another program truncated or rewrote it?): what was read cannot be trusted, nothing was "
                         "written. Run again once the file is complete",
                     m_path.string());
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
