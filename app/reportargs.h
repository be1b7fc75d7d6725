#pragma once
// The options of `quantlens-cli report`, shared with the `quantlens-report` executable it runs for the formats that
// draw figures: one definition, so the two parse the same command line and the CLI forwards it unchanged.
#include "base/errors.h"
#include "inspection/report.h"
#include "session/session.h"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ql::cli {

struct ReportArgs
{
    std::string input, output, format, overrides, compare;
    double minSnr = 20.0;
    bool strict = false, json = false, quiet = false;

    /// The options that fill it.
    void declare(CLI::App &sub);

    static constexpr const char *name = "report";
    static constexpr const char *about = "Reviewer report (HTML, Markdown, PDF, CSV layer table or JSON) of a "
                                         "checkpoint or an output folder; the verdict is informative, exit 0 whatever "
                                         "it says (lint is the gate)";
};

inline void ReportArgs::declare(CLI::App &sub)
{
    sub.add_option("input", input, "Checkpoint file, or an output folder with manifest.json")->required();
    sub.add_option("-o,--output", output, "Report file to write (atomically)")->required();
    sub.add_option("--format", format, "html, md, pdf, csv or json (default: from the output's extension)")
        ->check(CLI::IsMember({"html", "md", "markdown", "pdf", "csv", "json"}));
    sub.add_option("--compare", compare, "Second checkpoint or output folder (B): adds what changed from INPUT to "
                                         "B and what re-uploading costs, as `quantlens-cli compare INPUT B`");
    sub.add_option("--overrides", overrides, "Overrides file applied to the checkpoint before reporting (and to "
                                             "--compare's checkpoint, as `compare --overrides` does)");
    sub.add_option("--min-snr", minSnr, "Tensors below this SNR (dB) are outliers, and lint's quality gate (as "
                                        "`lint --min-snr`): a matrix under it blocks the verdict")
        ->capture_default_str();
    sub.add_flag("--strict", strict, "As `lint --strict`: lint warnings are errors and block the verdict");
}

/// The command line that reproduces `a` (what the CLI hands to quantlens-report).
inline std::vector<std::string> reportArgv(const ReportArgs &a, ReportFormat format)
{
    std::vector<std::string> v = {a.input, "-o", a.output, "--format", reportFormatName(format), "--min-snr",
                                  std::to_string(a.minSnr)};
    if (!a.overrides.empty())
        v.insert(v.end(), {"--overrides", a.overrides});
    if (!a.compare.empty())
        v.insert(v.end(), {"--compare", a.compare});
    if (a.strict)
        v.push_back("--strict");
    if (a.json)
        v.push_back("--json");
    if (a.quiet)
        v.push_back("-q");
    return v;
}

inline ReportFormat resolveReportFormat(const ReportArgs &a)
{
    if (!a.format.empty())
        return *parseReportFormat(a.format);
    if (auto f = reportFormatFromPath(a.output))
        return *f;
    throw Error(ErrorKind::Usage, "cannot tell the report format from the file name: give --format html|md|pdf|csv|json "
                                  "or end it in .html, .md, .pdf, .csv or .json",
                a.output);
}

/// Opens the input as every command does and assembles the report data.
inline ReportData openReport(const ReportArgs &a)
{
    if (!a.overrides.empty() && isOutputFolder(a.input))
        throw Error(ErrorKind::Usage, "--overrides needs a checkpoint, not an output folder", a.input);
    OpenOptions opt;
    opt.overrides = a.overrides.empty() ? Overrides{} : Overrides::load(a.overrides);
    opt.rowStats = true; // the drill-down of the outliers needs per-row statistics
    ReportOptions ro;
    ro.minSnr = a.minSnr;
    ro.strict = a.strict;
    ro.overridesFile = a.overrides;
    const Session session = openSession(a.input, opt);
    std::shared_ptr<const Session> b;
    if (!a.compare.empty()) {
        OpenOptions ob = opt;
        if (isOutputFolder(a.compare))
            ob.overrides = {}; // an output folder carries its own (as `compare --overrides` treats it)
        b = std::make_shared<const Session>(openSession(a.compare, ob));
    }
    return buildReport(session, ro, std::move(b));
}

} // namespace ql::cli
