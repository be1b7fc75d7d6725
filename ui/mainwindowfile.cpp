// MainWindow's file handling: open (with the unsaved-changes prompt), save artifacts (asking before replacing
// another model's), overrides files, Open Recent, drops, and closing.
#include "backgroundjob.h"
#include "windowjob.h"

#include "artifacts/artifacts.h"
#include "artifacts/luts.h"
#include "artifacts/overwrite.h"
#include "base/errors.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPromise>
#include <QSettings>
#include <QStatusBar>
#include <QtConcurrent>

namespace {

constexpr int kMaxRecent = 10;

/// A background load's outcome, handed to the GUI thread by value.
struct LoadOutcome
{
    std::optional<Document::Source> source;
    QString error;
    QString errorTitle;
    bool cancelled = false;
};

QString errorTitle(ql::ErrorKind kind)
{
    switch (kind) {
    case ql::ErrorKind::Input:
        return QObject::tr("Cannot read the input");
    case ql::ErrorKind::Output:
        return QObject::tr("Cannot write");
    case ql::ErrorKind::Usage:
        return QObject::tr("Not possible here");
    case ql::ErrorKind::Cancelled:
        return QObject::tr("Cancelled");
    case ql::ErrorKind::Internal:
        break;
    }
    return QObject::tr("Internal error");
}

std::filesystem::path toPath(const QString &s) { return std::filesystem::path(QFile::encodeName(s).toStdString()); }

} // namespace

