#include "shardmapview.h"

#include "shardmapdraw.h"

#include "inspection/bytemap.h"
#include "quantization/quantize.h"
#include "inspection/summary.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

using namespace shardmap;

ShardMapView::ShardMapView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the layout always fits the width
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);    // a constant width keeps the column count stable
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    for (int i = 0; i < 256; ++i) {
        m_hexText[std::size_t(i)] = QStaticText(QStringLiteral("%1").arg(i, 2, 16, QLatin1Char('0')).toUpper());
        m_hexText[std::size_t(i)].setPerformanceHint(QStaticText::AggressiveCaching);
    }
    updateGutter();
}

ShardMapView::~ShardMapView() = default;

bool ShardMapView::sameTensorLayout(const ql::QuantizeResult &a, const ql::QuantizeResult &b)
{
    if (a.totalBytes != b.totalBytes || a.tensors.size() != b.tensors.size() || a.shards.size() != b.shards.size())
        return false;
    for (std::size_t i = 0; i < a.tensors.size(); ++i)
        if (a.tensors[i].name != b.tensors[i].name || a.tensors[i].offset != b.tensors[i].offset ||
            a.tensors[i].size != b.tensors[i].size)
            return false;
    return true;
}

QColor ShardMapView::tensorColor(int index)
{
    // Golden-ratio hue steps keep neighbours far apart on the colour wheel; alternating saturation and lightness
    // separates the few pairs that still come close. Mid lightness reads on light and dark palettes alike.
    const double hue = std::fmod(0.08 + index * 0.6180339887, 1.0);
    const bool odd = index % 2;
    return QColor::fromHslF(float(hue), odd ? 0.50f : 0.66f, odd ? 0.52f : 0.60f);
}

void ShardMapView::setResult(std::shared_ptr<const ql::QuantizeResult> result)
{
    // A re-quantization (other strategies, same tensors) keeps every offset: the user keeps the place, zoom,
    // selection and mark. Anything else starts over from the whole file.
    const bool sameLayout = m_result && result && sameTensorLayout(*m_result, *result);
    m_result = std::move(result);
    if (!sameLayout) {
        m_selected = -1;
        m_marked.reset();
    }
    m_hovered.reset();
    m_spanColors.clear();
    m_byteColors.clear();
    if (m_result) {
        const std::size_t n = m_result->tensors.size();
        m_spanColors.reserve(n);
        m_byteColors.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const QColor base = tensorColor(int(i));
            m_spanColors.push_back(base);
            // Per-byte shade: the larger |q|, the darker and more saturated; sqrt because most weights sit near 0.
            for (int b = 0; b < 256; ++b) {
                const double t = std::sqrt(std::abs(double(int8_t(uint8_t(b)))) / 128.0);
                const QColor c = QColor::fromHslF(base.hslHueF(), float(0.35 + 0.45 * t), float(0.90 - 0.55 * t));
                m_byteColors[i][std::size_t(b)] = c.rgb();
            }
        }
    }
    if (sameLayout) {
        viewport()->update();
        return;
    }
    m_layout.setFileSize(ByteCount(m_result ? m_result->totalBytes : 0));
    updateGutter(); // files over 4 GiB need longer offsets
    m_autoFit = true;
    m_layout.setZoom(m_layout.fitZoom());
    updateScrollBars();
    verticalScrollBar()->setValue(0);
    Q_EMIT zoomChanged(m_layout.zoom());
    Q_EMIT layoutChanged();
    viewport()->update();
}

void ShardMapView::setSelectedTensor(int index)
{
    if (!m_result || index < 0 || index >= int(m_result->tensors.size()))
        index = -1;
    m_selected = index;
    if (index >= 0) {
        const auto &t = m_result->tensors[std::size_t(index)];
        const int64_t startRow = m_layout.rowOf(ByteOffset(t.offset));
        const auto [first, last] = visibleRows();
        const int64_t fullRows = std::max<int64_t>(1, viewport()->height() / m_layout.rowHeight());
        if (startRow < first || startRow >= first + fullRows)
            scrollToRow(startRow, 0.25);
    }
    viewport()->update();
}

void ShardMapView::setZoom(int level)
{
    m_autoFit = false;
    zoomAround(level, viewport()->rect().center());
}

void ShardMapView::zoomIn() { setZoom(m_layout.zoom() + 1); }
void ShardMapView::zoomOut() { setZoom(m_layout.zoom() - 1); }

void ShardMapView::fitWholeFile()
{
    zoomAround(m_layout.fitZoom(), QPoint(0, 0));
    verticalScrollBar()->setValue(0);
    m_autoFit = true;
}

