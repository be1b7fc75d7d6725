// Never losing work, and selection by name: the unsaved-changes prompt on Open, drop and Quit, Save Artifacts asking
// before it replaces another model's artifacts (and creating a typed folder), the selection kept across a reload.
#include "../common/mainwindowtest.h"
#include "artifacts/artifacts.h"
#include "document.h"
#include "mainwindow.h"
#include "session/session.h"

#include <QCloseEvent>
#include <QFile>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

namespace {
const QString kPolicy = QStringLiteral(QL_TEST_DATA "/policy-small.pt");
const QString kMlp = QStringLiteral(QL_TEST_DATA "/mlp-small.pt");

bool open(MainWindow &w, const QString &path) { return qltest::openAndWait(w, path); }

bool settle(MainWindow &w) { return QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000); }

/// Opens policy-small and changes one strategy: an unsaved edit.
bool openAndEdit(MainWindow &w)
{
    if (!open(w, kPolicy))
        return false;
    w.document()->setStrategy(QStringList{QStringLiteral("trunk.0.weight")}, ql::Strategy::fromName("per_channel_mse"));
    return settle(w) && w.document()->isModified();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestSessionGui : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qltest::useTestSettings(QStringLiteral("tst_session_gui"));
    }

    void openAsksBeforeDiscardingEdits()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(openAndEdit(w));
        QVERIFY(w.windowTitle().contains(QStringLiteral("policy")));

        QSignalSpy loads(&w, &MainWindow::loadFinished);
        w.setPromptAnswer(QMessageBox::Cancel);
        w.openPath(kMlp);
        QTest::qWait(200);
        QCOMPARE(loads.count(), 0); // nothing was opened
        QVERIFY(w.document()->path().endsWith(QStringLiteral("policy-small.pt")));
        QVERIFY(w.document()->isModified());

        // A drop goes through the same prompt.
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kMlp)});
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        w.setPromptAnswer(QMessageBox::Cancel);
        QCoreApplication::sendEvent(&w, &drop);
        QTest::qWait(200);
        QCOMPARE(loads.count(), 0);

        w.setPromptAnswer(QMessageBox::Discard);
        QVERIFY(open(w, kMlp));
        QVERIFY(w.document()->path().endsWith(QStringLiteral("mlp-small.pt")));
        QVERIFY(!w.document()->isModified());
    }

    void quitAsksBeforeDiscardingEdits()
    {
        MainWindow w;
        w.setInteractive(false);
        w.show();
        QVERIFY(openAndEdit(w));
        w.setPromptAnswer(QMessageBox::Cancel);
        QVERIFY(!w.close()); // the user cancelled: the window stays
        QVERIFY(w.isVisible());
        w.setPromptAnswer(QMessageBox::Discard);
        QVERIFY(w.close());
    }

    void savedOverridesClearTheMark()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(openAndEdit(w));
        QTemporaryDir tmp;
        w.document()->saveOverrides(tmp.filePath(QStringLiteral("o.json")));
        QVERIFY(!w.document()->isModified());
        QVERIFY(!w.isWindowModified());
        w.document()->undoStack()->undo(); // back to the seed's defaults: differs from what was saved
        QVERIFY(settle(w));
        QVERIFY(w.document()->isModified());
    }

    void saveArtifactsAsksBeforeReplacingAnotherModel()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("out"));
        // The folder holds mlp-small's artifacts.
        const ql::Session mlp = ql::openSession(kMlp.toStdString());
        ql::writeArtifacts(*mlp.result, dir.toStdString());
        const QByteArray before = readFile(dir + QStringLiteral("/manifest.json"));

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        QSignalSpy saved(&w, &MainWindow::artifactsSaved);
        w.setPromptAnswer(QMessageBox::Cancel);
        w.saveArtifactsTo(dir);
        QCOMPARE(saved.count(), 1);
        QVERIFY(!saved.at(0).at(0).toBool());
        QCOMPARE(readFile(dir + QStringLiteral("/manifest.json")), before); // untouched

        w.setPromptAnswer(QMessageBox::Yes);
        w.saveArtifactsTo(dir);
        QVERIFY(saved.wait(30000));
        QVERIFY(saved.at(1).at(0).toBool());
        QVERIFY(readFile(dir + QStringLiteral("/manifest.json")) != before);

        // The same model again: no question (an unanswered prompt would cancel in non-interactive mode).
        w.saveArtifactsTo(dir);
        QVERIFY(saved.wait(30000));
        QVERIFY(saved.at(2).at(0).toBool());
    }

    void saveArtifactsCreatesATypedFolder()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("new/nested"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        QSignalSpy saved(&w, &MainWindow::artifactsSaved);
        w.saveArtifactsTo(dir);
        QVERIFY(saved.wait(30000));
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QVERIFY(QFile::exists(dir + QStringLiteral("/weights_int8.bin")));
    }

    void selectionByNameSurvivesReload()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        QVERIFY(w.selectTensorByName(QStringLiteral("trunk.3.weight")));
        QVERIFY(!w.selectTensorByName(QStringLiteral("no.such.tensor")));
        QCOMPARE(w.selectedTensorName(), QStringLiteral("trunk.3.weight"));
        // Reloading the same checkpoint keeps the name, even though a new result (new indices) arrives.
        QVERIFY(open(w, kPolicy));
        QCOMPARE(w.selectedTensorName(), QStringLiteral("trunk.3.weight"));
        QCOMPARE(w.selectedTensor(), w.document()->result()->indexOf("trunk.3.weight"));
        // An edit keeps it too.
        w.document()->setStrategy(QStringList{QStringLiteral("trunk.0.weight")}, ql::Strategy::fromName("per_tensor_mse"));
        QVERIFY(settle(w));
        QCOMPARE(w.selectedTensorName(), QStringLiteral("trunk.3.weight"));
    }

    void editsRunInTheBackgroundAndTheLastWins()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        const auto before = w.document()->result();
        // Three quick edits: the rules change at once, the results follow; only the last result is applied.
        for (const char *s : {"per_channel_mse", "per_channel_percentile", "per_tensor_mse"})
            w.document()->setStrategy(QStringList{QStringLiteral("trunk.0.weight")}, ql::Strategy::fromName(s));
        QCOMPARE(w.document()->overrides().strategyFor("trunk.0.weight", 2).name(), std::string("per_tensor_mse"));
        QVERIFY(settle(w));
        QCOMPARE(w.document()->result()->find("trunk.0.weight")->strategy.name(), std::string("per_tensor_mse"));
        QCOMPARE(w.document()->undoStack()->count(), 3);
        w.document()->undoStack()->undo();
        w.document()->undoStack()->undo();
        w.document()->undoStack()->undo();
        QVERIFY(settle(w));
        QCOMPARE(w.document()->result()->bytes, before->bytes);
    }

    void aGroupedApplyIsComparedOnceItHasAllArrived()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        QSignalSpy compared(&w, &MainWindow::compareFinished);
        w.compareWith(kPolicy);
        QVERIFY(compared.wait(60000) && compared.last().at(0).toBool());
        compared.clear();
        auto *bar = w.findChild<QProgressBar *>();
        QVERIFY(bar);
        // One tensor per group: a whole-model change arrives as several snapshots while the document stays busy.
        w.document()->setApplyGroupBytes(1);
        int groups = 0, comparingWhileBusy = 0;
        connect(w.document(), &Document::resultChanged, &w, [&] { // after the window's own slot
            ++groups;
            if (w.document()->isBusy() && !bar->isHidden() && bar->format().startsWith(QStringLiteral("Comparing")))
                ++comparingWhileBusy;
        });
        const auto *r = w.document()->result().get();
        QStringList names;
        for (const auto &t : r->tensors)
            if (t.shape.size() >= 2)
                names << QString::fromStdString(t.name);
        QVERIFY(names.size() >= 3);
        w.document()->setStrategy(names, ql::Strategy::fromName("per_channel_mse"));
        QVERIFY(settle(w));
        QVERIFY2(groups >= 3, qPrintable(QString::number(groups)));
        QCOMPARE(comparingWhileBusy, 0); // no comparison of a half-applied change
        QVERIFY(compared.wait(60000) && compared.last().at(0).toBool()); // the whole change, compared once
        QCOMPARE(w.document()->result()->find(names.last().toStdString())->strategy.name(), std::string("per_channel_mse"));
    }
};

QTEST_MAIN(TestSessionGui)
#include "tst_session_gui.moc"
