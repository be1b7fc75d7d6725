#include "inspection/bytemap.h"

#include <algorithm>

namespace ql {

int tensorAt(const QuantizeResult &result, uint64_t offset)
{
    const auto &ts = result.tensors;
    // upper_bound on offsets: everything before `it` starts at or before `offset`.
    auto it = std::upper_bound(ts.begin(), ts.end(), offset,
                               [](uint64_t o, const QuantizedTensor &t) { return o < t.offset; });
    // Walk back over empty tensors: they share their offset with the next tensor and own no byte.
    while (it != ts.begin()) {
        --it;
        if (it->size == 0)
            continue;
        return offset < it->offset + it->size ? int(it - ts.begin()) : -1;
    }
    return -1;
}

std::optional<ByteLocation> locateByte(const QuantizeResult &result, uint64_t offset)
{
    const int i = tensorAt(result, offset);
    if (i < 0)
        return std::nullopt;
    const QuantizedTensor &t = result.tensors[std::size_t(i)];
    const uint64_t local = offset - t.offset;
    // A 1-D tensor is one row; cols is never 0 for a tensor that owns bytes, but a malformed result must not divide
    // by zero.
    const uint64_t cols = t.cols > 0 ? uint64_t(t.cols) : t.size;
    return ByteLocation{i, int64_t(local / cols), int64_t(local % cols)};
}

uint64_t byteOffsetOf(const QuantizedTensor &tensor, int64_t row, int64_t col)
{
    return tensor.offset + uint64_t(row) * uint64_t(tensor.cols) + uint64_t(col);
}

float dequantizeByte(const QuantizedTensor &tensor, int64_t row, int8_t q)
{
    return float(q) * tensor.rowScale(row);
}

std::optional<ByteInfo> describeByte(const QuantizeResult &result, uint64_t offset)
{
    const auto loc = locateByte(result, offset);
    if (!loc)
        return std::nullopt;
    ByteInfo info;
    info.offset = offset;
    info.location = *loc;
    info.shard = shardOf(result.shards, offset);
    if (offset < result.bytes.size()) {
        const int8_t q = result.bytes[offset];
        info.value = q;
        info.dequantized = dequantizeByte(result.tensors[std::size_t(loc->tensor)], loc->row, q);
    }
    return info;
}

} // namespace ql
