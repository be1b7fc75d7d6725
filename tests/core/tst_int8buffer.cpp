// Int8Buffer: the per-tensor, shared, copy-on-write INT8 buffer, checked against one plain vector of the same bytes.
#include "quantization/int8buffer.h"

#include <QTest>

#include <numeric>
#include <stdexcept>

namespace {
/// 0, 1, ..., n-1 (wrapping), so that every byte says where it came from.
std::vector<int8_t> ramp(std::size_t n)
{
    std::vector<int8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = int8_t(i * 7 + 3);
    return v;
}
} // namespace

class TestInt8Buffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cutsAndLookups()
    {
        const auto all = ramp(100);
        // Unsorted, repeated and out-of-range cuts are tolerated: pieces [0,10) [10,40) [40,41) [41,100).
        const auto b = ql::Int8Buffer::copyOf(all, {40, 10, 10, 0, 41, 500});
        QCOMPARE(b.size(), uint64_t(100));
        QCOMPARE(b.pieceCount(), std::size_t(4));
        QVERIFY(b.flat() == all);
        for (uint64_t o = 0; o < 100; ++o)
            QCOMPARE(b[o], all[o]);
        QCOMPARE(b.pieceAt(0), b.pieceAt(9));
        QVERIFY(b.pieceAt(9) != b.pieceAt(10));
        QCOMPARE(b.pieceAt(40)->size(), std::size_t(1));
        QVERIFY(!b.pieceAt(100));
        // A span is handed out only inside one piece; null data says "not in one piece".
        QCOMPARE(b.span(10, 30).size(), std::size_t(30));
        QCOMPARE(b.span(12, 5)[0], all[12]);
        QVERIFY(!b.span(5, 10).data()); // straddles pieces 0 and 1
        QVERIFY(!b.span(90, 11).data()); // past the end
        QVERIFY(!b.span(0, 0).data());
        QVERIFY(!ql::Int8Buffer().span(0, 1).data());
    }

    void copyRangeAndSegmentsAcrossPieces()
    {
        const auto all = ramp(1000);
        const auto b = ql::Int8Buffer::copyOf(all, {1, 2, 300, 301, 999});
        for (auto [off, len] : {std::pair<uint64_t, uint64_t>{0, 1000}, {0, 1}, {1, 2}, {250, 100}, {299, 3}, {998, 2},
                                {1000, 0}, {500, 0}}) {
            std::vector<int8_t> got(len, 0);
            b.copyRange(off, len, got.data());
            QVERIFY(std::equal(got.begin(), got.end(), all.begin() + std::ptrdiff_t(off)));
            uint64_t next = off, seen = 0;
            b.forEachSegment(off, len, [&](const ql::Int8Buffer::Segment &s) {
                QCOMPARE(s.offset, next); // in order, no gap, no overlap
                QVERIFY(!s.bytes.empty());
                QVERIFY(std::equal(s.bytes.begin(), s.bytes.end(), all.begin() + std::ptrdiff_t(s.offset)));
                next += s.bytes.size();
                seen += s.bytes.size();
            });
            QCOMPARE(seen, len);
        }
        int8_t sink[2];
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, b.copyRange(999, 2, sink));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, b.forEachSegment(1001, 0, [](const auto &) {}));
    }

    void replaceIsCopyOnWrite()
    {
        const auto all = ramp(64);
        const auto original = ql::Int8Buffer::copyOf(all, {16, 48});
        ql::Int8Buffer edited = original; // shares the three pieces
        QCOMPARE(edited.pieceAt(20), original.pieceAt(20));
        edited.replace(16, std::vector<int8_t>(32, -5));
        QVERIFY(edited.pieceAt(20) != original.pieceAt(20));
        QCOMPARE(edited.pieceAt(0), original.pieceAt(0));
        QCOMPARE(edited.pieceAt(50), original.pieceAt(50));
        QVERIFY(original.flat() == all); // the copy taken before sees nothing
        QCOMPARE(int(edited[16]), -5);
        QCOMPARE(int(edited[47]), -5);
        QCOMPARE(edited[48], all[48]);
        // Only a whole piece can be replaced: a tensor's bytes, never a part or a run across two.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, edited.replace(17, std::vector<int8_t>(31)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, edited.replace(16, std::vector<int8_t>(33)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, edited.replace(64, std::vector<int8_t>(1)));
    }

    void storageCountsSharedPiecesOnce()
    {
        const auto original = ql::Int8Buffer::copyOf(ramp(64), {16, 48});
        QCOMPARE(ql::Int8Buffer::storageOf({&original}), uint64_t(64));
        ql::Int8Buffer edited = original;
        QCOMPARE(ql::Int8Buffer::storageOf({&original, &edited, nullptr}), uint64_t(64));
        edited.replace(16, std::vector<int8_t>(32, -5));
        QCOMPARE(ql::Int8Buffer::storageOf({&original, &edited}), uint64_t(64 + 32));
        edited.replace(16, original.pieceAt(16)); // shared again
        QCOMPARE(ql::Int8Buffer::storageOf({&original, &edited}), uint64_t(64));
        // Equal bytes in separate storage count twice: it is storage that is counted, not content.
        const auto copy = ql::Int8Buffer::copyOf(ramp(64));
        QCOMPARE(ql::Int8Buffer::storageOf({&original, &copy}), uint64_t(128));
        QCOMPARE(ql::Int8Buffer::storageOf({}), uint64_t(0));
    }

    void equalityIgnoresCuts()
    {
        const auto all = ramp(50);
        QVERIFY(ql::Int8Buffer::copyOf(all, {7, 30}) == ql::Int8Buffer::copyOf(all, {25}));
        QVERIFY(ql::Int8Buffer::copyOf(all) == ql::Int8Buffer::copyOf(all, {1, 2, 3}));
        auto other = all;
        other[33] = int8_t(other[33] + 1);
        QVERIFY(!(ql::Int8Buffer::copyOf(all, {7, 30}) == ql::Int8Buffer::copyOf(other, {25})));
        QVERIFY(!(ql::Int8Buffer::copyOf(all) == ql::Int8Buffer::copyOf(ramp(49))));
        QVERIFY(ql::Int8Buffer() == ql::Int8Buffer::copyOf({}));
    }

    void appendSkipsEmptyPieces()
    {
        ql::Int8Buffer b;
        b.append(std::make_shared<const std::vector<int8_t>>(3, int8_t(1)));
        b.append(std::make_shared<const std::vector<int8_t>>());
        b.append(nullptr);
        b.append(std::make_shared<const std::vector<int8_t>>(2, int8_t(2)));
        QCOMPARE(b.pieceCount(), std::size_t(2));
        QCOMPARE(b.size(), uint64_t(5));
        QCOMPARE(int(b[2]), 1);
        QCOMPARE(int(b[3]), 2);
    }
};

QTEST_GUILESS_MAIN(TestInt8Buffer)
#include "tst_int8buffer.moc"
