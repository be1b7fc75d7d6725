#include "artifacts/shardhasher.h"

#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "quantization/quantize.h"

#include <map>
#include <mutex>
#include <openssl/evp.h>

namespace ql {


namespace {
/// Whether shard s's bytes are in r's memory; when they are not, the hash r carries for it stands in.
bool bytesInMemory(const QuantizeResult &r, const Shard &s)
{
    return r.bytes.size() == r.totalBytes && !r.bytes.empty() && s.offset + s.size <= r.totalBytes;
}
} // namespace

std::vector<std::string> shardHashes(const QuantizeResult &r)
{
    std::vector<std::string> out;
    out.reserve(r.shards.size());
    for (const auto &s : r.shards) {
        // The bytes are the truth when present: an edited result's carried hashes may be stale.
        if (bytesInMemory(r, s))
            out.push_back(sha256Hex(r.bytes, s.offset, s.size));
        else
            out.push_back(s.sha256);
    }
    return out;
}

std::vector<ShardHashCache::Piece> ShardHashCache::piecesOf(const QuantizeResult &r, const Shard &s)
{
    std::vector<Piece> out;
    r.bytes.forEachSegment(s.offset, s.size, [&](const Int8Buffer::Segment &seg) { out.push_back(r.bytes.pieceAt(seg.offset)); });
    return out;
}

bool ShardHashCache::samePieces(const std::vector<Piece> &a, const std::vector<Piece> &b)
{
    // owner_before compares control blocks, which a weak reference keeps allocated: a freed piece's address can be
    // reused by a new piece, its control block cannot while this cache remembers it.
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const Piece &x, const Piece &y) {
               return !x.owner_before(y) && !y.owner_before(x) && !x.expired();
           });
}

std::string ShardHashCache::lookup(std::size_t i, const Shard &s, const std::vector<Piece> &pieces) const
{
    if (i < m_entries.size() && m_entries[i].offset == s.offset && m_entries[i].size == s.size &&
        samePieces(m_entries[i].pieces, pieces))
        return m_entries[i].hash;
    return {};
}

std::string ShardHashCache::known(const QuantizeResult &r, std::size_t shard) const
{
    if (shard >= r.shards.size())
        return {};
    const Shard &s = r.shards[shard];
    if (!bytesInMemory(r, s))
        return s.sha256;
    const auto pieces = piecesOf(r, s);
    std::lock_guard lock(m_mutex);
    return lookup(shard, s, pieces);
}

std::vector<std::string> ShardHashCache::hashes(const QuantizeResult &r, const std::function<bool()> &keepGoing)
{
    std::vector<std::string> out;
    out.reserve(r.shards.size());
    for (std::size_t i = 0; i < r.shards.size(); ++i) {
        const Shard &s = r.shards[i];
        if (!bytesInMemory(r, s)) { // as shardHashes(): the carried hash
            out.push_back(s.sha256);
            continue;
        }
        auto pieces = piecesOf(r, s);
        {
            std::lock_guard lock(m_mutex);
            if (std::string h = lookup(i, s, pieces); !h.empty()) {
                out.push_back(std::move(h));
                continue;
            }
        }
        if (keepGoing && !keepGoing())
            throw Error(ErrorKind::Cancelled, "shard hashing cancelled");
        out.push_back(sha256Hex(r.bytes, s.offset, s.size));
        ++m_hashed;
        std::lock_guard lock(m_mutex);
        if (m_entries.size() < r.shards.size())
            m_entries.resize(r.shards.size());
        m_entries[i] = {s.offset, s.size, std::move(pieces), out.back()};
    }
    return out;
}

struct ShardHasher::State
{
    std::mutex mutex;
    EVP_MD_CTX *ctx = nullptr;
    uint64_t next = 0;    ///< end of the hashed prefix (absolute offset)
    bool hashing = false; ///< a thread is feeding the digest outside the lock
    bool fallback = false;
    std::map<uint64_t, std::vector<int8_t>> pending; ///< pieces ahead of `next`, by offset
    uint64_t pendingBytes = 0;
};

