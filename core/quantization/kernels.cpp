#include "quantization/kernels.h"

#include <bit>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

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

// generic:: avoids branches and libm calls so GCC vectorises it for the baseline ISA: |w| compared as integers (the
// order of non-negative finite floats equals the order of their bits), round-half-even by adding and subtracting
// 1.5*2^23 (exact for |v| <= 2^22 in the default rounding mode), clamping before rounding (same result: rounding is
// monotone and the bounds are integers), and eight independent double accumulators.
namespace {
/// The result of an absMax scan from the largest |w| bit pattern seen (sign bit cleared); an Inf or NaN pattern means
/// the largest finite value has to be found the slow way.
AbsMax fromLargestBits(uint32_t r, const float *w, int64_t n)
{
    if (r >= 0x7f800000u) {
        AbsMax out = ref::absMax(w, n);
        out.nonFinite = true;
        return out;
    }
    AbsMax out;
    out.value = std::bit_cast<float>(r);
    return out;
}
} // namespace

namespace generic {
AbsMax absMax(const float *w, int64_t n)
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
    return fromLargestBits(r, w, n);
}

void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *)
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

double noise(const float *w, int64_t n, float scale)
{
    ErrorStats st;
    quantize(w, n, scale, nullptr, st);
    return st.noise;
}
} // namespace generic

#if defined(__x86_64__) || defined(__i386__)

// avx2:: spells the same operations out in intrinsics, so the speed does not hang on what the vectoriser makes of
// the loops: a true division (a reciprocal multiply would change q), vroundps to nearest-even, clamp before rounding,
// then rec = r*scale and e = w - rec as two float operations: an empty asm makes rec opaque, so no -ffp-contract
// setting can fuse them into one FMA, which would change e. w^2 and e^2 are exact in double (24-bit significands),
// so accumulating them with FMA gives the same sums as multiply-then-add; only the order of the double additions
// differs from ref::.
// Tails use masked loads: masked lanes read +0, which quantizes to 0 with error 0 and adds nothing to any statistic.
#define QL_AVX2 __attribute__((target("avx2,fma")))
#define QL_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

namespace avx2 {
namespace {
QL_AVX2_INLINE __m256i laneMask(int64_t active) // lanes [0, active) set, active in [0, 8]
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(active)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

QL_AVX2_INLINE __m256i bits(const float *p)
{
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
}

QL_AVX2_INLINE uint32_t hmaxU31(__m256i m) // lanes hold values < 2^31, so a signed max is an unsigned one
{
    __m128i x = _mm_max_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    x = _mm_max_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 3, 2)));
    x = _mm_max_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
    return static_cast<uint32_t>(_mm_cvtsi128_si32(x));
}

struct Acc
{
    __m256d sig0, sig1, noi0, noi1;
    __m256 mx;
};

QL_AVX2_INLINE void zero(Acc &a)
{
    a.sig0 = a.sig1 = a.noi0 = a.noi1 = _mm256_setzero_pd();
    a.mx = _mm256_setzero_ps();
}

/// One vector of 8: returns the rounded, clamped quotients (integral floats) and accumulates the statistics
/// (only the noise unless Full; the noise sums are the same either way).
template <bool Full = true>
QL_AVX2_INLINE __m256 step(__m256 x, __m256 vs, Acc &a)
{
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 v = _mm256_div_ps(x, vs);
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-128.0f)), _mm256_set1_ps(127.0f));
    const __m256 r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 rec = _mm256_mul_ps(r, vs);
    __asm__("" : "+x"(rec));
    const __m256 e = _mm256_sub_ps(x, rec);
    if constexpr (Full) {
        a.mx = _mm256_max_ps(a.mx, _mm256_and_ps(e, absMask));
        const __m256d xl = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
        const __m256d xh = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
        a.sig0 = _mm256_fmadd_pd(xl, xl, a.sig0);
        a.sig1 = _mm256_fmadd_pd(xh, xh, a.sig1);
    }
    const __m256d el = _mm256_cvtps_pd(_mm256_castps256_ps128(e));
    const __m256d eh = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));
    a.noi0 = _mm256_fmadd_pd(el, el, a.noi0);
    a.noi1 = _mm256_fmadd_pd(eh, eh, a.noi1);
    return r;
}

/// 8 integral floats in [-128, 127] -> 8 int8 in the low 64 bits.
QL_AVX2_INLINE __m128i pack8(__m256 r)
{
    const __m256i i = _mm256_cvttps_epi32(r);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    return _mm_packs_epi16(w, w);
}

QL_AVX2_INLINE double hsum(__m256d v)
{
    alignas(32) double d[4];
    _mm256_store_pd(d, v);
    return (d[0] + d[1]) + (d[2] + d[3]);
}

