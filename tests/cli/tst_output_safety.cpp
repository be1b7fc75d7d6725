// Output safety of quantlens-cli: an output folder that cannot be created or written, and a full disk (a
// file-size limit), give exit code 4 and a clear message, leave no partial or temporary file, and leave the
// artifacts of an earlier run byte for byte as they were. Tests run as root, so "read-only" is made real with
// /proc (no one may create files there) and by running the CLI as `nobody` (setpriv) on a root-owned folder.
#include "../common/runprocess.h"
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

namespace {
const QString kCheckpoint = QStringLiteral(QL_TEST_DATA "/mlp-small.pt");

using qltest::Run;

/// The CLI, under `wrapper` (a program) with `wrapperArgs` when given.
Run run(const QStringList &args, const QString &wrapper = {}, const QStringList &wrapperArgs = {})
{
    qltest::RunOptions o;
    o.timeoutMs = 240000;
    if (!wrapper.isEmpty())
        o.wrapper = QStringList{wrapper} + wrapperArgs;
    return qltest::runCli(args, o);
}

QMap<QString, QByteArray> snapshot(const QString &dir) { return qltest::snapshotFolder(dir); }

QStringList quantizeArgs(const QString &out) { return {"quantize", "--checkpoint", kCheckpoint, "--output-dir", out, "-q"}; }
} // namespace

class TestOutputSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void folderThroughARegularFile()
    {
        // A missing output folder that cannot be created: its parent is a regular file.
        QTemporaryDir tmp;
        QFile f(tmp.filePath("plain-file"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const Run r = run(quantizeArgs(tmp.filePath("plain-file/out")));
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("cannot create output folder") && r.err.contains("plain-file/out"), qPrintable(r.err));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{"plain-file"});
    }

    void outputPathIsAFile()
    {
        QTemporaryDir tmp;
        QFile f(tmp.filePath("taken"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("keep");
        f.close();
        const Run r = run(quantizeArgs(tmp.filePath("taken")));
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("taken") && (r.err.contains("not a folder") || r.err.contains("Not a directory")),
                 qPrintable(r.err));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("keep"));
    }

    void folderNoOneMayWrite_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("quantize") << quantizeArgs("/proc/1");
        QTest::newRow("generate-luts") << QStringList{"generate-luts", "-o", "/proc/1", "-q"};
    }
    void folderNoOneMayWrite()
    {
        // /proc/1 exists and is a folder, but no file can be created in it, not even by root.
        if (!QFileInfo(QStringLiteral("/proc/1")).isDir())
            QSKIP("no /proc");
        QFETCH(QStringList, args);
        const Run r = run(args);
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("/proc/1") && r.err.contains("cannot create a file in the output folder"),
                 qPrintable(r.err));
    }

    void readOnlyFolderKeepsEarlierArtifacts()
    {
        // Earlier artifacts in a folder the user (nobody) may read but not write: the run fails with exit 4
        // and they stay exactly as they were.
        const QString setpriv = QStandardPaths::findExecutable("setpriv");
        if (::geteuid() != 0 || setpriv.isEmpty())
            QSKIP("needs root and setpriv to run the CLI as nobody");
        QTemporaryDir tmp;
        QFile::setPermissions(tmp.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                              QFileDevice::ReadOther | QFileDevice::ExeOther);
        const QString out = tmp.filePath("out");
        QCOMPARE(run(quantizeArgs(out)).code, 0);
        const auto before = snapshot(out);
        QCOMPARE(before.size(), 2);
        QFile::setPermissions(out, QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                       QFileDevice::ExeOther);
        const Run r = run(quantizeArgs(out), setpriv,
                          {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("cannot create a file in the output folder") && r.err.contains("Permission denied"),
                 qPrintable(r.err));
        QCOMPARE(snapshot(out), before);
    }

    void fullDisk_data()
    {
        QTest::addColumn<bool>("earlier");
        QTest::addColumn<QString>("limit");
        QTest::newRow("new folder, limit below the weights") << false << "65536";
        QTest::newRow("earlier artifacts, limit below the weights") << true << "65536";
        QTest::newRow("earlier artifacts, limit below the manifest") << true << "2048";
    }
    void fullDisk()
    {
        // A file-size limit (prlimit --fsize) makes writes fail with EFBIG part-way, as a full disk does.
        const QString prlimit = QStandardPaths::findExecutable("prlimit");
        if (prlimit.isEmpty())
            QSKIP("needs prlimit (util-linux)");
        QFETCH(bool, earlier);
        QFETCH(QString, limit);
        QTemporaryDir tmp;
        const QString out = tmp.filePath("out");
        QMap<QString, QByteArray> before;
        if (earlier) {
            // Earlier artifacts of another checkpoint, so a half-replaced folder would be visible.
            QCOMPARE(run({"quantize", "--checkpoint", QL_TEST_DATA "/policy-small.pt", "--output-dir", out, "-q"}).code,
                     0);
            before = snapshot(out);
            QCOMPARE(before.size(), 2);
        }
        const Run r = run(quantizeArgs(out), prlimit, {"--fsize=" + limit});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("File too large") && r.err.contains("raise the limit"), qPrintable(r.err));
        QVERIFY2(r.err.contains(out), qPrintable(r.err));
        if (earlier)
            QCOMPARE(snapshot(out), before);
        else
            QVERIFY2(!QFileInfo::exists(out), "the folder this run created was left behind");
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 earlier ? QStringList{"out"} : QStringList{});
    }

    void fullDiskLuts()
    {
        const QString prlimit = QStandardPaths::findExecutable("prlimit");
        if (prlimit.isEmpty())
            QSKIP("needs prlimit (util-linux)");
        QTemporaryDir tmp;
        const QString out = tmp.filePath("luts");
        QCOMPARE(run({"generate-luts", "-o", out, "-q"}).code, 0);
        const auto before = snapshot(out);
        const Run r = run({"generate-luts", "-o", out, "-q", "--silu-input-scale", "0.03"}, prlimit, {"--fsize=512"});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("File too large"), qPrintable(r.err));
        QCOMPARE(snapshot(out), before);
    }
};

QTEST_GUILESS_MAIN(TestOutputSafety)
#include "tst_output_safety.moc"
