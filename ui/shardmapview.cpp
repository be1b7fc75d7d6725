#include "shardmapview.h"

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

namespace {

constexpr uint64_t kAlign = 4096;
constexpr int kGutterMarks = 18; ///< right part of the gutter: go-to arrow and selection bar

QString hexOffset(uint64_t v, int digits = 8)
{
    return QStringLiteral("0x%1").arg(v, digits, 16, QLatin1Char('0'));
}

QString grouped(uint64_t v)
{
    return QString::fromStdString(ql::groupDigits(v));
}

/// Perceived lightness, to pick black or white text on a cell.
bool isDark(QRgb c)
{
    return 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c) < 140;
}

QString formatValue(double v)
{
    return QString::number(v, 'g', 4);
}

} // namespace

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

QSize ShardMapView::sizeHint() const { return QSize(900, 500); }

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

// ---- painting ---------------------------------------------------------------------------------------------------

QList<QRectF> ShardMapView::spanRects(uint64_t begin, uint64_t end, int64_t first, int64_t last) const
{
    const uint64_t perRow = m_layout.bytesPerRow().value;
    begin = std::max(begin, uint64_t(first) * perRow);
    end = std::min(end, uint64_t(last) * perRow);
    if (begin >= end)
        return {};
    const int64_t rb = int64_t(begin / perRow), re = int64_t((end - 1) / perRow);
    const double left = m_layout.gutterWidth();
    const double right = left + double(m_layout.columns() * m_layout.cellWidth());
    const double xb = m_layout.xOf(ByteOffset(begin));
    const double xe = end % perRow == 0 ? right : m_layout.xOf(ByteOffset(end));
    const double rh = m_layout.rowHeight();
    auto y = [&](int64_t r) { return double(r - firstRow()) * rh; };
    if (rb == re)
        return {QRectF(QPointF(xb, y(rb)), QPointF(std::max(xe, xb + 1), y(rb) + rh))};
    QList<QRectF> out;
    out << QRectF(QPointF(xb, y(rb)), QPointF(right, y(rb) + rh));
    if (re > rb + 1)
        out << QRectF(QPointF(left, y(rb + 1)), QPointF(right, y(re)));
    out << QRectF(QPointF(left, y(re)), QPointF(std::max(xe, left + 1), y(re) + rh));
    return out;
}

void ShardMapView::paintSpans(QPainter &p, int64_t first, int64_t last) const
{
    const uint64_t perRow = m_layout.bytesPerRow().value;
    const uint64_t b0 = uint64_t(first) * perRow, b1 = std::min(m_result->totalBytes, uint64_t(last) * perRow);
    const auto &ts = m_result->tensors;
    // Only the tensors that reach the visible rows: the cost is independent of the file size.
    for (int i = std::max(0, ql::tensorAt(*m_result, b0)); i < int(ts.size()) && ts[std::size_t(i)].offset < b1; ++i) {
        const auto &t = ts[std::size_t(i)];
        if (t.size == 0)
            continue;
        for (const QRectF &r : spanRects(t.offset, t.offset + t.size, first, last))
            p.fillRect(r, m_spanColors[std::size_t(i)]);
    }
}

void ShardMapView::paintBytes(QPainter &p, int64_t first, int64_t last) const
{
    // One pixel per byte in an image, scaled up once: far cheaper than one rectangle per byte.
    const int64_t columns = m_layout.columns();
    const uint64_t b0 = uint64_t(first) * uint64_t(columns);
    const uint64_t b1 = std::min(m_result->totalBytes, uint64_t(last) * uint64_t(columns));
    QImage image(int(columns), int(last - first), QImage::Format_RGB32);
    image.fill(palette().color(QPalette::Base));
    auto *pixels = reinterpret_cast<QRgb *>(image.bits());
    const auto &ts = m_result->tensors;
    for (int i = std::max(0, ql::tensorAt(*m_result, b0)); i < int(ts.size()) && ts[std::size_t(i)].offset < b1; ++i) {
        const auto &t = ts[std::size_t(i)];
        const auto &colors = m_byteColors[std::size_t(i)];
        const uint64_t s = std::max(b0, t.offset), e = std::min(b1, t.offset + t.size);
        const int8_t *codes = m_result->codes(t).data();
        for (uint64_t o = s; o < e; ++o)
            pixels[o - b0] = colors[uint8_t(codes[o - t.offset])];
    }
    p.drawImage(QRect(m_layout.gutterWidth(), 0, int(columns) * m_layout.cellWidth(), int(last - first) * m_layout.rowHeight()),
                image);
}

