// The report's lint verdicts and comparison (issue 12): present in every format (JSON parsed, HTML and Markdown
// searched, the PDF's text through pdftotext), their figures equal to what `quantlens-cli lint --json` and
// `quantlens-cli compare --json` print for the same inputs, the WeightShard header of SPEC §7 in the shard costs, and
// File → Export Report carrying the window's comparison.
#include "../common/files.h"
#include "../common/mainwindowtest.h"
#include "../common/runprocess.h"
#include "mainwindow.h"
#include "reportexport.h"
#include "reportfigures.h"

#include "compareview.h"
#include "inspection/reportwriters.h"
#include "inspection/summary.h"
#include "session/session.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const fs::path kData = QL_TEST_DATA;
const QString kB = QString::fromStdString((kData / "legacy-format.pt").string()); // the sample, two steps later

using qltest::Run;
Run run(const QString &program, const QStringList &args) { return qltest::runProcess(program, args); }

ql::Json cliJson(const QStringList &args, int expectCode = 0)
{
    const Run r = run(QStringLiteral(QL_CLI), args);
    if (r.code != expectCode)
        qWarning("quantlens-cli %s: exit %d: %s", qPrintable(args.join(QLatin1Char(' '))), r.code, qPrintable(r.err));
    return r.code == expectCode ? ql::Json::parse(r.out.toStdString()) : ql::Json();
}

/// The text between `<h2 id="ID"` and the next `<h2` of an HTML report.
QString htmlSection(const QString &html, const QString &id)
{
    const int at = html.indexOf(QStringLiteral("<h2 id=\"%1\"").arg(id));
    if (at < 0)
        return {};
    const int next = html.indexOf(QStringLiteral("<h2 "), at + 4);
    return html.mid(at, next < 0 ? -1 : next - at);
}

QString esc(const std::string &s) { return QString::fromStdString(ql::htmlEscape(s)); }

} // namespace

