// quantlens-cli verify and lint end to end: exit 0 only when the gate holds, 5 otherwise naming the first problem
// (shard, tensor, offset); --json lists everything; output folders built here (a five-shard folder over a sparse bin).
#include "../common/runprocess.h"
#include "goldencheck.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

Run cli(const QStringList &args) { return runCli(args); }

QString q(const fs::path &p) { return QString::fromStdString(p.string()); }
QString describe(const Run &r) { return r.describe(); }

fs::path quantize(const fs::path &ckpt, const fs::path &out)
{
    const Run r = cli({"quantize", "--checkpoint", q(ckpt), "--output-dir", q(out), "-q"});
    if (r.code != 0)
        qFatal("%s", qPrintable(describe(r)));
    return out;
}
} // namespace

class TestVerifyLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void verifyFreshAndAgainstCheckpoint()
    {
        QTemporaryDir tmp;
        const fs::path out = quantize(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        Run r = cli({"verify", q(out)});
        QVERIFY2(r.code == 0 && r.out.contains("shard SHA-256s match"), qPrintable(describe(r)));
        r = cli({"verify", q(out), "--checkpoint", q(kData / "policy-small.pt")});
        QVERIFY2(r.code == 0 && r.out.contains("byte-identical"), qPrintable(describe(r)));
        r = cli({"verify", q(out), "--checkpoint", q(kData / "mlp-small.pt")});
        QVERIFY2(r.code == 5 && r.err.contains("verify failed"), qPrintable(describe(r)));
        r = cli({"verify", q(out), "--overrides", q(kData / "x.json")});
        QCOMPARE(r.code, 2);
        r = cli({"verify", q(fs::path(tmp.path().toStdString()) / "missing")});
        QVERIFY2(r.code == 5 && r.err.contains("manifest.json"), qPrintable(describe(r)));
    }

    /// A flipped byte: exit 5 naming the shard; --json lists the problem with its fields.
    void verifyFlippedByte()
    {
        QTemporaryDir tmp;
        const fs::path out = quantize(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        std::string bin = readFile(out / "weights_int8.bin");
        bin[1000] = char(bin[1000] ^ 1);
        writeFile(out / "weights_int8.bin", bin);
        Run r = cli({"verify", q(out)});
        QVERIFY2(r.code == 5 && r.err.contains("(shard 0, offset 0)") && r.err.contains("SHA-256"), qPrintable(describe(r)));
        r = cli({"verify", q(out), "--checkpoint", q(kData / "policy-small.pt"), "--json"});
        QCOMPARE(r.code, 5);
        const OJson j = OJson::parse(r.out.toStdString());
        QCOMPARE(j["ok"].get<bool>(), false);
        QVERIFY(j["hashes_checked"].get<bool>());
        QVERIFY(j["checkpoint_compared"].get<bool>());
        bool hash = false, mismatch = false;
        for (const auto &p : j["problems"]) {
            hash = hash || (p["kind"] == "hash" && p["shard"] == 0);
            mismatch = mismatch || (p["kind"] == "mismatch" && p["offset"] == 1000 && p["tensor"].is_string());
        }
        QVERIFY2(hash && mismatch, r.out.toUtf8().constData());
    }

    /// lint: exit 0 with warnings, 5 with --strict or a failed --min-snr gate; --json lists findings.
    void lintExitCodes()
    {
        Run r = cli({"lint", q(kData / "edge-cases.pt")});
        QVERIFY2(r.code == 0 && r.out.contains("warning [integer_tensor] tensor 'aux.int_buffer'"), qPrintable(describe(r)));
        r = cli({"lint", q(kData / "edge-cases.pt"), "--strict"});
        QVERIFY2(r.code == 5 && r.err.contains("error [skipped_tensor] tensor 'aux.scalar'"), qPrintable(describe(r)));
        r = cli({"lint", q(kData / "policy-small.pt"), "--min-snr", "90", "--json"});
        QCOMPARE(r.code, 5);
        const OJson j = OJson::parse(r.out.toStdString());
        QVERIFY(j["errors"].get<int>() > 0);
        QCOMPARE(j["findings"][0]["rule"], OJson("min_snr"));
        r = cli({"lint", q(kData / "policy-small.pt"), "--min-snr", "1"});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
    }

    /// An output folder written here with five shards over a sparse 17 MiB bin: lint's MAX_SHARDS error, while the
    /// folder itself verifies.
    void lintFiveShardFolder()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const uint64_t n = 17ull << 20;
        OJson m = OJson::parse(readFile(quantize(kData / "policy-small.pt", dir / "src") / "manifest.json"));
        for (auto &[g, entries] : m["weights"].items())
            entries = OJson::object();
        m["weights"]["projections"]["trunk.big.bias"] = {
            {"offset", 0}, {"size", n}, {"shape", {n}}, {"quantization", "per_tensor_symmetric"}, {"scale", 0.01},
            {"snr_db", 40.0}, {"error", {{"mse", 0.0}, {"max_abs_error", 0.0}, {"snr_db", 40.0}, {"relative_error_pct", 1.0}}}};
        m["total_weight_bytes"] = n;
        OJson shards = OJson::array();
        uint64_t at = 0;
        for (int i = 0; i < 5; ++i) {
            const uint64_t end = i < 4 ? ((uint64_t(i + 1) * n / 5 + 4095) & ~uint64_t(4095)) : n;
            shards.push_back({{"index", i}, {"offset", at}, {"size", end - at}});
            at = end;
        }
        m["shard_map"] = {{"num_shards", 5}, {"shards", shards}};
        fs::create_directories(dir / "big");
        writeFile(dir / "big/manifest.json", m.dump(2));
        writeFile(dir / "big/weights_int8.bin", "");
        fs::resize_file(dir / "big/weights_int8.bin", n);
        Run r = cli({"verify", q(dir / "big")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        r = cli({"lint", q(dir / "big")});
        QVERIFY2(r.code == 5 && r.err.contains("error [max_shards] 5 shards"), qPrintable(describe(r)));
        // The sparse bin's zero codes are all-zero rows too (a warning only).
        QVERIFY(r.out.contains("[all_zero_rows] tensor 'trunk.big.bias'"));
    }
};

QTEST_GUILESS_MAIN(TestVerifyLint)
#include "tst_verifylint.moc"
