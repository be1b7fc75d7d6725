// Wrong-typed fields in every JSON file the readers take from a user (issue 15, item 9): each is refused with an input
// error naming the file and the field, never nlohmann's own text ("[json.exception.type_error.302] type must be
// number, but is string", which names neither) and never another exception type.
#include "../common/files.h"
#include "artifacts/luts.h"
#include "artifacts/manifest.h"
#include "base/errors.h"
#include "quantization/overrides.h"
#include "readers/checkpoint.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
const fs::path kGolden = QL_TEST_DATA "/golden";

/// Runs `load`; returns its ql::Error text, "" when it did not throw, or "OTHER: ..." for any other exception.
template <typename F> std::string refusal(F load)
{
    try {
        load();
    } catch (const ql::Error &e) {
        return e.kind() == ql::ErrorKind::Input ? e.what() : "NOT INPUT: " + std::string(e.what());
    } catch (const std::exception &e) {
        return "OTHER: " + std::string(e.what());
    }
    return {};
}

void checkMessage(const std::string &msg, const std::string &file, const QString &expect)
{
    QVERIFY2(!msg.empty(), "accepted");
    QVERIFY2(msg.rfind(file + ": ", 0) == 0, msg.c_str());
    QVERIFY2(msg.find("json.exception") == std::string::npos, msg.c_str());
    QVERIFY2(QString::fromStdString(msg).contains(expect), msg.c_str());
}

/// The JSON inputs whose fields fieldsRefused damages one at a time.
enum class Input { Manifest, Luts, Overrides };

/// The columns of the field test: which input, a JSON pointer, the value written there, and what the refusal must say.
void addFieldColumns()
{
    QTest::addColumn<int>("input");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expect");
}

/// One row of the field test, named input:pointer=value.
void fieldRow(Input input, const char *pointer, const char *value, const char *expect)
{
    static constexpr const char *kNames[] = {"manifest", "luts", "overrides"};
    QTest::addRow("%s:%s=%s", kNames[int(input)], pointer, value) << int(input) << pointer << value << expect;
}

/// Writes `doc` to `file` with the row's value at the row's pointer; `load` must refuse it with an input error that
/// names `file` and says what the row expects.
template <typename Load> void checkFieldRefused(json doc, const fs::path &file, Load load)
{
    QFETCH(QString, pointer);
    QFETCH(QString, value);
    QFETCH(QString, expect);
    doc[json::json_pointer(pointer.toStdString())] = json::parse(value.toStdString());
    qltest::writeFile(file, doc.dump(2));
    checkMessage(refusal(load), file.string(), expect);
}

/// A copy of the golden folder `golden` (its `jsonFile` and `bin`) with the row's value in `jsonFile`: `load(folder)`
/// must refuse it as checkFieldRefused says.
template <typename Load>
void checkGoldenFieldRefused(const char *golden, const char *bin, const char *jsonFile, Load load)
{
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    fs::copy_file(kGolden / golden / bin, dir / bin);
    checkFieldRefused(json::parse(qltest::readFile(kGolden / golden / jsonFile)), dir / jsonFile, [&] { load(dir); });
}
} // namespace

