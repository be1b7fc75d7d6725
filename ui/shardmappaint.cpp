#include "shardmapview.h"

#include "shardmapdraw.h"
#include "inspection/bytemap.h"
#include "inspection/summary.h"
#include "quantization/quantize.h"

#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>

#include <algorithm>
#include <cmath>

// The shard map's painting, apart from its interaction (shardmapview.cpp): one pass per layer, each only over the
// visible rows, so the cost does not grow with the file.

using namespace shardmap;

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

namespace {

/// Fills `r` in bands of at most 64 rows. The raster engine cuts a taller fill into 64-row pieces for its thread
/// pool and waits for them on the GUI thread; for a 1-pixel-wide line that is all waiting (~600 waits in one repaint
/// of the 1 GiB model's map while a re-quantize held the cores, QL_STALL_TRACE). The same pixels either way.
void fillInBands(QPainter &p, const QRect &r, const QColor &color)
{
    constexpr int kBand = 64;
    for (int y = r.top(); y <= r.bottom(); y += kBand)
        p.fillRect(QRect(r.left(), y, r.width(), std::min(kBand, r.bottom() + 1 - y)), color);
}

} // namespace

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
    forEachByte(b0, b1, [&](const ql::QuantizedTensor &, uint64_t o, int8_t, QRgb color) { pixels[o - b0] = color; });
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
        fillInBands(p, QRect(left + int(c) * cw - 1, 0, 1, bottom), base);
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
            fillInBands(p, QRect(x, 0, 1, bottom), c);
    } else {
        const int64_t rowsPerBlock = int64_t(kAlign / perRow);
        if (rowsPerBlock * rh < 8)
            return;
        for (int64_t r = (first + rowsPerBlock - 1) / rowsPerBlock * rowsPerBlock; r < last; r += rowsPerBlock)
            if (r > 0)
                p.fillRect(QRect(left, rowY(r), right - left, 1), c);
    }
}

QVector<ShardMapView::Label> ShardMapView::shardLabels() const
{
    QVector<Label> out;
    if (!m_result || m_result->totalBytes == 0)
        return out;
    const auto [first, last] = visibleRows();
    const int left = m_layout.gutterWidth(), gutter = m_layout.gutterWidth();
    const int right = left + int(m_layout.columns()) * m_layout.cellWidth();
    const int width = viewport()->width();
    const QFontMetrics fm(font());
    const bool text = m_layout.zoom() >= ShardMapLayout::hexLevel();
    const int digits = m_result->totalBytes > 0xffffffffull ? 12 : 8;
    // A label is drawn only where it overlaps none drawn before it (2 px apart at least): with 128 shards in the
    // overview, boundaries sit a row or two apart and every tag would cover its neighbours. Widths are measured, so
    // the thinning follows the font; the gutter label of a shard makes way the same way.
    auto clear = [&out](const QRect &box) {
        return std::none_of(out.begin(), out.end(), [&](const Label &l) { return l.box.adjusted(-2, -2, 2, 2).intersects(box); });
    };
    for (const auto &s : m_result->shards) {
        const ByteOffset o(s.offset);
        const int64_t row = m_layout.rowOf(o);
        if (row < first - 1 || row > last)
            continue;
        const int x = int(std::lround(m_layout.xOf(o))), y = rowY(row);
        // Where cells show their bytes the tag must not hide any: it goes right of the cells if there is room,
        // and is left out otherwise (the gutter label of the row says where the shard starts).
        QStringList tags{tr("shard %1").arg(s.index)};
        if (!text)
            tags.prepend(tr("shard %1 · %2 · %3").arg(s.index).arg(hexOffset(s.offset), QString::fromStdString(ql::humanBytes(s.size))));
        for (const QString &tag : tags) {
            QRect box = fm.boundingRect(tag).adjusted(-5, -2, 5, 2);
            if (text) {
                if (right + 6 + box.width() > width)
                    break;
                box.moveTopLeft(QPoint(right + 6, y - box.height() / 2));
            } else {
                box.moveBottomLeft(QPoint(std::max(x, left) + 4, y - 2));
                if (box.top() < 0)
                    box.moveTop(y + 3);
                if (box.right() >= width) // a boundary near the right edge: the tag ends at the edge
                    box.moveRight(width - 1);
                if (box.left() < left)
                    continue; // narrower than the tag: try the short one
            }
            if (clear(box)) {
                out.push_back({box, tag, false});
                break;
            }
        }
        if (row < first || row >= last)
            continue;
        // Rows where a shard starts: the shard's offset inverted in the gutter, so a boundary is found from there too.
        const QString label = hexOffset(s.offset, digits);
        QRect box(0, y, gutter - kGutterMarks, fm.height());
        box.setLeft(box.right() - fm.horizontalAdvance(label) - 4);
        box.adjust(0, -1, 2, 1);
        if (clear(box))
            out.push_back({box, label, true});
    }
    return out;
}

