// GUI-thread stalls (issue 10): the longest time the window's event loop could not run during each user action, on
// the real MainWindow. A 1 ms heartbeat timer records the gaps between its ticks; the largest gap while an action is
// under way (from the call until its result is on screen) is that action's stall. Actions:
//   edit        one-tensor strategy change (undoable command -> background re-quantize -> views updated)
//   undo, redo  of that edit
//   optimize    Optimize: the plan computed in the background, applied as one step (non-interactive: no preview)
//   select      a selection change to the largest tensor (drill-down analysis in the background)
//   switch      a view switch (table -> tensor -> scales -> shards -> table)
//   table-edit  the one-tensor edit and its undo with the layer table on screen
// Memory, two ways: (1) the INT8 storage the session holds, counted exactly: the distinct Int8Buffer pieces of the
// result and the baseline (shared pieces once; the baseline keeps none of its own); (2) the session's anonymous
// memory: the peak of RssAnon (sampled every 20 ms, so mapped-file pages of the checkpoint are not counted) minus
// RssAnon before the open, against the INT8 size, overall and per phase (open; each kind of action of the rounds,
// its largest peak: select, edit, undo, redo, view switches, table edit; Optimize's plan and apply), and the steady
// state once the actions have settled, before and after malloc_trim(0) (what the allocator keeps cached versus what
// the session holds). "Before the open" is a window that has already shown a
// model (the bundled sample, every view visited), so the window's own images and caches, which do not grow with the
// model, are not counted as the session's; the peak and steady state over the empty window are printed too.
// usage: bench_gui_stalls CHECKPOINT [REPEATS]   prints "<action> max <ms> median <ms>" lines
//        QL_STALL_TRACE=MS bench_gui_stalls ...  also prints each event delivery of MS ms or more (see TracingApp)
#include "base/program.h"
#include "mainwindow.h"
#include "tensorview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QUndoStack>
#include <qcustomplot.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <ctime>
#include <sys/resource.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {

/// The calling thread's CPU time so far (ms).
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

/// Involuntary and voluntary context switches of the calling thread so far: preempted (the CPU went to another
/// thread) or asleep (a lock, a wait, a page fault that waited). getrusage, not /proc: reading /proc from the traced
/// thread could itself sleep for milliseconds while workers were busy.
std::pair<long, long> threadSwitches()
{
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return {u.ru_nivcsw, u.ru_nvcsw};
}

/// With QL_STALL_TRACE=MS set, every event delivery on the GUI thread that takes MS ms or more is printed with its
/// receiver's class and object name, its type and its nesting depth: where a stall goes, without a profiler.
class TracingApp : public QApplication
{
public:
    TracingApp(int &argc, char **argv)
        : QApplication(argc, argv), m_thresholdMs(qEnvironmentVariableIntValue("QL_STALL_TRACE"))
    {
    }
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (m_thresholdMs <= 0)
            return QApplication::notify(receiver, event);
        const int type = event->type();
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        const auto sw0 = threadSwitches();
        // The event may delete its receiver (DeferredDelete, a closing dialog): names are taken from a guard.
        const char *className = receiver->metaObject()->className();
        const QPointer<QObject> guard(receiver);
        ++m_depth;
        const bool r = QApplication::notify(receiver, event);
        --m_depth;
        const qint64 ms = t.elapsed();
        if (ms >= m_thresholdMs) // wall time, and the GUI thread's own CPU time in it (the rest: waiting or preempted)
            std::fprintf(stderr, "  trace: %*s%lld ms (cpu %.0f, preempted %ld, slept %ld) %s(%s) event %d\n",
                         2 * m_depth, "", static_cast<long long>(ms), threadCpuMs() - cpu0,
                         threadSwitches().first - sw0.first, threadSwitches().second - sw0.second, className,
                         qPrintable(!guard                  ? QStringLiteral("deleted by the event")
                                    : guard->objectName().isEmpty() && guard->parent()
                                        ? QStringLiteral("in ") + guard->parent()->metaObject()->className()
                                        : guard->objectName()),
                         type);
        return r;
    }

