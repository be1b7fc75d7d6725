#include "mainwindow.h"

#include "backgroundjob.h"
#include "base/errors.h"
#include "compareview.h"
#include "elidedlabel.h"
#include "evaluateview.h"
#include "inspection/summary.h"
#include "layertablepanel.h"
#include "lutview.h"
#include "scalesview.h"
#include "shardmappanel.h"
#include "tensorview.h"
#include "theme.h"
#include "windowtext.h"

#include <QAction>
#include <QActionGroup>
#include <QInputDialog>
#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QUndoStack>
#include <cstdio>

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_doc(new Document(this))
    , m_tabs(new QTabWidget(this))
    , m_table(new LayerTablePanel(this))
    , m_tensor(new TensorView(this))
    , m_scales(new ScalesView(this))
    , m_luts(new LutView(this))
    , m_shards(new ShardMapPanel(this))
    , m_compare(new CompareView(this))
    , m_evaluate(new EvaluateView(this))
    , m_summary(new ElidedLabel(this))
    , m_progress(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
{
    setWindowTitle(tr("QuantLens"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/quantlens-128.png")));
    setAcceptDrops(true);
    createFileMenu();
    createActions();
    createViews();

    m_progress->setRange(0, 1000);
    m_progress->setMinimumWidth(260);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancel->setText(tr("Cancel"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, this, &MainWindow::cancelJobs);
    m_summary->setMinimumWidth(0);
    m_summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(m_summary, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);

    connect(m_doc, &Document::sourceChanged, this, &MainWindow::onSourceChanged);
    connect(m_doc, &Document::resultChanged, this, &MainWindow::onResultChanged);
    connect(m_doc, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_doc, &Document::busyChanged, this, [this](bool busy) {
        if (busy)
            statusBar()->showMessage(tr("Re-quantizing…"));
        else
            statusBar()->clearMessage();
    });
    // LUT edits go through the document's undo stack like strategy edits; undo and redo bring the view along.
    connect(m_luts, &LutView::scalesChanged, this, [this] { m_doc->setLutScales(m_luts->scales()); });
    connect(m_doc, &Document::lutScalesChanged, this, [this] {
        if (!(m_luts->scales() == m_doc->lutScales())) // not while the user's own edit arrives: keep the spin box's text
            m_luts->setScales(m_doc->lutScales());
    });
    connect(m_doc, &Document::requantizeFailed, this, [this](const QString &e) {
        if (m_followEdit) // the groups that did arrive are the document's result now
            followEdit();
        showError(tr("Re-quantization failed"), e);
    });

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
}

void MainWindow::addView(const QString &id, const QString &tabTitle, const QString &menuTitle, QWidget *widget)
{
    const int n = int(m_views.size());
    // Each view scrolls instead of forcing its minimum size on the window, so every view works at 800x600 and two
    // windows tile side by side on a 1600 px screen.
    auto *scroll = new QScrollArea(m_tabs);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(widget);
    m_tabs->addTab(scroll, tabTitle);
    QAction *a = m_viewMenu->addAction(menuTitle, this, [this, id] { showView(id); });
    if (n < 9)
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + n)));
    m_views.push_back({id, widget, scroll, a});
}

QStringList MainWindow::viewNames() const
{
    QStringList out;
    for (const auto &v : m_views)
        out << v.id;
    return out;
}

QWidget *MainWindow::viewWidget(const QString &id) const
{
    for (const auto &v : m_views)
        if (v.id == id)
            return v.widget;
    return nullptr;
}

bool MainWindow::showView(const QString &id)
{
    for (const auto &v : m_views)
        if (v.id == id) {
            m_tabs->setCurrentWidget(v.container);
            return true;
        }
    return false;
}

QString MainWindow::currentView() const
{
    for (const auto &v : m_views)
        if (v.container == m_tabs->currentWidget())
            return v.id;
    return {};
}

void MainWindow::createViews()
{
    // Tab titles carry no mnemonic: Alt+letter belongs to the menus (Alt+H is Help). Ctrl+1.. switch views.
    addView(QStringLiteral("table"), tr("Layers"), tr("Layer &Table"), m_table);
    addView(QStringLiteral("tensor"), tr("Tensor"), tr("Tensor &Drill-down"), m_tensor);
    addView(QStringLiteral("scales"), tr("Scales"), tr("&Scales"), m_scales);
    addView(QStringLiteral("luts"), tr("LUTs"), tr("&LUTs"), m_luts);
    addView(QStringLiteral("shards"), tr("Shards"), tr("S&hard Map"), m_shards);
    addView(QStringLiteral("compare"), tr("Compare"), tr("&Compare"), m_compare);
    addView(QStringLiteral("evaluate"), tr("Evaluate"), tr("&Evaluate"), m_evaluate);
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);

    connect(m_table, &LayerTablePanel::tensorActivated, this, qOverload<int>(&MainWindow::selectTensor));
    connect(m_scales, &ScalesView::tensorActivated, this, qOverload<int>(&MainWindow::selectTensor));
    connect(m_shards, &ShardMapPanel::tensorActivated, this, qOverload<int>(&MainWindow::selectTensor));
    connect(m_compare, &CompareView::tensorSelected, this, &MainWindow::selectTensorByName);
    connect(m_evaluate, &EvaluateView::tensorSelected, this, &MainWindow::selectTensorByName);
    connect(m_tensor, &TensorView::strategyRequested, this, [this](const QString &tensor, const QString &strategy) {
        m_doc->setStrategy(QStringList{tensor}, ql::Strategy::fromName(strategy.toStdString()));
    });
    connect(m_table, &LayerTablePanel::strategyEdited, this, [this](int tensor, const QString &name) {
        const auto s = ql::Strategy::fromName(name.toStdString());
        QVector<int> targets = m_table->selectedTensors();
        // Editing one cell of a multi-selection applies to the whole selection, as spreadsheets do.
        if (!targets.contains(tensor))
            targets = {tensor};
        m_doc->setStrategyAt(targets, s);
    });
}

