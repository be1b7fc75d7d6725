// zip64 archives: torch.save switches to zip64 records past 4 GiB; the reader must take sizes and offsets from
// the zip64 extra fields and the zip64 end-of-central-directory record.
#include "artifacts/artifacts.h"
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "quantization/quantize.h"
#include "readers/ziparchive.h"

#include <QFile>
#include <QTest>

class TestZip64 : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readsZip64Records()
    {
        // policy-small.pt rewritten by Python's zipfile with ZIP64_LIMIT lowered: every record carries zip64 sizes,
        // offsets above 1 KiB live in zip64 fields and the archive ends with a zip64 directory record + locator.
        const auto ck = ql::loadCheckpoint(QL_TEST_DATA "/zip64-policy.pt");
        QCOMPARE(ck.format, ql::CheckpointFormat::TorchZip);
        const auto r = ql::quantize(ck, {});
        QFile golden(QL_TEST_DATA "/golden/policy-small/weights_int8.bin");
        QVERIFY(golden.open(QIODevice::ReadOnly));
        const QByteArray want = golden.readAll();
        QCOMPARE(qsizetype(r.bytes.size()), want.size());
        const auto bytes = r.bytes.flat();
        QVERIFY(std::equal(bytes.begin(), bytes.end(), reinterpret_cast<const int8_t *>(want.constData())));
    }

    void flagsZip64AndZeroCopy()
    {
        QFile f(QL_TEST_DATA "/zip64-policy.pt");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        const std::span<const std::byte> span(reinterpret_cast<const std::byte *>(bytes.constData()), bytes.size());
        ql::ZipArchive zip(span, "zip64-policy.pt");
        QVERIFY(zip.usedZip64());
        const auto *pkl = zip.find("archive/data.pkl");
        QVERIFY(pkl);
        // Stored records are views into the caller's bytes, not copies.
        QVERIFY(pkl->data() >= span.data() && pkl->data() + pkl->size() <= span.data() + span.size());
    }

    void lyingZip64LocatorIsRefused()
    {
        QFile f(QL_TEST_DATA "/zip64-policy.pt");
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray bytes = f.readAll();
        const qsizetype loc = bytes.lastIndexOf(QByteArray("PK\x06\x07", 4));
        QVERIFY(loc > 0);
        // Point the locator beyond the end of the file.
        for (int i = 0; i < 8; ++i)
            bytes[loc + 8 + i] = char(0x7f);
        const std::span<const std::byte> span(reinterpret_cast<const std::byte *>(bytes.constData()), bytes.size());
        try {
            ql::ZipArchive zip(span, "lying.pt");
            QFAIL("a lying zip64 locator was accepted");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Input);
            QVERIFY2(QString::fromStdString(e.what()).contains(QLatin1String("lying.pt")), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestZip64)
#include "tst_zip64.moc"
