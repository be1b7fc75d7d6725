// Issue 4's hard requirement: the CLI with a saved overrides file and the GUI session that saved it produce
// identical bytes. Drives the document as the GUI does, saves, runs quantlens-cli, compares the files.
#include "../common/runprocess.h"
#include "artifacts/artifacts.h"
#include "document.h"
#include "layertablemodel.h"
#include "mainwindow.h"

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

/// Runs `quantlens-cli quantize` with the overrides file; returns "" or what went wrong.
QString runCli(const QString &checkpoint, const QString &overrides, const QString &outDir)
{
    const qltest::Run r = qltest::runCli({QStringLiteral("quantize"), QStringLiteral("--checkpoint"), checkpoint,
                                          QStringLiteral("--overrides"), overrides, QStringLiteral("--output-dir"),
                                          outDir, QStringLiteral("-q")},
                                         {.timeoutMs = 120000});
    return r.code == 0 ? QString() : QStringLiteral("quantlens-cli failed: ") + r.describe();
}

/// Saves the session's overrides and artifacts, runs the CLI on the same checkpoint, and compares both files.
void compareWithCli(Document &doc, const QString &checkpoint)
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString overrides = tmp.filePath(QStringLiteral("overrides.json"));
    const QString gui = tmp.filePath(QStringLiteral("gui"));
    const QString cli = tmp.filePath(QStringLiteral("cli"));
    doc.saveOverrides(overrides);
    ql::writeArtifacts(*doc.result(), gui.toStdString());
    const QString err = runCli(checkpoint, overrides, cli);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    for (const char *name : {"weights_int8.bin", "manifest.json"}) {
        const QByteArray a = readFile(gui + QLatin1Char('/') + QLatin1String(name));
        const QByteArray b = readFile(cli + QLatin1Char('/') + QLatin1String(name));
        QVERIFY2(!a.isEmpty(), name);
        QVERIFY2(a == b, qPrintable(QStringLiteral("%1 differs (%2 vs %3 bytes)").arg(QLatin1String(name)).arg(a.size()).arg(b.size())));
    }
    // The overrides really were applied: the manifest records them.
    QVERIFY(readFile(gui + QStringLiteral("/manifest.json")).contains("quantlens_overrides_v1"));
}

} // namespace

class TestOverridesRoundtrip : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void sessionMatchesCli_data()
    {
        QTest::addColumn<QString>("checkpoint");
        QTest::newRow("policy-small") << QStringLiteral(QL_TEST_DATA "/policy-small.pt");
        QTest::newRow("mamba2-small sample") << QStringLiteral(QL_SAMPLE);
        QTest::newRow("safetensors") << QStringLiteral(QL_TEST_DATA "/mamba2-small.safetensors");
        QTest::newRow("legacy-format") << QStringLiteral(QL_TEST_DATA "/legacy-format.pt");
        QTest::newRow("edge-cases") << QStringLiteral(QL_TEST_DATA "/edge-cases.pt");
    }
    void sessionMatchesCli()
    {
        QFETCH(QString, checkpoint);
        Document doc;
        doc.setSource(Document::load(checkpoint));
        const auto r = doc.result();

        // A glob rule from a file first (as a user would start from a shared overrides file) ...
        QTemporaryDir tmp;
        const QString start = tmp.filePath(QStringLiteral("start.json"));
        ql::Overrides globs;
        globs.rules.push_back({"*.bias", *ql::Strategy::fromName("per_tensor_mse")});
        globs.save(start.toStdString());
        doc.loadOverrides(start);
        QVERIFY(QTest::qWaitFor([&] { return !doc.isBusy(); }, 60000));

        // ... then per-tensor edits through every strategy, some undone, as in a real session.
        const char *matrix[] = {"per_channel_percentile", "per_channel_mse", "per_tensor_absmax", "per_tensor_percentile",
                                "per_tensor_mse", "per_channel_absmax"};
        const char *vector[] = {"per_tensor_percentile", "per_tensor_mse", "per_tensor_absmax"};
        int m = 0, v = 0;
        for (std::size_t i = 0; i < r->tensors.size() && (m < 8 || v < 4); ++i) {
            const auto &t = r->tensors[i];
            if (t.isMatrix() && m < 8)
                doc.setStrategyAt({int(i)}, ql::Strategy::fromName(matrix[m++ % 6]));
            else if (!t.isMatrix() && v < 4)
                doc.setStrategyAt({int(i)}, ql::Strategy::fromName(vector[v++ % 3]));
        }
        QVERIFY(doc.undoStack()->count() >= 3);
        doc.undoStack()->undo(); // the last edit is withdrawn ...
        doc.undoStack()->undo();
        doc.undoStack()->redo(); // ... and one comes back
        QVERIFY(QTest::qWaitFor([&] { return !doc.isBusy(); }, 60000));
        QVERIFY(!doc.overrides().empty());
        compareWithCli(doc, checkpoint);
    }

    void optimizedSessionMatchesCli()
    {
        MainWindow window;
        window.setInteractive(false);
        QSignalSpy loaded(&window, &MainWindow::loadFinished);
        const QString checkpoint = QStringLiteral(QL_TEST_DATA "/policy-small.pt");
        window.openPath(checkpoint);
        QVERIFY(loaded.wait(60000));
        QVERIFY(loaded.at(0).at(0).toBool());
        const double meanBefore = window.document()->result()->summary().meanSnr;

        QSignalSpy optimized(&window, &MainWindow::optimizeFinished);
        window.optimize();
        QVERIFY(optimized.wait(120000));
        QVERIFY(optimized.at(0).at(0).toBool());
        QCOMPARE(window.document()->undoStack()->count(), 1); // one undoable step
        QVERIFY(QTest::qWaitFor([&] { return !window.document()->isBusy(); }, 60000));
        const double meanAfter = window.document()->result()->summary().meanSnr;
        QVERIFY(meanAfter > meanBefore);
        QVERIFY2(window.lastOptimizeReport().contains(QStringLiteral("mean gain")),
                 qPrintable(window.lastOptimizeReport()));
        // Every tensor now has at least the SNR it had.
        const auto &base = *window.document()->baseline();
        const auto &now = *window.document()->result();
        for (std::size_t i = 0; i < now.tensors.size(); ++i)
            if (const auto b = base.tensors[i].stats.snrDb())
                QVERIFY(*now.tensors[i].stats.snrDb() >= *b);
        compareWithCli(*window.document(), checkpoint);

        window.document()->undoStack()->undo();
        QVERIFY(QTest::qWaitFor([&] { return !window.document()->isBusy(); }, 60000));
        QVERIFY(window.document()->overrides().empty());
        // The baseline keeps statistics, not bytes: the undo quantizes again, to what a fresh seed run gives.
        QCOMPARE(window.document()->result()->bytes, ql::quantize(*window.document()->checkpoint(), {}).bytes);
    }

    void optimizeFileMatchesCli_data();
    void optimizeFileMatchesCli();
};

