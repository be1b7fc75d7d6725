// LD_PRELOAD shim for the SIGBUS tests (tst_truncated_cli): truncates a file at a chosen moment of a real CLI run, as
// another program rewriting the checkpoint would, without a race. MappedFile advises the kernel at two moments:
// MADV_RANDOM just after mapping (before anything is parsed) and MADV_NORMAL when parsing is over (before the tensor
// data is read); QL_SHIM_TRUNCATE_ON=random|normal picks one, QL_SHIM_TRUNCATE_PATH the file, QL_SHIM_TRUNCATE_TO
// its new size (default 0). Only the first such call truncates.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int madvise(void *addr, size_t length, int advice)
{
    using Fn = int (*)(void *, size_t, int);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "madvise"));
    static std::atomic<bool> done { false };
    const char *on = std::getenv("QL_SHIM_TRUNCATE_ON");
    const char *path = std::getenv("QL_SHIM_TRUNCATE_PATH");
    if (on && path
        && ((advice == MADV_RANDOM && std::strcmp(on, "random") == 0)
            || (advice == MADV_NORMAL && std::strcmp(on, "normal") == 0))
        && !done.exchange(true)) {
        const char *to = std::getenv("QL_SHIM_TRUNCATE_TO");
        if (::truncate(path, to ? std::atoll(to) : 0) != 0)
            std::abort(); // the test would prove nothing
    }
    return real(addr, length, advice);
}