void ShardMapView::goToOffset(ByteOffset offset)
{
    if (!m_result || offset.value >= m_result->totalBytes)
        return;
    m_marked = offset;
    scrollToRow(m_layout.rowOf(offset), 0.5);
    viewport()->update();
}

void ShardMapView::zoomAround(int level, const QPoint &anchor)
{
    // The byte under the anchor stays under it: same row position in the viewport after the zoom.
    const int rh = m_layout.rowHeight();
    const int64_t anchorRow = firstRow() + std::max(0, anchor.y()) / rh;
    const int64_t column = std::clamp<int64_t>((anchor.x() - m_layout.gutterWidth()) / m_layout.cellWidth(), 0,
                                               m_layout.columns() - 1);
    uint64_t anchorOffset = uint64_t(anchorRow) * m_layout.bytesPerRow().value + uint64_t(column) * m_layout.bytesPerCell().value;
    if (m_layout.fileSize().value > 0)
        anchorOffset = std::min(anchorOffset, m_layout.fileSize().value - 1);

    const int before = m_layout.zoom();
    m_layout.setZoom(level);
    updateScrollBars();
    const int64_t newRow = m_layout.rowOf(ByteOffset(anchorOffset));
    const int64_t first = newRow - anchor.y() / m_layout.rowHeight();
    verticalScrollBar()->setValue(int(std::clamp<int64_t>(first, 0, verticalScrollBar()->maximum())));
    viewport()->update();
    if (m_layout.zoom() != before) {
        Q_EMIT zoomChanged(m_layout.zoom());
        Q_EMIT layoutChanged();
    }
}

void ShardMapView::scrollToRow(int64_t row, double fractionOfViewport)
{
    const int64_t rowsShown = std::max<int64_t>(1, viewport()->height() / m_layout.rowHeight());
    const int64_t first = row - int64_t(double(rowsShown) * fractionOfViewport);
    verticalScrollBar()->setValue(int(std::clamp<int64_t>(first, 0, verticalScrollBar()->maximum())));
}

int64_t ShardMapView::firstRow() const { return verticalScrollBar()->value(); }

int ShardMapView::rowY(int64_t row) const { return int((row - firstRow()) * m_layout.rowHeight()); }

std::pair<int64_t, int64_t> ShardMapView::visibleRows() const
{
    const int64_t first = firstRow();
    const int64_t rows = (viewport()->height() + m_layout.rowHeight() - 1) / m_layout.rowHeight();
    return {first, std::min(m_layout.rowCount(), first + rows)};
}

std::optional<ByteOffset> ShardMapView::offsetAt(const QPoint &pos) const
{
    if (!m_result || pos.y() < 0)
        return std::nullopt;
    return m_layout.offsetAt(pos.x(), firstRow() * m_layout.rowHeight() + pos.y());
}

QRect ShardMapView::cellRect(ByteOffset offset) const
{
    const auto p = m_layout.position(offset);
    return QRect(int(p.x), rowY(p.row), m_layout.cellWidth(), m_layout.rowHeight());
}

QString ShardMapView::describeAt(const QPoint &pos) const
{
    const auto cell = offsetAt(pos);
    if (!cell)
        return {};
    const auto info = ql::describeByte(*m_result, cell->value);
    if (!info)
        return {};
    const auto &t = m_result->tensors[std::size_t(info->location.tensor)];
    QStringList lines;
    lines << QString::fromStdString(t.name);
    lines << tr("row %1, column %2 of %3 × %4")
                 .arg(info->location.row)
                 .arg(info->location.col)
                 .arg(t.rows)
                 .arg(t.cols);
    lines << tr("offset %1 (%2) · shard %3").arg(hexOffset(info->offset), grouped(info->offset)).arg(info->shard);
    if (info->value)
        lines << tr("byte 0x%1 = %2 → %3 (row scale %4)")
                     .arg(uint8_t(*info->value), 2, 16, QLatin1Char('0'))
                     .arg(int(*info->value))
                     .arg(formatValue(*info->dequantized))
                     .arg(formatValue(t.rowScale(info->location.row)));
    const uint64_t perCell = m_layout.bytesPerCell().value;
    if (perCell > 1) {
        const uint64_t end = std::min(cell->value + perCell, m_result->totalBytes);
        lines << tr("this cell: bytes %1–%2 (%3 bytes)").arg(hexOffset(cell->value), hexOffset(end - 1)).arg(grouped(end - cell->value));
    }
    return lines.join(QLatin1Char('\n'));
}

