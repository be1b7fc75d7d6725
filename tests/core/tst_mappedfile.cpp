// MappedFile when the file shrinks under the map (issue 15, item 6): a read past the new end raises SIGBUS, which
// installMappedFileGuard() turns into zeros read and a damaged map, reported by checkIntact() naming the file. Without
// the guard each test here dies of SIGBUS.
#include "base/errors.h"
#include "base/mappedfile.h"
#include "quantization/quantize.h"
#include "readers/checkpoint.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <numeric>
#include <unistd.h>
#include <vector>

using namespace ql;

namespace {
std::string writeFile(const QTemporaryDir &dir, std::size_t size)
{
    const std::string path = dir.filePath("data.bin").toStdString();
    std::vector<char> bytes(size);
    std::iota(bytes.begin(), bytes.end(), char(1));
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

std::string copyFixture(const QTemporaryDir &dir, const char *name)
{
    const QString to = dir.filePath(name);
    QFile::copy(QStringLiteral(QL_TEST_DATA "/") + name, to);
    return to.toStdString();
}
} // namespace

class TestMappedFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { installMappedFileGuard(); }

    void intactFileIsIntact()
    {
        QTemporaryDir tmp;
        const auto map = MappedFile::open(writeFile(tmp, 3 * 4096 + 17));
        QCOMPARE(int(map->data()[5]), 6);
        QVERIFY(!map->damaged());
        map->checkIntact(); // does not throw
    }

    void readPastTheNewEndReadsZerosAndIsReported_data()
    {
        QTest::addColumn<qint64>("to");
        QTest::newRow("to-0") << qint64(0);
        QTest::newRow("to-1-page") << qint64(4096);
        QTest::newRow("mid-page") << qint64(5000);
    }
    void readPastTheNewEndReadsZerosAndIsReported()
    {
        QFETCH(qint64, to);
        QTemporaryDir tmp;
        const std::string path = writeFile(tmp, 64 * 4096);
        const auto map = MappedFile::open(path);
        QCOMPARE(::truncate(path.c_str(), to), 0);
        long sum = 0;
        for (std::size_t i = std::size_t(to + 4095) / 4096 * 4096; i < map->size(); i += 512)
            sum += long(map->data()[i]); // each page past the end: SIGBUS without the guard
        QCOMPARE(sum, 0L);
        QVERIFY(map->damaged());
        try {
            map->checkIntact();
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(e.kind(), ErrorKind::Input);
            QCOMPARE(e.file(), path);
            QVERIFY2(std::string(e.what()).find("changed while it was being read") != std::string::npos, e.what());
        }
    }

    void rewrittenFileIsReportedWithoutAFault()
    {
        // Same size, new contents (another program rewrote it in place): no SIGBUS, but the map is stale.
        QTemporaryDir tmp;
        const std::string path = writeFile(tmp, 8192);
        const auto map = MappedFile::open(path);
        QTest::qWait(20); // the file system's timestamps are fine-grained, but not infinitely so
        writeFile(tmp, 8192);
        QVERIFY(map->damaged());
    }

    void quantizeOfACheckpointTruncatedAfterLoading()
    {
        // What the CLI does (tst_truncated_cli runs it for real): load, the file shrinks, quantize reads the tensors.
        QTemporaryDir tmp;
        const std::string path = copyFixture(tmp, "policy-small.pt");
        const Checkpoint ck = loadCheckpoint(path);
        QCOMPARE(::truncate(path.c_str(), 0), 0);
        try {
            quantize(ck, {});
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(e.kind(), ErrorKind::Input);
            QCOMPARE(e.file(), path);
        }
    }

    void unrelatedMapsAreNotAffected()
    {
        // Two maps: truncating one leaves the other's state alone.
        QTemporaryDir a, b;
        const std::string pa = writeFile(a, 8192), pb = writeFile(b, 8192);
        const auto ma = MappedFile::open(pa), mb = MappedFile::open(pb);
        QCOMPARE(::truncate(pa.c_str(), 0), 0);
        QCOMPARE(int(ma->data()[4096]), 0);
        QCOMPARE(int(mb->data()[4096]), int(char(1 + 4096 % 256)));
        QVERIFY(ma->damaged());
        QVERIFY(!mb->damaged());
    }
};

QTEST_GUILESS_MAIN(TestMappedFile)
#include "tst_mappedfile.moc"
