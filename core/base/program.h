#pragma once
// What every QuantLens program (quantlens-cli, quantlens-report, quantlens-eval) does the same way: print an error
// safely and map it to the documented exit code, and find and run its sibling executables (as git runs its
// subcommands, so that only the programs that need Qt or libtorch pay for loading them: docs/architecture.md).
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

/// Text from a file made safe for a terminal: C0/C1 control characters, DEL and bytes that are not UTF-8 become
/// \xNN (a tensor name holding ESC sequences could otherwise clear the screen, retitle the window or hide a line).
/// Newlines and tabs are kept when `keepLines`, for whole messages; never for names in a table.
std::string printable(std::string_view text, bool keepLines = false);

/// Runs a program's body and turns what escapes it into "<program>: error: <message>" on stderr and the exit code
/// of the error's kind (exitCodeOf); out of memory and any other exception exit 1.
int runGuarded(const char *program, const std::function<int()> &body);

/// `name` in the folder of the running executable (/proc/self/exe).
std::filesystem::path siblingProgram(const std::string &name);

/// Replaces this process with `exe args...` (stdout/stderr flushed first). Returns only by throwing: an Internal
/// error naming `exe` when it is missing (with `missingHint`, what to install or build) or cannot be run.
[[noreturn]] void execProgram(const std::filesystem::path &exe, const std::vector<std::string> &args,
                              const std::string &missingHint);

/// For a long-running program that replaces large buffers (the inspector's INT8 pieces on every edit, undo and
/// Optimize): blocks of 1 MiB and more get a mapping of their own and go back to the system when freed. glibc's
/// default threshold rises to the largest block freed so far, after which a model's INT8 pieces came from malloc's
/// arenas and stayed there after an edit freed them (bench_gui_stalls, 128 MiB model: steady state 1.37-1.46 x INT8
/// before, 1.09 x after; Optimize's apply 2.12 x before, 1.22 x after; docs/benchmarks.md). Process-wide, so the
/// program's main() calls it, not a library.
void returnLargeBlocksWhenFreed();

} // namespace ql
