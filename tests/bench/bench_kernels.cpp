// Kernel micro-benchmarks: ref:: vs generic:: vs avx2:: on one row (FP32 bytes/s), the per-row production pair
// (absMax + quantize), quantizeTensor() on the GUI's re-quantization case (a 1676x384 tensor), and requantize() on
// the seed-shaped checkpoint.
// Run: build-bench/bin/bench_kernels  (see docs/benchmarks.md)
#include "readers/checkpoint.h"
#include "quantization/kernels.h"
#include "quantization/quantize.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace k = ql::kernels;

namespace {

/// Trained-like weights: normal rows with per-row gains and ~0.1% outliers x6 (as in the fixtures).
std::vector<float> weights(int64_t rows, int64_t cols, unsigned seed = 42)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 0.05f);
    std::lognormal_distribution<float> gain(0.0f, 0.5f);
    std::vector<float> w(static_cast<std::size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
        const float g = gain(rng);
        for (int64_t c = 0; c < cols; ++c)
            w[std::size_t(r * cols + c)] = g * nd(rng) * (rng() % 1000 == 0 ? 6.0f : 1.0f);
    }
    return w;
}

using AbsMaxFn = k::AbsMax (*)(const float *, int64_t);
using QuantizeFn = void (*)(const float *, int64_t, float, int8_t *, ql::ErrorStats &, const float *);

bool unsupported(benchmark::State &state, const void *fn)
{
    if ((fn == reinterpret_cast<const void *>(&k::avx2::absMax) ||
         fn == reinterpret_cast<const void *>(&k::avx2::quantize)) && !k::hasAvx2()) {
        state.SkipWithError("no AVX2 on this CPU");
        return true;
    }
    return false;
}

void absMaxBench(benchmark::State &state, AbsMaxFn fn)
{
    if (unsupported(state, reinterpret_cast<const void *>(fn)))
        return;
    const int64_t n = state.range(0);
    const auto w = weights(1, n);
    for (auto _ : state)
        benchmark::DoNotOptimize(fn(w.data(), n));
    state.SetBytesProcessed(int64_t(state.iterations()) * n * 4);
}

void quantizeBench(benchmark::State &state, QuantizeFn fn)
{
    if (unsupported(state, reinterpret_cast<const void *>(fn)))
        return;
    const int64_t n = state.range(0);
    const auto w = weights(1, n);
    std::vector<int8_t> q(static_cast<std::size_t>(n));
    const float scale = k::channelScale(k::ref::absMax(w.data(), n).value);
    for (auto _ : state) {
        ql::ErrorStats st;
        fn(w.data(), n, scale, q.data(), st, nullptr);
        benchmark::DoNotOptimize(st);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * n * 4);
}

/// What quantizeRows() does per row: absmax, scale, quantize (prefetching the next row), over a matrix larger than
/// the caches (64 MiB: the L3 holds 32 MiB), as the 1 GiB checkpoint streams from memory.
void rowsBench(benchmark::State &state, AbsMaxFn am, QuantizeFn qf)
{
    if (unsupported(state, reinterpret_cast<const void *>(am)))
        return;
    const int64_t rows = state.range(0), cols = state.range(1);
    const auto w = weights(rows, cols);
    std::vector<int8_t> q(w.size());
    for (auto _ : state) {
        ql::ErrorStats total;
        for (int64_t r = 0; r < rows; ++r) {
            const float *row = w.data() + r * cols;
            const float scale = k::channelScale(am(row, cols).value);
            qf(row, cols, scale, q.data() + r * cols, total, r + 1 < rows ? row + cols : nullptr);
        }
        benchmark::DoNotOptimize(total);
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * rows * cols * 4);
}

