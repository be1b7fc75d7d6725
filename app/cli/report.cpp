// quantlens-cli report: the reviewer report. CSV and JSON are written here (core only); HTML, Markdown and PDF draw
// the window's plots, so this process execs `quantlens-report` (Qt) from the same folder, as git runs its
// subcommands: the CLI itself never links or loads Qt (docs/architecture.md).
#include "../reportargs.h"
#include "command.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {

fs::path reportExecutable()
{
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw Error(ErrorKind::Internal, "cannot find this program's own folder (/proc/self/exe): " + ec.message());
    return self.parent_path() / "quantlens-report";
}

[[noreturn]] void execReport(const ReportArgs &a, ReportFormat format)
{
    const fs::path exe = reportExecutable();
    if (::access(exe.c_str(), X_OK) != 0)
        throw Error(ErrorKind::Internal,
                    std::string(reportFormatName(format)) + " reports are drawn by quantlens-report, which is not "
                    "installed next to quantlens-cli (" + exe.string() + "); build with -DQL_BUILD_GUI=ON or install "
                    "the full package. CSV and JSON reports need no Qt and work without it.");
    std::vector<std::string> args = reportArgv(a, format);
    args.insert(args.begin(), exe.string());
    std::vector<char *> argv;
    for (auto &s : args)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execv(exe.c_str(), argv.data());
    throw Error(ErrorKind::Internal, "cannot run " + exe.string() + ": " + std::strerror(errno));
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

void addReportCommand(CLI::App &app, Context &ctx)
{
    auto a = std::make_shared<ReportArgs>();
    auto *sub = app.add_subcommand("report", "Reviewer report (HTML, Markdown, PDF, CSV layer table or JSON) of a "
                                             "checkpoint or an output folder; the verdict is informative, exit 0 "
                                             "whatever it says (lint is the gate)");
    addReportOptions(sub, *a);
    ctx.addCommon(sub);
    sub->callback([a, &ctx] { ctx.exitCode = runReport(*a, ctx); });
}

} // namespace ql::cli
