#pragma once
#include "quantization/quantize.h"

#include <cstddef>
#include <vector>

namespace ql {

/// Every scale a tensor divides by: one per row for per-channel layouts, the single scale otherwise.
std::vector<double> scalesOf(const QuantizedTensor &t);

/// True for the scale the quantizer gives a row whose |w| max is under its 1e-8 floor (an all-zero row): such a
/// scale says "exact zeros", not "a tiny but real range".
bool isFloorScale(double scale);

/// How far apart the scales of a whole model are, which is what INT8 accumulation across layers has to live with.
/// Floor scales are counted apart so that they do not stretch the range.
struct ModelScaleStats
{
    std::size_t scales = 0;  ///< every scale of every tensor
    std::size_t tensors = 0; ///< tensors with at least one scale
    std::size_t floored = 0; ///< scales at the floor (all-zero rows)
    double min = 0;          ///< smallest scale above the floor (= max when every scale is at the floor; 0 if none)
    double max = 0;          ///< largest scale
    /// log10(max / min): the spread in decades, 0 when there is nothing to compare.
    double decades() const;
};
ModelScaleStats modelScaleStats(const QuantizeResult &r);

} // namespace ql
