// The tensor view's figures: per-row SNR (or scale) with the band limits and a marker on the chosen row, and the
// weight, dequantized and error histograms on a linear or log count axis.
#include "tensorview.h"

#include "bands.h"
#include "plotstyle.h"

#include <QCheckBox>
#include <QFontMetrics>
#include <qcustomplot.h>

namespace {

QColor overlayColor() { return QColor(230, 120, 30); }

void setBars(QCustomPlot *plot, const ql::Histogram &h, const QColor &color, const QString &name)
{
    auto *bars = new QCPBars(plot->xAxis, plot->yAxis);
    QVector<double> keys, values;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        keys << h.center(i);
        values << double(h.counts[i]);
    }
    bars->setData(keys, values, true);
    bars->setWidth(h.binWidth());
    // Opaque and not antialiased: bars are axis-aligned rectangles, and a translucent antialiased fill goes through
    // the rasterizer in parallel pieces the GUI thread waits for (318 waits in one error-histogram replot while a
    // re-quantize held both cores; QL_STALL_TRACE). The colour is the translucent one over the plot's background.
    const QColor base = plot->palette().color(QPalette::Base);
    constexpr double kAlpha = 140.0 / 255.0;
    bars->setBrush(QColor::fromRgbF(float(color.redF() * kAlpha + base.redF() * (1 - kAlpha)),
                                    float(color.greenF() * kAlpha + base.greenF() * (1 - kAlpha)),
                                    float(color.blueF() * kAlpha + base.blueF() * (1 - kAlpha))));
    bars->setAntialiased(false);
    bars->setAntialiasedFill(false);
    bars->setPen(QPen(color.darker(120), 0.5));
    bars->setName(name);
}

} // namespace

void TensorView::plotRows(const ql::QuantizedTensor &q)
{
    const auto &a = m_analysis;
    QCPGraph *g = m_rowPlot->addGraph();
    QVector<double> keys, values;
    const QColor line = palette().color(QPalette::Highlight);
    m_rowPlot->yAxis->setScaleType(QCPAxis::stLinear);
    m_rowPlot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    if (a && a->hasSource) {
        // The name is elided in the middle to the plot's width: a centred title wider than the plot lost both ends.
        const QString frame = tr("Per-row SNR of %1 (%2 rows)");
        const QFontMetrics fm(m_rowTitle->font());
        const int room = m_rowPlot->width() - 12 - fm.horizontalAdvance(frame.arg(QString()).arg(q.rows));
        const QString name = fm.elidedText(QString::fromStdString(q.name), Qt::ElideMiddle, std::max(room, 40));
        m_rowTitle->setText(frame.arg(name).arg(q.rows));
        for (std::size_t r = 0; r < a->rowSnr.size(); ++r)
            if (!std::isnan(a->rowSnr[r])) {
                keys << double(r);
                values << a->rowSnr[r];
            }
        m_rowPlot->yAxis->setLabel(tr("SNR (dB)"));
        // The seed's band limits, each in the colour of the band above it.
        const std::pair<double, ql::SnrBand> limits[] = {
            {ql::SnrBandLimits::excellentAbove, ql::SnrBand::Excellent},
            {ql::SnrBandLimits::goodFrom, ql::SnrBand::Good},
            {ql::SnrBandLimits::acceptableFrom, ql::SnrBand::Acceptable}};
        for (const auto &[y, band] : limits) {
            auto *l = new QCPItemStraightLine(m_rowPlot);
            l->point1->setCoords(0, y);
            l->point2->setCoords(1, y);
            l->setPen(QPen(bandColor(band), 1, Qt::DashLine));
        }
    } else {
        m_rowTitle->setText(tr("Per-row scale of %1 (per-row SNR needs the FP32 checkpoint)")
                                .arg(QString::fromStdString(q.name)));
        for (int64_t r = 0; r < q.rows; ++r) {
            keys << double(r);
            values << double(q.rowScale(r));
        }
        m_rowPlot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_rowPlot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        m_rowPlot->yAxis->setLabel(tr("scale (log)"));
    }
    g->setData(keys, values, true);
    // A sparse curve gets a wider line and a dot per row. A dense one (a 4096-row layer is ~10 rows per pixel) is a
    // band either way, and the rasterizer strokes a 1.5 px antialiased line 4x slower than a 1 px one: 4.9 ms against
    // 1.2 ms for a 483x407 plot of 4096 rows, on each edit, undo, redo and selection of such a tensor.
    const bool sparse = keys.size() <= 600;
    g->setPen(QPen(line, sparse ? 1.5 : 1.0));
    if (sparse)
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, line, 4));
    g->setLineStyle(keys.size() == 1 ? QCPGraph::lsNone : QCPGraph::lsLine);
    m_rowPlot->xAxis->setLabel(tr("row (output channel)"));
    m_rowPlot->rescaleAxes();
    const double pad = std::max(0.5, 0.02 * double(q.rows));
    m_rowPlot->xAxis->setRange(-pad, double(std::max<int64_t>(q.rows - 1, 0)) + pad);
    if (a && a->hasSource) {
        auto r = m_rowPlot->yAxis->range();
        r.lower = std::min(r.lower - 2.0, 15.0);
        r.upper = std::max(r.upper + 2.0, 45.0);
        m_rowPlot->yAxis->setRange(r);
    } else if (!values.isEmpty()) {
        auto r = m_rowPlot->yAxis->range();
        m_rowPlot->yAxis->setRange(r.lower / 2.0, r.upper * 2.0);
    }
    m_tracer = new QCPItemTracer(m_rowPlot);
    m_tracer->setGraph(g);
    m_tracer->setStyle(QCPItemTracer::tsCircle);
    m_tracer->setSize(11);
    m_tracer->setPen(QPen(overlayColor(), 2));
    m_tracer->setVisible(false);
}

