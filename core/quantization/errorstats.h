#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace ql {

/// Mergeable reconstruction-error statistics (sums, not means), so rows, threads and tensors roll up exactly.
struct ErrorStats
{
    double signal = 0.0;    ///< sum of w^2
    double noise = 0.0;     ///< sum of (w - q*scale)^2
    double maxAbsErr = 0.0; ///< max |w - q*scale|
    int64_t count = 0;

    void merge(const ErrorStats &o)
    {
        signal += o.signal;
        noise += o.noise;
        maxAbsErr = std::max(maxAbsErr, o.maxAbsErr);
        count += o.count;
    }
    double meanSignal() const { return count ? signal / double(count) : 0.0; }
    double mse() const { return count ? noise / double(count) : 0.0; }
    /// 10*log10(signal / max(noise, 1e-10)); nullopt for an all-zero (or empty) tensor, where it is -inf.
    std::optional<double> snrDb() const
    {
        if (count == 0 || signal <= 0.0)
            return std::nullopt;
        return 10.0 * std::log10(meanSignal() / std::max(mse(), 1e-10));
    }
    double relativeErrorPct() const
    {
        return 100.0 * std::sqrt(mse()) / std::max(std::sqrt(meanSignal()), 1e-10);
    }
};

} // namespace ql
