#pragma once
#include "base/tensorheader.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ql {

/// One named tensor of a checkpoint: a strided view into bytes that another object (a file map) keeps alive.
struct TensorData : TensorHeader
{
    std::vector<int64_t> strides;    ///< in elements
    int64_t storageOffset = 0;       ///< in elements
    std::span<const std::byte> storage; ///< the whole storage
    bool bigEndian = false;
    std::string storageKey;          ///< tensors sharing a key share bytes (tied weights)

    std::size_t dims() const { return shape.size(); }
    /// Row-major contiguous, little endian: elements can be read straight from storage.
    bool isContiguous() const;
    /// Pointer to the first element (only meaningful when isContiguous()).
    const std::byte *firstByte() const { return storage.data() + storageOffset * int64_t(dtypeSize(dtype)); }
    /// Checks offset/shape/strides against the storage size; throws an input Error naming file and tensor.
    void validate(const std::string &file) const;
};

/// Copies elements [begin, begin+count) in row-major order into out, converting to float.
void readAsFloat(const TensorData &t, int64_t begin, int64_t count, float *out);
/// The same, converting to double (integer tensors are quantized in float64, as the reference does).
void readAsDouble(const TensorData &t, int64_t begin, int64_t count, double *out);

/// IEEE half / bfloat16 to float.
float halfToFloat(uint16_t h);
float bfloat16ToFloat(uint16_t h);

} // namespace ql
