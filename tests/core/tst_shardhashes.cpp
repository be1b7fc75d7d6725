// The shard SHA-256s both front ends show, from core: hashed from the bytes in memory (the manifest's data_hash),
// the carried hashes when the bytes are not there, and never a stale carried hash over the bytes.
#include "artifacts/artifacts.h"
#include "artifacts/manifest.h"
#include "artifacts/shardhasher.h"
#include "quantization/quantize.h"
#include "readers/checkpoint.h"

#include <QTest>

class TestShardHashes : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fromTheBytesAsTheManifestStates()
    {
        const auto ck = ql::loadCheckpoint(QL_TEST_DATA "/policy-small.pt");
        // A small shard target, so the fixture has several shards.
        ql::QuantizeResult r = ql::quantize(ck, {});
        r.shards = ql::shardMap(r.totalBytes, 8192);
        QVERIFY(r.shards.size() > 2);
        r.shards[1].sha256 = std::string(64, 'f'); // stale: the bytes win
        const auto hashes = ql::shardHashes(r);
        QCOMPARE(hashes.size(), r.shards.size());
        const auto manifest = ql::buildManifest(r);
        for (std::size_t i = 0; i < r.shards.size(); ++i) {
            const auto &s = r.shards[i];
            QCOMPARE(hashes[i], ql::sha256Hex(r.bytes, s.offset, s.size));
            QCOMPARE(hashes[i], manifest["shard_map"]["shards"][i]["sha256"].get<std::string>());
        }
    }

    void carriedWhenTheBytesAreAbsent()
    {
        ql::QuantizeResult r;
        r.totalBytes = 3 * 4096;
        r.shards = ql::shardMap(r.totalBytes, 4096);
        QCOMPARE(r.shards.size(), std::size_t(3));
        r.shards[0].sha256 = std::string(64, 'a');
        r.shards[2].sha256 = std::string(64, 'c');
        const auto hashes = ql::shardHashes(r);
        QCOMPARE(hashes, (std::vector<std::string>{std::string(64, 'a'), std::string(), std::string(64, 'c')}));
    }
};

QTEST_GUILESS_MAIN(TestShardHashes)
#include "tst_shardhashes.moc"
