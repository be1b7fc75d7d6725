#pragma once
#include "quantization/quantize.h"

#include <string>

namespace ql {

/// The figures the seed's script prints after quantizing, as data: both front ends format these.
Json summaryJson(const QuantizeResult &r);

/// One line per tensor for `inspect` and the layer table: the same fields, in the same units.
Json tensorRowJson(const QuantizeResult &r, const QuantizedTensor &t);

/// The seed's quality bands: > 40 excellent, 30-40 good, 20-30 acceptable, < 20 investigate.
enum class SnrBand { Excellent, Good, Acceptable, Investigate, Undefined };
SnrBand snrBand(const std::optional<double> &snr);
const char *snrBandName(SnrBand b);

/// 1234567 -> "1,234,567"; bytes -> "4.15 MiB".
std::string groupDigits(uint64_t v);
std::string humanBytes(uint64_t v);
std::string shapeText(const std::vector<int64_t> &shape);

} // namespace ql
