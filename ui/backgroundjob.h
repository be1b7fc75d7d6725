#pragma once
// What the window's background jobs (load, optimize, compare) share: exceptions become fields of the job's outcome
// (they never unwind through Qt), and Cancel reaches a watcher that may already have deleted itself.
#include "base/errors.h"

#include <QFutureWatcherBase>
#include <QPointer>
#include <QString>
#include <QThreadPool>
#include <QtConcurrent>

#include <functional>
#include <new>
#include <type_traits>

/// The pool every background job of the window runs on (load, re-quantize, optimize, analysis, compare, hashes,
/// report, save). Not QThreadPool::globalInstance(): Qt's raster engine hands parts of large fills to the global
/// pool and waits for them on the GUI thread (QSemaphore::acquire under QRasterPaintEngine::fillRect), so jobs that
/// held every global thread made each repaint wait until one of them ended (futex sleeps of 11-28 ms in a repaint,
/// perf sched on bench_gui_stalls). Owned by the application, so it drains before the application goes.
QThreadPool *backgroundPool();

/// Gives the calling thread a lower priority than the GUI thread (kBackgroundNice above the main thread's nice, at most
/// 19; on Linux per thread, and threads it starts, such as the quantizer's workers, inherit it). Every job
/// runInBackground() starts calls it first.
void lowerThisThreadPriority();
constexpr int kBackgroundNice = 5;

namespace detail {
/// The QPromise<T> a job lambda takes (void: none), so the wrapper below keeps QtConcurrent's two shapes of job.
template <class F> struct JobPromise : JobPromise<decltype(&F::operator())> {};
template <class C, class R> struct JobPromise<R (C::*)() const> { using type = void; };
template <class C, class R> struct JobPromise<R (C::*)()> { using type = void; };
template <class C, class R, class P> struct JobPromise<R (C::*)(P) const> { using type = std::remove_reference_t<P>; };
template <class C, class R, class P> struct JobPromise<R (C::*)(P)> { using type = std::remove_reference_t<P>; };
} // namespace detail

/// QtConcurrent::run of a job lambda (taking nothing, or the QPromise<T> & it reports progress through) on
/// backgroundPool(), at a lower priority than the GUI thread. With 2 cores and a re-quantization's workers on both,
/// the GUI thread otherwise waited its turn for a core: Optimize's apply at 1 GiB measured a 64 ms heartbeat gap in
/// which no event took over 18 ms.
template <class F>
auto runInBackground(F &&job)
{
    using Promise = typename detail::JobPromise<std::decay_t<F>>::type;
    if constexpr (std::is_void_v<Promise>)
        return QtConcurrent::run(backgroundPool(), [job = std::forward<F>(job)]() mutable {
            lowerThisThreadPriority();
            return job();
        });
    else
        return QtConcurrent::run(backgroundPool(), [job = std::forward<F>(job)](Promise &promise) mutable {
            lowerThisThreadPriority();
            job(promise);
        });
}

/// Runs `body` on a worker thread's behalf; a thrown error lands in `out.cancelled` / `out.error` (and, when the
/// outcome has one, `out.errorTitle` via `titleOf(kind)`), so the GUI thread gets a value either way.
template <class Outcome, class Body>
void runCatching(Outcome &out, Body &&body, const std::function<QString(ql::ErrorKind)> &titleOf = {},
                 const QString &outOfMemory = QStringLiteral("not enough memory"))
{
    auto title = [&](ql::ErrorKind k) {
        if constexpr (requires { out.errorTitle; })
            if (titleOf)
                out.errorTitle = titleOf(k);
    };
    try {
        body();
    } catch (const ql::Error &e) {
        out.cancelled = e.kind() == ql::ErrorKind::Cancelled;
        out.error = out.cancelled ? QString() : QString::fromStdString(e.what());
        title(e.kind());
    } catch (const std::bad_alloc &) {
        out.error = outOfMemory;
        title(ql::ErrorKind::Input); // what did not fit is the input
    } catch (const std::exception &e) {
        out.error = QString::fromStdString(e.what());
        title(ql::ErrorKind::Internal);
    }
}

/// A Cancel for `watcher`: QPointer, because the watcher deletes itself when done and a later Cancel must not
/// touch it.
inline std::function<void()> cancellerFor(QFutureWatcherBase *watcher)
{
    return [w = QPointer<QFutureWatcherBase>(watcher)] {
        if (w)
            w->cancel();
    };
}
