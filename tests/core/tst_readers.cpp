// Checkpoint readers: torch zip (any folder name, byteorder record, views, tied storages, mixed dtypes, bare
// state_dict / 'state_dict' key), legacy format, safetensors; and the refusal of missing, empty, truncated,
// corrupt and random files with an input error naming the file, never a crash.
#include "../cli/goldencheck.h"

#include "readers/checkpoint.h"
#include "base/errors.h"
#include "quantization/quantize.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <random>

namespace fs = std::filesystem;
using namespace qltest;

namespace {
const fs::path kData = QL_TEST_DATA;

std::vector<float> floatsOf(const ql::TensorData &t)
{
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    ql::readAsFloat(t, 0, t.numel(), v.data());
    return v;
}

/// "" when loading (and, if it loads, quantizing) succeeds; the error text for an input error naming the file;
/// "BAD: ..." for anything else (wrong kind, file not named, foreign exception).
std::string outcome(const fs::path &p, bool alsoQuantize = false)
{
    try {
        const ql::Checkpoint ck = ql::loadCheckpoint(p);
        if (alsoQuantize) {
            ql::QuantizeOptions opt;
            opt.threads = 1;
            ql::quantize(ck, opt);
        }
        return "";
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            return "BAD: kind " + std::to_string(int(e.kind())) + ": " + e.what();
        if (std::string(e.what()).find(p.string()) == std::string::npos)
            return "BAD: file not named: " + std::string(e.what());
        return e.what();
    } catch (const std::exception &e) {
        return std::string("BAD: foreign exception: ") + e.what();
    }
}

ql::Error loadError(const fs::path &p)
{
    try {
        ql::loadCheckpoint(p);
    } catch (const ql::Error &e) {
        return e;
    }
    return ql::Error(ql::ErrorKind::Internal, "loaded without error");
}

std::string sf32(std::initializer_list<float> v) { return floatBytes(std::vector<float>(v)); }

/// A valid small safetensors checkpoint (mlp family) for the malformed-header variations.
void writeSmallSafetensors(const fs::path &p)
{
    writeSafetensors(p,
                     {{"trunk.0.weight", "F32", {2, 3}, sf32({1, -2, 3, 0.5f, 0.25f, -1})},
                      {"trunk.0.bias", "F32", {2}, sf32({0.1f, -0.2f})},
                      {"trunk.3.weight", "F32", {1, 2}, sf32({2, 4})}},
                     OJson{{"encoding_config", R"({"xy_scale": 0.05, "action_vocab": 400})"},
                           {"context_len", "4"},
                           {"note", "not json"}});
}

std::string header8(uint64_t n)
{
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[i] = char((n >> (8 * i)) & 0xff);
    return s;
}
} // namespace

