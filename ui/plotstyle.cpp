#include "plotstyle.h"

#include "inspection/analysis.h"

#include <qcustomplot.h>

namespace {

/// Redraws after a resize in the next pass instead of at once. A view that is laid out anew (a note or an advice
/// that appears) resizes its plots one by one, and QCustomPlot replots in each resize event, on top of the replot
/// the new data already queued: two full renders per plot. Queued, they are one.
class InspectorPlot : public QCustomPlot
{
public:
    using QCustomPlot::QCustomPlot;

protected:
    void resizeEvent(QResizeEvent *) override
    {
        setViewport(rect());
        replot(rpQueuedReplot);
    }
};

} // namespace

QCustomPlot *makeInspectorPlot(QWidget *parent, const QSize &minimum)
{
    auto *p = new InspectorPlot(parent);
    p->setMinimumSize(minimum);
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->setAntialiasedElements(QCP::aePlottables);
    p->setPlottingHint(QCP::phFastPolylines, true);
    // A replot asks for a repaint instead of painting at once: the plots of a view that changed together share one
    // paint pass of the window (phImmediateRefresh, on by default, repainted each plot and flushed the window three
    // times for the tensor view's three).
    p->setPlottingHint(QCP::phImmediateRefresh, false);
    return p;
}

void applyPalette(QCPAxisRect *rect, const QPalette &pal)
{
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(110);
    for (QCPAxis *axis : rect->axes()) {
        axis->setBasePen(QPen(text, 1));
        axis->setTickPen(QPen(text, 1));
        axis->setSubTickPen(QPen(text, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid, 1));
    }
}

void applyPalette(QCustomPlot *plot, const QPalette &pal)
{
    // The owner's palette: on a palette change the owner hears of it before its children do.
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(110);
    plot->setBackground(pal.brush(QPalette::Base));
    applyPalette(plot->axisRect(), pal);
    plot->legend->setBrush(pal.brush(QPalette::Base));
    plot->legend->setTextColor(text);
    plot->legend->setBorderPen(QPen(grid));
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
        if (auto *t = qobject_cast<QCPTextElement *>(plot->plotLayout()->elementAt(i)))
            t->setTextColor(text);
}

QCPTextElement *addTitle(QCustomPlot *plot, const QString &text)
{
    plot->plotLayout()->insertRow(0);
    QFont f = plot->font();
    f.setBold(true);
    auto *title = new QCPTextElement(plot, text, f);
    title->setTextColor(plot->palette().color(QPalette::WindowText));
    plot->plotLayout()->addElement(0, 0, title);
    return title;
}

void setIntegerTicks(QCustomPlot *plot)
{
    QSharedPointer<QCPAxisTickerFixed> t(new QCPAxisTickerFixed);
    t->setTickStep(1.0);
    t->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot->xAxis->setTicker(t);
}

void addSteps(QCustomPlot *plot, const ql::Histogram &h, const QColor &color, const QString &name, double width)
{
    QCPGraph *g = plot->addGraph();
    QVector<double> keys, values;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        keys << h.center(i);
        values << double(h.counts[i]);
    }
    g->setData(keys, values, true);
    g->setLineStyle(QCPGraph::lsStepCenter);
    g->setPen(QPen(color, width));
    g->setName(name);
}
