// quantlens-cli eval: runs `quantlens-eval` (found next to this binary) with the same arguments, the way git runs its
// subcommands. Evaluation needs libtorch, whose start-up (≈0.4 s, 150 MiB) no other subcommand should pay, so it
// lives in its own executable (docs/architecture.md).
#include "base/errors.h"
#include "command.h"


namespace ql::cli {

namespace {
[[noreturn]] void runEval(const std::vector<std::string> &args)
{
    execProgram(siblingProgram("quantlens-eval"), args,
                "evaluation needs it; it is built when libtorch is found (Debian: libtorch-dev, CMake "
                "-DQL_BUILD_TORCH=ON)");
}
} // namespace

void addEvalCommand(CLI::App &app, Context &)
{
    auto *e = app.add_subcommand("eval", "Run a TorchScript model with FP32 and INT8-dequantized weights and compare "
                                         "its outputs; --sensitivity ranks tensors (runs quantlens-eval; see "
                                         "`quantlens-cli eval --help`)");
    // Everything after `eval`, --help included, belongs to quantlens-eval.
    e->prefix_command();
    e->set_help_flag();
    e->callback([e] { runEval(e->remaining()); });
}

} // namespace ql::cli