void MainWindow::createActions()
{
    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    m_findAction = edit->addAction(tr("&Find Tensor…"), this, [this] {
        showView(QStringLiteral("table"));
        m_table->focusFilter();
    });
    m_findAction->setShortcut(QKeySequence::Find);
    m_strategyMenu = edit->addMenu(tr("Set &Strategy"));
    for (const auto &name : ql::Strategy::allNames()) {
        const auto s = ql::Strategy::fromName(name);
        m_strategyMenu->addAction(QString::fromStdString(name), this, [this, s] { applyStrategyToSelection(s); });
    }
    m_strategyMenu->addSeparator();
    m_strategyMenu->addAction(tr("Percentile &Clip at…"), this, [this] {
        // The percentile is a parameter of the strategy; the overrides format has it, so the GUI sets it too.
        bool ok = false;
        const double pct = QInputDialog::getDouble(this, tr("Percentile clipping"),
                                                   tr("Clip at this percentile of |w| (per row for matrices):"),
                                                   99.99, 50.0, 100.0, 3, &ok);
        if (!ok)
            return;
        const auto r = m_doc->result();
        if (!r)
            return;
        QStringList matrices, vectors;
        for (const QString &n : selectedNames())
            (r->find(n.toStdString())->isMatrix() ? matrices : vectors) << n;
        ql::Strategy s{ql::ScaleLayout::PerChannel, ql::ClipMethod::Percentile, pct};
        m_doc->setStrategy(matrices, s);
        s.layout = ql::ScaleLayout::PerTensor;
        m_doc->setStrategy(vectors, s);
    });
    m_strategyMenu->addSeparator();
    m_strategyMenu->addAction(tr("Seed &default"), this, [this] { applyStrategyToSelection(std::nullopt); });
    m_optimize = edit->addAction(tr("&Optimize Strategies…"), this, &MainWindow::optimize);
    m_optimize->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    m_optimize->setToolTip(tr("Preview, per tensor, the strategy with the best SNR; apply as one undoable step"));

    auto *context = new QMenu(this);
    context->addMenu(m_strategyMenu);
    context->addAction(m_optimize);
    m_table->setContextMenu(context);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    QMenu *themeMenu = m_viewMenu->addMenu(tr("The&me"));
    auto *themes = new QActionGroup(this);
    for (auto t : {theme::Theme::System, theme::Theme::Light, theme::Theme::Dark}) {
        static const char *const labels[] = {QT_TR_NOOP("&System"), QT_TR_NOOP("&Light"), QT_TR_NOOP("&Dark")};
        QAction *a = themeMenu->addAction(tr(labels[int(t)]), this, [t] { theme::apply(t); });
        a->setCheckable(true);
        a->setChecked(theme::saved() == t);
        a->setObjectName(QStringLiteral("theme-") + theme::name(t));
        themes->addAction(a);
    }
    m_viewMenu->addSeparator();

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Usage"), this, [this] {
        QMessageBox box(this);
        box.setWindowTitle(tr("Using QuantLens"));
        box.setTextFormat(Qt::RichText);
        box.setText(ql::ui::usageHtml());
        box.exec();
    });
    help->addAction(tr("&About QuantLens"), this, [this] {
        QMessageBox::about(this, tr("About QuantLens"),
                           tr("<b>QuantLens</b> %1<br>FP32 PyTorch checkpoints → INT8 artifacts for Solana on-chain "
                              "inference, and what quantization did to them.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::beginBusy(const QString &what)
{
    ++m_busy;
    m_progress->setValue(0);
    // The bar is as wide as its text ("Opening <file>… 100%"), up to half the window; a longer file name is elided
    // in the middle rather than cropped at the bar's edge. The full text is in the tooltip.
    const QFontMetrics fm(m_progress->font());
    const int room = std::max(260, width() / 2);
    const int padding = 40; // the style's frame and the chunk's margins
    const QString shown = fm.elidedText(what, Qt::ElideMiddle, room - padding - fm.horizontalAdvance(QStringLiteral(" 100%")));
    m_progress->setMinimumWidth(std::clamp(fm.horizontalAdvance(shown + QStringLiteral(" 100%")) + padding, 260, room));
    m_progress->setFormat(shown + QStringLiteral(" %p%"));
    m_progress->setToolTip(what);
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

void MainWindow::cancelJobs()
{
    if (m_cancelCurrent)
        m_cancelCurrent();
}

int MainWindow::selectedTensor() const
{
    return m_doc->result() && !m_selected.isEmpty() ? m_doc->result()->indexOf(m_selected.toStdString()) : -1;
}

void MainWindow::selectTensor(int index)
{
    const auto r = m_doc->result();
    selectTensorByName(r && index >= 0 && std::size_t(index) < r->tensors.size()
                           ? QString::fromStdString(r->tensors[std::size_t(index)].name)
                           : QString());
}

bool MainWindow::selectTensorByName(const QString &name)
{
    const auto r = m_doc->result();
    const int index = r && !name.isEmpty() ? r->indexOf(name.toStdString()) : -1;
    if (!name.isEmpty() && index < 0)
        return false;
    if (m_linking)
        return true;
    // Every view follows one selection, by name; each maps it to its own rows. Guard against views echoing it back.
    m_linking = true;
    m_selected = index >= 0 ? name : QString();
    m_table->setSelectedTensor(index);
    m_tensor->setTensor(index);
    m_scales->setTensor(index);
    m_shards->setSelectedTensor(index);
    m_compare->selectTensor(m_selected);
    m_linking = false;
    return true;
}

void MainWindow::onSourceChanged()
{
    const auto result = m_doc->result();
    m_table->setResults(result, m_doc->baseline(), m_doc->canRequantize());
    m_tensor->setResult(result, m_doc->source().checkpoint);
    m_scales->setResult(result);
    m_shards->setResult(result);
    // An output folder's luts.json scales when it has one; otherwise the seed's defaults to start from.
    m_luts->setScales(m_doc->lutScales());
    // A new open input: the comparison (if any) is redone against it; the evaluation follows its checkpoint.
    m_evaluate->setSource(m_doc->canRequantize() ? m_doc->path() : QString(), m_doc->overrides());
    if (!m_comparePath.isEmpty() && result)
        runCompare(m_compareB);
    // The selection survives a reload when the new input has a tensor of that name.
    const QString keep = m_selected;
    m_selected.clear();
    if (keep.isEmpty() || !selectTensorByName(keep))
        selectTensorByName(QString());
    updateTitle();
    updateStatus();
    updateActions();
}

void MainWindow::onResultChanged(const QStringList &)
{
    const auto result = m_doc->result();
    m_table->updateResults(result);
    m_tensor->setResult(result, m_doc->source().checkpoint);
    m_scales->setResult(result);
    m_shards->setResult(result);
    const int index = selectedTensor();
    m_tensor->setTensor(index);
    m_scales->setTensor(index);
    m_shards->setSelectedTensor(index);
    updateStatus();
    // An edit changes what A is: the comparison and the evaluation follow it in the background, once it is all there
    // (Optimize's apply arrives in groups while the document stays busy; a comparison per group was wasted work).
    if (m_doc->isBusy())
        m_followEdit = true;
    else
        followEdit();
}

void MainWindow::followEdit()
{
    m_followEdit = false;
    m_evaluate->setSource(m_doc->canRequantize() ? m_doc->path() : QString(), m_doc->overrides());
    if (!m_comparePath.isEmpty())
        runCompare(m_compareB);
}

void MainWindow::updateTitle()
{
    // [*] shows the unsaved-changes mark where the platform draws one.
    setWindowModified(m_doc->isModified());
    setWindowTitle(m_doc->isEmpty() ? tr("QuantLens") : tr("%1[*] — QuantLens").arg(m_doc->displayName()));
}

QString MainWindow::summaryText() const
{
    return ql::ui::summaryText(*m_doc);
}

void MainWindow::updateStatus()
{
    m_summary->setText(summaryText());
    m_summary->setToolTip(summaryText());
}

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
    if (m_compareAction)
        m_compareAction->setEnabled(open);
}

bool MainWindow::saveScreenshot(const QString &file)
{
    m_tensor->refresh();
    m_scales->refresh();
    // Background work (a re-quantization, the drill-down's analysis) lands before the picture is taken.
    QElapsedTimer wait;
    wait.start();
    while ((m_doc->isBusy() || m_tensor->isAnalysing()) && wait.elapsed() < 60000)
        QApplication::processEvents(QEventLoop::AllEvents, 50);
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

int MainWindow::ask(const QString &title, const QString &text, int buttons, int defaultButton)
{
    if (m_promptAnswer) {
        const int a = m_promptAnswer;
        m_promptAnswer = 0;
        return a;
    }
    if (!m_interactive)
        return defaultButton;
    return QMessageBox::question(this, title, text, QMessageBox::StandardButtons(buttons),
                                 QMessageBox::StandardButton(defaultButton));
}
