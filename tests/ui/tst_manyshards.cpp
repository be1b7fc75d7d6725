// The shard panel on a 2 GiB checkpoint's artifacts: 512 MiB of INT8 in 128 shards of 4 MiB. Built as metadata only
// (a result whose bytes are not in memory, as an output folder's can be), so the test needs no 2 GiB file. The map
// keeps a usable height beside a table of 128 rows, the table scrolls, and no two shard labels overlap at any zoom.
#include "artifacts/shardhasher.h"
#include "artifacts/shardmap.h"
#include "quantization/quantize.h"
#include "shardmappanel.h"
#include "shardmapview.h"

#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QTest>

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

/// 64 matrices of 2048 x 4096 INT8 (8 MiB each) back to back: 512 MiB, the INT8 size of a 2 GiB FP32 checkpoint.
std::shared_ptr<const ql::QuantizeResult> manyShards()
{
    auto r = std::make_shared<ql::QuantizeResult>();
    r->model.modelType = "mamba2";
    for (int i = 0; i < 64; ++i) {
        ql::QuantizedTensor t;
        t.name = "layers." + std::to_string(i) + ".mamba.in_proj.weight";
        t.group = "backbone";
        t.shape = {2048, 4096};
        t.rows = 2048;
        t.cols = 4096;
        t.scales.assign(2048, 0.01f);
        t.offset = uint64_t(i) * 8 * kMiB;
        t.size = 8 * kMiB;
        r->tensors.push_back(std::move(t));
    }
    r->totalBytes = 512 * kMiB;
    r->shards = ql::shardMap(r->totalBytes);
    return r;
}

/// Every pair of labels apart, and every map tag inside the viewport's width.
void checkLabels(const ShardMapView *view, const char *where)
{
    const auto labels = view->shardLabels();
    QVERIFY2(!labels.isEmpty(), where);
    for (int i = 0; i < labels.size(); ++i) {
        const QRect &a = labels[i].box;
        // The text fits its box: measured with the view's font, as painted.
        QVERIFY2(view->fontMetrics().horizontalAdvance(labels[i].text) <= a.width(), where);
        if (!labels[i].gutter)
            QVERIFY2(a.left() >= view->layout().gutterWidth() && a.right() < view->viewport()->width(), where);
        for (int j = i + 1; j < labels.size(); ++j)
            QVERIFY2(!a.intersects(labels[j].box),
                     qPrintable(QStringLiteral("%1: '%2' overlaps '%3'").arg(QLatin1String(where), labels[i].text, labels[j].text)));
    }
}

} // namespace

class TestManyShards : public QObject
{
    Q_OBJECT

    std::shared_ptr<const ql::QuantizeResult> m_result;

    /// A "size" column with a row per window size, named WxH.
    static void windowSizes(std::initializer_list<QSize> sizes)
    {
        QTest::addColumn<QSize>("size");
        for (const QSize s : sizes)
            QTest::newRow(qPrintable(QStringLiteral("%1x%2").arg(s.width()).arg(s.height()))) << s;
    }

    /// `panel` on screen at `size`, showing the 128 shards; false when the window never appeared.
    bool showResult(ShardMapPanel &panel, QSize size)
    {
        panel.resize(size);
        panel.show();
        if (!QTest::qWaitForWindowExposed(&panel))
            return false;
        panel.setResult(m_result);
        QCoreApplication::processEvents();
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_result = manyShards();
        QCOMPARE(m_result->shards.size(), std::size_t(128));
    }

    void mapKeepsItsHeightAndTheTableScrolls_data() { windowSizes({{1600, 1000}, {1133, 700}, {800, 600}}); }
    void mapKeepsItsHeightAndTheTableScrolls()
    {
        QFETCH(QSize, size);
        ShardMapPanel panel;
        QVERIFY(showResult(panel, size));
        QTableWidget *table = panel.shardTable();
        QCOMPARE(table->rowCount(), 128);
        // The controls fit the width (stacked when narrow): no sideways scrolling to reach Go.
        QVERIFY2(panel.minimumSizeHint().width() <= size.width(), qPrintable(QString::number(panel.minimumSizeHint().width())));
        auto *go = panel.findChild<QWidget *>(QStringLiteral("goButton"));
        QVERIFY(go && QRect(QPoint(0, 0), panel.size()).contains(QRect(go->mapTo(&panel, QPoint(0, 0)), go->size())));
        // The map had ~50 px under a table sized to its 128 rows; now it has most of the height.
        QVERIFY2(panel.view()->height() >= size.height() / 2,
                 qPrintable(QStringLiteral("map %1 px of %2").arg(panel.view()->height()).arg(size.height())));
        QVERIFY(table->height() >= 60);
        QVERIFY(table->verticalScrollBar()->maximum() > 0); // 128 rows do not fit: the table scrolls
        QTRY_VERIFY(table->verticalScrollBar()->isVisible());
        // A splitter between them, so the user can give the table more room.
        auto *splitter = panel.findChild<QSplitter *>(QStringLiteral("shardSplitter"));
        QVERIFY(splitter);
        const int total = splitter->sizes().value(0) + splitter->sizes().value(1);
        splitter->setSizes({total / 2, total / 2});
        QCoreApplication::processEvents();
        QVERIFY(std::abs(panel.view()->height() - total / 2) < 20);
        // Without the bytes in memory the hashes say so (no hash is made up).
        QTRY_VERIFY(panel.hashesReady());
        QCOMPARE(table->item(127, 7)->text(), QStringLiteral("bytes not in memory"));
    }

