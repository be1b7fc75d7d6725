// An output folder's LUT files read honestly (issue 15 item 8): a luts.json that does not list each of the four
// tables exactly once is refused (an empty list used to stand for the seed's defaults, and verify said "LUTs match"),
// and a luts.bin that is not what the scales generate is a warning of the session, so the GUI, whose LUT view draws
// the scales' tables, says that the bytes on disk differ.
#include "artifacts/artifacts.h"
#include "artifacts/luts.h"
#include "artifacts/verify.h"
#include "base/errors.h"
#include "readers/checkpoint.h"
#include "session/session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {
void writeText(const fs::path &p, const std::string &text) { std::ofstream(p, std::ios::binary) << text; }

/// A quantized sample folder with the seed's luts.bin + luts.json.
fs::path makeFolder(const QTemporaryDir &tmp)
{
    const fs::path dir = fs::path(tmp.path().toStdString()) / "out";
    const auto ck = ql::loadCheckpoint(QL_SAMPLE);
    ql::quantizeToDirectory(ck, {}, dir);
    ql::writeLuts(dir, ql::LutScales{});
    return dir;
}

std::string lutsJson(const std::vector<std::string> &names)
{
    std::string t = R"({"format": "int8_luts_v1", "num_luts": 4, "lut_size": 256, "total_bytes": 1024, "luts": [)";
    for (std::size_t i = 0; i < names.size(); ++i)
        t += (i ? "," : "") + std::string(R"({"name": ")") + names[i] + R"(", "input_scale": 0.0625, "output_scale": 0.0625})";
    return t + "]}";
}
} // namespace

class TestLutsFolder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void binThatDiffersIsASessionWarning()
    {
        QTemporaryDir tmp;
        const fs::path dir = makeFolder(tmp);
        auto warned = [&] {
            const ql::Session s = ql::openSession(dir, {});
            for (const auto &w : s.result->warnings)
                if (w.find("luts.bin is not the table") != std::string::npos)
                    return true;
            return false;
        };
        QVERIFY(!warned()); // the folder as written: no warning
        fs::resize_file(dir / "luts.bin", 1023);
        QVERIFY(warned());
        fs::remove(dir / "luts.bin");
        QVERIFY(warned());
    }

    void everyTableOnce_data()
    {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QStringList{} << "lists 0 of the 4 tables; missing: silu, softplus, rsqrt, exp_neg";
        QTest::newRow("one") << QStringList{"rsqrt"} << "missing: silu, softplus, exp_neg";
        QTest::newRow("twice") << QStringList{"silu", "silu", "softplus", "rsqrt", "exp_neg"}
                               << "table 'silu' is listed twice (luts[1] again)";
    }
    void everyTableOnce()
    {
        QFETCH(QStringList, names);
        QFETCH(QString, message);
        QTemporaryDir tmp;
        const fs::path dir = makeFolder(tmp);
        std::vector<std::string> n;
        for (const auto &s : names)
            n.push_back(s.toStdString());
        writeText(dir / "luts.json", lutsJson(n));
        try {
            ql::readLutScales(dir);
            QFAIL("accepted");
        } catch (const ql::Error &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromStdString(e.what()).contains("luts.json"), e.what());
        }
        // verify reports it instead of "LUTs match".
        const auto rep = ql::verifyArtifacts(dir, {});
        QVERIFY(!rep.ok());
    }
};

QTEST_GUILESS_MAIN(TestLutsFolder)
#include "tst_lutsfolder.moc"
