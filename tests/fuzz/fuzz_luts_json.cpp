// readLutScales on a fuzzed luts.json (luts.bin from the default tables), then the tables and their analysis
// regenerated from the scales it accepted.
#include "fuzz_common.h"
#include "artifacts/luts.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static const std::filesystem::path dir = [] {
        char tmpl[] = "/dev/shm/fuzz_luts.XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        const auto bin = ql::generateLuts({});
        std::ofstream(std::filesystem::path(tmpl) / "luts.bin", std::ios::binary)
            .write(reinterpret_cast<const char *>(bin.data()), bin.size());
        return std::filesystem::path(tmpl);
    }();
    std::ofstream(dir / "luts.json", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
    try {
        bool binMatches = false;
        const ql::LutScales s = ql::readLutScales(dir, &binMatches);
        (void)ql::generateLuts(s);
        (void)ql::lutsJson(s).dump();
        for (int k = 0; k < ql::kNumLuts; ++k)
            (void)ql::analyzeLut(ql::LutKind(k), s.in[k], s.out[k]);
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort();
    }
    return 0;
}
