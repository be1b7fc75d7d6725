// Geometry of the shard-map byte view: offset <-> position at every zoom level, edges, zoom limits.
#include "shardmaplayout.h"

#include <QTest>

namespace {

constexpr uint64_t kWorldModel = 4347748; // SPEC §5 seed world model: 2 shards, boundary at 2,174,976
constexpr uint64_t kBoundary = 2174976;

ShardMapLayout makeLayout(uint64_t size, int width = 1400, int height = 800, int gutter = 90)
{
    ShardMapLayout l;
    l.setViewportSize(width, height);
    l.setGutterWidth(gutter);
    l.setFileSize(ByteCount(size));
    return l;
}

/// Offsets worth checking at a zoom: both ends, row and cell edges, 4096 boundaries, the shard boundary.
std::vector<uint64_t> probes(const ShardMapLayout &l)
{
    const uint64_t size = l.fileSize().value, perRow = l.bytesPerRow().value, perCell = l.bytesPerCell().value;
    std::vector<uint64_t> out = {0, 1, size - 1, size - 2, perCell - 1, perCell, perRow - 1, perRow, perRow + 1,
                                 4095, 4096, 4097, kBoundary - 1, kBoundary, kBoundary + 1, size / 2, size / 3};
    for (uint64_t o = 7; o < size; o = o * 3 + 11)
        out.push_back(o);
    std::erase_if(out, [&](uint64_t o) { return o >= size; });
    return out;
}

} // namespace

class TestShardMapLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void levelsGoFromCoarseToFine()
    {
        const auto &levels = ShardMapLayout::levels();
        QVERIFY(levels.size() > 8);
        for (std::size_t i = 1; i < levels.size(); ++i) {
            const auto &a = levels[i - 1], &b = levels[i];
            // Each step shows fewer bytes per pixel of area, by at most a factor of two.
            const double da = double(a.bytesPerCell.value) / (a.cellWidth * a.rowHeight);
            const double db = double(b.bytesPerCell.value) / (b.cellWidth * b.rowHeight);
            QVERIFY(da > db);
            if (i + 2 < levels.size()) // the text levels jump to what the text needs
                QVERIFY2(da / db <= 4.0, qPrintable(QString::number(i)));
        }
        QCOMPARE(levels.back().bytesPerCell.value, uint64_t(1));
        QCOMPARE(levels[std::size_t(ShardMapLayout::hexLevel())].bytesPerCell.value, uint64_t(1));
        QVERIFY(levels.back().cellWidth >= 60 && levels.back().rowHeight >= 40); // room for three lines of text
        QCOMPARE(ShardMapLayout::detailLevel(), int(levels.size()) - 1);
    }

    void roundTripAtEveryZoom_data()
    {
        QTest::addColumn<quint64>("size");
        QTest::addColumn<int>("width");
        QTest::newRow("world-model 1400px") << quint64(kWorldModel) << 1400;
        QTest::newRow("world-model 700px") << quint64(kWorldModel) << 700;
        QTest::newRow("sample 1600px") << quint64(395394) << 1600;
        QTest::newRow("tiny 333px") << quint64(5000) << 333;
    }

    void roundTripAtEveryZoom()
    {
        QFETCH(quint64, size);
        QFETCH(int, width);
        auto l = makeLayout(size, width, 100000); // tall enough that every level is allowed
        for (int z = l.minZoom(); z <= l.maxZoom(); ++z) {
            QCOMPARE(l.setZoom(z), z);
            QVERIFY(l.contentWidth() <= width || l.columns() == 1);
            const uint64_t perRow = l.bytesPerRow().value;
            // Alignment marks land on fixed columns or at row starts.
            QVERIFY(perRow % 4096 == 0 || 4096 % perRow == 0);
            QCOMPARE(l.rowCount(), int64_t((size + perRow - 1) / perRow));
            for (uint64_t o : probes(l)) {
                const ByteOffset off(o);
                const auto p = l.position(off);
                QVERIFY(p.column < l.columns());
                QCOMPARE(p.x, l.gutterWidth() + p.column * l.cellWidth());
                QCOMPARE(p.y, p.row * l.rowHeight());
                QCOMPARE(p.row, l.rowOf(off));
                // Every pixel of the cell maps back to the cell's first byte.
                for (int64_t dx : {int64_t(0), int64_t(l.cellWidth() - 1)})
                    for (int64_t dy : {int64_t(0), int64_t(l.rowHeight() - 1)}) {
                        const auto back = l.offsetAt(p.x + dx, p.y + dy);
                        QVERIFY2(back.has_value(), qPrintable(QStringLiteral("zoom %1 offset %2").arg(z).arg(o)));
                        QCOMPARE(back->value, l.cellStart(off).value);
                    }
                QVERIFY(l.cellStart(off) <= off && off < l.cellStart(off) + l.bytesPerCell());
                QVERIFY(l.xOf(off) >= double(p.x) && l.xOf(off) < double(p.x + l.cellWidth()));
            }
        }
    }

    void firstAndLastByte()
    {
        auto l = makeLayout(kWorldModel);
        l.setZoom(ShardMapLayout::detailLevel());
        QCOMPARE(l.bytesPerCell().value, uint64_t(1));
        const auto first = l.position(ByteOffset(0));
        QCOMPARE(first.row, int64_t(0));
        QCOMPARE(first.x, int64_t(90));
        QCOMPARE(first.y, int64_t(0));
        QCOMPARE(l.offsetAt(90, 0)->value, uint64_t(0));
        const auto last = l.position(ByteOffset(kWorldModel - 1));
        QCOMPARE(last.row, l.rowCount() - 1);
        QCOMPARE(l.offsetAt(last.x, last.y)->value, kWorldModel - 1);
        QCOMPARE(l.contentHeight(), l.rowCount() * l.rowHeight());
        // One cell after the last byte is past the end of the file.
        const int64_t perRow = int64_t(l.bytesPerRow().value);
        if ((int64_t(kWorldModel) % perRow) != 0)
            QVERIFY(!l.offsetAt(last.x + l.cellWidth(), last.y).has_value());
        QVERIFY(!l.offsetAt(last.x, last.y + l.rowHeight()).has_value());
    }

    void outsideTheCells()
    {
        auto l = makeLayout(kWorldModel);
        for (int z = l.minZoom(); z <= l.maxZoom(); ++z) {
            l.setZoom(z);
            QVERIFY(!l.offsetAt(0, 0).has_value());          // gutter
            QVERIFY(!l.offsetAt(89, 0).has_value());         // last gutter pixel
            QVERIFY(l.offsetAt(90, 0).has_value());          // first cell
            QVERIFY(!l.offsetAt(90, -1).has_value());        // above the first row
            QVERIFY(!l.offsetAt(l.contentWidth(), 0).has_value()); // right of the last column
        }
    }

    void shardBoundary()
    {
        // The boundary is 4096-aligned, so at every level it starts a cell, and at a row start or on a fixed column.
        auto l = makeLayout(kWorldModel, 1400, 100000);
        for (int z = l.minZoom(); z <= l.maxZoom(); ++z) {
            l.setZoom(z);
            const ByteOffset b(kBoundary);
            if (l.bytesPerCell().value <= 4096) {
                QCOMPARE(l.cellStart(b), b);
                QCOMPARE(l.xOf(b), double(l.position(b).x));
            }
            const auto before = l.position(ByteOffset(kBoundary - 1)), at = l.position(b);
            QVERIFY(at.row > before.row || (at.row == before.row && at.column >= before.column));
        }
        l.setZoom(ShardMapLayout::detailLevel());
        QCOMPARE(l.position(ByteOffset(kBoundary)).column, int64_t(0)); // 16-byte rows divide 4096
    }

    void zoomClamping()
    {
        auto l = makeLayout(kWorldModel, 1400, 800);
        QCOMPARE(l.setZoom(-5), l.minZoom());
        QCOMPARE(l.setZoom(1000), l.maxZoom());
        QCOMPARE(l.zoom(), ShardMapLayout::detailLevel());
        // Whole-file zoom: the file fits the height, one level deeper does not.
        const int fit = l.fitZoom();
        QCOMPARE(l.setZoom(fit), fit);
        QVERIFY(l.contentHeight() <= 800);
        QCOMPARE(l.setZoom(fit + 1), fit + 1);
        QVERIFY(l.contentHeight() > 800);
        QCOMPARE(l.setZoom(fit - 1), fit); // no zooming out past the whole file
        // A taller viewport raises the limit and takes the zoom with it.
        l.setZoom(fit);
        l.setViewportSize(1400, 100000);
        QVERIFY(l.minZoom() > fit);
        QCOMPARE(l.zoom(), l.minZoom());
        // A file too big for any level at this height still gets the coarsest level.
        auto huge = makeLayout(uint64_t(1) << 40, 200, 10);
        QCOMPARE(huge.fitZoom(), 0);
        QCOMPARE(huge.setZoom(-1), 0);
    }

    void emptyFile()
    {
        auto l = makeLayout(0);
        QCOMPARE(l.rowCount(), int64_t(0));
        QCOMPARE(l.contentHeight(), int64_t(0));
        QCOMPARE(l.zoom(), l.maxZoom()); // nothing to zoom out for
        QVERIFY(!l.offsetAt(90, 0).has_value());
    }

    void rowsInRange()
    {
        auto l = makeLayout(kWorldModel);
        l.setZoom(ShardMapLayout::hexLevel());
        const int rh = l.rowHeight();
        QCOMPARE(l.rowsIn(0, rh), (std::pair<int64_t, int64_t>(0, 1)));
        QCOMPARE(l.rowsIn(0, rh + 1), (std::pair<int64_t, int64_t>(0, 2)));
        QCOMPARE(l.rowsIn(rh * 5 + 3, rh * 2), (std::pair<int64_t, int64_t>(5, 8)));
        QCOMPARE(l.rowsIn(l.contentHeight() - 1, 1000).second, l.rowCount());
        QCOMPARE(l.rowsIn(-100, 50), (std::pair<int64_t, int64_t>(0, 0)));
    }

    void wholeFileLevelUsesTheWidth()
    {
        // Rows of whole 4096-byte blocks need not be a power of two: the overview uses most of the width.
        auto l = makeLayout(kWorldModel, 1565, 800, 90);
        l.setZoom(l.fitZoom());
        QVERIFY(l.bytesPerCell().value > 1);
        QVERIFY(l.contentWidth() > 1565 * 8 / 10);
        QCOMPARE(l.bytesPerRow().value % 4096, uint64_t(0));
        // Rows of 2 and 3 pixels between powers of two: the whole file takes most of the height too.
        QVERIFY2(l.contentHeight() >= 800 * 6 / 10, qPrintable(QString::number(l.contentHeight())));
    }
};

QTEST_GUILESS_MAIN(TestShardMapLayout)
#include "tst_shardmaplayout.moc"
