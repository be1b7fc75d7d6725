#include "tensorview.h"

#include "backgroundjob.h"
#include "bands.h"
#include "inspection/summary.h"
#include "plotstyle.h"
#include "rowtablemodel.h"
#include "textlabel.h"

#include <QCheckBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace {

QString sci(double v) { return QString::number(v, 'g', 3); }

/// The drill-down's figures for one tensor, computed off the GUI thread.
struct Analysed
{
    std::shared_ptr<const ql::TensorAnalysis> analysis;
    std::optional<ql::OutlierAdvice> advice;
};

} // namespace

TensorView::TensorView(QWidget *parent)
    : QWidget(parent)
    , m_header(makeTextLabel(this, Qt::RichText))
    , m_note(makeTextLabel(this))
    , m_adviceBox(new QWidget(this))
    , m_adviceText(makeTextLabel(m_adviceBox))
    , m_adviceButton(new QPushButton(m_adviceBox))
    , m_logCounts(new QCheckBox(tr("Log counts"), this))
    , m_rowPlot(makeInspectorPlot(this, QSize(260, 200)))
    , m_rows(new QTableView(this))
    , m_rowModel(new RowTableModel(this))
    , m_histPlot(makeInspectorPlot(this, QSize(260, 200)))
    , m_errPlot(makeInspectorPlot(this, QSize(260, 200)))
{
    m_note->setFrameShape(QFrame::StyledPanel);
    m_note->setMargin(6);
    m_note->hide();
    auto *adviceLayout = new QHBoxLayout(m_adviceBox);
    adviceLayout->setContentsMargins(6, 2, 6, 2);
    adviceLayout->addWidget(m_adviceText, 1);
    adviceLayout->addWidget(m_adviceButton, 0, Qt::AlignVCenter);
    m_adviceBox->hide();
    connect(m_adviceButton, &QPushButton::clicked, this, [this] {
        if (m_advice && m_result && m_index >= 0)
            Q_EMIT strategyRequested(QString::fromStdString(m_result->tensors[std::size_t(m_index)].name),
                                     QString::fromStdString(m_advice->suggested.name()));
    });
    m_logCounts->setToolTip(tr("Histogram counts on a logarithmic axis: a single outlying weight stays visible"));
    connect(m_logCounts, &QCheckBox::toggled, this, [this] { applyHistogramScale(); });

    m_rowPlot->setObjectName(QStringLiteral("rowPlot"));
    m_histPlot->setObjectName(QStringLiteral("histPlot"));
    m_errPlot->setObjectName(QStringLiteral("errPlot"));
    m_rowTitle = addTitle(m_rowPlot);
    m_histTitle = addTitle(m_histPlot);
    m_errTitle = addTitle(m_errPlot);
    for (auto *p : {m_rowPlot, m_histPlot, m_errPlot})
        applyPalette(p, palette());
    setIntegerTicks(m_rowPlot);

    m_rows->setModel(m_rowModel);
    m_rows->setSortingEnabled(true);
    m_rows->sortByColumn(RowTableModel::Snr, Qt::AscendingOrder);
    m_rows->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_rows->setSelectionMode(QAbstractItemView::SingleSelection);
    m_rows->verticalHeader()->hide();
    m_rows->verticalHeader()->setDefaultSectionSize(m_rows->fontMetrics().height() + 6);
    // Fixed widths: ResizeToContents measures every row on each reset, which costs more than the analysis itself.
    m_rows->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int digit = m_rows->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const int widths[RowTableModel::ColumnCount] = {6, 8, 10, 11, 9, 11, 7, 7};
    for (int c = 0; c < RowTableModel::ColumnCount; ++c)
        m_rows->setColumnWidth(c, (widths[c] + 3) * digit);
    m_rows->setAlternatingRowColors(true);
    connect(m_rows->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &cur) {
                if (cur.isValid())
                    markRow(m_rowModel->channelAt(cur.row()));
            });

    auto *rowsLabel = new QLabel(tr("Rows, worst first (click a row to mark it in the plot):"), this);
    auto *rowsBox = new QWidget(this);
    auto *rowsLayout = new QVBoxLayout(rowsBox);
    rowsLayout->setContentsMargins(0, 0, 0, 0);
    rowsLayout->addWidget(rowsLabel);
    rowsLayout->addWidget(m_rows, 1);

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_rowPlot);
    top->addWidget(rowsBox);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);
    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_histPlot);
    bottom->addWidget(m_errPlot);
    auto *bottomBox = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottomBox);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_logCounts);
    bottomLayout->addWidget(bottom, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(bottomBox);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_header);
    layout->addWidget(m_note);
    layout->addWidget(m_adviceBox);
    layout->addWidget(split, 1);
    recompute();
}