class TestJsonInputs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fieldsRefused_data()
    {
        addFieldColumns();
        fieldRow(Input::Manifest, "/architecture", "5", "architecture");
        fieldRow(Input::Manifest, "/architecture/model_type", "7", "architecture.model_type");
        fieldRow(Input::Manifest, "/total_weight_bytes", "\"187026\"", "total_weight_bytes");
        fieldRow(Input::Manifest, "/shard_map", "[]", "shard_map");
        fieldRow(Input::Manifest, "/shard_map/shards", "{}", "shards");
        fieldRow(Input::Manifest, "/shard_map/shards/0/size", "\"x\"", "size");
        fieldRow(Input::Manifest, "/weights", "[]", "weights");
        fieldRow(Input::Manifest, "/weights/projections", "3", "projections");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias", "\"x\"", "trunk.0.bias");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias/scale", "\"0.5\"", "scale");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias/offset", "-1.5", "offset");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias/shape", "\"64\"", "shape");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias/shape/0", "true", "shape");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.bias/quantization", "1", "quantization");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.weight/scales", "{}", "scales");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.weight/scales/0", "\"x\"", "scales");
        fieldRow(Input::Manifest, "/weights/projections/trunk.0.weight/error", "[]", "error");
        fieldRow(Input::Luts, "", "[]", "not an object");
        fieldRow(Input::Luts, "/format", "3", "format");
        fieldRow(Input::Luts, "/luts", "{}", "\"luts\" is object");
        fieldRow(Input::Luts, "/luts", "null", "\"luts\" is null");
        fieldRow(Input::Luts, "/luts/0", "5", "luts[0] is number");
        fieldRow(Input::Luts, "/luts/1/name", "1", "luts[1].name is number");
        fieldRow(Input::Luts, "/luts/0/input_scale", "\"0.0625\"", "table 'silu': input_scale is string");
        fieldRow(Input::Luts, "/luts/3/output_scale", "null", "table 'exp_neg': output_scale is null");
        fieldRow(Input::Overrides, "/format", "1", "\"format\"");
        fieldRow(Input::Overrides, "/overrides", "{}", "\"overrides\"");
        fieldRow(Input::Overrides, "/overrides/0", "\"*\"", "rule 0");
        fieldRow(Input::Overrides, "/overrides/0/match", "7", "rule 0");
        fieldRow(Input::Overrides, "/overrides/0/strategy", "[]", "rule 0 (match \"trunk.*\")");
        fieldRow(Input::Overrides, "/overrides/0/strategy", "3", "\"strategy\" is number, not a strategy name");
        fieldRow(Input::Overrides, "/overrides/0/percentile", "\"99\"", "\"percentile\" must be a number");
    }
    void fieldsRefused()
    {
        QFETCH(int, input);
        switch (Input(input)) {
        case Input::Manifest:
            checkGoldenFieldRefused("mlp-small", "weights_int8.bin", "manifest.json",
                                    [](const fs::path &dir) { ql::loadArtifacts(dir); });
            break;
        case Input::Luts:
            checkGoldenFieldRefused("luts-default", "luts.bin", "luts.json",
                                    [](const fs::path &dir) { ql::readLutScales(dir); });
            break;
        case Input::Overrides: {
            QTemporaryDir tmp;
            const fs::path file = fs::path(tmp.path().toStdString()) / "overrides.json";
            const json rule = { { "match", "trunk.*" }, { "strategy", "per_channel_percentile" }, { "percentile", 99.9 } };
            const json rules = { { "format", "quantlens_overrides_v1" }, { "overrides", json::array({ rule }) } };
            checkFieldRefused(rules, file, [&] { ql::Overrides::load(file); });
            break;
        }
        }
    }

    void lutsMissingFields()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        for (const char *field : { "name", "input_scale", "output_scale" }) {
            json j = json::parse(qltest::readFile(kGolden / "luts-default/luts.json"));
            j["luts"][2].erase(field);
            qltest::writeFile(dir / "luts.json", j.dump());
            checkMessage(
                refusal([&] { ql::readLutScales(dir); }), (dir / "luts.json").string(), QString(field) + " is missing");
        }
    }

    void overridesFileThatIsNotAFile()
    {
        // An ifstream used to read a FIFO forever (blocked) and /dev/zero until memory ran out.
        QTemporaryDir tmp;
        const fs::path fifo = fs::path(tmp.path().toStdString()) / "fifo.json";
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        checkMessage(refusal([&] { ql::Overrides::load(fifo); }), fifo.string(), "FIFO");
        checkMessage(refusal([&] { ql::Overrides::load("/dev/zero"); }), "/dev/zero", "character device");
        const fs::path bad = fs::path(tmp.path().toStdString()) / "bad.json";
        qltest::writeFile(bad, "{\"format\": ");
        checkMessage(refusal([&] { ql::Overrides::load(bad); }), bad.string(), "not valid JSON: parse error");
    }

    void safetensorsFields_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<QString>("expect");
        auto row
            = [](const char *name, const char *entry, const char *expect) { QTest::newRow(name) << entry << expect; };
        row("entry-number", "5", "tensor 'w': header entry is number");
        row("dtype-number", R"({"dtype": 5, "shape": [2], "data_offsets": [0, 8]})", "tensor 'w': \"dtype\" is number");
        row("shape-string", R"({"dtype": "F32", "shape": "2", "data_offsets": [0, 8]})",
            "tensor 'w': \"shape\" is string");
        row("shape-float", R"({"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]})",
            "tensor 'w': shape holds 2.0");
        row("offsets-string", R"({"dtype": "F32", "shape": [2], "data_offsets": "0-8"})",
            "tensor 'w': \"data_offsets\"");
        row("offset-string", R"({"dtype": "F32", "shape": [2], "data_offsets": [0, "8"]})", "tensor 'w': data_offsets");
        row("offsets-three", R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 9]})",
            "tensor 'w': \"data_offsets\"");
        row("no-dtype", R"({"shape": [2], "data_offsets": [0, 8]})", "tensor 'w': header entry has no \"dtype\"");
        row("metadata-list", "METADATA", "__metadata__ is not an object");
        row("not-json", "NOTJSON", "safetensors header is not valid JSON: parse error");
    }
    void safetensorsFields()
    {
        QFETCH(QString, entry);
        QFETCH(QString, expect);
        std::string header = "{\"w\": " + entry.toStdString() + "}";
        if (entry == "METADATA")
            header = R"({"__metadata__": [1], "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
        else if (entry == "NOTJSON")
            header = "{\"w\": {\"dtype\": \"F32\",, }}";
        std::string bytes;
        for (int i = 0; i < 8; ++i)
            bytes.push_back(char((header.size() >> (8 * i)) & 0xff));
        bytes += header + std::string(8, '\0');
        QTemporaryDir tmp;
        const fs::path file = fs::path(tmp.path().toStdString()) / "w.safetensors";
        qltest::writeFile(file, bytes);
        checkMessage(refusal([&] { ql::loadCheckpoint(file); }), file.string(), expect);
    }
};

QTEST_GUILESS_MAIN(TestJsonInputs)
#include "tst_jsoninputs.moc"
