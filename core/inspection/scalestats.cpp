#include "inspection/scalestats.h"

#include "quantization/kernels.h"

#include <algorithm>
#include <cmath>

namespace ql {

std::vector<double> scalesOf(const QuantizedTensor &t)
{
    if (t.strategy.layout == ScaleLayout::PerChannel)
        return {t.scales.begin(), t.scales.end()};
    return {t.scale};
}

bool isFloorScale(double scale)
{
    // Per-channel scales are stored as float32: the tolerance covers the rounding of 1e-8/127 to float.
    return scale <= kernels::tensorScale(0.0) * 1.0001;
}

double ModelScaleStats::decades() const
{
    return min > 0 && max > min ? std::log10(max / min) : 0.0;
}

ModelScaleStats modelScaleStats(const QuantizeResult &r)
{
    ModelScaleStats s;
    bool haveReal = false;
    for (const auto &t : r.tensors) {
        const auto v = scalesOf(t);
        if (v.empty())
            continue;
        ++s.tensors;
        for (double x : v) {
            s.max = s.scales ? std::max(s.max, x) : x;
            ++s.scales;
            if (isFloorScale(x)) {
                ++s.floored;
                continue;
            }
            s.min = haveReal ? std::min(s.min, x) : x;
            haveReal = true;
        }
    }
    if (!haveReal)
        s.min = s.max;
    return s;
}

} // namespace ql
