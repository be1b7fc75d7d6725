#pragma once
// Plain-words advice for the drill-down (and the report): when a row's scale is set by one outlying weight, what
// that costs the rest of the row and what a clipping strategy would win, estimated with the core's own strategies.
#include "inspection/analysis.h"

#include <optional>
#include <string>

namespace ql {

struct OutlierAdvice
{
    int64_t row = -1;           ///< the row (per-tensor layouts: -1, the whole tensor's scale)
    int64_t column = -1;        ///< the outlier's column in that row (flat index for per-tensor)
    float value = 0;            ///< the outlying weight
    float nextLargest = 0;      ///< the next-largest |w| beside it
    double ratio = 0;           ///< |value| / nextLargest
    int maxOtherCode = 0;       ///< the largest |code| any other weight of the row can reach
    double rowSnrNow = 0;       ///< dB (per-tensor: the tensor's)
    Strategy suggested;         ///< the clipping strategy that does best on that row
    bool clippingWins = false;  ///< `suggested` beats the present strategy (else the advice says why not)
    double rowSnrSuggested = 0; ///< that row under `suggested`
    std::optional<double> tensorSnrNow, tensorSnrSuggested;
    std::string text;           ///< the explanation in plain words
};

/// Rows whose largest |w| is at least this many times the next-largest count as scale-setting outliers.
constexpr double kOutlierRatio = 4.0;

/// Advice on the worst scale-setting outlier of a tensor (the row with the largest ratio), or nullopt when no row
/// has one or the analysis has no FP32 source. When clipping would not raise the row's SNR (one outlier that holds
/// most of the row's energy costs more to clip than the finer codes win), the advice says so instead of offering it. Quantizes that row (and the tensor) under the clipping strategies;
/// safe on any thread. Throws ql::Error only for an unreadable tensor.
std::optional<OutlierAdvice> adviseOutlier(const TensorData &t, const QuantizedTensor &q, const TensorAnalysis &a,
                                           const std::string &file);

} // namespace ql