void TensorView::plotHistograms()
{
    const auto &a = m_analysis;
    const QColor main = palette().color(QPalette::Highlight);
    if (!a) {
        m_histTitle->setText(tr("Weights"));
        m_errTitle->setText(tr("Errors"));
        return;
    }
    for (auto *p : {m_histPlot, m_errPlot}) {
        p->legend->setVisible(true);
        p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        p->yAxis->setLabel(tr("count"));
    }
    if (a->hasSource) {
        m_histTitle->setText(tr("FP32 weights vs. dequantized values"));
        setBars(m_histPlot, a->weights, main, tr("FP32 weights"));
        addSteps(m_histPlot, a->dequantized, overlayColor(), tr("dequantized (code × scale)"), 2);
        m_histPlot->xAxis->setLabel(tr("value"));
        m_errTitle->setText(tr("Reconstruction error w − code × scale"));
        setBars(m_errPlot, a->errors, bandColor(ql::SnrBand::Investigate), tr("error"));
        m_errPlot->xAxis->setLabel(tr("error"));
    } else {
        m_histTitle->setText(tr("INT8 codes"));
        setBars(m_histPlot, a->codes, main, tr("codes"));
        m_histPlot->xAxis->setLabel(tr("code"));
        m_errTitle->setText(tr("Dequantized values (errors need the FP32 checkpoint)"));
        setBars(m_errPlot, a->dequantized, overlayColor(), tr("code × scale"));
        m_errPlot->xAxis->setLabel(tr("value"));
    }
    applyHistogramScale();
}

void TensorView::setLogCounts(bool on) { m_logCounts->setChecked(on); }

bool TensorView::logCounts() const { return m_logCounts->isChecked(); }

void TensorView::applyHistogramScale()
{
    const bool log = m_logCounts->isChecked();
    for (auto *p : {m_histPlot, m_errPlot}) {
        p->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (log)
            p->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        else
            p->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        p->yAxis->setLabel(log ? tr("count (log)") : tr("count"));
        for (int i = 0; i < p->plottableCount(); ++i)
            if (auto *bars = qobject_cast<QCPBars *>(p->plottable(i)))
                bars->setBaseValue(log ? 0.5 : 0.0);
        p->rescaleAxes();
        auto r = p->yAxis->range();
        // A log axis starts just under one count, so a bin holding a single weight shows as a bar.
        p->yAxis->setRange(log ? 0.5 : 0, log ? std::max(r.upper * 2.0, 10.0) : r.upper * 1.08);
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

void TensorView::markRow(int row)
{
    if (!m_tracer)
        return;
    m_tracer->setGraphKey(row);
    m_tracer->setVisible(true);
    m_rowPlot->replot(QCustomPlot::rpQueuedReplot);
}
