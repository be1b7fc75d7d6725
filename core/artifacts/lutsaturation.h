#pragma once
#include "artifacts/luts.h"

#include <vector>

/// Where a table's continuous input crosses into saturation: SPEC §6's "softplus saturates at +127 for x ≳ 3.97"
/// is such an edge. Saturated means f(x)/out_scale rounds outside the output range, exactly as the table rounds.
struct LutSaturationEdge
{
    double x = 0;          ///< the input where saturation starts (to 1e-12 relative)
    bool aboveSaturates = true; ///< saturated for inputs above x (false: below x)
    int limit = 0;         ///< the code it clips to: 127, -128, 255 or 0
};

/// The edges over the table's input range, in ascending x. Sampled densely and refined by bisection; the four
/// functions are monotonic near their range limits, so no edge falls between two samples unseen.
std::vector<LutSaturationEdge> lutSaturationEdges(ql::LutKind kind, double inScale, double outScale);

/// Input range of a table: [-128, 127] * in_scale for signed tables, [0, 255] * in_scale for unsigned ones.
std::pair<double, double> lutInputRange(ql::LutKind kind, double inScale);
