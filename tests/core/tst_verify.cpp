// verifyArtifacts() and the checks it shares with loadArtifacts(): fresh output passes, and each kind of damage is
// found and located (shard, tensor, offset); loadArtifacts() throws the first problem of the same checker; output
// folders whose files are FIFOs, devices or folders are refused without reading. Oversize cases are built here.
#include "../cli/goldencheck.h"

#include "artifacts/artifacts.h"
#include "artifacts/luts.h"
#include "artifacts/manifest.h"
#include "artifacts/shardhasher.h"
#include "artifacts/verify.h"
#include "base/errors.h"
#include "readers/checkpoint.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

fs::path quantizeInto(const fs::path &checkpoint, const fs::path &out)
{
    ql::quantizeToDirectory(ql::loadCheckpoint(checkpoint), {}, out);
    return out;
}

OJson manifestOf(const fs::path &dir) { return OJson::parse(readFile(dir / "manifest.json")); }
void writeManifest(const fs::path &dir, const OJson &m) { writeFile(dir / "manifest.json", m.dump(2) + "\n"); }

/// The problems of `kind` in a report, as text for messages.
std::vector<ql::ArtifactProblem> ofKind(const ql::VerifyReport &r, ql::ProblemKind kind)
{
    std::vector<ql::ArtifactProblem> out;
    for (const auto &p : r.problems)
        if (p.kind == kind)
            out.push_back(p);
    return out;
}

std::string allText(const ql::VerifyReport &r)
{
    std::string s;
    for (const auto &p : r.problems)
        s += p.text() + "\n";
    return s;
}

/// The message loadArtifacts throws for dir ("" when it loads).
std::string loadError(const fs::path &dir)
{
    try {
        (void)ql::loadArtifacts(dir);
    } catch (const ql::Error &e) {
        return e.what();
    }
    return {};
}

/// A seed-sized two-shard folder whose bytes are known (goldencheck's pattern model), with its checkpoint.
struct TwoShards
{
    fs::path checkpoint, out;
    std::string bin;
};
TwoShards twoShardFolder(const fs::path &root)
{
    const PatternModel pm = patternWorldModel(4347748, 39);
    writeSafetensors(root / "world.safetensors", pm.tensors, OJson{{"context_len", "10"}});
    quantizeInto(root / "world.safetensors", root / "out");
    return {root / "world.safetensors", root / "out", pm.expectedBin};
}

void bump(OJson &number, int64_t by) { number = number.get<uint64_t>() + uint64_t(by); }

/// A manifest being damaged, and the entries of the weights group a damage is done to.
struct Edit
{
    OJson &m;
    OJson &group;
    std::string first, second; ///< the group's first two entries ("" when it has one)
    std::string perChannel;    ///< its first entry with per-channel scales
    OJson &shards() const { return m["shard_map"]["shards"]; }
};

/// One way to damage a manifest, named as its test row, with what verify must then say.
struct Damage
{
    const char *name;
    const char *expect;
    void (*edit)(Edit &);
};

/// Rewrites the manifest of `dir` with `d` done to the entries of `group`.
void damageManifest(const fs::path &dir, const char *group, const Damage &d)
{
    OJson m = manifestOf(dir);
    OJson &g = m["weights"][group];
    Edit e{m, g, g.begin().key(), g.size() > 1 ? std::next(g.begin()).key() : std::string(), {}};
    for (const auto &[k, v] : g.items())
        if (e.perChannel.empty() && v.contains("scales"))
            e.perChannel = k;
    d.edit(e);
    writeManifest(dir, m);
}

/// A test's rows, one per damage of `table`: its index, named as the damage.
template <std::size_t N> void addDamageRows(const Damage (&table)[N])
{
    QTest::addColumn<int>("row");
    for (std::size_t i = 0; i < N; ++i)
        QTest::newRow(table[i].name) << int(i);
}

