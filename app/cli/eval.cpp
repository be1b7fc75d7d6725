// quantlens-cli eval: runs `quantlens-eval` (found next to this binary) with the same arguments, the way git runs its
// subcommands. Evaluation needs libtorch, whose start-up (≈0.4 s, 150 MiB) no other subcommand should pay, so it
// lives in its own executable (docs/architecture.md).
#include "base/errors.h"
#include "command.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {
fs::path evalExecutable()
{
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return (ec ? fs::path(".") : self.parent_path()) / "quantlens-eval";
}

[[noreturn]] void runEval(const std::vector<std::string> &args)
{
    const fs::path exe = evalExecutable();
    std::error_code ec;
    if (!fs::exists(exe, ec))
        throw Error(ErrorKind::Internal,
                    "evaluation needs quantlens-eval next to quantlens-cli and it is not there (" + exe.string() +
                        "); it is built when libtorch is found (Debian: libtorch-dev, CMake -DQL_BUILD_TORCH=ON)");
    std::vector<std::string> owned{exe.string()};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &s : owned)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    ::execv(exe.c_str(), argv.data());
    throw Error(ErrorKind::Internal, std::string("cannot run quantlens-eval: ") + std::strerror(errno), exe.string());
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