void ShardMapView::paintShardBoundaries(QPainter &p, int64_t first, int64_t last, const QVector<Label> &labels) const
{
    const QColor ink = palette().color(QPalette::Text), paper = palette().color(QPalette::Base);
    const int rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const int right = left + int(m_layout.columns()) * m_layout.cellWidth();
    for (const auto &s : m_result->shards) {
        const ByteOffset o(s.offset);
        const int64_t row = m_layout.rowOf(o);
        if (s.index == 0 || row < first - 1 || row > last)
            continue;
        const int x = int(std::lround(m_layout.xOf(o))), y = rowY(row);
        // The staircase between byte offset-1 and offset: above/left is the previous shard.
        QPainterPath path;
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
    p.setFont(font());
    for (const Label &l : labels) {
        if (l.gutter)
            continue;
        p.fillRect(l.box, ink);
        p.setPen(paper);
        p.drawText(l.box, Qt::AlignCenter, l.text);
    }
}

void ShardMapView::paintText(QPainter &p, int64_t first, int64_t last) const
{
    const int64_t columns = m_layout.columns();
    const int cw = m_layout.cellWidth(), rh = m_layout.rowHeight(), left = m_layout.gutterWidth();
    const bool detail = m_layout.zoom() >= ShardMapLayout::detailLevel();
    const uint64_t b0 = uint64_t(first) * uint64_t(columns);
    const uint64_t b1 = std::min(m_result->totalBytes, uint64_t(last) * uint64_t(columns));
    p.setFont(m_cellFont);
    const QFontMetrics fm(m_cellFont);
    const QSizeF hexSize = m_hexText[0].size();
    forEachByte(b0, b1, [&](const ql::QuantizedTensor &t, uint64_t o, int8_t q, QRgb color) {
        const int64_t local = int64_t(o - b0);
        const int x = left + int(local % columns) * cw, y = int(local / columns) * rh;
        p.setPen(isDark(color) ? Qt::white : Qt::black);
        if (!detail) {
            p.drawStaticText(QPointF(x + (cw - 1 - hexSize.width()) / 2, y + (rh - 1 - hexSize.height()) / 2),
                             m_hexText[uint8_t(q)]);
            return;
        }
        const int64_t row = int64_t(o - t.offset) / std::max<int64_t>(1, t.cols);
        const int line = (rh - 1) / 3;
        p.drawStaticText(QPointF(x + (cw - 1 - hexSize.width()) / 2, y + 1 + (line - hexSize.height()) / 2),
                         m_hexText[uint8_t(q)]);
        p.drawText(QRect(x, y + line, cw - 1, line), Qt::AlignCenter, QString::number(int(q)));
        p.drawText(QRect(x, y + 2 * line, cw - 1, line), Qt::AlignCenter,
                   fm.elidedText(formatValue(ql::dequantizeByte(t, row, q)), Qt::ElideRight, cw - 3));
    });
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

void ShardMapView::paintGutter(QPainter &p, int64_t first, int64_t last, const QVector<Label> &labels) const
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
    // Rows where a shard starts carry the shard's offset inverted (shardLabels()); the regular labels make way.
    QList<QRect> shardBoxes;
    for (const Label &l : labels) {
        if (!l.gutter)
            continue;
        p.fillRect(l.box, palette().color(QPalette::WindowText));
        p.setPen(palette().color(QPalette::Window));
        p.drawText(l.box, Qt::AlignCenter, l.text);
        shardBoxes << l.box;
    }
    p.setPen(palette().color(QPalette::WindowText));
    for (int64_t r = (first + every - 1) / every * every; r < last; r += every) {
        const QRect box(0, rowY(r), gutter - kGutterMarks, fm.height());
        if (std::any_of(shardBoxes.begin(), shardBoxes.end(), [&](const QRect &b) { return b.intersects(box); }))
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
    const QVector<Label> labels = shardLabels();
    paintShardBoundaries(p, first, last, labels);
    paintMarks(p, first, last);
    paintGutter(p, first, last, labels);
}
