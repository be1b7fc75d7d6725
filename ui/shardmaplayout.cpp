#include "shardmaplayout.h"

#include <algorithm>
#include <bit>

namespace {

constexpr uint64_t kAlign = 4096; // ql::kShardAlign; the layout has no other reason to depend on the core

int64_t pow2Floor(int64_t n)
{
    return n < 1 ? 1 : int64_t(std::bit_floor(uint64_t(n)));
}

std::vector<ShardMapLayout::Level> makeLevels()
{
    std::vector<ShardMapLayout::Level> out;
    // Whole-file levels: one pixel column per 2^k bytes. Rows two then three pixels high put a 1.5x step between
    // powers of two, so that the whole-file view fills at least two thirds of the height instead of half.
    for (int k = 24; k >= 0; --k) {
        out.push_back({ByteCount(uint64_t(1) << k), 1, 2});
        out.push_back({ByteCount(uint64_t(1) << k), 1, 3});
    }
    // One byte per cell, growing cells; the last two are big enough for text.
    out.push_back({ByteCount(1), 2, 2});
    out.push_back({ByteCount(1), 4, 4});
    out.push_back({ByteCount(1), 8, 8});
    out.push_back({ByteCount(1), 12, 12});
    out.push_back({ByteCount(1), 22, 18}); // two hex digits
    out.push_back({ByteCount(1), 80, 52}); // hex, int8 and dequantized value on three lines
    return out;
}

} // namespace

const std::vector<ShardMapLayout::Level> &ShardMapLayout::levels()
{
    static const std::vector<Level> l = makeLevels();
    return l;
}

int ShardMapLayout::hexLevel() { return int(levels().size()) - 2; }
int ShardMapLayout::detailLevel() { return int(levels().size()) - 1; }

void ShardMapLayout::setFileSize(ByteCount size)
{
    m_fileSize = size;
    setZoom(m_zoom);
}

void ShardMapLayout::setViewportSize(int width, int height)
{
    m_viewportWidth = std::max(0, width);
    m_viewportHeight = std::max(0, height);
    setZoom(m_zoom);
}

void ShardMapLayout::setGutterWidth(int width)
{
    m_gutterWidth = std::max(0, width);
    setZoom(m_zoom);
}

int ShardMapLayout::setZoom(int level)
{
    m_zoom = std::clamp(level, minZoom(), maxZoom());
    return m_zoom;
}

int ShardMapLayout::fitZoom() const
{
    for (int l = maxZoom(); l > 0; --l)
        if (rowCountAt(l) * levels()[std::size_t(l)].rowHeight <= m_viewportHeight)
            return l;
    return 0;
}

int64_t ShardMapLayout::columnsAt(int level) const
{
    const Level &l = levels()[std::size_t(level)];
    const int64_t fit = std::max<int64_t>(1, (m_viewportWidth - m_gutterWidth) / l.cellWidth);
    // Columns per 4096 bytes. Rows that hold whole 4096-byte blocks keep every alignment mark on the same columns;
    // shorter rows must divide 4096 so that the marks fall on row starts.
    const int64_t unit = l.bytesPerCell.value >= kAlign ? 1 : int64_t(kAlign / l.bytesPerCell.value);
    return fit >= unit ? fit / unit * unit : pow2Floor(fit);
}

int64_t ShardMapLayout::rowCountAt(int level) const
{
    const uint64_t perRow = uint64_t(columnsAt(level)) * levels()[std::size_t(level)].bytesPerCell.value;
    return int64_t((m_fileSize.value + perRow - 1) / perRow);
}

ShardMapLayout::Position ShardMapLayout::position(ByteOffset offset) const
{
    Position p;
    p.row = rowOf(offset);
    p.column = int64_t((offset.value % bytesPerRow().value) / bytesPerCell().value);
    p.x = m_gutterWidth + p.column * cellWidth();
    p.y = p.row * rowHeight();
    return p;
}

double ShardMapLayout::xOf(ByteOffset offset) const
{
    const uint64_t inRow = offset.value % bytesPerRow().value;
    return m_gutterWidth + double(inRow) / double(bytesPerCell().value) * cellWidth();
}

std::optional<ByteOffset> ShardMapLayout::offsetAt(int64_t x, int64_t y) const
{
    if (x < m_gutterWidth || y < 0)
        return std::nullopt;
    const int64_t column = (x - m_gutterWidth) / cellWidth();
    if (column >= columns())
        return std::nullopt;
    const int64_t row = y / rowHeight();
    const uint64_t offset = uint64_t(row) * bytesPerRow().value + uint64_t(column) * bytesPerCell().value;
    if (offset >= m_fileSize.value)
        return std::nullopt;
    return ByteOffset(offset);
}

std::pair<int64_t, int64_t> ShardMapLayout::rowsIn(int64_t top, int64_t height) const
{
    const int64_t rh = rowHeight();
    const int64_t first = std::clamp<int64_t>(top / rh, 0, rowCount());
    const int64_t last = std::clamp<int64_t>((top + height + rh - 1) / rh, first, rowCount());
    return {first, last};
}
