#pragma once
#include "quantization/quantize.h"

#include <cstdint>
#include <optional>

namespace ql {

/// Where one byte of weights_int8.bin comes from: a tensor and an element of its quantized 2-D view.
struct ByteLocation
{
    int tensor = -1;   ///< index into QuantizeResult::tensors
    int64_t row = 0;   ///< row of the 2-D view (1-D tensors: 0)
    int64_t col = 0;   ///< column of the 2-D view
    bool operator==(const ByteLocation &) const = default;
};

/// Index of the tensor whose bytes contain `offset`, or -1 past the end. O(log n): tensors are contiguous in
/// file order, so the owner is the last tensor starting at or before the offset (empty tensors never own a byte).
int tensorAt(const QuantizeResult &result, uint64_t offset);

/// Tensor, row and column of byte `offset` (row-major, as the kernel reads the weights); nullopt past the end.
std::optional<ByteLocation> locateByte(const QuantizeResult &result, uint64_t offset);

/// Offset in the file of element (row, col) of a tensor; the inverse of locateByte.
uint64_t byteOffsetOf(const QuantizedTensor &tensor, int64_t row, int64_t col);

/// What a stored byte means: q * scale of its row, in float32 as the reference reconstructs it.
float dequantizeByte(const QuantizedTensor &tensor, int64_t row, int8_t q);

/// Everything the inspector says about one byte: its place, and its value when the bytes are in memory.
struct ByteInfo
{
    uint64_t offset = 0;
    ByteLocation location;
    int shard = -1;
    std::optional<int8_t> value;      ///< absent when result.bytes does not hold the buffer
    std::optional<float> dequantized; ///< value * row scale
};
std::optional<ByteInfo> describeByte(const QuantizeResult &result, uint64_t offset);

} // namespace ql