template <bool Store, bool Full = true>
QL_AVX2 void quantizeT(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next = nullptr)
{
    const __m256 vs = _mm256_set1_ps(scale);
    Acc a0, a1;
    zero(a0);
    zero(a1);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        if (next) { // the next row's same two cache lines: its absMax pass then reads L1/L2, not DRAM
            _mm_prefetch(reinterpret_cast<const char *>(next + i), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char *>(next + i + 16), _MM_HINT_T0);
        }
        const __m256 r0 = step<Full>(_mm256_loadu_ps(w + i), vs, a0);
        const __m256 r1 = step<Full>(_mm256_loadu_ps(w + i + 8), vs, a1);
        const __m256 r2 = step<Full>(_mm256_loadu_ps(w + i + 16), vs, a0);
        const __m256 r3 = step<Full>(_mm256_loadu_ps(w + i + 24), vs, a1);
        if constexpr (Store) {
            // packs work within 128-bit lanes: the bytes come out as 4-byte groups 0,2,4,6,1,3,5,7; put them back.
            const __m256i p01 = _mm256_packs_epi32(_mm256_cvttps_epi32(r0), _mm256_cvttps_epi32(r1));
            const __m256i p23 = _mm256_packs_epi32(_mm256_cvttps_epi32(r2), _mm256_cvttps_epi32(r3));
            const __m256i b = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23),
                                                          _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(q + i), b);
        }
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 r = step<Full>(_mm256_loadu_ps(w + i), vs, a0);
        if constexpr (Store)
            _mm_storel_epi64(reinterpret_cast<__m128i *>(q + i), pack8(r));
    }
    if (i < n) {
        const __m256 r = step<Full>(_mm256_maskload_ps(w + i, laneMask(n - i)), vs, a1);
        if constexpr (Store) {
            alignas(8) int8_t t[8];
            _mm_storel_epi64(reinterpret_cast<__m128i *>(t), pack8(r));
            std::memcpy(q + i, t, static_cast<std::size_t>(n - i));
        }
    }
    const double sig = hsum(_mm256_add_pd(_mm256_add_pd(a0.sig0, a0.sig1), _mm256_add_pd(a1.sig0, a1.sig1)));
    const double noi = hsum(_mm256_add_pd(_mm256_add_pd(a0.noi0, a0.noi1), _mm256_add_pd(a1.noi0, a1.noi1)));
    const __m256 m = _mm256_max_ps(a0.mx, a1.mx);
    st.signal += sig;
    st.noise += noi;
    st.maxAbsErr = std::max(st.maxAbsErr, double(std::bit_cast<float>(hmaxU31(_mm256_castps_si256(m)))));
    st.count += n;
}
} // namespace

QL_AVX2 AbsMax absMax(const float *w, int64_t n)
{
    const __m256i absMask = _mm256_set1_epi32(0x7fffffff);
    __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        m0 = _mm256_max_epi32(m0, _mm256_and_si256(bits(w + i), absMask));
        m1 = _mm256_max_epi32(m1, _mm256_and_si256(bits(w + i + 8), absMask));
        m2 = _mm256_max_epi32(m2, _mm256_and_si256(bits(w + i + 16), absMask));
        m3 = _mm256_max_epi32(m3, _mm256_and_si256(bits(w + i + 24), absMask));
    }
    for (; i + 8 <= n; i += 8)
        m0 = _mm256_max_epi32(m0, _mm256_and_si256(bits(w + i), absMask));
    if (i < n)
        m1 = _mm256_max_epi32(m1, _mm256_and_si256(_mm256_castps_si256(_mm256_maskload_ps(w + i, laneMask(n - i))),
                                                   absMask));
    const uint32_t r = hmaxU31(_mm256_max_epi32(_mm256_max_epi32(m0, m1), _mm256_max_epi32(m2, m3)));
    return fromLargestBits(r, w, n);
}

void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next)
{
    if (q)
        quantizeT<true>(w, n, scale, q, st, next);
    else
        quantizeT<false>(w, n, scale, q, st, next);
}

double noise(const float *w, int64_t n, float scale)
{
    ErrorStats st;
    quantizeT<false, false>(w, n, scale, nullptr, st);
    return st.noise;
}
} // namespace avx2

bool hasAvx2()
{
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

#else

namespace avx2 {
AbsMax absMax(const float *w, int64_t n) { return generic::absMax(w, n); }
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next)
{
    generic::quantize(w, n, scale, q, st, next);
}
double noise(const float *w, int64_t n, float scale) { return generic::noise(w, n, scale); }
} // namespace avx2

bool hasAvx2() { return false; }

#endif

AbsMax absMax(const float *w, int64_t n) { return hasAvx2() ? avx2::absMax(w, n) : generic::absMax(w, n); }

void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next)
{
    if (hasAvx2())
        avx2::quantize(w, n, scale, q, st, next);
    else
        generic::quantize(w, n, scale, q, st, next);
}

double noise(const float *w, int64_t n, float scale)
{
    return hasAvx2() ? avx2::noise(w, n, scale) : generic::noise(w, n, scale);
}

int64_t firstNonFinite(const float *w, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(w[i]))
            return i;
    return -1;
}

} // namespace ql::kernels
