// Each of the inspector's views rendered offscreen: non-trivial pixels and the expected content, in-process at
// 1600x1000 and through the real `quantlens --screenshot --size` command line at 1600x1000 and 800x600.
#include "../common/rendering.h"
#include "../common/runprocess.h"
#include "layertablemodel.h"
#include "layertablepanel.h"
#include "lutview.h"
#include "mainwindow.h"
#include "rowtablemodel.h"
#include "scalesview.h"
#include "shardmappanel.h"
#include "tensorview.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

namespace {

/// Fraction of sampled pixels in a region that differ from the region's most common colour (its background).
double inkFraction(const QImage &img, const QRect &r)
{
    QHash<QRgb, int> count;
    int n = 0;
    for (int y = r.top(); y < r.bottom(); y += 2)
        for (int x = r.left(); x < r.right(); x += 2) {
            ++count[img.pixel(x, y)];
            ++n;
        }
    int most = 0;
    for (int c : count)
        most = std::max(most, c);
    return n ? 1.0 - double(most) / n : 0.0;
}

int plotData(QCustomPlot *p)
{
    int n = 0;
    for (int i = 0; i < p->plottableCount(); ++i)
        if (auto *g = qobject_cast<QCPGraph *>(p->plottable(i)))
            n += g->dataCount();
        else if (auto *b = qobject_cast<QCPBars *>(p->plottable(i)))
            n += b->dataCount();
        else if (auto *s = qobject_cast<QCPStatisticalBox *>(p->plottable(i)))
            n += s->dataCount();
    return n;
}

QString guiBinary() { return QFileInfo(QStringLiteral(QL_CLI)).dir().filePath(QStringLiteral("quantlens")); }

} // namespace

