// The clip thresholds of the percentile and MSE strategies (quantize.h: absPercentile, searchMseClip).
#include "quantization/kernels.h"
#include "quantization/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ql {

namespace {
/// |x|'s bit pattern: for non-negative floats the patterns order as the values do.
uint32_t absBits(float x)
{
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u & 0x7fffffffu;
}

float fromBits(uint32_t u)
{
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

/// The k-th smallest |w[i]| (0-based) as a bit pattern, by a radix select over the 31 bits in three passes of 11, 10
/// and 10 bits: each pass counts only the values that share the digits chosen so far. Reads w three times and copies
/// nothing (the copy of |w| it replaces was 4 bytes per element of the tensor being tried: 64 MiB at 16M values).
uint32_t kthAbsBits(const float *w, int64_t n, uint64_t k)
{
    constexpr int kShift[3] = {20, 10, 0};
    constexpr int kWidth[3] = {11, 10, 10};
    uint32_t prefix = 0, prefixMask = 0;
    for (int pass = 0; pass < 3; ++pass) {
        const uint32_t digitMask = (1u << kWidth[pass]) - 1;
        std::vector<uint64_t> counts(std::size_t(digitMask) + 1);
        for (int64_t i = 0; i < n; ++i) {
            const uint32_t b = absBits(w[i]);
            if ((b & prefixMask) == prefix)
                ++counts[(b >> kShift[pass]) & digitMask];
        }
        uint32_t digit = 0;
        while (k >= counts[digit])
            k -= counts[digit++];
        prefix |= digit << kShift[pass];
        prefixMask |= digitMask << kShift[pass];
    }
    return prefix;
}
} // namespace

double absPercentile(const float *w, int64_t n, double percentile)
{
    if (n <= 0)
        return 0.0;
    const double pos = percentile / 100.0 * double(n - 1);
    if (n >= kSelectInPlaceFrom) {
        // The same order statistics as the sort below, without a copy of the tensor.
        const auto lo = static_cast<uint64_t>(std::floor(pos));
        const uint32_t loBits = kthAbsBits(w, n, lo);
        const double vlo = fromBits(loBits);
        if (lo + 1 >= uint64_t(n) || pos == double(lo))
            return vlo;
        // The (lo+1)-th: vlo again when more than lo+1 values are <= vlo, else the smallest one above it.
        uint64_t atMost = 0;
        uint32_t above = std::numeric_limits<uint32_t>::max();
        for (int64_t i = 0; i < n; ++i) {
            const uint32_t b = absBits(w[i]);
            if (b <= loBits)
                ++atMost;
            else
                above = std::min(above, b);
        }
        const double vhi = atMost > lo + 1 ? vlo : double(fromBits(above));
        return vlo + (vhi - vlo) * (pos - double(lo));
    }
    std::vector<float> a(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        a[static_cast<std::size_t>(i)] = std::fabs(w[i]);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(lo), a.end());
    const double vlo = a[lo];
    if (lo + 1 >= a.size() || pos == double(lo))
        return vlo;
    const double vhi = *std::min_element(a.begin() + static_cast<std::ptrdiff_t>(lo) + 1, a.end());
    return vlo + (vhi - vlo) * (pos - double(lo));
}

float searchMseClip(const float *w, int64_t n, float absmax, const std::function<float(float)> &scaleOf)
{
    if (absmax <= 0.0f || n <= 0)
        return absmax;
    auto noiseAt = [&](float c) { return kernels::noise(w, n, scaleOf(c)); };
    float best = absmax;
    double bestNoise = noiseAt(absmax);
    // Coarse grid down to 30% of absmax, then a fine one around the best; strict '<' keeps absmax on ties.
    double bestRatio = 1.0;
    for (int k = 1; k <= 35; ++k) {
        const double ratio = 1.0 - 0.02 * k;
        const float c = float(absmax * ratio);
        const double e = noiseAt(c);
        if (e < bestNoise) {
            bestNoise = e;
            best = c;
            bestRatio = ratio;
        }
    }
    for (int k = -9; k <= 9; ++k) {
        const double ratio = bestRatio + 0.002 * k;
        if (k == 0 || ratio >= 1.0 || ratio <= 0.0)
            continue;
        const float c = float(absmax * ratio);
        const double e = noiseAt(c);
        if (e < bestNoise) {
            bestNoise = e;
            best = c;
        }
    }
    return best;
}

} // namespace ql
