// quantlens-report: writes a reviewer report with the window's plot code, headless. `quantlens-cli report` runs it
// for HTML, Markdown and PDF so that the CLI never loads Qt; it takes the same options (app/reportargs.h). Like
// hotspot's --exportTo, it makes only what the command needs: a QApplication on the offscreen platform, no window.
#include "reportargs.h"
#include "reportexport.h"

#include "artifacts/atomicfile.h"
#include "base/mappedfile.h"
#include "base/program.h"

#include <QApplication>
#include <cstdio>
#include <iostream>
#include <new>

using namespace ql;

namespace {
QtMessageHandler g_defaultHandler = nullptr;

/// The offscreen platform reports what it cannot do for windows nobody sees; those lines would only confuse a
/// report run's output. Everything else goes through unchanged.
void filterMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && (message.contains(QLatin1String("propagateSizeHints")) ||
                                 message.contains(QLatin1String("XDG_RUNTIME_DIR"))))
        return;
    g_defaultHandler(type, context, message);
}

} // namespace

int main(int argc, char **argv)
{
    ignoreFileSizeSignal();
    installMappedFileGuard(); // a checkpoint truncated while mapped: an input error, not SIGBUS
    CLI::App cli{"QuantLens reviewer report with figures (HTML, Markdown, PDF; also CSV, JSON). Usually run by "
                 "`quantlens-cli report`."};
    cli::ReportArgs a;
    a.declare(cli);
    cli.add_flag("--json", a.json, "Print the files written as JSON");
    cli.add_flag("-q,--quiet", a.quiet, "Print nothing but errors");
    cli.set_version_flag("--version", std::string("quantlens-report ") + QL_VERSION);
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    // No display is needed or wanted: the figures are rendered into images.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    g_defaultHandler = qInstallMessageHandler(filterMessages);
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    return runGuarded("quantlens-report", [&] {
        const ReportFormat format = cli::resolveReportFormat(a);
        const ReportData report = cli::openReport(a);
        const auto files = writeReport(report, format, a.output);
        if (a.json) {
            Json list = Json::array();
            for (const auto &f : files)
                list.push_back(f.string());
            std::cout << Json{{"files", list}, {"format", reportFormatName(format)},
                              {"verdict", checkLevelName(report.verdict())}}
                             .dump(2)
                      << "\n";
        } else if (!a.quiet) {
            std::printf("wrote %s (verdict: %s)\n", a.output.c_str(), checkLevelName(report.verdict()));
            if (files.size() > 1)
                std::printf("wrote %zu figures into %s\n", files.size() - 1, files[1].parent_path().c_str());
        }
        return 0;
    });
}