class TestReportSections : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_folder; // the sample quantized, with LUTs whose output scales saturate

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_folder = m_tmp.filePath(QStringLiteral("sample-out"));
        QCOMPARE(run(QStringLiteral(QL_CLI), {QStringLiteral("quantize"), QStringLiteral("--checkpoint"),
                                             QStringLiteral(QL_SAMPLE), QStringLiteral("--output-dir"), m_folder,
                                             QStringLiteral("-q")})
                     .code,
                 0);
        QCOMPARE(run(QStringLiteral(QL_CLI), {QStringLiteral("generate-luts"), QStringLiteral("-o"), m_folder,
                                             QStringLiteral("--silu-output-scale"), QStringLiteral("0.01"),
                                             QStringLiteral("-q")})
                     .code,
                 0);
    }

    void lintEqualsCli_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("minSnr");
        QTest::addColumn<bool>("strict");
        QTest::newRow("sample") << QStringLiteral(QL_SAMPLE) << QStringLiteral("20") << false;
        QTest::newRow("sample, high gate") << QStringLiteral(QL_SAMPLE) << QStringLiteral("45") << false;
        QTest::newRow("edge-cases") << QString::fromStdString((kData / "edge-cases.pt").string())
                                    << QStringLiteral("20") << false;
        QTest::newRow("edge-cases strict") << QString::fromStdString((kData / "edge-cases.pt").string())
                                           << QStringLiteral("20") << true;
        QTest::newRow("output folder") << QString() << QStringLiteral("20") << false;
    }

    void lintEqualsCli()
    {
        QFETCH(QString, input);
        QFETCH(QString, minSnr);
        QFETCH(bool, strict);
        if (input.isEmpty())
            input = m_folder;
        const QString out = m_tmp.filePath(QStringLiteral("lint.json"));
        QStringList reportArgs{QStringLiteral("report"), input, QStringLiteral("-o"), out, QStringLiteral("--min-snr"),
                               minSnr, QStringLiteral("-q")};
        QStringList lintArgs{QStringLiteral("lint"), input, QStringLiteral("--min-snr"), minSnr, QStringLiteral("--json")};
        if (strict) {
            reportArgs << QStringLiteral("--strict");
            lintArgs << QStringLiteral("--strict");
        }
        const Run made = run(QStringLiteral(QL_CLI), reportArgs);
        QVERIFY2(made.code == 0, qPrintable(made.err));
        const ql::Json report = ql::Json::parse(qltest::readFile(out.toStdString()));
        ql::Json lint = cliJson(lintArgs);
        if (lint.is_null()) // the gate failed: lint exits 5 and still prints its JSON
            lint = cliJson(lintArgs, 5);
        QVERIFY(!lint.is_null());
        lint.erase("input");
        ql::Json fromReport = report["lint"];
        QVERIFY(fromReport["command"].get<std::string>().find("quantlens-cli lint") == 0);
        fromReport.erase("command");
        QCOMPARE(QString::fromStdString(fromReport.dump(1)), QString::fromStdString(lint.dump(1)));
        // The verdict is lint's: its errors block, its warnings ask for a review.
        const std::string level = report["verdict"]["level"].get<std::string>();
        if (lint["errors"].get<int>() > 0)
            QCOMPARE(level, std::string("blocking"));
        else if (lint["warnings"].get<int>() > 0)
            QCOMPARE(level, std::string("warning"));
        if (input == m_folder) // the saturated SiLU table is found and named
            QVERIFY(fromReport.dump().find("\"lut\":\"silu\"") != std::string::npos);
    }

    void compareEqualsCli()
    {
        const QString out = m_tmp.filePath(QStringLiteral("compare.json"));
        const Run made = run(QStringLiteral(QL_CLI), {QStringLiteral("report"), QStringLiteral(QL_SAMPLE),
                                                      QStringLiteral("--compare"), kB, QStringLiteral("-o"), out,
                                                      QStringLiteral("-q")});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        const ql::Json report = ql::Json::parse(qltest::readFile(out.toStdString()));
        const ql::Json cmp = cliJson({QStringLiteral("compare"), QStringLiteral(QL_SAMPLE), kB, QStringLiteral("--json")});
        QVERIFY(!cmp.is_null());
        ql::Json fromReport = report["comparison"];
        QVERIFY(fromReport["plotted"].is_array() && !fromReport["plotted"].empty());
        fromReport.erase("plotted");
        QCOMPARE(QString::fromStdString(fromReport.dump(1)), QString::fromStdString(cmp.dump(1)));
        QVERIFY(!cmp["summary"]["identical"].get<bool>()); // two optimizer steps apart: a comparison worth showing
        // B is one of the inputs, hashed.
        bool hashedB = false;
        for (const auto &i : report["inputs"])
            hashedB = hashedB || (i["path"] == kB.toStdString() && i["role"].get<std::string>().find("(B)") !=
                                                                         std::string::npos &&
                                  i["sha256"].get<std::string>().size() == 64);
        QVERIFY(hashedB);
        // Output folder against checkpoint, through quantlens-report (HTML): the same figures reach the page.
        const QString html = m_tmp.filePath(QStringLiteral("folder-vs-b.html"));
        const Run drawn = run(QStringLiteral(QL_CLI), {QStringLiteral("report"), m_folder, QStringLiteral("--compare"),
                                                       kB, QStringLiteral("-o"), html, QStringLiteral("-q")});
        QVERIFY2(drawn.code == 0, qPrintable(drawn.err));
        QVERIFY(QString::fromStdString(qltest::readFile(html.toStdString())).contains(QStringLiteral("<h2 id=\"compare\"")));
    }

    void sectionsInEveryFormat()
    {
        // In process, as File → Export Report writes it: edge-cases has lint findings of every kind (tensor, row).
        const fs::path dir = m_tmp.filePath(QStringLiteral("formats")).toStdString();
        fs::create_directories(dir);
        const ql::Session a = ql::openSession(kData / "edge-cases.pt");
        auto b = std::make_shared<const ql::Session>(ql::openSession(kData / "edge-cases.pt"));
        const ql::Session sample = ql::openSession(QL_SAMPLE);
        auto sampleB = std::make_shared<const ql::Session>(ql::openSession(kB.toStdString()));
        const ql::ReportData withLint = ql::buildReport(a);
        const ql::ReportData report = ql::buildReport(sample, {}, sampleB);
        QVERIFY(withLint.lint.findings.size() >= 3);
        QVERIFY(report.comparison && !report.comparison->result->summary.identical());
        QVERIFY(!withLint.comparison);
        const auto &cmp = *report.comparison->result;

        writeReport(withLint, ql::ReportFormat::Html, dir / "lint.html");
        const QString lintHtml = QString::fromStdString(qltest::readFile(dir / "lint.html"));
        const QString lintPart = htmlSection(lintHtml, QStringLiteral("lint"));
        QVERIFY(!lintPart.isEmpty());
        QVERIFY(lintHtml.indexOf(QStringLiteral("id=\"verdict\"")) < lintHtml.indexOf(QStringLiteral("<h2 id=\"lint\"")));
        for (const auto &f : withLint.lint.findings) {
            QVERIFY2(lintPart.contains(esc(f.message)), f.message.c_str());
            if (!f.tensor.empty())
                QVERIFY2(lintPart.contains(QStringLiteral("<td>%1</td>").arg(esc(f.tensor))), f.tensor.c_str());
            if (f.row >= 0)
                QVERIFY(lintPart.contains(QStringLiteral("<td class=\"n\">%1</td>").arg(f.row)));
        }
        QVERIFY(lintPart.contains(QStringLiteral("%1 error(s), %2 warning(s)")
                                      .arg(withLint.lint.errors())
                                      .arg(withLint.lint.warnings())));
        QVERIFY(!lintHtml.contains(QStringLiteral("<h2 id=\"compare\""))); // no B, no comparison

        writeReport(report, ql::ReportFormat::Html, dir / "r.html");
        const QString html = QString::fromStdString(qltest::readFile(dir / "r.html"));
        const QString part = htmlSection(html, QStringLiteral("compare"));
        QVERIFY(!part.isEmpty());
        QVERIFY(part.contains(QString::fromStdString(ql::groupDigits(cmp.summary.int8BytesChanged))));
        QVERIFY(part.contains(QString::fromStdString(ql::groupDigits(cmp.summary.recreateTransactions))));
        int differ = 0;
        for (const auto &d : cmp.tensors)
            if (d.status != ql::TensorStatus::Same) {
                ++differ;
                QVERIFY2(part.contains(QStringLiteral("<td class=\"t\">%1</td>").arg(esc(d.name))), d.name.c_str());
            }
        QVERIFY(differ > 0);
        for (const auto &s : cmp.shards)
            QVERIFY(part.contains(QString::fromStdString(ql::groupDigits(s.bytesChanged))));
        // The compare view's plots (3 per plotted tensor) and both shard maps, inline.
        const int images = int(part.count(QStringLiteral("<img src=\"data:image/png;base64,")));
        QCOMPARE(images, 3 * int(report.comparison->plotted.size()) + 2);

        const auto mdFiles = writeReport(report, ql::ReportFormat::Markdown, dir / "r.md");
        const QString md = QString::fromStdString(qltest::readFile(dir / "r.md"));
        QVERIFY(md.contains(QStringLiteral("## Lint verdicts")));
        QVERIFY(md.contains(QStringLiteral("## Comparison with")));
        QVERIFY(md.contains(QStringLiteral("r_files/compare-map-b.png")));
        QVERIFY(fs::exists(dir / "r_files" / "compare-1-values.png"));
        QVERIFY(mdFiles.size() > 2);

        const ql::Json j = ql::reportJson(report);
        QVERIFY(j["lint"].contains("findings") && j["lint"].contains("ok"));
        QCOMPARE(j["comparison"]["summary"]["int8_bytes_changed"].get<uint64_t>(), cmp.summary.int8BytesChanged);
        QVERIFY(ql::reportJson(withLint)["comparison"].is_null());

        writeReport(report, ql::ReportFormat::Pdf, dir / "r.pdf");
        const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is a test dependency");
        const Run text = run(pdftotext, {QString::fromStdString((dir / "r.pdf").string()), QStringLiteral("-")});
        QCOMPARE(text.code, 0);
        QVERIFY(text.out.contains(QStringLiteral("Lint verdicts")));
        QVERIFY(text.out.contains(QStringLiteral("Comparison with")));
        QVERIFY(text.out.contains(QString::fromStdString(ql::groupDigits(cmp.summary.recreateTransactions))));
    }

    void worstFiguresWaitForTheAnalysis()
    {
        // The tensor view analyses in the background; the report's figures must be drawn from the finished analysis
        // (its worst row in the caption), not from the placeholders shown while it runs.
        const ql::Session s = ql::openSession(QL_SAMPLE);
        const auto report = ql::buildReport(s);
        QVERIFY(!report.worst.empty());
        int rows = 0;
        for (const auto &f : renderReportFigures(report, 1.0))
            if (f.section == "worst" && f.id.size() > 5 && f.id.compare(f.id.size() - 5, 5, "-rows") == 0) {
                ++rows;
                QVERIFY2(f.caption.rfind("Worst row ", 0) == 0, f.caption.c_str());
            }
        QCOMPARE(rows, int(report.worst.size()));
    }

    void shardCostUsesSpecHeader()
    {
        // SPEC §7: account size = 82 + shard size; rent-exempt = (128 + account size) × 6,960 lamports.
        const ql::Session s = ql::openSession(QL_SAMPLE);
        const ql::Json j = ql::reportJson(ql::buildReport(s));
        QVERIFY(!j["shards"]["list"].empty());
        for (const auto &sh : j["shards"]["list"]) {
            const auto size = sh["size"].get<uint64_t>();
            QCOMPARE(sh["account_bytes"].get<uint64_t>(), size + 82);
            const double lamports = double(128 + 82 + size) * 6960.0;
            QVERIFY(std::abs(sh["rent_sol"].get<double>() - lamports * 1e-9) < 1e-12);
        }
        // The account limit is where lint puts it: the largest shard that fits leaves exactly 82 bytes of header.
        QVERIFY(ql::shardCost(ql::kMaxAccountBytes - 82).fitsAccount);
        QVERIFY(!ql::shardCost(ql::kMaxAccountBytes - 81).fitsAccount);
    }

    void windowExportCarriesComparison()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(qltest::openAndWait(w, QStringLiteral(QL_SAMPLE)));
        QSignalSpy exported(&w, &MainWindow::reportExported);
        // No comparison open: none in the report.
        const QString plain = m_tmp.filePath(QStringLiteral("window-plain.json"));
        w.exportReport(plain);
        QVERIFY(exported.wait(60000) && exported.last().at(0).toBool());
        QVERIFY(ql::Json::parse(qltest::readFile(plain.toStdString()))["comparison"].is_null());

        QSignalSpy compared(&w, &MainWindow::compareFinished);
        w.compareWith(kB);
        QVERIFY(compared.wait(60000) && compared.at(0).at(0).toBool());
        QVERIFY(w.view<CompareView>()->result());
        const QString file = m_tmp.filePath(QStringLiteral("window.json"));
        w.exportReport(file);
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.last().at(0).toBool(), qPrintable(exported.last().at(1).toString()));
        // The same comparison the CLI's report (and compare) make.
        ql::Json fromWindow = ql::Json::parse(qltest::readFile(file.toStdString()))["comparison"];
        QVERIFY(fromWindow.is_object());
        fromWindow.erase("plotted");
        const ql::Json cmp = cliJson({QStringLiteral("compare"), QStringLiteral(QL_SAMPLE), kB, QStringLiteral("--json")});
        QCOMPARE(QString::fromStdString(fromWindow.dump(1)), QString::fromStdString(cmp.dump(1)));
        const QString html = m_tmp.filePath(QStringLiteral("window.html"));
        w.exportReport(html);
        QVERIFY(exported.wait(60000) && exported.last().at(0).toBool());
        QVERIFY(QString::fromStdString(qltest::readFile(html.toStdString())).contains(QStringLiteral("<h2 id=\"compare\"")));
    }
};

QTEST_MAIN(TestReportSections)
#include "tst_report_sections.moc"
