// The reviewer report in every format, made from the bundled sample and every valid fixture: HTML self-contained (no
// script, no URL, every section and every layer-table row), CSV RFC 4180 with one row per tensor, JSON with every
// section, Markdown with its figures beside it, PDF with pages (pdfinfo). Also the CLI's route (CSV/JSON in process,
// the rest through quantlens-report), its error when quantlens-report is missing, refusals that write nothing, and
// File → Export Report in the window.
#include "../common/files.h"
#include "../common/mainwindowtest.h"
#include "../common/runprocess.h"
#include "mainwindow.h"
#include "reportexport.h"

#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "inspection/reportwriters.h"
#include "inspection/summary.h"
#include "session/session.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
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

/// An RFC 4180 reader written independently of the writer: quoted fields, doubled quotes, CRLF records.
std::vector<std::vector<std::string>> parseCsv(const std::string &text, QString *error)
{
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false, wasQuoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            if (!field.empty() || wasQuoted)
                *error = QStringLiteral("quote inside an unquoted field at byte %1").arg(i);
            quoted = wasQuoted = true;
        } else if (c == ',') {
            rows.back().push_back(field);
            field.clear();
            wasQuoted = false;
        } else if (c == '\r') {
            if (i + 1 >= text.size() || text[i + 1] != '\n')
                *error = QStringLiteral("CR without LF at byte %1").arg(i);
            rows.back().push_back(field);
            field.clear();
            wasQuoted = false;
            rows.emplace_back();
            ++i;
        } else if (c == '\n') {
            *error = QStringLiteral("bare LF at byte %1").arg(i);
        } else {
            field += c;
        }
    }
    if (quoted)
        *error = QStringLiteral("unterminated quoted field");
    if (rows.back().empty() && field.empty())
        rows.pop_back();
    else
        rows.back().push_back(field);
    return rows;
}

QString fileSha256(const fs::path &p)
{
    QFile f(QString::fromStdString(p.string()));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

using qltest::Run;
Run run(const QString &program, const QStringList &args) { return qltest::runProcess(program, args); }

QString q(const fs::path &p) { return QString::fromStdString(p.string()); }

} // namespace

class TestReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formats_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("sample") << QStringLiteral(QL_SAMPLE);
        for (const char *n : {"edge-cases.pt", "legacy-format.pt", "mamba2-small.safetensors", "mixed-dtypes.pt",
                              "mlp-small.pt", "policy-small.pt", "zip64-policy.pt"})
            QTest::newRow(n) << q(kData / n);
    }

    void formats()
    {
        QFETCH(QString, input);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const ql::Session session = ql::openSession(input.toStdString());
        const ql::ReportData report = ql::buildReport(session);
        const auto &tensors = session.result->tensors;

        // HTML: one self-contained file a browser shows without network or script.
        writeReport(report, ql::ReportFormat::Html, dir / "r.html");
        const QString html = QString::fromStdString(qltest::readFile(dir / "r.html"));
        QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
        QVERIFY(!html.contains(QStringLiteral("<script"), Qt::CaseInsensitive));
        QVERIFY(!html.contains(QStringLiteral("http:"), Qt::CaseInsensitive));
        QVERIFY(!html.contains(QStringLiteral("https:"), Qt::CaseInsensitive));
        QVERIFY(!html.contains(QStringLiteral("href="), Qt::CaseInsensitive));
        QVERIFY(!html.contains(QStringLiteral("@import"), Qt::CaseInsensitive));
        QVERIFY(html.contains(QStringLiteral("@media print")));
        const auto srcs = QRegularExpression(QStringLiteral("src=\"([^\"]{0,30})")).globalMatch(html);
        int images = 0;
        for (auto it = srcs; it.hasNext(); ++images)
            QVERIFY2(it.next().captured(1).startsWith(QStringLiteral("data:image/png;base64,")), "external image");
        QVERIFY2(images >= 8, qPrintable(QString::number(images)));
        // The verdict block comes before every section.
        const int verdict = html.indexOf(QStringLiteral("id=\"verdict\""));
        QVERIFY(verdict > 0);
        for (const char *id : {"inputs", "model", "snr", "outliers", "worst", "scales", "luts", "shards", "compute",
                               "overrides", "layers", "notes"}) {
            const int at = html.indexOf(QStringLiteral("<h2 id=\"%1\"").arg(QLatin1String(id)));
            QVERIFY2(at > verdict, id);
        }
        const int layers = html.indexOf(QStringLiteral("<h2 id=\"layers\""));
        for (const auto &t : tensors)
            QVERIFY2(html.indexOf(QStringLiteral("<td class=\"t\">%1</td>")
                                      .arg(QString::fromStdString(ql::htmlEscape(t.name))),
                                  layers) > layers,
                     t.name.c_str());
        QVERIFY(html.contains(fileSha256(input.toStdString())));

        // CSV: the layer table, one record per tensor in file order, the SNR as the result has it.
        writeReport(report, ql::ReportFormat::Csv, dir / "r.csv");
        QString csvError;
        const auto rows = parseCsv(qltest::readFile(dir / "r.csv"), &csvError);
        QVERIFY2(csvError.isEmpty(), qPrintable(csvError));
        QCOMPARE(rows.size(), tensors.size() + 1);
        QCOMPARE(rows[0][0], std::string("name"));
        const auto snrCol = std::find(rows[0].begin(), rows[0].end(), "snr_db") - rows[0].begin();
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            QCOMPARE(rows[i + 1].size(), rows[0].size());
            QCOMPARE(rows[i + 1][0], tensors[i].name);
            const auto snr = tensors[i].stats.snrDb();
            if (snr)
                QVERIFY(std::abs(std::stod(rows[i + 1][std::size_t(snrCol)]) - *snr) < 1e-5 * std::max(1.0, *snr));
            else
                QVERIFY(rows[i + 1][std::size_t(snrCol)].empty());
        }

        // JSON: everything, parseable, with the keys documented in the README.
        writeReport(report, ql::ReportFormat::Json, dir / "r.json");
        const ql::Json j = ql::Json::parse(qltest::readFile(dir / "r.json"));
        for (const char *k : {"format", "tool", "generated_utc", "source", "inputs", "verdict", "model", "sizes", "snr",
                              "layers", "outliers", "worst_tensors", "scales", "luts", "shards", "compute", "overrides",
                              "skipped", "warnings"})
            QVERIFY2(j.contains(k), k);
        QCOMPARE(j["tool"]["version"].get<std::string>(), std::string(QL_VERSION));
        QCOMPARE(QString::fromStdString(j["inputs"][0]["sha256"].get<std::string>()), fileSha256(input.toStdString()));
        QCOMPARE(j["layers"].size(), tensors.size());
        QCOMPARE(j["luts"]["tables"].size(), std::size_t(4));
        QCOMPARE(j["shards"]["list"].size(), session.result->shards.size());
        for (std::size_t s = 0; s < session.result->shards.size(); ++s) {
            const auto &sh = session.result->shards[s];
            QCOMPARE(j["shards"]["list"][s]["sha256"].get<std::string>(),
                     ql::sha256Hex(session.result->bytes.flat().data() + sh.offset, sh.size));
        }
        for (const auto &m : j["compute"]["matrices"]) {
            const auto cu = m["compute_units"].get<uint64_t>();
            QCOMPARE(cu, 100 + m["rows"].get<uint64_t>() * m["cols"].get<uint64_t>());
        }

        // Markdown: every image it links is a PNG beside it.
        const auto mdFiles = writeReport(report, ql::ReportFormat::Markdown, dir / "r.md");
        const QString md = QString::fromStdString(qltest::readFile(dir / "r.md"));
        QVERIFY(md.startsWith(QStringLiteral("# QuantLens review report")));
        int links = 0;
        for (auto it = QRegularExpression(QStringLiteral("!\\[[^\\]]*\\]\\(<([^>]+)>\\)")).globalMatch(md); it.hasNext();
             ++links) {
            const fs::path png = dir / it.next().captured(1).toStdString();
            QVERIFY2(fs::exists(png), png.c_str());
            QVERIFY(qltest::readFile(png).rfind("\x89PNG", 0) == 0);
        }
        QCOMPARE(std::size_t(links) + 1, mdFiles.size());

        // PDF: a real document with pages.
        writeReport(report, ql::ReportFormat::Pdf, dir / "r.pdf");
        QVERIFY(qltest::readFile(dir / "r.pdf").rfind("%PDF-", 0) == 0);
        const QString pdfinfo = QStandardPaths::findExecutable(QStringLiteral("pdfinfo"));
        QVERIFY2(!pdfinfo.isEmpty(), "pdfinfo (poppler-utils) is a test dependency: packaging/install-deps.sh --test");
        const Run info = run(pdfinfo, {q(dir / "r.pdf")});
        QCOMPARE(info.code, 0);
        const auto pages = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(info.out);
        QVERIFY2(pages.hasMatch() && pages.captured(1).toInt() >= 3, qPrintable(info.out));
    }

    void outputFolder()
    {
        // A folder is reported from its files: each one hashed, the LUT scales from its luts.json.
        QTemporaryDir tmp;
        const QString cli = QStringLiteral(QL_CLI);
        const QString out = tmp.filePath(QStringLiteral("out"));
        QCOMPARE(run(cli, {QStringLiteral("quantize"), QStringLiteral("--checkpoint"), QStringLiteral(QL_SAMPLE),
                           QStringLiteral("--output-dir"), out, QStringLiteral("-q")})
                     .code,
                 0);
        QCOMPARE(run(cli, {QStringLiteral("generate-luts"), QStringLiteral("-o"), out, QStringLiteral("--silu-input-scale"),
                           QStringLiteral("0.05"), QStringLiteral("-q")})
                     .code,
                 0);
        const ql::Session session = ql::openSession(out.toStdString());
        const auto report = ql::buildReport(session);
        QVERIFY(!report.hasWeights);
        QVERIFY(report.lutsFromSession);
        QCOMPARE(report.luts[0].inScale, 0.05);
        std::vector<std::string> names;
        for (const auto &i : report.inputs) {
            names.push_back(fs::path(i.path).filename().string());
            QCOMPARE(QString::fromStdString(i.sha256), fileSha256(i.path));
        }
        QCOMPARE(names, (std::vector<std::string>{"luts.bin", "luts.json", "manifest.json", "weights_int8.bin"}));
        const fs::path dir = tmp.path().toStdString();
        writeReport(report, ql::ReportFormat::Html, dir / "folder.html");
        const QString html = QString::fromStdString(qltest::readFile(dir / "folder.html"));
        QVERIFY(html.contains(QStringLiteral("the folder&#39;s luts.json")));
        QVERIFY(!html.contains(QStringLiteral("<script")));
    }

    void csvQuoting()
    {
        QCOMPARE(ql::csvField("plain"), std::string("plain"));
        QCOMPARE(ql::csvField("a,b"), std::string("\"a,b\""));
        QCOMPARE(ql::csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
        QCOMPARE(ql::csvField("two\r\nlines"), std::string("\"two\r\nlines\""));
        QString error;
        const auto rows = parseCsv(ql::csvField("a,\"b\"\r\nc") + "," + ql::csvField("d") + "\r\n", &error);
        QVERIFY(error.isEmpty());
        QCOMPARE(rows.size(), std::size_t(1));
        QCOMPARE(rows[0][0], std::string("a,\"b\"\r\nc"));
        QCOMPARE(rows[0][1], std::string("d"));
    }

    void outliersExplainSmallSignal()
    {
        // edge-cases.pt holds an all-zero matrix: below any threshold, but no damage - the verdict warns, not blocks.
        const ql::Session s = ql::openSession(kData / "edge-cases.pt");
        const auto r = ql::buildReport(s);
        bool sawZero = false;
        for (const auto &o : r.outliers)
            if (r.tensor(o.index).name == "aux.zero.weight") {
                sawZero = true;
                QVERIFY(!o.damage);
                QVERIFY(o.reason.find("small signal") == 0);
            }
        QVERIFY(sawZero);
        QCOMPARE(r.verdict(), ql::ReportCheck::Warning);
        // A threshold above every tensor's SNR makes the real ones damage: the verdict blocks.
        ql::ReportOptions strict;
        strict.minSnr = 90;
        QCOMPARE(ql::buildReport(s, strict).verdict(), ql::ReportCheck::Blocking);
    }

    void cliRoutes()
    {
        QTemporaryDir tmp;
        const QString cli = QStringLiteral(QL_CLI);
        for (const char *name : {"r.json", "r.csv", "r.html", "r.md", "r.pdf"}) {
            const QString out = tmp.filePath(QLatin1String(name));
            const Run r = run(cli, {QStringLiteral("report"), QStringLiteral(QL_SAMPLE), QStringLiteral("-o"), out});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY2(QFile::exists(out), name);
        }
        const Run j = run(cli, {QStringLiteral("report"), QStringLiteral(QL_SAMPLE), QStringLiteral("-o"),
                                tmp.filePath(QStringLiteral("x.report")), QStringLiteral("--format"),
                                QStringLiteral("html"), QStringLiteral("--json")});
        QVERIFY2(j.code == 0, qPrintable(j.err));
        QCOMPARE(QString::fromStdString(ql::Json::parse(j.out.toStdString())["format"].get<std::string>()),
                 QStringLiteral("html"));
        QVERIFY(QFile(tmp.filePath(QStringLiteral("x.report"))).size() > 10000);
        // An unknown extension without --format is a usage error.
        QCOMPARE(run(cli, {QStringLiteral("report"), QStringLiteral(QL_SAMPLE), QStringLiteral("-o"),
                           tmp.filePath(QStringLiteral("x.txt"))})
                     .code,
                 2);
        // Refused inputs write nothing.
        for (const char *bad : {"non-finite.pt", "malicious.pt"})
            for (const char *name : {"bad.json", "bad.html"}) {
                const QString out = tmp.filePath(QLatin1String(name));
                const Run r = run(cli, {QStringLiteral("report"), q(kData / bad), QStringLiteral("-o"), out});
                QCOMPARE(r.code, 3);
                QVERIFY(!QFile::exists(out));
            }
    }

    void cliWithoutReportExecutable()
    {
        // A CLI installed alone still writes CSV/JSON, and says clearly what the figure formats need.
        QTemporaryDir tmp;
        const QString cli = tmp.filePath(QStringLiteral("quantlens-cli"));
        QVERIFY(QFile::copy(QStringLiteral(QL_CLI), cli));
        const Run html = run(cli, {QStringLiteral("report"), QStringLiteral(QL_SAMPLE), QStringLiteral("-o"),
                                   tmp.filePath(QStringLiteral("r.html"))});
        QCOMPARE(html.code, 1);
        QVERIFY2(html.err.contains(QStringLiteral("quantlens-report")) && html.err.contains(tmp.path()),
                 qPrintable(html.err));
        const Run json = run(cli, {QStringLiteral("report"), QStringLiteral(QL_SAMPLE), QStringLiteral("-o"),
                                   tmp.filePath(QStringLiteral("r.json"))});
        QCOMPARE(json.code, 0);
    }

    void cliLinksNoQt()
    {
        const Run ldd = run(QStringLiteral("ldd"), {QStringLiteral(QL_CLI)});
        QCOMPARE(ldd.code, 0);
        QVERIFY2(!ldd.out.contains(QStringLiteral("libQt")), qPrintable(ldd.out));
    }

    void windowExport()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(qltest::openAndWait(w, QStringLiteral(QL_SAMPLE)));
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("window.html"));
        QSignalSpy exported(&w, &MainWindow::reportExported);
        w.exportReport(file);
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray html = f.readAll();
        QVERIFY(html.contains("id=\"verdict\""));
        QVERIFY(html.contains(fileSha256(QL_SAMPLE).toLatin1()));
    }
};

QTEST_MAIN(TestReport)
#include "tst_report.moc"
