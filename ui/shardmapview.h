#pragma once
#include "inspection/bytemap.h"
#include "shardmaplayout.h"

#include <QAbstractScrollArea>
#include <QColor>
#include <QRect>
#include <QStaticText>
#include <QString>
#include <QVector>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace ql {
struct QuantizeResult;
}

/// Byte-accurate picture of weights_int8.bin: tensors as coloured spans in file order, shard boundaries, 4096-byte
/// alignment marks; zooms from the whole file down to one byte per cell with hex, int8 and dequantized value.
class ShardMapView : public QAbstractScrollArea
{
    Q_OBJECT

public:
    explicit ShardMapView(QWidget *parent = nullptr);
    ~ShardMapView() override;

    void setResult(std::shared_ptr<const ql::QuantizeResult> result);
    const std::shared_ptr<const ql::QuantizeResult> &result() const { return m_result; }
    const ShardMapLayout &layout() const { return m_layout; }

    int selectedTensor() const { return m_selected; }
    /// Highlights tensor `index` (-1: none) and scrolls it into view; does not emit tensorActivated.
    void setSelectedTensor(int index);
    int zoom() const { return m_layout.zoom(); }
    /// The byte last reached with goToOffset(), highlighted until the next go-to or result.
    std::optional<ByteOffset> markedOffset() const { return m_marked; }

    /// Byte ranges [begin, end) to show as changed (a comparison's differing upload chunks): from then on every byte
    /// outside them is washed out, so the changed ones keep their colours (an empty list: nothing changed, all washed
    /// out). Kept across setResult(): the caller sets them with the result they belong to. Sorted, not overlapping.
    void setHighlightRanges(std::vector<std::pair<uint64_t, uint64_t>> ranges);
    /// Back to the plain map (no highlighting).
    void clearHighlightRanges();
    bool highlighting() const { return m_highlighting; }
    const std::vector<std::pair<uint64_t, uint64_t>> &highlightRanges() const { return m_highlights; }

    /// Same tensors at the same offsets: what a re-quantization with other strategies leaves unchanged.
    static bool sameTensorLayout(const ql::QuantizeResult &a, const ql::QuantizeResult &b);
    /// Colour of tensor `index` in file order: golden-ratio hue steps, so neighbours never look alike.
    static QColor tensorColor(int index);

    /// What the tooltip says at a viewport point; empty outside the bytes.
    QString describeAt(const QPoint &viewportPos) const;
    /// First byte of the cell under a viewport point.
    std::optional<ByteOffset> offsetAt(const QPoint &viewportPos) const;
    /// Viewport rectangle of the cell holding `offset` (it may lie outside the viewport).
    QRect cellRect(ByteOffset offset) const;
    /// The height sizeHint() asks for (500 by default). A view holding two maps asks for less: the window's scroll
    /// area lays out a page with word-wrapped labels at its children's preferred heights.
    void setPreferredHeight(int height) { m_preferredHeight = height; updateGeometry(); }
    /// Rows shown, [first, last).
    std::pair<int64_t, int64_t> visibleRows() const;

    /// A shard label as painted: a tag beside the boundary (in the map) or the shard's offset (in the gutter).
    struct Label
    {
        QRect box;
        QString text;
        bool gutter = false;
    };
    /// The shard labels painted for the visible rows, in viewport coordinates: no two overlap (a label that would
    /// overlap one before it is left out, so a map of 128 shards labels every few), tags end inside the viewport.
    QVector<Label> shardLabels() const;

public Q_SLOTS:
    /// Zooms keeping the byte at the viewport centre in place.
    void setZoom(int level);
    void zoomIn();
    void zoomOut();
    /// Shows the whole file, and keeps doing so on resize until the user zooms.
    void fitWholeFile();
    /// Scrolls so that `offset` is visible (centred) and marks it.
    void goToOffset(ByteOffset offset);

Q_SIGNALS:
    /// The user clicked a byte of tensor `index`.
    void tensorActivated(int index);
    void zoomChanged(int level);
    /// Zoom or width changed: cells, rows and bytes per row may differ.
    void layoutChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    QSize sizeHint() const override;

private:
    void updateGutter();
    void updateScrollBars();
    void zoomAround(int level, const QPoint &anchor);
    void scrollToRow(int64_t row, double fractionOfViewport);
    int64_t firstRow() const;
    int rowY(int64_t row) const;
    QList<QRectF> spanRects(uint64_t begin, uint64_t end, int64_t firstRow, int64_t lastRow) const;
    void paintSpans(QPainter &p, int64_t first, int64_t last) const;
    void paintBytes(QPainter &p, int64_t first, int64_t last) const;
    /// Calls f(tensor, offset, code, colour) for every byte in [b0, b1) whose tensor's codes are in memory, in file order.
    template <class F>
    void forEachByte(uint64_t b0, uint64_t b1, F &&f) const
    {
        const auto &ts = m_result->tensors;
        for (int i = std::max(0, ql::tensorAt(*m_result, b0)); i < int(ts.size()) && ts[std::size_t(i)].offset < b1;
             ++i) {
            const auto &t = ts[std::size_t(i)];
            const int8_t *codes = m_result->codes(t).data();
            if (!codes)
                continue;
            const auto &colors = m_byteColors[std::size_t(i)];
            for (uint64_t o = std::max(b0, t.offset), e = std::min(b1, t.offset + t.size); o < e; ++o) {
                const int8_t q = codes[o - t.offset];
                f(t, o, q, colors[uint8_t(q)]);
            }
        }
    }
    void paintGrid(QPainter &p, int64_t first, int64_t last) const;
    void paintAlignment(QPainter &p, int64_t first, int64_t last) const;
    void paintShardBoundaries(QPainter &p, int64_t first, int64_t last, const QVector<Label> &labels) const;
    void paintText(QPainter &p, int64_t first, int64_t last) const;
    void paintSelection(QPainter &p, int64_t first, int64_t last) const;
    void paintHighlights(QPainter &p, int64_t first, int64_t last) const;
    void paintMarks(QPainter &p, int64_t first, int64_t last) const;
    void paintGutter(QPainter &p, int64_t first, int64_t last, const QVector<Label> &labels) const;
    QColor byteColor(int tensor, int8_t q) const;

    std::shared_ptr<const ql::QuantizeResult> m_result;
    ShardMapLayout m_layout;
    std::vector<QColor> m_spanColors;                ///< per tensor, precomputed: painting does no colour maths
    std::vector<std::array<QRgb, 256>> m_byteColors; ///< per tensor, indexed by the byte as uint8
    std::array<QStaticText, 256> m_hexText;          ///< "00".."FF", laid out once
    QFont m_cellFont;
    int m_selected = -1;
    std::optional<ByteOffset> m_marked;
    std::vector<std::pair<uint64_t, uint64_t>> m_highlights;
    bool m_highlighting = false;
    std::optional<ByteOffset> m_hovered;
    bool m_autoFit = true;
    int m_wheelRemainder = 0;
    int m_preferredHeight = 500;
};
