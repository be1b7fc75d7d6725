// quantlens-cli lint: on-chain limits, the quality gate and suspicious content of a checkpoint or an output folder.
#include "base/errors.h"
#include "command.h"
#include "inspection/lint.h"
#include "session/session.h"

#include <cmath>
#include <iostream>

namespace ql::cli {

namespace {
struct LintArgs
{
    std::string path;
    double minSnr = std::nan("");
    bool strict = false;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("input", path, kInputHelp)->required();
        sub.add_option("--min-snr", minSnr, "Error when a matrix weight's SNR is under this many dB (near-zero "
                                            "signals are warned about instead)");
        sub.add_flag("--strict", strict, "Warnings are errors too");
    }

    static constexpr const char *name = "lint";
    static constexpr const char *about = "Check on-chain limits (SPEC 7), a quality gate and suspicious content of a "
                                         "checkpoint or an output folder; errors fail the gate (exit 5)";
};

int runLint(const LintArgs &a, const Context &c)
{
    const Session s = openForCommand(a.path, "", "linting", c);
    const LintInputs in = lintInputsFor(s);
    LintOptions lo;
    if (!std::isnan(a.minSnr))
        lo.minSnrDb = a.minSnr;
    lo.strict = a.strict;
    const LintReport rep = lintResult(*s.result, in, lo);
    if (c.json) {
        Json j = lintReportJson(rep);
        j["input"] = a.path;
        std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
        for (const auto &f : rep.findings) {
            if (c.quiet && f.severity != LintSeverity::Error)
                continue;
            std::string where;
            if (!f.tensor.empty())
                where = "tensor '" + f.tensor + "'" + (f.row >= 0 ? " row " + std::to_string(f.row) : "") + ": ";
            else if (!f.lut.empty())
                where = "LUT " + f.lut + ": ";
            std::fprintf(f.severity == LintSeverity::Error ? stderr : stdout, "%s [%s] %s%s\n",
                         f.severity == LintSeverity::Error ? "error" : "warning", f.rule.c_str(),
                         printable(where).c_str(), printable(f.message).c_str());
        }
        if (!c.quiet)
            std::printf("lint: %zu error(s), %zu warning(s)%s\n", rep.errors(), rep.warnings(),
                        rep.ok() ? "" : ": gate failed");
    }
    return rep.ok() ? Ok : Gate;
}
} // namespace

void addLintCommand(CLI::App &app, Context &ctx) { addSubcommand<LintArgs>(app, ctx, runLint); }

} // namespace ql::cli