/// The layer_weights of the two-shard folder: damage that verify finds and loadArtifacts refuses.
const Damage kManifestDamage[] = {
    {"overlap", "overlaps tensor", [](Edit &e) { bump(e.group[e.second]["offset"], -1); }},
    {"gap", "belong to no tensor", [](Edit &e) { bump(e.group[e.second]["offset"], 1); }},
    {"two-groups", "is in two groups", [](Edit &e) { e.m["weights"]["projections"][e.first] = e.group[e.first]; }},
    {"wrong-group", "its name puts it in",
     [](Edit &e) {
         e.m["weights"]["projections"][e.first] = e.group[e.first];
         e.group.erase(e.first);
     }},
    {"zero-scale", "not finite and > 0", [](Edit &e) { e.group[e.perChannel]["scales"][3] = 0.0; }},
    {"negative-scale", "not finite and > 0", [](Edit &e) { e.group[e.perChannel]["scales"][0] = -0.5; }},
    {"huge-scale", "not finite and > 0", [](Edit &e) { e.group[e.perChannel]["scales"][0] = 1e300; }},
    {"scale-count", "scales for", [](Edit &e) { e.group[e.perChannel]["scales"].erase(0); }},
    {"size-vs-shape", "elements but size is", [](Edit &e) { bump(e.group[e.perChannel]["shape"][1], 1); }},
    {"shard-overlap", "overlaps the previous shard",
     [](Edit &e) {
         bump(e.shards()[1]["offset"], -4096);
         bump(e.shards()[1]["size"], 4096);
     }},
    {"shard-unaligned", "not on a 4096-byte boundary",
     [](Edit &e) {
         bump(e.shards()[0]["size"], 1);
         bump(e.shards()[1]["offset"], 1);
         bump(e.shards()[1]["size"], -1);
     }},
    {"shard-count", "num_shards is 3", [](Edit &e) { e.m["shard_map"]["num_shards"] = 3; }},
    {"shard-short", "the shards cover bytes", [](Edit &e) { bump(e.shards()[1]["size"], -1); }},
    {"bad-hash", "not 64 lower-case hex", [](Edit &e) { e.shards()[0]["sha256"] = "ABC"; }},
};

/// The projections of policy-small's output: limits and types, each the one problem verify finds.
const Damage kLimits[] = {
    {"rank-100000", "shape has rank 100000", [](Edit &e) { e.group[e.first]["shape"] = std::vector<int>(100000, 1); }},
    {"name-300kB", "bytes, over the limit of 262144",
     [](Edit &e) { e.group[std::string(300000, 'n')] = e.group[e.first]; }},
    {"string-shape", "shape[0] is \"4\", not a size", [](Edit &e) { e.group[e.first]["shape"][0] = "4"; }},
    {"string-scale", "field 'scales[2]' is not a number", [](Edit &e) { e.group[e.perChannel]["scales"][2] = "x"; }},
    {"missing-shard-map", "field 'manifest.shard_map' is missing", [](Edit &e) { e.m.erase("shard_map"); }},
    {"unknown-group", "is not one of layer_weights", [](Edit &e) { e.m["weights"]["extra"] = OJson::object(); }},
};
} // namespace

