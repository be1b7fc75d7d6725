// A checkpoint truncated while quantlens-cli has it mapped (another program rewriting it; issue 15, item 6): reads
// past the new end used to kill the CLI with SIGBUS and leave temporary files. The truncation is made by an
// LD_PRELOAD shim (truncate_shim.cpp) at a fixed moment of the real run, so the test has no race: just after the map
// (the parse reads past the end) or when parsing is over (the tensor reads do).
#include "../common/runprocess.h"
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {
const QString kCli = QStringLiteral(QL_CLI);

struct Run
{
    int code = -1; ///< exit code; -2 for a signal, -1 for a timeout
    QString err;
};

Run runTruncating(const QStringList &args, const QString &victim, const QString &when, qint64 to = 0)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LD_PRELOAD", QStringLiteral(QL_TRUNCATE_SHIM));
    env.insert("ASAN_OPTIONS", env.value("ASAN_OPTIONS") + ":verify_asan_link_order=0");
    env.insert("QL_SHIM_TRUNCATE_ON", when);
    env.insert("QL_SHIM_TRUNCATE_PATH", victim);
    env.insert("QL_SHIM_TRUNCATE_TO", QString::number(to));
    p.setProcessEnvironment(env);
    p.start(kCli, args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, QString::fromUtf8(p.readAllStandardError()) };
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
        QProcess first;
        first.start(kCli, { "quantize", "--checkpoint", ck, "--output-dir", out, "-q" });
        QVERIFY(first.waitForFinished(120000));
        QCOMPARE(first.exitCode(), 0);
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
