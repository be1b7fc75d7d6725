// File → Export Report: the report of what the window shows, written by the same code as `quantlens-cli report`
// (core report data in the background, figures drawn by the views' plot code on the GUI thread).
#include "mainwindow.h"
#include "backgroundjob.h"
#include "compareview.h"
#include "reportexport.h"

#include "base/errors.h"

#include <QFile>
#include <QFutureWatcher>
#include <QStatusBar>
#include <QtConcurrent>

#include <optional>

void MainWindow::exportReport(const QString &file)
{
    const auto &src = m_doc->source();
    if (!src.result)
        return;
    const std::filesystem::path path(QFile::encodeName(file).toStdString());
    const auto format = ql::reportFormatFromPath(path);
    if (!format) {
        const QString error = tr("Choose a file ending in .html, .pdf, .md, .csv or .json.");
        showError(tr("Export report"), error);
        Q_EMIT reportExported(false, error);
        return;
    }
    // The report is of what the window shows: the current result under the current overrides, and the comparison
    // when the compare view holds one (B as it was opened; the comparison is made again against A as it is now, by
    // the same core call as `quantlens-cli report --compare`, so window and CLI write the same report).
    ql::Session session = src; // a cheap copy (shared snapshots): the current result under the current rules
    std::shared_ptr<const ql::Session> compareB = m_compare->result() ? m_compareB : nullptr;
    struct Built
    {
        std::optional<ql::ReportData> report;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Built>(this);
    beginBusy(tr("Exporting report…"));
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, file, format] {
        watcher->deleteLater();
        Built built = watcher->result();
        // The figures are drawn by widgets, so they are made here, on the GUI thread.
        if (built.report) {
            try {
                writeReport(*built.report, *format, path);
            } catch (const std::exception &e) {
                built.error = QString::fromStdString(e.what());
            }
        }
        endBusy();
        if (built.error.isEmpty())
            statusBar()->showMessage(tr("Wrote report %1").arg(file), 8000);
        else
            showError(tr("Export report"), built.error);
        Q_EMIT reportExported(built.error.isEmpty(), built.error);
    });
    // Hashing the input and analysing the outliers runs in the background on the immutable snapshot.
    watcher->setFuture(runInBackground([session, compareB]() -> Built {
        try {
            return {ql::buildReport(session, {}, compareB), {}};
        } catch (const std::exception &e) {
            return {std::nullopt, QString::fromStdString(e.what())};
        }
    }));
}
