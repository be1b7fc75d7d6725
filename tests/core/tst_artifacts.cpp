// Output folders: written atomically (a failed or cancelled run leaves an earlier output exactly as it was and
// leaves no folder of its own behind), output errors are Output errors naming the path, and output folders read
// back (loadArtifacts) into the same result.
#include "../cli/goldencheck.h"

#include "artifacts/artifacts.h"
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "artifacts/manifest.h"

#include <QTemporaryDir>
#include <QtTest>

#include <map>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

/// Every entry of a folder tree: relative path -> contents ("<dir>" for folders).
std::map<std::string, std::string> snapshot(const fs::path &root)
{
    std::map<std::string, std::string> s;
    if (!fs::exists(root))
        return s;
    for (const auto &e : fs::recursive_directory_iterator(root))
        s[fs::relative(e.path(), root).string()] = e.is_directory() ? "<dir>" : readFile(e.path());
    return s;
}

ql::ErrorKind failureKind(const std::function<void()> &f, std::string *what = nullptr)
{
    try {
        f();
    } catch (const ql::Error &e) {
        if (what)
            *what = e.what();
        return e.kind();
    }
    return ql::ErrorKind::Internal;
}
} // namespace

class TestArtifacts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    /// Regression: a failed run into a new nested folder (a/b/c) left the parents a/ and a/b/ behind.
    void failedRunRemovesTheFoldersItCreated()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const ql::Checkpoint bad = ql::loadCheckpoint(kData / "non-finite.pt");
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(bad, {}, root / "a/b/c"); }), ql::ErrorKind::Input);
        QVERIFY(!fs::exists(root / "a"));
        QVERIFY(snapshot(root).empty());
        // A parent that existed before stays, with whatever it held.
        fs::create_directory(root / "keep");
        writeFile(root / "keep/note.txt", "mine");
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(bad, {}, root / "keep/x/y"); }), ql::ErrorKind::Input);
        QCOMPARE(snapshot(root), (std::map<std::string, std::string>{{"keep", "<dir>"}, {"keep/note.txt", "mine"}}));
        // A successful run creates the whole chain.
        ql::quantizeToDirectory(ql::loadCheckpoint(kData / "policy-small.pt"), {}, root / "n1/n2/out");
        QCOMPARE(readFile(root / "n1/n2/out/weights_int8.bin"), readFile(kData / "golden/policy-small/weights_int8.bin"));
    }

    /// The most important guarantee: whatever goes wrong, an earlier good output folder is left byte for byte.
    void failedRunLeavesEarlierOutputUnchanged()
    {
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        ql::quantizeToDirectory(ql::loadCheckpoint(kData / "policy-small.pt"), {}, out);
        writeFile(out / "README.txt", "user file");
        const auto before = snapshot(out);
        QCOMPARE(before.size(), std::size_t(3));

        const ql::Checkpoint nonFinite = ql::loadCheckpoint(kData / "non-finite.pt");
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(nonFinite, {}, out); }), ql::ErrorKind::Input);
        QCOMPARE(snapshot(out), before);

        // Cancelled half-way through a bigger model.
        ql::QuantizeOptions cancel;
        int calls = 0;
        cancel.progress = [&](uint64_t, uint64_t) { return ++calls < 3; };
        cancel.threads = 2;
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(ql::loadCheckpoint(QL_SAMPLE), cancel, out); }),
                 ql::ErrorKind::Cancelled);
        QCOMPARE(snapshot(out), before);

        // An unknown model family fails before any byte is written.
        const fs::path st = fs::path(tmp.path().toStdString()) / "u.safetensors";
        writeSafetensors(st, {{"encoder.w", "F32", {1}, floatBytes({1.0f})}});
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(ql::loadCheckpoint(st), {}, out); }), ql::ErrorKind::Input);
        QCOMPARE(snapshot(out), before);

        // A successful run replaces both artifacts and nothing else.
        ql::quantizeToDirectory(ql::loadCheckpoint(kData / "mlp-small.pt"), {}, out);
        const auto after = snapshot(out);
        QCOMPARE(after.size(), std::size_t(3));
        QCOMPARE(after.at("README.txt"), std::string("user file"));
        QCOMPARE(after.at("weights_int8.bin"), readFile(kData / "golden/mlp-small/weights_int8.bin"));
    }

    void outputErrors()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeFile(root / "file", "x");
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "policy-small.pt");
        std::string what;
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(ck, {}, root / "file/sub"); }, &what), ql::ErrorKind::Output);
        QVERIFY2(what.find((root / "file/sub").string()) != std::string::npos, what.c_str());
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(ck, {}, root / "file"); }, &what), ql::ErrorKind::Output);
        QVERIFY2(what.find((root / "file").string() + ": output path exists and is not a folder") != std::string::npos,
                 what.c_str());
        QCOMPARE(readFile(root / "file"), std::string("x"));
        const ql::QuantizeResult r = ql::quantize(ck, {});
        QCOMPARE(failureKind([&] { ql::writeArtifacts(r, root / "file/sub"); }), ql::ErrorKind::Output);
        // An output folder named like an existing artifact: the artifact is not touched.
        fs::create_directories(root / "o/weights_int8.bin");
        QCOMPARE(failureKind([&] { ql::quantizeToDirectory(ck, {}, root / "o"); }), ql::ErrorKind::Output);
        QVERIFY(fs::is_directory(root / "o/weights_int8.bin"));
        QCOMPARE(snapshot(root / "o").size(), std::size_t(1)); // no temporaries left behind
    }

    /// writeArtifacts (in-memory result) and quantizeToDirectory (streamed) write the same two files.
    void inMemoryAndStreamedWritersAgree()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "edge-cases.pt");
        ql::QuantizeOptions opt;
        opt.rowStats = false;
        ql::quantizeToDirectory(ck, opt, root / "streamed");
        ql::writeArtifacts(ql::quantize(ck, {}), root / "memory");
        QCOMPARE(snapshot(root / "streamed"), snapshot(root / "memory"));
    }

    /// An output folder reads back into the numbers it was written from; a golden (seed) folder reads too.
    void loadArtifactsRoundTrip()
    {
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        const ql::QuantizeResult r = ql::quantizeToDirectory(ql::loadCheckpoint(kData / "edge-cases.pt"), {}, out);
        const ql::QuantizeResult back = ql::loadArtifacts(out);
        QCOMPARE(back.totalBytes, r.totalBytes);
        QCOMPARE(back.tensors.size(), r.tensors.size());
        QCOMPARE(back.shards.size(), r.shards.size());
        QCOMPARE(back.model.modelType, std::string("mamba2"));
        QCOMPARE(back.encodingConfig, r.encodingConfig);
        const auto a = r.summary(), b = back.summary();
        QCOMPARE(b.numMatrices, a.numMatrices);
        QCOMPARE(b.numUndefined, a.numUndefined);
        QVERIFY(std::fabs(b.meanSnr - a.meanSnr) < 1e-9);
        for (const auto &t : r.tensors) {
            const auto *u = back.find(t.name);
            QVERIFY2(u, t.name.c_str());
            QCOMPARE(u->offset, t.offset);
            QCOMPARE(u->scales, t.scales);
            QCOMPARE(bool(u->stats.snrDb()), bool(t.stats.snrDb()));
            if (t.stats.snrDb())
                QVERIFY2(std::fabs(*u->stats.snrDb() - *t.stats.snrDb()) < 1e-9, t.name.c_str());
        }
        const ql::QuantizeResult seed = ql::loadArtifacts(kData / "golden/mamba2-small");
        QCOMPARE(seed.totalBytes, uint64_t(395394));
        QCOMPARE(seed.summary().numMatrices, 32);
        QVERIFY(std::fabs(seed.summary().meanSnr - 46.32698558270931) < 1e-9);
    }

    /// Regression: a seed output folder whose manifest holds Python's -Infinity (an all-zero tensor) could not
    /// be inspected ("not valid JSON"); those tokens now read as undefined SNRs, strings are left alone.
    void loadSeedManifestWithInfinity()
    {
        const ql::QuantizeResult seed = ql::loadArtifacts(kData / "golden/edge-cases");
        QVERIFY(!seed.find("aux.zero.weight")->stats.snrDb());
        QVERIFY(!seed.find("aux.zero_bias")->stats.snrDb());
        const auto s = seed.summary();
        QCOMPARE(s.numMatrices, 38);
        QCOMPARE(s.numUndefined, 1);
        QVERIFY(std::fabs(s.maxSnr - 135.2793048479406) < 1e-6);
        // The same numbers as our own output for that checkpoint.
        const ql::QuantizeResult ours = ql::quantize(ql::loadCheckpoint(kData / "edge-cases.pt"), {});
        QVERIFY(std::fabs(s.meanSnr - ours.summary().meanSnr) < 1e-3);

        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        fs::copy(kData / "golden/policy-small", dir, fs::copy_options::recursive);
        std::string text = readFile(dir / "manifest.json");
        const std::string from = "\"model_type\": \"policy_mlp\"";
        text.replace(text.find(from), from.size(), "\"model_type\": \"NaN -Infinity \\\" Infinity\"");
        writeFile(dir / "manifest.json", text);
        const ql::QuantizeResult odd = ql::loadArtifacts(dir);
        QCOMPARE(odd.encodingConfig["model_type"].get<std::string>(), std::string("NaN -Infinity \" Infinity"));
    }

    void loadArtifactsErrors()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        std::string what;
        QCOMPARE(failureKind([&] { ql::loadArtifacts(root); }, &what), ql::ErrorKind::Input);
        QVERIFY2(what.find("manifest.json") != std::string::npos, what.c_str());
        fs::copy(kData / "golden/policy-small", root / "cut");
        const std::string bin = readFile(root / "cut/weights_int8.bin");
        writeFile(root / "cut/weights_int8.bin", bin.substr(0, bin.size() - 1));
        QCOMPARE(failureKind([&] { ql::loadArtifacts(root / "cut"); }, &what), ql::ErrorKind::Input);
        QVERIFY2(what.find("weights_int8.bin") != std::string::npos && what.find("116293") != std::string::npos,
                 what.c_str());
        fs::create_directory(root / "junk");
        writeFile(root / "junk/manifest.json", "{\"format\": 1}");
        writeFile(root / "junk/weights_int8.bin", "");
        QCOMPARE(failureKind([&] { ql::loadArtifacts(root / "junk"); }, &what), ql::ErrorKind::Input);
        QVERIFY2(what.find("manifest") != std::string::npos, what.c_str());
    }
};

QTEST_GUILESS_MAIN(TestArtifacts)
#include "tst_artifacts.moc"
