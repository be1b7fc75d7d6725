#pragma once
// The FP32 weights that ship: q · scale of every quantized tensor, computed from the INT8 bytes the artifacts hold
// (the same quantize()/quantizeTensor() strategies), so an evaluation or an exported file sees exactly what runs
// on-chain. Front ends: `export-dequantized`, `eval` (torch/), the GUI's Evaluate view.
#include "quantization/quantize.h"

#include <optional>
#include <string>
#include <vector>

namespace ql {

struct Session;

/// One tensor's dequantized values (row-major, float32) with what produced them.
struct DequantizedTensor
{
    std::string name;
    std::vector<int64_t> shape;          ///< original
    DType sourceDtype = DType::Float32;  ///< the checkpoint's dtype (values are float32 regardless)
    Strategy strategy;
    std::optional<double> weightSnrDb;   ///< the weight SNR of this quantization (nullopt: all-zero tensor)
    std::vector<float> values;           ///< q[i] · scale(row of i), numel elements
};

/// q · scale of one quantized tensor, from its INT8 values (q.size elements, e.g. result.bytes + q.offset).
/// The product is taken in float32: the row's scale as the float the quantizer divided by (per-tensor scales are
/// float64 in the manifest and rounded to float, as rowScale() does).
DequantizedTensor dequantize(const QuantizedTensor &q, const int8_t *int8);

/// Every quantized tensor of a result that holds its INT8 buffer (result.bytes), in the result's (name) order.
/// Throws an internal Error when the buffer is missing.
std::vector<DequantizedTensor> dequantizeAll(const QuantizeResult &result);

/// Every quantized tensor of an opened session (a checkpoint under its overrides, or an output folder).
std::vector<DequantizedTensor> dequantizeAll(const Session &session);

/// One tensor quantized on its own with the strategy `overrides` gives it (quantizeTensor), then dequantized: the
/// building block of the one-at-a-time sensitivity sweep. Throws an input Error when the checkpoint has no such
/// tensor or the quantizer skips it (0-D, more than 3-D).
DequantizedTensor dequantizeOne(const Checkpoint &checkpoint, const std::string &name, const Overrides &overrides);

/// The checkpoint's own values of a tensor as float32, row-major (converted from its dtype).
std::vector<float> floatValues(const TensorData &tensor);

} // namespace ql
