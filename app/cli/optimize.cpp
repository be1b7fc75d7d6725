// quantlens-cli optimize: the rules the GUI's Optimize applies, written as an overrides file.
#include "base/errors.h"
#include "command.h"
#include "session/optimize.h"
#include "session/session.h"

#include <iostream>

namespace ql::cli {

namespace {
struct OptimizeArgs
{
    std::string checkpoint, output, base;
    double minGain = 0.01;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("checkpoint", checkpoint, kCheckpointHelp)->required();
        sub.add_option("-o,--output", output, "Overrides file to write (atomically)")->required();
        sub.add_option("--min-gain", minGain, "Propose only changes that gain at least this many dB")
            ->capture_default_str();
        addOverridesOption(sub, base, "Start from these rules instead of the seed's defaults");
    }

    static constexpr const char *name = "optimize";
    static constexpr const char *about = "Per tensor, the strategy with the best SNR, written as an overrides file "
                                         "(what the GUI's Optimize applies)";
};

int runOptimize(const OptimizeArgs &a, const Context &c)
{
    requireCheckpointFile(a.checkpoint, "optimize", "the FP32 weights: give the checkpoint");
    if (!(a.minGain >= 0))
        throw Error(ErrorKind::Usage, "--min-gain must be a number of dB >= 0");
    const Session s = openForCommand(a.checkpoint, a.base, "quantizing", c);
    OptimizeOptions opt;
    opt.minGainDb = a.minGain;
    ProgressBar bar("optimizing", !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const OptimizePlan plan = optimize(*s.checkpoint, *s.result, s.overrides, opt);
    plan.overrides.save(a.output);
    printWarnings(s.result->warnings, c.quiet || c.json);
    if (c.json) {
        std::cout << optimizePlanJson(plan).dump(2) << "\n";
        return Ok;
    }
    if (c.quiet)
        return Ok;
    if (plan.tensors.empty()) {
        std::printf("Every tensor already has its best strategy (gain below %.3g dB).\n", a.minGain);
    } else {
        std::printf("%-48s %-24s %9s %9s %8s\n", "tensor", "strategy", "before dB", "after dB", "gain dB");
        for (const auto &t : plan.tensors)
            std::printf("%-48s %-24s %9.2f %9.2f %+8.2f\n", printable(t.name).c_str(), t.to.name().c_str(),
                        t.snrBefore, t.snrAfter, t.gainDb());
        std::printf("\n%zu tensor(s) changed, mean gain %.2f dB per changed tensor\n", plan.tensors.size(),
                    plan.meanGainDb());
    }
    std::printf("Wrote:        %s (%zu rule(s))\n", a.output.c_str(), plan.overrides.rules.size());
    return Ok;
}
} // namespace

void addOptimizeCommand(CLI::App &app, Context &ctx) { addSubcommand<OptimizeArgs>(app, ctx, runOptimize); }

} // namespace ql::cli
