#pragma once
// MainWindow::watchJob, for the files that start the window's background jobs.
#include "mainwindow.h"

#include <QFutureWatcher>
#include <QProgressBar>

template <class T, class Done>
QFutureWatcher<T> *MainWindow::watchJob(JobTracker &jobs, const QString &what, Done done)
{
    const uint64_t job = jobs.start();
    auto *watcher = new QFutureWatcher<T>(this);
    beginBusy(what);
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, [this, &jobs, job](int v) {
        if (jobs.isCurrent(job))
            m_progress->setValue(v);
    });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, &jobs, job, done = std::move(done)] {
        watcher->deleteLater();
        endBusy();
        if (!jobs.isCurrent(job))
            return;
        m_cancelCurrent = nullptr;
        done(watcher);
    });
    return watcher;
}