void ShardMapView::paintGrid(QPainter &p, int64_t first, int64_t last) const
{
    // Hairline gaps in the background colour turn the byte tiles into separate cells.
    const int cw = m_layout.cellWidth(), rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const int right = left + int(m_layout.columns()) * cw, bottom = int(last - first) * rh;
    // Hairlines as 1-pixel rectangles: fillRect stays on the raster engine's fast path, a pen of width 1 does not.
    const QColor base = palette().color(QPalette::Base);
    for (int64_t c = 1; c <= m_layout.columns(); ++c)
        p.fillRect(QRect(left + int(c) * cw - 1, 0, 1, bottom), base);
    for (int64_t r = 1; r <= last - first; ++r)
        p.fillRect(QRect(left, int(r) * rh - 1, right - left, 1), base);
}

void ShardMapView::paintAlignment(QPainter &p, int64_t first, int64_t last) const
{
    const uint64_t perRow = m_layout.bytesPerRow().value, perCell = m_layout.bytesPerCell().value;
    const int cw = m_layout.cellWidth(), rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const int right = left + int(m_layout.columns()) * cw;
    // Translucent 1-pixel rectangles: lines drawn with a pen (dashed or not) take the stroker's slow path, and there
    // can be a hundred marks on screen.
    QColor c = palette().color(QPalette::Text);
    c.setAlpha(80);
    if (perRow >= kAlign) {
        // Rows hold whole 4096-byte blocks: the marks are the same columns in every row.
        if (perCell > kAlign)
            return;
        const int spacing = int(kAlign / perCell) * cw;
        if (spacing < 8)
            return; // denser than this the marks would only grey the picture out
        const int bottom = int(last - first) * rh;
        for (int x = left + spacing; x < right; x += spacing)
            p.fillRect(QRect(x, 0, 1, bottom), c);
    } else {
        const int64_t rowsPerBlock = int64_t(kAlign / perRow);
        if (rowsPerBlock * rh < 8)
            return;
        for (int64_t r = (first + rowsPerBlock - 1) / rowsPerBlock * rowsPerBlock; r < last; r += rowsPerBlock)
            if (r > 0)
                p.fillRect(QRect(left, rowY(r), right - left, 1), c);
    }
}

void ShardMapView::paintShardBoundaries(QPainter &p, int64_t first, int64_t last) const
{
    const QColor ink = palette().color(QPalette::Text), paper = palette().color(QPalette::Base);
    const int rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const int right = left + int(m_layout.columns()) * m_layout.cellWidth();
    const QFontMetrics fm(font());
    p.setFont(font());
    const bool text = m_layout.zoom() >= ShardMapLayout::hexLevel();
    for (const auto &s : m_result->shards) {
        const ByteOffset o(s.offset);
        const int64_t row = m_layout.rowOf(o);
        if (row < first - 1 || row > last)
            continue;
        const int x = int(std::lround(m_layout.xOf(o))), y = rowY(row);
        QPainterPath path;
        if (s.index > 0) {
            // The staircase between byte offset-1 and offset: above/left is the previous shard.
            if (x <= left) {
                path.moveTo(left, y);
                path.lineTo(right, y);
            } else {
                path.moveTo(left, y + rh);
                path.lineTo(x, y + rh);
                path.lineTo(x, y);
                path.lineTo(right, y);
            }
            // Drawn twice, wide in the background colour then narrow in the text colour: visible on any tensor colour.
            p.strokePath(path, QPen(paper, 5, Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin));
            p.strokePath(path, QPen(ink, 2.5, Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin));
        }
        // Where cells show their bytes the tag must not hide any: it goes right of the cells if there is room,
        // and is left out otherwise (the gutter label of the row says where the shard starts).
        const QString tag = text ? tr("shard %1").arg(s.index)
                                 : tr("shard %1 · %2 · %3").arg(s.index).arg(hexOffset(s.offset), QString::fromStdString(ql::humanBytes(s.size)));
        QRect box = fm.boundingRect(tag).adjusted(-5, -2, 5, 2);
        if (text) {
            if (right + 6 + box.width() > viewport()->width())
                continue;
            box.moveTopLeft(QPoint(right + 6, y - box.height() / 2));
        } else {
            box.moveBottomLeft(QPoint(std::max(x, left) + 4, y - 2));
            if (box.top() < 0)
                box.moveTop(y + 3);
        }
        p.fillRect(box, ink);
        p.setPen(paper);
        p.drawText(box, Qt::AlignCenter, tag);
    }
}

