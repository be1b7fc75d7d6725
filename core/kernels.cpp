#include "kernels.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace ql::kernels {

namespace ref {
AbsMax absMax(const float *w, int64_t n)
{
    AbsMax r;
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(w[i]))
            r.nonFinite = true;
        else
            r.value = std::max(r.value, std::fabs(w[i]));
    }
    return r;
}

void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st)
{
    for (int64_t i = 0; i < n; ++i) {
        const float v = std::nearbyint(w[i] / scale); // default rounding mode: half to even
        const float c = std::clamp(v, -128.0f, 127.0f);
        if (q)
            q[i] = static_cast<int8_t>(c);
        const float rec = c * scale;
        const float err = w[i] - rec;
        st.signal += double(w[i]) * double(w[i]);
        st.noise += double(err) * double(err);
        st.maxAbsErr = std::max(st.maxAbsErr, double(std::fabs(err)));
    }
    st.count += n;
}

double absMax(const double *w, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; ++i)
        m = std::max(m, std::fabs(w[i]));
    return m;
}

void quantize(const double *w, int64_t n, double scale, float storedScale, int8_t *q, ErrorStats &st)
{
    for (int64_t i = 0; i < n; ++i) {
        const double c = std::clamp(std::nearbyint(w[i] / scale), -128.0, 127.0);
        if (q)
            q[i] = static_cast<int8_t>(c);
        const double rec = double(float(c) * storedScale);
        const double err = w[i] - rec;
        st.signal += w[i] * w[i];
        st.noise += err * err;
        st.maxAbsErr = std::max(st.maxAbsErr, std::fabs(err));
    }
    st.count += n;
}
} // namespace ref

// The fast paths avoid branches and libm calls so GCC vectorises them: |w| compared as integers (the order of
// non-negative finite floats equals the order of their bits), round-half-even by adding and subtracting 1.5*2^23
// (exact for |v| <= 2^22 in the default rounding mode), clamping before rounding (same result: rounding is monotone
// and the bounds are integers), and eight independent double accumulators.

__attribute__((target_clones("avx2", "default"))) AbsMax absMax(const float *w, int64_t n)
{
    uint32_t m[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) {
            uint32_t b;
            std::memcpy(&b, w + i + k, 4);
            b &= 0x7fffffffu;
            m[k] = b > m[k] ? b : m[k];
        }
    uint32_t r = 0;
    for (int k = 0; k < 8; ++k)
        r = m[k] > r ? m[k] : r;
    for (; i < n; ++i) {
        uint32_t b;
        std::memcpy(&b, w + i, 4);
        b &= 0x7fffffffu;
        r = b > r ? b : r;
    }
    AbsMax out;
    if (r >= 0x7f800000u) { // an Inf or NaN was the largest bit pattern: find the largest finite value the slow way
        out = ref::absMax(w, n);
        out.nonFinite = true;
        return out;
    }
    out.value = std::bit_cast<float>(r);
    return out;
}

__attribute__((target_clones("avx2", "default"))) void quantize(const float *w, int64_t n, float scale, int8_t *q,
                                                                ErrorStats &st)
{
    constexpr float kMagic = 12582912.0f; // 1.5 * 2^23
    double sig[8] = {}, noi[8] = {};
    float mx[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; ++k) {
            const float x = w[i + k];
            float v = x / scale;
            v = v < -128.0f ? -128.0f : v;
            v = v > 127.0f ? 127.0f : v;
            const float r = (v + kMagic) - kMagic;
            if (q)
                q[i + k] = static_cast<int8_t>(static_cast<int32_t>(r));
            const float e = x - r * scale;
            sig[k] += double(x) * double(x);
            noi[k] += double(e) * double(e);
            const float ae = std::fabs(e);
            mx[k] = ae > mx[k] ? ae : mx[k];
        }
    }
    ErrorStats tail;
    ref::quantize(w + i, n - i, scale, q ? q + i : nullptr, tail);
    for (int k = 0; k < 8; ++k) {
        st.signal += sig[k];
        st.noise += noi[k];
        st.maxAbsErr = std::max(st.maxAbsErr, double(mx[k]));
    }
    st.signal += tail.signal;
    st.noise += tail.noise;
    st.maxAbsErr = std::max(st.maxAbsErr, tail.maxAbsErr);
    st.count += i + tail.count;
}

int64_t firstNonFinite(const float *w, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(w[i]))
            return i;
    return -1;
}

} // namespace ql::kernels
