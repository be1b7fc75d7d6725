#include "mainwindow.h"

#include "inspection/analysis.h"
#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "layertablemodel.h"
#include "layertablepanel.h"
#include "lutview.h"
#include "scalesview.h"
#include "shardmappanel.h"
#include "inspection/summary.h"
#include "tensorview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPromise>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QUndoStack>
#include <QtConcurrent>
#include <cstdio>

namespace {

constexpr int kMaxRecent = 10;

/// A background load's outcome, handed to the GUI thread by value.
struct LoadOutcome
{
    Document::Source source;
    QString error;
    QString errorTitle;
};

/// Per tensor: the best strategy found and the SNR it gives.
struct OptimizeChoice
{
    int tensor = -1;
    ql::Strategy strategy;
    double snr = 0.0;
    double currentSnr = 0.0;
};
struct OptimizeOutcome
{
    std::vector<OptimizeChoice> choices;
    QString error;
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

QString human(uint64_t v) { return QString::fromStdString(ql::humanBytes(v)); }

} // namespace

std::optional<MainWindow::View> MainWindow::viewFromName(const QString &name)
{
    for (int v = 0; v < ViewCount; ++v)
        if (viewName(View(v)) == name)
            return View(v);
    return std::nullopt;
}

QString MainWindow::viewName(View v)
{
    static const char *const names[ViewCount] = {"table", "tensor", "scales", "luts", "shards"};
    return QString::fromLatin1(names[v]);
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_doc(new Document(this))
    , m_tabs(new QTabWidget(this))
    , m_table(new LayerTablePanel(this))
    , m_tensor(new TensorView(this))
    , m_scales(new ScalesView(this))
    , m_luts(new LutView(this))
    , m_shards(new ShardMapPanel(this))
    , m_summary(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
{
    setWindowTitle(tr("QuantLens"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/quantlens-128.png")));
    setAcceptDrops(true);
    createViews();
    createActions();

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(240);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancel->setText(tr("Cancel"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, this, &MainWindow::cancelJobs);
    statusBar()->addWidget(m_summary, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);

    connect(m_doc, &Document::sourceChanged, this, &MainWindow::onSourceChanged);
    connect(m_doc, &Document::resultChanged, this, &MainWindow::onResultChanged);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    const int tab = settings.value(QStringLiteral("window/view"), 0).toInt();
    if (tab >= 0 && tab < m_tabs->count())
        m_tabs->setCurrentIndex(tab);
    rebuildRecentMenu();
    onSourceChanged();
}

MainWindow::~MainWindow()
{
    // The document is a child and outlives our members; its last signals (undo stack teardown) must not reach us.
    m_doc->disconnect(this);
    m_doc->undoStack()->disconnect(this);
    m_loadJobs.invalidate();
    m_optimizeJobs.invalidate();
    // ~QWidget destroys the children after this body; the undo stack's last signals (cleanChanged on clear) must not
    // reach slots of a MainWindow that is already gone (UBSan under the asan preset: downcast of a destroyed object).
    m_doc->undoStack()->disconnect(this);
    m_doc->disconnect(this);
}

void MainWindow::createViews()
{
    m_views[LayersView] = m_table;
    m_views[TensorDrillDown] = m_tensor;
    m_views[ScalesPlot] = m_scales;
    m_views[LutsView] = m_luts;
    m_views[ShardsView] = m_shards;
    m_tabs->addTab(m_table, tr("&Layers"));
    m_tabs->addTab(m_tensor, tr("&Tensor"));
    m_tabs->addTab(m_scales, tr("&Scales"));
    m_tabs->addTab(m_luts, tr("L&UTs"));
    m_tabs->addTab(m_shards, tr("S&hards"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);

    connect(m_table, &LayerTablePanel::tensorActivated, this, &MainWindow::selectTensor);
    connect(m_scales, &ScalesView::tensorActivated, this, &MainWindow::selectTensor);
    connect(m_shards, &ShardMapPanel::tensorActivated, this, &MainWindow::selectTensor);
    connect(m_table, &LayerTablePanel::strategyEdited, this, [this](int tensor, const QString &name) {
        const auto s = ql::Strategy::fromName(name.toStdString());
        QVector<int> targets = m_table->selectedTensors();
        // Editing one cell of a multi-selection applies to the whole selection, as spreadsheets do.
        if (!targets.contains(tensor))
            targets = {tensor};
        m_doc->setStrategy(targets, s);
    });
}

void MainWindow::createActions()
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
    file->addSeparator();
    m_saveArtifacts = file->addAction(tr("&Save Artifacts…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Save weights_int8.bin + manifest.json into"));
        if (!dir.isEmpty())
            saveArtifactsTo(dir);
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

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    m_findAction = edit->addAction(tr("&Find Tensor…"), this, [this] {
        showView(LayersView);
        m_table->focusFilter();
    });
    m_findAction->setShortcut(QKeySequence::Find);
    m_strategyMenu = edit->addMenu(tr("Set &Strategy"));
    for (const auto &name : ql::Strategy::allNames()) {
        const auto s = ql::Strategy::fromName(name);
        m_strategyMenu->addAction(QString::fromStdString(name), this, [this, s] { applyStrategyToSelection(s); });
    }
    m_strategyMenu->addSeparator();
    m_strategyMenu->addAction(tr("Seed &default"), this, [this] { applyStrategyToSelection(std::nullopt); });
    m_optimize = edit->addAction(tr("&Optimize Strategies"), this, &MainWindow::optimize);
    m_optimize->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    m_optimize->setToolTip(tr("Pick, per tensor, the strategy with the best SNR (one undoable step)"));

    auto *context = new QMenu(this);
    context->addMenu(m_strategyMenu);
    context->addAction(m_optimize);
    m_table->setContextMenu(context);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    static const char *const labels[ViewCount] = {QT_TR_NOOP("Layer &Table"), QT_TR_NOOP("&Tensor Drill-down"),
                                                  QT_TR_NOOP("&Scales"), QT_TR_NOOP("&LUTs"),
                                                  QT_TR_NOOP("S&hard Map")};
    for (int v = 0; v < ViewCount; ++v) {
        QAction *a = view->addAction(tr(labels[v]), this, [this, v] { showView(View(v)); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + v)));
        m_viewActions << a;
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QuantLens"), this, [this] {
        QMessageBox::about(this, tr("About QuantLens"),
                           tr("<b>QuantLens</b> %1<br>FP32 PyTorch checkpoints → INT8 artifacts for Solana on-chain "
                              "inference, and what quantization did to them.")
                               .arg(QApplication::applicationVersion()));
    });
}

bool MainWindow::showView(View v)
{
    if (v < 0 || v >= ViewCount || !m_views[v])
        return false;
    m_tabs->setCurrentWidget(m_views[v]);
    return true;
}

MainWindow::View MainWindow::currentView() const
{
    for (int v = 0; v < ViewCount; ++v)
        if (m_views[v] && m_views[v] == m_tabs->currentWidget())
            return View(v);
    return LayersView;
}

void MainWindow::openPath(const QString &path)
{
    const uint64_t job = m_loadJobs.start();
    m_optimizeJobs.invalidate();
    auto *watcher = new QFutureWatcher<LoadOutcome>(this);
    beginBusy(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, [this, job](int v) {
        if (m_loadJobs.isCurrent(job))
            m_progress->setValue(v);
    });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, job, path] {
        watcher->deleteLater();
        endBusy();
        if (!m_loadJobs.isCurrent(job))
            return; // a newer open (or the window closing) superseded this one
        m_cancelCurrent = nullptr;
        if (watcher->future().isCanceled() || watcher->future().resultCount() == 0) {
            statusBar()->showMessage(tr("Opening %1 cancelled").arg(path), 5000);
            Q_EMIT loadFinished(false, tr("cancelled"));
            return;
        }
        LoadOutcome out = watcher->result();
        if (!out.error.isEmpty()) {
            if (out.errorTitle == errorTitle(ql::ErrorKind::Cancelled)) {
                statusBar()->showMessage(tr("Opening %1 cancelled").arg(path), 5000);
            } else
                showError(out.errorTitle, out.error);
            Q_EMIT loadFinished(false, out.error);
            return;
        }
        const QString previous =
            m_selected >= 0 && m_doc->result() ? QString::fromStdString(m_doc->result()->tensors[std::size_t(m_selected)].name)
                                               : QString();
        m_doc->setSource(std::move(out.source));
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
    const ql::Overrides overrides; // a new checkpoint starts from the seed's defaults
    QFuture<LoadOutcome> future = QtConcurrent::run([path, overrides](QPromise<LoadOutcome> &promise) {
        promise.setProgressRange(0, 1000);
        LoadOutcome out;
        try {
            out.source = Document::load(path, overrides, [&promise](uint64_t done, uint64_t total) {
                promise.setProgressValue(int(done * 1000 / std::max<uint64_t>(total, 1)));
                return !promise.isCanceled();
            });
        } catch (const ql::Error &e) {
            out.error = QString::fromStdString(e.what());
            out.errorTitle = errorTitle(e.kind());
        } catch (const std::exception &e) {
            out.error = QString::fromStdString(e.what());
            out.errorTitle = errorTitle(ql::ErrorKind::Internal);
        }
        promise.addResult(std::move(out));
    });
    watcher->setFuture(future);
    // QPointer: the watcher deletes itself when done; a later Cancel must not touch it.
    m_cancelCurrent = [w = QPointer<QFutureWatcherBase>(watcher)] {
        if (w)
            w->cancel();
    };
}

void MainWindow::cancelJobs()
{
    if (m_cancelCurrent)
        m_cancelCurrent();
}

void MainWindow::beginBusy(const QString &what)
{
    ++m_busy;
    m_progress->setValue(0);
    m_progress->setFormat(what + QStringLiteral(" %p%"));
    m_progress->show();
    m_cancel->show();
    QApplication::setOverrideCursor(Qt::BusyCursor);
}

void MainWindow::endBusy()
{
    if (m_busy == 0)
        return;
    QApplication::restoreOverrideCursor();
    if (--m_busy == 0) {
        m_progress->hide();
        m_cancel->hide();
    }
}

void MainWindow::selectTensor(int index)
{
    if (m_linking)
        return;
    // Every view follows one selection; guard against views echoing it back.
    m_linking = true;
    m_selected = index;
    m_table->setSelectedTensor(index);
    m_tensor->setTensor(index);
    m_scales->setTensor(index);
    m_shards->setSelectedTensor(index);
    m_linking = false;
}

bool MainWindow::selectTensorByName(const QString &name)
{
    if (!m_doc->result())
        return false;
    const int i = m_doc->result()->indexOf(name.toStdString());
    if (i < 0)
        return false;
    selectTensor(i);
    return true;
}

void MainWindow::onSourceChanged()
{
    const auto result = m_doc->result();
    m_selected = -1;
    m_table->setResults(result, m_doc->baseline(), m_doc->canRequantize());
    m_tensor->setResult(result, m_doc->source().checkpoint);
    m_tensor->setTensor(-1);
    m_scales->setResult(result);
    m_scales->setTensor(-1);
    m_shards->setResult(result);
    m_shards->setSelectedTensor(-1);
    // An output folder's luts.json scales when it has one; otherwise the seed's defaults to start from.
    m_luts->setScales(m_doc->source().luts.value_or(ql::LutScales{}));
    setWindowTitle(m_doc->isEmpty() ? tr("QuantLens")
                                    : tr("%1 — QuantLens").arg(QFileInfo(m_doc->path()).fileName()));
    updateStatus();
    updateActions();
}

void MainWindow::onResultChanged(const QVector<int> &)
{
    const auto result = m_doc->result();
    m_table->updateResults(result);
    m_tensor->setResult(result, m_doc->source().checkpoint);
    m_scales->setResult(result);
    m_shards->setResult(result);
    m_shards->setSelectedTensor(m_selected);
    updateStatus();
}

QString MainWindow::summaryText() const
{
    const auto r = m_doc->result();
    if (!r)
        return tr("Open a checkpoint (.pt, .safetensors) or an output folder — or drop one here.");
    const auto s = r->summary();
    QString text = tr("%1 · %2 tensors (%3 matrices) · SNR mean %4 / min %5 / max %6 dB · FP32 %7 → INT8 %8 (%9×) · "
                      "%n shard(s)",
                      nullptr, int(r->shards.size()))
                       .arg(QString::fromStdString(r->model.modelType))
                       .arg(r->tensors.size())
                       .arg(s.numMatrices)
                       .arg(s.meanSnr, 0, 'f', 2)
                       .arg(s.minSnr, 0, 'f', 2)
                       .arg(s.maxSnr, 0, 'f', 2)
                       .arg(human(r->fp32Bytes), human(r->totalBytes))
                       .arg(r->totalBytes ? double(r->fp32Bytes) / double(r->totalBytes) : 0.0, 0, 'f', 2);
    if (s.numUndefined)
        text += tr(" · %n all-zero", nullptr, s.numUndefined);
    if (!m_doc->overrides().empty())
        text += tr(" · %n override rule(s)", nullptr, int(m_doc->overrides().rules.size()));
    if (!m_doc->canRequantize())
        text += tr(" · output folder (read-only strategies)");
    return text;
}

void MainWindow::updateStatus() { m_summary->setText(summaryText()); }

void MainWindow::updateActions()
{
    const bool open = !m_doc->isEmpty();
    const bool edit = m_doc->canRequantize();
    m_saveArtifacts->setEnabled(open);
    m_saveOverrides->setEnabled(open);
    m_exportReport->setEnabled(open);
    m_loadOverrides->setEnabled(edit);
    m_strategyMenu->setEnabled(edit);
    m_optimize->setEnabled(edit);
    for (int v = 0; v < ViewCount; ++v)
        m_viewActions[v]->setEnabled(m_views[v] != nullptr);
}

void MainWindow::applyStrategyToSelection(const std::optional<ql::Strategy> &s)
{
    QVector<int> targets = m_table->selectedTensors();
    if (targets.isEmpty() && m_selected >= 0)
        targets = {m_selected};
    const auto r = m_doc->result();
    if (!r)
        return;
    QVector<int> apply;
    int skipped = 0;
    for (int i : targets) {
        const auto &t = r->tensors[std::size_t(i)];
        // Per-channel scales on a 1-D tensor would be one float32 scale, not the reference's float64 one.
        if (s && s->layout == ql::ScaleLayout::PerChannel && !t.isMatrix())
            ++skipped;
        else
            apply << i;
    }
    m_doc->setStrategy(apply, s);
    if (skipped)
        statusBar()->showMessage(tr("%n 1-D tensor(s) kept their per-tensor layout", nullptr, skipped), 5000);
}

void MainWindow::optimize()
{
    if (!m_doc->canRequantize())
        return;
    const uint64_t job = m_optimizeJobs.start();
    const auto checkpoint = m_doc->source().checkpoint;
    const auto result = m_doc->result();
    auto *watcher = new QFutureWatcher<OptimizeOutcome>(this);
    beginBusy(tr("Optimizing…"));
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, [this](int v) { m_progress->setValue(v); });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, job] {
        watcher->deleteLater();
        endBusy();
        if (!m_optimizeJobs.isCurrent(job) || watcher->future().isCanceled() || watcher->future().resultCount() == 0) {
            Q_EMIT optimizeFinished(false);
            return;
        }
        m_cancelCurrent = nullptr;
        const OptimizeOutcome out = watcher->result();
        if (!out.error.isEmpty()) {
            showError(tr("Optimize failed"), out.error);
            Q_EMIT optimizeFinished(false);
            return;
        }
        const auto before = m_doc->result();
        ql::Overrides o = m_doc->overrides();
        double gain = 0;
        int n = 0;
        for (const auto &c : out.choices) {
            const auto &t = before->tensors[std::size_t(c.tensor)];
            if (c.strategy == t.strategy)
                continue;
            o = Document::withStrategy(o, {{QString::fromStdString(t.name), int(t.shape.size())}}, c.strategy);
            gain += c.snr - c.currentSnr;
            ++n;
        }
        const double meanBefore = before->summary().meanSnr;
        if (n == 0) {
            m_optimizeReport = tr("Optimize: every tensor already has its best strategy");
            statusBar()->showMessage(m_optimizeReport, 8000);
            Q_EMIT optimizeFinished(false);
            return;
        }
        m_doc->replaceOverrides(o, tr("Optimize %n tensor(s)", nullptr, n));
        const double meanAfter = m_doc->result()->summary().meanSnr;
        m_optimizeReport = tr("Optimize: %n tensor(s) changed, total gain %1 dB (sum over tensors); mean matrix SNR "
                              "%2 → %3 dB",
                              nullptr, n)
                               .arg(gain, 0, 'f', 2)
                               .arg(meanBefore, 0, 'f', 2)
                               .arg(meanAfter, 0, 'f', 2);
        statusBar()->showMessage(m_optimizeReport, 15000);
        Q_EMIT optimizeFinished(true);
    });
    watcher->setFuture(QtConcurrent::run([checkpoint, result](QPromise<OptimizeOutcome> &promise) {
        OptimizeOutcome out;
        const auto &ts = result->tensors;
        promise.setProgressRange(0, 1000);
        try {
            for (std::size_t i = 0; i < ts.size(); ++i) {
                if (promise.isCanceled())
                    return;
                promise.setProgressValue(int(i * 1000 / ts.size()));
                const auto &t = ts[i];
                const auto current = t.stats.snrDb();
                const ql::TensorData *src = checkpoint->find(t.name);
                if (!src || !current)
                    continue; // all-zero tensors have nothing to gain
                const auto trials = ql::tryStrategies(*src, ql::candidateStrategies(t.shape.size()),
                                                      checkpoint->path.string());
                const auto best = ql::bestTrial(trials, t.strategy);
                if (best && *best->snr > *current)
                    out.choices.push_back({int(i), best->strategy, *best->snr, *current});
            }
        } catch (const std::exception &e) {
            out.error = QString::fromStdString(e.what());
        }
        promise.addResult(std::move(out));
    }));
    // QPointer: the watcher deletes itself when done; a later Cancel must not touch it.
    m_cancelCurrent = [w = QPointer<QFutureWatcherBase>(watcher)] {
        if (w)
            w->cancel();
    };
}

void MainWindow::saveArtifactsTo(const QString &dir)
{
    const auto result = m_doc->result();
    if (!result)
        return;
    auto *watcher = new QFutureWatcher<QString>(this);
    beginBusy(tr("Saving…"));
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, dir] {
        watcher->deleteLater();
        endBusy();
        const QString error = watcher->result();
        if (error.isEmpty())
            statusBar()->showMessage(tr("Wrote weights_int8.bin and manifest.json to %1").arg(dir), 8000);
        else
            showError(errorTitle(ql::ErrorKind::Output), error);
        Q_EMIT artifactsSaved(error.isEmpty(), error);
    });
    // The snapshot is immutable, so the writer can run while the user keeps editing.
    watcher->setFuture(QtConcurrent::run([result, dir]() -> QString {
        try {
            ql::writeArtifacts(*result, std::filesystem::path(QFile::encodeName(dir).toStdString()));
        } catch (const std::exception &e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }));
}

bool MainWindow::saveScreenshot(const QString &file)
{
    m_tensor->refresh();
    m_scales->refresh();
    // Plots replot through queued requests; let those (and pending layouts) run before grabbing.
    for (int i = 0; i < 3; ++i)
        QApplication::processEvents();
    return grab().save(file, "PNG");
}

void MainWindow::showError(const QString &title, const QString &message)
{
    if (!m_interactive) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(title), qPrintable(message));
        return;
    }
    QMessageBox::critical(this, title, message);
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
    openPath(urls.front().toLocalFile());
}
