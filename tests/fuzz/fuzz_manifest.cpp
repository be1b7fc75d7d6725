// loadArtifacts on an output folder: the input is manifest.json, a NUL byte, then weights_int8.bin
// (no NUL: no weights file). The loaded result is summarised, serialised again and linted; verifyArtifacts() reads
// the same folder collecting every problem, and its report must serialise (valid UTF-8) whatever the input.
#include "fuzz_common.h"

#include "artifacts/verify.h"
#include "inspection/lint.h"

#include <cstring>
#include <filesystem>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static const std::filesystem::path dir = [] {
        char tmpl[] = "/dev/shm/fuzz_manifest.XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        return std::filesystem::path(tmpl);
    }();
    const auto *nul = static_cast<const uint8_t *>(std::memchr(data, 0, size));
    const std::size_t msize = nul ? std::size_t(nul - data) : size;
    std::ofstream(dir / "manifest.json", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(msize));
    std::error_code ec;
    std::filesystem::remove(dir / "weights_int8.bin", ec);
    if (nul)
        std::ofstream(dir / "weights_int8.bin", std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char *>(nul + 1), static_cast<std::streamsize>(size - msize - 1));
    try {
        auto r = ql::loadArtifacts(dir);
        (void)r.summary();
        (void)ql::buildManifest(r).dump();
        for (const auto &t : r.tensors)
            for (int64_t row = 0; row < t.rows && row < 4096; ++row)
                (void)t.rowScale(row);
        (void)ql::lintReportJson(ql::lintResult(r, {}, {})).dump();
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort();
    }
    const ql::VerifyReport v = ql::verifyArtifacts(dir);
    (void)ql::verifyReportJson(v).dump();
    return 0;
}
