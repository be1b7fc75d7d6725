// The clip thresholds of the percentile and MSE strategies (quantize.h: absPercentile, searchMseClip).
#include "quantization/kernels.h"
#include "quantization/quantize.h"

#include <algorithm>
#include <cmath>

namespace ql {

double absPercentile(const float *w, int64_t n, double percentile)
{
    if (n <= 0)
        return 0.0;
    std::vector<float> a(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        a[static_cast<std::size_t>(i)] = std::fabs(w[i]);
    const double pos = percentile / 100.0 * double(n - 1);
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
