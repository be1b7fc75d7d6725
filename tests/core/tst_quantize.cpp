// Quantizer semantics beyond the goldens: shard-map edges, groups, skipped / integer / all-zero tensors, and the
// strategy layer of issue 4 (per-channel MSE never worse than absmax, percentile clipping, overrides parsing and
// matching, the manifest's strategy record, re-quantization equal to a fresh run).
#include "../cli/goldencheck.h"

#include "artifacts/artifacts.h"
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "artifacts/manifest.h"
#include "quantization/quantize.h"
#include "artifacts/shardmap.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <random>
#include <set>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

/// The whole INT8 buffer as a string (golden files are compared as text).
std::string text(const ql::Int8Buffer &b)
{
    const auto v = b.flat();
    return std::string(v.begin(), v.end());
}

/// A checkpoint built in memory (no file): tensors view buffers this object owns.
struct MemCheckpoint
{
    std::list<std::vector<std::byte>> buffers;
    ql::Checkpoint ck;

    MemCheckpoint() { ck.path = "memory.pt"; }

    template <typename T>
    void add(const std::string &name, std::vector<int64_t> shape, const std::vector<T> &values,
             ql::DType dtype = ql::DType::Float32)
    {
        auto &b = buffers.emplace_back(values.size() * sizeof(T));
        std::memcpy(b.data(), values.data(), b.size());
        ql::TensorData t;
        t.name = name;
        t.dtype = dtype;
        t.shape = std::move(shape);
        t.strides.assign(t.shape.size(), 1);
        for (std::size_t i = t.shape.size(); i-- > 1;)
            t.strides[i - 1] = t.strides[i] * t.shape[i];
        t.storage = std::span<const std::byte>(b.data(), b.size());
        t.storageKey = name;
        ck.tensors.push_back(std::move(t));
    }
    void addFloats(const std::string &name, std::vector<int64_t> shape, float (*f)(int64_t))
    {
        int64_t n = 1;
        for (auto d : shape)
            n *= d;
        std::vector<float> v(static_cast<std::size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            v[std::size_t(i)] = f(i);
        add(name, std::move(shape), v);
    }
};

float wave(int64_t i) { return float((i * 37) % 201 - 100) / 64.0f; }

ql::Overrides overrides(const char *json) { return ql::Overrides::fromJson(ql::Json::parse(json), "overrides.json"); }

std::string overridesError(const char *json)
{
    try {
        overrides(json);
    } catch (const ql::Error &e) {
        return e.what();
    }
    return "";
}

ql::QuantizeResult run(const ql::Checkpoint &ck, const ql::Overrides &o = {}, unsigned threads = 0)
{
    ql::QuantizeOptions opt;
    opt.overrides = o;
    opt.threads = threads;
    return ql::quantize(ck, opt);
}

/// SPEC section 5 literally, for comparison with the implementation.
std::vector<ql::Shard> specShards(uint64_t total)
{
    std::vector<ql::Shard> out;
    if (total == 0)
        return out;
    const uint64_t target = 4ull << 20;
    const uint64_t n = std::max<uint64_t>(1, (total + target - 1) / target);
    uint64_t start = 0;
    for (uint64_t i = 0; i < n; ++i) {
        const uint64_t end = i < n - 1 ? (((i + 1) * total / n + 4095) & ~uint64_t(4095)) : total;
        out.push_back({int(i), start, end - start});
        start = end;
    }
    return out;
}

const std::vector<fs::path> &allFixtures()
{
    static const std::vector<fs::path> f = [] {
        std::vector<fs::path> v = {QL_SAMPLE};
        for (const char *n : {"policy-small.pt", "mlp-small.pt", "edge-cases.pt", "legacy-format.pt", "mixed-dtypes.pt"})
            v.push_back(kData / n);
        for (const auto &e : fs::directory_iterator(kData / "extra"))
            v.push_back(e.path());
        std::sort(v.begin(), v.end());
        return v;
    }();
    return f;
}
} // namespace

