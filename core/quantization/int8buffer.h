#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace ql {

/// A result's INT8 buffer held as immutable shared pieces, one per tensor, laid end to end from offset 0. Copying a
/// buffer (or the QuantizeResult holding it) copies no byte: both hold the same pieces. Re-quantizing a tensor
/// replace()s its piece in one copy only, so an edit allocates what changes and every snapshot (baseline, undo
/// state, the result a view still shows) shares the rest.
class Int8Buffer
{
public:
    using Piece = std::shared_ptr<const std::vector<int8_t>>;

    /// A run of consecutive bytes inside one piece: [offset, offset + bytes.size()) of the buffer.
    struct Segment
    {
        uint64_t offset = 0;
        std::span<const int8_t> bytes;
    };

    Int8Buffer() = default;
    /// Copies `bytes` into pieces cut at `cuts` (buffer offsets, e.g. each tensor's start; any order, out-of-range
    /// and repeated ones ignored). For readers and tests; quantize() builds its pieces with append().
    static Int8Buffer copyOf(std::span<const int8_t> bytes, std::vector<uint64_t> cuts = {});

    /// Adds a piece at offset size(); empty pieces are not kept.
    void append(Piece piece);

    uint64_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    std::size_t pieceCount() const { return m_pieces.size(); }
    /// The piece holding byte `offset` (null past the end): tests and callers that want to know what is shared.
    Piece pieceAt(uint64_t offset) const;

    /// Bytes [offset, offset + size) when they lie inside one piece (a tensor's bytes always do); an empty span when
    /// they do not (or are past the end), so `span(...).data()` is null exactly when the bytes are not at hand.
    std::span<const int8_t> span(uint64_t offset, uint64_t size) const;
    /// The byte at `offset` (< size()).
    int8_t operator[](uint64_t offset) const;
    /// Copies bytes [offset, offset + size) into `out`, across pieces. Throws std::out_of_range past size().
    void copyRange(uint64_t offset, uint64_t size, int8_t *out) const;
    /// Calls `f` for each run of bytes [offset, offset + size), in offset order, without copying (shard hashes,
    /// writers). Throws std::out_of_range past size().
    void forEachSegment(uint64_t offset, uint64_t size, const std::function<void(const Segment &)> &f) const;
    /// The whole buffer as one vector (a full copy).
    std::vector<int8_t> flat() const;

    /// Replaces the piece that spans exactly [offset, offset + bytes.size()) — a tensor's — in this buffer only;
    /// copies of it keep the old piece. Throws std::invalid_argument when no piece has those bounds.
    void replace(uint64_t offset, std::vector<int8_t> bytes);
    /// The same with a piece another buffer already holds (shared, not copied).
    void replace(uint64_t offset, Piece piece);

    /// The bytes of storage `buffers` hold together, a piece shared by several counted once (null entries skipped):
    /// what a set of snapshots costs.
    static uint64_t storageOf(std::initializer_list<const Int8Buffer *> buffers);

    /// Same bytes, whatever the pieces (their cuts and storage).
    friend bool operator==(const Int8Buffer &a, const Int8Buffer &b);

private:
    struct Entry
    {
        uint64_t offset;
        Piece bytes;
    };
    std::size_t indexOf(uint64_t offset) const; ///< the piece holding `offset` (< size())
    std::vector<Entry> m_pieces;
    uint64_t m_size = 0;
};

} // namespace ql
