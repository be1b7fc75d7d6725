// Byte -> (tensor, row, column) lookup of weights_int8.bin, checked against a linear scan and on a real checkpoint.
#include "inspection/bytemap.h"
#include "readers/checkpoint.h"
#include "quantization/quantize.h"

#include <QTest>

namespace {

ql::QuantizedTensor makeTensor(const std::string &name, int64_t rows, int64_t cols, uint64_t offset, bool perTensor)
{
    ql::QuantizedTensor t;
    t.name = name;
    t.rows = rows;
    t.cols = cols;
    t.shape = rows > 1 ? std::vector<int64_t>{rows, cols} : std::vector<int64_t>{cols};
    t.offset = offset;
    t.size = uint64_t(rows * cols);
    if (perTensor) {
        t.strategy.layout = ql::ScaleLayout::PerTensor;
        t.scale = 0.25;
    } else {
        for (int64_t r = 0; r < rows; ++r)
            t.scales.push_back(0.5f * float(r + 1));
    }
    return t;
}

/// A 2x3 matrix, an empty tensor, a 1-D bias of 4, a 3x2 matrix: 16 bytes.
ql::QuantizeResult synthetic()
{
    ql::QuantizeResult r;
    r.tensors.push_back(makeTensor("a", 2, 3, 0, false));
    r.tensors.push_back(makeTensor("b.empty", 0, 5, 6, false));
    r.tensors.push_back(makeTensor("c.bias", 1, 4, 6, true));
    r.tensors.push_back(makeTensor("d", 3, 2, 10, false));
    r.totalBytes = 16;
    std::vector<int8_t> bytes;
    for (int i = 0; i < 16; ++i)
        bytes.push_back(int8_t(i * 17 - 128));
    r.setBytes(bytes);
    r.shards = {{0, 0, 8}, {1, 8, 8}}; // hand-made: the real map would align to 4096 and keep one shard
    return r;
}

/// The obvious O(n) answer the binary search must agree with.
std::optional<ql::ByteLocation> linearLocate(const ql::QuantizeResult &r, uint64_t offset)
{
    for (std::size_t i = 0; i < r.tensors.size(); ++i) {
        const auto &t = r.tensors[i];
        if (offset >= t.offset && offset < t.offset + t.size) {
            const int64_t local = int64_t(offset - t.offset);
            return ql::ByteLocation{int(i), local / t.cols, local % t.cols};
        }
    }
    return std::nullopt;
}

} // namespace

class TestByteMap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void syntheticEveryByte()
    {
        const auto r = synthetic();
        for (uint64_t o = 0; o < r.totalBytes; ++o) {
            const auto got = ql::locateByte(r, o);
            const auto want = linearLocate(r, o);
            QVERIFY2(got.has_value(), qPrintable(QString::number(o)));
            QCOMPARE(*got, *want);
            QVERIFY(got->tensor != 1); // the empty tensor owns nothing
            QCOMPARE(ql::byteOffsetOf(r.tensors[std::size_t(got->tensor)], got->row, got->col), o);
        }
    }

    void syntheticSpecificBytes()
    {
        const auto r = synthetic();
        QCOMPARE(*ql::locateByte(r, 0), (ql::ByteLocation{0, 0, 0}));
        QCOMPARE(*ql::locateByte(r, 5), (ql::ByteLocation{0, 1, 2}));
        QCOMPARE(*ql::locateByte(r, 6), (ql::ByteLocation{2, 0, 0}));
        QCOMPARE(*ql::locateByte(r, 9), (ql::ByteLocation{2, 0, 3}));
        QCOMPARE(*ql::locateByte(r, 13), (ql::ByteLocation{3, 1, 1}));
        QCOMPARE(*ql::locateByte(r, 15), (ql::ByteLocation{3, 2, 1}));
    }

    void pastTheEnd()
    {
        const auto r = synthetic();
        QVERIFY(!ql::locateByte(r, 16).has_value());
        QVERIFY(!ql::locateByte(r, ~uint64_t(0)).has_value());
        QCOMPARE(ql::tensorAt(r, 16), -1);
        QVERIFY(!ql::describeByte(r, 16).has_value());
        ql::QuantizeResult empty;
        QVERIFY(!ql::locateByte(empty, 0).has_value());
    }

    void trailingEmptyTensor()
    {
        auto r = synthetic();
        r.tensors.push_back(makeTensor("z.empty", 0, 3, 16, false));
        QCOMPARE(ql::tensorAt(r, 15), 3);
        QCOMPARE(ql::tensorAt(r, 16), -1);
    }

    void describeValues()
    {
        const auto r = synthetic();
        // byte 13 = d[1][1]: q = 13*17-128 = 93, per-channel scale of row 1 = 1.0
        const auto d = ql::describeByte(r, 13);
        QVERIFY(d.has_value());
        QCOMPARE(int(*d->value), 93);
        QCOMPARE(*d->dequantized, 93.0f);
        QCOMPARE(d->shard, 1);
        // byte 7 = c.bias[1], per-tensor scale 0.25: q = 7*17-128 = -9
        const auto b = ql::describeByte(r, 7);
        QCOMPARE(int(*b->value), -9);
        QCOMPARE(*b->dequantized, -2.25f);
        QCOMPARE(b->shard, 0);
        // Without the buffer in memory the place is still known, the value is not.
        auto noBytes = r;
        noBytes.bytes = {};
        const auto n = ql::describeByte(noBytes, 13);
        QVERIFY(n.has_value());
        QVERIFY(!n->value.has_value());
        QVERIFY(!n->dequantized.has_value());
    }

    void realCheckpointEveryByte()
    {
        const auto ck = ql::loadCheckpoint(QL_TEST_DATA "/policy-small.pt");
        const auto r = ql::quantize(ck, {});
        QVERIFY(r.totalBytes > 0);
        QCOMPARE(uint64_t(r.bytes.size()), r.totalBytes);
        int previous = -1;
        for (uint64_t o = 0; o < r.totalBytes; ++o) {
            const auto d = ql::describeByte(r, o);
            QVERIFY(d.has_value());
            const auto &t = r.tensors[std::size_t(d->location.tensor)];
            // Tensors follow each other in file order with no gaps.
            QVERIFY(d->location.tensor == previous || d->location.tensor == previous + 1);
            previous = d->location.tensor;
            QVERIFY(o >= t.offset && o < t.offset + t.size);
            QVERIFY(d->location.row < t.rows && d->location.col < t.cols);
            QCOMPARE(ql::byteOffsetOf(t, d->location.row, d->location.col), o);
            QCOMPARE(*d->value, r.bytes[std::size_t(o)]);
            QCOMPARE(*d->dequantized, float(r.bytes[std::size_t(o)]) * t.rowScale(d->location.row));
            QCOMPARE(d->shard, ql::shardOf(r.shards, o));
        }
        QCOMPARE(previous, int(r.tensors.size()) - 1);
        QVERIFY(!ql::locateByte(r, r.totalBytes).has_value());
    }
};

QTEST_GUILESS_MAIN(TestByteMap)
#include "tst_bytemap.moc"
