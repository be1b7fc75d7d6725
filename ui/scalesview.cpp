#include "scalesview.h"

#include "inspection/analysis.h"
#include "bands.h"
#include "plotstyle.h"
#include "splitpair.h"
#include "textlabel.h"
#include "inspection/scalestats.h"
#include "inspection/summary.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>
#include <qcustomplot.h>

namespace {

void setLog(QCPAxis *axis)
{
    axis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> t(new QCPAxisTickerLog);
    axis->setTicker(t);
    axis->setNumberFormat(QStringLiteral("eb"));
    axis->setNumberPrecision(0);
}

constexpr int kLogBins = 48;

/// Fractions of `v` in log-spaced bins [lo, hi]; the key is each bin's geometric centre.
void logHistogram(const std::vector<double> &v, double lo, double hi, QVector<double> &keys, QVector<double> &fractions)
{
    const double a = std::log10(lo), b = std::log10(hi);
    ql::Histogram h(a, b, kLogBins);
    for (double x : v)
        if (x > 0)
            h.add(std::log10(x));
    keys.clear();
    fractions.clear();
    const double n = std::max<double>(1.0, double(h.total()));
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        keys << std::pow(10.0, h.center(i));
        fractions << double(h.counts[i]) / n;
    }
}

} // namespace

ScalesView::ScalesView(QWidget *parent)
    : QWidget(parent)
    , m_summary(makeTextLabel(this, Qt::RichText, Selectable::No))
    , m_channelPlot(makeInspectorPlot(this, QSize(260, 180)))
    , m_histPlot(makeInspectorPlot(this, QSize(260, 180)))
    , m_modelPlot(makeInspectorPlot(this, QSize(260, 180)))
{
    m_channelTitle = addTitle(m_channelPlot);
    m_histTitle = addTitle(m_histPlot);
    m_modelTitle = addTitle(m_modelPlot, tr("Scales across the model (box: quartiles, whiskers: min-max)"));
    for (auto *p : {m_channelPlot, m_histPlot, m_modelPlot})
        applyPalette(p, palette());
    setLog(m_channelPlot->yAxis);
    setIntegerTicks(m_channelPlot);
    setLog(m_histPlot->xAxis);
    setLog(m_modelPlot->yAxis);
    m_channelPlot->xAxis->setLabel(tr("row (output channel)"));
    m_channelPlot->yAxis->setLabel(tr("scale"));
    m_histPlot->xAxis->setLabel(tr("scale"));
    m_histPlot->yAxis->setLabel(tr("fraction of rows"));
    m_modelPlot->yAxis->setLabel(tr("scale"));
    m_modelPlot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
    m_modelPlot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_modelPlot->axisRect()->setRangeDrag(Qt::Horizontal);

    connect(m_modelPlot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable *, int dataIndex, QMouseEvent *) {
        if (dataIndex >= 0 && dataIndex < m_boxTensor.size())
            Q_EMIT tensorActivated(m_boxTensor[dataIndex]);
    });

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_channelPlot);
    top->addWidget(m_histPlot);
    auto *split = splitPair(Qt::Vertical, top, m_modelPlot, 1, 1, this);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);
    m_modelDirty = m_tensorDirty = true;
}

void ScalesView::setResult(std::shared_ptr<const ql::QuantizeResult> result)
{
    m_result = std::move(result);
    if (!m_result || m_index >= int(m_result->tensors.size()))
        m_index = -1;
    m_modelDirty = m_tensorDirty = true;
    if (isVisible())
        refresh();
}

void ScalesView::setTensor(int index)
{
    if (index == m_index)
        return;
    m_index = index;
    m_tensorDirty = true;
    if (isVisible())
        refresh();
}

void ScalesView::refresh()
{
    if (m_modelDirty)
        rebuildModelPlot();
    if (m_tensorDirty)
        rebuildTensorPlots();
    highlight();
}

void ScalesView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

int ScalesView::boxOf(int tensorIndex) const { return m_boxTensor.indexOf(tensorIndex); }

