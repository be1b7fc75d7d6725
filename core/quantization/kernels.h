#pragma once
#include "quantization/errorstats.h"

#include <cstdint>

namespace ql::kernels {

constexpr float kMinAbsMax = 1e-8f;

/// Result of scanning a row: its largest |w| and whether any element is NaN or infinite.
struct AbsMax
{
    float value = 0.0f;
    bool nonFinite = false;
};

/// Per-channel scale the seed computes in float32: max(absmax, 1e-8) / 127.
inline float channelScale(float absmax) { return std::max(absmax, kMinAbsMax) / 127.0f; }
/// Per-tensor scale the seed computes in float64 (and divides by in float32).
inline double tensorScale(double absmax) { return std::max(absmax, 1e-8) / 127.0; }

// Reference implementations: plain loops that spell out SPEC §3-4. The fast paths are tested against them bit for bit.
namespace ref {
AbsMax absMax(const float *w, int64_t n);
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st);
/// Integer tensors: the reference divides in float64.
double absMax(const double *w, int64_t n);
void quantize(const double *w, int64_t n, double scale, float storedScale, int8_t *q, ErrorStats &st);
} // namespace ref

// The fast paths. q bytes, absmax and maxAbsErr are identical to ref::; signal and noise are sums of the same exact
// double products added in another order (lane-wise), so they agree to a few ulps of the sum.
// Inputs to quantize() must be finite (callers check with absMax() first).

/// Portable loops GCC vectorises for the baseline ISA (SSE2 on x86-64): the fallback on CPUs without AVX2.
namespace generic {
AbsMax absMax(const float *w, int64_t n);
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next = nullptr);
double noise(const float *w, int64_t n, float scale);
} // namespace generic

/// Explicit AVX2 intrinsics, 32 elements per step, masked loads for the tail. Only call when hasAvx2().
namespace avx2 {
AbsMax absMax(const float *w, int64_t n);
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next = nullptr);
double noise(const float *w, int64_t n, float scale);
} // namespace avx2

/// Whether this CPU (and build) can run the avx2:: kernels (AVX2 and FMA).
bool hasAvx2();

/// Dispatches once to avx2:: or generic::.
AbsMax absMax(const float *w, int64_t n);
/// q = clip(round_half_even(w / scale), -128, 127); adds the reconstruction error to st. q may be null (MSE search).
/// next, when given, is the row to be scanned after this one (at least n readable floats): it is prefetched while
/// this row is quantized, so that its absMax() pass does not wait for memory.
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st, const float *next = nullptr);

/// Only the sum of squared reconstruction errors (the MSE clip search): bit-identical to quantize()'s noise.
double noise(const float *w, int64_t n, float scale);

/// Index of the first NaN/Inf in w, or -1.
int64_t firstNonFinite(const float *w, int64_t n);

} // namespace ql::kernels
