#pragma once
#include "readers/checkpoint.h"
#include "quantization/errorstats.h"
#include "quantization/int8buffer.h"
#include "readers/model.h"
#include "quantization/overrides.h"
#include "artifacts/shardmap.h"
#include "quantization/strategy.h"

#include <functional>
#include <optional>

namespace ql {

/// The outcome for one quantized tensor (metadata only; the INT8 bytes live in the result's buffer or the file).
struct QuantizedTensor
{
    std::string name;
    std::string group;
    DType dtype = DType::Float32;
    std::vector<int64_t> shape; ///< original
    int64_t rows = 1, cols = 0; ///< the 2-D view quantized (1-D: one row)
    Strategy strategy;
    bool overridden = false;    ///< strategy differs from the seed's default
    int rule = -1;              ///< overrides rule that chose it
    std::vector<float> scales;  ///< per-channel layout
    double scale = 0.0;         ///< per-tensor layout (float64, as the reference writes it)
    ErrorStats stats;
    std::vector<ErrorStats> rowStats;
    uint64_t offset = 0, size = 0;
    float absmax = 0.0f;

    /// Scale used for row r (per-tensor: the single scale as the float the division used).
    float rowScale(int64_t r) const
    {
        return strategy.layout == ScaleLayout::PerChannel ? scales[static_cast<std::size_t>(r)] : float(scale);
    }
    bool isMatrix() const { return shape.size() >= 2; }
};

struct SkippedTensor
{
    std::string name;
    std::string reason;
};

/// mean/min/max SNR over matrix weights (>= 2-D) whose SNR is defined.
struct ErrorSummary
{
    int numMatrices = 0;
    int numUndefined = 0; ///< all-zero matrices (SNR -inf in the reference)
    double meanSnr = 0, minSnr = 0, maxSnr = 0;
};

struct QuantizeResult
{
    std::string sourcePath;
    ModelInfo model;
    std::vector<QuantizedTensor> tensors; ///< sorted by name = file order
    std::vector<SkippedTensor> skipped;
    std::vector<std::string> warnings;
    uint64_t totalBytes = 0;
    std::vector<Shard> shards;
    Json encodingConfig; ///< null when absent
    Json contextLen;     ///< null when absent
    Overrides overrides;
    Int8Buffer bytes;       ///< the INT8 buffer when quantized into memory: one shared piece per tensor
    uint64_t fp32Bytes = 0; ///< 4 bytes per quantized element

    /// The INT8 codes of q (one of this result's tensors); null data when the buffer is not in memory.
    std::span<const int8_t> codes(const QuantizedTensor &q) const { return bytes.span(q.offset, q.size); }
    /// Holds `all` (the whole buffer, e.g. a weights_int8.bin read back) as one piece per tensor.
    void setBytes(std::span<const int8_t> all);
    /// Everything but the INT8 bytes (bytes is empty, as after a streamed quantize): tensors with their strategies,
    /// statistics and scales, the shard map, the warnings. What a session's baseline keeps (session.h).
    QuantizeResult withoutBytes() const;
    const QuantizedTensor *find(const std::string &name) const;
    int indexOf(const std::string &name) const;
    ErrorSummary summary() const;
};

/// Receives the INT8 buffer piece by piece (positional writes from several threads).
class ByteSink
{
public:
    virtual ~ByteSink() = default;
    /// Called once before the first write with the buffer's shard map (SPEC §5), e.g. to hash shards as they fill.
    virtual void plan(const std::vector<Shard> &shards) { (void)shards; }
    virtual void write(uint64_t offset, const int8_t *data, std::size_t size) = 0;
};

struct QuantizeOptions
{
    Overrides overrides;
    unsigned threads = 0;     ///< 0: all cores
    bool rowStats = true;     ///< keep per-row error statistics
    bool releasePages = false; ///< drop processed input pages from memory (large files, CLI)
    /// Called (serialised, possibly from worker threads) with bytes done / total; return false to cancel.
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// Quantizes every tensor of the checkpoint. With sink == nullptr the bytes go to result.bytes.
/// Throws ql::Error: Input (non-finite value, unknown model, ...), Cancelled.
QuantizeResult quantize(const Checkpoint &ck, const QuantizeOptions &options, ByteSink *sink = nullptr);

/// The tensor's values read in place (the map itself) when they are contiguous, 4-byte-aligned float32; null otherwise
/// (another dtype, strided, or a record of a hand-made zip that is not aligned), when they need converting.
const float *floatsInPlace(const TensorData &t);

/// Quantizes one tensor with one strategy into `out` (size = numel); the building block of re-quantization. With
/// out == nullptr only the scales and statistics are kept (a trial: the codes of one chunk of rows at a time are
/// counted and dropped), the same to the last bit as with a buffer.
QuantizedTensor quantizeTensor(const TensorData &t, const Strategy &s, int8_t *out, const std::string &file,
                               bool rowStats = true);

/// Re-quantizes the tensors whose strategy under `overrides` differs from the one they have; returns the names
/// changed. Each changed tensor gets a new piece in result.bytes (which must be in memory); the others keep theirs,
/// so a copy of `result` taken before still shares them and is unchanged (copy-on-write). Quantization is
/// deterministic: a tensor returned to a strategy it had before (an undo) gets the bytes it had, byte for byte.
/// With `only`, the tensors not named there are left as they are (one group of requantizeGroups()).
std::vector<std::string> requantize(QuantizeResult &result, const Checkpoint &ck, const Overrides &overrides,
                                    const std::vector<std::string> *only = nullptr);

/// The tensors requantize() would re-do under `overrides`, in file order, in groups whose INT8 sizes add up to at
/// most `budget` bytes (a tensor larger than that is a group of its own). Applying a whole-model change group by
/// group, each delivered before the next is computed, holds at most one group's new bytes beside the snapshot it
/// replaces, instead of a second copy of every changed tensor. Empty when nothing would change.
std::vector<std::vector<std::string>> requantizeGroups(const QuantizeResult &result, const Overrides &overrides,
                                                       uint64_t budget);

/// Clip threshold search used by the *_mse strategies: the threshold in (0, absmax] minimising the
/// reconstruction MSE of w with scale = scaleOf(threshold); absmax is always a candidate.
float searchMseClip(const float *w, int64_t n, float absmax, const std::function<float(float)> &scaleOf);
/// numpy-style (linear interpolation) percentile of |w| (finite values). From kSelectInPlaceFrom values on, the order
/// statistics are found by a radix select over w itself instead of a copy of |w| (the same values, bit for bit).
double absPercentile(const float *w, int64_t n, double percentile);
constexpr int64_t kSelectInPlaceFrom = int64_t(1) << 16;

} // namespace ql
