#include "lutcurve.h"

#include "plotstyle.h"

#include "artifacts/lutsaturation.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace {

// Colours that read on light and dark backgrounds alike.
const QColor kExactColor(31, 119, 180);
const QColor kTableColor(255, 127, 14);
const QColor kSaturatedColor(214, 39, 40);
const QColor kErrorColor(44, 160, 44);

QString num(double v, int digits = 4)
{
    return QString::number(v, 'g', digits);
}

QString prettyName(ql::LutKind k)
{
    switch (k) {
    case ql::LutKind::Silu:
        return QStringLiteral("SiLU");
    case ql::LutKind::Softplus:
        return QStringLiteral("softplus");
    case ql::LutKind::Rsqrt:
        return QStringLiteral("rsqrt");
    case ql::LutKind::ExpNeg:
        return QStringLiteral("exp(−x)");
    }
    return {};
}

QDoubleSpinBox *makeScaleSpin(QWidget *parent, const QString &name, const QString &flag)
{
    auto *spin = new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    // 8 decimals show the seed's 0.00392157; the value itself is kept exactly by LutCurve.
    spin->setDecimals(8);
    spin->setRange(1e-8, 1e6);
    spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    spin->setAccelerated(true);
    spin->setToolTip(QObject::tr("%1 on the command line").arg(flag));
    return spin;
}

} // namespace