class TestVerify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    /// Every fixture checkpoint that quantizes gives a folder that verifies, alone and against its checkpoint.
    void freshOutputVerifies_data()
    {
        QTest::addColumn<QString>("checkpoint");
        std::vector<fs::path> roots = {kData, kData / "extra"};
        if (fs::exists("/work/shared/fixtures/checkpoints"))
            roots.push_back("/work/shared/fixtures/checkpoints");
        for (const auto &root : roots)
            for (const auto &e : fs::directory_iterator(root))
                if (e.path().extension() == ".pt" || e.path().extension() == ".safetensors")
                    QTest::newRow((root.filename().string() + "/" + e.path().filename().string()).c_str())
                        << QString::fromStdString(e.path().string());
    }
    void freshOutputVerifies()
    {
        QFETCH(QString, checkpoint);
        QTemporaryDir tmp;
        const fs::path out = fs::path(tmp.path().toStdString()) / "out";
        try {
            quantizeInto(checkpoint.toStdString(), out);
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Input); // malicious.pt, non-finite.pt: refused, nothing to verify
            QVERIFY(!fs::exists(out / "manifest.json"));
            return;
        }
        const auto alone = ql::verifyArtifacts(out);
        QVERIFY2(alone.ok(), allText(alone).c_str());
        QVERIFY(alone.hashesChecked);
        ql::VerifyOptions opt;
        opt.checkpoint = checkpoint.toStdString();
        const auto rederived = ql::verifyArtifacts(out, opt);
        QVERIFY2(rederived.ok(), allText(rederived).c_str());
        QVERIFY(rederived.checkpointCompared);
        QVERIFY(loadError(out).empty());
    }

    /// A folder quantized from one checkpoint does not verify against another.
    void mismatchedPairFails()
    {
        QTemporaryDir tmp;
        const fs::path out = quantizeInto(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        ql::VerifyOptions opt;
        opt.checkpoint = kData / "legacy-format.pt";
        const auto r = ql::verifyArtifacts(out, opt);
        QVERIFY(!r.ok());
        QVERIFY(!ofKind(r, ql::ProblemKind::Mismatch).empty());
        // The two mamba2 fixtures share names and sizes: the difference is located per tensor.
        const fs::path m = quantizeInto(QL_SAMPLE, fs::path(tmp.path().toStdString()) / "m");
        const auto r2 = ql::verifyArtifacts(m, opt);
        const auto mm = ofKind(r2, ql::ProblemKind::Mismatch);
        QVERIFY(mm.size() >= 2);
        QVERIFY2(!mm.front().tensor.empty() && mm.front().offset && mm.front().shard == 0, allText(r2).c_str());
        // Seed output verifies for consistency (no hashes to check, said so) and against its checkpoint's bytes
        // (its manifest text is Python's, so the manifest comparison reports that).
        const auto seed = ql::verifyArtifacts(kData / "golden/policy-small");
        QVERIFY2(seed.ok(), allText(seed).c_str());
        QVERIFY(!seed.hashesChecked && !seed.notes.empty());
    }

    /// One flipped byte: the hash names its shard (and the tensors it holds); --checkpoint names tensor and offset.
    void flippedByte()
    {
        QTemporaryDir tmp;
        const TwoShards f = twoShardFolder(tmp.path().toStdString());
        const OJson m = manifestOf(f.out);
        QCOMPARE(m["shard_map"]["num_shards"].get<int>(), 2);
        const uint64_t at = m["shard_map"]["shards"][1]["offset"].get<uint64_t>() + 12345;
        std::string bin = f.bin;
        bin[at] = char(bin[at] ^ 0x10);
        writeFile(f.out / "weights_int8.bin", bin);
        std::string tensor;
        for (const auto &[g, entries] : m["weights"].items())
            for (const auto &[k, e] : entries.items())
                if (at >= e["offset"].get<uint64_t>() && at < e["offset"].get<uint64_t>() + e["size"].get<uint64_t>())
                    tensor = k;
        QVERIFY(!tensor.empty());

        const auto r = ql::verifyArtifacts(f.out);
        QCOMPARE(r.problems.size(), std::size_t(1));
        const auto &p = r.problems.front();
        QCOMPARE(p.kind, ql::ProblemKind::Hash);
        QCOMPARE(p.shard, 1);
        QVERIFY2(p.message.find("'" + tensor + "'") != std::string::npos || p.message.find(" more") != std::string::npos,
                 p.message.c_str());
        QVERIFY(p.text().find("shard 1") != std::string::npos);

        ql::VerifyOptions opt;
        opt.checkpoint = f.checkpoint;
        const auto rc = ql::verifyArtifacts(f.out, opt);
        const auto mm = ofKind(rc, ql::ProblemKind::Mismatch);
        QVERIFY2(!mm.empty(), allText(rc).c_str());
        QCOMPARE(mm.front().tensor, tensor);
        QCOMPARE(mm.front().offset.value_or(0), at);
        QCOMPARE(mm.front().shard, 1);
        QVERIFY(mm.front().message.find("1 of its") == 0);
        // Listed as JSON with the same fields.
        const OJson j = OJson::parse(ql::verifyReportJson(rc).dump());
        QCOMPARE(j["ok"].get<bool>(), false);
        bool found = false;
        for (const auto &pj : j["problems"])
            found = found || (pj["kind"] == "mismatch" && pj["tensor"] == tensor && pj["offset"] == at && pj["shard"] == 1);
        QVERIFY(found);
    }

    void truncatedBin()
    {
        QTemporaryDir tmp;
        const TwoShards f = twoShardFolder(tmp.path().toStdString());
        fs::resize_file(f.out / "weights_int8.bin", 3000000);
        const auto r = ql::verifyArtifacts(f.out);
        const auto files = ofKind(r, ql::ProblemKind::File);
        QCOMPARE(files.size(), std::size_t(1));
        QVERIFY2(files[0].message.find("has 3000000 bytes") == 0 && files[0].message.find("truncated") != std::string::npos,
                 files[0].message.c_str());
        QCOMPARE(files[0].shard, 1);
        QCOMPARE(files[0].offset.value_or(0), uint64_t(3000000));
        QVERIFY(loadError(f.out).find("weights_int8.bin: has 3000000 bytes") != std::string::npos);
    }

    /// Offsets that overlap; a gap; one tensor in two groups; zero, negative and non-finite scales; too few scales;
    /// shards that overlap, are unaligned, miscounted or short; a bad hash.
    void manifestDamage_data() { addDamageRows(kManifestDamage); }
    void manifestDamage()
    {
        QFETCH(int, row);
        const Damage &d = kManifestDamage[row];
        QTemporaryDir tmp;
        const TwoShards f = twoShardFolder(tmp.path().toStdString());
        damageManifest(f.out, "layer_weights", d);
        const auto r = ql::verifyArtifacts(f.out);
        QVERIFY2(!r.ok(), d.name);
        QVERIFY2(allText(r).find(d.expect) != std::string::npos, allText(r).c_str());
        // loadArtifacts refuses the folder with the first problem of the same checker.
        const std::string le = loadError(f.out);
        QVERIFY2(!le.empty(), "loadArtifacts accepted it");
        const auto &p0 = r.problems.front();
        QVERIFY2(le.find(p0.message) != std::string::npos, (le + " vs " + p0.text()).c_str());
        QVERIFY(le.find(p0.file) == 0);
    }

    /// A shard over the 10 MiB account limit (a sparse bin, built here): an account problem naming the shard.
    void accountOverLimit()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const uint64_t n = 10ull << 20;
        OJson m = manifestOf(twoShardFolder(dir).out);
        OJson &w = m["weights"];
        for (auto &[g, entries] : w.items())
            entries = OJson::object();
        w["projections"]["big.bias"] = {{"offset", 0}, {"size", n}, {"shape", {n}}, {"quantization", "per_tensor_symmetric"},
                                        {"scale", 0.01}, {"snr_db", 40.0},
                                        {"error", {{"mse", 0.0}, {"max_abs_error", 0.0}, {"snr_db", 40.0}, {"relative_error_pct", 1.0}}}};
        m["total_weight_bytes"] = n;
        m["shard_map"] = {{"num_shards", 1}, {"shards", {{{"index", 0}, {"offset", 0}, {"size", n}}}}};
        fs::create_directories(dir / "big");
        writeManifest(dir / "big", m);
        writeFile(dir / "big/weights_int8.bin", "");
        fs::resize_file(dir / "big/weights_int8.bin", n);
        const auto r = ql::verifyArtifacts(dir / "big");
        const auto acc = ofKind(r, ql::ProblemKind::Account);
        QCOMPARE(acc.size(), std::size_t(1));
        QCOMPARE(acc[0].shard, 0);
        QVERIFY2(acc[0].message.find(std::to_string(n + 82)) != std::string::npos, acc[0].message.c_str());
    }

    /// Files that are not regular files are refused by name, at once: FIFOs (which would block), devices (which never
    /// end), a folder named weights_int8.bin.
    void notRegularFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expect");
        QTest::newRow("manifest-fifo") << "manifest.json" << "fifo" << "is a FIFO";
        QTest::newRow("bin-fifo") << "weights_int8.bin" << "fifo" << "is a FIFO";
        QTest::newRow("manifest-dev-zero") << "manifest.json" << "zero" << "is a character device";
        QTest::newRow("bin-dev-zero") << "weights_int8.bin" << "zero" << "is a character device";
        QTest::newRow("bin-directory") << "weights_int8.bin" << "dir" << "is a directory";
        QTest::newRow("luts-fifo") << "luts.json" << "fifo" << "is a FIFO";
        QTest::newRow("luts-dev-zero") << "luts.json" << "zero" << "is a character device";
    }
    void notRegularFiles()
    {
        QFETCH(QString, file);
        QFETCH(QString, what);
        QFETCH(QString, expect);
        QTemporaryDir tmp;
        const fs::path out = quantizeInto(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        ql::writeLuts(out, {});
        const fs::path p = out / file.toStdString();
        fs::remove(p);
        if (what == "fifo")
            QCOMPARE(::mkfifo(p.c_str(), 0600), 0);
        else if (what == "zero")
            fs::create_symlink("/dev/zero", p);
        else
            fs::create_directory(p);
        QElapsedTimer t;
        t.start();
        const auto r = ql::verifyArtifacts(out);
        QVERIFY(!r.ok());
        const std::string text = allText(r);
        QVERIFY2(text.find(p.string() + ": " + expect.toStdString()) != std::string::npos, text.c_str());
        if (file != "luts.json")
            QVERIFY(loadError(out).find(p.string() + ": " + expect.toStdString()) == 0);
        QVERIFY(t.elapsed() < 5000);
    }

    /// Limits before parsing or allocating: rank, name length, manifest size; messages name file and field.
    void limits_data() { addDamageRows(kLimits); }
    void limits()
    {
        QFETCH(int, row);
        const Damage &d = kLimits[row];
        QTemporaryDir tmp;
        const fs::path out = quantizeInto(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        damageManifest(out, "projections", d);
        const auto r = ql::verifyArtifacts(out);
        QCOMPARE(r.problems.size(), std::size_t(1));
        QCOMPARE(r.problems[0].kind, ql::ProblemKind::Manifest);
        QVERIFY2(r.problems[0].message.find(d.expect) != std::string::npos, r.problems[0].text().c_str());
        QVERIFY(r.problems[0].message.find("json.exception") == std::string::npos);
        QVERIFY(loadError(out).find(d.expect) != std::string::npos);
        // The whole report is valid JSON.
        QVERIFY(OJson::accept(ql::verifyReportJson(r).dump()));
    }

    /// The manifest size limit is checked before reading (a sparse file, built here).
    void oversizedManifest()
    {
        QTemporaryDir tmp;
        const fs::path out = quantizeInto(kData / "policy-small.pt", fs::path(tmp.path().toStdString()) / "out");
        fs::resize_file(out / "manifest.json", ql::artifactlimits::kMaxManifestBytes + 1);
        const std::string le = loadError(out);
        QVERIFY2(le.find("over the manifest.json limit") != std::string::npos, le.c_str());
    }

    /// The fuzz_manifest corpus (manifest.json, NUL, weights_int8.bin): verify's report always serialises as strict
    /// JSON (verify-json-utf8-*: a parse error quoting raw non-UTF-8 bytes once made dump() throw).
    void fuzzCorpusReportsSerialise()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        int n = 0;
        for (const auto &e : fs::directory_iterator(kData / "hostile/fuzz/manifest")) {
            const std::string data = readFile(e.path());
            const auto nul = data.find('\0');
            writeFile(dir / "manifest.json", data.substr(0, nul));
            fs::remove(dir / "weights_int8.bin");
            if (nul != std::string::npos)
                writeFile(dir / "weights_int8.bin", data.substr(nul + 1));
            const auto r = ql::verifyArtifacts(dir);
            try {
                (void)ql::verifyReportJson(r).dump();
            } catch (const std::exception &ex) {
                QFAIL(qPrintable(QString::fromStdString(e.path().filename().string() + ": " + ex.what())));
            }
            ++n;
        }
        QVERIFY(n > 0);
    }

    /// The streamed hasher equals a one-shot hash whatever the order of the pieces; far out-of-order pieces fall
    /// back to reading the shard back.
    void shardHasherOrder()
    {
        std::string bytes(3 * 4096 + 100, '\0');
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = char(i * 31 + 7);
        const auto shards = ql::shardMap(bytes.size(), 8192);
        auto readBack = [&](uint64_t off, int8_t *out, std::size_t n) { std::memcpy(out, bytes.data() + off, n); };
        for (int order = 0; order < 3; ++order) {
            ql::ShardHasher h(shards);
            std::vector<std::pair<uint64_t, std::size_t>> pieces;
            for (uint64_t o = 0; o < bytes.size(); o += 1000)
                pieces.emplace_back(o, std::min<std::size_t>(1000, bytes.size() - o));
            if (order == 1)
                std::reverse(pieces.begin(), pieces.end());
            if (order == 2)
                std::swap(pieces[1], pieces[7]);
            for (const auto &[o, n] : pieces)
                h.add(o, reinterpret_cast<const int8_t *>(bytes.data()) + o, n);
            QCOMPARE(h.fallbacks(), 0);
            const auto got = h.finish(readBack);
            QCOMPARE(got.size(), shards.size());
            for (std::size_t i = 0; i < shards.size(); ++i)
                QCOMPARE(got[i], sha256Of(bytes, shards[i].offset, shards[i].size));
        }
        // Overlapping pieces are not streamed: those shards are read back, with the same result.
        ql::ShardHasher h(shards);
        h.add(0, reinterpret_cast<const int8_t *>(bytes.data()), 5000);
        h.add(4000, reinterpret_cast<const int8_t *>(bytes.data()) + 4000, bytes.size() - 4000);
        QCOMPARE(h.fallbacks(), 1);
        const auto got = h.finish(readBack);
        for (std::size_t i = 0; i < shards.size(); ++i)
            QCOMPARE(got[i], sha256Of(bytes, shards[i].offset, shards[i].size));
    }
};

QTEST_GUILESS_MAIN(TestVerify)
#include "tst_verify.moc"
