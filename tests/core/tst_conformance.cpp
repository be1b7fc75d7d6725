// Conformance of the core with the seed pipeline: every golden output (shared fixtures, the unseen-family fixtures
// of tests/data/make_fixtures.py, the LUT goldens) is reproduced byte for byte and number for number, in memory
// and through the streamed, atomic writer.
#include "../cli/goldencheck.h"

#include "artifacts/artifacts.h"
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "artifacts/luts.h"
#include "artifacts/manifest.h"
#include "quantization/quantize.h"

#include <QTemporaryDir>
#include <QtTest>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

std::string binOf(const ql::QuantizeResult &r)
{
    const auto bytes = r.bytes.flat();
    return std::string(bytes.begin(), bytes.end());
}
} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private:
    void addCase(const QString &name, const fs::path &checkpoint, const fs::path &golden)
    {
        QTest::newRow(name.toUtf8().constData()) << QString::fromStdString(checkpoint.string())
                                                 << QString::fromStdString(golden.string());
    }

    void checkpointCases()
    {
        QTest::addColumn<QString>("checkpoint");
        QTest::addColumn<QString>("golden");
        addCase("shared/mamba2-small", QL_SAMPLE, kData / "golden/mamba2-small");
        for (const char *n : {"policy-small", "mlp-small", "edge-cases", "legacy-format"})
            addCase(QString("shared/") + n, kData / (std::string(n) + ".pt"), kData / "golden" / n);
        // The safetensors fixture holds exactly the tensors of legacy-format.pt, and its metadata the same config.
        addCase("shared/safetensors->legacy-format", kData / "mamba2-small.safetensors", kData / "golden/legacy-format");
        const auto index = OJson::parse(readFile(kData / "golden-extra/cases.json"));
        for (const auto &c : index.at("cases"))
            addCase(QString("extra/") + QString::fromStdString(c.at("case").get<std::string>()),
                    kData / c.at("checkpoint").get<std::string>(), kData / c.at("golden").get<std::string>());
    }

