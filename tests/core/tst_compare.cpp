// compare(): identical inputs, a checkpoint against its own output folder, two real checkpoints two optimizer steps
// apart checked against figures computed here independently (golden bins + manifests, FP32 read element by element)
// and by torch + NumPy, a pair with removed/added/reshaped tensors, a pair whose shard layout differs, and the
// SPEC §7 chunk arithmetic on synthetic buffers.
#include "../common/runprocess.h"
#include "../common/files.h"
#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "base/json.h"
#include "session/compare.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace ql;

namespace {

const fs::path kFixtures = "/work/shared/fixtures";
const fs::path kMamba = kFixtures / "checkpoints/mamba2-small.pt";
const fs::path kLegacy = kFixtures / "checkpoints/legacy-format.pt";
const fs::path kGoldMamba = kFixtures / "golden/mamba2-small";
const fs::path kGoldLegacy = kFixtures / "golden/legacy-format";

Session open(const fs::path &p, const Overrides &o = {})
{
    OpenOptions opt;
    opt.overrides = o;
    opt.rowStats = false;
    return openSession(p, opt);
}

/// name -> manifest entry, over every group of a golden manifest.
std::map<std::string, Json> manifestEntries(const fs::path &dir)
{
    const Json m = Json::parse(qltest::readFile(dir / "manifest.json"));
    std::map<std::string, Json> out;
    for (const auto &[group, entries] : m.at("weights").items())
        for (const auto &[name, e] : entries.items())
            out[name] = e;
    return out;
}

std::vector<double> manifestScales(const Json &e, int64_t rows)
{
    if (e.at("quantization") == "per_channel_symmetric") {
        std::vector<double> s;
        for (const auto &v : e.at("scales"))
            s.push_back(double(v.get<float>()));
        return s;
    }
    return std::vector<double>(std::size_t(rows), e.at("scale").get<double>());
}

/// A tensor to write into a test safetensors file.
struct Tensor
{
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
};

std::vector<Tensor> tensorsOf(const fs::path &checkpoint)
{
    const Checkpoint ck = loadCheckpoint(checkpoint);
    std::vector<Tensor> out;
    for (const auto &t : ck.tensors) {
        Tensor x{t.name, t.shape, std::vector<float>(std::size_t(t.numel()))};
        readAsFloat(t, 0, t.numel(), x.values.data());
        out.push_back(std::move(x));
    }
    return out;
}

void writeSafetensors(const fs::path &path, const std::vector<Tensor> &tensors)
{
    Json header = Json::object();
    uint64_t offset = 0;
    for (const auto &t : tensors) {
        const uint64_t bytes = t.values.size() * sizeof(float);
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    std::ofstream f(path, std::ios::binary);
    const uint64_t n = h.size();
    f.write(reinterpret_cast<const char *>(&n), 8);
    f.write(h.data(), std::streamsize(h.size()));
    for (const auto &t : tensors)
        f.write(reinterpret_cast<const char *>(t.values.data()), std::streamsize(t.values.size() * sizeof(float)));
}

Tensor &byName(std::vector<Tensor> &ts, const std::string &name)
{
    for (auto &t : ts)
        if (t.name == name)
            return t;
    throw std::runtime_error("no tensor " + name);
}

bool near(double x, double y, double rel = 1e-9, double abs = 1e-12)
{
    return std::fabs(x - y) <= abs + rel * std::max(std::fabs(x), std::fabs(y));
}

void verifyAllSame(const CompareResult &r)
{
    QVERIFY(!r.tensors.empty());
    for (const auto &d : r.tensors) {
        QVERIFY2(d.status == TensorStatus::Same, (d.name + " is " + statusName(d.status)).c_str());
        QCOMPARE(d.int8BytesChanged.value_or(1), uint64_t(0));
        QCOMPARE(d.scaleMaxRelChange.value_or(1), 0.0);
        QVERIFY(!d.strategyChanged);
    }
    QVERIFY(r.summary.identical());
    QCOMPARE(r.summary.same, int(r.tensors.size()));
    QCOMPARE(r.summary.int8BytesChanged, uint64_t(0));
    QCOMPARE(r.summary.chunksChanged, uint64_t(0));
    QCOMPARE(r.summary.patchTransactions.value_or(1), uint64_t(0));
    QCOMPARE(r.summary.recreateTransactions, uint64_t(0));
    QVERIFY(!r.layoutChanged);
    for (const auto &s : r.shards) {
        QCOMPARE(s.bytesChanged, uint64_t(0));
        QVERIFY(s.chunkRanges.empty());
    }
}

} // namespace

class TestCompare : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void identicalInputs()
    {
        const Session a = open(kMamba), b = open(kMamba);
        const CompareResult r = compare(a, b);
        verifyAllSame(r);
        QCOMPARE(int(r.tensors.size()), int(a.result->tensors.size()));
        for (const auto &d : r.tensors) {
            QCOMPARE(d.relL2Change.value_or(1), 0.0);
            QCOMPARE(d.maxAbsChange.value_or(1), 0.0);
            QCOMPARE(d.snrDelta.value_or(0), 0.0);
        }
    }

