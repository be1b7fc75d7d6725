// Output folders that are not what they claim (issue 15, items 3 and 8), which fuzz_manifest (regular files only)
// never makes: each of the four files may also be absent, a folder, a FIFO, a link to /dev/zero, a dangling or
// looping link, or a sparse file of 10 GB. Every reader of a folder (loadArtifacts, verifyArtifacts,
// readLutScales, openSession, existingArtifacts) runs on it; none may block on a FIFO (libFuzzer's -timeout), read an
// endless device (-malloc_limit_mb), crash, or throw anything but an input error.
//
// Input: [kinds: 2 bytes, 3 bits per file] then manifest.json, luts.json and luts.bin, each as [u32 length][bytes], and
// weights_int8.bin as the rest.
#include "fuzz_common.h"

#include "artifacts/luts.h"
#include "artifacts/overwrite.h"
#include "artifacts/verify.h"
#include "session/session.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace {

void place(const fs::path &p, int kind, const uint8_t *data, std::size_t size)
{
    std::error_code ec;
    fs::remove_all(p, ec);
    switch (kind) {
    case 0:
    case 1: // regular (the common case twice as often)
        std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(data), std::streamsize(size));
        break;
    case 2: // absent
        break;
    case 3:
        fs::create_directory(p, ec);
        break;
    case 4:
        ::mkfifo(p.c_str(), 0600);
        break;
    case 5:
        fs::create_symlink("/dev/zero", p, ec);
        break;
    case 6:
        fs::create_symlink(p.filename().string() + ".loop", p, ec);
        fs::create_symlink(p.filename().string(), p.string() + ".loop", ec);
        break;
    case 7: { // the bytes, then a hole to 10 GB (tmpfs keeps it sparse)
        std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(data), std::streamsize(size));
        fs::resize_file(p, uint64_t(10) << 30, ec);
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static const fs::path dir = [] {
        char tmpl[] = "/dev/shm/fuzz_folder.XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        return fs::path(tmpl);
    }();
    if (size < 2)
        return 0;
    const unsigned kinds = unsigned(data[0]) | unsigned(data[1]) << 8;
    const uint8_t *p = data + 2, *end = data + size;
    const char *names[] = { "manifest.json", "luts.json", "luts.bin", "weights_int8.bin" };
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec))
        fs::remove_all(e.path(), ec);
    for (int i = 0; i < 4; ++i) {
        std::size_t n = std::size_t(end - p);
        if (i < 3) {
            uint32_t len = 0;
            if (n >= 4) {
                std::memcpy(&len, p, 4);
                p += 4;
                n -= 4;
            }
            n = std::min<std::size_t>(n, len);
        }
        place(dir / names[i], int((kinds >> (3 * i)) & 7), p, n);
        p += n;
    }
    auto inputOnly = [](auto f) {
        try {
            f();
        } catch (const ql::Error &e) {
            if (e.kind() != ql::ErrorKind::Input)
                std::abort();
        }
    };
    (void)ql::isOutputFolder(dir);
    inputOnly([&] { (void)ql::buildManifest(ql::loadArtifacts(dir)).dump(); });
    (void)ql::verifyReportJson(ql::verifyArtifacts(dir)).dump();
    inputOnly([&] {
        bool matches = false;
        (void)ql::readLutScales(dir, &matches);
    });
    inputOnly([&] { (void)ql::openSession(dir); });
    inputOnly([&] { (void)ql::existingArtifacts(dir, ql::QuantizeResult {}); });
    return 0;
}
