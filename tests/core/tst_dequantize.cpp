// Dequantized weights (q · scale) and the tensor-file writers: the whole-result path and the one-tensor path give the
// same values under overrides; both writers round-trip through QuantLens's own reader; bad requests are errors.
#include "artifacts/tensorwriters.h"
#include "base/errors.h"
#include "quantization/dequantize.h"
#include "session/export.h"
#include "session/session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

namespace fs = std::filesystem;
using namespace ql;

namespace {
const fs::path kData = QL_TEST_DATA;
const fs::path kPolicy = kData / "eval" / "policy-eval.pt";

Overrides someOverrides()
{
    return Overrides::fromJson(Json::parse(R"({"format": "quantlens_overrides_v1", "overrides": [
        {"match": "trunk.0.weight", "strategy": "per_tensor_mse"},
        {"match": "*head.weight", "strategy": "per_channel_percentile", "percentile": 99.5}]})"));
}
} // namespace

class TestDequantize : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesInt8TimesScale()
    {
        OpenOptions o;
        o.overrides = someOverrides();
        const Session s = openSession(kPolicy, o);
        const auto all = dequantizeAll(s);
        QCOMPARE(all.size(), s.result->tensors.size());
        for (std::size_t i = 0; i < all.size(); ++i) {
            const QuantizedTensor &q = s.result->tensors[i];
            const DequantizedTensor &d = all[i];
            QCOMPARE(d.name, q.name);
            QCOMPARE(d.values.size(), std::size_t(q.size));
            QVERIFY(d.strategy == q.strategy);
            // Every value is its INT8 value times its row's scale, and close to the FP32 weight.
            const auto fp32 = floatValues(*s.checkpoint->find(q.name));
            for (int64_t r = 0; r < q.rows; ++r)
                for (int64_t c = 0; c < q.cols; ++c) {
                    const std::size_t k = std::size_t(r * q.cols + c);
                    const float scale = q.rowScale(r);
                    const int8_t v = s.result->bytes[q.offset + k];
                    QCOMPARE(d.values[k], float(v) * scale);
                    // Clipping strategies may cut outliers; absmax ones are within half a step.
                    if (q.strategy.method == ClipMethod::AbsMax)
                        QVERIFY(std::abs(d.values[k] - fp32[k]) <= 0.5f * scale * 1.0001f);
                }
        }
        QVERIFY(all[0].weightSnrDb.has_value());
    }

    void oneAtATimeEqualsWholeResult()
    {
        const Overrides ov = someOverrides();
        OpenOptions o;
        o.overrides = ov;
        const Session s = openSession(kPolicy, o);
        for (const auto &d : dequantizeAll(s)) {
            const DequantizedTensor one = dequantizeOne(*s.checkpoint, d.name, ov);
            QVERIFY2(one.values == d.values, d.name.c_str());
            QVERIFY(one.strategy == d.strategy);
        }
        // A different strategy changes the values: the overrides really reach the one-tensor path.
        const auto seed = dequantizeOne(*s.checkpoint, "trunk.0.weight", Overrides{});
        QVERIFY(seed.values != dequantizeOne(*s.checkpoint, "trunk.0.weight", ov).values);
    }

    void errors()
    {
        const Session s = openSession(kPolicy);
        QVERIFY_THROWS_EXCEPTION(Error, dequantizeOne(*s.checkpoint, "no.such", Overrides{}));
        try {
            dequantizeOne(*s.checkpoint, "temperature", Overrides{}); // 0-D: the quantizer skips it
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(e.tensor(), std::string("temperature"));
        }
        QuantizeResult streamed = *s.result;
        streamed.bytes = {};
        QVERIFY_THROWS_EXCEPTION(Error, dequantizeAll(streamed));
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(Error, exportDequantized(s, fs::path(dir.path().toStdString()) / "out.bin"));
    }

    void exportsRoundTrip_data()
    {
        // The output's name, and the format the export must say it chose from it.
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("format");
        for (const char *format : {"pt", "safetensors"})
            QTest::newRow(format) << QStringLiteral("out.%1").arg(format) << format;
    }
    void exportsRoundTrip()
    {
        QFETCH(QString, name);
        QFETCH(QString, format);
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / name.toStdString();
        OpenOptions o;
        o.overrides = someOverrides();
        const Session s = openSession(kPolicy, o);
        const ExportSummary sum = exportDequantized(s, out);
        QCOMPARE(QString::fromStdString(sum.format), format);
        QCOMPARE(sum.dequantized, 8);
        QCOMPARE(sum.kept, 1);
        const Checkpoint back = loadCheckpoint(out);
        QCOMPARE(back.tensors.size(), s.checkpoint->tensors.size());
        const auto deq = dequantizeAll(s);
        for (const auto &d : deq) {
            const TensorData *t = back.find(d.name);
            QVERIFY2(t, d.name.c_str());
            QCOMPARE(t->dtype, DType::Float32);
            QCOMPARE(t->shape, d.shape);
            QVERIFY(floatValues(*t) == d.values);
        }
        // The tensor the quantizer skips is written as it was.
        QCOMPARE(floatValues(*back.find("temperature")), floatValues(*s.checkpoint->find("temperature")));
        QCOMPARE(back.contextLen, s.checkpoint->contextLen);
        QCOMPARE(back.encodingConfig, s.checkpoint->encodingConfig);
        if (name.endsWith(".pt")) {
            QCOMPARE(back.stateDictKey, std::string("model_state_dict"));
            QCOMPARE(back.extra["epoch"], Json(3));
            QCOMPARE(sum.dropped, std::vector<std::string>{"optimizer_state_dict"});
        }
        // Nothing but the file itself is left in the folder (atomic write, no temporary).
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }

    void writersKeepDtypesAndOddShapes()
    {
        QTemporaryDir dir;
        std::vector<OwnedTensor> ts;
        ts.push_back(OwnedTensor::fromFloats("a.weight", {2, 3}, {1, 2, 3, 4, 5, 6}));
        OwnedTensor i64;
        i64.name = "steps";
        i64.dtype = DType::Int64;
        i64.shape = {2};
        i64.bytes.resize(16);
        const int64_t v[2] = {-5, 1ll << 40};
        std::memcpy(i64.bytes.data(), v, 16);
        ts.push_back(i64);
        ts.push_back(OwnedTensor::fromFloats("empty", {0, 4}, {}));
        for (const char *n : {"w.safetensors", "w.pt"}) {
            const fs::path out = fs::path(dir.path().toStdString()) / n;
            if (std::string(n).ends_with(".pt"))
                writeTorchZip(out, PtDocument{"", ts, {}});
            else
                writeSafetensors(out, ts, {{"context_len", "4"}});
            const Checkpoint back = loadCheckpoint(out);
            QCOMPARE(back.tensors.size(), std::size_t(3));
            QCOMPARE(floatValues(*back.find("a.weight")), (std::vector<float>{1, 2, 3, 4, 5, 6}));
            const TensorData &s = *back.find("steps");
            QCOMPARE(s.dtype, DType::Int64);
            std::vector<double> d(2);
            readAsDouble(s, 0, 2, d.data());
            QCOMPARE(d, (std::vector<double>{-5.0, double(1ll << 40)}));
            QCOMPARE(back.find("empty")->shape, (std::vector<int64_t>{0, 4}));
        }
        QVERIFY_THROWS_EXCEPTION(Error, writeSafetensors(fs::path(dir.path().toStdString()) / "x.safetensors",
                                                         {ts[0], ts[0]}, {}));
    }
};

QTEST_GUILESS_MAIN(TestDequantize)
#include "tst_dequantize.moc"