private Q_SLOTS:
    void inMemory_data() { checkpointCases(); }
    /// quantize() into memory on one thread; manifest from buildManifest, round-tripped through its JSON text.
    void inMemory()
    {
        QFETCH(QString, checkpoint);
        QFETCH(QString, golden);
        const fs::path g = golden.toStdString();
        QVERIFY2(fs::exists(checkpoint.toStdString()), qPrintable(checkpoint));
        const ql::Checkpoint ck = ql::loadCheckpoint(checkpoint.toStdString());
        ql::QuantizeOptions opt;
        opt.threads = 1;
        const ql::QuantizeResult r = ql::quantize(ck, opt);
        const std::string want = readFile(g / "weights_int8.bin");
        QVERIFY(!want.empty());
        const std::string got = binOf(r);
        QVERIFY2(got == want, qPrintable(QString("weights_int8.bin: %1 of %2 bytes differ")
                                             .arg(byteDiff(got, want))
                                             .arg(want.size())));
        const auto problems = compareManifest(OJson::parse(ql::buildManifest(r).dump()),
                                              parseLenient(readFile(g / "manifest.json")), &got);
        QVERIFY2(problems.empty(), joinProblems(problems).c_str());
    }

    void streamedToDisk_data() { checkpointCases(); }
    /// quantizeToDirectory() with all threads (positional writes from workers): the files on disk conform.
    void streamedToDisk()
    {
        QFETCH(QString, checkpoint);
        QFETCH(QString, golden);
        const fs::path g = golden.toStdString();
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        const ql::Checkpoint ck = ql::loadCheckpoint(checkpoint.toStdString());
        ql::QuantizeOptions opt;
        opt.threads = 4;
        opt.rowStats = false;
        opt.releasePages = true;
        ql::quantizeToDirectory(ck, opt, out);
        const std::string bin = readFile(out / "weights_int8.bin");
        QCOMPARE(bin, readFile(g / "weights_int8.bin"));
        const std::string text = readFile(out / "manifest.json");
        // Strict JSON (no -Infinity / NaN tokens): parse without the lenient step.
        OJson got;
        try {
            got = OJson::parse(text);
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }
        QVERIFY(text.find("Infinity") == std::string::npos && text.find("NaN") == std::string::npos);
        const auto problems = compareManifest(got, parseLenient(readFile(g / "manifest.json")), &bin);
        QVERIFY2(problems.empty(), joinProblems(problems).c_str());
        // Nothing but the two artifacts is left in the folder (no temporaries).
        int files = 0;
        for ([[maybe_unused]] const auto &e : fs::directory_iterator(out))
            ++files;
        QCOMPARE(files, 2);
    }

    /// edge-cases: the golden's -Infinity SNRs are null here, and the summary leaves those tensors out while
    /// num_2d_weights still counts them.
    void edgeCasesUndefinedSnr()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "edge-cases.pt");
        const ql::QuantizeResult r = ql::quantize(ck, {});
        const OJson m = OJson::parse(ql::buildManifest(r).dump());
        const OJson &zero = m["weights"]["projections"]["aux.zero.weight"];
        QVERIFY(zero["snr_db"].is_null());
        QVERIFY(zero["error"]["snr_db"].is_null());
        QVERIFY(m["weights"]["projections"]["aux.zero_bias"]["snr_db"].is_null());
        QCOMPARE(zero["error"]["mse"].get<double>(), 0.0);
        const OJson golden = parseLenient(readFile(kData / "golden/edge-cases/manifest.json"));
        QVERIFY(golden["error_summary"]["mean_snr_db"].is_null()); // -Infinity in the reference
        QCOMPARE(m["error_summary"]["num_2d_weights"].get<int>(), golden["error_summary"]["num_2d_weights"].get<int>());
        QVERIFY(std::isfinite(m["error_summary"]["mean_snr_db"].get<double>()));
        QVERIFY(std::isfinite(m["error_summary"]["min_snr_db"].get<double>()));
        QCOMPARE(m["error_summary"]["undefined_snr_weights"].get<int>(), 1);
        // The 0-D scalar is skipped (not in the manifest), with a warning.
        bool skipped = false;
        for (const auto &s : r.skipped)
            skipped = skipped || s.name == "aux.scalar";
        QVERIFY(skipped);
        QVERIFY(!m["weights"]["projections"].contains("aux.scalar"));
    }

    void luts_data()
    {
        QTest::addColumn<QString>("golden");
        QTest::addColumn<QVector<double>>("scales"); // in/out per table: silu, softplus, rsqrt, exp
        QTest::newRow("default") << "luts-default"
                                 << QVector<double>{0.0625, 0.0625, 0.0625, 0.03125, 0.01, 0.05, 0.03125, 0.00392157};
        QTest::newRow("custom") << "luts-custom" << QVector<double>{0.05, 0.04, 0.04, 0.0625, 0.02, 0.04, 0.05, 0.004};
    }
    void luts()
    {
        QFETCH(QString, golden);
        QFETCH(QVector<double>, scales);
        ql::LutScales s;
        for (int k = 0; k < ql::kNumLuts; ++k) {
            s.in[k] = scales[2 * k];
            s.out[k] = scales[2 * k + 1];
        }
        const fs::path g = kData / "golden" / golden.toStdString();
        const auto bin = ql::generateLuts(s);
        QCOMPARE(std::string(reinterpret_cast<const char *>(bin.data()), bin.size()), readFile(g / "luts.bin"));
        QTemporaryDir tmp;
        const fs::path out = tmp.path().toStdString();
        ql::writeLuts(out, s);
        QCOMPARE(readFile(out / "luts.bin"), readFile(g / "luts.bin"));
        const auto problems = compareLutsJson(OJson::parse(readFile(out / "luts.json")),
                                              OJson::parse(readFile(g / "luts.json")));
        QVERIFY2(problems.empty(), joinProblems(problems).c_str());
        // Reading the folder back recovers the scales and confirms luts.bin matches them.
        bool matches = false;
        const ql::LutScales back = ql::readLutScales(out, &matches);
        QVERIFY(matches);
        for (int k = 0; k < ql::kNumLuts; ++k) {
            QCOMPARE(back.in[k], s.in[k]);
            QCOMPARE(back.out[k], s.out[k]);
        }
    }

    /// The default LutScales are the seed's defaults (the golden was made without flags).
    void lutDefaultsAreTheSeeds()
    {
        const auto bin = ql::generateLuts(ql::LutScales{});
        QCOMPARE(std::string(reinterpret_cast<const char *>(bin.data()), bin.size()),
                 readFile(kData / "golden/luts-default/luts.bin"));
    }

    /// The comparator itself must be able to fail: a golden against another model's golden, and perturbations
    /// just outside (and inside) each tolerance.
    void comparatorDetectsDifferences()
    {
        const OJson a = parseLenient(readFile(kData / "golden/mamba2-small/manifest.json"));
        const OJson b = parseLenient(readFile(kData / "golden/legacy-format/manifest.json"));
        QVERIFY(compareManifest(a, a).empty());
        QVERIFY(!compareManifest(b, a).empty());

        auto perturbed = [&](auto edit) {
            OJson m = a;
            edit(m);
            return compareManifest(m, a).size();
        };
        auto entry = [](OJson &m) -> OJson & { return m["weights"]["layer_weights"]["layers.0.mamba.in_proj.weight"]; };
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["snr_db"] = entry(m)["snr_db"].get<double>() + 5e-4; }), 0u);
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["snr_db"] = entry(m)["snr_db"].get<double>() + 2e-3; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["scales"][3] = entry(m)["scales"][3].get<double>() * (1 + 5e-6); }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["scales"][3] = entry(m)["scales"][3].get<double>() * (1 + 5e-7); }), 0u);
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["error"]["mse"] = entry(m)["error"]["mse"].get<double>() * 1.001; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { entry(m)["offset"] = entry(m)["offset"].get<int64_t>() + 1; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { m["context_len"] = 11; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { m["encoding_config"]["xy_scale"] = 0.06; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { m["architecture"]["d_state"] = 16; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { m["shard_map"]["num_shards"] = 2; }), 1u);
        QCOMPARE(perturbed([&](OJson &m) { m.erase("encoding_config"); }), 1u);
        QVERIFY(perturbed([&](OJson &m) { entry(m)["snr_db"] = nullptr; }) >= 1u);
        // Moving an entry to another group is a difference.
        QVERIFY(perturbed([&](OJson &m) {
                    m["weights"]["projections"]["layers.0.mamba.in_proj.weight"] = entry(m);
                    m["weights"]["layer_weights"].erase("layers.0.mamba.in_proj.weight");
                }) >= 1u);
        // The shard hashes: required when the bytes are given, each the SHA-256 of its shard, and the only key the
        // project adds (a hash key is a difference when the seed's shard map is compared without bytes).
        const std::string bin = readFile(kData / "golden/mamba2-small/weights_int8.bin");
        OJson hashed = a;
        hashed["shard_map"]["shards"][0]["sha256"] = sha256Of(bin, 0, bin.size());
        QCOMPARE(compareManifest(hashed, a, &bin).size(), 0u);
        QCOMPARE(compareManifest(a, a, &bin).size(), 1u); // missing
        QCOMPARE(compareManifest(hashed, a).size(), 1u);
        std::string flipped = bin;
        flipped[100] = char(flipped[100] ^ 1);
        QCOMPARE(compareManifest(hashed, a, &flipped).size(), 1u);
        OJson upper = hashed;
        std::string h = upper["shard_map"]["shards"][0]["sha256"].get<std::string>();
        std::transform(h.begin(), h.end(), h.begin(), ::toupper);
        upper["shard_map"]["shards"][0]["sha256"] = h;
        QCOMPARE(compareManifest(upper, a, &bin).size(), 1u);
        QCOMPARE(sha256Of("abc", 0, 3), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        // The golden's -Infinity must be matched by null, not by a number.
        const OJson e = parseLenient(readFile(kData / "golden/edge-cases/manifest.json"));
        OJson wrong = e;
        wrong["weights"]["projections"]["aux.zero.weight"]["snr_db"] = -300.0;
        QVERIFY(!compareManifest(wrong, e).empty());
    }

    /// A seed-sized world model synthesised at test time (safetensors, ~17 MB of float32) whose INT8 bytes are
    /// known in advance: 4,347,748 bytes and 39 matrices, the seed's world-model figures, must give the seed's two
    /// shards of 2,174,976 and 2,172,772 bytes (SPEC section 5).
    void seedSizedWorldModelTwoShards()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const PatternModel pm = patternWorldModel(4347748, 39);
        QCOMPARE(pm.expectedBin.size(), size_t(4347748));
        writeSafetensors(dir / "world.safetensors", pm.tensors, OJson{{"context_len", "10"}});
        const ql::Checkpoint ck = ql::loadCheckpoint(dir / "world.safetensors");
        const ql::QuantizeResult r = ql::quantizeToDirectory(ck, {}, dir / "out");
        QCOMPARE(readFile(dir / "out/weights_int8.bin"), pm.expectedBin);
        const OJson m = OJson::parse(readFile(dir / "out/manifest.json"));
        QCOMPARE(m["total_weight_bytes"].get<uint64_t>(), uint64_t(4347748));
        const OJson seedShards = OJson::parse(R"({"num_shards": 2, "shards": [
            {"index": 0, "offset": 0, "size": 2174976}, {"index": 1, "offset": 2174976, "size": 2172772}]})");
        std::vector<std::string> hashProblems;
        const OJson withoutHashes = checkShardHashes(m["shard_map"], pm.expectedBin, hashProblems);
        QVERIFY2(hashProblems.empty(), joinProblems(hashProblems).c_str());
        QVERIFY2(sameUnordered(withoutHashes, seedShards), m["shard_map"].dump().c_str());
        QCOMPARE(m["error_summary"]["num_2d_weights"].get<int>(), 39);
        QCOMPARE(m["context_len"].get<int>(), 10);
        QCOMPARE(m["architecture"]["d_state"].get<int>(), 64);
        QCOMPARE(m["architecture"]["n_layers"].get<int>(), 4);
        QCOMPARE(m["architecture"]["headdim"].get<int>(), 64);
        // Every scale is an exact power of two: per-channel scales and the float64 per-tensor ones.
        for (const auto &t : r.tensors) {
            if (t.strategy.layout == ql::ScaleLayout::PerChannel) {
                for (float s : t.scales)
                    QVERIFY2(std::ldexp(1.0f, std::ilogb(s)) == s, t.name.c_str());
            } else
                QVERIFY2(std::ldexp(1.0, std::ilogb(t.scale)) == t.scale, t.name.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
