#pragma once
#include "errorstats.h"

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

/// Vectorised equivalents (AVX2 when the CPU has it, SSE2 otherwise); identical results to ref::.
AbsMax absMax(const float *w, int64_t n);
/// q = clip(round_half_even(w / scale), -128, 127); adds the reconstruction error to st. q may be null (MSE search).
void quantize(const float *w, int64_t n, float scale, int8_t *q, ErrorStats &st);

/// Index of the first NaN/Inf in w, or -1.
int64_t firstNonFinite(const float *w, int64_t n);

} // namespace ql::kernels