class TestScreenshots : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;

    /// How the real program runs here: offscreen, with settings of its own under m_tmp.
    qltest::RunOptions guiRun() const
    {
        qltest::RunOptions o;
        o.timeoutMs = 60000;
        o.env = {{QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen")},
                 {QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("config"))}};
        return o;
    }

    QImage shoot(MainWindow &w, const QString &name)
    {
        const QString file = m_tmp.filePath(name + QStringLiteral(".png"));
        if (!w.saveScreenshot(file))
            return {};
        return QImage(file);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_tmp.isValid());
    }

    void inProcessViews()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1600, 1000);
        w.show();
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.openPath(QStringLiteral(QL_SAMPLE));
        QVERIFY(loaded.wait(60000));
        QVERIFY(loaded.at(0).at(0).toBool());
        const auto r = w.document()->result();
        QVERIFY(w.selectTensorByName(QStringLiteral("layers.0.mamba.in_proj.weight")));
        const auto &t = r->tensors[std::size_t(w.selectedTensor())];

        QVERIFY(w.showView(QStringLiteral("table")));
        const QImage table = shoot(w, QStringLiteral("table"));
        QCOMPARE(table.size(), QSize(1600, 1000));
        QVERIFY(qltest::distinctColours(table) > 40);
        QTableView *tv = w.view<LayerTablePanel>()->view();
        QVERIFY(tv->indexAt(QPoint(5, 5)).isValid()); // rows are on screen
        QVERIFY(tv->rowAt(tv->viewport()->height() - 5) > 10 || tv->model()->rowCount() <= 10);
        const QRect tableRect(tv->mapTo(&w, QPoint(0, 0)), tv->size());
        QVERIFY(inkFraction(table, tableRect) > 0.05);

        QVERIFY(w.showView(QStringLiteral("tensor")));
        const QImage tensor = shoot(w, QStringLiteral("tensor"));
        QVERIFY(qltest::distinctColours(tensor) > 40);
        QVERIFY(tensor != table);
        TensorView *dv = w.view<TensorView>();
        QVERIFY(dv->headerLabel()->text().contains(QStringLiteral("layers.0.mamba.in_proj.weight")));
        QCOMPARE(dv->rowsModel()->rowCount(), int(t.rows));
        QVERIFY(plotData(dv->rowPlot()) >= int(t.rows) - int(dv->analysis()->zeroRows));
        QVERIFY(plotData(dv->histogramPlot()) > 0);
        QVERIFY(plotData(dv->errorPlot()) > 0);
        for (QCustomPlot *p : {dv->rowPlot(), dv->histogramPlot(), dv->errorPlot()}) {
            const QRect rect(p->mapTo(&w, QPoint(0, 0)), p->size());
            QVERIFY2(inkFraction(tensor, rect) > 0.02, qPrintable(p->objectName()));
        }

        QVERIFY(w.showView(QStringLiteral("scales")));
        const QImage scales = shoot(w, QStringLiteral("scales"));
        QVERIFY(qltest::distinctColours(scales) > 40);
        ScalesView *sv = w.view<ScalesView>();
        QCOMPARE(plotData(sv->modelPlot()), int(r->tensors.size()));
        QVERIFY(plotData(sv->channelPlot()) == int(t.rows));
        QVERIFY(sv->summaryLabel()->text().contains(QStringLiteral("scales in")));
        for (QCustomPlot *p : {sv->channelPlot(), sv->histogramPlot(), sv->modelPlot()}) {
            const QRect rect(p->mapTo(&w, QPoint(0, 0)), p->size());
            QVERIFY(inkFraction(scales, rect) > 0.02);
        }

        // The colleague's views are part of the window and follow the same selection.
        QVERIFY(w.showView(QStringLiteral("luts")));
        const QImage luts = shoot(w, QStringLiteral("luts"));
        QVERIFY(qltest::distinctColours(luts) > 40);
        QVERIFY(luts != scales);
        QVERIFY(w.showView(QStringLiteral("shards")));
        const QImage shards = shoot(w, QStringLiteral("shards"));
        QVERIFY(qltest::distinctColours(shards) > 40);
        QVERIFY(shards != luts);
        Q_EMIT w.view<ShardMapPanel>()->tensorActivated(0);
        QCOMPARE(w.selectedTensor(), 0);
        QCOMPARE(w.view<TensorView>()->tensor(), 0);
    }

    void allZeroTensorExplainsItself()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1600, 1000);
        w.show();
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.openPath(QStringLiteral(QL_TEST_DATA "/edge-cases.pt"));
        QVERIFY(loaded.wait(60000));
        QVERIFY(w.selectTensorByName(QStringLiteral("aux.zero.weight")));
        w.showView(QStringLiteral("tensor"));
        QVERIFY(QTest::qWaitFor([&] { return !w.view<TensorView>()->isAnalysing(); }, 30000));
        QVERIFY(w.view<TensorView>()->noteLabel()->isVisible());
        QVERIFY(w.view<TensorView>()->noteLabel()->text().contains(QStringLiteral("undefined")));
        QVERIFY(w.view<TensorView>()->headerLabel()->text().contains(QStringLiteral("undefined")));
        QVERIFY(qltest::distinctColours(shoot(w, QStringLiteral("zero"))) > 20);
    }

    void commandLineScreenshots_data()
    {
        // Every registered view, at the default size and at the smallest supported one, as docs/screenshots has them.
        QTest::addColumn<QString>("view");
        QTest::addColumn<QSize>("size");
        for (const char *view : {"table", "tensor", "scales", "luts", "shards", "compare", "evaluate"})
            for (const QSize size : {QSize(1600, 1000), QSize(800, 600)})
                QTest::addRow("%s-%dx%d", view, size.width(), size.height()) << QString::fromLatin1(view) << size;
    }
    void commandLineScreenshots()
    {
        QFETCH(QString, view);
        QFETCH(QSize, size);
        const QString out = m_tmp.filePath(QStringLiteral("cli-%1-%2x%3.png").arg(view).arg(size.width()).arg(size.height()));
        QStringList args{QStringLiteral("--open"), QStringLiteral(QL_TEST_DATA "/policy-small.pt"),
                         QStringLiteral("--view"), view, QStringLiteral("--select"), QStringLiteral("trunk.3.weight"),
                         QStringLiteral("--size"), QStringLiteral("%1x%2").arg(size.width()).arg(size.height()),
                         QStringLiteral("--screenshot"), out};
        if (view == QLatin1String("compare"))
            args << QStringLiteral("--compare") << QStringLiteral(QL_TEST_DATA "/extra/policy-legacy.pt");
        const qltest::Run r = qltest::runProcess(guiBinary(), args, guiRun());
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const QImage img(out);
        QCOMPARE(img.size(), size); // the window really is that small: nothing forces a larger minimum
        QVERIFY(qltest::distinctColours(img) > 40);
        // Not a mostly empty window: the view fills its tab with content.
        QVERIFY(inkFraction(img, img.rect().adjusted(0, 60, 0, -30)) > 0.05);
    }

    void commandLineErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        const QString shot = QStringLiteral("--screenshot");
        QTest::newRow("unknown view") << QStringList{QStringLiteral("--view"), QStringLiteral("bogus"), shot,
                                                     QStringLiteral("x.png")}
                                      << 2;
        QTest::newRow("unknown tensor") << QStringList{QStringLiteral("--open"),
                                                       QStringLiteral(QL_TEST_DATA "/policy-small.pt"),
                                                       QStringLiteral("--select"), QStringLiteral("nope"), shot,
                                                       QStringLiteral("x.png")}
                                        << 2;
        QTest::newRow("unreadable input") << QStringList{QStringLiteral("--open"),
                                                         QStringLiteral(QL_TEST_DATA "/malicious.pt"), shot,
                                                         QStringLiteral("x.png")}
                                          << 3;
    }
    void commandLineErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        qltest::RunOptions o = guiRun();
        o.cwd = m_tmp.path();
        const qltest::Run r = qltest::runProcess(guiBinary(), args, o);
        QVERIFY2(r.code == exitCode, qPrintable(r.describe()));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("x.png"))));
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
