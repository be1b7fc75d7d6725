#include "backgroundjob.h"

#include <QCoreApplication>
#include <QPointer>

#include <algorithm>
#include <cerrno>
#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

QThreadPool *backgroundPool()
{
    // Owned by the application object: a test that makes a new one gets a new pool.
    static QPointer<QThreadPool> pool;
    if (!pool) {
        pool = new QThreadPool(QCoreApplication::instance());
        pool->setObjectName(QStringLiteral("quantlens-background"));
    }
    return pool;
}

void lowerThisThreadPriority()
{
#ifdef __linux__
    // Linux applies PRIO_PROCESS with a thread id to that thread only (the process id names the main thread, the GUI
    // thread). Only ever raised: an unprivileged process cannot lower it back, and a pool thread runs nothing but
    // these jobs.
    const pid_t tid = gettid();
    if (tid == getpid()) // the GUI thread itself: QFuture::result() on a job not yet started runs it right there
        return;
    errno = 0;
    const int gui = getpriority(PRIO_PROCESS, id_t(getpid()));
    const int now = getpriority(PRIO_PROCESS, id_t(tid));
    const int want = std::min(19, gui + kBackgroundNice);
    if (errno == 0 && now < want)
        (void)setpriority(PRIO_PROCESS, id_t(tid), want);
#endif
}
