// The inspector window: background loading (progress, cancel, stale results, errors), linked selection, shortcuts,
// strategy edits from the table, recent files and drag and drop.
#include "../common/mainwindowtest.h"
#include "../common/poolblocker.h"
#include "document.h"
#include "guiapp.h"
#include "layerfilterproxy.h"
#include "layertablemodel.h"
#include "layertablepanel.h"
#include "lutview.h"
#include "artifacts/artifacts.h"
#include "session/session.h"
#include "mainwindow.h"
#include "rowtablemodel.h"
#include "scalesview.h"
#include "tensorview.h"

#include <QElapsedTimer>
#include <qcustomplot.h>
#include <QFile>
#include <QLabel>
#include <QTemporaryDir>
#include <qcustomplot.h>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QUndoStack>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

class TestMainWindow : public QObject
{
    Q_OBJECT
private:
    static bool open(MainWindow &w, const QString &path) { return qltest::openAndWait(w, path); }

    /// A shown, non-interactive window with policy-small open on `view`.
    static bool openOn(MainWindow &w, const QString &view)
    {
        w.setInteractive(false);
        w.show();
        if (!open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")))
            return false;
        return w.showView(view);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qltest::useTestSettings(QStringLiteral("tst_mainwindow"));
    }

    void opensAndFillsEveryView()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1200, 800);
        w.show();
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        const auto r = w.document()->result();
        QCOMPARE(w.view<LayerTablePanel>()->model()->rowCount(), int(r->tensors.size()));
        // Opening selects the matrix that needs attention most: the lowest SNR.
        QVERIFY(w.selectedTensor() >= 0);
        const auto worst = r->tensors[std::size_t(w.selectedTensor())].stats.snrDb();
        for (const auto &t : r->tensors)
            if (t.isMatrix() && t.stats.snrDb())
                QVERIFY(*t.stats.snrDb() >= *worst);
        QVERIFY(w.summaryText().contains(QStringLiteral("SNR mean")));
        QVERIFY(w.summaryText().contains(QStringLiteral("4.00×")));
        QVERIFY(w.windowTitle().contains(QStringLiteral("policy-small.pt")));
        QVERIFY(!w.isBusy());
    }

    void selectionIsLinkedAcrossViews()
    {
        MainWindow w;
        w.setInteractive(false);
        w.show();
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        const auto r = w.document()->result();
        const int i = r->indexOf("trunk.3.weight");

        // From the table (a user click moves the current row) ...
        QTableView *view = w.view<LayerTablePanel>()->view();
        const QModelIndex idx = w.view<LayerTablePanel>()->proxy()->mapFromSource(w.view<LayerTablePanel>()->model()->index(i, 0));
        view->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(w.selectedTensor(), i);
        QCOMPARE(w.view<TensorView>()->tensor(), i);
        w.showView(QStringLiteral("tensor"));
        QVERIFY(QTest::qWaitFor([&] { return !w.view<TensorView>()->isAnalysing(); }, 30000));
        QVERIFY(w.view<TensorView>()->analysis());
        QVERIFY(w.view<TensorView>()->headerLabel()->text().contains(QStringLiteral("trunk.3.weight")));

        // ... and from the scales view's box plot.
        const int j = r->indexOf("action_embed.weight");
        w.showView(QStringLiteral("scales"));
        Q_EMIT w.view<ScalesView>()->tensorActivated(j);
        QCOMPARE(w.selectedTensor(), j);
        QCOMPARE(w.view<LayerTablePanel>()->selectedTensors(), QVector<int>{j});
        QCOMPARE(w.view<ScalesView>()->boxOf(j), w.view<ScalesView>()->boxOf(j)); // shown
        QVERIFY(w.view<ScalesView>()->boxOf(j) >= 0);
        QVERIFY(w.selectTensorByName(QStringLiteral("trunk.0.bias")));
        QVERIFY(!w.selectTensorByName(QStringLiteral("no.such.tensor")));
    }

    void tensorViewRedrawsOnlyWhatAnEditChanged()
    {
        MainWindow w;
        QVERIFY(openOn(w, QStringLiteral("tensor")));
        QVERIFY(w.selectTensorByName(QStringLiteral("trunk.0.weight")));
        TensorView *tv = w.view<TensorView>();
        QVERIFY(QTest::qWaitFor([&] { return !tv->isAnalysing(); }, 30000));
        const auto first = tv->analysis();
        QVERIFY(first);
        QSignalSpy changed(w.document(), &Document::resultChanged);

        // An edit of another tensor shares this tensor's bytes: the analysis on screen stays, none is started, and the
        // plots and the row table are not rebuilt (the same graph object, the row the user picked still current).
        QVERIFY(tv->rowPlot()->plottableCount() > 0);
        const QCPAbstractPlottable *graph = tv->rowPlot()->plottable(0);
        tv->rowsView()->setCurrentIndex(tv->rowsView()->model()->index(2, 0));
        w.document()->setStrategy(QStringList{QStringLiteral("trunk.3.weight")},
                                  ql::Strategy::fromName("per_tensor_absmax"));
        QVERIFY(changed.wait(30000));
        QVERIFY(!tv->isAnalysing());
        QCOMPARE(tv->analysis(), first);
        QCOMPARE(tv->rowPlot()->plottable(0), graph);
        QCOMPARE(tv->rowsView()->currentIndex().row(), 2);

        // An edit of this tensor keeps the previous strategy's figures on screen, said so, until the new ones arrive.
        w.document()->setStrategy(QStringList{QStringLiteral("trunk.0.weight")},
                                  ql::Strategy::fromName("per_tensor_absmax"));
        QVERIFY(changed.wait(30000));
        QVERIFY(tv->isAnalysing());
        QCOMPARE(tv->analysis(), first);
        QVERIFY(tv->headerLabel()->text().contains(QStringLiteral("per_tensor_absmax")));
        QVERIFY(tv->headerLabel()->text().contains(QStringLiteral("updating")));
        QVERIFY(QTest::qWaitFor([&] { return !tv->isAnalysing(); }, 30000));
        QVERIFY(tv->analysis() && tv->analysis() != first);
        QVERIFY(!tv->headerLabel()->text().contains(QStringLiteral("updating")));

        // Undo brings the first strategy back, and its figures with it.
        w.document()->undoStack()->undo();
        QVERIFY(changed.wait(30000));
        QVERIFY(QTest::qWaitFor([&] { return !tv->isAnalysing(); }, 30000));
        QCOMPARE(tv->analysis()->rowSnr, first->rowSnr);
    }

    void rowTableSortsEveryColumnByItsValue()
    {
        MainWindow w;
        QVERIFY(openOn(w, QStringLiteral("tensor")));
        // An embedding table: its row 0 is all zero (no SNR), so the NaN rule is exercised too.
        QVERIFY(w.selectTensorByName(QStringLiteral("action_embed.weight")));
        TensorView *tv = w.view<TensorView>();
        QVERIFY(QTest::qWaitFor([&] { return !tv->isAnalysing() && tv->analysis(); }, 30000));
        QTableView *view = tv->rowsView();
        const RowTableModel *rows = tv->rowsModel();
        const int n = rows->rowCount();
        QVERIFY(n > 2);
        QVERIFY(std::isnan(tv->analysis()->rowSnr[0]));
        for (int col = 0; col < RowTableModel::ColumnCount; ++col)
            for (const Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                view->sortByColumn(col, order);
                // Every row once, in the order of the column's SortRole value (ties keep the previous order: the
                // model's sort is stable over what was shown, so a tie's order depends on the sort before).
                const auto key = [&](int r) {
                    return view->model()->index(r, col).data(RowTableModel::SortRole).toDouble();
                };
                std::vector<int> shown;
                for (int r = 0; r < n; ++r) {
                    shown.push_back(view->model()->index(r, RowTableModel::Row).data().toInt());
                    if (r > 0 && (order == Qt::AscendingOrder ? key(r) < key(r - 1) : key(r - 1) < key(r)))
                        QFAIL(qPrintable(QStringLiteral("column %1 %2: row %3 out of order")
                                             .arg(col)
                                             .arg(order == Qt::AscendingOrder ? "ascending" : "descending")
                                             .arg(r)));
                }
                std::sort(shown.begin(), shown.end());
                std::vector<int> all(static_cast<std::size_t>(n));
                std::iota(all.begin(), all.end(), 0);
                QCOMPARE(shown, all);
            }
        // The current row stays on its channel through a re-sort, and the plot marks that channel.
        view->sortByColumn(RowTableModel::Row, Qt::AscendingOrder);
        view->setCurrentIndex(view->model()->index(3, RowTableModel::Snr));
        QCOMPARE(rows->channelAt(3), 3);
        view->sortByColumn(RowTableModel::Scale, Qt::DescendingOrder);
        QCOMPARE(rows->channelAt(view->currentIndex().row()), 3);
        QCOMPARE(view->currentIndex().column(), int(RowTableModel::Snr));
        QCOMPARE(view->model()->index(view->currentIndex().row(), RowTableModel::Row).data().toInt(), 3);
        // Column -1 (no sort indicator) is channel order again, as a sort proxy gives the source order.
        tv->rowsModel()->sort(-1);
        for (int r = 0; r < n; ++r)
            QCOMPARE(rows->channelAt(r), r);
        // Ascending SNR: the worst row first, the all-zero (exact) row after every real SNR.
        view->sortByColumn(RowTableModel::Snr, Qt::AscendingOrder);
        QCOMPARE(view->model()->index(n - 1, RowTableModel::Row).data().toInt(), 0);
        const auto &snr = tv->analysis()->rowSnr;
        double worst = std::numeric_limits<double>::max();
        for (const double s : snr)
            if (!std::isnan(s))
                worst = std::min(worst, s);
        QCOMPARE(view->model()->index(0, RowTableModel::Snr).data(RowTableModel::SortRole).toDouble(), worst);
    }

    void analysisInFlightHoldsNoSnapshot()
    {
        // The tensor view's analysis job holds its tensor's piece, not the snapshot it started from: a job still
        // queued or running when newer snapshots arrive (Optimize's groups) must not keep the bytes they replaced.
        const ql::Session session = ql::openSession(QL_TEST_DATA "/policy-small.pt");
        auto snapshot = std::make_shared<ql::QuantizeResult>(*session.result);
        std::weak_ptr<const ql::QuantizeResult> weak = snapshot;
        const int index = snapshot->indexOf("trunk.0.weight");
        QVERIFY(index >= 0);

        TensorView tv; // analyses only while on screen
        tv.resize(1000, 700);
        tv.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tv));
        qltest::PoolBlocker blocker; // every pool thread busy, so the analysis job waits in the queue
        QVERIFY(blocker.allBlocked());
        tv.setResult(snapshot, session.checkpoint);
        tv.setTensor(index);
        QVERIFY(tv.isAnalysing());
        tv.setResult(session.result, session.checkpoint); // a newer snapshot arrives
        snapshot.reset();
        QVERIFY(weak.expired());
        blocker.release();
        QVERIFY(QTest::qWaitFor([&] { return !tv.isAnalysing(); }, 30000));
        QVERIFY(tv.analysis());
    }

    void shortcutsSwitchViewsAndFind()
    {
        MainWindow w;
        w.setInteractive(false);
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        QTest::keyClick(&w, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("tensor"));
        QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("scales"));
        QTest::keyClick(&w, Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("luts"));
        QTest::keyClick(&w, Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("shards"));
        QTest::keyClick(&w, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("table"));
        QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier);
        QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(w.currentView(), QStringLiteral("table"));
        QTRY_VERIFY(w.view<LayerTablePanel>()->filterEdit()->hasFocus());
        QTest::keyClicks(w.view<LayerTablePanel>()->filterEdit(), QStringLiteral("trunk"));
        QCOMPARE(w.view<LayerTablePanel>()->proxy()->rowCount(), 4);
    }

    void strategyEditFromTableIsUndoable()
    {
        MainWindow w;
        w.setInteractive(false);
        w.show();
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        const auto before = w.document()->result();
        const int i = before->indexOf("trunk.3.weight");
        auto *model = w.view<LayerTablePanel>()->model();
        QVERIFY(model->setData(model->index(i, LayerTableModel::Strategy), QStringLiteral("per_channel_mse")));
        QCOMPARE(w.document()->undoStack()->count(), 1);
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QCOMPARE(model->index(i, LayerTableModel::Strategy).data().toString(), QStringLiteral("per_channel_mse"));
        QVERIFY(!model->index(i, LayerTableModel::SnrDelta).data().toString().isEmpty());
        QVERIFY(w.summaryText().contains(QStringLiteral("1 override rule")));
        // The drill-down follows the new result.
        w.selectTensor(i);
        w.showView(QStringLiteral("tensor"));
        QVERIFY(w.view<TensorView>()->headerLabel()->text().contains(QStringLiteral("per_channel_mse")));
        w.document()->undoStack()->undo();
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QCOMPARE(model->index(i, LayerTableModel::Strategy).data().toString(), QStringLiteral("per_channel_absmax"));
        QVERIFY(w.view<TensorView>()->headerLabel()->text().contains(QStringLiteral("per_channel_absmax")));
    }

    void errorsAreReportedWithTheCoreMessage()
    {
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy spy(&w, &MainWindow::loadFinished);
        w.openPath(QStringLiteral(QL_TEST_DATA "/malicious.pt"));
        QVERIFY(spy.wait(60000));
        QCOMPARE(spy.at(0).at(0).toBool(), false);
        QVERIFY2(spy.at(0).at(1).toString().contains(QStringLiteral("posix.system")),
                 qPrintable(spy.at(0).at(1).toString()));
        QVERIFY(w.document()->isEmpty());
    }

    void staleLoadsAreDropped()
    {
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy spy(&w, &MainWindow::loadFinished);
        w.openPath(QStringLiteral(QL_SAMPLE));
        w.openPath(QStringLiteral(QL_TEST_DATA "/policy-small.pt"));
        QVERIFY(spy.wait(60000));
        QTest::qWait(300); // give the first job time to finish too: it must not replace the second
        QCOMPARE(spy.count(), 1);
        QVERIFY(w.document()->path().endsWith(QStringLiteral("policy-small.pt")));
        QCOMPARE(w.document()->result()->model.modelType, std::string("policy"));
    }

    void cancelStopsTheLoad()
    {
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy spy(&w, &MainWindow::loadFinished);
        w.openPath(QStringLiteral(QL_SAMPLE));
        QVERIFY(w.isBusy());
        w.cancelJobs();
        QVERIFY(spy.wait(60000));
        QCOMPARE(spy.at(0).at(0).toBool(), false);
        QVERIFY(w.document()->isEmpty());
        QVERIFY(!w.isBusy());
    }

    void recentFilesAndDrop()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/mlp-small.pt")));
        QVERIFY(w.recentFiles().value(0).endsWith(QStringLiteral("mlp-small.pt")));

        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(QStringLiteral(QL_TEST_DATA "/policy-small.pt"))});
        QSignalSpy spy(&w, &MainWindow::loadFinished);
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(spy.wait(60000));
        QVERIFY(w.document()->path().endsWith(QStringLiteral("policy-small.pt")));
        const QStringList recent = w.recentFiles();
        QVERIFY(recent.value(0).endsWith(QStringLiteral("policy-small.pt")));
        QVERIFY(recent.value(1).endsWith(QStringLiteral("mlp-small.pt")));
    }

    void outputFolderIsReadOnlyAndSaysWhy()
    {
        MainWindow w;
        w.setInteractive(false);
        w.show();
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/golden/policy-small")));
        QVERIFY(!w.document()->canRequantize());
        QVERIFY(w.summaryText().contains(QStringLiteral("output folder")));
        auto *model = w.view<LayerTablePanel>()->model();
        QVERIFY(!(model->flags(model->index(0, LayerTableModel::Strategy)) & Qt::ItemIsEditable));
        w.showView(QStringLiteral("tensor"));
        QVERIFY(QTest::qWaitFor([&] { return !w.view<TensorView>()->isAnalysing(); }, 30000));
        QVERIFY(w.view<TensorView>()->analysis());
        QVERIFY(!w.view<TensorView>()->analysis()->hasSource);
        QVERIFY(w.view<TensorView>()->noteLabel()->text().contains(QStringLiteral("FP32")));
    }

    void savedArtifactsMatchTheSeedGolden()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        QTemporaryDir dir;
        QSignalSpy saved(&w, &MainWindow::artifactsSaved);
        w.saveArtifactsTo(dir.path());
        QVERIFY(saved.wait(60000));
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QFile mine(dir.filePath(QStringLiteral("weights_int8.bin")));
        QFile golden(QStringLiteral(QL_TEST_DATA "/golden/policy-small/weights_int8.bin"));
        QVERIFY(mine.open(QIODevice::ReadOnly) && golden.open(QIODevice::ReadOnly));
        QVERIFY(mine.readAll() == golden.readAll());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("manifest.json"))));

        QSignalSpy failed(&w, &MainWindow::artifactsSaved);
        w.saveArtifactsTo(dir.filePath(QStringLiteral("weights_int8.bin/inside-a-file")));
        QVERIFY(failed.wait(60000));
        QCOMPARE(failed.at(0).at(0).toBool(), false);
        QVERIFY(!failed.at(0).at(1).toString().isEmpty());
    }

    void outputFolderHandsLutScalesToTheLutView()
    {
        QTemporaryDir dir;
        const auto src = Document::load(QStringLiteral(QL_TEST_DATA "/policy-small.pt"));
        ql::writeArtifacts(*src.result, dir.path().toStdString());
        ql::LutScales scales;
        scales.out[1] = 0.0625;
        ql::writeLuts(dir.path().toStdString(), scales);
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, dir.path()));
        QCOMPARE(w.view<LutView>()->scales().out[1], 0.0625);
        QVERIFY(open(w, QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        QCOMPARE(w.view<LutView>()->scales().out[1], ql::LutScales{}.out[1]); // a checkpoint starts from the defaults
    }

    void followsAPaletteChange()
    {
        MainWindow w;
        QVERIFY(openOn(w, QStringLiteral("tensor")));
        QPalette dark = w.palette();
        dark.setColor(QPalette::Base, QColor(30, 30, 30));
        dark.setColor(QPalette::Window, QColor(45, 45, 45));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        w.setPalette(dark);
        QCOMPARE(w.view<TensorView>()->rowPlot()->xAxis->tickLabelColor(), QColor(230, 230, 230));
        QCOMPARE(w.view<TensorView>()->histogramPlot()->toPixmap(200, 150).toImage().pixelColor(2, 2), QColor(30, 30, 30));
    }

    void overrideAndRefreshEveryViewIsQuick()
    {
        // An override on the largest tensor of the sample re-quantizes it and refreshes the visible drill-down.
        // The 50 ms budget is measured in tests/bench (bench_gui), not asserted here: unit tests also run under
        // ASan on a shared CI machine, where wall time says nothing about the code.
        MainWindow w;
        w.setInteractive(false);
        w.resize(1600, 1000);
        w.show();
        QVERIFY(open(w, QStringLiteral(QL_SAMPLE)));
        // The edit below replaces the document's snapshot (the old one is freed on the pool): keep no reference
        // into it past this block.
        int largest = 0;
        std::string name;
        {
            const auto result = w.document()->result();
            const auto &ts = result->tensors;
            for (std::size_t i = 0; i < ts.size(); ++i)
                if (ts[i].size > ts[std::size_t(largest)].size)
                    largest = int(i);
            name = ts[std::size_t(largest)].name;
        }
        w.selectTensor(largest);
        w.showView(QStringLiteral("tensor"));
        QElapsedTimer timer;
        timer.start();
        w.document()->setStrategyAt({largest}, ql::Strategy::fromName("per_channel_percentile"));
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QApplication::processEvents();
        const qint64 ms = timer.elapsed();
        qInfo("override + refresh of %s: %lld ms", name.c_str(), ms);
        QVERIFY(w.view<TensorView>()->headerLabel()->text().contains(QStringLiteral("per_channel_percentile")));
        // Dense lines (per-row SNR and scales of a 1676-row tensor) stroked as one antialiased path cost ~200 ms per
        // repaint (perf, bench_gui); every plot of the window must draw polylines segment by segment.
        const auto plots = w.findChildren<QCustomPlot *>();
        QVERIFY(plots.size() >= 6);
        for (const QCustomPlot *p : plots)
            QVERIFY2(p->plottingHints().testFlag(QCP::phFastPolylines), qPrintable(p->parent()->metaObject()->className()));
    }

    void commandLine()
    {
        GuiOptions o;
        QString err;
        QVERIFY(parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("--open"), QStringLiteral("a.pt"),
                                 QStringLiteral("--view"), QStringLiteral("scales"), QStringLiteral("--select"),
                                 QStringLiteral("x.weight"), QStringLiteral("--screenshot"), QStringLiteral("s.png")},
                                &o, &err));
        QCOMPARE(o.path, QStringLiteral("a.pt"));
        QCOMPARE(o.view, QStringLiteral("scales"));
        QCOMPARE(o.select, QStringLiteral("x.weight"));
        QCOMPARE(o.screenshot, QStringLiteral("s.png"));
        GuiOptions p;
        QVERIFY(parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("b.pt")}, &p, &err));
        QCOMPARE(p.path, QStringLiteral("b.pt"));
        QCOMPARE(p.size, QSize(1600, 1000));
        QVERIFY(parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("--size"), QStringLiteral("800x600")}, &p, &err));
        QCOMPARE(p.size, QSize(800, 600));
        QVERIFY(!parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("--size"), QStringLiteral("10x10")}, &p, &err));
        QVERIFY(err.contains(QStringLiteral("10x10")));
        QVERIFY(!parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("--size"), QStringLiteral("wide")}, &p, &err));
        // Views come from the window's registry; an unknown name is refused when it is shown (the list is printed).
        MainWindow w;
        QCOMPARE(w.viewNames().mid(0, 5), (QStringList{QStringLiteral("table"), QStringLiteral("tensor"),
                                                        QStringLiteral("scales"), QStringLiteral("luts"),
                                                        QStringLiteral("shards")}));
        QVERIFY(!w.showView(QStringLiteral("bogus")));
        QVERIFY(w.showView(QStringLiteral("luts")));
        QCOMPARE(w.currentView(), QStringLiteral("luts"));
        QVERIFY(!parseGuiOptions({QStringLiteral("quantlens"), QStringLiteral("a"), QStringLiteral("b")}, &p, &err));
        qputenv("QL_SAMPLE", QL_TEST_DATA "/policy-small.pt");
        QCOMPARE(defaultSamplePath(), QStringLiteral(QL_TEST_DATA "/policy-small.pt"));
        qunsetenv("QL_SAMPLE");
        QCOMPARE(defaultSamplePath(), QStringLiteral(QL_SOURCE_SAMPLE));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
