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

} // namespace ql
