// GUI timings for issue 5, measured inside the real MainWindow (offscreen platform unless QT_QPA_PLATFORM is set):
//   launch_to_table    main() entered -> checkpoint loaded and quantized -> layer table filled and painted
//   override_on_<view> with <view> on screen: Document::setStrategy() on one tensor (undoable command ->
//                      requantize -> resultChanged -> every view updated or marked stale), then the event loop runs
//                      until the window has repainted (queued plot replots, the paint of the visible view). This is
//                      what a user waits for; the number of paint events inside the timed region is printed to
//                      show the repaint really happened there.
//   switch_to_<view>   after an override, showing a view that was hidden (it recomputes lazily) and painting it
//   override_all_views setStrategy, then every view shown in turn and rendered with grab(): an upper bound (a window
//                      shows one view at a time)
//   shardmap_repaint   ShardMapView::repaint() of the whole visible map (synchronous paint)
// usage: bench_gui CHECKPOINT [TENSOR] [REPEATS]   (defaults: layers.0.mamba.in_proj.weight, 21)
// Process start-up before main() (loading Qt's libraries) is not included: run_benchmarks.sh times
// `quantlens --open X --view table --screenshot f.png` with hyperfine for that upper bound.
#include "layertablemodel.h"
#include "layertablepanel.h"
#include "mainwindow.h"
#include "tensorview.h"
#include "shardmapview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace {
/// Edits re-quantize in the background: wait for the result (what the user waits for before the view changes).
void settle(MainWindow &w)
{
    while (w.document()->isBusy() || w.view<TensorView>()->isAnalysing())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

struct Summary
{
    double median, min, max;
};

Summary summarize(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {med, v.front(), v.back()};
}

double ms(const QElapsedTimer &t) { return double(t.nsecsElapsed()) / 1e6; }

/// Counts paint events delivered to any widget (to show that a timed region really painted).
class PaintCounter : public QObject
{
public:
    int paints = 0;
    bool eventFilter(QObject *, QEvent *e) override
    {
        if (e->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};

void print(const char *what, const std::vector<double> &v, const char *note)
{
    const Summary s = summarize(v);
    std::printf("%-18s median %8.2f ms  min %8.2f  max %8.2f  (n=%zu) %s\n", what, s.median, s.min, s.max, v.size(),
                note);
}

} // namespace

int main(int argc, char **argv)
{
    QElapsedTimer sinceMain;
    sinceMain.start();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_gui CHECKPOINT [TENSOR] [REPEATS]\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);
    const QString tensor = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("layers.0.mamba.in_proj.weight");
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 21;

    MainWindow w;
    w.setInteractive(false);
    w.resize(1600, 1000);
    w.show();
    bool ok = false;
    QString error;
    QEventLoop loop;
    QObject::connect(&w, &MainWindow::loadFinished, &loop, [&](bool good, const QString &e) {
        ok = good;
        error = e;
        loop.quit();
    });
    w.openPath(path);
    loop.exec();
    if (!ok) {
        std::fprintf(stderr, "bench_gui: cannot open %s: %s\n", argv[1], qPrintable(error));
        return 1;
    }
    w.showView(QStringLiteral("table"));
    QCoreApplication::processEvents();
    w.repaint();
    const double launch = ms(sinceMain);
    const int tableRows = w.view<LayerTablePanel>()->model()->rowCount();
    std::printf("launch_to_table    %8.2f ms  (%d rows in the layer table; from main(), offscreen)\n", launch, tableRows);

    const int index = w.document()->result()->indexOf(tensor.toStdString());
    if (index < 0) {
        std::fprintf(stderr, "bench_gui: no tensor %s\n", qPrintable(tensor));
        return 1;
    }
    // Copied: the overrides below replace the document's snapshot, and a reference into it would dangle.
    const int64_t rows = w.document()->result()->tensors[std::size_t(index)].rows;
    const int64_t cols = w.document()->result()->tensors[std::size_t(index)].cols;
    w.selectTensor(index);
    QCoreApplication::processEvents();
    // Alternate strategies so that every step really re-quantizes.
    const std::optional<ql::Strategy> cycle[] = {ql::Strategy::fromName("per_channel_percentile"),
                                                 ql::Strategy::fromName("per_channel_mse"), std::nullopt,
                                                 ql::Strategy::fromName("per_tensor_absmax")};
    int step = 0;
    PaintCounter counter;
    app.installEventFilter(&counter);
    char note[200];
    std::vector<double> worst(std::size_t(repeats), 0.0);

    // What a user waits for: the override applied with one view on screen, until the window has repainted.
    for (int v = 0; v < int(w.viewNames().size()); ++v) {
        const QString view = w.viewNames().value(v);
        if (!w.viewWidget(view) || !w.showView(view))
            continue;
        QCoreApplication::processEvents();
        w.repaint();
        std::vector<double> times, setOnly;
        int paints = 0;
        for (int i = 0; i < repeats; ++i) {
            counter.paints = 0;
            QElapsedTimer timer;
            timer.start();
            w.document()->setStrategyAt({index}, cycle[step++ % 4]);
            settle(w);
            setOnly.push_back(ms(timer));
            // Queued replots, lazy recomputes and the repaint they request; a second pass for repaints requested
            // by the first (a replot that finishes after the backing store was flushed).
            QCoreApplication::processEvents();
            QCoreApplication::processEvents();
            times.push_back(ms(timer));
            worst[std::size_t(i)] = std::max(worst[std::size_t(i)], times.back());
            paints += counter.paints;
        }
        std::snprintf(note, sizeof note, "(of which setStrategy: median %.2f ms; %.1f paint events per override)",
                      summarize(setOnly).median, double(paints) / repeats);
        print(qPrintable(QStringLiteral("override_on_%1").arg(view)), times, note);
    }
    std::snprintf(note, sizeof note, "%s %lldx%lld, strategies cycled percentile/mse/default/per-tensor",
                  qPrintable(tensor), static_cast<long long>(rows), static_cast<long long>(cols));
    print("override_worst_view", worst, note);

    // A stale view shown after an override: lazy recompute + first paint.
    for (int v = 0; v < int(w.viewNames().size()); ++v) {
        const QString view = w.viewNames().value(v);
        const QString other = w.viewNames().value((v + 1) % int(w.viewNames().size()));
        std::vector<double> times;
        for (int i = 0; i < repeats; ++i) {
            w.showView(other);
            QCoreApplication::processEvents();
            w.document()->setStrategyAt({index}, cycle[step++ % 4]);
            settle(w);
            QCoreApplication::processEvents();
            QElapsedTimer timer;
            timer.start();
            w.showView(view);
            QCoreApplication::processEvents();
            QCoreApplication::processEvents();
            times.push_back(ms(timer));
        }
        print(qPrintable(QStringLiteral("switch_to_%1").arg(view)), times,
              "(after an override made on another view)");
    }

    // Upper bound: every view shown in turn and rendered.
    std::vector<double> refresh;
    std::vector<std::vector<double>> perView(int(w.viewNames().size()));
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer timer;
        timer.start();
        w.document()->setStrategyAt({index}, cycle[step++ % 4]);
            settle(w);
        QCoreApplication::processEvents();
        for (int v = int(w.viewNames().size()); v >= 0; --v) {
            const QString view = w.viewNames().value(v % int(w.viewNames().size()));
            QWidget *widget = w.viewWidget(view);
            QElapsedTimer vt;
            vt.start();
            if (!widget || !w.showView(view))
                continue;
            QCoreApplication::processEvents();
            widget->grab();
            if (v < int(w.viewNames().size()))
                perView[std::size_t(v)].push_back(ms(vt));
        }
        refresh.push_back(ms(timer));
    }
    app.removeEventFilter(&counter);
    print("override_all_views", refresh, "(upper bound: every view shown in turn and rendered with grab())");
    for (int v = 0; v < int(w.viewNames().size()); ++v)
        if (!perView[std::size_t(v)].empty())
            print(qPrintable(QStringLiteral("  show+grab %1").arg(w.viewNames().value(v))),
                  perView[std::size_t(v)], "");

    w.showView(QStringLiteral("shards"));
    QCoreApplication::processEvents();
    ShardMapView *map = w.findChild<ShardMapView *>();
    if (!map) {
        std::printf("shardmap_repaint   not measured: no ShardMapView in this build\n");
        w.document()->undoStack()->clear();
        return 0;
    }
    auto timeRepaints = [&] { // `repeats` synchronous repaints after one that lays out
        map->viewport()->repaint();
        std::vector<double> t;
        for (int i = 0; i < repeats; ++i) {
            QElapsedTimer timer;
            timer.start();
            map->viewport()->repaint();
            t.push_back(ms(timer));
        }
        return t;
    };
    std::vector<double> paint = timeRepaints();
    std::snprintf(note, sizeof note, "viewport %dx%d, whole file (zoom %d)", map->viewport()->width(),
                  map->viewport()->height(), map->zoom());
    print("shardmap_repaint", paint, note);
    // Every zoom level, from the whole file to one byte per cell (hex, int8 and value drawn in each cell).
    const int fit = map->zoom();
    double worstMedian = 0;
    int worstLevel = fit;
    for (int level = fit;; ++level) {
        map->setZoom(level);
        if (map->zoom() != level)
            break;
        QCoreApplication::processEvents();
        const std::vector<double> z = timeRepaints();
        const double med = summarize(z).median;
        if (med > worstMedian) {
            worstMedian = med;
            worstLevel = level;
            paint = z;
        }
    }
    std::snprintf(note, sizeof note, "worst of zoom levels %d..%d: level %d", fit, map->zoom(), worstLevel);
    print("shardmap_worst_zoom", paint, note);
    // A dirty undo stack emits cleanChanged() while ~MainWindow runs, into the half-destroyed window (a use after
    // free valgrind reports in MainWindow::updateActions); empty it while the window is whole.
    w.document()->undoStack()->clear();
    return 0;
}
