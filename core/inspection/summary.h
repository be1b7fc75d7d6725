#pragma once
#include "quantization/quantize.h"

#include <string>

namespace ql {

/// The figures the seed's script prints after quantizing, as data: both front ends format these.
Json summaryJson(const QuantizeResult &r);

/// One line per tensor for `inspect` and the layer table: the same fields, in the same units.
Json tensorRowJson(const QuantizeResult &r, const QuantizedTensor &t);

/// The seed's quality bands: > 40 excellent, 30-40 good, 20-30 acceptable, < 20 investigate.
enum class SnrBand { Excellent, Good, Acceptable, Investigate, Undefined, Last = Undefined };
/// The one definition of the band limits (dB): every front end, plot line and legend reads these.
struct SnrBandLimits
{
    static constexpr double excellentAbove = 40; ///< strictly above
    static constexpr double goodFrom = 30;       ///< at or above
    static constexpr double acceptableFrom = 20; ///< at or above
};
/// "excellent (> 40 dB)", "good (30-40 dB)", ... built from SnrBandLimits.
std::string snrBandDescription(SnrBand b);

/// The seed's mean SNR counts every matrix; a tensor whose low SNR is only a near-zero signal (or so few values
/// that one decides it) drags it down without any damage. Both front ends show both means, labelled.
struct SignalSnrSummary
{
    int carrying = 0;   ///< matrices whose SNR measures real signal
    int excluded = 0;   ///< matrices left out (near-zero signal, tiny)
    double meanSnr = 0; ///< over the carrying ones
    double minSnr = 0;
};
SignalSnrSummary signalSnrSummary(const QuantizeResult &r);
SnrBand snrBand(const std::optional<double> &snr);
const char *snrBandName(SnrBand b);

/// 1234567 -> "1,234,567"; bytes -> "4.15 MiB".
std::string groupDigits(uint64_t v);
std::string humanBytes(uint64_t v);
std::string shapeText(const std::vector<int64_t> &shape);

} // namespace ql