    void labelsNeverOverlap_data() { windowSizes({{1600, 1000}, {800, 600}}); }
    void labelsNeverOverlap()
    {
        QFETCH(QSize, size);
        ShardMapPanel panel;
        QVERIFY(showResult(panel, size));
        ShardMapView *view = panel.view();
        // Whole file: 128 boundaries on a few hundred pixels, so most tags must give way; some still show.
        checkLabels(view, "whole file");
        int tags = 0;
        for (const auto &l : view->shardLabels())
            tags += !l.gutter;
        QVERIFY(tags >= 3);
        QVERIFY(tags < 128);
        // Every zoom level, at the top and in the middle of the file.
        for (int z = view->layout().minZoom(); z <= view->layout().maxZoom(); ++z) {
            view->setZoom(z);
            view->goToOffset(ByteOffset(64 * 4 * kMiB));
            QCoreApplication::processEvents();
            checkLabels(view, qPrintable(QStringLiteral("zoom %1").arg(z)));
        }
    }

    void hashesComeFromTheCore()
    {
        // A result carrying the manifest's hashes and no bytes: the core hands those back, the panel shows them.
        auto r = std::make_shared<ql::QuantizeResult>(*m_result);
        for (auto &s : r->shards)
            s.sha256 = std::string(64, "0123456789abcdef"[s.index % 16]);
        const auto hashes = ql::shardHashes(*r);
        QCOMPARE(hashes.size(), std::size_t(128));
        QCOMPARE(hashes[5], r->shards[5].sha256);
        ShardMapPanel panel;
        panel.setResult(r);
        QTRY_VERIFY(panel.hashesReady());
        for (int row : {0, 5, 127})
            QCOMPARE(panel.shardTable()->item(row, 7)->text(), QString::fromStdString(hashes[std::size_t(row)]));
    }

    void anEditRehashesOnlyTheShardsItChanged()
    {
        // Six 2 MiB tensors in memory over three 4 MiB shards. An edit of tensor 4 changes shard 2 only: the panel
        // keeps its rows, shows shards 0 and 1's hashes at once and computes shard 2's.
        auto r = std::make_shared<ql::QuantizeResult>();
        std::vector<int8_t> all(12 * kMiB);
        for (std::size_t i = 0; i < all.size(); ++i)
            all[i] = int8_t(i * 31 + i / 4096);
        std::vector<uint64_t> cuts;
        for (int i = 0; i < 6; ++i) {
            ql::QuantizedTensor t;
            t.name = "layers." + std::to_string(i) + ".weight";
            t.shape = {1024, 2048};
            t.rows = 1024;
            t.cols = 2048;
            t.offset = uint64_t(i) * 2 * kMiB;
            t.size = 2 * kMiB;
            cuts.push_back(t.offset);
            r->tensors.push_back(std::move(t));
        }
        r->totalBytes = all.size();
        r->bytes = ql::Int8Buffer::copyOf(all, cuts);
        r->shards = ql::shardMap(r->totalBytes);
        QCOMPARE(r->shards.size(), std::size_t(3));
        ShardMapPanel panel;
        panel.setResult(r);
        QTRY_VERIFY(panel.hashesReady());
        const auto before = ql::shardHashes(*r);
        QTableWidget *table = panel.shardTable();
        const QTableWidgetItem *firstCell = table->item(0, 0);

        auto edited = std::make_shared<ql::QuantizeResult>(*r);
        edited->bytes.replace(8 * kMiB, std::vector<int8_t>(2 * kMiB, int8_t(9)));
        const auto after = ql::shardHashes(*edited);
        QCOMPARE(after[0], before[0]);
        QVERIFY(after[2] != before[2]);
        panel.setResult(edited);
        QCOMPARE(table->item(0, 0), firstCell); // the rows are kept
        QCOMPARE(table->item(0, 7)->text(), QString::fromStdString(before[0]));
        QCOMPARE(table->item(1, 7)->text(), QString::fromStdString(before[1]));
        QVERIFY(table->item(2, 7)->text() != QString::fromStdString(before[2]));
        QTRY_VERIFY(panel.hashesReady());
        for (int row = 0; row < 3; ++row)
            QCOMPARE(table->item(row, 7)->text(), QString::fromStdString(after[std::size_t(row)]));

        // Back to the first snapshot before its hashing ends, then on: the superseded job is dropped.
        panel.setResult(r);
        panel.setResult(edited);
        QTRY_VERIFY(panel.hashesReady());
        for (int row = 0; row < 3; ++row)
            QCOMPARE(table->item(row, 7)->text(), QString::fromStdString(after[std::size_t(row)]));
    }
};

QTEST_MAIN(TestManyShards)
#include "tst_manyshards.moc"
