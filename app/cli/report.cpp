// quantlens-cli report: the reviewer report. CSV and JSON are written here (core only); HTML, Markdown and PDF draw
// the window's plots, so this process execs `quantlens-report` (Qt) from the same folder, as git runs its
// subcommands: the CLI itself never links or loads Qt (docs/architecture.md).
#include "../reportargs.h"
#include "command.h"

#include <iostream>

namespace ql::cli {

namespace {

[[noreturn]] void execReport(const ReportArgs &a, ReportFormat format)
{
    execProgram(siblingProgram("quantlens-report"), reportArgv(a, format),
                std::string(reportFormatName(format)) + " reports are drawn by it (Qt); build with "
                "-DQL_BUILD_GUI=ON or install the full package. CSV and JSON reports need no Qt and work without it.");
}

int runReport(ReportArgs a, const Context &c)
{
    a.json = c.json;
    a.quiet = c.quiet;
    const ReportFormat format = resolveReportFormat(a);
    if (reportNeedsFigures(format))
        execReport(a, format);
    const ReportData report = openReport(a);
    writeDataReport(report, format, a.output);
    if (c.json)
        std::cout << Json{{"files", {a.output}}, {"format", reportFormatName(format)},
                          {"verdict", checkLevelName(report.verdict())}}
                         .dump(2)
                  << "\n";
    else if (!c.quiet)
        std::printf("wrote %s (verdict: %s)\n", printable(a.output).c_str(), checkLevelName(report.verdict()));
    return Ok;
}

} // namespace

void addReportCommand(CLI::App &app, Context &ctx) { addSubcommand<ReportArgs>(app, ctx, runReport); }

} // namespace ql::cli