LutCurve::LutCurve(ql::LutKind kind, QWidget *parent)
    : QWidget(parent)
    , m_kind(kind)
{
    const QString name = QString::fromLatin1(ql::lutName(kind));
    const QString flag = QStringLiteral("--%1").arg(kind == ql::LutKind::ExpNeg ? QStringLiteral("exp") : name);
    setObjectName(name + QStringLiteral("Curve"));

    const int offset = int(kind) * ql::kLutSize;
    auto *title = new QLabel(tr("<b>%1</b> — %2<br><small>%3 → %3 · luts.bin bytes %4–%5</small>")
                                 .arg(prettyName(kind), QString::fromLatin1(ql::lutDescription(kind)).toHtmlEscaped(),
                                      ql::lutSigned(kind) ? tr("int8") : tr("uint8"))
                                 .arg(offset)
                                 .arg(offset + ql::kLutSize - 1),
                             this);
    title->setTextFormat(Qt::RichText);

    m_inSpin = makeScaleSpin(this, name + QStringLiteral("InputScale"), flag + QStringLiteral("-input-scale"));
    m_outSpin = makeScaleSpin(this, name + QStringLiteral("OutputScale"), flag + QStringLiteral("-output-scale"));
    auto *scales = new QHBoxLayout;
    scales->addWidget(new QLabel(tr("input scale"), this));
    scales->addWidget(m_inSpin);
    scales->addSpacing(12);
    scales->addWidget(new QLabel(tr("output scale"), this));
    scales->addWidget(m_outSpin);
    scales->addStretch(1);

    m_stats = new QLabel(this);
    m_stats->setObjectName(name + QStringLiteral("Stats"));
    m_stats->setTextFormat(Qt::RichText);
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(name + QStringLiteral("Plot"));
    m_plot->setMinimumHeight(220);
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
    // As makeInspectorPlot's plots: a replot asks for a repaint, so the four curves of the LUT view share one paint
    // pass instead of each painting and flushing the window at once.
    m_plot->setPlottingHint(QCP::phImmediateRefresh, false);
    m_plot->plotLayout()->clear();
    m_valueRect = new QCPAxisRect(m_plot);
    m_errorRect = new QCPAxisRect(m_plot);
    m_plot->plotLayout()->addElement(0, 0, m_valueRect);
    m_plot->plotLayout()->addElement(1, 0, m_errorRect);
    m_plot->plotLayout()->setRowStretchFactor(0, 2.2);
    m_plot->plotLayout()->setRowStretchFactor(1, 1);
    m_plot->plotLayout()->setRowSpacing(2);
    auto *margins = new QCPMarginGroup(m_plot);
    m_valueRect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    m_errorRect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    m_valueRect->axis(QCPAxis::atBottom)->setTickLabels(false); // shared with the error plot below
    m_valueRect->axis(QCPAxis::atLeft)->setLabel(tr("f(x)"));
    m_errorRect->axis(QCPAxis::atLeft)->setLabel(tr("table − f(x)"));
    m_errorRect->axis(QCPAxis::atBottom)->setLabel(tr("input x"));
    m_errorRect->axis(QCPAxis::atLeft)->ticker()->setTickCount(3); // the error plot is short: few labels that do not collide

    auto *legend = new QCPLegend;
    // In the corner the curve leaves empty: top left for the rising functions, top right for the falling ones.
    const bool falling = kind == ql::LutKind::Rsqrt || kind == ql::LutKind::ExpNeg;
    m_valueRect->insetLayout()->addElement(legend, Qt::AlignTop | (falling ? Qt::AlignRight : Qt::AlignLeft));
    legend->setLayer(QStringLiteral("legend"));
    legend->setVisible(true);
    m_plot->legend = legend;

    QCPAxis *vx = m_valueRect->axis(QCPAxis::atBottom), *vy = m_valueRect->axis(QCPAxis::atLeft);
    QCPAxis *ex = m_errorRect->axis(QCPAxis::atBottom), *ey = m_errorRect->axis(QCPAxis::atLeft);
    m_exact = m_plot->addGraph(vx, vy);
    m_exact->setName(tr("exact f(x)"));
    m_exact->setPen(QPen(kExactColor, 2));
    m_table = m_plot->addGraph(vx, vy);
    m_table->setName(tr("table (code × out scale)"));
    m_table->setPen(QPen(kTableColor, 1.5));
    m_table->setLineStyle(QCPGraph::lsStepCenter);
    m_saturated = m_plot->addGraph(vx, vy);
    m_saturated->setName(tr("saturated entries"));
    m_saturated->setLineStyle(QCPGraph::lsNone);
    m_saturated->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, kSaturatedColor, kSaturatedColor, 5));
    m_error = m_plot->addGraph(ex, ey);
    m_error->setPen(QPen(kErrorColor, 1.2));
    m_error->setLineStyle(QCPGraph::lsStepCenter);
    m_error->removeFromLegend();
    m_errorSaturated = m_plot->addGraph(ex, ey);
    m_errorSaturated->setLineStyle(QCPGraph::lsNone);
    m_errorSaturated->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, kSaturatedColor, kSaturatedColor, 6));
    m_errorSaturated->removeFromLegend();

    m_clipNote = new QCPItemText(m_plot);
    m_clipNote->setClipAxisRect(m_errorRect);
    m_clipNote->position->setAxisRect(m_errorRect);
    m_clipNote->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_clipNote->position->setCoords(0.99, 0.04);
    m_clipNote->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
    m_clipNote->setColor(kSaturatedColor);
    m_clipNote->setPadding(QMargins(3, 1, 3, 1));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);
    layout->addWidget(title);
    layout->addLayout(scales);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_stats);

    // Each spin box updates only its own scale: the other keeps its exact value, not the 8 decimals shown.
    connect(m_inSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        m_in = v;
        recompute();
        Q_EMIT scalesEdited();
    });
    connect(m_outSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        m_out = v;
        recompute();
        Q_EMIT scalesEdited();
    });

    const ql::LutScales defaults;
    setScales(defaults.in[int(kind)], defaults.out[int(kind)]);
    applyPalette();
}

void LutCurve::setScales(double in, double out)
{
    m_in = in;
    m_out = out;
    const QSignalBlocker b1(m_inSpin), b2(m_outSpin);
    m_inSpin->setValue(in);
    m_outSpin->setValue(out);
    recompute();
}