ShardHasher::ShardHasher(std::vector<Shard> shards)
    : m_shards(std::move(shards))
{
    for (const auto &s : m_shards) {
        auto st = std::make_unique<State>();
        st->ctx = EVP_MD_CTX_new();
        st->next = s.offset;
        if (!st->ctx || EVP_DigestInit_ex(st->ctx, EVP_sha256(), nullptr) != 1)
            st->fallback = true;
        m_states.push_back(std::move(st));
    }
}

ShardHasher::~ShardHasher()
{
    for (auto &st : m_states)
        EVP_MD_CTX_free(st->ctx);
}

void ShardHasher::add(uint64_t offset, const int8_t *data, std::size_t size)
{
    // Shards are few (one per 4 MiB) and pieces are rows: a linear walk from the first overlapping shard is enough.
    for (std::size_t i = 0; i < m_shards.size() && size > 0; ++i) {
        const Shard &s = m_shards[i];
        if (offset >= s.offset + s.size)
            continue;
        const uint64_t take = std::min<uint64_t>(size, s.offset + s.size - offset);
        addToShard(i, offset, data, static_cast<std::size_t>(take));
        offset += take;
        data += take;
        size -= static_cast<std::size_t>(take);
    }
}

void ShardHasher::addToShard(std::size_t i, uint64_t offset, const int8_t *data, std::size_t size)
{
    State &st = *m_states[i];
    std::unique_lock lock(st.mutex);
    if (st.fallback)
        return;
    if (offset < st.next) { // overlapping pieces: not what the pipeline writes; hash what ends up in the file
        st.fallback = true;
        return;
    }
    if (offset != st.next || st.hashing) {
        if (m_buffered.load() + size > kMaxBuffered) {
            st.fallback = true;
            m_buffered -= st.pendingBytes;
            st.pending.clear();
            st.pendingBytes = 0;
            return;
        }
        st.pending.emplace(offset, std::vector<int8_t>(data, data + size));
        st.pendingBytes += size;
        m_buffered += size;
        return;
    }
    // This thread extends the prefix: hash outside the lock (other writers buffer meanwhile), then drain whatever
    // became contiguous.
    st.hashing = true;
    std::vector<int8_t> piece;
    const int8_t *p = data;
    std::size_t n = size;
    for (;;) {
        st.next += n;
        lock.unlock();
        const bool ok = EVP_DigestUpdate(st.ctx, p, n) == 1;
        lock.lock();
        if (!ok)
            st.fallback = true;
        auto it = st.pending.find(st.next);
        if (st.fallback || it == st.pending.end())
            break;
        piece = std::move(it->second);
        st.pending.erase(it);
        st.pendingBytes -= piece.size();
        m_buffered -= piece.size();
        p = piece.data();
        n = piece.size();
    }
    st.hashing = false;
}

std::vector<std::string> ShardHasher::finish(const std::function<void(uint64_t, int8_t *, std::size_t)> &readBack)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < m_shards.size(); ++i) {
        const Shard &s = m_shards[i];
        State &st = *m_states[i];
        std::lock_guard lock(st.mutex);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (!st.fallback && st.next == s.offset + s.size && EVP_DigestFinal_ex(st.ctx, md, &len) == 1) {
            out.push_back(hexString(md, len));
            continue;
        }
        std::vector<int8_t> bytes(static_cast<std::size_t>(s.size));
        readBack(s.offset, bytes.data(), bytes.size());
        out.push_back(sha256Hex(bytes.data(), bytes.size()));
    }
    return out;
}

int ShardHasher::fallbacks() const
{
    int n = 0;
    for (std::size_t i = 0; i < m_shards.size(); ++i) {
        std::lock_guard lock(m_states[i]->mutex);
        n += m_states[i]->fallback || m_states[i]->next != m_shards[i].offset + m_shards[i].size;
    }
    return n;
}

} // namespace ql