void ShardMapView::updateGutter()
{
    m_cellFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_cellFont.setPixelSize(11);
    const QFontMetrics fm(font());
    const int digits = m_result && m_result->totalBytes > 0xffffffffull ? 12 : 8;
    m_layout.setGutterWidth(6 + fm.horizontalAdvance(hexOffset(0, digits)) + kGutterMarks);
    for (auto &s : m_hexText)
        s.prepare(QTransform(), m_cellFont);
}

void ShardMapView::updateScrollBars()
{
    const int rh = m_layout.rowHeight();
    const int64_t rowsShown = std::max<int64_t>(1, viewport()->height() / rh);
    const int64_t maxFirst = std::max<int64_t>(0, m_layout.rowCount() - rowsShown);
    QScrollBar *bar = verticalScrollBar();
    bar->setRange(0, int(std::min<int64_t>(maxFirst, std::numeric_limits<int>::max())));
    bar->setPageStep(int(std::min<int64_t>(rowsShown, std::numeric_limits<int>::max())));
    bar->setSingleStep(std::max(1, 20 / rh));
}

void ShardMapView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    const int64_t keep = firstRow() * int64_t(m_layout.bytesPerRow().value);
    const int before = m_layout.zoom();
    m_layout.setViewportSize(viewport()->width(), viewport()->height());
    if (m_autoFit)
        m_layout.setZoom(m_layout.fitZoom());
    updateScrollBars();
    verticalScrollBar()->setValue(int(m_layout.rowOf(ByteOffset(uint64_t(keep)))));
    if (m_layout.zoom() != before)
        Q_EMIT zoomChanged(m_layout.zoom());
    Q_EMIT layoutChanged(); // bytes per row follow the width even at the same zoom
}

void ShardMapView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        updateGutter();
        updateScrollBars();
        viewport()->update();
    }
}

void ShardMapView::scrollContentsBy(int, int) { viewport()->update(); }

QSize ShardMapView::sizeHint() const { return QSize(900, m_preferredHeight); }

void ShardMapView::wheelEvent(QWheelEvent *event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QAbstractScrollArea::wheelEvent(event);
        return;
    }
    // Touchpads send small deltas: accumulate to whole notches of 120.
    m_wheelRemainder += event->angleDelta().y();
    const int steps = m_wheelRemainder / 120;
    m_wheelRemainder -= steps * 120;
    if (steps != 0) {
        m_autoFit = false;
        zoomAround(m_layout.zoom() + steps, event->position().toPoint());
    }
    event->accept();
}

void ShardMapView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::ZoomIn))
        zoomIn();
    else if (event->matches(QKeySequence::ZoomOut))
        zoomOut();
    else if (event->matches(QKeySequence::MoveToStartOfDocument))
        verticalScrollBar()->setValue(0);
    else if (event->matches(QKeySequence::MoveToEndOfDocument))
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    else
        QAbstractScrollArea::keyPressEvent(event);
}

void ShardMapView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_result) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    const auto cell = offsetAt(event->position().toPoint());
    if (!cell)
        return;
    const int index = ql::tensorAt(*m_result, cell->value);
    if (index < 0)
        return;
    m_selected = index;
    viewport()->update();
    Q_EMIT tensorActivated(index);
}

void ShardMapView::mouseMoveEvent(QMouseEvent *event)
{
    const auto cell = offsetAt(event->position().toPoint());
    if (cell != m_hovered) {
        // Only the two cells change: repaint them, not the view.
        if (m_hovered)
            viewport()->update(cellRect(*m_hovered).adjusted(-2, -2, 2, 2));
        m_hovered = cell;
        if (m_hovered)
            viewport()->update(cellRect(*m_hovered).adjusted(-2, -2, 2, 2));
    }
    QAbstractScrollArea::mouseMoveEvent(event);
}

void ShardMapView::leaveEvent(QEvent *event)
{
    if (m_hovered)
        viewport()->update(cellRect(*m_hovered).adjusted(-2, -2, 2, 2));
    m_hovered.reset();
    QAbstractScrollArea::leaveEvent(event);
}

bool ShardMapView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = describeAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            const auto cell = offsetAt(help->pos());
            QToolTip::showText(help->globalPos(), text, viewport(), cellRect(*cell));
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void ShardMapView::setHighlightRanges(std::vector<std::pair<uint64_t, uint64_t>> ranges)
{
    m_highlights = std::move(ranges);
    m_highlighting = true;
    viewport()->update();
}

void ShardMapView::clearHighlightRanges()
{
    m_highlights.clear();
    m_highlighting = false;
    viewport()->update();
}
