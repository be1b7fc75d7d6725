#include "artifacts/lutsaturation.h"

#include <cmath>

namespace {

/// The code the table would store for input x, before clipping (the same rounding as ql::generateLuts).
double unclippedCode(ql::LutKind kind, double x, double outScale)
{
    return std::nearbyint(ql::lutExact(kind, x) / outScale);
}

/// 0 inside the output range, else the limit it clips to (as +1 / -1 for above / below).
int side(ql::LutKind kind, double x, double outScale)
{
    const double v = unclippedCode(kind, x, outScale);
    const double lo = ql::lutSigned(kind) ? -128.0 : 0.0, hi = ql::lutSigned(kind) ? 127.0 : 255.0;
    return v > hi ? 1 : v < lo ? -1 : 0;
}

} // namespace

std::pair<double, double> lutInputRange(ql::LutKind kind, double inScale)
{
    return ql::lutSigned(kind) ? std::pair{-128.0 * inScale, 127.0 * inScale} : std::pair{0.0, 255.0 * inScale};
}

std::vector<LutSaturationEdge> lutSaturationEdges(ql::LutKind kind, double inScale, double outScale)
{
    std::vector<LutSaturationEdge> out;
    if (!(inScale > 0) || !(outScale > 0) || !std::isfinite(inScale) || !std::isfinite(outScale))
        return out;
    const auto [x0, x1] = lutInputRange(kind, inScale);
    constexpr int kSamples = 8192;
    const bool isSigned = ql::lutSigned(kind);
    double prevX = x0;
    int prevSide = side(kind, x0, outScale);
    for (int i = 1; i <= kSamples; ++i) {
        const double x = x0 + (x1 - x0) * double(i) / kSamples;
        const int s = side(kind, x, outScale);
        if (s != prevSide) {
            double a = prevX, b = x;
            for (int it = 0; it < 200 && b - a > 1e-12 * std::max(1.0, std::fabs(b)); ++it) {
                const double m = 0.5 * (a + b);
                (side(kind, m, outScale) == prevSide ? a : b) = m;
            }
            // Entering saturation going up in x means "saturated above"; leaving it means "saturated below".
            const int sat = s != 0 ? s : prevSide;
            const int limit = sat > 0 ? (isSigned ? 127 : 255) : (isSigned ? -128 : 0);
            out.push_back({b, s != 0, limit});
        }
        prevX = x;
        prevSide = s;
    }
    return out;
}
