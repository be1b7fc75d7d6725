#include "quantization/quantize.h"

#include "base/errors.h"
#include "quantization/kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

namespace ql {

const QuantizedTensor *QuantizeResult::find(const std::string &name) const
{
    const int i = indexOf(name);
    return i < 0 ? nullptr : &tensors[static_cast<std::size_t>(i)];
}

int QuantizeResult::indexOf(const std::string &name) const
{
    auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                               [](const QuantizedTensor &t, const std::string &n) { return t.name < n; });
    return it != tensors.end() && it->name == name ? static_cast<int>(it - tensors.begin()) : -1;
}

void QuantizeResult::setBytes(std::span<const int8_t> all)
{
    std::vector<uint64_t> cuts;
    for (const auto &t : tensors)
        cuts.push_back(t.offset);
    bytes = Int8Buffer::copyOf(all, std::move(cuts));
}

ErrorSummary QuantizeResult::summary() const
{
    ErrorSummary s;
    double sum = 0;
    int n = 0;
    for (const auto &t : tensors) {
        if (!t.isMatrix())
            continue;
        ++s.numMatrices;
        const auto snr = t.stats.snrDb();
        if (!snr) {
            ++s.numUndefined;
            continue;
        }
        s.minSnr = n ? std::min(s.minSnr, *snr) : *snr;
        s.maxSnr = n ? std::max(s.maxSnr, *snr) : *snr;
        sum += *snr;
        ++n;
    }
    s.meanSnr = n ? sum / n : 0.0;
    return s;
}