void ScalesView::rebuildModelPlot()
{
    m_modelDirty = false;
    m_modelPlot->clearPlottables();
    m_boxTensor.clear();
    if (!m_result) {
        m_modelPlot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    auto *boxes = new QCPStatisticalBox(m_modelPlot->xAxis, m_modelPlot->yAxis);
    boxes->setName(tr("all tensors"));
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QFont tickFont = font();
    tickFont.setPointSizeF(std::max(6.0, tickFont.pointSizeF() - 2));
    const QColor fill = palette().color(QPalette::Highlight);
    QColor soft = fill;
    soft.setAlpha(90);
    boxes->setBrush(soft);
    boxes->setPen(QPen(palette().color(QPalette::WindowText), 1));
    boxes->setWhiskerPen(QPen(palette().color(QPalette::WindowText), 1, Qt::SolidLine));
    boxes->setMedianPen(QPen(palette().color(QPalette::WindowText), 2));
    boxes->setWidth(0.6);
    for (std::size_t i = 0; i < m_result->tensors.size(); ++i) {
        const auto &t = m_result->tensors[i];
        const auto s = ql::summarizeScales(t);
        if (s.count == 0)
            continue;
        const double key = double(m_boxTensor.size());
        boxes->addData(key, s.min, s.q1, s.median, s.q3, s.max);
        ticker->addTick(key, QString::fromStdString(t.name));
        m_boxTensor.append(int(i));
    }
    boxes->setSelectable(QCP::stSingleData);
    m_modelPlot->xAxis->setTicker(ticker);
    m_modelPlot->xAxis->setTickLabelRotation(60);
    m_modelPlot->xAxis->setTickLabelFont(tickFont);
    m_modelPlot->xAxis->setSubTicks(false);
    m_modelPlot->xAxis->grid()->setVisible(false);
    m_modelPlot->rescaleAxes();
    m_modelPlot->xAxis->setRange(-0.8, double(m_boxTensor.size()) - 0.2);
    auto r = m_modelPlot->yAxis->range();
    m_modelPlot->yAxis->setRange(r.lower / 2.0, r.upper * 2.0);

    // Model-wide summary line: how far apart the scales are, which is what INT8 accumulation has to live with.
    // All-zero rows get the 1e-8/127 floor scale: say so, or their whiskers read as tiny-but-real scales.
    const ql::ModelScaleStats stats = ql::modelScaleStats(*m_result);
    QString text = tr("%1 scales in %2 tensors, from %3 to %4 (%5 decades). Click a box to select its tensor.")
                       .arg(stats.scales)
                       .arg(stats.tensors)
                       .arg(stats.min, 0, 'g', 3)
                       .arg(stats.max, 0, 'g', 3)
                       .arg(stats.decades(), 0, 'f', 1);
    if (stats.floored)
        text += tr(" %n all-zero row(s) sit at the floor scale 1e-8/127 ≈ 7.9e-11 (exact zeros, not damage).", nullptr,
                   int(stats.floored));
    m_summary->setText(text);
    m_tensorDirty = true;
}

void ScalesView::rebuildTensorPlots()
{
    m_tensorDirty = false;
    m_channelPlot->clearPlottables();
    m_histPlot->clearPlottables();
    m_histPlot->legend->setVisible(false);
    const bool have = m_result && m_index >= 0 && m_index < int(m_result->tensors.size());
    if (!m_result) {
        m_channelTitle->setText(tr("Per-channel scales"));
        m_histTitle->setText(tr("Scale distribution"));
        m_channelPlot->replot(QCustomPlot::rpQueuedReplot);
        m_histPlot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    std::vector<double> all;
    for (const auto &t : m_result->tensors)
        for (double s : ql::scalesOf(t))
            all.push_back(s);
    double lo = all.empty() ? 1e-8 : *std::min_element(all.begin(), all.end());
    double hi = all.empty() ? 1.0 : *std::max_element(all.begin(), all.end());
    lo = std::max(lo, 1e-12) / 1.5;
    hi = std::max(hi * 1.5, lo * 10);
    const QColor sel = palette().color(QPalette::Highlight);
    const QColor modelColor = palette().color(QPalette::WindowText);

    QVector<double> keys, fr;
    logHistogram(all, lo, hi, keys, fr);
    QCPGraph *modelGraph = m_histPlot->addGraph();
    modelGraph->setData(keys, fr, true);
    modelGraph->setLineStyle(QCPGraph::lsStepCenter);
    modelGraph->setPen(QPen(modelColor, 1.5, Qt::DashLine));
    modelGraph->setName(tr("whole model (%1 scales)").arg(all.size()));

    if (have) {
        const auto &t = m_result->tensors[std::size_t(m_index)];
        const auto v = ql::scalesOf(t);
        const QString name = QString::fromStdString(t.name);
        m_channelTitle->setText(t.strategy.layout == ql::ScaleLayout::PerChannel
                                    ? tr("Per-channel scales of %1 (%2 rows)").arg(name).arg(v.size())
                                    : tr("%1 has one per-tensor scale: %2").arg(name).arg(t.scale, 0, 'g', 4));
        QVector<double> rows, vals;
        for (std::size_t r = 0; r < v.size(); ++r) {
            rows << double(r);
            vals << v[r];
        }
        QCPGraph *g = m_channelPlot->addGraph();
        g->setData(rows, vals, true);
        g->setPen(QPen(sel, 1.5));
        g->setLineStyle(v.size() > 1 ? QCPGraph::lsLine : QCPGraph::lsNone);
        if (v.size() <= 600)
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, sel, 4));
        m_channelPlot->rescaleAxes();
        m_channelPlot->xAxis->setRange(-0.5 - 0.02 * double(v.size()), double(v.size()) - 0.5 + 0.02 * double(v.size()));
        auto yr = m_channelPlot->yAxis->range();
        m_channelPlot->yAxis->setRange(yr.lower / 2.0, yr.upper * 2.0);

        logHistogram(v, lo, hi, keys, fr);
        auto *bars = m_histPlot->addGraph();
        bars->setData(keys, fr, true);
        bars->setLineStyle(QCPGraph::lsStepCenter);
        QColor fill = sel;
        fill.setAlpha(90);
        bars->setBrush(fill);
        bars->setPen(QPen(sel, 2));
        bars->setName(name);
        // Two lines: one, with a long tensor name, was wider than the plot at 800 px and lost both ends.
        m_histTitle->setText(tr("Scale distribution vs. the whole model\n%1").arg(name));
    } else {
        m_channelTitle->setText(tr("Per-channel scales (select a tensor)"));
        m_histTitle->setText(tr("Scale distribution of the whole model"));
    }
    m_histPlot->legend->setVisible(true);
    m_histPlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_histPlot->xAxis->setRange(lo, hi);
    // Room above the tallest bin for the legend (rescale() ignores the step brush's extent).
    double top = 0;
    for (int g = 0; g < m_histPlot->graphCount(); ++g)
        for (auto it = m_histPlot->graph(g)->data()->constBegin(); it != m_histPlot->graph(g)->data()->constEnd(); ++it)
            top = std::max(top, it->value);
    m_histPlot->yAxis->setRange(0, std::max(top, 0.01) * 1.3);
    m_channelPlot->replot(QCustomPlot::rpQueuedReplot);
    m_histPlot->replot(QCustomPlot::rpQueuedReplot);
}

void ScalesView::highlight()
{
    if (m_modelPlot->plottableCount() == 0) {
        m_modelPlot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    auto *boxes = qobject_cast<QCPStatisticalBox *>(m_modelPlot->plottable(0));
    const int box = boxOf(m_index);
    if (boxes) {
        QCPSelectionDecorator *dec = boxes->selectionDecorator();
        dec->setBrush(bandColor(ql::SnrBand::Acceptable));
        dec->setPen(QPen(palette().color(QPalette::WindowText), 2));
        boxes->setSelection(box >= 0 ? QCPDataSelection(QCPDataRange(box, box + 1)) : QCPDataSelection());
    }
    m_modelPlot->replot(QCustomPlot::rpQueuedReplot);
}

void ScalesView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    // A light/dark switch of the desktop: plots take their colours from the palette, so redraw them.
    if (event->type() != QEvent::PaletteChange)
        return;
    for (auto *p : {m_channelPlot, m_histPlot, m_modelPlot})
        applyPalette(p, palette());
    m_modelDirty = m_tensorDirty = true;
    if (isVisible())
        refresh();
}
