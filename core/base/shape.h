#pragma once
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

namespace ql {

/// The number of elements of a tensor of this shape (1 for a 0-D tensor).
inline int64_t numelOf(const std::vector<int64_t> &shape)
{
    return std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
}

} // namespace ql
