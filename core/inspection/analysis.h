#pragma once
#include "quantization/quantize.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ql {

/// Equal-width bins over [lo, hi]; values outside are clamped into the end bins so nothing is silently dropped.
struct Histogram
{
    double lo = 0.0, hi = 0.0;
    std::vector<uint64_t> counts;

    Histogram() = default;
    Histogram(double lo, double hi, int bins);
    void add(double v);
    double binWidth() const { return counts.empty() ? 0.0 : (hi - lo) / double(counts.size()); }
    double center(std::size_t i) const { return lo + (double(i) + 0.5) * binWidth(); }
    uint64_t total() const;
};

/// The weight that sets a row's scale (its largest |w|) and how far it stands out from the rest of the row.
struct ScaleSetter
{
    int64_t column = -1;     ///< index in the row (flat index for the whole-tensor setter)
    float value = 0.0f;      ///< the weight itself (signed)
    float nextLargest = 0.0f; ///< the row's next-largest |w|
    double ratio = 0.0;      ///< |value| / nextLargest; +inf when every other weight is 0
    int64_t clipped = 0;     ///< weights whose |w| exceeds the clip threshold (scale * 127): saturated codes
};

/// Why a tensor's SNR reads the way it does, when the number alone misleads.
enum class SnrDiagnosis {
    None,      ///< nothing to say: the SNR is a fair measure of the damage
    AllZero,   ///< every weight is 0: SNR undefined, reconstruction exact
    NearZero,  ///< the signal sits near the 1e-10 noise floor of the SNR formula: a low SNR without real damage
    Tiny,      ///< so few values that one of them decides the SNR
    Outlier,   ///< real damage: one weight per row stretches the scale, the rest get few codes
    Last = Outlier,
};

/// Everything the tensor drill-down shows, computed from the FP32 source and the INT8 codes (no Qt).
struct TensorAnalysis
{
    bool hasSource = false;
    std::string unavailable;         ///< why the FP32-based parts are missing (empty when hasSource)
    int64_t rows = 0, cols = 0;
    std::vector<double> rowSnr;      ///< per row; NaN where the row is all zeros
    std::vector<double> rowMaxAbsError;
    std::vector<ScaleSetter> setters; ///< per row
    ScaleSetter tensorSetter;        ///< over the whole tensor (sets the scale of per-tensor layouts)
    std::vector<int64_t> worstRows;  ///< rows by ascending SNR (all-zero rows excluded)
    int64_t zeroRows = 0;
    Histogram weights;               ///< FP32 values
    Histogram dequantized;           ///< code * scale, same bins as weights
    Histogram errors;                ///< w - code * scale
    Histogram codes;                 ///< INT8 codes, one bin per code -128..127
    double signalRms = 0.0, errorRms = 0.0, maxAbsError = 0.0, absMax = 0.0;
    int64_t saturated = 0;           ///< weights clipped by the scale (codes only: codes at -128 or 127)
    SnrDiagnosis diagnosis = SnrDiagnosis::None;
    std::string note;                ///< plain-language explanation of `diagnosis` (empty for None)
};

/// Full analysis: t is the tensor's source, q its quantization, codes its q.size INT8 bytes.
TensorAnalysis analyzeTensor(const TensorData &t, const QuantizedTensor &q, const int8_t *codes, int bins = 64);
/// What can be said without the FP32 source (an output folder): codes, dequantized values, scales.
TensorAnalysis analyzeCodes(const QuantizedTensor &q, const int8_t *codes, int bins = 64);

/// The plain-language diagnosis of a tensor's SNR from its statistics alone (used by both analyses).
SnrDiagnosis diagnoseSnr(const QuantizedTensor &q, std::string *note, const ScaleSetter *worstSetter = nullptr,
                         int64_t worstRow = -1);

/// Five-number summary of a tensor's scales (per-tensor layouts: all five equal the single scale).
struct ScaleSummary
{
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0;
    std::size_t count = 0;
};
ScaleSummary summarizeScales(const QuantizedTensor &q);

/// The SNR one tensor would get under each strategy (what "Optimize" chooses from).
struct StrategyTrial
{
    Strategy strategy;
    std::optional<double> snr;
};
std::vector<StrategyTrial> tryStrategies(const TensorData &t, const std::vector<Strategy> &strategies,
                                         const std::string &file);
/// The strategies worth trying for a tensor of `dims` dimensions (all six; per-channel ones equal per-tensor for 1-D,
/// so 1-D tensors get the three per-tensor ones).
std::vector<Strategy> candidateStrategies(std::size_t dims);
/// The best of the trials: highest SNR; ties keep `current`, then the earlier candidate. nullopt when none has an SNR.
std::optional<StrategyTrial> bestTrial(const std::vector<StrategyTrial> &trials, const Strategy &current);

} // namespace ql
