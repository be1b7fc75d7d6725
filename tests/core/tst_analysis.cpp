// Tensor drill-down computations (core/inspection/analysis.h): scale setters, histograms, per-row SNR, diagnoses, trials.
#include "inspection/analysis.h"
#include "readers/checkpoint.h"
#include "artifacts/manifest.h"

#include <QTest>
#include <cmath>
#include <random>

using namespace ql;

namespace {

/// A float32 tensor that owns its bytes, laid out row-major like a real checkpoint's.
struct OwnedTensor
{
    std::vector<float> values;
    TensorData t;
    OwnedTensor(std::string name, std::vector<int64_t> shape, std::vector<float> v)
        : values(std::move(v))
    {
        t.name = std::move(name);
        t.dtype = DType::Float32;
        t.shape = shape;
        t.strides.assign(shape.size(), 1);
        for (std::size_t d = shape.size(); d-- > 1;)
            t.strides[d - 1] = t.strides[d] * shape[d];
        t.storage = std::as_bytes(std::span<const float>(values));
    }
};

std::vector<float> randomValues(std::size_t n, float scale, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto &x : v)
        x = d(rng);
    return v;
}

struct Quantized
{
    QuantizedTensor q;
    std::vector<int8_t> codes;
};

Quantized quantizeWith(const TensorData &t, const std::string &strategy)
{
    Quantized out;
    out.codes.resize(static_cast<std::size_t>(t.numel()));
    out.q = quantizeTensor(t, *Strategy::fromName(strategy), out.codes.data(), "test.pt", true);
    return out;
}

} // namespace

class TestAnalysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void histogramBinsAndClamps()
    {
        Histogram h(-1.0, 1.0, 4);
        QCOMPARE(h.counts.size(), std::size_t(4));
        h.add(-0.9);
        h.add(-0.1);
        h.add(0.1);
        h.add(0.99);
        h.add(5.0);   // beyond hi: last bin, not dropped
        h.add(-5.0);  // below lo: first bin
        h.add(std::nan(""));
        QCOMPARE(h.counts, (std::vector<uint64_t>{2, 1, 1, 2}));
        QCOMPARE(h.total(), uint64_t(6));
        QCOMPARE(h.binWidth(), 0.5);
        QCOMPARE(h.center(0), -0.75);

        Histogram flat(2.0, 2.0, 3); // constant data still gets a range around it
        QVERIFY(flat.hi > flat.lo);
        flat.add(2.0);
        QCOMPARE(flat.total(), uint64_t(1));
    }

    void scaleSetterPerRow()
    {
        // Row 0: 8.0 sets the scale, 4x the next-largest (2.0). Row 1: two equal maxima, ratio 1.
        OwnedTensor w("layers.0.w", {2, 4}, {1.0f, -8.0f, 2.0f, 0.5f, 3.0f, -3.0f, 1.0f, 0.0f});
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data(), 16);
        QVERIFY(a.hasSource);
        QVERIFY(a.unavailable.empty());
        QCOMPARE(a.rows, int64_t(2));
        QCOMPARE(a.cols, int64_t(4));
        QCOMPARE(a.setters[0].column, int64_t(1));
        QCOMPARE(a.setters[0].value, -8.0f);
        QCOMPARE(a.setters[0].nextLargest, 2.0f);
        QCOMPARE(a.setters[0].ratio, 4.0);
        QCOMPARE(a.setters[0].clipped, int64_t(0)); // absmax never clips
        QCOMPARE(a.setters[1].column, int64_t(0));
        QCOMPARE(a.setters[1].ratio, 1.0);
        QCOMPARE(a.tensorSetter.column, int64_t(1));
        QCOMPARE(a.absMax, 8.0);
        QCOMPARE(a.saturated, int64_t(0));
    }

    void singleNonZeroRowHasInfiniteRatio()
    {
        OwnedTensor w("w", {1, 3}, {0.0f, 5.0f, 0.0f});
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QVERIFY(std::isinf(a.setters[0].ratio));
        QCOMPARE(a.setters[0].nextLargest, 0.0f);
    }

    void agreesWithQuantizerStatistics()
    {
        OwnedTensor w("layers.1.in_proj.weight", {48, 64}, randomValues(48 * 64, 0.05f, 7));
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data(), 40);
        QCOMPARE(a.weights.total(), uint64_t(48 * 64));
        QCOMPARE(a.dequantized.total(), uint64_t(48 * 64));
        QCOMPARE(a.errors.total(), uint64_t(48 * 64));
        QCOMPARE(a.codes.total(), uint64_t(48 * 64));
        QCOMPARE(a.codes.counts.size(), std::size_t(256));
        QCOMPARE(a.weights.counts.size(), std::size_t(40));
        QVERIFY(std::fabs(a.errorRms * a.errorRms - qz.q.stats.mse()) <= 1e-12 + 1e-9 * qz.q.stats.mse());
        QCOMPARE(a.maxAbsError, qz.q.stats.maxAbsErr);
        for (int64_t r = 0; r < 48; ++r)
            QVERIFY(std::fabs(a.rowSnr[std::size_t(r)] - *qz.q.rowStats[std::size_t(r)].snrDb()) < 1e-9);
        // Worst rows ascend and cover every row.
        QCOMPARE(a.worstRows.size(), std::size_t(48));
        for (std::size_t i = 1; i < a.worstRows.size(); ++i)
            QVERIFY(a.rowSnr[std::size_t(a.worstRows[i - 1])] <= a.rowSnr[std::size_t(a.worstRows[i])]);
        // An errors histogram centred on 0 spanning +-max error.
        QCOMPARE(a.errors.hi, a.maxAbsError);
        QCOMPARE(a.diagnosis, SnrDiagnosis::None);
        QVERIFY(a.note.empty());
    }

    void clippingStrategyCountsClippedWeights()
    {
        auto v = randomValues(4 * 256, 0.02f, 3);
        v[5] = 1.5f; // one outlier in row 0
        OwnedTensor w("w", {4, 256}, v);
        const auto qz = quantizeWith(w.t, "per_channel_percentile");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.setters[0].column, int64_t(5));
        QVERIFY(a.setters[0].ratio > 10.0);
        QVERIFY(a.setters[0].clipped >= 1);
        QVERIFY(a.saturated >= 1);
    }

    void zeroRowIsExcludedFromWorstRows()
    {
        OwnedTensor w("aux.zero_row.weight", {3, 4}, {1, 2, 3, 4, 0, 0, 0, 0, -1, 0.5f, 0.25f, 2});
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.zeroRows, int64_t(1));
        QVERIFY(std::isnan(a.rowSnr[1]));
        QCOMPARE(a.worstRows.size(), std::size_t(2));
        QVERIFY(std::find(a.worstRows.begin(), a.worstRows.end(), 1) == a.worstRows.end());
    }

    void allZeroTensorIsDiagnosed()
    {
        OwnedTensor w("aux.zero.weight", {4, 8}, std::vector<float>(32, 0.0f));
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.diagnosis, SnrDiagnosis::AllZero);
        QCOMPARE(a.zeroRows, int64_t(4));
        QVERIFY(a.worstRows.empty());
        QVERIFY(a.note.find("undefined") != std::string::npos);
        QVERIFY(a.note.find("exactly") != std::string::npos);
    }

    void nearZeroTensorIsNotRealDamage()
    {
        // Weights around 1e-6: mean w^2 ~ 1e-12 is below the 1e-10 noise floor, so SNR reads ~ -20 dB.
        OwnedTensor w("layers.0.tiny.weight", {8, 16}, randomValues(128, 1e-6f, 11));
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        QVERIFY(*qz.q.stats.snrDb() < 0.0);
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.diagnosis, SnrDiagnosis::NearZero);
        QVERIFY2(a.note.find("without real damage") != std::string::npos, a.note.c_str());
        QVERIFY2(a.note.find("absolute error") != std::string::npos, a.note.c_str());
        QVERIFY2(a.note.find("unfloored SNR") != std::string::npos, a.note.c_str());
        // The per-row SNR is unaffected by the floor only if rows are large; here they are floored too.
        QVERIFY(a.signalRms < 1e-5);
        QVERIFY(a.errorRms < a.signalRms);
    }

    void healthyTensorHasNoNote()
    {
        OwnedTensor w("w", {16, 32}, randomValues(512, 0.1f, 5));
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        std::string note = "stale";
        QCOMPARE(diagnoseSnr(qz.q, &note), SnrDiagnosis::None);
        QVERIFY(note.empty());
    }

    void tinyAndOutlierDiagnosesFromStatistics()
    {
        QuantizedTensor q;
        q.shape = {4};
        q.stats.count = 4;
        q.stats.signal = 4.0;   // mean 1
        q.stats.noise = 0.04;   // mse 0.01 -> 20 dB
        q.stats.maxAbsErr = 0.2;
        std::string note;
        QCOMPARE(diagnoseSnr(q, &note), SnrDiagnosis::Tiny);
        QVERIFY(note.find("Only 4 values") != std::string::npos);

        q.shape = {64, 64};
        q.stats.count = 4096;
        q.stats.signal = 4096.0;
        q.stats.noise = 40.96; // 20 dB
        ScaleSetter s;
        s.column = 3;
        s.value = 12.0f;
        s.nextLargest = 1.5f;
        s.ratio = 8.0;
        QCOMPARE(diagnoseSnr(q, &note, &s, 17), SnrDiagnosis::Outlier);
        QVERIFY2(note.find("Row 17") != std::string::npos, note.c_str());
        QVERIFY(note.find("8.0x") != std::string::npos);
        // Without an outstanding setter there is nothing to blame: no note.
        s.ratio = 1.1;
        QCOMPARE(diagnoseSnr(q, &note, &s, 17), SnrDiagnosis::None);
    }

    void perTensorLayoutUsesTensorSetter()
    {
        OwnedTensor w("final_norm.weight", {6}, {0.1f, 0.2f, -0.3f, 0.05f, 0.0f, 0.15f});
        const auto qz = quantizeWith(w.t, "per_tensor_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.rows, int64_t(1));
        QCOMPARE(a.tensorSetter.column, int64_t(2));
        QCOMPARE(a.tensorSetter.value, -0.3f);
        QCOMPARE(a.tensorSetter.ratio, double(0.3f) / double(0.2f));
    }

    void conv1dIsAnalysedOnItsTwoDimensionalView()
    {
        OwnedTensor w("layers.0.mamba.conv1d.weight", {4, 1, 3}, randomValues(12, 0.3f, 2));
        const auto qz = quantizeWith(w.t, "per_channel_absmax");
        const auto a = analyzeTensor(w.t, qz.q, qz.codes.data());
        QCOMPARE(a.rows, int64_t(4));
        QCOMPARE(a.cols, int64_t(3));
        QCOMPARE(a.setters.size(), std::size_t(4));
    }

    void codesOnlyAnalysisSaysWhatIsMissing()
    {
        const auto r = loadArtifacts(QL_TEST_DATA "/golden/policy-small");
        const auto &q = r.tensors.front();
        const auto a = analyzeCodes(q, r.codes(q).data());
        QVERIFY(!a.hasSource);
        QVERIFY(a.unavailable.find("FP32") != std::string::npos);
        QVERIFY(a.rowSnr.empty());
        QVERIFY(a.setters.empty());
        QCOMPARE(a.codes.total(), q.size);
        QCOMPARE(a.dequantized.total(), q.size);
        // Codes reproduce the manifest's SNR band: a seed output never has all-zero code histograms.
        QVERIFY(a.codes.counts[128] < q.size);
    }

    void scaleSummaryQuartiles()
    {
        QuantizedTensor q;
        q.strategy = Strategy::defaultFor(2);
        q.scales = {5.0f, 1.0f, 3.0f, 2.0f, 4.0f};
        const auto s = summarizeScales(q);
        QCOMPARE(s.count, std::size_t(5));
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.q1, 2.0);
        QCOMPARE(s.median, 3.0);
        QCOMPARE(s.q3, 4.0);
        QCOMPARE(s.max, 5.0);

        QuantizedTensor t;
        t.strategy = Strategy::defaultFor(1);
        t.scale = 0.25;
        const auto u = summarizeScales(t);
        QCOMPARE(u.count, std::size_t(1));
        QCOMPARE(u.min, 0.25);
        QCOMPARE(u.max, 0.25);
    }

    void candidatesDependOnRank()
    {
        QCOMPARE(candidateStrategies(2).size(), std::size_t(6));
        const auto one = candidateStrategies(1);
        QCOMPARE(one.size(), std::size_t(3));
        for (const auto &s : one)
            QCOMPARE(s.layout, ScaleLayout::PerTensor);
    }

    void trialsFindTheBestStrategy()
    {
        auto v = randomValues(8 * 128, 0.02f, 9);
        for (int r = 0; r < 8; ++r)
            v[std::size_t(r * 128 + r)] = 0.6f; // an outlier per row: clipping pays
        OwnedTensor w("layers.0.x_proj.weight", {8, 128}, v);
        const auto trials = tryStrategies(w.t, candidateStrategies(2), "test.pt");
        QCOMPARE(trials.size(), std::size_t(6));
        double absmax = 0, mse = 0;
        for (const auto &t : trials) {
            QVERIFY(t.snr.has_value());
            if (t.strategy.name() == "per_channel_absmax")
                absmax = *t.snr;
            if (t.strategy.name() == "per_channel_mse")
                mse = *t.snr;
        }
        // The MSE search keeps absmax as a candidate, so it can only lower the noise.
        QVERIFY(mse >= absmax);
        const auto best = bestTrial(trials, Strategy::defaultFor(2));
        QVERIFY(best.has_value());
        for (const auto &t : trials)
            QVERIFY(*best->snr >= *t.snr);
        // The trial's SNR is what the quantizer reports for that strategy.
        const auto qz = quantizeWith(w.t, best->strategy.name());
        QCOMPARE(*qz.q.stats.snrDb(), *best->snr);
    }

    void trialWithoutCodesMatchesQuantize()
    {
        // quantizeTensor(out = nullptr), what the trials use, drops each chunk's codes: the scales and statistics must
        // be those of a run that keeps them, for every strategy, multi-threaded (>= 64K values) and on the float64
        // path of an integer tensor, which works block by block.
        auto v = randomValues(300 * 257, 0.05f, 4);
        v[1234] = 1.5f;
        OwnedTensor f("big.weight", {300, 257}, v);
        std::vector<int64_t> ints(3 * 70000);
        for (std::size_t i = 0; i < ints.size(); ++i)
            ints[i] = int64_t(i % 1001) - 500;
        TensorData it = f.t;
        it.name = "counts";
        it.dtype = DType::Int64;
        it.shape = {3, 70000};
        it.strides = {70000, 1};
        it.storage = std::as_bytes(std::span<const int64_t>(ints));
        for (const TensorData *t : {&f.t, &it})
            for (const auto &s : candidateStrategies(2)) {
                std::vector<int8_t> codes(std::size_t(t->numel()));
                const auto kept = quantizeTensor(*t, s, codes.data(), "test.pt", true);
                const auto trial = quantizeTensor(*t, s, nullptr, "test.pt", true);
                const QByteArray what = QByteArray::fromStdString(t->name + " " + s.name());
                QVERIFY2(kept.stats.signal == trial.stats.signal && kept.stats.noise == trial.stats.noise &&
                             kept.stats.maxAbsErr == trial.stats.maxAbsErr,
                         what.constData());
                QVERIFY2(kept.scales == trial.scales && kept.scale == trial.scale && kept.absmax == trial.absmax,
                         what.constData());
                QCOMPARE(trial.rowStats.size(), kept.rowStats.size());
                for (std::size_t r = 0; r < kept.rowStats.size(); ++r)
                    QVERIFY2(kept.rowStats[r].noise == trial.rowStats[r].noise, what.constData());
            }
    }

    void bestTrialTieKeepsCurrent()
    {
        const Strategy a = *Strategy::fromName("per_channel_absmax");
        const Strategy b = *Strategy::fromName("per_channel_mse");
        std::vector<StrategyTrial> trials = {{a, 40.0}, {b, 40.0}};
        QCOMPARE(bestTrial(trials, b)->strategy.name(), std::string("per_channel_mse"));
        QCOMPARE(bestTrial(trials, a)->strategy.name(), std::string("per_channel_absmax"));
        trials = {{a, std::nullopt}, {b, std::nullopt}};
        QVERIFY(!bestTrial(trials, a).has_value());
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
