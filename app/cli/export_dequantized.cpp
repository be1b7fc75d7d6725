// quantlens-cli export-dequantized: the FP32 weights that ship (q · scale) under the checkpoint's keys, as .pt or
// .safetensors, for the user's own evaluation harness.
#include "base/errors.h"
#include "command.h"
#include "session/export.h"
#include "session/session.h"

#include <iostream>
#include <memory>

namespace ql::cli {

namespace {
struct ExportArgs
{
    std::string checkpoint, out, overrides;
};

int runExport(const ExportArgs &a, const Context &c)
{
    if (isOutputFolder(a.checkpoint))
        throw Error(ErrorKind::Usage, "export-dequantized needs a checkpoint file, not an output folder", a.checkpoint);
    OpenOptions opt;
    opt.overrides = a.overrides.empty() ? Overrides{} : Overrides::load(a.overrides);
    opt.rowStats = false;
    ProgressBar bar("quantizing", !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const Session s = openSession(a.checkpoint, opt);
    printWarnings(s.result->warnings, c.quiet || c.json);
    const ExportSummary sum = exportDequantized(s, a.out);
    if (c.json) {
        Json j = {{"checkpoint", a.checkpoint},
                  {"output", a.out},
                  {"format", sum.format},
                  {"dequantized_tensors", sum.dequantized},
                  {"kept_tensors", sum.kept},
                  {"dropped_entries", sum.dropped}};
        std::cout << j.dump(2) << "\n";
    } else if (!c.quiet) {
        std::printf("Wrote %s (%s): %d tensors dequantized (q * scale, float32), %d kept as they are\n",
                    printable(a.out).c_str(), sum.format.c_str(), sum.dequantized, sum.kept);
        for (const auto &d : sum.dropped)
            std::printf("Not written: top-level entry '%s' (not plain data)\n", printable(d).c_str());
    }
    return Ok;
}
} // namespace

void addExportDequantizedCommand(CLI::App &app, Context &ctx)
{
    auto a = std::make_shared<ExportArgs>();
    auto *e = app.add_subcommand("export-dequantized",
                                 "Write the dequantized INT8 weights (q * scale, FP32) under the checkpoint's keys as "
                                 ".pt (torch.load(weights_only=True)) or .safetensors");
    e->add_option("checkpoint", a->checkpoint, "Checkpoint (.pt zip or legacy, .safetensors)")->required();
    e->add_option("-o,--output", a->out, "Output file: .pt / .pth (checkpoint structure kept) or .safetensors")
        ->required();
    e->add_option("--overrides", a->overrides, "Overrides file (quantlens_overrides_v1 JSON)");
    ctx.addCommon(e);
    e->callback([a, &ctx] { ctx.exitCode = runExport(*a, ctx); });
}

} // namespace ql::cli
