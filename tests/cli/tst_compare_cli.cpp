// quantlens-cli compare end to end: the --json shape the README documents (keys, tensors in name order), the human
// table and verdict, --overrides as used to make a folder, and exit codes for bad input and usage.
#include "../common/runprocess.h"
#include "base/json.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

namespace {

const QString kCli = QL_CLI;
const QString kCk = "/work/shared/fixtures/checkpoints/";
const QString kGold = "/work/shared/fixtures/golden/";

using qltest::Run;
Run cli(const QStringList &args) { return qltest::runCli(args); }

std::set<std::string> keysOf(const ql::Json &j)
{
    std::set<std::string> k;
    for (const auto &[key, v] : j.items())
        k.insert(key);
    return k;
}

} // namespace

class TestCompareCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonShape()
    {
        const Run r = cli({"compare", kCk + "mamba2-small.pt", kCk + "legacy-format.pt", "--json"});
        QCOMPARE(r.code, 0);
        const ql::Json j = ql::Json::parse(r.out.toStdString());
        QCOMPARE(keysOf(j), (std::set<std::string>{"a", "b", "tensors", "shards", "layout_changed", "summary"}));
        QCOMPARE(j["a"], (kCk + "mamba2-small.pt").toStdString());
        const std::set<std::string> tensorKeys = {"name", "status", "shape_a", "shape_b", "rel_l2_change",
                                                  "max_abs_change", "snr_db_a", "snr_db_b", "snr_delta_db",
                                                  "scale_max_rel_change", "int8_bytes_changed", "strategy_changed",
                                                  "moved"};
        std::string prev;
        for (const auto &t : j["tensors"]) {
            QCOMPARE(keysOf(t), tensorKeys);
            QVERIFY(t["name"].get<std::string>() > prev);
            prev = t["name"];
            QCOMPARE(t["status"], "changed");
            QVERIFY(t["rel_l2_change"].get<double>() > 0);
        }
        QCOMPARE(j["tensors"].size(), std::size_t(63));
        QCOMPARE(j["shards"].size(), std::size_t(1));
        const auto &s = j["shards"][0];
        QCOMPARE(keysOf(s), (std::set<std::string>{"index", "a", "b", "bytes_changed", "chunks_changed",
                                                   "chunk_ranges", "patch_transactions", "recreate_transactions",
                                                   "rent_delta_sol", "resized"}));
        uint64_t chunks = 0;
        for (const auto &range : s["chunk_ranges"])
            chunks += range[1].get<uint64_t>() - range[0].get<uint64_t>() + 1;
        QCOMPARE(chunks, s["chunks_changed"].get<uint64_t>());
        QCOMPARE(s["patch_transactions"].get<uint64_t>(), chunks + 1);
        QCOMPARE(j["layout_changed"], false);
        QCOMPARE(j["summary"]["changed"], 63);
        QCOMPARE(j["summary"]["identical"], false);
        QCOMPARE(j["summary"]["int8_bytes_changed"], s["bytes_changed"]);
    }

    void humanTable()
    {
        const Run r = cli({"compare", kCk + "mamba2-small.pt", kGold + "mamba2-small"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("Tensors:      63 same, 0 changed, 0 reshaped, 0 added, 0 removed"));
        QVERIFY(r.out.contains("Verdict:      identical"));
        QVERIFY(r.out.contains("frame_proj.weight"));
        const Run d = cli({"compare", kGold + "mamba2-small", kGold + "legacy-format"});
        QCOMPARE(d.code, 0);
        QVERIFY(d.out.contains("Verdict:      different"));
        QVERIFY(d.out.contains("Upload:       patch "));
    }

    void overridesAsUsed()
    {
        QTemporaryDir tmp;
        const QString ov = tmp.filePath("o.json"), out = tmp.filePath("out");
        QFile f(ov);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "layers.*", "strategy": "per_tensor_mse"}]})");
        f.close();
        QCOMPARE(cli({"quantize", "--checkpoint", kCk + "mamba2-small.pt", "--output-dir", out, "--overrides", ov, "-q"})
                     .code,
                 0);
        const Run same = cli({"compare", kCk + "mamba2-small.pt", out, "--overrides", ov, "--json"});
        QCOMPARE(same.code, 0);
        QCOMPARE(ql::Json::parse(same.out.toStdString())["summary"]["identical"], true);
        const Run differ = cli({"compare", kCk + "mamba2-small.pt", out, "--json"});
        QCOMPARE(differ.code, 0);
        const ql::Json j = ql::Json::parse(differ.out.toStdString());
        QCOMPARE(j["summary"]["identical"], false);
        for (const auto &t : j["tensors"])
            QCOMPARE(t["strategy_changed"].get<bool>(), t["name"].get<std::string>().rfind("layers.", 0) == 0);
    }

    void exitCodes()
    {
        QCOMPARE(cli({"compare", kCk + "mamba2-small.pt"}).code, 2);
        QCOMPARE(cli({"compare", kGold + "mamba2-small", kGold + "legacy-format", "--overrides", "x.json"}).code, 2);
        const Run missing = cli({"compare", "/nonexistent.pt", kCk + "mamba2-small.pt"});
        QCOMPARE(missing.code, 3);
        QVERIFY(missing.err.contains("/nonexistent.pt"));
        QCOMPARE(cli({"compare", kCk + "malicious.pt", kCk + "mamba2-small.pt"}).code, 3);
    }
};

QTEST_GUILESS_MAIN(TestCompareCli)
#include "tst_compare_cli.moc"