double absPercentile(const float *w, int64_t n, double percentile)
{
    if (n <= 0)
        return 0.0;
    std::vector<float> a(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        a[static_cast<std::size_t>(i)] = std::fabs(w[i]);
    const double pos = percentile / 100.0 * double(n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(lo), a.end());
    const double vlo = a[lo];
    if (lo + 1 >= a.size() || pos == double(lo))
        return vlo;
    const double vhi = *std::min_element(a.begin() + static_cast<std::ptrdiff_t>(lo) + 1, a.end());
    return vlo + (vhi - vlo) * (pos - double(lo));
}

float searchMseClip(const float *w, int64_t n, float absmax, const std::function<float(float)> &scaleOf)
{
    if (absmax <= 0.0f || n <= 0)
        return absmax;
    auto noiseAt = [&](float c) { return kernels::noise(w, n, scaleOf(c)); };
    float best = absmax;
    double bestNoise = noiseAt(absmax);
    // Coarse grid down to 30% of absmax, then a fine one around the best; strict '<' keeps absmax on ties.
    double bestRatio = 1.0;
    for (int k = 1; k <= 35; ++k) {
        const double ratio = 1.0 - 0.02 * k;
        const float c = float(absmax * ratio);
        const double e = noiseAt(c);
        if (e < bestNoise) {
            bestNoise = e;
            best = c;
            bestRatio = ratio;
        }
    }
    for (int k = -9; k <= 9; ++k) {
        const double ratio = bestRatio + 0.002 * k;
        if (k == 0 || ratio >= 1.0 || ratio <= 0.0)
            continue;
        const float c = float(absmax * ratio);
        const double e = noiseAt(c);
        if (e < bestNoise) {
            bestNoise = e;
            best = c;
        }
    }
    return best;
}

namespace {

/// Starts up to n - 1 helper threads running `f` (the caller is the n-th). When the system refuses a thread (-j 512
/// under a memory or process limit), the run goes on with those it has: a std::thread left unjoined by the
/// exception used to end the program in std::terminate (SIGABRT, temporary files left behind).
template <typename F>
void startThreads(std::vector<std::thread> &pool, unsigned n, F &f)
{
    for (unsigned i = 1; i < n; ++i) {
        try {
            pool.emplace_back(std::ref(f));
        } catch (const std::system_error &) {
            return;
        }
    }
}

/// Rows per block of work: quantize() hands out one job per block and sums a tensor's statistics per block, then
/// across blocks in order; quantizeTensor() groups the same way, so both report the same numbers to the last digit.
/// 2^20 elements (4 MiB of FP32 in, 1 MiB of INT8 out per write): measured on the 1 GiB checkpoint, 2-3% less CPU
/// than 2^18 (fewer writes and madvise calls) with enough jobs left to balance two threads.
constexpr int64_t kBlockElements = 1 << 20;
int64_t rowsPerBlock(int64_t cols) { return std::max<int64_t>(1, kBlockElements / std::max<int64_t>(cols, 1)); }

std::string indexText(const std::vector<int64_t> &shape, int64_t flat)
{
    std::string s;
    std::vector<int64_t> idx(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        idx[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    for (std::size_t d = 0; d < idx.size(); ++d)
        s += (d ? ", " : "") + std::to_string(idx[d]);
    return "[" + s + "]";
}

[[noreturn]] void nonFinite(const TensorData &t, const float *w, int64_t base, int64_t n, const std::string &file)
{
    const int64_t i = kernels::firstNonFinite(w, n);
    const float v = w[std::max<int64_t>(i, 0)];
    throw inputError(std::string("holds ") + (std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf") + " at index " +
                         indexText(t.shape, base + i) +
                         "; INT8 cannot represent it. Fix the checkpoint (or exclude the tensor); nothing was written",
                     file, t.name);
}

bool useDoublePath(const TensorData &t, const Strategy &s)
{
    return !dtypeIsFloating(t.dtype) && s.method == ClipMethod::AbsMax;
}

/// Plans the 2-D view and metadata of a tensor quantized with s.
QuantizedTensor plan(const TensorData &t, const Strategy &s)
{
    QuantizedTensor q;
    q.name = t.name;
    q.group = groupOf(t.name);
    q.dtype = t.dtype;
    q.shape = t.shape;
    q.strategy = s;
    q.overridden = !(s == Strategy::defaultFor(t.shape.size()));
    const int64_t n = t.numel();
    q.rows = t.shape.size() >= 2 ? t.shape[0] : 1;
    q.cols = q.rows ? n / q.rows : 0;
    q.size = static_cast<uint64_t>(n);
    if (s.layout == ScaleLayout::PerChannel)
        q.scales.assign(static_cast<std::size_t>(q.rows), 0.0f);
    return q;
}

/// Float source of rows [r0, r1): the map itself when contiguous float32, else converted into scratch.
const float *rowsOf(const TensorData &t, const QuantizedTensor &q, int64_t r0, int64_t r1, std::vector<float> &scratch)
{
    // Only an aligned map can be read as floats in place: records of a hand-made zip need not be 4-byte aligned.
    if (t.dtype == DType::Float32 && t.isContiguous() &&
        reinterpret_cast<std::uintptr_t>(t.firstByte()) % alignof(float) == 0)
        return reinterpret_cast<const float *>(t.firstByte()) + r0 * q.cols;
    scratch.resize(static_cast<std::size_t>((r1 - r0) * q.cols));
    readAsFloat(t, r0 * q.cols, (r1 - r0) * q.cols, scratch.data());
    return scratch.data();
}

/// Per-tensor layouts need one threshold over the whole tensor before any row is quantized.
void prepareTensorScale(const TensorData &t, QuantizedTensor &q, const std::string &file)
{
    std::vector<float> scratch;
    const int64_t n = q.rows * q.cols;
    const float *w = rowsOf(t, q, 0, q.rows, scratch);
    const auto am = kernels::absMax(w, n);
    if (am.nonFinite)
        nonFinite(t, w, 0, n, file);
    q.absmax = am.value;
    double c = am.value;
    if (q.strategy.method == ClipMethod::Percentile)
        c = std::min<double>(absPercentile(w, n, q.strategy.percentile), am.value);
    else if (q.strategy.method == ClipMethod::Mse)
        c = searchMseClip(w, n, am.value, [](float x) { return float(kernels::tensorScale(double(x))); });
    q.scale = kernels::tensorScale(c);
}

/// Integer tensors, absmax: the reference divides in float64 (numpy promotes int64 / float to float64).
void quantizeDouble(const TensorData &t, QuantizedTensor &q, int8_t *out, bool rowStats)
{
    const int64_t n = q.rows * q.cols;
    std::vector<double> w(static_cast<std::size_t>(n));
    readAsDouble(t, 0, n, w.data());
    if (rowStats)
        q.rowStats.assign(static_cast<std::size_t>(q.rows), {});
    const double whole = kernels::ref::absMax(w.data(), n);
    q.absmax = float(whole);
    for (int64_t r = 0; r < q.rows; ++r) {
        const double *row = w.data() + r * q.cols;
        double scale;
        float stored;
        if (q.strategy.layout == ScaleLayout::PerChannel) {
            scale = std::max(kernels::ref::absMax(row, q.cols), 1e-8) / 127.0;
            stored = float(scale);
            q.scales[static_cast<std::size_t>(r)] = stored;
        } else {
            scale = q.scale = kernels::tensorScale(whole);
            stored = float(scale);
        }
        ErrorStats rs;
        kernels::ref::quantize(row, q.cols, scale, stored, out + r * q.cols, rs);
        if (rowStats)
            q.rowStats[static_cast<std::size_t>(r)] = rs;
        q.stats.merge(rs);
    }
}

/// Quantizes rows [r0, r1) of a float tensor whose per-tensor scale (if any) is prepared.
void quantizeRows(const TensorData &t, QuantizedTensor &q, int64_t r0, int64_t r1, int8_t *out,
                  std::vector<float> &scratch, ErrorStats &total, bool rowStats, const std::string &file)
{
    const float *w = rowsOf(t, q, r0, r1, scratch);
    for (int64_t r = r0; r < r1; ++r) {
        const float *row = w + (r - r0) * q.cols;
        float scale;
        if (q.strategy.layout == ScaleLayout::PerChannel) {
            const auto am = kernels::absMax(row, q.cols);
            if (am.nonFinite)
                nonFinite(t, row, r * q.cols, q.cols, file);
            float c = am.value;
            if (q.strategy.method == ClipMethod::Percentile)
                c = std::min(float(absPercentile(row, q.cols, q.strategy.percentile)), am.value);
            else if (q.strategy.method == ClipMethod::Mse)
                c = searchMseClip(row, q.cols, am.value, kernels::channelScale);
            scale = kernels::channelScale(c);
            q.scales[static_cast<std::size_t>(r)] = scale;
        } else
            scale = float(q.scale);
        ErrorStats rs;
        kernels::quantize(row, q.cols, scale, out + (r - r0) * q.cols, rs, r + 1 < r1 ? row + q.cols : nullptr);
        if (rowStats)
            q.rowStats[static_cast<std::size_t>(r)] = rs;
        total.merge(rs);
    }
}

float tensorAbsMaxFromRows(const QuantizedTensor &q)
{
    float m = 0;
    if (q.strategy.layout == ScaleLayout::PerChannel)
        for (float s : q.scales)
            m = std::max(m, s * 127.0f);
    return m;
}

} // namespace

QuantizedTensor quantizeTensor(const TensorData &t, const Strategy &s, int8_t *out, const std::string &file,
                               bool rowStats)
{
    QuantizedTensor q = plan(t, s);
    if (useDoublePath(t, s)) {
        quantizeDouble(t, q, out, rowStats);
        return q;
    }
    if (s.layout == ScaleLayout::PerTensor)
        prepareTensorScale(t, q, file);
    // Rows are spread over threads in small chunks (the percentile and MSE searches make a 1676x384 tensor cost
    // milliseconds: this is the GUI's interactive path); per-row statistics are then merged serially, row by row within
    // each block of rowsPerBlock() rows and block by block, exactly as a serial run and quantize() merge them.
    q.rowStats.assign(static_cast<std::size_t>(q.rows), {});
    const int64_t n = q.rows * q.cols;
    const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(q.cols, 1));
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned nthreads =
        n >= (int64_t(1) << 16) ? std::min<unsigned>(hw, unsigned(std::min<int64_t>((q.rows + chunk - 1) / chunk, 64)))
                                : 1;
    std::atomic<int64_t> nextRow{0};
    std::mutex errorMutex;
    int64_t errorRow = q.rows;
    std::exception_ptr error;
    auto work = [&] {
        std::vector<float> scratch;
        ErrorStats unused;
        for (;;) {
            const int64_t r0 = nextRow.fetch_add(chunk);
            if (r0 >= q.rows)
                return;
            const int64_t r1 = std::min(q.rows, r0 + chunk);
            try {
                quantizeRows(t, q, r0, r1, out + r0 * q.cols, scratch, unused, true, file);
            } catch (...) { // report the first bad row in row order, as a serial run would
                std::lock_guard lock(errorMutex);
                if (r0 < errorRow) {
                    errorRow = r0;
                    error = std::current_exception();
                }
                nextRow = q.rows;
                return;
            }
        }
    };
    std::vector<std::thread> pool;
    startThreads(pool, nthreads, work);
    work();
    for (auto &th : pool)
        th.join();
    if (error)
        std::rethrow_exception(error);
    const int64_t block = rowsPerBlock(q.cols);
    for (int64_t r0 = 0; r0 < q.rows; r0 += block) {
        ErrorStats part;
        for (int64_t r = r0; r < std::min(q.rows, r0 + block); ++r)
            part.merge(q.rowStats[static_cast<std::size_t>(r)]);
        q.stats.merge(part);
    }
    if (!rowStats)
        q.rowStats.clear();
    if (s.layout == ScaleLayout::PerChannel)
        q.absmax = tensorAbsMaxFromRows(q);
    return q;
}

QuantizeResult quantize(const Checkpoint &ck, const QuantizeOptions &opt, ByteSink *sink)
{
    const std::string file = ck.path.string();
    QuantizeResult res;
    res.sourcePath = file;
    res.model = detectModel(ck.tensors, file);
    res.encodingConfig = ck.encodingConfig;
    res.contextLen = ck.contextLen;
    res.overrides = opt.overrides;
    res.warnings = ck.warnings;
    res.warnings.insert(res.warnings.end(), res.model.warnings.begin(), res.model.warnings.end());

    std::vector<const TensorData *> order;
    for (const auto &t : ck.tensors)
        order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto a, auto b) { return a->name < b->name; });
    std::vector<const TensorData *> sources;
    std::vector<std::string> names;
    for (const TensorData *t : order) {
        names.push_back(t->name);
        if (t->shape.empty() || t->shape.size() > 3) {
            const std::string why = t->shape.empty() ? "0-D scalar" : std::to_string(t->shape.size()) + "-D tensor";
            res.skipped.push_back({t->name, why + ": not quantized (the reference skips it too)"});
            res.warnings.push_back("skipped '" + t->name + "' (" + why + ")");
            continue;
        }
        QuantizedTensor q = plan(*t, opt.overrides.strategyFor(t->name, t->shape.size()));
        q.rule = opt.overrides.ruleFor(t->name);
        q.offset = res.totalBytes;
        res.totalBytes += q.size;
        res.fp32Bytes += q.size * 4;
        if (opt.rowStats)
            q.rowStats.assign(static_cast<std::size_t>(q.rows), {});
        res.tensors.push_back(std::move(q));
        sources.push_back(t);
    }
    for (std::size_t i : opt.overrides.unusedRules(names))
        res.warnings.push_back("overrides rule " + std::to_string(i) + " (match \"" + opt.overrides.rules[i].match +
                               "\") matches no tensor");
    res.shards = shardMap(res.totalBytes);
    if (sink)
        sink->plan(res.shards);

    // In memory, each tensor gets its own piece (Int8Buffer), so later edits can replace one without copying the rest.
    std::vector<std::shared_ptr<std::vector<int8_t>>> pieces;
    if (!sink)
        for (const auto &q : res.tensors)
            pieces.push_back(std::make_shared<std::vector<int8_t>>(q.size));
    auto direct = [&](std::size_t i) { return sink ? nullptr : pieces[i]->data(); };

    std::mutex progressMutex;
    std::atomic<uint64_t> done{0};
    std::atomic<bool> cancelled{false};
    const uint64_t totalWork = std::max<uint64_t>(res.totalBytes, 1);
    auto report = [&](uint64_t add) {
        const uint64_t d = done.fetch_add(add) + add;
        if (opt.progress) {
            std::lock_guard lock(progressMutex);
            if (!opt.progress(d, totalWork))
                cancelled = true;
        }
    };
    auto emit = [&](uint64_t offset, const int8_t *data, std::size_t size) {
        if (sink)
            sink->write(offset, data, size);
    };

    // Parsing is over: tensor data streams from here with normal read-ahead (see MappedFile::streamFromHere).
    if (ck.file)
        ck.file->streamFromHere();
    auto willNeed = [&](std::size_t i, int64_t r0, int64_t r1) {
        const TensorData &t = *sources[i];
        const int64_t cols = res.tensors[i].cols;
        if (ck.file && t.isContiguous())
            ck.file->willNeed(t.firstByte() + r0 * cols * int64_t(dtypeSize(t.dtype)),
                              static_cast<std::size_t>((r1 - r0) * cols) * dtypeSize(t.dtype));
    };
    // Whole-tensor work first: integer tensors and per-tensor scales.
    struct Job
    {
        std::size_t tensor;
        int64_t r0, r1;
    };
    std::vector<Job> jobs;
    for (std::size_t i = 0; i < res.tensors.size(); ++i) {
        auto &q = res.tensors[i];
        const TensorData &t = *sources[i];
        if (q.rows == 0 || q.cols == 0)
            continue;
        if (useDoublePath(t, q.strategy) || q.strategy.layout == ScaleLayout::PerTensor)
            willNeed(i, 0, q.rows);
        if (useDoublePath(t, q.strategy)) {
            std::vector<int8_t> buf(sink ? q.size : 0);
            quantizeDouble(t, q, sink ? buf.data() : direct(i), opt.rowStats);
            if (sink)
                emit(q.offset, buf.data(), buf.size());
            report(q.size);
            continue;
        }
        if (q.strategy.layout == ScaleLayout::PerTensor)
            prepareTensorScale(t, q, file);
        const int64_t rowsPerJob = rowsPerBlock(q.cols);
        for (int64_t r = 0; r < q.rows; r += rowsPerJob)
            jobs.push_back({i, r, std::min(q.rows, r + rowsPerJob)});
    }

    // Reading the archive's directory and pickle touched pages all over the map (with large folios a touch maps up to
    // 2 MiB): drop them before the rows stream through, so only the pages being quantized are resident.
    if (opt.releasePages && ck.file)
        ck.file->release(ck.file->data(), ck.file->size());

    std::vector<ErrorStats> jobStats(jobs.size());
    std::atomic<std::size_t> next{0};
    std::exception_ptr firstError;
    std::mutex errorMutex;
    auto worker = [&] {
        std::vector<float> scratch;
        std::vector<int8_t> buf;
        while (!cancelled) {
            const std::size_t j = next.fetch_add(1);
            if (j >= jobs.size())
                return;
            const Job &job = jobs[j];
            auto &q = res.tensors[job.tensor];
            const TensorData &t = *sources[job.tensor];
            for (std::size_t k = j; k < std::min(j + 2, jobs.size()); ++k) // this job's rows and the next one's
                willNeed(jobs[k].tensor, jobs[k].r0, jobs[k].r1);
            const uint64_t off = q.offset + uint64_t(job.r0 * q.cols);
            const std::size_t n = static_cast<std::size_t>((job.r1 - job.r0) * q.cols);
            try {
                int8_t *out = sink ? (buf.resize(n), buf.data()) : direct(job.tensor) + job.r0 * q.cols;
                quantizeRows(t, q, job.r0, job.r1, out, scratch, jobStats[j], opt.rowStats, file);
                if (sink)
                    emit(off, out, n);
                if (opt.releasePages && ck.file && t.isContiguous())
                    ck.file->release(t.firstByte() + job.r0 * q.cols * int64_t(dtypeSize(t.dtype)),
                                     n * dtypeSize(t.dtype));
                report(n);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!firstError)
                    firstError = std::current_exception();
                cancelled = true;
            }
        }
    };
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned nthreads = std::min<unsigned>(opt.threads ? opt.threads : hw, std::max<std::size_t>(jobs.size(), 1));
    std::vector<std::thread> pool;
    startThreads(pool, nthreads, worker);
    worker();
    for (auto &th : pool)
        th.join();
    if (firstError)
        std::rethrow_exception(firstError);
    if (cancelled)
        throw Error(ErrorKind::Cancelled, "cancelled", file);

    // Merge job statistics in job order, so results do not depend on thread timing.
    for (std::size_t j = 0; j < jobs.size(); ++j)
        res.tensors[jobs[j].tensor].stats.merge(jobStats[j]);
    for (auto &q : res.tensors)
        if (q.strategy.layout == ScaleLayout::PerChannel && !useDoublePath(*sources[&q - res.tensors.data()], q.strategy))
            q.absmax = tensorAbsMaxFromRows(q);
    if (!opt.rowStats)
        for (auto &q : res.tensors)
            q.rowStats.clear();
    for (auto &p : pieces)
        res.bytes.append(std::move(p));
    return res;
}