class TestReaders : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formats_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("protocol");
        QTest::addColumn<QString>("stateDictKey");
        QTest::addColumn<int>("tensors");
        QTest::newRow("zip, protocol 2") << "policy-small.pt" << int(ql::CheckpointFormat::TorchZip) << 2
                                         << "model_state_dict" << 16;
        QTest::newRow("legacy, protocol 2") << "legacy-format.pt" << int(ql::CheckpointFormat::TorchLegacy) << 2
                                            << "model_state_dict" << 63;
        QTest::newRow("legacy, protocol 4") << "extra/mamba2-legacy-p4.pt" << int(ql::CheckpointFormat::TorchLegacy)
                                            << 4 << "model_state_dict" << 54;
        QTest::newRow("zip, protocol 4") << "extra/mamba2-d32-p4-dataclass.pt" << int(ql::CheckpointFormat::TorchZip)
                                         << 4 << "model_state_dict" << 63;
        QTest::newRow("zip under 'archive/'") << "extra/policy-h96-archive.pt" << int(ql::CheckpointFormat::TorchZip)
                                              << 2 << "model_state_dict" << 16;
        QTest::newRow("bare state_dict") << "extra/policy-bare-state-dict.pt" << int(ql::CheckpointFormat::TorchZip)
                                         << 2 << "" << 16;
        QTest::newRow("'state_dict' key") << "extra/mlp-state-dict-key.pt" << int(ql::CheckpointFormat::TorchZip) << 2
                                          << "state_dict" << 44;
        QTest::newRow("dict of Parameters") << "extra/mlp-parameters.pt" << int(ql::CheckpointFormat::TorchZip) << 2
                                            << "" << 44;
        QTest::newRow("safetensors") << "mamba2-small.safetensors" << int(ql::CheckpointFormat::Safetensors) << 0
                                     << "" << 63;
    }
    void formats()
    {
        QFETCH(QString, file);
        QFETCH(int, format);
        QFETCH(int, protocol);
        QFETCH(QString, stateDictKey);
        QFETCH(int, tensors);
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / file.toStdString());
        QCOMPARE(int(ck.format), format);
        QCOMPARE(ck.pickleProtocol, protocol);
        QCOMPARE(QString::fromStdString(ck.stateDictKey), stateDictKey);
        QCOMPARE(int(ck.tensors.size()), tensors);
        for (const auto &t : ck.tensors)
            QVERIFY2(t.dtype == ql::DType::Float32, t.name.c_str());
    }

    /// legacy-format.pt and mamba2-small.safetensors hold the same tensors: two readers, one answer.
    void legacyAndSafetensorsAgree()
    {
        const ql::Checkpoint a = ql::loadCheckpoint(kData / "legacy-format.pt");
        const ql::Checkpoint b = ql::loadCheckpoint(kData / "mamba2-small.safetensors");
        QCOMPARE(a.tensors.size(), b.tensors.size());
        for (const auto &t : a.tensors) {
            const ql::TensorData *u = b.find(t.name);
            QVERIFY2(u, t.name.c_str());
            QCOMPARE(u->shape, t.shape);
            QVERIFY2(floatsOf(*u) == floatsOf(t), t.name.c_str());
        }
        QCOMPARE(a.encodingConfig, b.encodingConfig);
        QCOMPARE(a.contextLen, b.contextLen);
        QCOMPARE(a.contextLen.get<int>(), 10);
        QCOMPARE(a.encodingConfig["action_vocab"].get<int>(), 400);
    }

    /// Configuration: a dict, a dataclass object, the policy's legacy config, safetensors metadata.
    void configurations()
    {
        ql::Checkpoint ck = ql::loadCheckpoint(kData / "mlp-small.pt"); // dataclass
        QCOMPARE(ck.encodingConfig["xy_scale"].get<double>(), 0.05);
        QCOMPARE(ck.encodingConfig["state_age_as_embed"].get<bool>(), false);
        QCOMPARE(ck.encodingConfig.size(), std::size_t(38));
        QCOMPARE(ck.contextLen.get<int>(), 4);
        QCOMPARE(ck.extra["epoch"].get<int>(), 4);
        QCOMPARE(ck.extra["val_loss"].get<double>(), 0.5);
        ck = ql::loadCheckpoint(kData / "policy-small.pt"); // legacy config
        QCOMPARE(ck.encodingConfig, ql::Json::parse(R"({"model_type": "policy_mlp"})"));
        QCOMPARE(ck.contextLen.get<int>(), 4);
        ck = ql::loadCheckpoint(kData / "extra/policy-bare-state-dict.pt");
        QVERIFY(ck.encodingConfig.is_null());
        QVERIFY(ck.contextLen.is_null());
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "s.safetensors";
        writeSmallSafetensors(p);
        ck = ql::loadCheckpoint(p);
        QCOMPARE(ck.encodingConfig, ql::Json::parse(R"({"xy_scale": 0.05, "action_vocab": 400})"));
        QCOMPARE(ck.contextLen.get<int>(), 4);
        QCOMPARE(ck.extra["note"].get<std::string>(), std::string("not json")); // a plain string stays a string
        QCOMPARE(floatsOf(*ck.find("trunk.0.weight")), (std::vector<float>{1, -2, 3, 0.5f, 0.25f, -1}));
    }

    /// A '<dir>/byteorder' record of "big": elements are byte-swapped on read.
    void bigEndianRecords()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "extra/policy-big-endian.pt");
        QVERIFY(!ck.tensors.empty());
        for (const auto &t : ck.tensors) {
            QVERIFY(t.bigEndian);
            QVERIFY(!t.isContiguous()); // must not be memcpy'd as little endian
            const auto v = floatsOf(t);
            for (std::size_t i = 0; i < v.size(); ++i) {
                uint32_t bits;
                std::memcpy(&bits, t.firstByte() + 4 * i, 4);
                bits = __builtin_bswap32(bits);
                float want;
                std::memcpy(&want, &bits, 4);
                QCOMPARE(v[i], want);
            }
        }
        QCOMPARE(floatsOf(*ck.find("trunk.0.bias")).size(), std::size_t(40));
    }

    /// edge-cases.pt: tied weights share one storage; a slice view starts at an offset; a transposed view strides.
    void viewsAndSharedStorages()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "edge-cases.pt");
        const auto *a = ck.find("aux.tied_a.weight"), *b = ck.find("aux.tied_b.weight");
        QVERIFY(a && b);
        QCOMPARE(a->storageKey, b->storageKey);
        QCOMPARE(a->storage.data(), b->storage.data());
        QCOMPARE(floatsOf(*a), floatsOf(*b));

        const auto *s = ck.find("aux.slice_view.weight");
        QCOMPARE(s->storageOffset, int64_t(48));
        QCOMPARE(s->shape, (std::vector<int64_t>{4, 16}));
        QCOMPARE(floatsOf(*s)[0], -0.7906303405761719f);
        QCOMPARE(floatsOf(*s)[7], 0.40510615706443787f);

        const auto *t = ck.find("aux.transposed.weight");
        QCOMPARE(t->shape, (std::vector<int64_t>{6, 16}));
        QCOMPARE(t->strides, (std::vector<int64_t>{1, 6}));
        QVERIFY(!t->isContiguous());
        const auto tv = floatsOf(*t);
        const float *raw = reinterpret_cast<const float *>(t->storage.data());
        for (int64_t r = 0; r < 6; ++r)
            for (int64_t c = 0; c < 16; ++c)
                QCOMPARE(tv[std::size_t(r * 16 + c)], raw[t->storageOffset + r * 1 + c * 6]);
        QCOMPARE(tv[0], 0.4677744209766388f);
        QCOMPARE(tv[1], -0.7031916975975037f);
        // Reading a strided range that starts mid-row gives the same elements as the whole read.
        std::vector<float> part(20);
        ql::readAsFloat(*t, 13, 20, part.data());
        QVERIFY(std::equal(part.begin(), part.end(), tv.begin() + 13));

        const auto *i = ck.find("aux.int_buffer");
        QCOMPARE(i->dtype, ql::DType::Int64);
        QCOMPARE(floatsOf(*i)[0], -3.0f);
        QCOMPARE(ck.find("aux.scalar")->shape.size(), std::size_t(0));
        QCOMPARE(floatsOf(*ck.find("aux.scalar"))[0], 0.25f);
    }

    /// float16 / bfloat16 / float64 are converted to float32 and their dtype is reported.
    void mixedDtypes()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "mixed-dtypes.pt");
        const auto *h = ck.find("layers.0.mamba.in_proj.weight"), *bf = ck.find("head.weight"), *d = ck.find("head.bias");
        QCOMPARE(h->dtype, ql::DType::Float16);
        QCOMPARE(bf->dtype, ql::DType::BFloat16);
        QCOMPARE(d->dtype, ql::DType::Float64);
        QCOMPARE(floatsOf(*h)[0], 0.8974609375f);
        QCOMPARE(floatsOf(*h)[3], -0.05755615234375f);
        QCOMPARE(floatsOf(*bf)[0], -1.6171875f);
        QCOMPARE(floatsOf(*bf)[4], -0.0026702880859375f);
        QCOMPARE(floatsOf(*d)[0], float(-1.4652340412139893));
        const ql::QuantizeResult r = ql::quantize(ck, {});
        QCOMPARE(r.find("head.weight")->dtype, ql::DType::BFloat16);
        QCOMPARE(std::string(ql::dtypeName(r.find("layers.0.mamba.in_proj.weight")->dtype)), std::string("float16"));
        QCOMPARE(r.totalBytes, uint64_t(8 * 16 + 8 * 16 + 8));
        // Half conversions: subnormal, infinity, negative zero.
        QCOMPARE(ql::halfToFloat(0x0001), std::ldexp(1.0f, -24));
        QVERIFY(std::isinf(ql::halfToFloat(0x7c00)));
        QVERIFY(std::signbit(ql::halfToFloat(0x8000)));
        QCOMPARE(ql::bfloat16ToFloat(0x3f80), 1.0f);
    }

    /// Every dtype safetensors can carry loads with its element size and converts exactly.
    void safetensorsDtypes()
    {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "d.safetensors";
        auto raw = [](auto... v) {
            std::string s;
            ((s += std::string(reinterpret_cast<const char *>(&v), sizeof v)), ...);
            return s;
        };
        writeSafetensors(p, {{"trunk.0.weight", "F64", {1, 2}, raw(1.5, -2.0)},
                             {"trunk.3.weight", "F16", {1, 2}, raw(uint16_t(0x3c00), uint16_t(0xc000))},
                             {"a", "BF16", {2}, raw(uint16_t(0x3f80), uint16_t(0x4040))},
                             {"b", "I64", {2}, raw(int64_t(-7), int64_t(9))},
                             {"c", "I32", {1}, raw(int32_t(-3))},
                             {"d", "I16", {1}, raw(int16_t(300))},
                             {"e", "I8", {2}, raw(int8_t(-5), int8_t(6))},
                             {"f", "U8", {1}, raw(uint8_t(200))},
                             {"g", "BOOL", {2}, raw(uint8_t(1), uint8_t(0))}});
        const ql::Checkpoint ck = ql::loadCheckpoint(p);
        QCOMPARE(floatsOf(*ck.find("trunk.0.weight")), (std::vector<float>{1.5f, -2.0f}));
        QCOMPARE(floatsOf(*ck.find("trunk.3.weight")), (std::vector<float>{1.0f, -2.0f}));
        QCOMPARE(floatsOf(*ck.find("a")), (std::vector<float>{1.0f, 3.0f}));
        QCOMPARE(floatsOf(*ck.find("b")), (std::vector<float>{-7.0f, 9.0f}));
        QCOMPARE(floatsOf(*ck.find("c")), (std::vector<float>{-3.0f}));
        QCOMPARE(floatsOf(*ck.find("d")), (std::vector<float>{300.0f}));
        QCOMPARE(floatsOf(*ck.find("e")), (std::vector<float>{-5.0f, 6.0f}));
        QCOMPARE(floatsOf(*ck.find("f")), (std::vector<float>{200.0f}));
        QCOMPARE(floatsOf(*ck.find("g")), (std::vector<float>{1.0f, 0.0f}));
        QCOMPARE(ck.find("b")->dtype, ql::DType::Int64);
    }

    void malformedSafetensors_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        auto file = [](const std::string &header, const std::string &body = std::string(64, '\0')) {
            const std::string s = header8(header.size()) + header + body;
            return QByteArray(s.data(), qsizetype(s.size()));
        };
        QTest::newRow("shorter than 8 bytes") << QByteArray("\x02\0\0\0{}", 6) << "not a PyTorch checkpoint";
        QTest::newRow("header length beyond the file")
            << QByteArray::fromStdString(header8(1000) + "{}") << "exceeds the file size";
        QTest::newRow("header length 2^63") << QByteArray::fromStdString(header8(1ull << 63) + "{}")
                                            << "is over the format's limit of 104857600 bytes (100 MiB)";
        QTest::newRow("header not JSON") << file("{nope") << "not valid JSON";
        QTest::newRow("header not an object") << file("[1, 2]") << "not a PyTorch checkpoint";
        QTest::newRow("no tensors") << file("{} ") << "key prefixes found: (none)";
        QTest::newRow("__metadata__ not an object") << file(R"({"__metadata__": 3})") << "__metadata__";
        QTest::newRow("entry without dtype") << file(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})")
                                             << "tensor 'w': header entry has no \"dtype\"";
        QTest::newRow("unknown dtype") << file(R"({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})")
                                       << "unsupported dtype C64";
        QTest::newRow("negative dimension") << file(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})")
                                            << "shape holds -1, not a size";
        QTest::newRow("offsets beyond the data")
            << file(R"({"w": {"dtype": "F32", "shape": [32], "data_offsets": [0, 128]}})") << "outside the data section";
        QTest::newRow("offsets reversed") << file(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})")
                                          << "outside the data section";
        QTest::newRow("offsets not integers")
            << file(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0.5, 4]}})") << "not integers";
        QTest::newRow("dtype/shape mismatch")
            << file(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})") << "tensor 'w'";
        QTest::newRow("F64 span for F32 shape")
            << file(R"({"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}})") << "tensor 'w'";
        QTest::newRow("span longer than shape")
            << file(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})") << "shape and dtype need 4";
        QTest::newRow("shape overflow")
            << file(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 8]}})")
            << "overflow";
    }
    void malformedSafetensors()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "bad.safetensors";
        writeFile(p, bytes.toStdString());
        const std::string e = outcome(p, true);
        QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
    }

    /// Regression: a safetensors header of 0x80, 0x180 ... 0x580 bytes starts with 0x80 0x0N, which the format
    /// sniffing took for a pickle PROTO opcode ("a bare pickle, not a torch.save checkpoint").
    void safetensorsHeaderLengthLikeAPickle()
    {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "h.safetensors";
        for (uint64_t len : {0x80ull, 0x180ull, 0x280ull, 0x580ull, 0x10080ull}) {
            std::string h = R"({"trunk.0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})";
            h.append(len - h.size(), ' ');
            writeFile(p, header8(len) + h + sf32({1.0f, -0.5f}));
            const ql::Checkpoint ck = ql::loadCheckpoint(p);
            QCOMPARE(ck.format, ql::CheckpointFormat::Safetensors);
            QCOMPARE(floatsOf(ck.tensors.at(0)), (std::vector<float>{1.0f, -0.5f}));
        }
    }

    void unreadableFiles()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        std::string e = outcome(dir / "missing.pt");
        QVERIFY2(e.find("cannot open") != std::string::npos, e.c_str());
        writeFile(dir / "empty.pt", "");
        e = outcome(dir / "empty.pt");
        QVERIFY2(e.find("empty file") != std::string::npos, e.c_str());
        fs::create_directory(dir / "folder.pt");
        e = outcome(dir / "folder.pt");
        QVERIFY2(e.find("directory") != std::string::npos, e.c_str());
        writeFile(dir / "text.pt", "hello, this is not a checkpoint\n");
        e = outcome(dir / "text.pt");
        QVERIFY2(e.find("not a PyTorch checkpoint") != std::string::npos, e.c_str());
        // A bare pickle (not torch.save) is not mistaken for a legacy checkpoint.
        writeFile(dir / "bare.pkl", std::string("\x80\x02}q\x00.", 6));
        e = outcome(dir / "bare.pkl");
        QVERIFY2(e.find("no legacy magic number") != std::string::npos, e.c_str());
        // Another program's binary (an artifact of ours) is not taken for a checkpoint.
        const ql::Error err = loadError(kData / "golden/luts-default/luts.bin");
        QCOMPARE(err.kind(), ql::ErrorKind::Input);
        QVERIFY(std::string(err.what()).find("luts.bin") != std::string::npos);
    }

    /// Every prefix of small checkpoints in each container is refused with an input error naming the file.
    void truncations_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("stride"); // every prefix below 4096 bytes, then every stride-th
        QTest::newRow("zip") << "mixed-dtypes.pt" << 1;
        QTest::newRow("zip (protocol 4, dataclass)") << "extra/mlp-parameters.pt" << 53;
        QTest::newRow("legacy protocol 2") << "extra/policy-legacy.pt" << 97;
        QTest::newRow("legacy protocol 4") << "extra/mamba2-legacy-p4.pt" << 211;
        QTest::newRow("safetensors") << "" << 1;
    }
    void truncations()
    {
        QFETCH(QString, file);
        QFETCH(int, stride);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        fs::path src = kData / file.toStdString();
        if (file.isEmpty()) {
            src = dir / "small.safetensors";
            writeSmallSafetensors(src);
        }
        const std::string full = readFile(src);
        QVERIFY(outcome(src, true).empty());
        const fs::path cut = dir / "truncated.pt";
        int tried = 0;
        for (std::size_t n = 0; n < full.size(); n += (n < 4096 ? 1 : std::size_t(stride))) {
            writeFile(cut, full.substr(0, n));
            const std::string e = outcome(cut, true);
            QVERIFY2(!e.empty() && e.rfind("BAD", 0) != 0,
                     qPrintable(QString("prefix of %1 bytes: %2").arg(n).arg(e.empty() ? "loaded" : e.c_str())));
            ++tried;
        }
        QVERIFY(tried > 100 || full.size() < 100);
    }

    /// Random bytes, and random bytes behind each format's signature, never crash; flipped bytes in a valid
    /// checkpoint either still load (data bytes) or give an input error.
    void randomAndCorrupt()
    {
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "random.pt";
        std::mt19937_64 rng(20240601);
        const std::string legacyMagic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e", 15);
        const std::string prefixes[] = {"", "PK\x03\x04", "\x80\x02", legacyMagic, header8(40) + "{\"a\":"};
        for (int round = 0; round < 400; ++round) {
            std::string s = prefixes[round % 5];
            const std::size_t n = rng() % 2048;
            for (std::size_t i = 0; i < n; ++i)
                s.push_back(char(rng() & 0xff));
            writeFile(p, s);
            const std::string e = outcome(p, true);
            QVERIFY2(!e.empty() && e.rfind("BAD", 0) != 0, qPrintable(QString("round %1: %2").arg(round).arg(e.c_str())));
        }
        int loaded = 0, refused = 0;
        for (const char *f : {"mixed-dtypes.pt", "extra/policy-bare-state-dict.pt", "extra/mamba2-legacy-p4.pt"}) {
            const std::string good = readFile(kData / f);
            for (int round = 0; round < 150; ++round) {
                std::string s = good;
                const int flips = 1 + int(rng() % 4);
                for (int k = 0; k < flips; ++k)
                    s[rng() % s.size()] = char(rng() & 0xff);
                writeFile(p, s);
                const std::string e = outcome(p, true);
                QVERIFY2(e.rfind("BAD", 0) != 0, qPrintable(QString("%1 round %2: %3").arg(f).arg(round).arg(e.c_str())));
                (e.empty() ? loaded : refused)++;
            }
        }
        QVERIFY(loaded > 0 && refused > 0); // both outcomes were exercised
    }

    /// non-finite.pt loads, but quantizing it names the tensor and the first bad index (row-major).
    void nonFinite()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "non-finite.pt");
        try {
            ql::quantize(ck, {});
            QFAIL("non-finite values were quantized");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Input);
            QCOMPARE(e.tensor(), std::string("aux.nonfinite.weight"));
            QVERIFY2(std::string(e.what()).find("NaN at index [2, 3]") != std::string::npos, e.what());
            QVERIFY(std::string(e.what()).find("non-finite.pt") != std::string::npos);
        }
    }

    /// Non-finite values in 1-D, 3-D, half-precision and per-tensor-overridden tensors are found too.
    void nonFiniteEverywhere_data()
    {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QVector<qint64>>("shape");
        QTest::addColumn<int>("badIndex");
        QTest::addColumn<QString>("strategy");
        QTest::addColumn<QString>("expect");
        QTest::newRow("1-D -Inf") << "F32" << QVector<qint64>{7} << 5 << "" << "-Inf at index [5]";
        QTest::newRow("3-D NaN") << "F32" << QVector<qint64>{3, 2, 4} << 13 << "" << "NaN at index [1, 1, 1]";
        QTest::newRow("float16 +Inf") << "F16" << QVector<qint64>{2, 4} << 6 << "" << "+Inf at index [1, 2]";
        QTest::newRow("per-tensor mse") << "F32" << QVector<qint64>{4, 4} << 15 << "per_tensor_mse"
                                        << "NaN at index [3, 3]";
        QTest::newRow("per-channel percentile") << "F32" << QVector<qint64>{4, 4} << 4 << "per_channel_percentile"
                                                << "NaN at index [1, 0]";
    }
    void nonFiniteEverywhere()
    {
        QFETCH(QString, dtype);
        QFETCH(QVector<qint64>, shape);
        QFETCH(int, badIndex);
        QFETCH(QString, strategy);
        QFETCH(QString, expect);
        int64_t n = 1;
        std::vector<int64_t> sh;
        for (auto d : shape) {
            n *= d;
            sh.push_back(d);
        }
        std::string bytes;
        const bool inf = expect.contains("Inf");
        const bool neg = expect.startsWith("-");
        if (dtype == "F16") {
            std::vector<uint16_t> v(std::size_t(n), 0x3c00);
            v[std::size_t(badIndex)] = inf ? (neg ? 0xfc00 : 0x7c00) : 0x7e00;
            bytes.assign(reinterpret_cast<const char *>(v.data()), v.size() * 2);
        } else {
            std::vector<float> v(std::size_t(n), 0.5f);
            v[std::size_t(badIndex)] = inf ? (neg ? -INFINITY : INFINITY) : NAN;
            bytes = floatBytes(v);
        }
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "nf.safetensors";
        writeSafetensors(p, {{"trunk.0.weight", "F32", {1, 1}, sf32({1})}, {"trunk.9.bad", dtype.toStdString(), sh, bytes}});
        const ql::Checkpoint ck = ql::loadCheckpoint(p);
        ql::QuantizeOptions opt;
        if (!strategy.isEmpty())
            opt.overrides = ql::Overrides::fromJson(
                ql::Json{{"format", ql::Overrides::kFormat},
                         {"overrides", {{{"match", "trunk.9.*"}, {"strategy", strategy.toStdString()}}}}});
        try {
            ql::quantize(ck, opt);
            QFAIL("quantized a non-finite tensor");
        } catch (const ql::Error &e) {
            QCOMPARE(e.tensor(), std::string("trunk.9.bad"));
            QVERIFY2(std::string(e.what()).find(expect.toStdString()) != std::string::npos, e.what());
        }
    }

    /// A state dict with a non-tensor value (e.g. a saved int) warns and skips it; a dict with neither
    /// model_state_dict nor state_dict nor only tensors lists its top-level keys.
    void nonTensorEntriesAndUnknownLayouts()
    {
        const ql::Checkpoint ck = ql::loadCheckpoint(kData / "edge-cases.pt");
        QVERIFY(ck.warnings.empty());
        // mixed-dtypes has no architecture source tensors: quantizes with warnings naming what is missing.
        const ql::QuantizeResult r = ql::quantize(ql::loadCheckpoint(kData / "mixed-dtypes.pt"), {});
        QCOMPARE(r.model.modelType, std::string("mamba2"));
        bool missingFrameProj = false;
        for (const auto &w : r.warnings)
            missingFrameProj = missingFrameProj || w.find("frame_proj.weight") != std::string::npos;
        QVERIFY(missingFrameProj);
        // Unknown family: the error lists the key prefixes.
        QTemporaryDir tmp;
        const fs::path p = fs::path(tmp.path().toStdString()) / "u.safetensors";
        writeSafetensors(p, {{"encoder.w", "F32", {1}, sf32({1})}, {"decoder.w", "F32", {1}, sf32({1})}});
        try {
            ql::quantize(ql::loadCheckpoint(p), {});
            QFAIL("unknown family accepted");
        } catch (const ql::Error &e) {
            QVERIFY2(std::string(e.what()).find("decoder, encoder") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestReaders)
#include "tst_readers.moc"
