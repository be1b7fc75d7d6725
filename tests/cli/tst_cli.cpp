// quantlens-cli end to end (QProcess): seed-style quantize on every golden fixture, --help everywhere, the
// documented exit codes (usage 2 / input 3 / output 4), refusals that write nothing, and - most important - a
// failed run that leaves an earlier output folder byte for byte as it was.
#include "../common/runprocess.h"
#include "goldencheck.h"

#include <QDir>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;
const QString kCli = QL_CLI;

/// Runs the CLI (optionally under `ulimit -f BLOCKS`) in cwd; a hang is reported as "did not finish".
Run cli(const QStringList &args, const QString &cwd = {}, int fileSizeBlocks = 0)
{
    return runCli(args, {cwd, fileSizeBlocks});
}

QString q(const fs::path &p) { return QString::fromStdString(p.string()); }

std::map<std::string, std::string> snapshot(const fs::path &root)
{
    std::map<std::string, std::string> s;
    if (!fs::exists(root))
        return s;
    for (const auto &e : fs::recursive_directory_iterator(root))
        s[fs::relative(e.path(), root).string()] = e.is_directory() ? "<dir>" : readFile(e.path());
    return s;
}

QString describe(const Run &r) { return QString("exit %1\nstdout: %2\nstderr: %3").arg(r.code).arg(r.out.left(600), r.err.left(600)); }
} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private:
    QString m_python = QStandardPaths::findExecutable("python3");