std::vector<std::string> requantize(QuantizeResult &result, const Checkpoint &ck, const Overrides &overrides,
                                    const QuantizeResult *reuse)
{
    if (result.bytes.size() != result.totalBytes)
        throw Error(ErrorKind::Internal, "re-quantizing needs the INT8 buffer in memory", result.sourcePath);
    std::vector<std::string> changed;
    for (auto &q : result.tensors) {
        const Strategy want = overrides.strategyFor(q.name, q.shape.size());
        if (want == q.strategy) {
            q.rule = overrides.ruleFor(q.name);
            continue;
        }
        const QuantizedTensor *earlier = reuse ? reuse->find(q.name) : nullptr;
        if (earlier && earlier->strategy == want && earlier->offset == q.offset && earlier->size == q.size &&
            earlier->rowStats.size() == std::size_t(earlier->rows) && // as quantizeTensor() below would give
            (q.size == 0 || reuse->bytes.span(q.offset, q.size).data())) {
            result.bytes.replace(q.offset, reuse->bytes.pieceAt(q.offset));
            q = *earlier;
            q.rule = overrides.ruleFor(q.name);
            changed.push_back(q.name);
            continue;
        }
        const TensorData *t = ck.find(q.name);
        if (!t)
            throw inputError("tensor is not in the loaded checkpoint", ck.path.string(), q.name);
        const uint64_t offset = q.offset;
        std::vector<int8_t> codes(q.size);
        QuantizedTensor nq = quantizeTensor(*t, want, codes.data(), ck.path.string(), true);
        result.bytes.replace(offset, std::move(codes));
        nq.offset = offset;
        nq.rule = overrides.ruleFor(q.name);
        q = std::move(nq);
        changed.push_back(q.name);
    }
    result.overrides = overrides;
    return changed;
}

} // namespace ql