void TensorView::setResult(std::shared_ptr<const ql::QuantizeResult> result,
                           std::shared_ptr<const ql::Checkpoint> checkpoint)
{
    m_result = std::move(result);
    m_checkpoint = std::move(checkpoint);
    if (!m_result || m_index >= int(m_result->tensors.size()))
        m_index = -1;
    m_dirty = true;
    if (isVisible())
        refresh();
}

void TensorView::setTensor(int index)
{
    if (index == m_index && !m_dirty)
        return;
    m_index = index;
    m_dirty = true;
    if (isVisible())
        refresh();
}

void TensorView::refresh()
{
    if (m_dirty)
        recompute();
}

void TensorView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void TensorView::recompute()
{
    m_dirty = false;
    if (!m_result || m_index < 0 || m_index >= int(m_result->tensors.size())) {
        m_jobs.invalidate();
        m_analysing = false;
        m_analysis.reset();
        m_advice.reset();
        m_analysed = {};
        render();
        return;
    }
    const auto &q = m_result->tensors[std::size_t(m_index)];
    const auto bytes = m_result->bytes.pieceAt(q.offset);
    // The same tensor of the same source: its figures can stay on screen while it is analysed again.
    const bool sameName = m_analysis && m_analysed.name == q.name && m_analysed.checkpoint == m_checkpoint.get();
    if (sameName && !m_analysing && bytes && m_analysed.bytes.lock() == bytes) {
        // The same bytes (a piece is replaced whenever its tensor is re-quantized): an edit of another tensor, e.g.
        // each group of Optimize's apply, leaves the plots and the row table as they are (and the row the user
        // marked); only the header is set again. A palette change redraws everything.
        if (m_restyle)
            render();
        else
            renderHeader(q);
        return;
    }
    // The analysis of a large tensor takes long enough to stall the window (185 ms for 2048x2048): it runs on the
    // pool and is drawn when it arrives; a newer selection drops it. An edit of the tensor on screen keeps its
    // figures until then (one redraw instead of an empty one and a full one); another tensor starts empty.
    m_analysing = true;
    if (sameName) {
        renderHeader(q);
    } else {
        m_analysis.reset();
        m_advice.reset();
        render();
    }
    const uint64_t job = m_jobs.start();
    auto *watcher = new QFutureWatcher<Analysed>(this);
    connect(watcher, &QFutureWatcherBase::finished, this,
            [this, watcher, job, key = AnalysisKey{q.name, bytes, m_checkpoint.get()}] {
                watcher->deleteLater();
                if (!m_jobs.isCurrent(job))
                    return;
                const Analysed out = watcher->result();
                m_analysing = false;
                m_analysis = out.analysis;
                m_advice = out.advice;
                m_analysed = key;
                render();
                Q_EMIT analysisReady();
            });
    // The job holds the tensor's own piece of the INT8 buffer and a copy of its metadata, not the snapshot: during
    // Optimize's grouped apply an analysis outlived the groups after its own, and the snapshot it held kept every
    // piece they replaced (the 128 MiB apply peaked at 1.61 x INT8 instead of 1.24 x).
    // `codes` points into `piece`, which the job holds (pieces are immutable).
    const auto &tensor = m_result->tensors[std::size_t(m_index)];
    watcher->setFuture(runInBackground([q = tensor, piece = m_result->bytes.pieceAt(tensor.offset),
                                        codes = m_result->codes(tensor).data(), checkpoint = m_checkpoint] {
        Analysed out;
        const ql::TensorData *src = checkpoint ? checkpoint->find(q.name) : nullptr;
        constexpr int kBins = 80;
        try { // never unwinds through Qt
            if (codes && src) {
                auto a = std::make_shared<const ql::TensorAnalysis>(ql::analyzeTensor(*src, q, codes, kBins));
                out.advice = ql::adviseOutlier(*src, q, *a, checkpoint->path.string());
                out.analysis = std::move(a);
            } else if (codes)
                out.analysis = std::make_shared<const ql::TensorAnalysis>(ql::analyzeCodes(q, codes, kBins));
        } catch (const std::exception &) {
            out.analysis.reset(); // the header still shows the tensor's statistics
        }
        return out;
    }));
}