private Q_SLOTS:
    void goldens_data()
    {
        QTest::addColumn<QString>("checkpoint");
        QTest::addColumn<QString>("golden");
        QTest::newRow("mamba2-small") << QL_SAMPLE << q(kData / "golden/mamba2-small");
        for (const char *n : {"policy-small", "mlp-small", "edge-cases", "legacy-format"})
            QTest::newRow(n) << q(kData / (std::string(n) + ".pt")) << q(kData / "golden" / n);
        QTest::newRow("safetensors") << q(kData / "mamba2-small.safetensors") << q(kData / "golden/legacy-format");
        const auto index = OJson::parse(readFile(kData / "golden-extra/cases.json"));
        for (const auto &c : index.at("cases"))
            QTest::newRow(("extra/" + c.at("case").get<std::string>()).c_str())
                << q(kData / c.at("checkpoint").get<std::string>()) << q(kData / c.at("golden").get<std::string>());
    }
    /// The seed's invocation, `quantize --checkpoint X --output-dir Y`, conforms: bytes in C++, numbers with the
    /// shared compare_outputs.py when a python3 is available.
    void goldens()
    {
        QFETCH(QString, checkpoint);
        QFETCH(QString, golden);
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        const Run r = cli({"quantize", "--checkpoint", checkpoint, "--output-dir", q(out)});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("weights_int8.bin"), qPrintable(r.out));
        const fs::path g = golden.toStdString();
        const std::string bin = readFile(out / "weights_int8.bin");
        QCOMPARE(bin, readFile(g / "weights_int8.bin"));
        const auto problems = compareManifest(OJson::parse(readFile(out / "manifest.json")),
                                              parseLenient(readFile(g / "manifest.json")), &bin);
        QVERIFY2(problems.empty(), joinProblems(problems).c_str());
        if (!m_python.isEmpty()) {
            const qltest::Run py = qltest::runProcess(
                m_python, {QString(QL_SOURCE_DIR) + "/tests/cli/compare_outputs.py", q(out), golden}, {.timeoutMs = 60000});
            QVERIFY2(py.code == 0 && py.out.contains("conforms: 0 mismatches"), qPrintable(py.describe()));
        }
    }

    /// Without --output-dir the seed's default folder (relative to the working directory) is used.
    void defaultOutputFolder()
    {
        QTemporaryDir cwd;
        const Run r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "-q"}, cwd.path());
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY(r.out.isEmpty()); // -q: nothing but errors
        QCOMPARE(readFile(fs::path(cwd.path().toStdString()) / "quantization/output/weights_int8.bin"),
                 readFile(kData / "golden/policy-small/weights_int8.bin"));
    }

    /// A seed-sized world model (built at test time) goes through the CLI into the seed's two shards.
    void twoShardWorldModel()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const PatternModel pm = patternWorldModel(4347748, 39);
        writeSafetensors(dir / "world.safetensors", pm.tensors, OJson{{"context_len", "10"}});
        const Run r = cli({"quantize", "--checkpoint", q(dir / "world.safetensors"), "--output-dir", q(dir / "out"), "--json"});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(readFile(dir / "out/weights_int8.bin"), pm.expectedBin);
        const OJson m = OJson::parse(readFile(dir / "out/manifest.json"));
        // The seed's shard map, plus the SHA-256 of each shard's bytes (checked against them, then set aside).
        std::vector<std::string> hashProblems;
        const OJson shardMap = checkShardHashes(m["shard_map"], pm.expectedBin, hashProblems);
        QVERIFY2(hashProblems.empty(), joinProblems(hashProblems).c_str());
        QVERIFY(sameUnordered(shardMap, OJson::parse(R"({"num_shards": 2, "shards": [
            {"index": 0, "offset": 0, "size": 2174976}, {"index": 1, "offset": 2174976, "size": 2172772}]})")));
        const OJson s = OJson::parse(r.out.toStdString());
        QCOMPARE(s["int8_bytes"].get<uint64_t>(), uint64_t(4347748));
        QCOMPARE(s["num_2d_weights"].get<int>(), 39);
        QCOMPARE(s["shards"].size(), std::size_t(2));
        QCOMPARE(s["files"][0].get<std::string>(), (dir / "out/weights_int8.bin").string());
    }

    void help_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("top level") << QStringList{"--help"} << QStringList{"quantize", "generate-luts", "inspect", "Exit codes"};
        QTest::newRow("quantize") << QStringList{"quantize", "--help"}
                                  << QStringList{"--checkpoint", "--output-dir", "--overrides", "Exit codes", "4 output"};
        QTest::newRow("quantize -h") << QStringList{"quantize", "-h"} << QStringList{"--checkpoint"};
        QTest::newRow("generate-luts") << QStringList{"generate-luts", "--help"}
                                       << QStringList{"-o,--output-dir", "--silu-input-scale", "--silu-output-scale",
                                                      "--softplus-input-scale", "--softplus-output-scale",
                                                      "--rsqrt-input-scale", "--rsqrt-output-scale",
                                                      "--exp-input-scale", "--exp-output-scale", "Exit codes"};
        QTest::newRow("inspect") << QStringList{"inspect", "--help"}
                                 << QStringList{"--json", "--overrides", "--sort", "--filter", "--below", "--top", "Exit codes"};
    }
    void help()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        const Run r = cli(args);
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        for (const auto &m : mentions)
            QVERIFY2(r.out.contains(m), qPrintable(m + " missing in:\n" + r.out));
        const Run v = cli({"--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.contains("quantlens-cli"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("no arguments") << QStringList{};
        QTest::newRow("unknown subcommand") << QStringList{"quantise"};
        QTest::newRow("quantize without --checkpoint") << QStringList{"quantize", "--output-dir", "out"};
        QTest::newRow("unknown flag") << QStringList{"quantize", "--checkpoint", "x.pt", "--bits", "4"};
        QTest::newRow("--threads not a number") << QStringList{"quantize", "--checkpoint", "x.pt", "-j", "many"};
        QTest::newRow("inspect without path") << QStringList{"inspect"};
        QTest::newRow("inspect --sort bogus") << QStringList{"inspect", "x.pt", "--sort", "size"};
        QTest::newRow("inspect --top text") << QStringList{"inspect", "x.pt", "--top", "ten"};
        QTest::newRow("inspect bad regex") << QStringList{"inspect", q(kData / "policy-small.pt"), "--filter", "(["};
        QTest::newRow("inspect folder with overrides")
            << QStringList{"inspect", q(kData / "golden/policy-small"), "--overrides", q(kData / "x.json")};
        QTest::newRow("lut scale not a number") << QStringList{"generate-luts", "-o", "luts", "--silu-input-scale", "abc"};
        QTest::newRow("lut scale zero") << QStringList{"generate-luts", "-o", "luts", "--exp-output-scale", "0"};
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QTemporaryDir cwd;
        const Run r = cli(args, cwd.path());
        QVERIFY2(r.code == 2, qPrintable(describe(r)));
        QVERIFY(!r.err.isEmpty());
        QVERIFY2(QDir(cwd.path()).isEmpty(), "a usage error wrote something");
    }

    void inputErrors_data()
    {
        QTest::addColumn<QString>("file");   // relative to the temporary folder, or absolute
        QTest::addColumn<QByteArray>("make"); // contents to create first ("" = do not create)
        QTest::addColumn<QString>("mentions");
        QTest::newRow("malicious") << q(kData / "malicious.pt") << QByteArray() << "'posix.system'";
        QTest::newRow("non-finite") << q(kData / "non-finite.pt") << QByteArray()
                                    << "tensor 'aux.nonfinite.weight': holds NaN at index [2, 3]";
        QTest::newRow("missing") << "missing.pt" << QByteArray() << "cannot open";
        QTest::newRow("empty") << "empty.pt" << QByteArray("\0", 0) << "empty file";
        QTest::newRow("directory") << "." << QByteArray() << ""; // quantize: "is a directory"; inspect: not an output folder
        const std::string policy = readFile(kData / "policy-small.pt");
        QTest::newRow("truncated zip") << "cut.pt" << QByteArray::fromStdString(policy.substr(0, policy.size() / 2))
                                       << "zip";
        const std::string legacy = readFile(kData / "extra/policy-legacy.pt");
        QTest::newRow("truncated legacy") << "cut-legacy.pt"
                                          << QByteArray::fromStdString(legacy.substr(0, legacy.size() - 100))
                                          << "cut-legacy.pt";
        QByteArray noise(3000, '\0');
        for (int i = 0; i < noise.size(); ++i)
            noise[i] = char((i * 7919 + 13) % 251);
        QTest::newRow("random bytes") << "noise.pt" << noise << "not a PyTorch checkpoint";
    }
    void inputErrors()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, make);
        QFETCH(QString, mentions);
        QTemporaryDir cwd;
        const fs::path root = cwd.path().toStdString();
        if (!make.isNull())
            writeFile(root / file.toStdString(), make.toStdString());
        const auto before = snapshot(root);
        for (const QStringList &args : {QStringList{"quantize", "--checkpoint", file, "--output-dir", "out/deeper"},
                                        QStringList{"inspect", file, "--json"}}) {
            const Run r = cli(args, cwd.path());
            QVERIFY2(r.code == 3, qPrintable(describe(r)));
            QVERIFY2(r.err.contains(file == "." ? cwd.path() : file) || r.err.contains(QFileInfo(file).fileName()),
                     qPrintable(r.err));
            QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
            QVERIFY2(!r.err.contains("internal error") && !r.err.contains("terminate"), qPrintable(r.err));
            QVERIFY2(snapshot(root) == before, "a refused input left a file or folder behind");
            QVERIFY(!fs::exists(root / "quantlens-pwned"));
        }
    }

    /// Names come from the file: control characters reach the terminal as \xNN, never as raw ESC/BEL/CSI bytes.
    void controlCharactersAreEscaped()
    {
        const auto raw = [](const Run &r, bool c1 = true) {
            const QString all = r.out + r.err;
            for (const QChar c : all)
                if (c == QChar(0x1b) || c == QChar(0x07) || (c1 && c == QChar(0x9b)))
                    return true;
            return false;
        };
        QTemporaryDir cwd;
        const QString odd = q(kData / "hostile" / "odd-escape-in-name.pt");
        Run r = cli({"inspect", odd}, cwd.path());
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(R"(trunk.0.bias\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m)"), qPrintable(r.out));
        QVERIFY2(!raw(r), qPrintable(describe(r)));
        r = cli({"inspect", odd, "--json"}, cwd.path());
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        // JSON escapes C0 controls itself (\u001b); U+009B is valid JSON text and stays, for the program reading it.
        QVERIFY2(!raw(r, false), qPrintable(describe(r)));
        r = cli({"quantize", "--checkpoint", odd, "--output-dir", "out"}, cwd.path());
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(!raw(r), qPrintable(describe(r)));
        r = cli({"quantize", "--checkpoint", q(kData / "hostile" / "bad-escape-nan.pt"), "--output-dir", "bad"},
                cwd.path());
        QVERIFY2(r.code == 3, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(R"(tensor 'trunk.0.weight\x1b[2J\x1b[31m': holds NaN at index [0, 1])"), qPrintable(r.err));
        QVERIFY2(!raw(r), qPrintable(describe(r)));
    }

    /// malicious.pt (torch.load would run `touch quantlens-pwned`) never runs anything, whatever the command.
    void maliciousNeverExecutes()
    {
        QTemporaryDir cwd;
        for (const QStringList &args : {QStringList{"quantize", "--checkpoint", q(kData / "malicious.pt")},
                                        QStringList{"inspect", q(kData / "malicious.pt")}}) {
            const Run r = cli(args, cwd.path());
            QCOMPARE(r.code, 3);
            QVERIFY(r.err.contains("posix.system"));
        }
        QVERIFY(QDir(cwd.path()).isEmpty());
    }

    void badOverrides()
    {
        QTemporaryDir cwd;
        const fs::path root = cwd.path().toStdString();
        writeFile(root / "o.json", R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "trunk.*", "strategy": "per_row"}]})");
        Run r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "--output-dir", "out", "--overrides", "o.json"},
                    cwd.path());
        QVERIFY2(r.code == 3, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("o.json") && r.err.contains("rule 0 (match \"trunk.*\")"), qPrintable(r.err));
        QVERIFY(!fs::exists(root / "out"));
        r = cli({"inspect", q(kData / "policy-small.pt"), "--overrides", "missing.json"}, cwd.path());
        QCOMPARE(r.code, 3);
        QVERIFY(r.err.contains("missing.json"));
    }

    void outputErrors()
    {
        QTemporaryDir cwd;
        const fs::path root = cwd.path().toStdString();
        writeFile(root / "file", "x");
        // A folder below a regular file cannot exist (root ignores permissions, so this is how to fail for real).
        Run r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "--output-dir", "file/sub"}, cwd.path());
        QVERIFY2(r.code == 4, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("file/sub"), qPrintable(r.err));
        r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "--output-dir", "file"}, cwd.path());
        QVERIFY2(r.code == 4, qPrintable(describe(r)));
        r = cli({"generate-luts", "-o", "file/luts"}, cwd.path());
        QVERIFY2(r.code == 4, qPrintable(describe(r)));
        QCOMPARE(readFile(root / "file"), std::string("x"));
        // A full disk, simulated with RLIMIT_FSIZE (100 blocks of 512 bytes): exit 4, no temporaries left.
        r = cli({"quantize", "--checkpoint", QL_SAMPLE, "--output-dir", "full"}, cwd.path(), 100);
        QVERIFY2(r.code == 4, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("full/"), qPrintable(r.err));
        QVERIFY2(!fs::exists(root / "full"), "the failed run left its new output folder");
        QCOMPARE(snapshot(root).size(), std::size_t(1));
    }

    /// The most important property: an earlier good output folder survives every kind of failed run unchanged.
    void failedRunsLeaveEarlierOutputUnchanged()
    {
        QTemporaryDir cwd;
        const fs::path root = cwd.path().toStdString();
        Run r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "--output-dir", "out", "-q"}, cwd.path());
        QCOMPARE(r.code, 0);
        writeFile(root / "out/notes.txt", "kept");
        writeFile(root / "cut.pt", readFile(QL_SAMPLE).substr(0, 100000));
        writeFile(root / "bad-overrides.json", "{");
        const auto before = snapshot(root / "out");
        QCOMPARE(before.at("weights_int8.bin"), readFile(kData / "golden/policy-small/weights_int8.bin"));

        struct Attempt
        {
            QStringList args;
            int blocks;
            int code;
        };
        const Attempt attempts[] = {
            {{"--checkpoint", q(kData / "non-finite.pt")}, 0, 3},
            {{"--checkpoint", q(kData / "malicious.pt")}, 0, 3},
            {{"--checkpoint", "cut.pt"}, 0, 3},
            {{"--checkpoint", q(kData / "mlp-small.pt"), "--overrides", "bad-overrides.json"}, 0, 3},
            // A full disk (RLIMIT_FSIZE of 120 blocks = 60 kB): mamba2-small's new weights_int8.bin (395 kB) fails
            // half-way ...
            {{"--checkpoint", QL_SAMPLE}, 120, 4},
            // ... and mamba2-d40-l3's manifest (> 80 kB) fails after its weights_int8.bin (48 kB) was complete.
            {{"--checkpoint", q(kData / "extra/mamba2-d40-l3.pt")}, 120, 4},
        };
        for (const auto &a : attempts) {
            r = cli(QStringList{"quantize", "--output-dir", "out"} + a.args, cwd.path(), a.blocks);
            QVERIFY2(r.code == a.code, qPrintable(a.args.join(' ') + "\n" + describe(r)));
            QVERIFY2(snapshot(root / "out") == before, qPrintable("output changed after: " + a.args.join(' ')));
        }
        // And a successful run does replace the artifacts.
        r = cli({"quantize", "--checkpoint", q(kData / "mlp-small.pt"), "--output-dir", "out", "-q"}, cwd.path());
        QCOMPARE(r.code, 0);
        QCOMPARE(readFile(root / "out/weights_int8.bin"), readFile(kData / "golden/mlp-small/weights_int8.bin"));
        QCOMPARE(readFile(root / "out/notes.txt"), std::string("kept"));
    }

    void inspectJson()
    {
        const Run r = cli({"inspect", q(kData / "policy-small.pt"), "--json"});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        const OJson j = OJson::parse(r.out.toStdString());
        const OJson golden = OJson::parse(readFile(kData / "golden/policy-small/manifest.json"));
        QCOMPARE(j["model_type"].get<std::string>(), std::string("policy"));
        QCOMPARE(j["format"].get<std::string>(), std::string("policy_int8_v1"));
        QVERIFY(sameUnordered(j["architecture"], golden["architecture"]));
        QCOMPARE(j["int8_bytes"].get<uint64_t>(), golden["total_weight_bytes"].get<uint64_t>());
        QCOMPARE(j["fp32_bytes"].get<uint64_t>(), 4 * golden["total_weight_bytes"].get<uint64_t>());
        QCOMPARE(j["num_2d_weights"].get<int>(), 12);
        QVERIFY(close(j["mean_snr_db"], golden["error_summary"]["mean_snr_db"], 0, 1e-3));
        QVERIFY(close(j["min_snr_db"], golden["error_summary"]["min_snr_db"], 0, 1e-3));
        QCOMPARE(j["shards"].size(), std::size_t(1));
        QCOMPARE(j["source"].get<std::string>(), (kData / "policy-small.pt").string());
        QCOMPARE(j["tensors"].size(), std::size_t(16));
        for (const auto &t : j["tensors"]) {
            for (const char *f : {"name", "group", "shape", "dtype", "quantization", "strategy", "snr_db", "band", "mse",
                                  "max_abs_error", "relative_error_pct", "bytes", "offset", "shard"})
                QVERIFY2(t.contains(f), f);
            const auto name = t["name"].get<std::string>();
            const OJson &g = golden["weights"][t["group"].get<std::string>()][name];
            QVERIFY2(!g.is_null(), name.c_str());
            QCOMPARE(t["offset"].get<uint64_t>(), g["offset"].get<uint64_t>());
            QVERIFY(close(t["snr_db"], g["snr_db"], 0, 1e-3));
        }
        QCOMPARE(j["skipped_tensors"].size(), std::size_t(0));

        // --sort snr: worst first; --top; --filter; --below.
        OJson s = OJson::parse(cli({"inspect", q(kData / "policy-small.pt"), "--json", "--sort", "snr", "--top", "5"}).out.toStdString());
        QCOMPARE(s["tensors"].size(), std::size_t(5));
        for (std::size_t i = 1; i < 5; ++i)
            QVERIFY(s["tensors"][i]["snr_db"].get<double>() >= s["tensors"][i - 1]["snr_db"].get<double>());
        QVERIFY(close(s["tensors"][0]["snr_db"], j["min_snr_db"], 0, 1e-9) ||
                s["tensors"][0]["snr_db"].get<double>() < j["min_snr_db"].get<double>()); // 1-D may be lower
        s = OJson::parse(cli({"inspect", q(kData / "policy-small.pt"), "--json", "--filter", "_head\\."}).out.toStdString());
        QCOMPARE(s["tensors"].size(), std::size_t(4));
        s = OJson::parse(cli({"inspect", q(kData / "policy-small.pt"), "--json", "--below", "45"}).out.toStdString());
        QVERIFY(!s["tensors"].empty());
        for (const auto &t : s["tensors"])
            QVERIFY(t["snr_db"].get<double>() < 45);
        s = OJson::parse(cli({"inspect", q(kData / "policy-small.pt"), "--json", "--sort", "bytes"}).out.toStdString());
        QCOMPARE(s["tensors"][0]["name"].get<std::string>(), std::string("trunk.0.weight"));

        // An output folder inspects to the same figures; all-zero tensors show as null / "all-zero".
        QTemporaryDir tmp;
        QCOMPARE(cli({"quantize", "--checkpoint", q(kData / "edge-cases.pt"), "--output-dir", tmp.path(), "-q"}).code, 0);
        const OJson fromCk = OJson::parse(cli({"inspect", q(kData / "edge-cases.pt"), "--json"}).out.toStdString());
        const OJson fromDir = OJson::parse(cli({"inspect", tmp.path(), "--json"}).out.toStdString());
        QCOMPARE(fromDir["tensors"].size(), fromCk["tensors"].size());
        QVERIFY(close(fromDir["mean_snr_db"], fromCk["mean_snr_db"], 0, 1e-9));
        QCOMPARE(fromCk["undefined_snr_weights"].get<int>(), 1);
        bool zeroSeen = false;
        for (const auto &t : fromCk["tensors"])
            if (t["name"] == "aux.zero.weight") {
                zeroSeen = true;
                QVERIFY(t["snr_db"].is_null());
                QCOMPARE(t["band"].get<std::string>(), std::string("all-zero"));
            }
        QVERIFY(zeroSeen);
        QCOMPARE(fromCk["skipped_tensors"][0]["name"].get<std::string>(), std::string("aux.scalar"));
        // The seed's own output folder (its manifest holds -Infinity) inspects to the same figures.
        const Run seedRun = cli({"inspect", q(kData / "golden/edge-cases"), "--json"});
        QVERIFY2(seedRun.code == 0, qPrintable(describe(seedRun)));
        const OJson fromSeed = OJson::parse(seedRun.out.toStdString());
        QCOMPARE(fromSeed["undefined_snr_weights"].get<int>(), 1);
        QVERIFY(close(fromSeed["mean_snr_db"], fromCk["mean_snr_db"], 0, 1e-3));
        // mixed dtypes report their original dtype.
        const OJson mixed = OJson::parse(cli({"inspect", q(kData / "mixed-dtypes.pt"), "--json"}).out.toStdString());
        std::map<std::string, std::string> dtypes;
        for (const auto &t : mixed["tensors"])
            dtypes[t["name"].get<std::string>()] = t["dtype"].get<std::string>();
        QCOMPARE(dtypes["head.weight"], std::string("bfloat16"));
        QCOMPARE(dtypes["head.bias"], std::string("float64"));
        QCOMPARE(dtypes["layers.0.mamba.in_proj.weight"], std::string("float16"));
    }

    /// inspect and quantize with an overrides file: strategies reported, overrides recorded, unused rules warned.
    void overrides()
    {
        QTemporaryDir cwd;
        const fs::path root = cwd.path().toStdString();
        writeFile(root / "o.json", R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "trunk.0.weight", "strategy": "per_channel_mse"}, {"match": "nothing*", "strategy": "per_tensor_mse"}]})");
        Run r = cli({"inspect", q(kData / "policy-small.pt"), "--json", "--overrides", "o.json", "--filter", "^trunk\\.0\\.weight$"},
                    cwd.path());
        QCOMPARE(r.code, 0);
        OJson j = OJson::parse(r.out.toStdString());
        QCOMPARE(j["tensors"][0]["strategy"].get<std::string>(), std::string("per_channel_mse"));
        QCOMPARE(j["overrides"]["overrides"].size(), std::size_t(2));
        r = cli({"quantize", "--checkpoint", q(kData / "policy-small.pt"), "--output-dir", "out", "--overrides", "o.json"},
                cwd.path());
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("overrides rule 1 (match \"nothing*\") matches no tensor"), qPrintable(r.err));
        j = OJson::parse(readFile(root / "out/manifest.json"));
        QCOMPARE(j["overrides"]["format"].get<std::string>(), std::string("quantlens_overrides_v1"));
        QCOMPARE(j["weights"]["projections"]["trunk.0.weight"]["strategy"]["name"].get<std::string>(),
                 std::string("per_channel_mse"));
        QVERIFY(readFile(root / "out/weights_int8.bin") != readFile(kData / "golden/policy-small/weights_int8.bin"));
    }

    void generateLuts_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("golden");
        QTest::newRow("default") << QStringList{} << "luts-default";
        QTest::newRow("seed's custom flags")
            << QStringList{"--silu-input-scale", "0.05", "--silu-output-scale", "0.04", "--softplus-input-scale", "0.04",
                           "--softplus-output-scale", "0.0625", "--rsqrt-input-scale", "0.02", "--rsqrt-output-scale",
                           "0.04", "--exp-input-scale", "0.05", "--exp-output-scale", "0.004"}
            << "luts-custom";
    }
    void generateLuts()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, golden);
        QTemporaryDir tmp;
        const fs::path g = kData / "golden" / golden.toStdString();
        for (const QString &o : {QString("-o"), QString("--output-dir")}) {
            const fs::path out = fs::path(tmp.path().toStdString()) / o.toStdString();
            const Run r = cli(QStringList{"generate-luts", o, q(out)} + flags);
            QVERIFY2(r.code == 0, qPrintable(describe(r)));
            QCOMPARE(readFile(out / "luts.bin"), readFile(g / "luts.bin"));
            const auto problems = compareLutsJson(OJson::parse(readFile(out / "luts.json")), OJson::parse(readFile(g / "luts.json")));
            QVERIFY2(problems.empty(), joinProblems(problems).c_str());
        }
        const Run j = cli(QStringList{"generate-luts", "-o", tmp.path() + "/j", "--json"} + flags);
        QCOMPARE(j.code, 0);
        QVERIFY(compareLutsJson(OJson::parse(j.out.toStdString()), OJson::parse(readFile(g / "luts.json"))).empty());
        // Without -o: the seed's default folder.
        QTemporaryDir cwd;
        QCOMPARE(cli(QStringList{"generate-luts", "-q"} + flags, cwd.path()).code, 0);
        QCOMPARE(readFile(fs::path(cwd.path().toStdString()) / "quantization/output/luts/luts.bin"), readFile(g / "luts.bin"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
