// MainWindow's second session: File → Compare With… (or a drop with Ctrl/Shift held) opens B beside the open input
// and shows the compare view; the comparison runs in the background and follows edits of A.
#include "backgroundjob.h"
#include "windowjob.h"

#include "base/errors.h"
#include "compareview.h"
#include "session/compare.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QPointer>
#include <QProgressBar>
#include <QPromise>
#include <QStatusBar>
#include <QtConcurrent>

namespace {
struct CompareOutcome
{
    std::shared_ptr<const ql::Session> a, b;
    std::shared_ptr<const ql::CompareResult> result;
    QString error;
    bool cancelled = false;
};
} // namespace

void MainWindow::compareWith(const QString &path)
{
    if (m_doc->isEmpty())
        return;
    m_comparePath = path;
    runCompare(nullptr);
}

void MainWindow::runCompare(std::shared_ptr<const ql::Session> b)
{
    if (m_comparePath.isEmpty() || m_doc->isEmpty())
        return;
    // A as the window shows it now: the current result under the current rules (cheap: shared snapshots).
    auto a = std::make_shared<const ql::Session>(m_doc->source());
    auto *watcher = watchJob<CompareOutcome>(m_compareJobs,
        tr("Comparing with %1…").arg(QFileInfo(m_comparePath).fileName()),
        [this](QFutureWatcher<CompareOutcome> *watcher) {
            if (watcher->future().isCanceled() || watcher->future().resultCount() == 0 || watcher->result().cancelled) {
                statusBar()->showMessage(tr("Comparison cancelled"), 5000);
                Q_EMIT compareFinished(false, tr("cancelled"));
                return;
            }
            const CompareOutcome out = watcher->result();
            if (!out.error.isEmpty()) {
                showError(tr("Cannot compare"), out.error);
                Q_EMIT compareFinished(false, out.error);
                return;
            }
            m_compareB = out.b;
            m_compare->setComparison(out.a, out.b, out.result);
            if (!m_selected.isEmpty())
                m_compare->selectTensor(m_selected);
            Q_EMIT compareFinished(true, {});
        });
    watcher->setFuture(runInBackground([a, b, path = m_comparePath](QPromise<CompareOutcome> &promise) {
        promise.setProgressRange(0, 1000);
        CompareOutcome out;
        out.a = a;
        const auto progress = [&promise](uint64_t done, uint64_t total) {
            promise.setProgressValue(int(done * 1000 / std::max<uint64_t>(total, 1)));
            return !promise.isCanceled();
        };
        runCatching(out, [&] {
            if (b)
                out.b = b;
            else {
                ql::OpenOptions opt;
                opt.rowStats = true;
                opt.progress = progress;
                out.b = std::make_shared<const ql::Session>(
                    ql::openSession(std::filesystem::path(QFile::encodeName(path).toStdString()), opt));
            }
            ql::CompareOptions copt;
            copt.progress = progress;
            out.result = std::make_shared<const ql::CompareResult>(ql::compare(*out.a, *out.b, copt));
        });
        promise.addResult(std::move(out));
    }));
    m_cancelCurrent = cancellerFor(watcher);
}

void MainWindow::chooseCompare()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Compare with (checkpoint or manifest.json of an output folder)"),
        QFileInfo(m_doc->path()).absolutePath(),
        tr("Checkpoints and manifests (*.pt *.pth *.safetensors manifest.json);;All files (*)"));
    if (path.isEmpty())
        return;
    // An output folder is picked by its manifest.json.
    const QFileInfo fi(path);
    compareWith(fi.fileName() == QLatin1String("manifest.json") ? fi.absolutePath() : path);
    showView(QStringLiteral("compare"));
}