void LutCurve::recompute()
{
    m_analysis = ql::analyzeLut(m_kind, m_in, m_out);
    const auto &a = m_analysis;
    const auto [x0, x1] = lutInputRange(m_kind, m_in);

    // The exact curve between table entries too: the steps only mean something against the smooth function.
    constexpr int kExactSamples = 1024;
    QVector<double> ex(kExactSamples), ey(kExactSamples);
    for (int i = 0; i < kExactSamples; ++i) {
        ex[i] = x0 + (x1 - x0) * i / (kExactSamples - 1);
        ey[i] = ql::lutExact(m_kind, ex[i]);
    }
    m_exact->setData(ex, ey, true);

    QVector<double> tx, ty, sx, sy, errX, errY, sErrX, sErrY;
    double maxUnsaturated = 0;
    for (std::size_t i = 0; i < a.input.size(); ++i) {
        tx << a.input[i];
        ty << a.dequant[i];
        if (a.saturated[i]) {
            sx << a.input[i];
            sy << a.dequant[i];
        } else {
            errX << a.input[i];
            errY << a.error[i];
            maxUnsaturated = std::max(maxUnsaturated, std::fabs(a.error[i]));
        }
    }
    m_table->setData(tx, ty, true);
    m_saturated->setData(sx, sy, true);

    // Value axis: the representable output range plus a margin, so that a function leaving it (softplus above
    // 3.97, rsqrt near 0) is seen leaving instead of squashing the table flat.
    const double lo = (ql::lutSigned(m_kind) ? -128.0 : 0.0) * m_out, hi = (ql::lutSigned(m_kind) ? 127.0 : 255.0) * m_out;
    double yMin = *std::min_element(ty.begin(), ty.end()), yMax = *std::max_element(ty.begin(), ty.end());
    yMin = std::min(yMin, *std::min_element(ey.begin(), ey.end()));
    yMax = std::max(yMax, *std::max_element(ey.begin(), ey.end()));
    const double span = hi - lo;
    yMin = std::max(yMin, lo - 0.15 * span);
    yMax = std::min(yMax, hi + 0.15 * span);
    const double pad = 0.06 * std::max(yMax - yMin, 1e-12);
    const double xPad = 0.01 * (x1 - x0);
    m_valueRect->axis(QCPAxis::atBottom)->setRange(x0 - xPad, x1 + xPad);
    m_valueRect->axis(QCPAxis::atLeft)->setRange(yMin - pad, yMax + pad);

    // Error axis: scaled to the rounding error (at most half an output step) so that it stays readable; saturated
    // entries' errors are far larger, drawn clipped to the edge and quoted.
    const double errRange = std::max(maxUnsaturated, 0.5 * m_out) * 1.25;
    for (std::size_t i = 0; i < a.input.size(); ++i)
        if (a.saturated[i]) {
            sErrX << a.input[i];
            sErrY << std::clamp(a.error[i], -errRange * 0.97, errRange * 0.97);
        }
    m_error->setData(errX, errY, true);
    m_errorSaturated->setData(sErrX, sErrY, true);
    m_errorRect->axis(QCPAxis::atBottom)->setRange(x0 - xPad, x1 + xPad);
    m_errorRect->axis(QCPAxis::atLeft)->setRange(-errRange, errRange);
    m_clipNote->setText(a.saturatedCount > 0 && a.maxAbsError > errRange
                            ? tr("▲ saturated entries off scale (up to %1)").arg(num(a.maxAbsError))
                            : QString());

    // Saturation edges as vertical lines, labelled with their input.
    // removeItem, not delete: the plot keeps a list of its items.
    for (QCPAbstractItem *item : m_edgeLines)
        m_plot->removeItem(item);
    for (QCPAbstractItem *item : m_edgeLabels)
        m_plot->removeItem(item);
    m_edgeLines.clear();
    m_edgeLabels.clear();
    for (const auto &edge : lutSaturationEdges(m_kind, m_in, m_out)) {
        auto *line = new QCPItemStraightLine(m_plot);
        line->setClipAxisRect(m_valueRect);
        line->point1->setAxes(m_valueRect->axis(QCPAxis::atBottom), m_valueRect->axis(QCPAxis::atLeft));
        line->point2->setAxes(m_valueRect->axis(QCPAxis::atBottom), m_valueRect->axis(QCPAxis::atLeft));
        line->point1->setCoords(edge.x, 0);
        line->point2->setCoords(edge.x, 1);
        line->setPen(QPen(kSaturatedColor, 1, Qt::DashLine));
        m_edgeLines << line;
        auto *label = new QCPItemText(m_plot);
        label->setClipAxisRect(m_valueRect);
        label->position->setAxes(m_valueRect->axis(QCPAxis::atBottom), m_valueRect->axis(QCPAxis::atLeft));
        label->position->setAxisRect(m_valueRect);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        // Inside the unsaturated side, so that it is not cut off at the plot's edge.
        label->position->setCoords(edge.x, edge.aboveSaturates ? 0.62 : 0.04);
        label->setPositionAlignment((edge.aboveSaturates ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
        label->setPadding(QMargins(4, 1, 4, 1));
        label->setColor(kSaturatedColor);
        label->setText(edge.aboveSaturates ? tr("clips to %1 for x ≳ %2 ").arg(edge.limit).arg(num(edge.x))
                                           : tr(" clips to %1 for x ≲ %2").arg(edge.limit).arg(num(edge.x)));
        m_edgeLabels << label;
    }

    m_stats->setText(statsText());
    m_plot->replot();
}

QString LutCurve::statsText() const
{
    const auto &a = m_analysis;
    QStringList lines;
    QString sat = tr("<b>saturated %1 / %2</b> entries").arg(a.saturatedCount).arg(ql::kLutSize);
    if (a.saturatedCount > 0)
        sat = QStringLiteral("<span style='color:%1'>%2</span>").arg(kSaturatedColor.name(), sat);
    const auto edges = lutSaturationEdges(m_kind, m_in, m_out);
    QStringList where;
    for (const auto &e : edges)
        where << (e.aboveSaturates ? tr("x ≳ %1 → %2").arg(num(e.x)).arg(e.limit) : tr("x ≲ %1 → %2").arg(num(e.x)).arg(e.limit));
    if (!where.isEmpty())
        sat += tr(": %1 (first entry at x = %2)").arg(where.join(tr(", ")), num(a.firstSaturatedInput));
    else if (a.saturatedCount == ql::kLutSize)
        sat += tr(": the whole input range clips");
    lines << sat;

    double maxUnsaturated = 0;
    for (std::size_t i = 0; i < a.error.size(); ++i)
        if (!a.saturated[i])
            maxUnsaturated = std::max(maxUnsaturated, std::fabs(a.error[i]));
    QString err = tr("max |error| <b>%1</b>").arg(num(a.maxAbsError));
    if (a.saturatedCount > 0)
        err += tr(" (%1 without saturated entries)").arg(num(maxUnsaturated));
    err += tr(" · mean |error| <b>%1</b> · step %2").arg(num(a.meanAbsError), num(m_out));
    lines << err;

    if (a.expectedDirection == 0)
        lines << tr("monotonicity: not checked (SiLU is not monotonic)");
    else {
        const QString dir = a.expectedDirection > 0 ? tr("increasing") : tr("decreasing");
        lines << (a.monotonicViolations == 0
                      ? tr("monotonic %1 in input-value order: <b>yes</b>").arg(dir)
                      : tr("monotonic %1 in input-value order: <b><span style='color:%2'>%3 violation(s)</span></b>")
                            .arg(dir, kSaturatedColor.name())
                            .arg(a.monotonicViolations));
    }
    return lines.join(QStringLiteral("<br>"));
}

void LutCurve::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(110);
    m_plot->setBackground(pal.brush(QPalette::Base));
    for (QCPAxisRect *rect : {m_valueRect, m_errorRect})
        ::applyPalette(rect, pal);
    m_plot->legend->setBrush(pal.brush(QPalette::Base));
    QColor note = pal.color(QPalette::Base);
    note.setAlpha(225);
    m_clipNote->setBrush(note);
    m_plot->legend->setTextColor(text);
    m_plot->legend->setBorderPen(QPen(grid));
    m_plot->replot();
}

void LutCurve::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}
