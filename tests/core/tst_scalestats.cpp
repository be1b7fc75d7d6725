// The model-wide scale statistics the Scales view shows (range, floor-scale rows, spread in decades), computed in
// core: on hand-made results with known answers and on a fixture with all-zero rows.
#include "inspection/scalestats.h"
#include "quantization/kernels.h"
#include "quantization/quantize.h"
#include "readers/checkpoint.h"

#include <QTest>

#include <cmath>

namespace {

ql::QuantizedTensor perChannel(const std::string &name, std::vector<float> scales)
{
    ql::QuantizedTensor t;
    t.name = name;
    t.strategy.layout = ql::ScaleLayout::PerChannel;
    t.rows = int64_t(scales.size());
    t.cols = 4;
    t.shape = {t.rows, t.cols};
    t.scales = std::move(scales);
    return t;
}

ql::QuantizedTensor perTensor(const std::string &name, double scale)
{
    ql::QuantizedTensor t;
    t.name = name;
    t.strategy.layout = ql::ScaleLayout::PerTensor;
    t.shape = {8};
    t.cols = 8;
    t.scale = scale;
    return t;
}

const float kFloor = float(ql::kernels::tensorScale(0.0)); // stored as float32, as the quantizer does

} // namespace

class TestScaleStats : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void knownAnswers()
    {
        ql::QuantizeResult r;
        r.tensors.push_back(perChannel("a", {0.01f, 0.1f, kFloor, 1.0f}));
        r.tensors.push_back(perTensor("b", 0.001));
        r.tensors.push_back(perChannel("empty", {})); // no rows: no scale, not counted as a tensor
        const auto s = ql::modelScaleStats(r);
        QCOMPARE(s.scales, std::size_t(5));
        QCOMPARE(s.tensors, std::size_t(2));
        QCOMPARE(s.floored, std::size_t(1));
        QCOMPARE(s.min, 0.001); // the floor does not stretch the range
        QCOMPARE(s.max, double(1.0f));
        QVERIFY(std::abs(s.decades() - 3.0) < 1e-6);
        QCOMPARE(ql::scalesOf(r.tensors[0]).size(), std::size_t(4));
        QCOMPARE(ql::scalesOf(r.tensors[1]), std::vector<double>{0.001});
    }

    void floorOnlyAndEmpty()
    {
        ql::QuantizeResult r;
        QCOMPARE(ql::modelScaleStats(r).scales, std::size_t(0));
        QCOMPARE(ql::modelScaleStats(r).decades(), 0.0);
        r.tensors.push_back(perChannel("zeros", {kFloor, kFloor}));
        const auto s = ql::modelScaleStats(r);
        QCOMPARE(s.floored, std::size_t(2));
        QCOMPARE(s.min, s.max);
        QCOMPARE(s.decades(), 0.0);
        QVERIFY(ql::isFloorScale(double(kFloor)));
        QVERIFY(ql::isFloorScale(1e-8 / 127.0));
        QVERIFY(!ql::isFloorScale(2e-8 / 127.0));
    }

    void fixtureWithAllZeroRows()
    {
        // edge-cases.pt has an all-zero matrix (aux.zero.weight): its rows sit at the floor, apart from the range.
        const auto ck = ql::loadCheckpoint(QL_TEST_DATA "/edge-cases.pt");
        const auto r = ql::quantize(ck, {});
        const auto s = ql::modelScaleStats(r);
        const auto *zero = r.find("aux.zero.weight");
        QVERIFY(zero);
        QVERIFY(s.floored >= std::size_t(zero->rows));
        QVERIFY(s.min > ql::kernels::tensorScale(0.0) * 2);
        QVERIFY(s.max >= s.min);
        std::size_t all = 0;
        for (const auto &t : r.tensors)
            all += t.strategy.layout == ql::ScaleLayout::PerChannel ? t.scales.size() : 1;
        QCOMPARE(s.scales, all);
    }
};

QTEST_GUILESS_MAIN(TestScaleStats)
#include "tst_scalestats.moc"
