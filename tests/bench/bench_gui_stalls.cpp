// GUI-thread stalls (issue 10): the longest time the window's event loop could not run during each user action, on
// the real MainWindow. A 1 ms heartbeat timer records the gaps between its ticks; the largest gap while an action is
// under way (from the call until its result is on screen) is that action's stall. Actions:
//   edit        one-tensor strategy change (undoable command -> background re-quantize -> views updated)
//   undo, redo  of that edit
//   optimize    Optimize: the plan computed in the background, applied as one step (non-interactive: no preview)
//   select      a selection change to the largest tensor (drill-down analysis in the background)
//   switch      a view switch (table -> tensor -> scales -> shards -> table)
// Also the process's peak RSS (VmHWM) against the session's INT8 size and the checkpoint's size.
// usage: bench_gui_stalls CHECKPOINT [REPEATS]   prints "<action> max <ms> median <ms>" lines
#include "mainwindow.h"
#include "tensorview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTimer>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

/// Measures the longest gap between heartbeat ticks while `busy()` holds.
class StallMeter
{
public:
    StallMeter()
    {
        m_timer.setInterval(1);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_max = std::max(m_max, now - m_last);
            m_last = now;
        });
        m_clock.start();
        m_timer.start();
    }
    /// Runs `action`, then the event loop until `done()`; returns the longest stall in ms (the action's own call
    /// included: it runs on the GUI thread too).
    template<class Action, class Done>
    double measure(Action action, Done done)
    {
        QCoreApplication::processEvents();
        m_last = m_clock.nsecsElapsed();
        m_max = 0;
        action();
        m_max = std::max(m_max, m_clock.nsecsElapsed() - m_last); // the call itself blocks the loop
        m_last = m_clock.nsecsElapsed();
        QElapsedTimer guard;
        guard.start();
        while (!done() && guard.elapsed() < 120000)
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 5);
        // A last pass for the repaint the result triggered.
        for (int i = 0; i < 3; ++i)
            QCoreApplication::processEvents();
        m_max = std::max(m_max, m_clock.nsecsElapsed() - m_last);
        return double(m_max) / 1e6;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0, m_max = 0;
};

void report(const char *name, std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    std::printf("%-10s max %8.1f ms  median %8.1f ms  (n=%zu)\n", name, v.back(), v[v.size() / 2], v.size());
}

long vmHwmKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').front().toLong();
    return -1;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_gui_stalls CHECKPOINT [REPEATS]\n");
        return 2;
    }
    const QString ckpt = QString::fromLocal8Bit(argv[1]);
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    MainWindow w;
    w.setInteractive(false);
    w.resize(1600, 1000);
    w.show();
    StallMeter meter;
    {
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.openPathQuietly(ckpt);
        if (!loaded.wait(600000) || !loaded.at(0).at(0).toBool()) {
            std::fprintf(stderr, "cannot open %s\n", argv[1]);
            return 3;
        }
    }
    const auto idle = [&] { return !w.isBusy() && !w.tensorView()->isAnalysing(); };
    const auto &ts = w.document()->result()->tensors;
    int largest = 0, second = ts.size() > 1 ? 1 : 0;
    for (std::size_t i = 0; i < ts.size(); ++i)
        if (ts[i].size > ts[std::size_t(largest)].size)
            largest = int(i);
    second = largest == 0 && ts.size() > 1 ? 1 : 0;
    const QString name = QString::fromStdString(ts[std::size_t(largest)].name);
    std::printf("checkpoint %s: %zu tensors, INT8 %.1f MiB, largest %s (%llu values)\n", argv[1], ts.size(),
                double(w.document()->result()->totalBytes) / 1048576.0, qPrintable(name),
                static_cast<unsigned long long>(ts[std::size_t(largest)].size));

    std::vector<double> edit, undo, redo, select, viewSwitch;
    const char *cycle[] = {"per_channel_percentile", "per_tensor_absmax"};
    w.showView(QStringLiteral("tensor"));
    for (int i = 0; i < repeats; ++i) {
        select.push_back(meter.measure([&] { w.selectTensor(i % 2 ? second : largest); }, idle));
        w.selectTensor(largest);
        meter.measure([] {}, idle);
        edit.push_back(meter.measure(
            [&] { w.document()->setStrategy(QStringList{name}, ql::Strategy::fromName(cycle[i % 2])); }, idle));
        undo.push_back(meter.measure([&] { w.document()->undoStack()->undo(); }, idle));
        redo.push_back(meter.measure([&] { w.document()->undoStack()->redo(); }, idle));
        for (const char *v : {"table", "tensor", "scales", "shards", "table"})
            viewSwitch.push_back(meter.measure([&] { w.showView(QString::fromLatin1(v)); }, idle));
        w.showView(QStringLiteral("tensor"));
    }
    std::vector<double> optimize;
    {
        QSignalSpy done(&w, &MainWindow::optimizeFinished);
        optimize.push_back(meter.measure([&] { w.optimize(); }, [&] { return done.count() > 0 && idle(); }));
    }
    report("edit", edit);
    report("undo", undo);
    report("redo", redo);
    report("optimize", optimize);
    report("select", select);
    report("switch", viewSwitch);
    const double int8MiB = double(w.document()->result()->totalBytes) / 1048576.0;
    const double ckptMiB = double(QFileInfo(ckpt).size()) / 1048576.0;
    const double hwm = double(vmHwmKiB()) / 1024.0;
    std::printf("peak RSS %.1f MiB; INT8 %.1f MiB, checkpoint %.1f MiB: (RSS - checkpoint) / INT8 = %.2f\n", hwm,
                int8MiB, ckptMiB, (hwm - ckptMiB) / std::max(int8MiB, 1e-9));
    return 0;
}