    void checkpointAgainstItsOwnFolder_data()
    {
        QTest::addColumn<QString>("checkpoint");
        QTest::addColumn<QString>("folder");
        QTest::newRow("mamba2-small") << QString::fromStdString(kMamba) << QString::fromStdString(kGoldMamba);
        QTest::newRow("legacy-format") << QString::fromStdString(kLegacy) << QString::fromStdString(kGoldLegacy);
    }
    void checkpointAgainstItsOwnFolder()
    {
        QFETCH(QString, checkpoint);
        QFETCH(QString, folder);
        const Session ck = open(checkpoint.toStdString()), out = open(folder.toStdString());
        verifyAllSame(compare(ck, out));
        verifyAllSame(compare(out, ck));
        // Not made from it: the other checkpoint's folder is reported as different.
        const Session other = open(checkpoint.toStdString() == kMamba.string() ? kGoldLegacy : kGoldMamba);
        QVERIFY(!compare(ck, other).summary.identical());
    }

    void folderMadeWithOverrides()
    {
        QTemporaryDir tmp;
        const auto o = Overrides::fromJson(Json::parse(
            R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "*_head.weight", "strategy": "per_channel_mse"}]})"));
        const Session made = open(kMamba, o);
        writeArtifacts(*made.result, tmp.path().toStdString());
        const Session folder = open(tmp.path().toStdString());
        verifyAllSame(compare(open(kMamba, o), folder));
        // Without the overrides it was made with, exactly the overridden tensors differ (their strategy at least).
        const CompareResult r = compare(open(kMamba), folder);
        for (const auto &d : r.tensors) {
            const bool overridden = globMatch("*_head.weight", d.name);
            QCOMPARE(d.strategyChanged, overridden);
            QCOMPARE(d.status == TensorStatus::Changed, overridden);
        }
    }

    /// mamba2-small vs legacy-format (two optimizer steps apart): every figure against an independent computation
    /// from the FP32 weights read element by element and the two golden bins and manifests.
    void twoOptimizerStepsApart()
    {
        const Session a = open(kMamba), b = open(kLegacy);
        const CompareResult r = compare(a, b);
        const auto ea = manifestEntries(kGoldMamba), eb = manifestEntries(kGoldLegacy);
        const std::string binA = qltest::readFile(kGoldMamba / "weights_int8.bin"), binB = qltest::readFile(kGoldLegacy / "weights_int8.bin");
        const Checkpoint ca = loadCheckpoint(kMamba), cb = loadCheckpoint(kLegacy);
        QCOMPARE(r.tensors.size(), ea.size());
        int changed = 0;
        for (const auto &d : r.tensors) {
            QVERIFY(ea.count(d.name) && eb.count(d.name));
            const Json &ma = ea.at(d.name), &mb = eb.at(d.name);
            QCOMPARE(ma.at("shape"), mb.at("shape"));
            const TensorData &ta = *ca.find(d.name), &tb = *cb.find(d.name);
            double sa2 = 0, sd2 = 0, maxAbs = 0;
            for (int64_t i = 0; i < ta.numel(); ++i) {
                float x, y;
                readAsFloat(ta, i, 1, &x);
                readAsFloat(tb, i, 1, &y);
                sa2 += double(x) * x;
                sd2 += (double(y) - x) * (double(y) - x);
                maxAbs = std::max(maxAbs, std::fabs(double(y) - x));
            }
            QVERIFY2(d.relL2Change && near(*d.relL2Change, std::sqrt(sd2 / sa2)), d.name.c_str());
            QVERIFY2(d.maxAbsChange && near(*d.maxAbsChange, maxAbs), d.name.c_str());
            const uint64_t offA = ma.at("offset"), offB = mb.at("offset"), size = ma.at("size");
            uint64_t bytes = 0;
            for (uint64_t i = 0; i < size; ++i)
                bytes += binA[offA + i] != binB[offB + i];
            QCOMPARE(d.int8BytesChanged.value_or(~0ull), bytes);
            const int64_t rows = ma.at("shape").size() >= 2 ? ma.at("shape")[0].get<int64_t>() : 1;
            const auto sa = manifestScales(ma, rows), sb = manifestScales(mb, rows);
            double drift = 0;
            for (std::size_t i = 0; i < sa.size(); ++i)
                drift = std::max(drift, std::fabs(sb[i] - sa[i]) / sa[i]);
            QVERIFY2(d.scaleMaxRelChange && near(*d.scaleMaxRelChange, drift, 1e-12), d.name.c_str());
            // The seed's SNRs (float32 arithmetic in NumPy) agree with ours to SPEC §4's tolerance.
            QVERIFY2(d.snrA && std::fabs(*d.snrA - ma.at("snr_db").get<double>()) < 1e-3, d.name.c_str());
            QVERIFY2(d.snrB && std::fabs(*d.snrB - mb.at("snr_db").get<double>()) < 1e-3, d.name.c_str());
            QVERIFY(near(*d.snrDelta, *d.snrB - *d.snrA));
            changed += d.status == TensorStatus::Changed;
            QCOMPARE(d.status, sd2 > 0 || bytes > 0 || drift > 0 ? TensorStatus::Changed : TensorStatus::Same);
        }
        QVERIFY(changed > 0);
        QCOMPARE(r.summary.changed, changed);
        // Shards: the bins byte by byte, 1,000-byte chunks.
        QCOMPARE(r.shards.size(), std::size_t(1));
        QCOMPARE(binA.size(), binB.size());
        uint64_t bytes = 0;
        std::set<uint64_t> chunks;
        for (std::size_t i = 0; i < binA.size(); ++i)
            if (binA[i] != binB[i]) {
                ++bytes;
                chunks.insert(i / kUploadChunk);
            }
        const ShardDelta &s = r.shards[0];
        QCOMPARE(s.bytesChanged, bytes);
        QCOMPARE(s.chunksChanged, uint64_t(chunks.size()));
        std::set<uint64_t> fromRanges;
        for (const auto &c : s.chunkRanges)
            for (uint64_t k = c.first; k <= c.last; ++k)
                fromRanges.insert(k);
        QCOMPARE(fromRanges, chunks);
        QCOMPARE(s.patchTransactions.value_or(0), chunks.size() + 1);
        QCOMPARE(s.recreateTransactions, (binB.size() + 999) / 1000 + 2);
        QCOMPARE(s.rentDeltaSol, 0.0);
        QVERIFY(!r.layoutChanged);
        // The same answer from the two output folders (no FP32 there: those figures are absent).
        const CompareResult f = compare(open(kGoldMamba), open(kGoldLegacy));
        QCOMPARE(f.summary.int8BytesChanged, bytes);
        for (std::size_t i = 0; i < f.tensors.size(); ++i) {
            QVERIFY(!f.tensors[i].relL2Change);
            QCOMPARE(f.tensors[i].int8BytesChanged, r.tensors[i].int8BytesChanged);
        }
    }

    /// The same pair against torch + NumPy (tests/data/compare_reference.py), where Debian's python3-torch exists.
    void againstTorchReference()
    {
        const qltest::Run py = qltest::runProcess(
            "/usr/bin/python3",
            {QString(QL_SOURCE_DIR) + "/tests/data/compare_reference.py", QString::fromStdString(kMamba),
             QString::fromStdString(kLegacy), QString::fromStdString(kGoldMamba), QString::fromStdString(kGoldLegacy)},
            {.timeoutMs = 120000});
        if (py.code != 0) {
            if (py.err.contains("No module named"))
                QSKIP("python3-torch / python3-numpy not installed");
            QFAIL(qPrintable("compare_reference.py failed: " + py.describe()));
        }
        const Json ref = Json::parse(py.rawOut.toStdString());
        const CompareResult r = compare(open(kMamba), open(kLegacy));
        QCOMPARE(ref.at("tensors").size(), r.tensors.size());
        for (const auto &d : r.tensors) {
            const Json &t = ref.at("tensors").at(d.name);
            QVERIFY2(near(*d.relL2Change, t.at("rel_l2_change").get<double>(), 1e-9), d.name.c_str());
            QVERIFY2(near(*d.maxAbsChange, t.at("max_abs_change").get<double>()), d.name.c_str());
            QVERIFY2(near(*d.scaleMaxRelChange, t.at("scale_max_rel_change").get<double>(), 1e-12), d.name.c_str());
            QCOMPARE(*d.int8BytesChanged, t.at("int8_bytes_changed").get<uint64_t>());
        }
        QCOMPARE(r.shards[0].bytesChanged, ref.at("shards")[0].at("bytes_changed").get<uint64_t>());
        QCOMPARE(r.shards[0].chunksChanged, uint64_t(ref.at("shards")[0].at("chunks").size()));
    }

    void removedAddedReshaped()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        std::vector<Tensor> base = tensorsOf(kMamba);
        writeSafetensors(dir / "a.safetensors", base);
        std::vector<Tensor> edited;
        for (const auto &t : base)
            if (t.name != "binary_head.bias")
                edited.push_back(t);
        edited.push_back({"aux_probe.weight", {16, 8}, std::vector<float>(128, 0.25f)});
        edited.back().values[3] = -1.0f;
        Tensor &jumps = byName(edited, "jumps_embed.weight");
        jumps.shape = {9, 4};
        jumps.values.insert(jumps.values.end(), {0.1f, 0.2f, 0.3f, 0.4f});
        for (float &v : byName(edited, "frame_proj.weight").values)
            v *= 2.0f; // exact in float: relative change 1, every scale doubles, every code stays
        writeSafetensors(dir / "b.safetensors", edited);

        const Session a = open(dir / "a.safetensors"), b = open(dir / "b.safetensors");
        const CompareResult r = compare(a, b);
        const std::map<std::string, TensorStatus> expected = {{"binary_head.bias", TensorStatus::Removed},
                                                              {"aux_probe.weight", TensorStatus::Added},
                                                              {"jumps_embed.weight", TensorStatus::Reshaped},
                                                              {"frame_proj.weight", TensorStatus::Changed}};
        for (const auto &d : r.tensors) {
            const auto it = expected.find(d.name);
            QVERIFY2(d.status == (it == expected.end() ? TensorStatus::Same : it->second), d.name.c_str());
        }
        QCOMPARE(r.summary.removed, 1);
        QCOMPARE(r.summary.added, 1);
        QCOMPARE(r.summary.reshaped, 1);
        QCOMPARE(r.summary.changed, 1);
        QCOMPARE(r.summary.same, int(base.size()) - 3);
        QCOMPARE(r.summary.largestChanges, std::vector<std::string>{"frame_proj.weight"});
        QVERIFY(std::is_sorted(r.tensors.begin(), r.tensors.end(),
                               [](const auto &x, const auto &y) { return x.name < y.name; }));
        const TensorDelta &fp = *r.find("frame_proj.weight");
        QCOMPARE(*fp.relL2Change, 1.0);
        QCOMPARE(*fp.int8BytesChanged, uint64_t(0));
        QCOMPARE(*fp.scaleMaxRelChange, 1.0);
        QVERIFY(std::fabs(*fp.snrDelta) < 1e-9);
        const TensorDelta &j = *r.find("jumps_embed.weight");
        QVERIFY(!j.relL2Change && !j.int8BytesChanged && j.a && j.b);
        QCOMPARE(j.b->shape, (std::vector<int64_t>{9, 4}));
        QVERIFY(!r.find("aux_probe.weight")->a && r.find("aux_probe.weight")->snrB);
        QVERIFY(!r.find("binary_head.bias")->b);
        // Removing 6 bytes and adding 128 + 4 shifts everything after them: the tensors moved and bytes changed.
        QVERIFY(r.tensorsMoved > 0);
        QVERIFY(r.summary.int8BytesChanged > 0);
        QCOMPARE(r.shards.size(), std::size_t(1));
        QVERIFY(r.layoutChanged); // one shard, its size changed
        QVERIFY(!r.summary.patchTransactions);
    }

    void shardLayoutDiffers()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        std::vector<Tensor> base = tensorsOf(kMamba);
        writeSafetensors(dir / "a.safetensors", base);
        Tensor big{"zz_big.weight", {1100, 4000}, std::vector<float>(1100 * 4000)};
        for (std::size_t i = 0; i < big.values.size(); ++i)
            big.values[i] = float(int(i % 251) - 125) * 1e-3f;
        base.push_back(std::move(big));
        writeSafetensors(dir / "b.safetensors", base);
        const Session a = open(dir / "a.safetensors"), b = open(dir / "b.safetensors");
        const CompareResult r = compare(a, b);
        QCOMPARE(r.shardCountA, 1);
        QCOMPARE(r.shardCountB, 2);
        QVERIFY(r.layoutChanged);
        QCOMPARE(r.summary.added, 1);
        QCOMPARE(r.summary.same, int(base.size()) - 1);
        QCOMPARE(r.tensorsMoved, 0); // zz_big sorts last: nothing before it moves
        QCOMPARE(r.shards.size(), std::size_t(2));
        const ShardDelta &s0 = r.shards[0], &s1 = r.shards[1];
        const auto &sb = b.result->shards;
        QVERIFY(s0.resized && s1.resized && !s1.a);
        QVERIFY(!s0.patchTransactions && !s1.patchTransactions);
        QCOMPARE(s0.bytesChanged, sb[0].size - a.result->totalBytes); // A's bytes are a prefix of B's shard 0
        QCOMPARE(s1.bytesChanged, sb[1].size);
        QCOMPARE(s1.recreateTransactions, (sb[1].size + 999) / 1000 + 2);
        QCOMPARE(s0.chunkRanges.back().last, (sb[0].size - 1) / 1000);
        QCOMPARE(s0.chunkRanges.front().first, a.result->totalBytes / 1000);
        QVERIFY(!r.summary.patchTransactions);
        QCOMPARE(r.summary.recreateTransactions, s0.recreateTransactions + s1.recreateTransactions);
        QVERIFY(near(r.summary.rentDeltaSol, shardCost(sb[0].size).rentSol + shardCost(sb[1].size).rentSol -
                                                 shardCost(a.result->totalBytes).rentSol));
    }

    void chunkArithmetic()
    {
        const uint64_t total = 9 * 1024 * 1024; // 3 shards
        std::vector<int8_t> a(total, 1), b = a;
        const auto shards = shardMap(total);
        QCOMPARE(shards.size(), std::size_t(3));
        for (uint64_t at : {uint64_t(5), uint64_t(999), uint64_t(1000), uint64_t(5500)})
            b[shards[1].offset + at] = 2;
        b[shards[2].offset + shards[2].size - 1] = 3; // the last, short chunk
        // Cut into pieces the way tensors are, with cuts inside upload chunks, so that chunks straddle two pieces.
        const std::vector<uint64_t> cuts = {12345, shards[1].offset + 500, shards[1].offset + 5600, shards[2].offset};
        const auto d = compareShards(Int8Buffer::copyOf(a, cuts), shards, Int8Buffer::copyOf(b), shards);
        QCOMPARE(d.size(), std::size_t(3));
        QCOMPARE(d[0].bytesChanged, uint64_t(0));
        QCOMPARE(d[0].patchTransactions.value_or(1), uint64_t(0));
        QCOMPARE(d[1].bytesChanged, uint64_t(4));
        QCOMPARE(d[1].chunksChanged, uint64_t(3));
        QCOMPARE(d[1].chunkRanges.size(), std::size_t(2));
        QCOMPARE(d[1].chunkRanges[0].first, uint64_t(0));
        QCOMPARE(d[1].chunkRanges[0].last, uint64_t(1));
        QCOMPARE(d[1].chunkRanges[1].first, uint64_t(5));
        QCOMPARE(*d[1].patchTransactions, uint64_t(4));
        QCOMPARE(d[1].recreateTransactions, (shards[1].size + 999) / 1000 + 2);
        QCOMPARE(d[2].chunkRanges.back().last, (shards[2].size - 1) / 1000);
        QCOMPARE(*d[2].patchTransactions, uint64_t(2));
        for (const auto &s : d) {
            QVERIFY(!s.resized);
            QCOMPARE(s.rentDeltaSol, 0.0);
        }
    }

    void cancelStops()
    {
        const Session a = open(kMamba), b = open(kLegacy);
        CompareOptions o;
        o.progress = [](uint64_t, uint64_t) { return false; };
        try {
            compare(a, b, o);
            QFAIL("not cancelled");
        } catch (const Error &e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
    }
};

QTEST_GUILESS_MAIN(TestCompare)
#include "tst_compare.moc"