void MainWindow::createFileMenu()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Checkpoint…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open checkpoint"), QFileInfo(m_doc->path()).absolutePath(),
            tr("Checkpoints (*.pt *.pth *.safetensors);;All files (*)"));
        if (!path.isEmpty())
            openPath(path);
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open Output &Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open an output folder (manifest.json)"),
                                                              QFileInfo(m_doc->path()).absolutePath());
        if (!dir.isEmpty())
            openPath(dir);
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_compareAction = file->addAction(tr("&Compare With…"), this, &MainWindow::chooseCompare);
    m_compareAction->setToolTip(tr("Open a second checkpoint or output folder and compare the open input with it "
                                   "(or drop it on the window with Ctrl held)"));
    file->addSeparator();
    m_saveArtifacts = file->addAction(tr("&Save Artifacts…"), this, [this] {
        // A file dialog in folder mode that accepts a typed name of a folder that does not exist yet.
        QFileDialog dialog(this, tr("Save weights_int8.bin + manifest.json into (a new folder is created)"));
        dialog.setFileMode(QFileDialog::AnyFile);
        dialog.setOption(QFileDialog::ShowDirsOnly, true);
        dialog.setAcceptMode(QFileDialog::AcceptSave);
        dialog.setLabelText(QFileDialog::Accept, tr("Save Here"));
        if (dialog.exec() == QDialog::Accepted && !dialog.selectedFiles().isEmpty())
            saveArtifactsTo(dialog.selectedFiles().front());
    });
    m_saveArtifacts->setShortcut(QKeySequence::Save);
    m_loadOverrides = file->addAction(tr("&Load Overrides…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Load overrides"), {}, tr("Overrides (*.json)"));
        if (f.isEmpty())
            return;
        try {
            m_doc->loadOverrides(f);
        } catch (const ql::Error &e) {
            showError(errorTitle(e.kind()), QString::fromStdString(e.what()));
        }
    });
    m_saveOverrides = file->addAction(tr("Save O&verrides…"), this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Save overrides"), QStringLiteral("overrides.json"),
                                                       tr("Overrides (*.json)"));
        if (f.isEmpty())
            return;
        try {
            m_doc->saveOverrides(f);
            statusBar()->showMessage(tr("Saved %1").arg(f), 5000);
        } catch (const ql::Error &e) {
            showError(errorTitle(e.kind()), QString::fromStdString(e.what()));
        }
    });
    m_saveOverrides->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_exportReport = file->addAction(tr("&Export Report…"), this, [this] {
        const QString f = QFileDialog::getSaveFileName(
            this, tr("Export report"), QStringLiteral("report.html"),
            tr("HTML report (*.html);;PDF (*.pdf);;Markdown with figures (*.md);;Layer table CSV (*.csv);;JSON (*.json)"));
        if (!f.isEmpty())
            exportReport(f);
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
}

bool MainWindow::maybeSave()
{
    if (!m_doc->isModified())
        return true;
    const bool luts = m_doc->lutScalesModified();
    const int answer = ask(tr("Unsaved changes"),
                           (luts ? tr("%1 has strategy or LUT-scale changes that are not saved.\n\nSave the overrides "
                                      "(and luts.bin + luts.json beside them) before continuing?")
                                 : tr("%1 has strategy changes that are not saved as overrides or artifacts.\n\nSave "
                                      "the overrides before continuing?"))
                               .arg(m_doc->displayName()),
                           QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Discard)
        return true;
    if (answer != QMessageBox::Save)
        return false;
    const QString f = m_interactive ? QFileDialog::getSaveFileName(this, tr("Save overrides"),
                                                                   QStringLiteral("overrides.json"),
                                                                   tr("Overrides (*.json)"))
                                    : QString();
    if (f.isEmpty())
        return false;
    try {
        if (luts)
            ql::writeLuts(toPath(QFileInfo(f).absolutePath()), m_doc->lutScales());
        m_doc->saveOverrides(f);
        m_doc->setSaved();
        return true;
    } catch (const ql::Error &e) {
        showError(errorTitle(e.kind()), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::openPath(const QString &path)
{
    if (!maybeSave())
        return;
    startLoad(path, true);
}

void MainWindow::openPathQuietly(const QString &path)
{
    startLoad(path, false);
}

void MainWindow::startLoad(const QString &path, bool remember)
{
    m_optimizeJobs.invalidate();
    auto *watcher = watchJob<LoadOutcome>(m_loadJobs, tr("Opening %1…").arg(QFileInfo(path).fileName()),
        [this, path, remember](QFutureWatcher<LoadOutcome> *watcher) {
            if (watcher->future().isCanceled() || watcher->future().resultCount() == 0 || watcher->result().cancelled) {
                statusBar()->showMessage(tr("Opening %1 cancelled").arg(path), 5000);
                Q_EMIT loadFinished(false, tr("cancelled"));
                return;
            }
            LoadOutcome out = watcher->result();
            if (!out.error.isEmpty()) {
                showError(out.errorTitle, out.error);
                Q_EMIT loadFinished(false, out.error);
                return;
            }
            const QString previous = m_selected;
            m_doc->setSource(std::move(*out.source));
            if (remember)
                addRecent(path);
            if (previous.isEmpty() || !selectTensorByName(previous)) {
                // Start where attention is needed: the matrix with the lowest SNR.
                int worst = -1;
                double worstSnr = 0;
                const auto &ts = m_doc->result()->tensors;
                for (std::size_t i = 0; i < ts.size(); ++i)
                    if (const auto s = ts[i].stats.snrDb(); s && ts[i].isMatrix() && (worst < 0 || *s < worstSnr)) {
                        worst = int(i);
                        worstSnr = *s;
                    }
                selectTensor(worst >= 0 ? worst : (ts.empty() ? -1 : 0));
            }
            Q_EMIT loadFinished(true, {});
        });
    QFuture<LoadOutcome> future = runInBackground([path](QPromise<LoadOutcome> &promise) {
        promise.setProgressRange(0, 1000);
        LoadOutcome out;
        runCatching(
            out,
            [&] {
                // A new checkpoint starts from the seed's defaults.
                out.source = Document::load(path, {}, [&promise](uint64_t done, uint64_t total) {
                    promise.setProgressValue(int(done * 1000 / std::max<uint64_t>(total, 1)));
                    return !promise.isCanceled();
                });
            },
            errorTitle, tr("not enough memory to open %1").arg(path));
        promise.addResult(std::move(out));
    });
    watcher->setFuture(future);
    m_cancelCurrent = cancellerFor(watcher);
}

void MainWindow::saveArtifactsTo(const QString &dir)
{
    const auto result = m_doc->result();
    if (!result)
        return;
    const auto existing = ql::existingArtifacts(toPath(dir), *result);
    if (existing.kind == ql::ExistingArtifacts::Kind::OtherModel) {
        const int answer =
            ask(tr("Replace other artifacts?"),
                tr("%1 holds the artifacts of another model (%2).\n\nReplace them with %3's?")
                    .arg(dir, QString::fromStdString(existing.description), m_doc->displayName()),
                QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            Q_EMIT artifactsSaved(false, tr("cancelled"));
            return;
        }
    }
    auto *watcher = new QFutureWatcher<QString>(this);
    beginBusy(tr("Saving…"));
    // Edited LUT scales (or an output folder's own luts.json) go with the artifacts, so nothing the user set is lost.
    std::optional<ql::LutScales> luts;
    if (m_doc->lutScalesModified() || m_doc->source().luts)
        luts = m_doc->lutScales();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, dir, luts, overrides = m_doc->overrides()] {
        watcher->deleteLater();
        endBusy();
        const QString error = watcher->result();
        if (error.isEmpty()) {
            statusBar()->showMessage(luts ? tr("Wrote weights_int8.bin, manifest.json, luts.bin and luts.json to %1").arg(dir)
                                          : tr("Wrote weights_int8.bin and manifest.json to %1").arg(dir),
                                     8000);
            if (m_doc->overrides() == overrides && (!luts || *luts == m_doc->lutScales()) &&
                (luts || !m_doc->lutScalesModified()))
                m_doc->setSaved(); // what was saved is what is shown
        } else
            showError(errorTitle(ql::ErrorKind::Output), error);
        Q_EMIT artifactsSaved(error.isEmpty(), error);
    });
    // The snapshot is immutable, so the writer can run while the user keeps editing.
    watcher->setFuture(runInBackground([result, dir, luts]() -> QString {
        try {
            ql::writeArtifacts(*result, toPath(dir));
            if (luts)
                ql::writeLuts(toPath(dir), *luts);
        } catch (const std::exception &e) { // never unwinds through Qt
            return QString::fromStdString(e.what());
        }
        return {};
    }));
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QString &path)
{
    QStringList list = recentFiles();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecent)
        list.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (const QString &p : list)
        m_recentMenu->addAction(p, this, [this, p] { openPath(p); });
    if (!list.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear List"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            rebuildRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!list.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/view"), m_tabs->currentIndex());
    cancelJobs();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    // Ctrl or Shift held: the dropped input is the second session, compared with the open one.
    if (!m_doc->isEmpty() && (event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier))) {
        compareWith(urls.front().toLocalFile());
        showView(QStringLiteral("compare"));
        return;
    }
    openPath(urls.front().toLocalFile());
}