void TestOverridesRoundtrip::optimizeFileMatchesCli_data()
{
    QTest::addColumn<QString>("checkpoint");
    QTest::newRow("policy-small") << QStringLiteral(QL_TEST_DATA "/policy-small.pt");
    QTest::newRow("mlp-small") << QStringLiteral(QL_TEST_DATA "/mlp-small.pt");
    QTest::newRow("mamba2-small sample") << QStringLiteral(QL_SAMPLE);
    QTest::newRow("safetensors") << QStringLiteral(QL_TEST_DATA "/mamba2-small.safetensors");
    QTest::newRow("legacy-format") << QStringLiteral(QL_TEST_DATA "/legacy-format.pt");
    QTest::newRow("edge-cases") << QStringLiteral(QL_TEST_DATA "/edge-cases.pt");
}

void TestOverridesRoundtrip::optimizeFileMatchesCli()
{
    // The GUI's Optimize (the plan applied as one step) and `quantlens-cli optimize` write the same file, byte for
    // byte, and applying it lowers no tensor's SNR.
    QFETCH(QString, checkpoint);
    QTemporaryDir tmp;
    MainWindow window;
    window.setInteractive(false);
    QSignalSpy loaded(&window, &MainWindow::loadFinished);
    window.openPath(checkpoint);
    QVERIFY(loaded.wait(60000));
    QVERIFY(loaded.at(0).at(0).toBool());
    QSignalSpy optimized(&window, &MainWindow::optimizeFinished);
    window.optimize();
    QVERIFY(optimized.wait(120000));
    QVERIFY(QTest::qWaitFor([&] { return !window.document()->isBusy(); }, 60000));
    const QString gui = tmp.filePath(QStringLiteral("gui.json"));
    window.document()->saveOverrides(gui);

    const QString cli = tmp.filePath(QStringLiteral("cli.json"));
    const qltest::Run r = qltest::runCli({QStringLiteral("optimize"), checkpoint, QStringLiteral("-o"), cli,
                                          QStringLiteral("-q")},
                                         {.timeoutMs = 120000});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QByteArray a = readFile(gui), b = readFile(cli);
    QVERIFY(!b.isEmpty());
    QVERIFY2(a == b, qPrintable(QString::fromUtf8(a.left(300)) + QStringLiteral("\n---\n") + QString::fromUtf8(b.left(300))));

    const auto &base = *window.document()->baseline();
    const auto &now = *window.document()->result();
    for (std::size_t i = 0; i < now.tensors.size(); ++i)
        if (const auto before = base.tensors[i].stats.snrDb())
            QVERIFY2(*now.tensors[i].stats.snrDb() >= *before, now.tensors[i].name.c_str());
}

QTEST_MAIN(TestOverridesRoundtrip)
#include "tst_overrides_roundtrip.moc"
