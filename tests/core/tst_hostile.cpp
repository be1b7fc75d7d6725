// Hostile inputs made by others (tests/data/hostile/, written by make_hostile.py) and every input the fuzzers
// found (tests/data/hostile/fuzz/<target>/): code-running pickles, allocation bombs, deep nesting, cyclic memo
// references, lying zip headers, hostile manifest/luts/overrides files. Each is refused with an input Error that
// names the file and says what is wrong, or, where it is valid but odd, loaded correctly. Nothing may run: the
// payloads would create /tmp/quantlens-hostile-pwned.
#include "../common/files.h"
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "artifacts/luts.h"
#include "artifacts/manifest.h"
#include "quantization/overrides.h"
#include "readers/pickle.h"
#include "quantization/quantize.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

using qltest::readFile;
using qltest::writeFile;

namespace {
const fs::path kHostile = fs::path(QL_TEST_DATA) / "hostile";
const char *const kSentinel = "/tmp/quantlens-hostile-pwned";

/// What the fuzz harnesses do after loading: read every element, quantize, serialise.
void exercise(const ql::Checkpoint &ck)
{
    std::vector<float> f(4096);
    for (const auto &t : ck.tensors)
        for (int64_t b = 0; b < t.numel(); b += 4096)
            ql::readAsFloat(t, b, std::min<int64_t>(4096, t.numel() - b), f.data());
    (void)ck.encodingConfig.dump();
    (void)ck.extra.dump();
    try {
        ql::QuantizeOptions o;
        o.threads = 1;
        (void)ql::buildManifest(ql::quantize(ck, o)).dump();
    } catch (const ql::Error &e) {
        QCOMPARE(e.kind(), ql::ErrorKind::Input);
    }
}

/// Runs `load`, which must throw an input Error naming `file` and containing `expect`.
template <typename F>
void expectRefusal(F load, const std::string &file, const QString &expect)
{
    try {
        load();
    } catch (const ql::Error &e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(e.kind() == ql::ErrorKind::Input, e.what());
        QVERIFY2(msg.contains(QString::fromStdString(file)), qPrintable("message does not name the file: " + msg));
        QVERIFY2(msg.contains(expect), qPrintable("expected '" + expect + "' in: " + msg));
        return;
    }
    QFAIL(qPrintable("accepted: " + QString::fromStdString(file)));
}

// Pickle wrapped into a torch-like zip with one stored record (data.pkl) -- the deep inputs are built here
// rather than committed (megabytes of brackets).
std::string storedZip(const std::string &name, const std::string &data)
{
    auto le = [](std::string &s, uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            s.push_back(char((v >> (8 * i)) & 0xff));
    };
    // CRC-32 is not checked by QuantLens (records are mapped, not extracted); zero is fine.
    std::string local, central, eocd;
    le(local, 0x04034b50, 4), le(local, 20, 2), le(local, 0, 2), le(local, 0, 2), le(local, 0, 4), le(local, 0, 4);
    le(local, data.size(), 4), le(local, data.size(), 4), le(local, name.size(), 2), le(local, 0, 2);
    local += name + data;
    le(central, 0x02014b50, 4), le(central, 20, 2), le(central, 20, 2), le(central, 0, 2), le(central, 0, 2);
    le(central, 0, 4), le(central, 0, 4), le(central, data.size(), 4), le(central, data.size(), 4);
    le(central, name.size(), 2), le(central, 0, 2), le(central, 0, 2), le(central, 0, 2), le(central, 0, 2);
    le(central, 0, 4), le(central, 0, 4);
    central += name;
    le(eocd, 0x06054b50, 4), le(eocd, 0, 2), le(eocd, 0, 2), le(eocd, 1, 2), le(eocd, 1, 2);
    le(eocd, central.size(), 4), le(eocd, local.size(), 4), le(eocd, 0, 2);
    return local + central + eocd;
}

std::string binunicode(const std::string &s)
{
    std::string out = "X";
    for (int i = 0; i < 4; ++i)
        out.push_back(char((s.size() >> (8 * i)) & 0xff));
    return out + s;
}

constexpr std::size_t kDeep = 1000000;
} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { ::unlink(kSentinel); }

    void refusedCheckpoints_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expect");
        auto row = [](const char *file, const char *expect) { QTest::newRow(file) << file << expect; };
        // code-running pickles, protocols 2 and 4, every way of calling
        row("rce-posix-system-p2.pt", "refusing to call 'posix.system'");
        row("rce-posix-system-p4.pt", "refusing to call 'posix.system'");
        row("rce-builtins-eval-p2.pt", "refusing to call '__builtin__.eval'"); // protocol 2 writes Python 2 names
        row("rce-builtins-eval-p4.pt", "refusing to call 'builtins.eval'");
        row("rce-builtins-exec-p2.pt", "refusing to call '__builtin__.exec'");
        row("rce-builtins-exec-p4.pt", "refusing to call 'builtins.exec'");
        row("rce-subprocess-popen-p2.pt", "refusing to call 'commands.Popen'");
        row("rce-subprocess-popen-p4.pt", "refusing to call 'subprocess.Popen'");
        row("rce-os-system-global.pt", "refusing to call 'os.system'");
        row("rce-os-system-stack-global.pt", "refusing to call 'os.system'");
        row("rce-inst.pt", "refusing to call 'os.system'");
        row("rce-obj.pt", "refusing to call 'builtins.eval'");
        row("rce-rebuild-from-type.pt", "refusing to call 'posix.system'");
        row("rce-newobj-then-reduce.pt", "REDUCE on a value that is not a global");
        row("rce-build-on-global.pt", "BUILD on an unsupported value");
        row("rce-reconstructor.pt", "only accepted for plain objects");
        row("rce-ext1.pt", "extension registry opcodes");
        // allocation bombs: sizes claimed, never allocated
        row("bomb-shape-1e15.pt", "view reaches element 999999999999999");
        row("bomb-stride0-1e15.pt", "overlapping or broadcast views are accepted up to");
        row("bomb-shape-2d-overflow.pt", "element count overflows");
        row("bomb-storage-numel-1e15.pt", "its header claims");
        row("bomb-storage-numel-wraps.pt", "its header claims");
        row("bomb-many-views.pt", "more than 4 elements per byte");
        row("bomb-legacy-count.pt", "claims 1000000000000000 elements, more than the file holds");
        row("bomb-legacy-count-negative.pt", "claims -1 elements");
        row("bomb-legacy-truncated.pt", "more than the file holds");
        row("bomb-long4.pt", "truncated data: needs 4294967295 more bytes");
        row("bomb-binunicode8.pt", "truncated data: needs 9223372036854775808 more bytes");
        row("bomb-binbytes8.pt", "truncated data: needs 18446744073709551615 more bytes");
        row("bomb-memo-put-4g.pt", "memo index 4294967295 exceeds the limit");
        row("bomb-memo-get-4g.pt", "memo key 4294967295 was never stored");
        row("bomb-memo-stride.pt", "exceeds the limit");
        row("bomb-safetensors-header-2e63.safetensors", "header length 9223372036854775808 is over the format's limit");
        row("bomb-safetensors-shape-1e15.safetensors", "view reaches element 999999999999999");
        row("bomb-safetensors-shape-overflow.safetensors", "shape overflows");
        row("bomb-safetensors-overlap.safetensors", "more than 4 elements per byte");
        // cyclic and shared memo references
        row("cycle-list-self.pt", "configuration is cyclic");
        row("cycle-object-state.pt", "configuration is cyclic");
        row("cycle-dag-2e40.pt", "more than 65536 values");
        row("cycle-tensor-shape.pt", "bad size/stride");
        // lying zip headers and a zip bomb
        row("zip-entry-2e40.pt", "claims 1099511627776 bytes");
        row("zip-cd-offset-beyond-eof.pt", "lies outside the file");
        row("zip-cd-size-lies.pt", "central directory entry 1");
        row("zip-local-offset-beyond-eof.pt", "runs past the end of the file");
        row("zip-entries-claim.pt", "claims 65535 entries");
        row("zip-csize-beyond-eof.pt", "claims 1000000 bytes");
        row("zip-stored-size-mismatch.pt", "different compressed and uncompressed sizes");
        row("zip-overlap.pt", "points at the local header of another record");
        row("zip-overlap-size.pt", "overlap (lying sizes or offsets)");
        row("zip-local-name-mismatch.pt", "points at the local header of another record");
        row("zip-deflated-pkl-size-lies.pt", "does not inflate to its declared");
        row("zip-deflated-pkl-claims-2e40.pt", "claims to inflate to 1099511627776 bytes");
        row("zip-bomb.pt", "claims to inflate to 100663296 bytes, over the limit of");
        row("zip-signature-only.pt", "no end-of-central-directory record");
        // text that cannot become a tensor name
        row("bad-non-utf8-tensor-name.pt", "state dict key is not valid UTF-8");
    }
    void refusedCheckpoints()
    {
        QFETCH(QString, file);
        QFETCH(QString, expect);
        const fs::path p = kHostile / file.toStdString();
        QVERIFY2(fs::exists(p), p.c_str());
        expectRefusal([&] { exercise(ql::loadCheckpoint(p)); }, p.string(), expect);
    }

    void deepNesting_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expect");
        QTest::newRow("lists") << "lists" << "nested deeper than 64 levels";
        QTest::newRow("tuples") << "tuples" << "objects from";
        QTest::newRow("marks") << "marks" << "MARKs nested deeper than 65536";
        QTest::newRow("rebuild-chain") << "rebuild-chain" << "_rebuild_from_type_v2 wrapping itself";
        QTest::newRow("safetensors-metadata") << "safetensors-metadata" << "JSON nested deeper than 256 levels";
        QTest::newRow("safetensors-header") << "safetensors-header" << "JSON nested deeper than 256 levels";
    }
    void deepNesting()
    {
        // 10^6 levels: nothing may recurse per level (C++ stack), the refusal names the file.
        QFETCH(QString, name);
        QFETCH(QString, expect);
        const std::string head = std::string("\x80\x02}(") + binunicode("model_state_dict") + "}";
        std::string bytes;
        if (name == "lists") // EMPTY_LIST x N, APPEND x N-1: each list inside the one below
            bytes = storedZip("d/data.pkl", head + binunicode("encoding_config") + std::string(kDeep, ']') +
                                                std::string(kDeep - 1, 'a') + "u.");
        else if (name == "tuples") // NONE, TUPLE1 x N: one byte per object
            bytes = storedZip("d/data.pkl", head + binunicode("config") + "N" + std::string(kDeep, '\x85') + "u.");
        else if (name == "rebuild-chain") { // _rebuild_from_type_v2(_rebuild_from_type_v2(... x 200000 ...)) via TUPLE3
            using namespace std::string_literals; // the pickle holds NUL bytes
            std::string p = "\x80\x02" "ctorch._tensor\n_rebuild_from_type_v2\nq\x00" "cbuiltins\nobject\nq\x01h\x00"s;
            for (int i = 0; i < 200000; ++i)
                p += std::string("h\x00h\x01", 4);
            p += "ccollections\nOrderedDict\nh\x01)\x87" + std::string(200000, '\x87') + "R.";
            bytes = storedZip("d/data.pkl", p);
        } else if (name == "marks")
            bytes = storedZip("d/data.pkl", "\x80\x02" + std::string(kDeep, '(') + std::string(kDeep, 't') + ".");
        else {
            const std::string deep = std::string(kDeep, '[') + std::string(kDeep, ']');
            std::string header =
                name == "safetensors-metadata"
                    ? "{\"__metadata__\": {\"encoding_config\": \"" + deep +
                          "\"}, \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"
                    : "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"x\": " + deep + "}}";
            std::string len;
            for (int i = 0; i < 8; ++i)
                len.push_back(char((header.size() >> (8 * i)) & 0xff));
            bytes = len + header + std::string(4, '\0');
        }
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / ("deep-" + name.toStdString());
        writeFile(p, bytes);
        expectRefusal([&] { exercise(ql::loadCheckpoint(p)); }, p.string(), expect);
    }

    void deepJsonFiles_data()
    {
        QTest::addColumn<QString>("reader");
        QTest::newRow("manifest") << "manifest";
        QTest::newRow("luts") << "luts";
        QTest::newRow("overrides") << "overrides";
    }
    void deepJsonFiles()
    {
        QFETCH(QString, reader);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const std::string deep = std::string(kDeep, '[') + std::string(kDeep, ']');
        if (reader == "manifest") {
            std::string m = readFile(kHostile / "manifest-valid" / "manifest.json");
            m.replace(m.find("{\"bins\": [1, 2]}"), 16, deep);
            writeFile(dir / "manifest.json", m);
            writeFile(dir / "weights_int8.bin", std::string(8, '\0'));
            expectRefusal([&] { ql::loadArtifacts(dir); }, (dir / "manifest.json").string(), "JSON nested deeper");
        } else if (reader == "luts") {
            writeFile(dir / "luts.json", "{\"format\": \"int8_luts_v1\", \"luts\": " + deep + "}");
            // Over the 1 MiB luts.json limit before it is parsed; a deep file under the limit is refused by depth.
            expectRefusal([&] { ql::readLutScales(dir); }, (dir / "luts.json").string(), "over the luts.json limit");
            writeFile(dir / "luts.json", "{\"format\": \"int8_luts_v1\", \"luts\": " + deep.substr(0, 1000) + "}");
            expectRefusal([&] { ql::readLutScales(dir); }, (dir / "luts.json").string(), "JSON nested deeper");
        } else {
            writeFile(dir / "o.json", "{\"format\": \"quantlens_overrides_v1\", \"overrides\": " + deep + "}");
            expectRefusal([&] { ql::Overrides::load(dir / "o.json"); }, (dir / "o.json").string(),
                          "JSON nested deeper");
        }
    }

    void newObjOfUnknownClassIsDataOnly_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("p2") << "newobj-popen-build-p2.pt";
        QTest::newRow("p4") << "newobj-popen-build-p4.pt";
    }
    void newObjOfUnknownClassIsDataOnly()
    {
        // NEWOBJ(subprocess.Popen, [cmd]) + BUILD(state): by design an attribute dict, never called.
        QFETCH(QString, file);
        const auto ck = ql::loadCheckpoint(kHostile / file.toStdString());
        QCOMPARE(ck.encodingConfig.value("args", ""), std::string("touch /tmp/quantlens-hostile-pwned"));
        QCOMPARE(ck.encodingConfig.value("returncode", -1), 0);
        exercise(ck);
        QVERIFY(!fs::exists(kSentinel));
    }

    void oddButValidCheckpoints()
    {
        // A transposed view sharing its storage with another tensor (tied weights), protocol 4, zip and legacy.
        for (const char *f : {"odd-tied-weights-p4.pt", "odd-legacy-p4.pt"}) {
            const auto ck = ql::loadCheckpoint(kHostile / f);
            const auto *a = ck.find("trunk.0.weight");
            const auto *b = ck.find("trunk.3.weight");
            QVERIFY(a && b);
            QCOMPARE(a->storageKey, b->storageKey);
            std::vector<float> va(24), vb(12);
            ql::readAsFloat(*a, 0, 24, va.data());
            ql::readAsFloat(*b, 0, 12, vb.data());
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 4; ++j)
                    QCOMPARE(vb[std::size_t(i * 4 + j)], va[std::size_t(2 + i + 6 * j)]);
            QCOMPARE(ck.contextLen.get<int>(), 8);
            exercise(ck);
        }
        // Records at unaligned offsets are read through copies, not as misaligned floats (UBSan finding).
        {
            const auto ck = ql::loadCheckpoint(kHostile / "odd-misaligned-float.pt");
            const auto *t = ck.find("trunk.0.weight");
            QVERIFY(t);
            QVERIFY(reinterpret_cast<std::uintptr_t>(t->storage.data()) % 4 != 0);
            const auto r = ql::quantize(ck, {});
            QCOMPARE(r.tensors.size(), std::size_t(1));
            // Row 0 = [1, -2]: scale 2/127, 1.0 -> round-half-even(63.5) = 64, -2.0 -> -127.
            QCOMPARE(int(r.bytes[0]), 64);
            QCOMPARE(int(r.bytes[1]), -127);
        }
        // Non-UTF-8 bytes in configuration strings become U+FFFD so the manifest stays valid JSON (fuzz finding).
        {
            const auto ck = ql::loadCheckpoint(kHostile / "odd-non-utf8-config.pt");
            const std::string dumped = ck.encodingConfig.dump();
            QVERIFY2(dumped.find("\xef\xbf\xbd") != std::string::npos, dumped.c_str());
        }
        // A state dict that contains itself: the entry is skipped with a warning.
        {
            const auto ck = ql::loadCheckpoint(kHostile / "cycle-state-dict-self.pt");
            QVERIFY(ck.tensors.empty());
            QCOMPARE(ck.warnings.size(), std::size_t(1));
        }
        // Hand-made but honest archives: stored, and with a deflated data.pkl.
        for (const char *f : {"zip-valid-baseline.pt", "zip-deflated-pkl-honest.pt"}) {
            const auto ck = ql::loadCheckpoint(kHostile / f);
            QCOMPARE(ck.tensors.size(), std::size_t(1));
            std::vector<float> v(4);
            ql::readAsFloat(ck.tensors[0], 0, 4, v.data());
            QCOMPARE(v, (std::vector<float>{1.0f, -2.0f, 3.0f, 0.5f}));
        }
    }

    void hostileFolders_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expect");
        auto row = [](const char *folder, const char *file, const char *expect) {
            QTest::newRow(folder) << folder << file << expect;
        };
        row("manifest-total-1e15", "manifest.json", "the shards cover bytes [0, 8) but total_weight_bytes is 1000000000000000");
        row("manifest-offset-wraps", "manifest.json", "offset + size lies beyond total_weight_bytes");
        row("manifest-negative-shape", "manifest.json", "shape[0] is -1, not a size");
        row("manifest-size-2e63", "manifest.json", "shape[0] is -1, not a size");
        row("manifest-shape-size-mismatch", "manifest.json", "holds 2000 elements but size is 6");
        row("manifest-not-utf8", "manifest.json", "not valid JSON");
        row("manifest-float-size", "manifest.json", "field 'size' is not a non-negative integer: -9.2e+19");
        row("manifest-float-shape", "manifest.json", "shape[0] is 2.5e+30, not a size");
        row("luts-infinite-scale", "luts.json", "not valid JSON: number overflow parsing '1e999'");
        row("luts-negative-scale", "luts.json", "non-positive or non-finite scale");
        row("overrides-bad-percentile", "overrides.json", "not valid JSON");
        row("overrides-not-object", "overrides.json", "must be a JSON object");
    }
    void hostileFolders()
    {
        QFETCH(QString, folder);
        QFETCH(QString, file);
        QFETCH(QString, expect);
        const fs::path dir = kHostile / folder.toStdString();
        const std::string named = (dir / file.toStdString()).string();
        if (folder.startsWith("manifest"))
            expectRefusal([&] { ql::loadArtifacts(dir); }, named, expect);
        else if (folder.startsWith("luts"))
            expectRefusal([&] { ql::readLutScales(dir); }, named, expect);
        else
            expectRefusal([&] { ql::Overrides::load(dir / file.toStdString()); }, named, expect);
    }

    void validManifestStillLoads()
    {
        const auto r = ql::loadArtifacts(kHostile / "manifest-valid");
        QCOMPARE(r.tensors.size(), std::size_t(2));
        QCOMPARE(r.shards.size(), std::size_t(1));
        QCOMPARE(r.overrides.rules.size(), std::size_t(1));
    }

    void fuzzRegressions_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("path");
        const QDir root(QString::fromStdString((kHostile / "fuzz").string()));
        for (const QString &target : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            for (const QString &f : QDir(root.filePath(target)).entryList(QDir::Files))
                QTest::newRow(qPrintable(target + "/" + f)) << target << root.filePath(target + "/" + f);
    }
    void fuzzRegressions()
    {
        // Each input once crashed a fuzz target; it must now load or be refused with an input Error.
        QFETCH(QString, target);
        QFETCH(QString, path);
        const fs::path p = path.toStdString();
        const std::string bytes = readFile(p);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        try {
            if (target == "unpickler") {
                ql::PickleArena arena;
                auto loader = [](const ql::PyObject *, ql::PickleArena &a) -> const ql::PyObject * {
                    return a.make(ql::PyObject::Type::Storage);
                };
                ql::Unpickler up(std::span(reinterpret_cast<const std::byte *>(bytes.data()), bytes.size()), arena,
                                 p.string(), loader);
                const ql::PyObject *root = up.load();
                (void)ql::describe(root, 4);
                (void)ql::toJson(root, p.string()).dump();
            } else if (target == "manifest") {
                const auto nul = bytes.find('\0');
                writeFile(dir / "manifest.json", bytes.substr(0, nul));
                if (nul != std::string::npos)
                    writeFile(dir / "weights_int8.bin", bytes.substr(nul + 1));
                const auto r = ql::loadArtifacts(dir);
                (void)ql::buildManifest(r).dump();
            } else if (target == "luts_json") {
                writeFile(dir / "luts.json", bytes);
                const auto s = ql::readLutScales(dir);
                (void)ql::generateLuts(s);
                for (int k = 0; k < ql::kNumLuts; ++k)
                    (void)ql::analyzeLut(ql::LutKind(k), s.in[k], s.out[k]);
            } else if (target == "overrides") {
                (void)ql::Overrides::load(p).toJson().dump();
            } else
                exercise(ql::loadCheckpoint(p));
        } catch (const ql::Error &e) {
            QVERIFY2(e.kind() == ql::ErrorKind::Input || e.kind() == ql::ErrorKind::Usage, e.what());
        }
    }

    void cleanupTestCase() { QVERIFY2(!fs::exists(kSentinel), "a hostile payload ran"); }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
