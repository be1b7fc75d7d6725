#include "quantization/dequantize.h"

#include "base/errors.h"
#include "session/session.h"

namespace ql {

DequantizedTensor dequantize(const QuantizedTensor &q, const int8_t *int8)
{
    DequantizedTensor d;
    d.name = q.name;
    d.shape = q.shape;
    d.sourceDtype = q.dtype;
    d.strategy = q.strategy;
    d.weightSnrDb = q.stats.snrDb();
    d.values.resize(static_cast<std::size_t>(q.size));
    for (int64_t r = 0; r < q.rows; ++r) {
        const float s = q.rowScale(r);
        const std::size_t base = static_cast<std::size_t>(r * q.cols);
        for (int64_t c = 0; c < q.cols; ++c)
            d.values[base + std::size_t(c)] = float(int8[base + std::size_t(c)]) * s;
    }
    return d;
}

std::vector<DequantizedTensor> dequantizeAll(const QuantizeResult &result)
{
    if (result.bytes.size() != result.totalBytes)
        throw Error(ErrorKind::Internal,
                    "the INT8 buffer is not in memory (" + std::to_string(result.bytes.size()) + " of " +
                        std::to_string(result.totalBytes) + " bytes); quantize without a sink to dequantize",
                    result.sourcePath);
    std::vector<DequantizedTensor> out;
    out.reserve(result.tensors.size());
    for (const auto &q : result.tensors)
        out.push_back(dequantize(q, result.codes(q).data()));
    return out;
}

std::vector<DequantizedTensor> dequantizeAll(const Session &session)
{
    if (!session.result)
        throw Error(ErrorKind::Internal, "the session holds no quantization result", session.path.string());
    return dequantizeAll(*session.result);
}

DequantizedTensor dequantizeOne(const Checkpoint &checkpoint, const std::string &name, const Overrides &overrides)
{
    const std::string file = checkpoint.path.string();
    const TensorData *t = checkpoint.find(name);
    if (!t)
        throw inputError("no such tensor in the checkpoint", file, name);
    if (t->shape.empty() || t->shape.size() > 3)
        throw inputError(std::to_string(t->shape.size()) + "-D tensors are not quantized (the reference skips them)",
                         file, name);
    std::vector<int8_t> int8(static_cast<std::size_t>(t->numel()));
    QuantizedTensor q = quantizeTensor(*t, overrides.strategyFor(name, t->shape.size()), int8.data(), file, false);
    return dequantize(q, int8.data());
}

std::vector<float> floatValues(const TensorData &tensor)
{
    std::vector<float> v(static_cast<std::size_t>(tensor.numel()));
    readAsFloat(tensor, 0, tensor.numel(), v.data());
    return v;
}

} // namespace ql
