// quantlens-cli optimize: the rules the GUI's Optimize applies, written as an overrides file.
#include "base/errors.h"
#include "command.h"
#include "session/optimize.h"
#include "session/session.h"

#include <iostream>
#include <memory>

namespace ql::cli {

namespace {
struct OptimizeArgs
{
    std::string checkpoint, output, base;
    double minGain = 0.01;
};

int runOptimize(const OptimizeArgs &a, const Context &c)
{
    if (isOutputFolder(a.checkpoint))
        throw Error(ErrorKind::Usage, "optimize needs the FP32 weights: give the checkpoint, not an output folder",
                    a.checkpoint);
    if (!(a.minGain >= 0))
        throw Error(ErrorKind::Usage, "--min-gain must be a number of dB >= 0");
    OpenOptions open;
    open.overrides = a.base.empty() ? Overrides{} : Overrides::load(a.base);
    open.rowStats = false;
    ProgressBar load("quantizing", !c.quiet && !c.json);
    open.progress = [&](uint64_t d, uint64_t t) { return load.update(d, t); };
    const Session s = openSession(a.checkpoint, open);
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

void addOptimizeCommand(CLI::App &app, Context &ctx)
{
    auto a = std::make_shared<OptimizeArgs>();
    auto *o = app.add_subcommand("optimize", "Per tensor, the strategy with the best SNR, written as an overrides "
                                             "file (what the GUI's Optimize applies)");
    o->add_option("checkpoint", a->checkpoint, "Checkpoint (.pt zip or legacy, .safetensors)")->required();
    o->add_option("-o,--output", a->output, "Overrides file to write (atomically)")->required();
    o->add_option("--min-gain", a->minGain, "Propose only changes that gain at least this many dB")
        ->capture_default_str();
    o->add_option("--overrides", a->base, "Start from these rules instead of the seed's defaults");
    ctx.addCommon(o);
    o->callback([a, &ctx] { ctx.exitCode = runOptimize(*a, ctx); });
}

} // namespace ql::cli
