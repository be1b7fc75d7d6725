// A checkpoint truncated while quantlens-cli has it mapped (another program rewriting it; issue 15, item 6): reads
// past the new end used to kill the CLI with SIGBUS and leave temporary files. The truncation is made by an
// LD_PRELOAD shim (truncate_shim.cpp) at a fixed moment of the real run, so the test has no race: just after the map
// (the parse reads past the end) or when parsing is over (the tensor reads do).
#include "../common/runprocess.h"
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

namespace {

using qltest::Run;

Run runTruncating(const QStringList &args, const QString &victim, const QString &when, qint64 to = 0)
{
    qltest::RunOptions o;
    o.timeoutMs = 120000;
    o.env = {{"LD_PRELOAD", QStringLiteral(QL_TRUNCATE_SHIM)},
             {"ASAN_OPTIONS", qEnvironmentVariable("ASAN_OPTIONS") + ":verify_asan_link_order=0"},
             {"QL_SHIM_TRUNCATE_ON", when},
             {"QL_SHIM_TRUNCATE_PATH", victim},
             {"QL_SHIM_TRUNCATE_TO", QString::number(to)}};
    return qltest::runCli(args, o);
}

} // namespace

class TestTruncatedCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void untouchedFileStillWorksUnderTheShim()
    {
        // The shim itself changes nothing when it has no file to truncate (so the cases above test the CLI).
        QTemporaryDir tmp;
        const Run r
            = runTruncating({ "inspect", QL_TEST_DATA "/policy-small.pt", "-q" }, tmp.filePath("none"), "never");
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    void truncatedWhileRead_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("when");
        QTest::addColumn<qint64>("to");
        // The world model's tensors span many pages: truncating at 4 KiB leaves the zip's directory unread (parse) or
        // every tensor page but the first gone (quantize).
        for (const char *f : { "policy-small.pt", "mamba2-small.safetensors", "legacy-format.pt" }) {
            QTest::addRow("%s-while-parsing", f) << f << "random" << qint64(0);
            QTest::addRow("%s-while-quantizing", f) << f << "normal" << qint64(0);
            QTest::addRow("%s-to-4KiB-while-quantizing", f) << f << "normal" << qint64(4096);
        }
    }
    void truncatedWhileRead()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, when);
        QFETCH(qint64, to);
        QTemporaryDir tmp;
        const QString ck = tmp.filePath(fixture);
        QVERIFY(QFile::copy(QStringLiteral(QL_TEST_DATA "/") + fixture, ck));
        QVERIFY(QFileInfo(ck).size() > to);

        // quantize into a new folder: exit 3 naming the file, the folder it created gone, nothing left behind.
        const QString fresh = tmp.filePath("fresh");
        Run r = runTruncating({ "quantize", "--checkpoint", ck, "--output-dir", fresh, "-q" }, ck, when, to);
        QVERIFY2(r.code == 3, qPrintable(QString::number(r.code) + " " + r.err));
        QVERIFY2(r.err.contains(ck) && r.err.contains("changed while it was being read"), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(fresh));

        // quantize over earlier artifacts: they stay byte for byte, no temporary file survives.
        QFile::remove(ck);
        QVERIFY(QFile::copy(QStringLiteral(QL_TEST_DATA "/") + fixture, ck));
        const QString out = tmp.filePath("out");
        const Run first = qltest::runCli({ "quantize", "--checkpoint", ck, "--output-dir", out, "-q" });
        QVERIFY2(first.code == 0, qPrintable(first.describe()));
        const auto before = qltest::snapshotFolder(out);
        QCOMPARE(before.keys(), (QStringList { "manifest.json", "weights_int8.bin" }));
        r = runTruncating({ "quantize", "--checkpoint", ck, "--output-dir", out, "-q" }, ck, when, to);
        QVERIFY2(r.code == 3, qPrintable(QString::number(r.code) + " " + r.err));
        QCOMPARE(qltest::snapshotFolder(out), before);

        // inspect: the same error.
        QFile::remove(ck);
        QVERIFY(QFile::copy(QStringLiteral(QL_TEST_DATA "/") + fixture, ck));
        r = runTruncating({ "inspect", ck, "-q" }, ck, when, to);
        QVERIFY2(r.code == 3, qPrintable(QString::number(r.code) + " " + r.err));
        QVERIFY2(r.err.contains(ck) && r.err.contains("changed while it was being read"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestTruncatedCli)
#include "tst_truncated_cli.moc"
