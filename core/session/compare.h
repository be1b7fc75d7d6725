#pragma once
// Two opened inputs side by side (heaptrack's diff as a core feature): which tensors moved, what quantization did to
// them, and what re-uploading the changed shards costs on chain (SPEC §7). Both front ends format this result.
#include "session/session.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// How a tensor of A relates to the tensor of the same name in B.
enum class TensorStatus {
    Same,     ///< everything both sides hold is identical: FP32 (when both have it), strategy, scales, INT8 bytes
    Changed,  ///< same shape, something differs
    Reshaped, ///< shape differs
    Added,    ///< only in B
    Removed,  ///< only in A
    Last = Removed,
};
const char *statusName(TensorStatus s);

/// One tensor matched by name. Figures that cannot be computed for the pair are nullopt.
struct TensorDelta
{
    std::string name;
    TensorStatus status = TensorStatus::Same;
    const QuantizedTensor *a = nullptr; ///< into the compared sessions' results (null when absent)
    const QuantizedTensor *b = nullptr;
    std::optional<double> relL2Change;       ///< ‖B − A‖ / ‖A‖ of the FP32 weights; both FP32, same shape
    std::optional<double> maxAbsChange;      ///< max |B − A| of the FP32 weights
    std::optional<double> snrA, snrB;        ///< quantization SNR (dB); nullopt for an all-zero tensor
    std::optional<double> snrDelta;          ///< snrB − snrA
    std::optional<double> scaleMaxRelChange; ///< max over rows of |sB − sA| / sA (+inf where sA = 0 < sB)
    std::optional<uint64_t> int8BytesChanged; ///< codes that differ (same shape only)
    bool strategyChanged = false;
    bool moved = false; ///< present on both sides at different offsets in weights_int8.bin

    bool bothSides() const { return a && b; }
};

/// A run of changed upload chunks, as chunk indices within the shard (inclusive).
struct ChunkRange
{
    uint64_t first = 0, last = 0;
};

/// What updating one WeightShard account costs: shard `index` of B against shard `index` of A.
struct ShardDelta
{
    int index = 0;
    std::optional<Shard> a, b;         ///< the shard on each side (nullopt: that side has fewer shards)
    uint64_t bytesChanged = 0;         ///< B's bytes that differ from A's at the same shard offset (+ new bytes)
    uint64_t chunksChanged = 0;        ///< kUploadChunk-byte chunks of B's shard holding a changed byte
    std::vector<ChunkRange> chunkRanges;
    /// upload_chunk transactions for the changed chunks + finalize; nullopt when the account cannot be patched (new
    /// shard, or its size changed: data_size is fixed at create). 0 when nothing changed.
    std::optional<uint64_t> patchTransactions;
    uint64_t recreateTransactions = 0; ///< create + every chunk + finalize of B's shard (0 when B has no such shard)
    double rentDeltaSol = 0;           ///< B's rent-exempt deposit − A's
    bool resized = false;              ///< offset or size differ, or the shard exists on one side only
};

/// Counts and headline figures of a comparison.
struct CompareSummary
{
    int same = 0, changed = 0, reshaped = 0, added = 0, removed = 0;
    uint64_t int8BytesChanged = 0;      ///< over all shards (bytes of B that differ from A at the same offset)
    uint64_t chunksChanged = 0;
    std::optional<uint64_t> patchTransactions; ///< nullopt when some shard needs re-creating
    uint64_t recreateTransactions = 0;  ///< re-creating every changed shard
    double rentDeltaSol = 0;
    std::vector<std::string> largestChanges; ///< up to 5 names, largest relative change first (bytes without FP32)
    bool identical() const { return changed + reshaped + added + removed == 0; }
};

struct CompareResult
{
    std::string pathA, pathB;
    std::vector<TensorDelta> tensors; ///< in name (= file) order, A's and B's merged
    std::vector<ShardDelta> shards;   ///< one per shard index of either side
    int shardCountA = 0, shardCountB = 0;
    uint64_t totalBytesA = 0, totalBytesB = 0;
    bool layoutChanged = false;       ///< shard count, offsets or sizes differ
    int tensorsMoved = 0;             ///< tensors whose offset in weights_int8.bin differs
    CompareSummary summary;

    const TensorDelta *find(const std::string &name) const;
};

struct CompareOptions
{
    /// Drop each FP32 block's pages from memory once both sides were read (the CLI: bounded RSS).
    bool releasePages = false;
    /// Called with FP32 elements done / total; return false to cancel (compare then throws ErrorKind::Cancelled).
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// Compares two sessions (any mix of checkpoints and output folders). The result points into a.result and
/// b.result: keep the sessions alive while using it. FP32 weights are read block by block, never copied whole.
CompareResult compare(const Session &a, const Session &b, const CompareOptions &options = {});

/// {"a", "b", "tensors": [...], "shards": [...], "layout_changed", "summary": {...}}: what `quantlens-cli compare
/// --json` prints (documented in the README); infinite or absent figures are null.
Json compareResultJson(const CompareResult &result);

/// Shard comparison alone, from two INT8 buffers and their shard maps (SPEC §7 costs).
std::vector<ShardDelta> compareShards(const Int8Buffer &a, const std::vector<Shard> &sa, const Int8Buffer &b,
                                      const std::vector<Shard> &sb);

} // namespace ql
