#pragma once
// The subcommands of quantlens-cli, one file each. A subcommand registers itself on the CLI11 app and runs from its
// callback; errors propagate as ql::Error to main(), which maps them to exit codes.
#include "format.h"
#include "session/session.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace ql::cli {

constexpr const char *kExitCodes = "Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input "
                                   "(unreadable, corrupt, hostile or non-finite checkpoint), 4 output error "
                                   "(cannot write; earlier artifacts are left untouched), 130 cancelled; "
                                   "lint and verify: 5 when the gate fails.";

/// Flags every subcommand takes, and the exit code its run sets.
struct Context
{
    bool json = false;
    bool quiet = false;
    int exitCode = Ok;
    /// Adds --json and -q/--quiet and the exit-code footer to a subcommand.
    void addCommon(CLI::App *sub);
};

/// Warnings of a result on stderr (names escaped), unless quiet.
void printWarnings(const std::vector<std::string> &warnings, bool quiet);

/// openSession as the subcommands use it: the --overrides file applied (none when `overridesFile` is empty), no
/// per-row statistics (no subcommand prints them), a progress bar labelled `label` unless -q or --json.
Session openForCommand(const std::string &path, const std::string &overridesFile, const std::string &label,
                       const Context &c);

/// The options several subcommands take, each with one help text; `help` replaces it where a subcommand gives the
/// option a narrower meaning.
constexpr const char *kCheckpointHelp = "Checkpoint (.pt zip or legacy, .safetensors)";
constexpr const char *kInputHelp = "Checkpoint file, or an output folder with manifest.json";
CLI::Option *addOverridesOption(CLI::App &sub, std::string &file,
                                const char *help = "Overrides file (quantlens_overrides_v1 JSON)");
CLI::Option *addThreadsOption(CLI::App &sub, unsigned &threads,
                              const char *help = "Worker threads (default: all cores)");

/// A usage error unless `path` is a checkpoint file: "<command> needs <what>, not an output folder".
void requireCheckpointFile(const std::string &path, const char *command, const char *what = "a checkpoint file");

/// Adds the subcommand that `Args` describes: `Args::name` and `Args::about`, and `Args::declare(sub)` adding its own
/// options to one `Args` shared with the callback; then come --json, -q/--quiet and the exit-code footer. Parsing it
/// runs `run(args, ctx)` and keeps the exit code it returns.
template <typename Args, typename Run>
void addSubcommand(CLI::App &app, Context &ctx, Run run)
{
    auto args = std::make_shared<Args>();
    CLI::App *sub = app.add_subcommand(Args::name, Args::about);
    args->declare(*sub);
    ctx.addCommon(sub);
    sub->callback([args, run, &ctx] { ctx.exitCode = run(*args, ctx); });
}

void addQuantizeCommand(CLI::App &app, Context &ctx);
void addGenerateLutsCommand(CLI::App &app, Context &ctx);
void addInspectCommand(CLI::App &app, Context &ctx);
void addOptimizeCommand(CLI::App &app, Context &ctx);
void addCompareCommand(CLI::App &app, Context &ctx);
void addVerifyCommand(CLI::App &app, Context &ctx);
void addLintCommand(CLI::App &app, Context &ctx);
void addReportCommand(CLI::App &app, Context &ctx);
void addExportDequantizedCommand(CLI::App &app, Context &ctx);
void addEvalCommand(CLI::App &app, Context &ctx);

} // namespace ql::cli