void ShardMapView::paintText(QPainter &p, int64_t first, int64_t last) const
{
    const int64_t columns = m_layout.columns();
    const int cw = m_layout.cellWidth(), rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const bool detail = m_layout.zoom() >= ShardMapLayout::detailLevel();
    const uint64_t b0 = uint64_t(first) * uint64_t(columns);
    const uint64_t b1 = std::min(m_result->totalBytes, uint64_t(last) * uint64_t(columns));
    const auto &ts = m_result->tensors;
    p.setFont(m_cellFont);
    const QFontMetrics fm(m_cellFont);
    const QSizeF hexSize = m_hexText[0].size();
    for (int i = std::max(0, ql::tensorAt(*m_result, b0)); i < int(ts.size()) && ts[std::size_t(i)].offset < b1; ++i) {
        const auto &t = ts[std::size_t(i)];
        const auto &colors = m_byteColors[std::size_t(i)];
        const uint64_t s = std::max(b0, t.offset), e = std::min(b1, t.offset + t.size);
        for (uint64_t o = s; o < e; ++o) {
            const int8_t q = m_result->bytes[o];
            const int64_t local = int64_t(o - b0);
            const int x = left + int(local % columns) * cw, y = int(local / columns) * rh;
            p.setPen(isDark(colors[uint8_t(q)]) ? Qt::white : Qt::black);
            if (!detail) {
                p.drawStaticText(QPointF(x + (cw - 1 - hexSize.width()) / 2, y + (rh - 1 - hexSize.height()) / 2),
                                 m_hexText[uint8_t(q)]);
                continue;
            }
            const int64_t row = int64_t(o - t.offset) / std::max<int64_t>(1, t.cols);
            const int line = (rh - 1) / 3;
            p.drawStaticText(QPointF(x + (cw - 1 - hexSize.width()) / 2, y + 1 + (line - hexSize.height()) / 2),
                             m_hexText[uint8_t(q)]);
            p.drawText(QRect(x, y + line, cw - 1, line), Qt::AlignCenter, QString::number(int(q)));
            p.drawText(QRect(x, y + 2 * line, cw - 1, line), Qt::AlignCenter,
                       fm.elidedText(formatValue(ql::dequantizeByte(t, row, q)), Qt::ElideRight, cw - 3));
        }
    }
}

