#pragma once
#include <cstdint>
#include <optional>
#include <vector>

/// A position in weights_int8.bin. Kept distinct from sizes and pixels so that the three cannot be mixed up.
struct ByteOffset
{
    uint64_t value = 0;
    constexpr ByteOffset() = default;
    constexpr explicit ByteOffset(uint64_t v)
        : value(v)
    {
    }
};

/// A number of bytes (a size or a distance between two ByteOffsets).
struct ByteCount
{
    uint64_t value = 0;
    constexpr ByteCount() = default;
    constexpr explicit ByteCount(uint64_t v)
        : value(v)
    {
    }
};

// Spelled out rather than defaulted with <=>: <compare> pulls <concepts>, which Qt 6.4's moc cannot parse.
#define QL_STRONG_COMPARE(T)                                                                                      \
    constexpr bool operator==(T a, T b) { return a.value == b.value; }                                                 \
    constexpr bool operator!=(T a, T b) { return a.value != b.value; }                                                 \
    constexpr bool operator<(T a, T b) { return a.value < b.value; }                                                   \
    constexpr bool operator<=(T a, T b) { return a.value <= b.value; }                                                 \
    constexpr bool operator>(T a, T b) { return a.value > b.value; }                                                   \
    constexpr bool operator>=(T a, T b) { return a.value >= b.value; }
QL_STRONG_COMPARE(ByteOffset)
QL_STRONG_COMPARE(ByteCount)
#undef QL_STRONG_COMPARE

constexpr ByteOffset operator+(ByteOffset o, ByteCount n) { return ByteOffset(o.value + n.value); }
constexpr ByteCount operator-(ByteOffset a, ByteOffset b) { return ByteCount(a.value - b.value); }

/// Geometry of the shard-map byte view, without painting: which bytes go into which cell, row and pixel.
///
/// The file is drawn as rows of equal cells, left to right then top to bottom, after a gutter that holds the offset
/// labels. A zoom level fixes how many bytes one cell stands for and how big a cell is; the viewport width fixes the
/// number of cells per row, rounded down to a power of two so that every 4096-byte boundary falls either at the
/// start of a row or on the same columns in every row (alignment marks become straight lines).
/// Coordinates are content coordinates: y grows with the row index, x includes the gutter.
class ShardMapLayout
{
public:
    /// One zoom level: bytes per cell and the cell's size in pixels.
    struct Level
    {
        ByteCount bytesPerCell;
        int cellWidth = 1;
        int rowHeight = 1;
        bool operator==(const Level &) const = default;
    };
    /// Zoom levels from the coarsest (index 0, 2^24 bytes per pixel column) to the finest (one byte per large cell),
    /// each one showing fewer bytes per pixel of area than the one before.
    static const std::vector<Level> &levels();
    /// Finest level where cells are big enough for hex digits only, and the one with hex, int8 and dequantized value.
    static int hexLevel();
    static int detailLevel();

    struct Position
    {
        int64_t row = 0;
        int64_t column = 0;
        int64_t x = 0; ///< left edge of the cell
        int64_t y = 0; ///< top edge of the row
    };

    void setFileSize(ByteCount size);
    ByteCount fileSize() const { return m_fileSize; }
    /// Width available for gutter + cells, and the height of the visible area (used for the zoom-out limit).
    void setViewportSize(int width, int height);
    int viewportWidth() const { return m_viewportWidth; }
    int viewportHeight() const { return m_viewportHeight; }
    void setGutterWidth(int width);
    int gutterWidth() const { return m_gutterWidth; }

    /// Sets the zoom, clamped to [minZoom(), maxZoom()]; returns the level actually set.
    int setZoom(int level);
    int zoom() const { return m_zoom; }
    /// The coarsest useful level: the deepest one that still shows the whole file in the viewport height.
    int minZoom() const { return fitZoom(); }
    int maxZoom() const { return int(levels().size()) - 1; }
    /// Deepest level whose content height fits the viewport height (the coarsest level if none does).
    int fitZoom() const;
    const Level &level() const { return levels()[std::size_t(m_zoom)]; }

    ByteCount bytesPerCell() const { return level().bytesPerCell; }
    int cellWidth() const { return level().cellWidth; }
    int rowHeight() const { return level().rowHeight; }
    /// Cells per row: a power of two, at least 1.
    int64_t columns() const { return columnsAt(m_zoom); }
    ByteCount bytesPerRow() const { return ByteCount(uint64_t(columns()) * bytesPerCell().value); }
    int64_t rowCount() const { return rowCountAt(m_zoom); }
    int64_t contentHeight() const { return rowCount() * rowHeight(); }
    int64_t contentWidth() const { return m_gutterWidth + columns() * cellWidth(); }

    ByteOffset rowStart(int64_t row) const { return ByteOffset(uint64_t(row) * bytesPerRow().value); }
    int64_t rowOf(ByteOffset offset) const { return int64_t(offset.value / bytesPerRow().value); }
    /// First byte of the cell holding `offset`.
    ByteOffset cellStart(ByteOffset offset) const
    {
        return ByteOffset(offset.value - offset.value % bytesPerCell().value);
    }
    /// Where the cell holding `offset` is drawn (offsets past the end are placed as if the file went on).
    Position position(ByteOffset offset) const;
    /// x of the boundary just before `offset` inside its row, at byte precision (cells that hold several bytes are
    /// split proportionally, which is how spans smaller than a cell keep their place).
    double xOf(ByteOffset offset) const;
    /// First byte of the cell under content point (x, y); nullopt in the gutter, right of the last column, above the
    /// first row or past the end of the file.
    std::optional<ByteOffset> offsetAt(int64_t x, int64_t y) const;
    /// Rows intersecting content y range [top, top + height).
    std::pair<int64_t, int64_t> rowsIn(int64_t top, int64_t height) const;

private:
    int64_t columnsAt(int level) const;
    int64_t rowCountAt(int level) const;

    ByteCount m_fileSize;
    int m_viewportWidth = 800;
    int m_viewportHeight = 600;
    int m_gutterWidth = 0;
    int m_zoom = 0;
};
