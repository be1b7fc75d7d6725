// Outlier advice: a row whose scale is set by one weight far above the rest is named with its index, value and
// ratio, and the clipping estimate comes from the core's own strategies.
#include "inspection/advice.h"

#include <QTest>
#include <cmath>
#include <span>

namespace {
struct Matrix
{
    std::vector<float> w;
    ql::TensorData t;
    Matrix(int64_t rows, int64_t cols)
        : w(std::size_t(rows * cols))
    {
        for (int64_t i = 0; i < rows * cols; ++i)
            w[std::size_t(i)] = 0.02f * float(std::sin(0.37 * double(i)) + 0.1 * std::cos(1.3 * double(i)));
        t.name = "m.weight";
        t.shape = {rows, cols};
        t.strides = {cols, 1};
    }
    void finish() { t.storage = std::as_bytes(std::span<const float>(w)); }
};
} // namespace

class TestAdvice : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void namesTheOutlierAndWhatClippingWins()
    {
        Matrix m(6, 128);
        m.w[2 * 128 + 77] = 1.1f; // ~50x the rest of row 2
        m.finish();
        std::vector<int8_t> codes(m.w.size());
        const auto q = ql::quantizeTensor(m.t, ql::Strategy::defaultFor(2), codes.data(), "f.pt");
        const auto a = ql::analyzeTensor(m.t, q, codes.data());
        const auto adv = ql::adviseOutlier(m.t, q, a, "f.pt");
        QVERIFY(adv);
        QCOMPARE(adv->row, int64_t(2));
        QCOMPARE(adv->column, int64_t(77));
        QCOMPARE(adv->value, 1.1f);
        QVERIFY(adv->ratio > 40 && adv->ratio < 80);
        QVERIFY(adv->suggested.method != ql::ClipMethod::AbsMax);
        QVERIFY(adv->maxOtherCode <= 4);
        // The row estimate is the core strategy applied to that row: check it against quantizing the row alone.
        ql::TensorData row = m.t;
        row.shape = {1, 128};
        row.storageOffset = 2 * 128;
        std::vector<int8_t> rc(128);
        QCOMPARE(*ql::quantizeTensor(row, adv->suggested, rc.data(), "f.pt").stats.snrDb(), adv->rowSnrSuggested);
        const QString text = QString::fromStdString(adv->text);
        QVERIFY2(text.contains(QStringLiteral("Row 2")) && text.contains(QStringLiteral("w[2, 77]")), qPrintable(text));
        // One weight 50x the rest holds most of the row's energy: clipping it loses SNR, and the advice says so
        // rather than offering it.
        QCOMPARE(adv->clippingWins, adv->rowSnrSuggested > adv->rowSnrNow + 0.01);
        if (!adv->clippingWins)
            QVERIFY2(text.contains(QStringLiteral("would not win")), qPrintable(text));
    }

    void offersPerRowScalesWhereTheyWin()
    {
        // One scale for the whole matrix, set by an outlier in row 1: per-row scales confine it to that row.
        Matrix m(8, 256);
        m.w[256 + 100] = 0.9f;
        m.finish();
        std::vector<int8_t> codes(m.w.size());
        const auto s = *ql::Strategy::fromName("per_tensor_absmax");
        const auto q = ql::quantizeTensor(m.t, s, codes.data(), "f.pt");
        const auto a = ql::analyzeTensor(m.t, q, codes.data());
        const auto adv = ql::adviseOutlier(m.t, q, a, "f.pt");
        QVERIFY(adv);
        qInfo("%s", adv->text.c_str());
        QCOMPARE(adv->column, int64_t(256 + 100)); // flat index for the whole-tensor scale
        QVERIFY(adv->clippingWins);
        QCOMPARE(adv->suggested.layout, ql::ScaleLayout::PerChannel);
        QVERIFY(adv->rowSnrSuggested > adv->rowSnrNow + 3);
        // The estimate is the core strategy on the tensor: quantize it independently and compare.
        std::vector<int8_t> out(m.w.size());
        QCOMPARE(*ql::quantizeTensor(m.t, adv->suggested, out.data(), "f.pt").stats.snrDb(), adv->rowSnrSuggested);
        QVERIFY(QString::fromStdString(adv->text).contains(QStringLiteral("its own scale")));
    }

    void saysNothingWithoutAnOutlier()
    {
        Matrix m(4, 64);
        m.finish();
        std::vector<int8_t> codes(m.w.size());
        const auto q = ql::quantizeTensor(m.t, ql::Strategy::defaultFor(2), codes.data(), "f.pt");
        const auto a = ql::analyzeTensor(m.t, q, codes.data());
        QVERIFY(!ql::adviseOutlier(m.t, q, a, "f.pt"));
        // Without the FP32 source there is nothing to estimate.
        const auto c = ql::analyzeCodes(q, codes.data());
        QVERIFY(!ql::adviseOutlier(m.t, q, c, "f.pt"));
    }
};

QTEST_GUILESS_MAIN(TestAdvice)
#include "tst_advice.moc"
