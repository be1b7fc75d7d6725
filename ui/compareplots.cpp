#include "compareplots.h"

#include "inspection/summary.h"
#include "plotstyle.h"
#include "textlabel.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <cmath>
#include <qcustomplot.h>

namespace {

void addCurve(QCustomPlot *plot, const QVector<double> &values, const QColor &color, const QString &name,
              double width = 1.5)
{
    QCPGraph *g = plot->addGraph();
    QVector<double> keys(values.size());
    for (int i = 0; i < values.size(); ++i)
        keys[i] = i;
    g->setData(keys, values, true);
    g->setPen(QPen(color, width));
    g->setLineStyle(values.size() == 1 ? QCPGraph::lsNone : QCPGraph::lsLine);
    g->setScatterStyle(values.size() <= 64 ? QCPScatterStyle(QCPScatterStyle::ssDisc, 4) : QCPScatterStyle());
    g->setName(name);
}

void showLegend(QCustomPlot *plot)
{
    plot->legend->setVisible(plot->graphCount() > 0);
    plot->legend->setBrush(QColor(255, 255, 255, 0));
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setTextColor(plot->palette().color(QPalette::WindowText));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

} // namespace

ComparePlots::ComparePlots(QWidget *parent)
    : QWidget(parent)
    , m_header(makeTextLabel(this, Qt::RichText))
    // Three side by side must leave the table room in an 800 px window (at 240 px each the view scrolled sideways
    // and the summary and the table's names were cut).
    , m_hist(makeInspectorPlot(this, QSize(160, 140)))
    , m_snr(makeInspectorPlot(this, QSize(160, 140)))
    , m_ratio(makeInspectorPlot(this, QSize(160, 140)))
{
    m_histTitle = addTitle(m_hist);
    m_snrTitle = addTitle(m_snr);
    m_ratioTitle = addTitle(m_ratio);
    setIntegerTicks(m_snr);
    setIntegerTicks(m_ratio);
    for (QCustomPlot *p : {m_hist, m_snr, m_ratio}) // three plots side by side: few ticks, or the labels collide
        p->xAxis->ticker()->setTickCount(3); // 4 still collided at 160 px (the 800x600 window)
    m_hist->xAxis->setLabel(tr("weight"));
    m_hist->yAxis->setLabel(tr("count"));
    m_snr->xAxis->setLabel(tr("row"));
    m_snr->yAxis->setLabel(tr("SNR (dB)"));
    m_ratio->xAxis->setLabel(tr("row"));
    m_ratio->yAxis->setLabel(tr("scale B / A"));
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(m_header, 0, 0, 1, 3);
    grid->addWidget(m_hist, 1, 0);
    grid->addWidget(m_snr, 1, 1);
    grid->addWidget(m_ratio, 1, 2);
    grid->setRowStretch(1, 1);
    restyle();
    showTensor(nullptr);
}

QColor ComparePlots::colorA() { return QColor(0x1f, 0x77, 0xb4); }
QColor ComparePlots::colorB() { return QColor(0xe6, 0x7e, 0x22); }

void ComparePlots::setSessions(std::shared_ptr<const ql::Session> a, std::shared_ptr<const ql::Session> b)
{
    m_a = std::move(a);
    m_b = std::move(b);
    showTensor(nullptr);
}

QString ComparePlots::headerText() const { return m_header->text(); }

ql::TensorAnalysis ComparePlots::analyze(const ql::Session &s, const ql::QuantizedTensor &q)
{
    const int8_t *codes = s.result->codes(q).data();
    if (s.hasWeights())
        if (const ql::TensorData *t = s.checkpoint->find(q.name))
            return ql::analyzeTensor(*t, q, codes);
    return ql::analyzeCodes(q, codes);
}

void ComparePlots::clearPlots()
{
    for (QCustomPlot *p : {m_hist, m_snr, m_ratio}) {
        p->clearGraphs();
        p->clearItems();
    }
}

void ComparePlots::showTensor(const ql::TensorDelta *d)
{
    clearPlots();
    if (!d || !m_a || !m_b) {
        m_header->setText(tr("<i>Select a tensor to compare its two sides.</i>"));
        m_histTitle->setText(tr("Weights, A and B"));
        m_snrTitle->setText(tr("Per-row SNR"));
        m_ratioTitle->setText(tr("Row scales B / A"));
        for (QCustomPlot *p : {m_hist, m_snr, m_ratio}) {
            p->legend->setVisible(false);
            p->replot();
        }
        return;
    }
    const QString name = QString::fromStdString(d->name).toHtmlEscaped();
    auto shape = [](const ql::QuantizedTensor *q) {
        return q ? QString::fromStdString(ql::shapeText(q->shape)) : QStringLiteral("absent");
    };
    m_header->setText(tr("<b>%1</b> — %2 &nbsp; A %3 &nbsp; B %4")
                          .arg(name, QString::fromLatin1(ql::statusName(d->status)), shape(d->a), shape(d->b)));
    std::optional<ql::TensorAnalysis> ta, tb;
    if (d->a)
        ta = analyze(*m_a, *d->a);
    if (d->b)
        tb = analyze(*m_b, *d->b);

    // Histograms: FP32 weights where a side has them, its dequantized codes otherwise (an output folder).
    bool dequantizedOnly = false;
    // A is drawn wider and underneath B, so that where the two coincide both colours still show.
    for (const auto &[an, color, label, width] :
         {std::tuple{&ta, colorA(), tr("A"), 4.0}, std::tuple{&tb, colorB(), tr("B"), 1.5}}) {
        if (!*an)
            continue;
        const auto &a = **an;
        dequantizedOnly = dequantizedOnly || !a.hasSource;
        addSteps(m_hist, a.hasSource ? a.weights : a.dequantized, color, label, width);
    }
    m_histTitle->setText(dequantizedOnly ? tr("Weights, A and B (dequantized where no FP32)") : tr("Weights, A and B"));

    bool noRows = false;
    for (const auto &[an, color, label, width] :
         {std::tuple{&ta, colorA(), tr("A"), 3.0}, std::tuple{&tb, colorB(), tr("B"), 1.0}}) {
        if (!*an)
            continue;
        if ((*an)->rowSnr.empty()) {
            noRows = true;
            continue;
        }
        addCurve(m_snr, QVector<double>((*an)->rowSnr.begin(), (*an)->rowSnr.end()), color, label, width);
    }
    m_snrTitle->setText(noRows ? tr("Per-row SNR (needs FP32: not in an output folder)") : tr("Per-row SNR"));

    if (d->a && d->b && d->a->rows == d->b->rows) {
        QVector<double> ratio(int(d->a->rows));
        for (int64_t r = 0; r < d->a->rows; ++r) {
            const double sa = d->a->rowScale(r), sb = d->b->rowScale(r);
            ratio[int(r)] = sa > 0 ? sb / sa : std::nan("");
        }
        addCurve(m_ratio, ratio, palette().color(QPalette::WindowText), tr("B / A"));
        auto *one = new QCPItemStraightLine(m_ratio);
        one->point1->setCoords(0, 1);
        one->point2->setCoords(1, 1);
        one->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        m_ratioTitle->setText(tr("Row scales B / A"));
    } else {
        m_ratioTitle->setText(tr("Row scales B / A (rows differ)"));
    }
    for (QCustomPlot *p : {m_hist, m_snr, m_ratio}) {
        p->rescaleAxes();
        if (p == m_ratio && p->graphCount()) {
            // A ratio of exactly 1 everywhere would collapse the axis: keep a visible band around 1.
            const QCPRange r = p->yAxis->range();
            p->yAxis->setRange(std::min(r.lower, 0.999), std::max(r.upper, 1.001));
        }
        p->yAxis->scaleRange(1.1, p->yAxis->range().center());
        showLegend(p);
        p->legend->setVisible(p != m_ratio && p->graphCount() > 0);
        p->replot();
    }
}

void ComparePlots::restyle()
{
    for (QCustomPlot *p : {m_hist, m_snr, m_ratio}) {
        applyPalette(p, palette());
        if (p->legend)
            p->legend->setTextColor(palette().color(QPalette::WindowText));
    }
}

void ComparePlots::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        restyle();
        for (QCustomPlot *p : {m_hist, m_snr, m_ratio})
            p->replot();
    }
}
