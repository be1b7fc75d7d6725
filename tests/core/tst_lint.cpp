// lintResult(): each rule fires on an input made to break it (built here; oversize cases in memory, never
// committed) and stays silent on one just inside its limit; errors vs warnings, --strict, the JSON shape.
#include "../cli/goldencheck.h"

#include "artifacts/luts.h"
#include "inspection/lint.h"
#include "readers/checkpoint.h"

#include <QTemporaryDir>
#include <QtTest>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

ql::QuantizeResult quantizeFile(const fs::path &p)
{
    return ql::quantize(ql::loadCheckpoint(p), {});
}

/// A safetensors checkpoint of the given tensors (values from `fill(i)`), quantized in memory.
ql::QuantizeResult quantizeTensors(const fs::path &dir, const std::vector<std::pair<std::string, std::vector<int64_t>>> &specs,
                                   const std::function<float(std::size_t, const std::string &)> &fill)
{
    std::vector<StTensor> ts;
    for (const auto &[name, shape] : specs) {
        std::size_t n = 1;
        for (auto d : shape)
            n *= std::size_t(d);
        std::vector<float> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = fill(i, name);
        ts.push_back({"trunk." + name, "F32", shape, floatBytes(v)}); // trunk.*: detected as a policy/mlp model
    }
    writeSafetensors(dir / "m.safetensors", ts);
    try {
        return quantizeFile(dir / "m.safetensors");
    } catch (const std::exception &e) {
        qWarning("%s", e.what());
        throw;
    }
}

float wave(std::size_t i, const std::string &) { return float(std::sin(double(i) * 0.37) * 0.5); }

/// The findings of one rule.
std::vector<ql::LintFinding> rule(const ql::LintReport &r, const std::string &id)
{
    std::vector<ql::LintFinding> out;
    for (const auto &f : r.findings)
        if (f.rule == id)
            out.push_back(f);
    return out;
}

/// The tensor of the one finding of rule `id`, or how many findings there were when not exactly one.
std::string onlyTensor(const ql::LintReport &r, const std::string &id)
{
    const auto f = rule(r, id);
    return f.size() == 1 ? f[0].tensor : std::to_string(f.size()) + " findings of " + id;
}

std::string dump(const ql::LintReport &r) { return ql::lintReportJson(r).dump(1); }
} // namespace

class TestLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    /// The seed-shaped fixtures pass the on-chain limits (errors only come from the gate or --strict).
    void fixturesPass()
    {
        for (const char *n : {"policy-small.pt", "mlp-small.pt", "legacy-format.pt"}) {
            const auto r = ql::lintResult(quantizeFile(kData / n), {}, {});
            QVERIFY2(r.ok(), dump(r).c_str());
            QVERIFY(r.codesChecked);
        }
    }

    void maxShardsAndAccounts()
    {
        auto r = quantizeFile(kData / "policy-small.pt");
        QVERIFY(ql::lintResult(r, {}, {}).ok());
        r.shards = ql::shardMap(17ull << 20); // 5 shards of ~3.4 MiB: what a 17 MiB model gets
        r.bytes = {};                      // sizes only; the code rules are skipped
        auto rep = ql::lintResult(r, {}, {});
        QCOMPARE(rule(rep, "max_shards").size(), std::size_t(1));
        QVERIFY(!rep.ok() && !rep.codesChecked);
        r.shards = ql::shardMap(16ull << 20); // 4 shards: allowed
        QVERIFY(rule(ql::lintResult(r, {}, {}), "max_shards").empty());
        const uint64_t limit = ql::kMaxAccountBytes - ql::chain::kShardHeaderBytes;
        r.shards = {{0, 0, limit, {}}, {1, limit, limit + 1, {}}};
        rep = ql::lintResult(r, {}, {});
        const auto acc = rule(rep, "account_size");
        QCOMPARE(acc.size(), std::size_t(1));
        QCOMPARE(acc[0].shard, 1);
        QCOMPARE(acc[0].severity, ql::LintSeverity::Error);
    }

    void architectureFields_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<int>("value");
        QTest::addColumn<QString>("expect"); // empty: no finding
        QTest::newRow("n_layers-16") << "n_layers" << 16 << "";
        QTest::newRow("n_layers-17") << "n_layers" << 17 << "max_layers";
        QTest::newRow("n_layers-256") << "n_layers" << 256 << "field_u8";
        QTest::newRow("nheads-255") << "nheads" << 255 << "";
        QTest::newRow("nheads-256") << "nheads" << 256 << "field_u8";
        QTest::newRow("d_model-65535") << "d_model" << 65535 << "";
        QTest::newRow("d_model-65536") << "d_model" << 65536 << "field_u16";
        QTest::newRow("d_inner-70000") << "d_inner" << 70000 << "field_u16";
        QTest::newRow("d_state-100000") << "d_state" << 100000 << "field_u16";
    }
    void architectureFields()
    {
        QFETCH(QString, field);
        QFETCH(int, value);
        QFETCH(QString, expect);
        auto r = quantizeFile(QL_SAMPLE);
        r.model.architecture[field.toStdString()] = value;
        const auto rep = ql::lintResult(r, {}, {});
        if (expect.isEmpty()) {
            QVERIFY2(rep.ok(), dump(rep).c_str());
            return;
        }
        const auto f = rule(rep, expect.toStdString());
        QVERIFY2(!f.empty(), dump(rep).c_str());
        QVERIFY(f[0].message.find(field.toStdString()) != std::string::npos || expect == "max_layers");
        QVERIFY(!rep.ok());
    }

    void totalsFitU32()
    {
        auto r = quantizeFile(kData / "policy-small.pt");
        r.bytes = {};
        r.totalBytes = 0xffffffffull;
        r.shards.clear();
        QVERIFY(rule(ql::lintResult(r, {}, {}), "field_u32").empty());
        r.totalBytes = 0x100000000ull;
        QCOMPARE(rule(ql::lintResult(r, {}, {}), "field_u32").size(), std::size_t(1));
    }

    /// int32 accumulators: 131,071 columns are safe, 131,072 are not; compute units: 100 + rows x cols <= 1.4 M.
    void matmulLimits()
    {
        QTemporaryDir tmp;
        const auto r = quantizeTensors(tmp.path().toStdString(),
                                       {{"ok_cols.weight", {1, 131071}}, {"wide.weight", {1, 131072}},
                                        {"cu_ok.weight", {1000, 1399}}, {"cu_over.weight", {1000, 1401}},
                                        {"bias", {200000}}},
                                       wave);
        const auto rep = ql::lintResult(r, {}, {});
        QCOMPARE(onlyTensor(rep, "accumulator_overflow"), std::string("trunk.wide.weight"));
        const auto cu = rule(rep, "compute_units");
        QCOMPARE(cu.size(), std::size_t(1));
        QCOMPARE(cu[0].tensor, std::string("trunk.cu_over.weight"));
        QVERIFY(cu[0].message.find("1401100") != std::string::npos);
        QVERIFY(!rep.ok());
    }

    /// --min-snr: real damage is an error; a near-zero signal is a warning saying so; no gate without the flag.
    void qualityGate()
    {
        QTemporaryDir tmp;
        const auto r = quantizeTensors(tmp.path().toStdString(), {{"good.weight", {16, 64}}, {"outlier.weight", {16, 64}}, {"tiny.weight", {16, 64}}},
                                       [](std::size_t i, const std::string &name) {
                                           if (name == "tiny.weight")
                                               return float(std::sin(double(i)) * 1e-6);
                                           if (name == "outlier.weight")
                                               return i % 64 == 0 ? 100.0f : float(std::sin(double(i)) * 0.3); // ~35 dB
                                           return float(std::sin(double(i) * 0.37)); // ~50 dB
                                       });
        QVERIFY(rule(ql::lintResult(r, {}, {}), "min_snr").empty());
        ql::LintOptions o;
        o.minSnrDb = 45.0;
        const auto rep = ql::lintResult(r, {}, o);
        const auto low = rule(rep, "min_snr");
        QVERIFY2(low.size() == 1, dump(rep).c_str());
        QCOMPARE(low[0].tensor, std::string("trunk.outlier.weight"));
        QCOMPARE(low[0].severity, ql::LintSeverity::Error);
        const auto nz = rule(rep, "near_zero_signal");
        QCOMPARE(nz.size(), std::size_t(1));
        QCOMPARE(nz[0].tensor, std::string("trunk.tiny.weight"));
        QCOMPARE(nz[0].severity, ql::LintSeverity::Warning);
        QVERIFY(nz[0].message.find("near zero") != std::string::npos);
    }

    /// edge-cases.pt: all-zero rows (named by row), the int64 buffer, the skipped 0-D scalar; all warnings.
    void suspiciousContent()
    {
        const auto rep = ql::lintResult(quantizeFile(kData / "edge-cases.pt"), {}, {});
        QVERIFY2(rep.ok(), dump(rep).c_str());
        bool zeroRow = false;
        for (const auto &f : rule(rep, "all_zero_rows"))
            zeroRow = zeroRow || (f.tensor == "aux.zero_row.weight" && f.row >= 0);
        QVERIFY2(zeroRow, dump(rep).c_str());
        QCOMPARE(onlyTensor(rep, "integer_tensor"), std::string("aux.int_buffer"));
        QCOMPARE(onlyTensor(rep, "skipped_tensor"), std::string("aux.scalar"));
        // --strict turns them into errors.
        ql::LintOptions strict;
        strict.strict = true;
        const auto s = ql::lintResult(quantizeFile(kData / "edge-cases.pt"), {}, strict);
        QVERIFY(!s.ok());
        QCOMPARE(s.errors(), rep.warnings());
    }

    /// A row whose |w| are all under 1e-8 (scale at the floor, codes not zero); codes at -128.
    void scaleFloorAndMinusCodes()
    {
        QTemporaryDir tmp;
        auto r = quantizeTensors(tmp.path().toStdString(), {{"m.weight", {4, 32}}},
                                 [](std::size_t i, const std::string &) {
                                     return i / 32 == 2 ? float((i % 7) * 1e-9) : float(std::sin(double(i)));
                                 });
        auto rep = ql::lintResult(r, {}, {});
        const auto fl = rule(rep, "scale_floor");
        QCOMPARE(fl.size(), std::size_t(1));
        QCOMPARE(fl[0].row, int64_t(2));
        QVERIFY(rule(rep, "code_minus_128").empty());
        auto codes = r.bytes.flat();
        codes[3 * 32 + 5] = -128;
        r.setBytes(codes);
        rep = ql::lintResult(r, {}, {});
        const auto mc = rule(rep, "code_minus_128");
        QCOMPARE(mc.size(), std::size_t(1));
        QCOMPARE(mc[0].row, int64_t(3));
        QCOMPARE(mc[0].tensor, std::string("trunk.m.weight"));
    }

    /// LUTs: saturation (softplus with the seed's scales), a luts.bin that is not monotonic where its function is,
    /// a luts.bin that does not match luts.json.
    void luts()
    {
        const auto r = quantizeFile(kData / "policy-small.pt");
        ql::LintInputs in;
        in.luts = ql::LutScales{};
        auto rep = ql::lintResult(r, in, {});
        bool softplus = false;
        for (const auto &f : rule(rep, "lut_saturated"))
            softplus = softplus || f.lut == "softplus";
        QVERIFY2(softplus, dump(rep).c_str());
        QVERIFY(rule(rep, "lut_not_monotonic").empty());
        QVERIFY(rep.ok());
        auto bin = ql::generateLuts(ql::LutScales{});
        bin[768 + 10] = uint8_t(bin[768 + 9] + 5); // exp_neg must not rise
        in.lutsBin = bin;
        in.lutsBinMatches = false;
        rep = ql::lintResult(r, in, {});
        const auto mono = rule(rep, "lut_not_monotonic");
        QCOMPARE(mono.size(), std::size_t(1));
        QCOMPARE(mono[0].lut, std::string("exp_neg"));
        QCOMPARE(rule(rep, "lut_bin_mismatch").size(), std::size_t(1));
        QVERIFY(!rep.ok());
    }

    void jsonShape()
    {
        ql::LintOptions o;
        o.minSnrDb = 100;
        const auto rep = ql::lintResult(quantizeFile(kData / "edge-cases.pt"), {}, o);
        const OJson j = OJson::parse(ql::lintReportJson(rep).dump());
        QCOMPARE(j["ok"].get<bool>(), false);
        QCOMPARE(j["errors"].get<std::size_t>(), rep.errors());
        QCOMPARE(j["min_snr_db"].get<double>(), 100.0);
        for (const auto &f : j["findings"]) {
            for (const char *k : {"severity", "rule", "message", "tensor", "row", "lut", "shard"})
                QVERIFY(f.contains(k));
            QVERIFY(f["severity"] == "error" || f["severity"] == "warning");
        }
    }
};

QTEST_GUILESS_MAIN(TestLint)
#include "tst_lint.moc"
