// quantlens-cli verify: is an output folder consistent, on-chain shaped and (with --checkpoint) reproducible?
#include "artifacts/verify.h"
#include "base/errors.h"
#include "command.h"

#include <iostream>

namespace ql::cli {

namespace {
struct VerifyArgs
{
    unsigned threads = 0;
    std::string dir, checkpoint, overrides;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("dir", dir, "Output folder (manifest.json + weights_int8.bin)")->required();
        sub.add_option("--checkpoint", checkpoint,
                       "Re-derive the folder from this checkpoint and require byte identity");
        addOverridesOption(sub, overrides,
                           "Overrides for the re-derivation (default: those the folder's manifest records)");
        addThreadsOption(sub, threads, "Worker threads for the re-derivation (default: all cores)");
    }

    static constexpr const char *name = "verify";
    static constexpr const char *about = "Check an output folder: manifest <-> bin consistency, shard map on "
                                         "4096-byte boundaries within 10 MiB accounts, shard SHA-256s, LUTs; with "
                                         "--checkpoint, byte identity with a fresh quantization";
};

int runVerify(const VerifyArgs &a, const Context &c)
{
    if (!a.overrides.empty() && a.checkpoint.empty())
        throw Error(ErrorKind::Usage, "--overrides needs --checkpoint (it is applied to the re-derivation)");
    VerifyOptions opt;
    opt.checkpoint = a.checkpoint;
    if (!a.overrides.empty())
        opt.overrides = Overrides::load(a.overrides);
    opt.threads = a.threads;
    ProgressBar bar("re-deriving", !c.quiet && !c.json && !a.checkpoint.empty());
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const VerifyReport rep = verifyArtifacts(a.dir, opt);
    if (c.json)
        std::cout << verifyReportJson(rep).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    else if (!rep.ok())
        // The first problem, located; the rest are counted (--json lists them all).
        std::fprintf(stderr, "quantlens-cli: verify failed: %s%s\n", printable(rep.problems.front().text()).c_str(),
                     rep.problems.size() > 1
                         ? (" (and " + std::to_string(rep.problems.size() - 1) + " more problems; --json lists all)").c_str()
                         : "");
    if (!c.json && !c.quiet) {
        for (const auto &n : rep.notes)
            std::fprintf(stderr, "note: %s\n", printable(n).c_str());
        if (rep.ok())
            std::printf("verified: %s: %zu tensors, %llu bytes in %zu shards%s%s%s\n", printable(a.dir).c_str(),
                        rep.numTensors, static_cast<unsigned long long>(rep.totalBytes), rep.numShards,
                        rep.hashesChecked ? ", shard SHA-256s match" : "", rep.lutsChecked ? ", LUTs match" : "",
                        rep.checkpointCompared ? ", byte-identical to the checkpoint's re-derivation" : "");
    }
    return rep.ok() ? Ok : Gate;
}
} // namespace

void addVerifyCommand(CLI::App &app, Context &ctx) { addSubcommand<VerifyArgs>(app, ctx, runVerify); }

} // namespace ql::cli
