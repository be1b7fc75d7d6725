// quantlens-cli quantize: the seed's quantize.py, same flags, streaming to the output folder.
#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "command.h"
#include "inspection/summary.h"
#include "readers/checkpoint.h"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {
struct QuantizeArgs
{
    std::string checkpoint, outDir = "quantization/output", overrides;
    unsigned threads = 0;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("--checkpoint", checkpoint, kCheckpointHelp)->required();
        sub.add_option("--output-dir", outDir, "Output folder (created; files replaced atomically)")
            ->capture_default_str();
        addOverridesOption(sub, overrides);
        addThreadsOption(sub, threads);
    }

    static constexpr const char *name = "quantize";
    static constexpr const char *about = "Quantize a checkpoint to weights_int8.bin + manifest.json (seed: "
                                         "quantize.py)";
};

int runQuantize(const QuantizeArgs &a, const Context &c)
{
    if (a.outDir.empty()) // '' would write into the current folder
        throw Error(ErrorKind::Usage, "--output-dir must not be empty");
    QuantizeOptions opt;
    opt.overrides = a.overrides.empty() ? Overrides{} : Overrides::load(a.overrides);
    opt.threads = a.threads;
    opt.rowStats = false;
    opt.releasePages = true;
    ProgressBar bar("quantizing", !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const Checkpoint ck = loadCheckpoint(a.checkpoint);
    const QuantizeResult r = quantizeToDirectory(ck, opt, a.outDir);
    printWarnings(r.warnings, c.quiet);
    const auto bin = (fs::path(a.outDir) / "weights_int8.bin").string();
    const auto manifest = (fs::path(a.outDir) / "manifest.json").string();
    if (c.json) {
        Json j = summaryJson(r);
        j["checkpoint"] = a.checkpoint;
        j["output_dir"] = a.outDir;
        j["files"] = {bin, manifest};
        // replace: a name that is not UTF-8 prints as U+FFFD instead of failing the whole report
        std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else if (!c.quiet) {
        printSummary(stdout, r);
        std::printf("Wrote:        %s, %s\n", bin.c_str(), manifest.c_str());
    }
    return Ok;
}
} // namespace

void addQuantizeCommand(CLI::App &app, Context &ctx) { addSubcommand<QuantizeArgs>(app, ctx, runQuantize); }

} // namespace ql::cli