void ShardMapView::paintSelection(QPainter &p, int64_t first, int64_t last) const
{
    if (m_selected < 0)
        return;
    const auto &t = m_result->tensors[std::size_t(m_selected)];
    // One row beyond each edge, so that the outline's cut ends fall outside the viewport.
    const auto rects = spanRects(t.offset, t.offset + t.size, std::max<int64_t>(0, first - 1), last + 1);
    if (rects.isEmpty())
        return;
    // Drawn around the span, not on it: at whole-file zoom a small tensor is a few pixels that an outline on its
    // edge would cover.
    QPainterPath path;
    for (const QRectF &r : rects)
        path.addRect(r.adjusted(-3, -3, 3, 3));
    path = path.simplified();
    p.strokePath(path, QPen(palette().color(QPalette::Base), 4));
    p.strokePath(path, QPen(palette().color(QPalette::Highlight), 2));
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

void ShardMapView::paintHighlights(QPainter &p, int64_t first, int64_t last) const
{
    if (!m_highlighting)
        return;
    const uint64_t perRow = m_layout.bytesPerRow().value;
    const uint64_t b0 = uint64_t(first) * perRow, b1 = std::min(m_result->totalBytes, uint64_t(last) * perRow);
    // Washing out what did not change (rather than tinting what did) keeps the changed bytes in their tensor's
    // colour, and a 1,000-byte chunk narrower than a pixel at whole-file zoom still shows as a gap in the wash.
    QColor wash = palette().color(QPalette::Base);
    wash.setAlpha(190);
    auto it = std::lower_bound(m_highlights.begin(), m_highlights.end(), b0,
                               [](const auto &r, uint64_t v) { return r.second <= v; });
    uint64_t at = b0;
    for (; at < b1; ++it) {
        const uint64_t next = it != m_highlights.end() ? std::min(std::max(it->first, at), b1) : b1;
        for (const QRectF &r : spanRects(at, next, first, last))
            p.fillRect(r, wash);
        if (it == m_highlights.end())
            break;
        at = std::max(at, it->second);
    }
}

void ShardMapView::paintMarks(QPainter &p, int64_t first, int64_t last) const
{
    p.setRenderHint(QPainter::Antialiasing, true);
    if (m_marked) {
        const int64_t row = m_layout.rowOf(*m_marked);
        if (row >= first && row < last) {
            const QRect cell = cellRect(m_layout.cellStart(*m_marked));
            const QColor hl = palette().color(QPalette::Highlight);
            if (cell.width() >= 8) {
                p.setPen(QPen(palette().color(QPalette::Base), 5));
                p.drawRect(cell.adjusted(-2, -2, 1, 1));
                p.setPen(QPen(hl, 3));
                p.drawRect(cell.adjusted(-2, -2, 1, 1));
            } else {
                // A byte smaller than a pixel still needs to be found: a ring around it.
                const QPointF c = QRectF(cell).center();
                p.setPen(QPen(palette().color(QPalette::Base), 5));
                p.drawEllipse(c, 9, 9);
                p.setPen(QPen(hl, 3));
                p.drawEllipse(c, 9, 9);
            }
        }
    }
    if (m_hovered && m_layout.cellWidth() >= 8) {
        p.setPen(QPen(palette().color(QPalette::Text), 1));
        p.drawRect(QRectF(cellRect(*m_hovered)).adjusted(0.5, 0.5, -1.5, -1.5));
    }
    p.setRenderHint(QPainter::Antialiasing, false);
}

void ShardMapView::paintGutter(QPainter &p, int64_t first, int64_t last) const
{
    const int gutter = m_layout.gutterWidth(), rh = m_layout.rowHeight();
    p.fillRect(QRect(0, 0, gutter, viewport()->height()), palette().color(QPalette::Window));
    const QFontMetrics fm(font());
    // Label every 2^k-th row, often enough to read, sparse enough not to overlap.
    int64_t every = 1;
    while (every * rh < fm.height() + 2)
        every *= 2;
    const int digits = m_result->totalBytes > 0xffffffffull ? 12 : 8;
    p.setFont(font());
    // Rows where a shard starts: the shard's offset inverted, always shown, so a boundary is found from the gutter
    // too; the regular labels make way for them.
    QList<QRect> shardLabels;
    for (const auto &s : m_result->shards) {
        const int64_t r = m_layout.rowOf(ByteOffset(s.offset));
        if (r < first || r >= last)
            continue;
        const QString label = hexOffset(s.offset, digits);
        QRect box(0, rowY(r), gutter - kGutterMarks, fm.height());
        box.setLeft(box.right() - fm.horizontalAdvance(label) - 4);
        box.adjust(0, -1, 2, 1);
        p.fillRect(box, palette().color(QPalette::WindowText));
        p.setPen(palette().color(QPalette::Window));
        p.drawText(box, Qt::AlignCenter, label);
        shardLabels << box;
    }
    p.setPen(palette().color(QPalette::WindowText));
    for (int64_t r = (first + every - 1) / every * every; r < last; r += every) {
        const QRect box(0, rowY(r), gutter - kGutterMarks, fm.height());
        if (std::any_of(shardLabels.begin(), shardLabels.end(), [&](const QRect &b) { return b.intersects(box); }))
            continue;
        p.drawText(box, Qt::AlignRight | Qt::AlignTop, hexOffset(uint64_t(r) * m_layout.bytesPerRow().value, digits));
    }
    // A bar beside the rows of the selected tensor: small tensors are easy to lose in the overview.
    if (m_selected >= 0) {
        const auto &t = m_result->tensors[std::size_t(m_selected)];
        const int64_t r0 = m_layout.rowOf(ByteOffset(t.offset));
        const int64_t r1 = m_layout.rowOf(ByteOffset(t.offset + std::max<uint64_t>(t.size, 1) - 1)) + 1;
        const int y0 = rowY(std::max(r0, first - 1)), y1 = rowY(std::min(r1, last + 1));
        p.fillRect(QRect(gutter - 5, y0, 4, std::max(3, y1 - y0)), palette().color(QPalette::Highlight));
    }
    if (m_marked) {
        const int64_t r = m_layout.rowOf(*m_marked);
        if (r >= first && r < last) {
            const int y = rowY(r) + rh / 2;
            QPolygon arrow;
            arrow << QPoint(gutter - 6, y) << QPoint(gutter - 14, y - 5) << QPoint(gutter - 14, y + 5);
            p.setBrush(palette().color(QPalette::Highlight));
            p.setPen(Qt::NoPen);
            p.drawPolygon(arrow);
            p.setBrush(Qt::NoBrush);
        }
    }
}

void ShardMapView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    p.fillRect(viewport()->rect(), palette().color(QPalette::Base));
    if (!m_result || m_result->totalBytes == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(viewport()->rect(), Qt::AlignCenter, tr("No weights to show: quantize a checkpoint first."));
        return;
    }
    const auto [first, last] = visibleRows();
    const bool haveBytes = m_result->bytes.size() >= m_result->totalBytes;
    const bool perByte = m_layout.bytesPerCell().value == 1 && haveBytes;
    if (perByte)
        paintBytes(p, first, last);
    else
        paintSpans(p, first, last);
    if (m_layout.cellWidth() >= 8)
        paintGrid(p, first, last);
    if (perByte && m_layout.zoom() >= ShardMapLayout::hexLevel())
        paintText(p, first, last);
    paintAlignment(p, first, last);
    paintHighlights(p, first, last);
    paintSelection(p, first, last);
    paintShardBoundaries(p, first, last);
    paintMarks(p, first, last);
    paintGutter(p, first, last);
}
