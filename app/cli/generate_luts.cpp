// quantlens-cli generate-luts: the seed's generate_luts.py, same flags, plus what each table cannot represent.
#include "artifacts/luts.h"
#include "artifacts/lutsaturation.h"
#include "base/errors.h"
#include "command.h"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {
struct LutArgs
{
    LutScales scales;
    std::string outDir = "quantization/output/luts";

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("-o,--output-dir", outDir, "Output folder")->capture_default_str();
        const char *flagNames[kNumLuts] = {"silu", "softplus", "rsqrt", "exp"};
        for (int k = 0; k < kNumLuts; ++k) {
            const std::string fn = std::string("--") + flagNames[k];
            sub.add_option(fn + "-input-scale", scales.in[k], std::string(lutName(LutKind(k))) + " input scale")
                ->capture_default_str();
            sub.add_option(fn + "-output-scale", scales.out[k], std::string(lutName(LutKind(k))) + " output scale")
                ->capture_default_str();
        }
    }

    static constexpr const char *name = "generate-luts";
    static constexpr const char *about = "Write luts.bin + luts.json (seed: generate_luts.py)";
};

int runGenerateLuts(const LutArgs &a, const Context &c)
{
    if (a.outDir.empty()) // '' would write into the current folder
        throw Error(ErrorKind::Usage, "--output-dir must not be empty");
    writeLuts(a.outDir, a.scales);
    if (c.json) {
        std::cout << lutsJson(a.scales).dump(2) << "\n";
        return Ok;
    }
    if (c.quiet)
        return Ok;
    for (int k = 0; k < kNumLuts; ++k) {
        const auto kind = LutKind(k);
        const auto an = analyzeLut(kind, a.scales.in[k], a.scales.out[k]);
        std::string notes;
        // Where saturation starts tells the user which inputs the table cannot represent.
        for (const auto &edge : lutSaturationEdges(kind, a.scales.in[k], a.scales.out[k])) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "  clips to %d for x %s %.4g", edge.limit, edge.aboveSaturates ? ">=" : "<=",
                          edge.x);
            notes += buf;
        }
        if (an.monotonicViolations)
            notes += "  NOT MONOTONIC (" + std::to_string(an.monotonicViolations) + " steps)";
        std::printf("%-9s in %-10g out %-10g  max err %.4g  mean err %.4g  saturated %3d/256%s\n", lutName(kind),
                    a.scales.in[k], a.scales.out[k], an.maxAbsError, an.meanAbsError, an.saturatedCount, notes.c_str());
    }
    std::printf("Wrote:     %s, %s\n", (fs::path(a.outDir) / "luts.bin").c_str(),
                (fs::path(a.outDir) / "luts.json").c_str());
    return Ok;
}
} // namespace

void addGenerateLutsCommand(CLI::App &app, Context &ctx) { addSubcommand<LutArgs>(app, ctx, runGenerateLuts); }

} // namespace ql::cli