// Re-quantizing one tensor with an override (the GUI's interactive path goes through quantizeTensor()).
void tensorBench(benchmark::State &state, const char *strategy)
{
    const int64_t rows = 1676, cols = 384;
    const auto w = weights(rows, cols);
    ql::TensorData t;
    t.name = "layers.0.mamba.in_proj.weight";
    t.shape = {rows, cols};
    t.strides = {cols, 1};
    t.storage = std::as_bytes(std::span<const float>(w));
    const ql::Strategy s = *ql::Strategy::fromName(strategy);
    std::vector<int8_t> out(w.size());
    for (auto _ : state)
        benchmark::DoNotOptimize(ql::quantizeTensor(t, s, out.data(), "bench", true));
    state.SetBytesProcessed(int64_t(state.iterations()) * rows * cols * 4);
    state.SetLabel("1676x384");
}

// The GUI's override path on the real seed-shaped checkpoint (QL_BENCH_CHECKPOINT, set by run_benchmarks.sh): copy
// the current result (the GUI keeps snapshots) and re-quantize layers.0.mamba.in_proj.weight (1676x384) with a
// strategy override, row statistics on, as Document::applyOverrides does.
void requantizeBench(benchmark::State &state, const char *strategy)
{
    const char *path = std::getenv("QL_BENCH_CHECKPOINT");
    if (!path) {
        state.SkipWithError("set QL_BENCH_CHECKPOINT to the world-model checkpoint");
        return;
    }
    static const ql::Checkpoint ck = ql::loadCheckpoint(path);
    ql::QuantizeOptions opt;
    opt.rowStats = true;
    static const ql::QuantizeResult baseline = ql::quantize(ck, opt);
    const std::string name = "layers.0.mamba.in_proj.weight";
    const ql::QuantizedTensor *t = baseline.find(name);
    if (!t) {
        state.SkipWithError("no layers.0.mamba.in_proj.weight in the checkpoint");
        return;
    }
    ql::Overrides o;
    o.rules.push_back({name, *ql::Strategy::fromName(strategy)});
    for (auto _ : state) {
        ql::QuantizeResult next = baseline;
        const auto changed = ql::requantize(next, ck, o);
        benchmark::DoNotOptimize(changed.data());
    }
    state.SetLabel(std::to_string(t->rows) + "x" + std::to_string(t->cols));
}

void rowSizes(benchmark::internal::Benchmark *b)
{
    for (int64_t n : {67, 384, 4096})
        b->Arg(n);
}

} // namespace

BENCHMARK_CAPTURE(absMaxBench, ref, static_cast<AbsMaxFn>(k::ref::absMax))->Apply(rowSizes);
BENCHMARK_CAPTURE(absMaxBench, generic, k::generic::absMax)->Apply(rowSizes);
BENCHMARK_CAPTURE(absMaxBench, avx2, k::avx2::absMax)->Apply(rowSizes);
BENCHMARK_CAPTURE(quantizeBench, ref,
                  [](const float *w, int64_t n, float s, int8_t *q, ql::ErrorStats &st, const float *) {
                      k::ref::quantize(w, n, s, q, st);
                  })
    ->Apply(rowSizes);
BENCHMARK_CAPTURE(quantizeBench, generic, k::generic::quantize)->Apply(rowSizes);
BENCHMARK_CAPTURE(quantizeBench, avx2, k::avx2::quantize)->Apply(rowSizes);
BENCHMARK_CAPTURE(rowsBench, generic, k::generic::absMax, k::generic::quantize)->Args({4096, 4096});
BENCHMARK_CAPTURE(rowsBench, avx2, k::avx2::absMax, k::avx2::quantize)->Args({4096, 4096});
BENCHMARK_CAPTURE(tensorBench, per_channel_absmax, "per_channel_absmax")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(tensorBench, per_channel_percentile, "per_channel_percentile")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(tensorBench, per_channel_mse, "per_channel_mse")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(tensorBench, per_tensor_absmax, "per_tensor_absmax")->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(requantizeBench, per_channel_percentile, "per_channel_percentile")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(requantizeBench, per_channel_mse, "per_channel_mse")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(requantizeBench, per_tensor_absmax, "per_tensor_absmax")->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
