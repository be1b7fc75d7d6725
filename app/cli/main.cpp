// quantlens-cli: the seed pipeline's commands (quantize, generate-luts) and QuantLens's own, on quantlens_core.
// Each subcommand lives in its own file (command.h); this file parses, dispatches and maps errors to exit codes.
#include "artifacts/atomicfile.h"
#include "base/errors.h"
#include "base/mappedfile.h"
#include "command.h"

#include <cstdio>
#include <new>

using namespace ql;
using namespace ql::cli;

int main(int argc, char **argv)
{
    ignoreFileSizeSignal();
    installMappedFileGuard(); // a checkpoint truncated while mapped: an input error, not SIGBUS
    CLI::App app{"QuantLens: FP32 PyTorch checkpoints -> INT8 artifacts for Solana's sol_matmul_i8, byte-identical "
                 "to the seed pipeline.\n" +
                 std::string(kExitCodes)};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("quantlens-cli ") + QL_VERSION);

    Context ctx;
    for (auto add : {
             addQuantizeCommand,
             addGenerateLutsCommand,
             addInspectCommand,
             addOptimizeCommand,
             addCompareCommand,
             addVerifyCommand,
             addLintCommand,
             addReportCommand,
             addEvalCommand,
             addExportDequantizedCommand,
         })
        add(app, ctx);

    return runGuarded("quantlens-cli", [&] {
        try {
            app.parse(argc, argv); // the chosen subcommand runs from its callback
            return ctx.exitCode;
        } catch (const CLI::ParseError &e) {
            const int rc = app.exit(e);
            return rc == 0 ? int(Ok) : int(Usage);
        }
    });
}
