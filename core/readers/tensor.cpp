#include "readers/tensor.h"

#include "base/errors.h"

#include <bit>
#include <cstring>
#include <limits>

namespace ql {

bool TensorData::isContiguous() const
{
    if (bigEndian && dtypeSize(dtype) > 1)
        return false;
    int64_t expect = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        if (shape[i] != 1 && strides[i] != expect)
            return false;
        expect *= shape[i];
    }
    return true;
}

void TensorData::validate(const std::string &file) const
{
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 16;
    if (shape.size() != strides.size())
        throw inputError("shape and strides have different ranks", file, name);
    int64_t n = 1;
    int64_t lastIndex = storageOffset; // largest element index touched
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0 || strides[i] < 0)
            throw inputError("negative size or stride", file, name);
        if (shape[i] != 0 && n > kMax / shape[i])
            throw inputError("element count overflows", file, name);
        n *= shape[i];
        if (shape[i] > 0) {
            if (strides[i] != 0 && (shape[i] - 1) > kMax / strides[i])
                throw inputError("stride overflows", file, name);
            lastIndex += (shape[i] - 1) * strides[i];
            if (lastIndex > kMax)
                throw inputError("stride overflows", file, name);
        }
    }
    const auto elems = static_cast<int64_t>(storage.size() / dtypeSize(dtype));
    if (n > 0 && lastIndex >= elems)
        throw inputError("view reaches element " + std::to_string(lastIndex) + " but its storage '" + storageKey +
                             "' holds only " + std::to_string(elems) + " " + dtypeName(dtype) +
                             " elements (truncated or corrupt file)",
                         file, name);
    if (storageOffset > elems)
        throw inputError("storage offset beyond the storage", file, name);
    // Overlapping strides (0 or smaller than the extent below) let a few stored bytes claim any element count:
    // a 4-byte storage with stride 0 "holds" 10^15 elements. torch.save of an expand()ed tensor writes exactly such
    // a view, so one is accepted up to kMaxBroadcastElements (what quantizing it materialises: one INT8 byte per
    // element, the float rows by block); the checkpoint-wide bound of elements per file byte still applies.
    constexpr int64_t kMaxBroadcastElements = int64_t(1) << 26;
    if (n > elems && n > kMaxBroadcastElements)
        throw inputError("view has " + std::to_string(n) + " elements but its storage '" + storageKey + "' holds only " +
                             std::to_string(elems) + " (overlapping or broadcast views are accepted up to " + std::to_string(kMaxBroadcastElements) +
                             " elements)",
                         file, name);
}

float halfToFloat(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0)
            bits = sign;
        else { // subnormal: normalise
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ff;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f)
        bits = sign | 0x7f800000u | (mant << 13);
    else
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    return std::bit_cast<float>(bits);
}

float bfloat16ToFloat(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

namespace {

template <typename T>
T load(const std::byte *p, bool swap)
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    if (swap && sizeof(T) > 1) {
        auto *b = reinterpret_cast<unsigned char *>(&v);
        for (std::size_t i = 0; i < sizeof(T) / 2; ++i)
            std::swap(b[i], b[sizeof(T) - 1 - i]);
    }
    return v;
}

template <typename Out>
Out element(const TensorData &t, const std::byte *p)
{
    const bool sw = t.bigEndian;
    switch (t.dtype) {
    case DType::Float32:
        return static_cast<Out>(load<float>(p, sw));
    case DType::Float64:
        return static_cast<Out>(load<double>(p, sw));
    case DType::Float16:
        return static_cast<Out>(halfToFloat(load<uint16_t>(p, sw)));
    case DType::BFloat16:
        return static_cast<Out>(bfloat16ToFloat(load<uint16_t>(p, sw)));
    case DType::Int64:
        return static_cast<Out>(load<int64_t>(p, sw));
    case DType::Int32:
        return static_cast<Out>(load<int32_t>(p, sw));
    case DType::Int16:
        return static_cast<Out>(load<int16_t>(p, sw));
    case DType::Int8:
        return static_cast<Out>(load<int8_t>(p, sw));
    case DType::UInt8:
    case DType::Bool:
        return static_cast<Out>(load<uint8_t>(p, sw));
    }
    return 0;
}

template <typename Out>
void readAs(const TensorData &t, int64_t begin, int64_t count, Out *out)
{
    const auto esize = static_cast<int64_t>(dtypeSize(t.dtype));
    const std::byte *base = t.storage.data();
    if (t.isContiguous()) {
        const std::byte *p = base + (t.storageOffset + begin) * esize;
        if constexpr (std::is_same_v<Out, float>)
            if (t.dtype == DType::Float32) {
                std::memcpy(out, p, static_cast<std::size_t>(count) * 4);
                return;
            }
        for (int64_t i = 0; i < count; ++i)
            out[i] = element<Out>(t, p + i * esize);
        return;
    }
    // Strided: walk a multi-index starting at `begin`.
    const std::size_t nd = t.shape.size();
    std::vector<int64_t> idx(nd, 0);
    int64_t rem = begin;
    for (std::size_t d = nd; d-- > 0;) {
        if (t.shape[d] == 0)
            return;
        idx[d] = rem % t.shape[d];
        rem /= t.shape[d];
    }
    int64_t off = t.storageOffset;
    for (std::size_t d = 0; d < nd; ++d)
        off += idx[d] * t.strides[d];
    for (int64_t i = 0; i < count; ++i) {
        out[i] = element<Out>(t, base + off * esize);
        for (std::size_t d = nd; d-- > 0;) {
            if (++idx[d] < t.shape[d]) {
                off += t.strides[d];
                break;
            }
            off -= (t.shape[d] - 1) * t.strides[d];
            idx[d] = 0;
        }
    }
}
} // namespace

void readAsFloat(const TensorData &t, int64_t begin, int64_t count, float *out) { readAs(t, begin, count, out); }
void readAsDouble(const TensorData &t, int64_t begin, int64_t count, double *out) { readAs(t, begin, count, out); }

} // namespace ql
