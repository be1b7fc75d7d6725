// quantlens-cli export-dequantized: the FP32 weights that ship (q · scale) under the checkpoint's keys, as .pt or
// .safetensors, for the user's own evaluation harness.
#include "base/errors.h"
#include "command.h"
#include "session/export.h"
#include "session/session.h"

#include <iostream>

namespace ql::cli {

namespace {
struct ExportArgs
{
    std::string checkpoint, out, overrides;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("checkpoint", checkpoint, kCheckpointHelp)->required();
        sub.add_option("-o,--output", out, "Output file: .pt / .pth (checkpoint structure kept) or .safetensors")
            ->required();
        addOverridesOption(sub, overrides);
    }

    static constexpr const char *name = "export-dequantized";
    static constexpr const char *about = "Write the dequantized INT8 weights (q * scale, FP32) under the checkpoint's "
                                         "keys as .pt (torch.load(weights_only=True)) or .safetensors";
};

int runExport(const ExportArgs &a, const Context &c)
{
    requireCheckpointFile(a.checkpoint, "export-dequantized");
    const Session s = openForCommand(a.checkpoint, a.overrides, "quantizing", c);
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

void addExportDequantizedCommand(CLI::App &app, Context &ctx) { addSubcommand<ExportArgs>(app, ctx, runExport); }

} // namespace ql::cli
