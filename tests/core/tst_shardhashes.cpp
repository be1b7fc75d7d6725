// The shard SHA-256s both front ends show, from core: hashed from the bytes in memory (the manifest's data_hash),
// the carried hashes when the bytes are not there, and never a stale carried hash over the bytes.
#include "artifacts/artifacts.h"
#include "base/errors.h"
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

    void cacheHashesOnlyTheShardsAnEditChanged()
    {
        // Three tensors' pieces laid over 4 KiB shards: piece A [0, 10000), B [10000, 20000), C [20000, 30000).
        ql::QuantizeResult r;
        std::vector<int8_t> all(30000);
        for (std::size_t i = 0; i < all.size(); ++i)
            all[i] = int8_t(i * 7 + 3);
        r.totalBytes = all.size();
        r.bytes = ql::Int8Buffer::copyOf(all, {10000, 20000});
        r.shards = ql::shardMap(r.totalBytes, 4096);
        QCOMPARE(r.shards.size(), std::size_t(8));
        ql::ShardHashCache cache;
        QCOMPARE(cache.known(r, 0), std::string());
        QCOMPARE(cache.hashes(r), ql::shardHashes(r));
        QCOMPARE(cache.shardsHashed(), uint64_t(8));
        QCOMPARE(cache.known(r, 3), ql::shardHashes(r)[3]);

        // A snapshot sharing every piece: nothing to hash.
        const ql::QuantizeResult copy = r;
        QCOMPARE(cache.hashes(copy), ql::shardHashes(r));
        QCOMPARE(cache.shardsHashed(), uint64_t(8));

        // An edit replaces B: only the shards over [10000, 20000) are hashed again (4096-byte shards 2..4), and
        // the hashes are those of the new bytes.
        ql::QuantizeResult edited = r;
        edited.bytes.replace(10000, std::vector<int8_t>(10000, int8_t(-5)));
        QCOMPARE(cache.known(edited, 1), ql::shardHashes(r)[1]);
        QCOMPARE(cache.known(edited, 3), std::string());
        const auto after = cache.hashes(edited);
        QCOMPARE(after, ql::shardHashes(edited));
        QVERIFY(after[3] != ql::shardHashes(r)[3]);
        QCOMPARE(cache.shardsHashed(), uint64_t(8 + 3));

        // Back to the earlier snapshot (an undo): its pieces are the ones hashed first, but the cache keeps the last
        // hash per shard, so the three shards are hashed again, and come out as before.
        QCOMPARE(cache.hashes(r), ql::shardHashes(r));
        QCOMPARE(cache.shardsHashed(), uint64_t(8 + 3 + 3));

        // The same bytes in a new piece (a re-quantization that gave the same codes) are hashed again, not trusted:
        // the shards over C's [20000, 30000) are 4..7.
        ql::QuantizeResult same = r;
        same.bytes.replace(20000, std::vector<int8_t>(all.begin() + 20000, all.end()));
        QCOMPARE(cache.hashes(same), ql::shardHashes(r));
        QCOMPARE(cache.shardsHashed(), uint64_t(8 + 3 + 3 + 4));
    }

    void cacheStopsWhenToldAndKeepsWhatItHashed()
    {
        ql::QuantizeResult r;
        std::vector<int8_t> all(5 * 4096, int8_t(1));
        r.totalBytes = all.size();
        r.bytes = ql::Int8Buffer::copyOf(all);
        r.shards = ql::shardMap(r.totalBytes, 4096);
        ql::ShardHashCache cache;
        int asked = 0;
        bool cancelled = false;
        try {
            cache.hashes(r, [&] { return ++asked <= 2; });
        } catch (const ql::Error &e) {
            cancelled = e.kind() == ql::ErrorKind::Cancelled;
        }
        QVERIFY(cancelled);
        QCOMPARE(cache.shardsHashed(), uint64_t(2));
        QCOMPARE(cache.hashes(r), ql::shardHashes(r)); // the two done are not hashed again
        QCOMPARE(cache.shardsHashed(), uint64_t(5));
    }
};

QTEST_GUILESS_MAIN(TestShardHashes)
#include "tst_shardhashes.moc"
