#pragma once
#include "artifacts/shardmap.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ql {

struct QuantizeResult;

/// The SHA-256 (lower-case hex) of every shard of a result, as its manifest states them: hashed from the INT8 bytes
/// when the result holds them in memory, else the hashes it carries (a streamed run, a manifest read back); an empty
/// string for a shard known neither way. Runs on any thread; hashing on a pooled thread should end with
/// releaseHashThreadState() (artifacts.h).
std::vector<std::string> shardHashes(const QuantizeResult &r);

/// shardHashes() over the successive snapshots of one session's result (edits, undo, each group of Optimize's apply):
/// a shard is hashed again only when a piece of the INT8 buffer under it is not one it was hashed from. Pieces are
/// immutable (int8buffer.h), so the same pieces are the same bytes; they are remembered by weak reference, which keeps
/// no byte alive and cannot mistake a new piece for a freed one. Re-hashing a 1 GiB model after a one-tensor edit took
/// every shard; now it takes the shards under that tensor. Thread-safe: jobs for successive snapshots may overlap.
class ShardHashCache
{
public:
    /// Shard i's hash when it is known without hashing (pieces seen before, or a hash the result carries because its
    /// bytes are not in memory); empty otherwise.
    std::string known(const QuantizeResult &r, std::size_t shard) const;
    /// shardHashes(r), hashing only the shards not known. `keepGoing` is asked before each shard that needs hashing;
    /// when it says no, throws Error(Cancelled) (the hashes done so far are kept for the next call).
    std::vector<std::string> hashes(const QuantizeResult &r, const std::function<bool()> &keepGoing = {});
    /// Shards hashed from bytes since construction (tests, benchmarks).
    uint64_t shardsHashed() const { return m_hashed.load(); }

private:
    using Piece = std::weak_ptr<const std::vector<int8_t>>;
    struct Entry
    {
        uint64_t offset = 0, size = 0;
        std::vector<Piece> pieces;
        std::string hash;
    };
    static std::vector<Piece> piecesOf(const QuantizeResult &r, const Shard &s);
    static bool samePieces(const std::vector<Piece> &a, const std::vector<Piece> &b);
    /// The hash remembered for shard i when it has s's bounds and these pieces; with m_mutex held.
    std::string lookup(std::size_t i, const Shard &s, const std::vector<Piece> &pieces) const;

    mutable std::mutex m_mutex;
    std::vector<Entry> m_entries; ///< by shard index
    std::atomic<uint64_t> m_hashed{0};
};

/// SHA-256 of every shard of an INT8 buffer that is produced piece by piece, in any order, from several threads,
/// without reading the buffer back: each shard hashes its bytes as soon as they extend its hashed prefix, and pieces
/// that arrive ahead of it wait in a reorder buffer. The quantize pipeline writes rows nearly in offset order, so
/// that buffer stays a few rows deep; when it would pass kMaxBuffered (pieces far out of order, e.g. a whole integer
/// tensor emitted early), the shard gives up streaming and is hashed at finish() from the bytes as written.
class ShardHasher
{
public:
    static constexpr uint64_t kMaxBuffered = uint64_t(64) << 20;

    explicit ShardHasher(std::vector<Shard> shards);
    ~ShardHasher();
    ShardHasher(const ShardHasher &) = delete;
    ShardHasher &operator=(const ShardHasher &) = delete;

    /// Feeds bytes [offset, offset + size) of the buffer; thread-safe. Pieces must not overlap.
    void add(uint64_t offset, const int8_t *data, std::size_t size);
    /// Lower-case hex digests, one per shard. `readBack(offset, out, size)` supplies the bytes of shards that could
    /// not be streamed (and of any byte never fed); it is called only for those.
    std::vector<std::string> finish(const std::function<void(uint64_t, int8_t *, std::size_t)> &readBack);
    /// How many shards fell back to reading their bytes back (for tests and benchmarks).
    int fallbacks() const;

private:
    struct State;
    void addToShard(std::size_t i, uint64_t offset, const int8_t *data, std::size_t size);
    std::vector<Shard> m_shards;
    std::vector<std::unique_ptr<State>> m_states;
    std::atomic<uint64_t> m_buffered{0};
};

} // namespace ql