void TensorView::render()
{
    m_restyle = false;
    m_tracer = nullptr;
    for (auto *p : {m_rowPlot, m_histPlot, m_errPlot}) {
        p->clearPlottables();
        p->clearItems();
        p->legend->setVisible(false);
    }
    if (!m_result || m_index < 0 || m_index >= int(m_result->tensors.size())) {
        m_header->setText(tr("<i>Select a tensor in the layer table (or any other view) to see how each of its rows "
                             "was quantized.</i>"));
        m_note->hide();
        m_adviceBox->hide();
        m_rowModel->setResults(nullptr, {});
        m_rowTitle->setText(tr("Per-row SNR"));
        m_histTitle->setText(tr("Weights"));
        m_errTitle->setText(tr("Errors"));
        for (auto *p : {m_rowPlot, m_histPlot, m_errPlot})
            p->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto &q = m_result->tensors[std::size_t(m_index)];
    renderHeader(q);
    const auto &a = m_analysis;
    std::vector<float> scales(std::size_t(q.rows));
    for (int64_t r = 0; r < q.rows; ++r)
        scales[std::size_t(r)] = q.rowScale(r);
    m_rowModel->setResults(a, scales);
    plotRows(q);
    plotHistograms();
    if (a && a->hasSource && !a->worstRows.empty())
        markRow(int(a->worstRows.front()));
    // Queued: the three plots repaint once in the next paint pass instead of each forcing a synchronous render.
    for (auto *p : {m_rowPlot, m_histPlot, m_errPlot})
        p->replot(QCustomPlot::rpQueuedReplot);
}

void TensorView::renderHeader(const ql::QuantizedTensor &q)
{
    const bool haveCodes = q.size == 0 || m_result->codes(q).data();
    const auto &a = m_analysis;
    const auto snr = q.stats.snrDb();
    const auto band = ql::snrBand(snr);
    QString head = tr("<b>%1</b> &nbsp;·&nbsp; %2 (%3 × %4 quantized) &nbsp;·&nbsp; %5 &nbsp;·&nbsp; SNR "
                      "<b><span style='color:%6'>%7</span></b> %8")
                       .arg(QString::fromStdString(q.name).toHtmlEscaped(),
                            QString::fromStdString(ql::shapeText(q.shape)), QString::number(q.rows),
                            QString::number(q.cols), QString::fromStdString(q.strategy.name()),
                            bandColor(band).name(), snr ? tr("%1 dB").arg(*snr, 0, 'f', 2) : tr("undefined"),
                            bandDescription(band));
    head += tr("<br>signal RMS %1 &nbsp;·&nbsp; error RMS %2 &nbsp;·&nbsp; max |error| %3 &nbsp;·&nbsp; relative "
               "error %4%")
                .arg(sci(std::sqrt(q.stats.meanSignal())), sci(std::sqrt(q.stats.mse())), sci(q.stats.maxAbsErr))
                .arg(q.stats.relativeErrorPct(), 0, 'f', 3);
    // Said in the header, not in a note of its own: a note that comes and goes re-lays the view out, and each
    // plot redraws on its resize.
    if (m_analysing && a)
        head += tr(" &nbsp;·&nbsp; <i>figures of the previous strategy, updating…</i>");
    else if (m_analysing)
        head += tr(" &nbsp;·&nbsp; <i>analysing %1 rows…</i>").arg(q.rows);
    else if (a && a->hasSource)
        head += tr(" &nbsp;·&nbsp; |w| max %1 &nbsp;·&nbsp; clipped weights %2 &nbsp;·&nbsp; all-zero rows %3")
                    .arg(sci(a->absMax))
                    .arg(a->saturated)
                    .arg(a->zeroRows);
    m_header->setText(head);
    if (m_analysing && a)
        return; // the note and the advice belong to the figures on screen

    QStringList notes;
    if (a && !a->note.empty())
        notes << QString::fromStdString(a->note);
    if (a && !a->hasSource)
        notes << QString::fromStdString(a->unavailable);
    if (!haveCodes)
        notes << tr("The INT8 bytes of this tensor are not loaded.");
    m_note->setText(notes.join(QStringLiteral("\n\n")));
    m_note->setVisible(!notes.isEmpty());
    if (m_advice) {
        m_adviceText->setText(tr("<b>Scale-setting outlier.</b> %1")
                                  .arg(QString::fromStdString(m_advice->text).toHtmlEscaped()));
        m_adviceButton->setText(tr("Use %1").arg(QString::fromStdString(m_advice->suggested.name())));
        m_adviceButton->setToolTip(tr("Set %1 to %2 (undoable)")
                                       .arg(QString::fromStdString(q.name), QString::fromStdString(m_advice->suggested.name())));
        // The advice is about the strategy the tensor has now; a clipping strategy already in place needs none.
        m_adviceButton->setVisible(m_advice->clippingWins);
        m_adviceButton->setEnabled(m_checkpoint && !(q.strategy == m_advice->suggested));
    }
    m_adviceBox->setVisible(m_advice.has_value());
}

void TensorView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    // A light/dark switch of the desktop: plots take their colours from the palette, so redraw them.
    if (event->type() != QEvent::PaletteChange)
        return;
    for (auto *p : {m_rowPlot, m_histPlot, m_errPlot})
        applyPalette(p, palette());
    m_restyle = true;
    m_dirty = true;
    if (isVisible())
        refresh();
}
