#pragma once
#include "base/dtype.h"
#include "base/shape.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ql {

/// What every named tensor record has, whether it views a checkpoint's bytes (TensorData) or owns them
/// (OwnedTensor): its name, element type and row-major shape.
struct TensorHeader
{
    std::string name;
    DType dtype = DType::Float32;
    std::vector<int64_t> shape;

    int64_t numel() const { return numelOf(shape); }
};

} // namespace ql