private:
    int m_thresholdMs;
    int m_depth = 0;
};

/// The machine's steal time so far, in ms (/proc/stat's 8th "cpu" field: time a virtual CPU was ready to run but the
/// hypervisor ran something else), or -1 where the kernel does not count it.
double stealMs()
{
    QFile f(QStringLiteral("/proc/stat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readLine().simplified().split(' ');
    if (fields.size() < 9 || fields[0] != "cpu")
        return -1;
    return fields[8].toDouble() * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

/// Measures the longest gap between heartbeat ticks while `busy()` holds. With QL_STALL_TRACE=MS, every gap of MS ms
/// or more is printed with the GUI thread's CPU time and context switches in it, and an action that has one also
/// prints the machine's steal time over the action: whether the window was working, waiting, or not running at all.
class StallMeter
{
public:
    StallMeter() : m_traceMs(qEnvironmentVariableIntValue("QL_STALL_TRACE"))
    {
        m_timer.setInterval(1);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 gap = now - m_last;
            m_max = std::max(m_max, gap);
            m_last = now;
            if (m_traceMs > 0) {
                const double cpu = threadCpuMs();
                const auto sw = threadSwitches();
                if (gap >= qint64(m_traceMs) * 1000000) {
                    std::fprintf(stderr, "  gap: %.1f ms (GUI thread cpu %.1f, preempted %ld, slept %ld)\n",
                                 double(gap) / 1e6, cpu - m_lastCpu, sw.first - m_lastSwitches.first,
                                 sw.second - m_lastSwitches.second);
                    m_gapSeen = true;
                }
                m_lastCpu = cpu;
                m_lastSwitches = sw;
            }
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
        const double steal0 = m_traceMs > 0 ? stealMs() : 0;
        m_gapSeen = false;
        m_lastCpu = threadCpuMs();
        m_lastSwitches = threadSwitches();
        m_last = m_clock.nsecsElapsed();
        const qint64 start = m_last;
        m_max = 0;
        action();
        m_max = std::max(m_max, m_clock.nsecsElapsed() - m_last); // the call itself blocks the loop
        m_last = m_clock.nsecsElapsed();
        QElapsedTimer guard;
        guard.start();
        while (!done() && guard.elapsed() < 900000)
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 5);
        // A last pass for the repaint the result triggered.
        for (int i = 0; i < 3; ++i)
            QCoreApplication::processEvents();
        m_max = std::max(m_max, m_clock.nsecsElapsed() - m_last);
        m_took = double(m_clock.nsecsElapsed() - start) / 1e6;
        if (m_traceMs > 0 && (m_gapSeen || m_max >= qint64(m_traceMs) * 1000000))
            std::fprintf(stderr, "  action: max gap %.1f ms in %.0f ms; steal over the action %.0f ms (both vCPUs)\n",
                         double(m_max) / 1e6, m_took, stealMs() - steal0);
        return double(m_max) / 1e6;
    }
    /// How long the last measured action took from the call until its result was on screen (ms).
    double took() const { return m_took; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0, m_max = 0;
    double m_took = 0;
    int m_traceMs;
    double m_lastCpu = 0;
    std::pair<long, long> m_lastSwitches;
    bool m_gapSeen = false;
};

void report(const char *name, std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    std::printf("%-10s max %8.1f ms  median %8.1f ms  (n=%zu)\n", name, v.back(), v[v.size() / 2], v.size());
}

/// A field of /proc/self/status in KiB ("VmHWM", "RssAnon", ...), -1 when absent.
long statusKiB(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').front().toLong();
    return -1;
}

/// The peak of RssAnon, sampled every 20 ms on a thread of its own (reading /proc/self/status can sleep while
/// workers fault pages in, and on the GUI thread those sleeps, up to 25 ms with QL_STALL_TRACE, counted as stalls),
/// overall and per phase of the run.
class AnonPeakSampler
{
public:
    explicit AnonPeakSampler(long start) : m_peak(start), m_phasePeak(start), m_thread([this] { run(); }) {}
    ~AnonPeakSampler() { stop(); }
    /// Ends the current phase: its peak (KiB) is kept under `name` (the largest, when phases of that name repeat),
    /// and the next phase starts from now.
    void endPhase(const char *name)
    {
        sample();
        const long now = statusKiB("RssAnon");
        const long peak = m_phasePeak.exchange(now);
        for (auto &[n, p] : m_phases)
            if (std::strcmp(n, name) == 0) {
                p = std::max(p, peak);
                return;
            }
        m_phases.emplace_back(name, peak);
    }
    /// Stops sampling; the overall peak including one last sample (KiB).
    long stop()
    {
        if (m_thread.joinable()) {
            m_running = false;
            m_thread.join();
            sample();
        }
        return m_peak;
    }
    const std::vector<std::pair<const char *, long>> &phases() const { return m_phases; }

private:
    void sample()
    {
        const long now = statusKiB("RssAnon");
        for (std::atomic<long> *peak : {&m_peak, &m_phasePeak}) {
            long seen = peak->load();
            while (now > seen && !peak->compare_exchange_weak(seen, now)) {
            }
        }
    }
    void run()
    {
        while (m_running) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::atomic<long> m_peak, m_phasePeak;
    std::atomic<bool> m_running = true;
    std::vector<std::pair<const char *, long>> m_phases; ///< written by the GUI thread only
    std::thread m_thread;
};

/// Bytes malloc'd and not freed, in MiB: every arena's chunks in use and those mmap()ed on their own (0 without glibc).
double mallocInUseMiB()
{
#ifdef __GLIBC__
    const struct mallinfo2 mi = mallinfo2();
    return double(mi.uordblks + mi.hblkhd) / 1048576.0;
#else
    return 0;
#endif
}

/// INT8 bytes held by the document's result and baseline, each shared piece counted once.
uint64_t int8Held(const Document &doc)
{
    return ql::Int8Buffer::storageOf({doc.result() ? &doc.result()->bytes : nullptr,
                                      doc.baseline() ? &doc.baseline()->bytes : nullptr});
}

} // namespace

int main(int argc, char **argv)
{
    ql::returnLargeBlocksWhenFreed(); // as the inspector's main()
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    TracingApp app(argc, argv);
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
    QCoreApplication::processEvents();
    const long anonEmptyWindow = statusKiB("RssAnon");
    {
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.openPathQuietly(QStringLiteral(QL_SAMPLE));
        if (!loaded.wait(600000) || !loaded.at(0).at(0).toBool()) {
            std::fprintf(stderr, "cannot open the sample %s\n", QL_SAMPLE);
            return 3;
        }
        for (const QString &view : w.viewNames()) {
            w.showView(view);
            QTest::qWait(100);
        }
        w.showView(w.viewNames().front());
        if (!QTest::qWaitFor([&] { return !w.isBusy(); }, 60000)) {
            std::fprintf(stderr, "the sample's views did not settle\n");
            return 3;
        }
    }
    const long anonBefore = statusKiB("RssAnon");
    std::printf("window: RssAnon %.1f MiB empty, %.1f MiB once it has shown the sample in every view (the baseline "
                "below)\n",
                double(anonEmptyWindow) / 1024.0, double(anonBefore) / 1024.0);
    const double mallocBefore = mallocInUseMiB();
    AnonPeakSampler anonPeak(anonBefore);
    uint64_t heldPeak = 0;
    auto sampleHeld = [&] {
        heldPeak = std::max(heldPeak, int8Held(*w.document()));
    };
    StallMeter meter;
    {
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.openPathQuietly(ckpt);
        if (!loaded.wait(600000) || !loaded.at(0).at(0).toBool()) {
            std::fprintf(stderr, "cannot open %s\n", argv[1]);
            return 3;
        }
    }
    const auto idle = [&] { return !w.isBusy() && !w.view<TensorView>()->isAnalysing(); };
    meter.measure([] {}, idle); // the open's first analysis belongs to the open
    anonPeak.endPhase("open");
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

    std::printf("INT8 held after the open: %.1f MiB (the baseline holds %.1f MiB of its own)\n",
                double(int8Held(*w.document())) / 1048576.0,
                double(w.document()->baseline() ? w.document()->baseline()->bytes.size() : 0) / 1048576.0);
    const bool tracing = qEnvironmentVariableIntValue("QL_STALL_TRACE") > 0;
    std::vector<double> edit, undo, redo, select, viewSwitch, editTook, tableEdit;
    const char *cycle[] = {"per_channel_percentile", "per_tensor_absmax"};
    w.showView(QStringLiteral("tensor"));
    for (int i = 0; i < repeats; ++i) {
        if (tracing)
            std::fprintf(stderr, "-- select %d\n", i);
        select.push_back(meter.measure([&] { w.selectTensor(i % 2 ? second : largest); }, idle));
        w.selectTensor(largest);
        meter.measure([] {}, idle);
        anonPeak.endPhase("select");
        if (tracing)
            std::fprintf(stderr, "-- edit %d\n", i);
        edit.push_back(meter.measure(
            [&] { w.document()->setStrategy(QStringList{name}, ql::Strategy::fromName(cycle[i % 2])); }, idle));
        editTook.push_back(meter.took());
        sampleHeld();
        anonPeak.endPhase("edit");
        if (tracing)
            std::fprintf(stderr, "-- undo %d\n", i);
        undo.push_back(meter.measure([&] { w.document()->undoStack()->undo(); }, idle));
        anonPeak.endPhase("undo");
        if (tracing)
            std::fprintf(stderr, "-- redo %d\n", i);
        redo.push_back(meter.measure([&] { w.document()->undoStack()->redo(); }, idle));
        sampleHeld();
        anonPeak.endPhase("redo");
        for (const char *v : {"table", "tensor", "scales", "shards", "table"}) {
            if (tracing)
                std::fprintf(stderr, "-- switch to %s\n", v);
            viewSwitch.push_back(meter.measure([&] { w.showView(QString::fromLatin1(v)); }, idle));
        }
        anonPeak.endPhase("switch");
        // The same edit and its undo with the layer table on screen, where strategies are usually changed.
        if (tracing)
            std::fprintf(stderr, "-- table edit %d\n", i);
        tableEdit.push_back(meter.measure(
            [&] { w.document()->setStrategy(QStringList{name}, ql::Strategy::fromName(cycle[i % 2])); }, idle));
        tableEdit.push_back(meter.measure([&] { w.document()->undoStack()->undo(); }, idle));
        w.showView(QStringLiteral("tensor"));
        anonPeak.endPhase("table edit");
    }
    if (tracing) {
        // What one synchronous replot of each of the tensor view's plots costs, for the trace.
        w.showView(QStringLiteral("tensor"));
        w.selectTensor(largest);
        meter.measure([] {}, idle);
        for (QCustomPlot *p : w.view<TensorView>()->findChildren<QCustomPlot *>()) {
            QElapsedTimer t;
            t.start();
            p->replot(QCustomPlot::rpImmediateRefresh);
            const double full = double(t.nsecsElapsed()) / 1e6;
            std::fprintf(stderr, "  replot %s %dx%d: %.1f ms (%d plottables, %d items)\n", qPrintable(p->objectName()),
                         p->width(), p->height(), full, p->plottableCount(), p->itemCount());
        }
        anonPeak.endPhase("the trace's replots");
    }
    std::vector<double> optimize;
    {
        if (tracing)
            std::fprintf(stderr, "-- optimize\n");
        QSignalSpy done(&w, &MainWindow::optimizeFinished);
        // The plan (trial quantizations of every tensor) and its apply (re-quantization, in groups) peak apart.
        QObject::connect(&w, &MainWindow::optimizePlanReady, &w, [&] { anonPeak.endPhase("optimize: plan"); });
        if (tracing) // what each group of the apply leaves behind
            QObject::connect(w.document(), &Document::resultChanged, &w, [&] {
                std::fprintf(stderr, "  group arrived: RssAnon - before %.1f MiB, INT8 held %.1f MiB\n",
                             double(statusKiB("RssAnon") - anonBefore) / 1024.0,
                             double(int8Held(*w.document())) / 1048576.0);
            });
        optimize.push_back(meter.measure([&] { w.optimize(); }, [&] { return done.count() > 0 && idle(); }));
        std::printf("optimize took %.0f ms from the click to the applied result (background)\n", meter.took());
    }
    const uint64_t heldAfterOptimize = int8Held(*w.document());
    anonPeak.endPhase("optimize: apply");
    // The steady state: what stays once every job has finished and the views hold the last result, as the kernel
    // counts it, then after handing the allocator's free memory back (malloc_trim): the difference is cached by malloc,
    // not held by the session.
    {
        QElapsedTimer settle;
        settle.start();
        while (settle.elapsed() < 500)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    const long anonPeakKiB = anonPeak.stop();
    const long anonSteady = statusKiB("RssAnon");
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    const long anonTrimmed = statusKiB("RssAnon");
    const double mallocGrowth = mallocInUseMiB() - mallocBefore;
    const double heldNow = double(int8Held(*w.document())) / 1048576.0;
    report("edit", edit);
    report("edit-done", editTook); // not a stall: the background re-quantization, call to result on screen
    report("undo", undo);
    report("redo", redo);
    report("optimize", optimize);
    report("table-edit", tableEdit); // edit + undo with the layer table shown
    report("select", select);
    report("switch", viewSwitch);
    const double int8MiB = double(w.document()->result()->totalBytes) / 1048576.0;
    const double ckptMiB = double(QFileInfo(ckpt).size()) / 1048576.0;
    const double hwm = double(statusKiB("VmHWM")) / 1024.0;
    const double anon = double(anonPeakKiB - anonBefore) / 1024.0;
    const double mib = 1048576.0;
    std::printf("INT8 %.1f MiB, checkpoint %.1f MiB\n", int8MiB, ckptMiB);
    std::printf("INT8 held (result + baseline, shared once): peak over one-tensor edits, undo, redo %.1f MiB = %.2f x INT8; after Optimize "
                "%.1f MiB = %.2f x INT8\n",
                double(heldPeak) / mib, double(heldPeak) / mib / int8MiB, double(heldAfterOptimize) / mib,
                double(heldAfterOptimize) / mib / int8MiB);
    std::printf("session anonymous memory: peak RssAnon - RssAnon before open = %.1f MiB = %.2f x INT8\n", anon,
                anon / std::max(int8MiB, 1e-9));
    for (const auto &[phase, peak] : anonPeak.phases())
        std::printf("  peak during %s: %.1f MiB = %.2f x INT8\n", phase, double(peak - anonBefore) / 1024.0,
                    double(peak - anonBefore) / 1024.0 / std::max(int8MiB, 1e-9));
    std::printf("steady state (RssAnon - before, actions settled): %.1f MiB = %.2f x INT8; after malloc_trim(0) "
                "%.1f MiB = %.2f x INT8\n",
                double(anonSteady - anonBefore) / 1024.0, double(anonSteady - anonBefore) / 1024.0 / int8MiB,
                double(anonTrimmed - anonBefore) / 1024.0, double(anonTrimmed - anonBefore) / 1024.0 / int8MiB);
    std::printf("  malloc'd and in use then, minus before the open: %.1f MiB, of which INT8 held %.1f MiB\n",
                mallocGrowth, heldNow);
    std::printf("over the empty window instead: peak %.1f MiB = %.2f x INT8, steady %.1f MiB = %.2f x INT8\n",
                double(anonPeakKiB - anonEmptyWindow) / 1024.0,
                double(anonPeakKiB - anonEmptyWindow) / 1024.0 / int8MiB,
                double(anonSteady - anonEmptyWindow) / 1024.0, double(anonSteady - anonEmptyWindow) / 1024.0 / int8MiB);
    std::printf("peak RSS (VmHWM, mapped pages included) %.1f MiB; (VmHWM - checkpoint) / INT8 = %.2f\n", hwm,
                (hwm - ckptMiB) / std::max(int8MiB, 1e-9));
    return 0;
}
