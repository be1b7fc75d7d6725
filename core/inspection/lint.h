#pragma once
// lint: would these artifacts work on chain, and is anything in them suspicious? Rules over a quantization result
// (from a checkpoint or an output folder) and its LUTs; errors fail the gate, warnings only with `strict`.
#include "artifacts/luts.h"
#include "artifacts/shardmap.h"
#include "quantization/quantize.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace ql {

struct Session;

/// On-chain limits of the consuming programs (SPEC §7).
namespace chain {
constexpr std::size_t kMaxShards = 4;
constexpr int64_t kMaxLayers = 16;
constexpr uint64_t kMaxComputeUnits = 1'400'000;   ///< per transaction
constexpr uint64_t kMatmulBaseUnits = 100;         ///< sol_matmul_i8: 100 + rows * cols
constexpr int64_t kMaxAccumulatorCols = 131'071;   ///< int32 accumulator cannot overflow up to here
constexpr uint64_t kShardHeaderBytes = ShardCost::kHeaderBytes; ///< WeightShard bytes before the data
constexpr double kScaleFloor = 1e-8 / 127.0;       ///< scale of a row whose |w| max is under the 1e-8 floor
} // namespace chain

enum class LintSeverity { Warning, Error };

/// One finding; names the tensor (and row) or the LUT it is about.
struct LintFinding
{
    LintSeverity severity = LintSeverity::Warning;
    std::string rule;    ///< stable id, e.g. "max_shards", "compute_units", "min_snr", "all_zero_rows"
    std::string message; ///< what is wrong and the limit or figure it is measured against
    std::string tensor;  ///< empty when the finding is not about one tensor
    int64_t row = -1;    ///< the (first) row concerned, -1 when none
    std::string lut;     ///< "silu", "softplus", "rsqrt", "exp_neg", or empty
    int shard = -1;      ///< shard concerned, -1 when none
};

struct LintOptions
{
    std::optional<double> minSnrDb; ///< quality gate over matrix weights; nullopt: no gate
    bool strict = false;            ///< warnings count as errors (their severity becomes Error)
};

/// What else lint may look at besides the result.
struct LintInputs
{
    std::optional<LutScales> luts;     ///< the folder's LUT scales (nullopt: no LUT rules)
    std::optional<bool> lutsBinMatches; ///< luts.bin equals what luts.json's scales generate (nullopt: unknown)
    /// luts.bin's 1024 bytes when read; monotonicity is checked on them (else on the table the scales generate).
    std::optional<std::array<uint8_t, kNumLuts * kLutSize>> lutsBin;
};

struct LintReport
{
    std::vector<LintFinding> findings; ///< errors and warnings, in rule order
    LintOptions options;
    bool codesChecked = false; ///< the INT8 codes were available (result.bytes), so the code rules ran
    std::size_t errors() const;
    std::size_t warnings() const;
    bool ok() const { return errors() == 0; } ///< the gate: no error (with strict, no warning either)
};

/// What `quantlens-cli lint` reads besides the result: an output folder's LUT scales, whether its luts.bin matches
/// them, and luts.bin's bytes. The report lints through this too, so both judge the same inputs. Throws ql::Error.
LintInputs lintInputsFor(const Session &session);

/// Runs every rule. Code rules (all-zero rows, scales at the floor, codes at -128) need result.bytes.
LintReport lintResult(const QuantizeResult &result, const LintInputs &inputs, const LintOptions &options);

/// {"ok", "errors", "warnings", "strict", "min_snr_db"|null, "codes_checked",
///  "findings": [{"severity": "error"|"warning", "rule", "message", "tensor"|null, "row"|null, "lut"|null,
///  "shard"|null}]} (documented in the README).
Json lintReportJson(const LintReport &report);

} // namespace ql
