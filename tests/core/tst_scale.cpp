// Readers and JSON at scale (issue 15, item 1): a dict of n keys, a JSON object of n keys and a safetensors header
// of n entries cost O(n), not O(n^2). The inputs are built here (hundreds of thousands of keys). Each case also
// checks what was read, key order and duplicate-key semantics included; the CPU-time bound only catches a return of
// the quadratic paths (minutes before the fix) and is far above the measured figures in docs/robustness.md.
#include "base/errors.h"
#include "base/json.h"
#include "readers/checkpoint.h"
#include "readers/pickle.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <ctime>
#include <fstream>

namespace {
constexpr int kKeys = 200000;
constexpr qint64 kHangMs = 60000; // the quadratic paths took 4-8 minutes at this size

/// The process's CPU time so far (ms): the bound is on the work done, so a starved run on a busy machine (wall time)
/// cannot fail it, while a quadratic path still would.
qint64 cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// Started at construction; elapsed() is the CPU time spent since, in ms.
struct CpuTimer
{
    qint64 start = cpuMs();
    qint64 elapsed() const { return cpuMs() - start; }
};

void le32(std::string &s, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        s.push_back(char((v >> (8 * i)) & 0xff));
}

std::string unicode(const std::string &text)
{
    std::string s = "X"; // BINUNICODE
    le32(s, uint32_t(text.size()));
    return s + text;
}

std::string safetensors(const std::string &header, std::size_t bodyBytes)
{
    std::string f;
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        f.push_back(char((n >> (8 * i)) & 0xff));
    return f + header + std::string(bodyBytes, '\0');
}

std::string writeTemp(const QTemporaryDir &dir, const std::string &name, const std::string &bytes)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

template <typename F>
QString refusal(F load)
{
    try {
        load();
    } catch (const ql::Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}
} // namespace

class TestScale : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pickleDictOfManyKeys()
    {
        // PROTO 2, EMPTY_DICT, then MARK key value ... SETITEMS in batches of 1000, as pickle writes a dict; key 7
        // is set again at the end: it keeps its place and takes the last value, as in Python.
        std::string p = "\x80\x02}";
        for (int i = 0; i < kKeys; ++i) {
            if (i % 1000 == 0)
                p += "(";
            p += unicode("k" + std::to_string(i)) + "J";
            le32(p, uint32_t(i));
            if (i % 1000 == 999 || i == kKeys - 1)
                p += "u";
        }
        p += unicode("k7") + "J";
        le32(p, 4242);
        p += "s.";
        const CpuTimer t;
        ql::PickleArena arena;
        ql::Unpickler up(std::as_bytes(std::span(p.data(), p.size())), arena, "many-keys.pkl");
        const ql::PyObject *d = up.load();
        QVERIFY2(t.elapsed() < kHangMs, qPrintable(QString::number(t.elapsed()) + " ms of CPU"));
        QCOMPARE(d->entries.size(), std::size_t(kKeys));
        QCOMPARE(d->entries[7].first->text, std::string("k7"));
        QCOMPARE(d->entries[7].second->integer, int64_t(4242));
        QCOMPARE(d->entries[kKeys - 1].first->text, "k" + std::to_string(kKeys - 1));
    }

    void jsonObjectOfManyKeys()
    {
        const CpuTimer t;
        ql::Json j = ql::Json::object();
        nlohmann::ordered_json ref = nlohmann::ordered_json::object();
        for (int i = 0; i < kKeys; ++i)
            j["tensor." + std::to_string((i * 7919) % kKeys)] = i;
        const std::string text = j.dump();
        const ql::Json back = ql::Json::parse(text);
        QVERIFY2(t.elapsed() < kHangMs, qPrintable(QString::number(t.elapsed()) + " ms of CPU"));
        QCOMPARE(back.size(), std::size_t(kKeys));
        QCOMPARE(back.dump(), text);
        QCOMPARE(back.at("tensor.0").get<int>(), 0);
        QVERIFY(back.contains("tensor.7919"));
        QVERIFY(!back.contains("tensor.x"));

        // Same bytes as nlohmann::ordered_json for the same insertions (small objects, re-assignments, erasures).
        for (int i = 0; i < 40; ++i)
            ref["tensor." + std::to_string((i * 7919) % kKeys)] = i;
        ql::Json small = ql::Json::object();
        for (int i = 0; i < 40; ++i)
            small["tensor." + std::to_string((i * 7919) % kKeys)] = i;
        small["tensor.0"] = "again";
        ref["tensor.0"] = "again";
        small.erase("tensor.7919");
        ref.erase("tensor.7919");
        small["tensor.new"] = nullptr;
        ref["tensor.new"] = nullptr;
        QCOMPARE(small.dump(2), ref.dump(2));
        QCOMPARE(small.find("tensor.new").key(), std::string("tensor.new"));
        QVERIFY(small.find("tensor.7919") == small.end());
    }

    void safetensorsHeaderOfManyEntries()
    {
        std::string h = "{";
        for (int i = 0; i < kKeys; ++i)
            h += std::string(i ? "," : "") + "\"trunk." + std::to_string(i) +
                 ".bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + std::to_string(8 * i) + "," +
                 std::to_string(8 * i + 8) + "]}";
        h += "}";
        QTemporaryDir dir;
        const std::string path = writeTemp(dir, "many.safetensors", safetensors(h, std::size_t(8) * kKeys));
        const CpuTimer t;
        const ql::Checkpoint ck = ql::loadCheckpoint(path);
        QVERIFY2(t.elapsed() < kHangMs, qPrintable(QString::number(t.elapsed()) + " ms of CPU"));
        QCOMPARE(ck.tensors.size(), std::size_t(kKeys));
        QCOMPARE(ck.tensors[12345].name, std::string("trunk.12345.bias")); // file order
    }

    void safetensorsDuplicateKeys_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("expect");
        QTest::newRow("in-entry") << R"({"w":{"dtype":"F32","shape":[2],"dtype":"F16","data_offsets":[0,8]}})"
                                  << "tensor 'w': key \"dtype\" appears twice";
        QTest::newRow("tensor-twice") << R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                         R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"
                                      << "tensor 'w': the header names this tensor twice";
        QTest::newRow("in-metadata") << R"({"__metadata__":{"a":"1","a":"2"},"w":{"dtype":"F32","shape":[2],)"
                                        R"("data_offsets":[0,8]}})"
                                     << "key \"a\" appears twice";
    }
    void safetensorsDuplicateKeys()
    {
        QFETCH(QString, header);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        const std::string path = writeTemp(dir, "dup.safetensors", safetensors(header.toStdString(), 8));
        const QString msg = refusal([&] { (void)ql::loadCheckpoint(path); });
        QVERIFY2(msg.contains("dup.safetensors") && msg.contains(expect), qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestScale)
#include "tst_scale.moc"