class TestQuantize : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shardMapEdges_data()
    {
        QTest::addColumn<qulonglong>("total");
        QTest::addColumn<QList<qulonglong>>("sizes");
        const qulonglong MiB = 1 << 20;
        QTest::newRow("0 bytes") << 0ull << QList<qulonglong>{};
        QTest::newRow("1 byte") << 1ull << QList<qulonglong>{1};
        QTest::newRow("exactly 4 MiB") << 4 * MiB << QList<qulonglong>{4 * MiB};
        QTest::newRow("4 MiB + 1") << 4 * MiB + 1 << QList<qulonglong>{2 * MiB, 2 * MiB + 1};
        QTest::newRow("seed world model") << 4347748ull << QList<qulonglong>{2174976, 2172772};
        QTest::newRow("seed policy") << 1573621ull << QList<qulonglong>{1573621};
        QTest::newRow("exactly 8 MiB") << 8 * MiB << QList<qulonglong>{4 * MiB, 4 * MiB};
        QTest::newRow("8 MiB + 1") << 8 * MiB + 1 << QList<qulonglong>{2797568, 2797568, 2793473};
        QTest::newRow("12 MiB + 4097") << 12 * MiB + 4097 << QList<qulonglong>{3149824, 3145728, 3145728, 3145729};
    }
    void shardMapEdges()
    {
        QFETCH(qulonglong, total);
        QFETCH(QList<qulonglong>, sizes);
        const auto shards = ql::shardMap(total);
        QCOMPARE(int(shards.size()), int(sizes.size()));
        uint64_t offset = 0;
        for (std::size_t i = 0; i < shards.size(); ++i) {
            QCOMPARE(shards[i].index, int(i));
            QCOMPARE(shards[i].offset, offset);
            QCOMPARE(qulonglong(shards[i].size), sizes[int(i)]);
            if (i + 1 < shards.size())
                QCOMPARE((shards[i].offset + shards[i].size) % 4096, uint64_t(0));
            offset += shards[i].size;
        }
        QCOMPARE(offset, uint64_t(total));
    }

    /// The implementation against SPEC's formula over many totals (small, around multiples of 4 MiB, random).
    void shardMapMatchesSpecFormula()
    {
        std::vector<uint64_t> totals;
        for (uint64_t t = 0; t < 20000; t += 7)
            totals.push_back(t);
        for (uint64_t k = 1; k <= 12; ++k)
            for (int64_t d = -4100; d <= 4100; d += 41)
                totals.push_back(uint64_t(int64_t(k << 22) + d));
        std::mt19937_64 rng(7);
        for (int i = 0; i < 3000; ++i)
            totals.push_back(rng() % (1ull << 30)); // up to 256 shards
        totals.push_back(40ull << 30);              // 40 GiB: 10,240 shards
        for (uint64_t t : totals) {
            const auto got = ql::shardMap(t), want = specShards(t);
            QVERIFY2(got.size() == want.size(), qPrintable(QString::number(t)));
            for (std::size_t i = 0; i < got.size(); ++i)
                QVERIFY2(got[i].offset == want[i].offset && got[i].size == want[i].size && got[i].index == want[i].index,
                         qPrintable(QString::number(t)));
        }
        const auto s = ql::shardMap(4347748);
        QCOMPARE(ql::shardOf(s, 0), 0);
        QCOMPARE(ql::shardOf(s, 2174975), 0);
        QCOMPARE(ql::shardOf(s, 2174976), 1);
        QCOMPARE(ql::shardOf(s, 4347747), 1);
        QCOMPARE(ql::shardOf(s, 4347748), -1);
    }

    /// The same edges through quantize() and the manifest, with in-memory checkpoints of those sizes.
    void shardMapThroughQuantize_data()
    {
        QTest::addColumn<qlonglong>("rows");
        QTest::addColumn<qlonglong>("extra"); // elements of a 1-D tensor added to the rows x 4096 matrix
        QTest::addColumn<int>("shards");
        QTest::newRow("0 bytes (only a 0-D tensor)") << 0ll << 0ll << 0;
        QTest::newRow("exactly 4 MiB") << 1024ll << 0ll << 1;
        QTest::newRow("4 MiB + 1") << 1024ll << 1ll << 2;
        QTest::newRow("> 8 MiB") << 2048ll << 4097ll << 3;
    }
    void shardMapThroughQuantize()
    {
        QFETCH(qlonglong, rows);
        QFETCH(qlonglong, extra);
        QFETCH(int, shards);
        MemCheckpoint m;
        if (rows)
            m.addFloats("trunk.0.weight", {rows, 4096}, wave);
        else
            m.add<float>("trunk.0.weight", {}, {1.5f});
        if (extra)
            m.addFloats("trunk.0.bias", {extra}, wave);
        const auto r = run(m.ck);
        const uint64_t total = uint64_t(rows * 4096 + extra);
        QCOMPARE(r.totalBytes, total);
        QCOMPARE(r.bytes.size(), total);
        const OJson man = OJson::parse(ql::buildManifest(r).dump());
        QCOMPARE(man["shard_map"]["num_shards"].get<int>(), shards);
        QCOMPARE(int(man["shard_map"]["shards"].size()), shards);
        const auto want = specShards(total);
        for (int i = 0; i < shards; ++i) {
            QCOMPARE(man["shard_map"]["shards"][i]["offset"].get<uint64_t>(), want[std::size_t(i)].offset);
            QCOMPARE(man["shard_map"]["shards"][i]["size"].get<uint64_t>(), want[std::size_t(i)].size);
        }
        if (!rows) {
            QVERIFY(man["shard_map"]["shards"].is_array());
            QCOMPARE(man["error_summary"]["num_2d_weights"].get<int>(), 0);
            QCOMPARE(man["error_summary"]["mean_snr_db"].get<double>(), 0.0);
        }
    }

    void groups_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("group");
        QTest::newRow("a") << "layers.0.mamba.in_proj.weight" << "layer_weights";
        QTest::newRow("b") << "layers.12.norm.weight" << "layer_weights";
        QTest::newRow("c") << "layers.0.foo_embed.weight" << "layer_weights"; // 'layers.' wins
        QTest::newRow("d") << "action_embed.weight" << "embeddings";
        QTest::newRow("e") << "embed.weight" << "projections";
        QTest::newRow("f") << "action_embed.bias" << "projections";
        QTest::newRow("g") << "p0_action_head.weight" << "heads";
        QTest::newRow("h") << "analog_head.bias" << "heads";
        QTest::newRow("i") << "analog_head.scale" << "projections";
        QTest::newRow("j") << "head.weight" << "projections";
        QTest::newRow("k") << "trunk.0.weight" << "projections";
        QTest::newRow("l") << "layers_0.weight" << "projections";
        QTest::newRow("m") << "final_norm.weight" << "projections";
    }
    void groups()
    {
        QFETCH(QString, name);
        QFETCH(QString, group);
        QCOMPARE(QString(ql::groupOf(name.toStdString())), group);
    }

    /// 0-D and > 3-D tensors are skipped with a warning and take no bytes; 3-D ones are reshaped (out, in*k).
    void skippedAndReshaped()
    {
        MemCheckpoint m;
        m.add<float>("trunk.0.weight", {2, 2}, {1, -1, 0.5f, 0.25f});
        m.add<float>("trunk.scalar", {}, {3.0f});
        m.addFloats("trunk.conv4d", {2, 1, 2, 2}, wave);
        m.addFloats("trunk.conv.weight", {3, 2, 4}, wave);
        const auto r = run(m.ck);
        QCOMPARE(r.tensors.size(), std::size_t(2));
        QCOMPARE(r.skipped.size(), std::size_t(2));
        QCOMPARE(r.totalBytes, uint64_t(4 + 24));
        int warned = 0;
        for (const auto &w : r.warnings)
            warned += w.find("skipped 'trunk.scalar' (0-D scalar)") != std::string::npos ||
                      w.find("skipped 'trunk.conv4d' (4-D tensor)") != std::string::npos;
        QCOMPARE(warned, 2);
        const auto *c = r.find("trunk.conv.weight");
        QCOMPARE(c->rows, int64_t(3));
        QCOMPARE(c->cols, int64_t(8));
        QCOMPARE(c->scales.size(), std::size_t(3));
        const OJson man = OJson::parse(ql::buildManifest(r).dump());
        const OJson &e = man["weights"]["projections"]["trunk.conv.weight"];
        QCOMPARE(e["original_shape_3d"], OJson::parse("[3, 2, 4]"));
        QCOMPARE(e["reshaped_2d"], OJson::parse("[3, 8]"));
        QCOMPARE(man["error_summary"]["num_2d_weights"].get<int>(), 2); // 3-D counts as a matrix
        QVERIFY(!man["weights"]["projections"].contains("trunk.scalar"));
    }

    /// Integer tensors are quantized like float ones, dividing in float64 as numpy does for int64 / float.
    void integerTensors()
    {
        MemCheckpoint m;
        m.add<int64_t>("trunk.0.weight", {2, 3}, {-3, 0, 1000, 7, 8, -9}, ql::DType::Int64);
        m.add<int32_t>("trunk.0.bias", {5}, {-200, -1, 0, 3, 201}, ql::DType::Int32);
        const auto r = run(m.ck);
        const auto *w = r.find("trunk.0.weight");
        const auto *b = r.find("trunk.0.bias");
        QCOMPARE(w->dtype, ql::DType::Int64);
        QCOMPARE(w->scales[0], float(1000.0 / 127.0));
        QCOMPARE(w->scales[1], float(9.0 / 127.0));
        QCOMPARE(b->scale, 201.0 / 127.0);
        auto q = [](double v, double s) { return int(std::clamp(std::nearbyint(v / s), -128.0, 127.0)); };
        const std::vector<int> want = {q(-3, 1000.0 / 127), 0, 127, q(7, 9.0 / 127), q(8, 9.0 / 127), -127,
                                       q(-200, 201.0 / 127), q(-1, 201.0 / 127), 0, q(3, 201.0 / 127), 127};
        const auto bytes = r.bytes.flat();
        const std::vector<int> got(bytes.begin(), bytes.end());
        // Sorted order: trunk.0.bias (5 bytes) then trunk.0.weight (6 bytes).
        std::vector<int> expect(want.begin() + 6, want.end());
        expect.insert(expect.end(), want.begin(), want.begin() + 6);
        QCOMPARE(got, expect);
    }

    /// An all-zero matrix: SNR null, left out of mean/min/max, still counted in num_2d_weights.
    void allZeroTensors()
    {
        MemCheckpoint m;
        m.add<float>("trunk.0.weight", {2, 4}, std::vector<float>(8, 0.0f));
        m.addFloats("trunk.3.weight", {4, 8}, wave);
        m.add<float>("trunk.0.bias", {3}, {0, 0, 0});
        const auto r = run(m.ck);
        const auto s = r.summary();
        QCOMPARE(s.numMatrices, 2);
        QCOMPARE(s.numUndefined, 1);
        const double snr = *r.find("trunk.3.weight")->stats.snrDb();
        QCOMPARE(s.meanSnr, snr);
        QCOMPARE(s.minSnr, snr);
        QCOMPARE(s.maxSnr, snr);
        QVERIFY(!r.find("trunk.0.weight")->stats.snrDb());
        QCOMPARE(r.find("trunk.0.weight")->scales[0], 1e-8f / 127.0f);
        const OJson man = OJson::parse(ql::buildManifest(r).dump());
        QVERIFY(man["weights"]["projections"]["trunk.0.weight"]["snr_db"].is_null());
        QVERIFY(man["weights"]["projections"]["trunk.0.bias"]["error"]["snr_db"].is_null());
        QCOMPARE(man["weights"]["projections"]["trunk.0.bias"]["error"]["relative_error_pct"].get<double>(), 0.0);
        QCOMPARE(man["error_summary"]["num_2d_weights"].get<int>(), 2);
        QCOMPARE(man["error_summary"]["undefined_snr_weights"].get<int>(), 1);
        QCOMPARE(man["error_summary"]["mean_snr_db"].get<double>(), snr);
        for (uint64_t k = 0; k < 3; ++k)
            QCOMPARE(int(r.bytes[k]), 0);
    }

    /// Thread count and job split do not change a single byte or statistic.
    void deterministicAcrossThreads()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(QL_SAMPLE);
        const auto a = run(ck, {}, 1), b = run(ck, {}, 7);
        QVERIFY(a.bytes == b.bytes);
        QCOMPARE(ql::buildManifest(a).dump(), ql::buildManifest(b).dump());
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "*", "strategy": "per_tensor_mse"}]})");
        const auto c = run(ck, o, 1), d = run(ck, o, 5);
        QVERIFY(c.bytes == d.bytes);
        QCOMPARE(ql::buildManifest(c).dump(), ql::buildManifest(d).dump());
    }

    void cancellation()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(QL_SAMPLE);
        ql::QuantizeOptions opt;
        int calls = 0;
        opt.progress = [&](uint64_t, uint64_t) { return ++calls < 3; };
        try {
            ql::quantize(ck, opt);
            QFAIL("not cancelled");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Cancelled);
        }
        uint64_t last = 0, total = 0;
        opt.progress = [&](uint64_t d, uint64_t t) {
            last = std::max(last, d);
            total = t;
            return true;
        };
        const auto r = ql::quantize(ck, opt);
        QCOMPARE(last, r.totalBytes);
        QCOMPARE(total, r.totalBytes);
    }

    // ---- issue 4: strategies and overrides ----------------------------------------------------------------------

    /// per_*_mse searches clip thresholds that include absmax, so its SNR is never below absmax's, for every
    /// tensor of every fixture (rows and the whole tensor alike).
    void mseNeverWorseThanAbsmax_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto &f : allFixtures())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }
    void mseNeverWorseThanAbsmax()
    {
        QFETCH(QString, file);
        const ql::Checkpoint ck = ql::loadCheckpoint(file.toStdString());
        auto all = [](const char *s) {
            return overrides(("{\"format\": \"quantlens_overrides_v1\", \"overrides\": [{\"match\": \"*\", \"strategy\": \"" +
                              std::string(s) + "\"}]}")
                                 .c_str());
        };
        const auto cAbs = run(ck, all("per_channel_absmax")), cMse = run(ck, all("per_channel_mse"));
        const auto tAbs = run(ck, all("per_tensor_absmax")), tMse = run(ck, all("per_tensor_mse"));
        int better = 0;
        for (std::size_t i = 0; i < cAbs.tensors.size(); ++i) {
            const auto &name = cAbs.tensors[i].name;
            for (auto [a, b] : {std::pair{&cAbs.tensors[i], &cMse.tensors[i]}, {&tAbs.tensors[i], &tMse.tensors[i]}}) {
                QCOMPARE(b->name, name);
                const auto sa = a->stats.snrDb(), sb = b->stats.snrDb();
                QCOMPARE(bool(sa), bool(sb));
                if (sa) {
                    QVERIFY2(*sb >= *sa, qPrintable(QString("%1 %2: %3 < %4")
                                                         .arg(name.c_str(), b->strategy.name().c_str())
                                                         .arg(*sb)
                                                         .arg(*sa)));
                    better += *sb > *sa;
                }
                QVERIFY(b->stats.noise <= a->stats.noise);
                QCOMPARE(b->strategy.method, ql::ClipMethod::Mse);
            }
        }
        if (cAbs.totalBytes > 10000)
            QVERIFY(better > 0); // the search finds real improvements on trained-like weights
    }

    /// Percentile clipping: the threshold is numpy's linear-interpolation percentile of |w| (never above absmax);
    /// values beyond it saturate; 100 reproduces absmax exactly.
    void percentileClipping()
    {
        const std::vector<float> four = {-4, 1, -2, 3};
        QCOMPARE(ql::absPercentile(four.data(), 4, 50.0), 2.5);
        QCOMPARE(ql::absPercentile(four.data(), 4, 100.0), 4.0);
        QCOMPARE(ql::absPercentile(four.data(), 4, 0.0), 1.0);
        QCOMPARE(ql::absPercentile(four.data(), 4, 25.0), 1.75);
        QCOMPARE(ql::absPercentile(four.data(), 1, 30.0), 4.0);
        std::vector<float> ramp(101);
        for (int i = 0; i <= 100; ++i)
            ramp[std::size_t(i)] = float(i) * (i % 2 ? -1.0f : 1.0f);
        QCOMPARE(ql::absPercentile(ramp.data(), 101, 99.0), 99.0);
        QCOMPARE(ql::absPercentile(ramp.data(), 101, 99.5), 99.5);

        // From kSelectInPlaceFrom values on, the copy-free select: the same numbers as sorting a copy of |w|, with
        // duplicates, signed zeros, subnormals and an outlier, at percentiles that fall on and between elements.
        const int64_t n = ql::kSelectInPlaceFrom + 4097;
        std::vector<float> big(static_cast<std::size_t>(n));
        uint32_t state = 12345;
        for (auto &v : big) {
            state = state * 1664525u + 1013904223u;
            v = float(int32_t(state >> 8) % 2000 - 1000) / 997.0f; // many duplicates
        }
        big[7] = -0.0f;
        big[8] = 0.0f;
        big[9] = std::numeric_limits<float>::denorm_min();
        big[10] = -1e30f;
        std::vector<float> sorted(big.size());
        std::transform(big.begin(), big.end(), sorted.begin(), [](float v) { return std::fabs(v); });
        std::sort(sorted.begin(), sorted.end());
        for (double p : {0.0, 0.001, 25.0, 50.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
            const double pos = p / 100.0 * double(n - 1);
            const auto lo = std::size_t(std::floor(pos));
            const double vlo = sorted[lo];
            const double expected
                = lo + 1 >= sorted.size() ? vlo : vlo + (double(sorted[lo + 1]) - vlo) * (pos - double(lo));
            QCOMPARE(ql::absPercentile(big.data(), n, p), expected);
        }
        const std::vector<float> zeros(static_cast<std::size_t>(ql::kSelectInPlaceFrom), -0.0f);
        QCOMPARE(ql::absPercentile(zeros.data(), int64_t(zeros.size()), 99.9), 0.0);

        // One row: 200 small values and one outlier.
        std::vector<float> row(201);
        for (int i = 0; i < 200; ++i)
            row[std::size_t(i)] = float((i % 21) - 10) / 10.0f; // |w| <= 1
        row[200] = 20.0f;
        MemCheckpoint m;
        m.add("trunk.0.weight", {1, 201}, row);
        m.add("trunk.0.bias", {201}, row);
        const auto base = run(m.ck);
        const auto p99 = run(m.ck, overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "trunk.0.weight", "strategy": "per_channel_percentile", "percentile": 99},
            {"match": "trunk.0.bias", "strategy": "per_tensor_percentile", "percentile": 99}]})"));
        const float clip = float(ql::absPercentile(row.data(), 201, 99.0));
        QVERIFY(clip <= 1.0f);
        QCOMPARE(p99.find("trunk.0.weight")->scales[0], clip / 127.0f);
        QCOMPARE(p99.find("trunk.0.bias")->scale, double(clip) / 127.0);
        // The outlier saturates at +127 and the bulk gets finer steps than with absmax.
        QCOMPARE(int(p99.bytes[p99.find("trunk.0.weight")->offset + 200]), 127);
        QVERIFY(p99.find("trunk.0.weight")->stats.maxAbsErr > 18.0);
        QVERIFY(base.find("trunk.0.weight")->stats.maxAbsErr < 0.1);
        int distinct99 = 0, distinctBase = 0;
        {
            std::set<int> a, b;
            for (int i = 0; i < 200; ++i) {
                a.insert(p99.bytes[p99.find("trunk.0.weight")->offset + std::size_t(i)]);
                b.insert(base.bytes[base.find("trunk.0.weight")->offset + std::size_t(i)]);
            }
            distinct99 = int(a.size());
            distinctBase = int(b.size());
        }
        QVERIFY(distinct99 > distinctBase);
        // percentile 100 == absmax, byte for byte (per-channel) and scale for scale.
        const auto p100 = run(m.ck, overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "trunk.0.weight", "strategy": "per_channel_percentile", "percentile": 100}]})"));
        QVERIFY(p100.bytes == base.bytes);
        QCOMPARE(p100.find("trunk.0.weight")->scales, base.find("trunk.0.weight")->scales);
    }

    void overridesErrors_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown strategy")
            << R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "a*", "strategy": "per_channel_absmax"},
                  {"match": "layers.*", "strategy": "per_row_magic"}]})"
            << R"(rule 1 (match "layers.*"): unknown strategy "per_row_magic" (known: per_channel_absmax)";
        QTest::newRow("percentile 0") << R"({"format": "quantlens_overrides_v1", "overrides": [
                  {"match": "x", "strategy": "per_channel_percentile", "percentile": 0}]})"
                                      << R"(rule 0 (match "x"): "percentile" must be in (0, 100])";
        QTest::newRow("percentile 101") << R"({"format": "quantlens_overrides_v1", "overrides": [
                  {"match": "x", "strategy": "per_tensor_percentile", "percentile": 101}]})"
                                        << "must be in (0, 100], got 101";
        QTest::newRow("percentile text") << R"({"format": "quantlens_overrides_v1", "overrides": [
                  {"match": "x", "strategy": "per_tensor_percentile", "percentile": "99"}]})"
                                         << R"("percentile" must be a number)";
        QTest::newRow("percentile on absmax") << R"({"format": "quantlens_overrides_v1", "overrides": [
                  {"match": "x", "strategy": "per_tensor_absmax", "percentile": 99}]})"
                                              << "only applies to the *_percentile strategies";
        QTest::newRow("unknown key") << R"({"format": "quantlens_overrides_v1", "overrides": [
                  {"match": "x", "strategy": "per_tensor_mse", "bits": 4}]})"
                                     << R"(rule 0 (match "x"): unknown key "bits")";
        QTest::newRow("no match") << R"({"format": "quantlens_overrides_v1", "overrides": [{"strategy": "per_tensor_mse"}]})"
                                  << R"(rule 0: needs a non-empty "match")";
        QTest::newRow("empty match") << R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "", "strategy": "per_tensor_mse"}]})"
                                     << "needs a non-empty";
        QTest::newRow("no strategy") << R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "x"}]})"
                                     << R"(rule 0 (match "x"): needs a "strategy")";
        QTest::newRow("rule not an object") << R"({"format": "quantlens_overrides_v1", "overrides": [3]})"
                                            << "rule 0: must be an object";
        QTest::newRow("wrong format") << R"({"format": "v2", "overrides": []})" << R"("format" must be)";
        QTest::newRow("no list") << R"({"format": "quantlens_overrides_v1", "overrides": {}})" << "must be a list";
        QTest::newRow("not an object") << "[]" << "must be a JSON object";
    }
    void overridesErrors()
    {
        QFETCH(QString, json);
        QFETCH(QString, message);
        const std::string e = overridesError(json.toUtf8().constData());
        QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find("overrides.json") != std::string::npos, e.c_str());
    }

    void overridesFiles()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        writeFile(dir / "bad.json", "{ not json");
        try {
            ql::Overrides::load(dir / "bad.json");
            QFAIL("loaded invalid JSON");
        } catch (const ql::Error &e) {
            QVERIFY(std::string(e.what()).find("bad.json: not valid JSON") != std::string::npos);
        }
        try {
            ql::Overrides::load(dir / "missing.json");
            QFAIL("loaded a missing file");
        } catch (const ql::Error &e) {
            QVERIFY(std::string(e.what()).find("missing.json") != std::string::npos);
        }
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "layers.*", "strategy": "per_channel_percentile", "percentile": 99.5},
            {"match": "*_head.weight", "strategy": "per_tensor_mse"}]})");
        o.save(dir / "o.json");
        const auto back = ql::Overrides::load(dir / "o.json");
        QVERIFY(back == o);
        QCOMPARE(back.rules[0].strategy.percentile, 99.5);
        QCOMPARE(back.toJson().dump(), o.toJson().dump());
    }

    /// Glob matching, last matching rule wins, unmatched tensors keep the seed's default, unused rules warn.
    void overridesMatching()
    {
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "*", "strategy": "per_tensor_absmax"},
            {"match": "trunk.?.weight", "strategy": "per_channel_mse"},
            {"match": "trunk.3.*", "strategy": "per_channel_percentile", "percentile": 98},
            {"match": "nothing.matches.this", "strategy": "per_tensor_mse"}]})");
        QCOMPARE(o.ruleFor("trunk.0.weight"), 1);
        QCOMPARE(o.ruleFor("trunk.3.weight"), 2);
        QCOMPARE(o.ruleFor("trunk.3.bias"), 2);
        QCOMPARE(o.ruleFor("analog_head.weight"), 0);
        QVERIFY(ql::globMatch("layers.*.in_proj.weight", "layers.10.mamba.in_proj.weight")); // '*' crosses dots
        QVERIFY(ql::globMatch("layers.[02].*", "layers.2.x"));
        QVERIFY(!ql::globMatch("layers.[02].*", "layers.1.x"));
        QVERIFY(!ql::globMatch("trunk", "trunk.0.weight"));
        QCOMPARE(ql::Overrides{}.strategyFor("x", 1).name(), std::string("per_tensor_absmax"));
        QCOMPARE(ql::Overrides{}.strategyFor("x", 3).name(), std::string("per_channel_absmax"));

        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "policy-small.pt");
        const auto r = run(ck, o);
        QCOMPARE(r.find("trunk.0.weight")->strategy.name(), std::string("per_channel_mse"));
        QCOMPARE(r.find("trunk.0.weight")->rule, 1);
        QCOMPARE(r.find("trunk.3.bias")->strategy.name(), std::string("per_channel_percentile")); // 1-D, one channel
        QCOMPARE(r.find("trunk.3.bias")->scales.size(), std::size_t(1));
        QCOMPARE(r.find("trunk.3.bias")->strategy.percentile, 98.0);
        QCOMPARE(r.find("analog_head.weight")->strategy.name(), std::string("per_tensor_absmax"));
        QVERIFY(r.find("analog_head.weight")->overridden);
        QVERIFY(!r.find("trunk.0.bias")->overridden); // per_tensor_absmax is the 1-D default
        int unused = 0;
        for (const auto &w : r.warnings)
            unused += w.find("overrides rule 3 (match \"nothing.matches.this\") matches no tensor") != std::string::npos;
        QCOMPARE(unused, 1);
        QCOMPARE(o.unusedRules({"trunk.0.weight"}), (std::vector<std::size_t>{2, 3}));
    }

    /// A per-channel strategy on a 1-D tensor treats it as one channel: one scale, computed in float32.
    void perChannelOnOneDimensional()
    {
        MemCheckpoint m;
        m.add<float>("trunk.0.bias", {4}, {0.5f, -3.0f, 1.0f, 2.0f});
        m.add<float>("trunk.0.weight", {1, 1}, {1.0f});
        const auto r = run(m.ck, overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "trunk.0.bias", "strategy": "per_channel_absmax"}]})"));
        const auto *b = r.find("trunk.0.bias");
        QCOMPARE(b->rows, int64_t(1));
        QCOMPARE(b->scales, (std::vector<float>{3.0f / 127.0f}));
        QCOMPARE(std::string(b->strategy.manifestQuantization()), std::string("per_channel_symmetric"));
        const OJson man = OJson::parse(ql::buildManifest(r).dump());
        const OJson &e = man["weights"]["projections"]["trunk.0.bias"];
        QCOMPARE(e["quantization"].get<std::string>(), std::string("per_channel_symmetric"));
        QCOMPARE(e["scales"].size(), std::size_t(1));
        QVERIFY(!e.contains("scale"));
        QCOMPARE(int(r.bytes[b->offset + 1]), -127);
    }

    /// No overrides (or rules that match nothing) give the golden bytes; the manifest records the overrides.
    void noOverridesIsTheSeed()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "policy-small.pt");
        const std::string golden = readFile(kData / "golden/policy-small/weights_int8.bin");
        const auto plain = run(ck);
        QCOMPARE(text(plain.bytes), golden);
        QVERIFY(!OJson::parse(ql::buildManifest(plain).dump()).contains("overrides"));
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "nope*", "strategy": "per_tensor_mse"}]})");
        const auto unused = run(ck, o);
        QCOMPARE(text(unused.bytes), golden);
        const OJson man = OJson::parse(ql::buildManifest(unused).dump());
        QCOMPARE(man["overrides"], OJson::parse(o.toJson().dump()));
        const auto problems = compareManifest(man, parseLenient(readFile(kData / "golden/policy-small/manifest.json")), &golden);
        QVERIFY2(problems.empty(), joinProblems(problems).c_str());
    }

    /// Overridden entries carry a "strategy" object (name, percentile, clip per row or tensor, absmax, rule);
    /// default ones do not; the manifest reads back into the same strategies and overrides.
    void manifestStrategyRecord()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "policy-small.pt");
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "trunk.0.weight", "strategy": "per_channel_percentile", "percentile": 99.9},
            {"match": "trunk.0.bias", "strategy": "per_tensor_mse"}]})");
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        const auto r = ql::quantizeToDirectory(ck, {o}, out);
        const OJson man = OJson::parse(readFile(out / "manifest.json"));
        QCOMPARE(man["overrides"], OJson::parse(o.toJson().dump()));
        const OJson &w = man["weights"]["projections"]["trunk.0.weight"];
        QCOMPARE(w["strategy"]["name"].get<std::string>(), std::string("per_channel_percentile"));
        QCOMPARE(w["strategy"]["percentile"].get<double>(), 99.9);
        QCOMPARE(w["strategy"]["rule"].get<int>(), 0);
        QCOMPARE(w["strategy"]["clip"].size(), w["scales"].size());
        for (std::size_t i = 0; i < w["scales"].size(); ++i)
            QCOMPARE(w["strategy"]["clip"][i].get<double>(), w["scales"][i].get<double>() * 127.0);
        const double absmax = w["strategy"]["absmax"].get<double>();
        for (const auto &c : w["strategy"]["clip"])
            QVERIFY(c.get<double>() <= absmax * (1 + 1e-6));
        const OJson &b = man["weights"]["projections"]["trunk.0.bias"];
        QCOMPARE(b["strategy"]["name"].get<std::string>(), std::string("per_tensor_mse"));
        QCOMPARE(b["strategy"]["clip"].get<double>(), b["scale"].get<double>() * 127.0);
        QCOMPARE(b["strategy"]["rule"].get<int>(), 1);
        QVERIFY(!b["strategy"].contains("percentile"));
        QVERIFY(!man["weights"]["projections"]["trunk.3.weight"].contains("strategy"));
        QVERIFY(!man["weights"]["heads"]["analog_head.weight"].contains("strategy"));

        const auto back = ql::loadArtifacts(out);
        QVERIFY(back.overrides == o);
        QCOMPARE(back.find("trunk.0.weight")->strategy.name(), std::string("per_channel_percentile"));
        QCOMPARE(back.find("trunk.0.weight")->strategy.percentile, 99.9);
        QCOMPARE(back.find("trunk.0.bias")->strategy.name(), std::string("per_tensor_mse"));
        QCOMPARE(back.find("trunk.3.weight")->strategy.name(), std::string("per_channel_absmax"));
        QCOMPARE(text(back.bytes), readFile(out / "weights_int8.bin"));
        QCOMPARE(back.bytes.pieceCount(), std::size_t(back.tensors.size())); // read back as one piece per tensor
        QCOMPARE(back.totalBytes, r.totalBytes);
    }

    /// requantize() re-does only the tensors whose strategy changes and ends equal to a fresh quantize().
    void requantizeEqualsFreshRun()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(QL_SAMPLE);
        auto r = run(ck);
        const auto original = r.bytes.flat();
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "layers.*.in_proj.weight", "strategy": "per_channel_mse"},
            {"match": "*_head.bias", "strategy": "per_tensor_percentile", "percentile": 99},
            {"match": "frame_proj.weight", "strategy": "per_channel_absmax"}]})");
        const auto changed = ql::requantize(r, ck, o);
        std::vector<std::string> expected;
        for (const auto &t : r.tensors)
            if (ql::globMatch("layers.*.in_proj.weight", t.name) || ql::globMatch("*_head.bias", t.name))
                expected.push_back(t.name);
        QCOMPARE(changed, expected); // frame_proj keeps its (identical) strategy and is not redone
        QCOMPARE(r.find("frame_proj.weight")->rule, 2);
        const auto fresh = run(ck, o);
        QVERIFY(r.bytes == fresh.bytes);
        QCOMPARE(ql::buildManifest(r).dump(), ql::buildManifest(fresh).dump());
        // Bytes of tensors that did not change are untouched.
        for (const auto &t : r.tensors)
            if (std::find(changed.begin(), changed.end(), t.name) == changed.end())
                QVERIFY2(std::equal(original.begin() + std::ptrdiff_t(t.offset),
                                    original.begin() + std::ptrdiff_t(t.offset + t.size), r.codes(t).begin()),
                         t.name.c_str());
        // The same overrides again change nothing; going back to none restores the seed's bytes.
        QVERIFY(ql::requantize(r, ck, o).empty());
        QCOMPARE(ql::requantize(r, ck, {}).size(), expected.size());
        QVERIFY(r.bytes.flat() == original);
        QCOMPARE(text(r.bytes), readFile(kData / "golden/mamba2-small/weights_int8.bin"));
        QVERIFY(r.overrides.empty());
    }

    /// Copy-on-write: after a one-tensor edit of a copy, the copy and the original share every other tensor's storage
    /// (the same piece, held by both and nobody else), the edited tensor has a piece of its own in the copy only, the
    /// original is unchanged, and the copy equals a fresh quantize() with the same overrides byte for byte.
    void oneTensorEditSharesTheRest()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(QL_SAMPLE);
        const auto before = run(ck);
        const std::vector<int8_t> seedBytes = before.bytes.flat();
        int edited = -1;
        for (std::size_t i = 0; i < before.tensors.size(); ++i) // the largest matrix
            if (before.tensors[i].isMatrix() &&
                (edited < 0 || before.tensors[i].size > before.tensors[std::size_t(edited)].size))
                edited = int(i);
        QVERIFY(edited >= 0 && before.tensors.size() > 2);
        const auto &qe = before.tensors[std::size_t(edited)];
        ql::Overrides o;
        o.rules.push_back({qe.name, *ql::Strategy::fromName("per_channel_mse")});

        ql::QuantizeResult after = before;
        QCOMPARE(ql::requantize(after, ck, o), std::vector<std::string>{qe.name});
        // The edit allocated the edited tensor only.
        QCOMPARE(ql::Int8Buffer::storageOf({&before.bytes, &after.bytes}), before.totalBytes + qe.size);
        for (const auto &t : before.tensors) {
            if (t.size == 0)
                continue;
            const auto mine = before.bytes.pieceAt(t.offset), theirs = after.bytes.pieceAt(t.offset);
            if (&t == &qe) {
                QVERIFY(mine != theirs);
                QCOMPARE(mine.use_count(), 2L); // `mine` and `before`
                QCOMPARE(theirs.use_count(), 2L);
            } else {
                QVERIFY2(mine == theirs, t.name.c_str());
                QCOMPARE(mine.use_count(), 4L); // `mine`, `theirs`, `before` and `after`
                QCOMPARE(after.codes(t).data(), before.codes(t).data());
            }
        }
        QVERIFY(before.bytes.flat() == seedBytes); // the original snapshot did not see the edit
        QCOMPARE(before.tensors[std::size_t(edited)].strategy.name(), std::string("per_channel_absmax"));
        const auto fresh = run(ck, o);
        QCOMPARE(text(after.bytes), text(fresh.bytes));
        QCOMPARE(ql::buildManifest(after).dump(), ql::buildManifest(fresh).dump());
        QVERIFY(text(after.bytes) != text(before.bytes));

        // Undoing the edit quantizes the tensor again: the bytes, statistics and manifest are the seed's, and the
        // other tensors still share their pieces with the original.
        QCOMPARE(ql::requantize(after, ck, {}), std::vector<std::string>{qe.name});
        QVERIFY(after.bytes.pieceAt(qe.offset) != before.bytes.pieceAt(qe.offset));
        QCOMPARE(text(after.bytes), text(before.bytes));
        QCOMPARE(ql::buildManifest(after).dump(), ql::buildManifest(run(ck)).dump());
        QCOMPARE(after.tensors[std::size_t(edited)].rowStats.size(), std::size_t(qe.rows));
        QVERIFY(after.overrides.empty());
        // The other tensors still share their pieces: the two hold the INT8 size plus the tensor's second copy.
        QCOMPARE(ql::Int8Buffer::storageOf({&before.bytes, &after.bytes}), before.totalBytes + qe.size);
    }

    /// The same for a tensor large enough to be split into several jobs (2.3M elements: >= 3 blocks of up to 2^20):
    /// statistics are summed in the same order either way, so even the last digits agree.
    void requantizeLargeTensor()
    {
        MemCheckpoint m;
        m.addFloats("trunk.0.weight", {2304, 1000}, [](int64_t i) { return std::sin(float(i) * 0.37f) * (1 + float(i % 1000) / 500); });
        m.addFloats("trunk.0.bias", {300000}, wave);
        auto r = run(m.ck);
        const auto o = overrides(R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "trunk.0.*", "strategy": "per_tensor_mse"}]})");
        QCOMPARE(ql::requantize(r, m.ck, o).size(), std::size_t(2));
        const auto fresh = run(m.ck, o, 2);
        QVERIFY(r.bytes == fresh.bytes);
        QCOMPARE(ql::buildManifest(r).dump(), ql::buildManifest(fresh).dump());
        QCOMPARE(ql::requantize(r, m.ck, {}).size(), std::size_t(2));
        const auto seed = run(m.ck, {}, 2);
        QVERIFY(r.bytes == seed.bytes);
        QCOMPARE(ql::buildManifest(r).dump(), ql::buildManifest(seed).dump());
    }
};

QTEST_GUILESS_MAIN(TestQuantize)
#include "tst_quantize.moc"
