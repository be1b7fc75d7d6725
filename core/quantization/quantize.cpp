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
#include <unordered_set>

namespace ql {

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

/// Runs body(i, local) for every i in [0, n) on up to `threads` threads (the caller is one of them), handing out
/// indices in increasing order; each thread default-constructs its own `Local` (scratch buffers). Stops handing out
/// work once `stop` is set (by the caller's cancel, or here by a failure) and rethrows, of the failures, the one at
/// the lowest index, as a serial run would report it. The one thread pool of the quantizer: quantize() runs its
/// row-block jobs over it, quantizeTensor() its row chunks.
template <typename Local, typename Body>
void parallelFor(std::size_t n, unsigned threads, std::atomic<bool> &stop, Body &&body)
{
    std::atomic<std::size_t> next{0};
    std::mutex errorMutex;
    std::size_t errorAt = n;
    std::exception_ptr error;
    auto worker = [&] {
        Local local;
        while (!stop) {
            const std::size_t i = next.fetch_add(1);
            if (i >= n)
                return;
            try {
                body(i, local);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (i < errorAt) {
                    errorAt = i;
                    error = std::current_exception();
                }
                stop = true;
            }
        }
    };
    std::vector<std::thread> pool;
    startThreads(pool, unsigned(std::min<std::size_t>(std::max(threads, 1u), std::max<std::size_t>(n, 1))), worker);
    worker();
    for (auto &th : pool)
        th.join();
    if (error)
        std::rethrow_exception(error);
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
    if (const float *w = floatsInPlace(t))
        return w + r0 * q.cols;
    scratch.resize(static_cast<std::size_t>((r1 - r0) * q.cols));
    readAsFloat(t, r0 * q.cols, (r1 - r0) * q.cols, scratch.data());
    return scratch.data();
}

/// Per-tensor layouts need one threshold over the whole tensor before any row is quantized. An absmax is found block
/// by block (a float16 or strided tensor of 10^8 elements converted whole took 400 MB of floats); the percentile and
/// MSE clips need every value at once, so they convert the whole tensor (4 bytes per element, once).
void prepareTensorScale(const TensorData &t, QuantizedTensor &q, const std::string &file)
{
    std::vector<float> scratch;
    const int64_t n = q.rows * q.cols;
    if (q.strategy.method == ClipMethod::AbsMax) {
        const int64_t rows = rowsPerBlock(q.cols);
        float m = 0.0f;
        for (int64_t r0 = 0; r0 < q.rows; r0 += rows) {
            const int64_t r1 = std::min(q.rows, r0 + rows);
            const float *w = rowsOf(t, q, r0, r1, scratch);
            const auto am = kernels::absMax(w, (r1 - r0) * q.cols);
            if (am.nonFinite)
                nonFinite(t, w, r0 * q.cols, (r1 - r0) * q.cols, file);
            m = std::max(m, am.value);
        }
        q.absmax = m;
        q.scale = kernels::tensorScale(m);
        return;
    }
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

/// Integer tensors, absmax: the reference divides in float64 (numpy promotes int64 / float to float64). Read by
/// blocks of kBlockElements doubles (8 MiB), two passes (absmax, then quantize): an int8 tensor of 10^8 elements
/// converted whole took 800 MB of doubles for 100 MB of output. ref::quantize adds to its statistics element by
/// element, so a row done block by block sums exactly as one done whole.
void quantizeDouble(const TensorData &t, QuantizedTensor &q, int8_t *out, bool rowStats)
{
    std::vector<double> w;
    auto forBlocks = [&](int64_t begin, int64_t count, const auto &f) {
        for (int64_t b = 0; b < count; b += kBlockElements) {
            const int64_t k = std::min(kBlockElements, count - b);
            w.resize(static_cast<std::size_t>(k));
            readAsDouble(t, begin + b, k, w.data());
            f(b, k);
        }
    };
    auto absMaxOf = [&](int64_t begin, int64_t count) {
        double m = 0.0;
        forBlocks(begin, count, [&](int64_t, int64_t k) { m = std::max(m, kernels::ref::absMax(w.data(), k)); });
        return m;
    };
    if (rowStats)
        q.rowStats.assign(static_cast<std::size_t>(q.rows), {});
    const bool perChannel = q.strategy.layout == ScaleLayout::PerChannel;
    double whole = perChannel ? 0.0 : absMaxOf(0, q.rows * q.cols);
    std::vector<int8_t> discard; // out == nullptr: the codes of one block, dropped once counted
    for (int64_t r = 0; r < q.rows; ++r) {
        double scale;
        float stored;
        if (perChannel) {
            const double rowMax = absMaxOf(r * q.cols, q.cols);
            whole = std::max(whole, rowMax);
            scale = std::max(rowMax, 1e-8) / 127.0;
            stored = float(scale);
            q.scales[static_cast<std::size_t>(r)] = stored;
        } else {
            scale = q.scale = kernels::tensorScale(whole);
            stored = float(scale);
        }
        ErrorStats rs;
        int8_t *rowOut = out ? out + r * q.cols : nullptr;
        forBlocks(r * q.cols, q.cols, [&](int64_t b, int64_t k) {
            if (!out)
                discard.resize(static_cast<std::size_t>(k));
            kernels::ref::quantize(w.data(), k, scale, stored, out ? rowOut + b : discard.data(), rs);
        });
        if (rowStats)
            q.rowStats[static_cast<std::size_t>(r)] = rs;
        q.stats.merge(rs);
    }
    q.absmax = float(whole);
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

const float *floatsInPlace(const TensorData &t)
{
    // Only an aligned map can be read as floats in place: records of a hand-made zip need not be 4-byte aligned.
    if (t.dtype == DType::Float32 && t.isContiguous() &&
        reinterpret_cast<std::uintptr_t>(t.firstByte()) % alignof(float) == 0)
        return reinterpret_cast<const float *>(t.firstByte());
    return nullptr;
}

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
    const std::size_t chunks = std::size_t((q.rows + chunk - 1) / chunk);
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned nthreads = n >= (int64_t(1) << 16) ? std::min<unsigned>(hw, unsigned(std::min<std::size_t>(chunks, 64))) : 1;
    std::atomic<bool> stop{false};
    struct Scratch
    {
        std::vector<float> values;
        std::vector<int8_t> codes; // out == nullptr: one chunk's codes, dropped once counted
    };
    parallelFor<Scratch>(chunks, nthreads, stop, [&](std::size_t c, Scratch &scratch) {
        const int64_t r0 = int64_t(c) * chunk, r1 = std::min(q.rows, r0 + chunk);
        int8_t *dst = out ? out + r0 * q.cols : nullptr;
        if (!dst) {
            scratch.codes.resize(static_cast<std::size_t>((r1 - r0) * q.cols));
            dst = scratch.codes.data();
        }
        ErrorStats unused; // the row statistics are merged below, in block order
        quantizeRows(t, q, r0, r1, dst, scratch.values, unused, true, file);
    });
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

namespace {
constexpr const char *kRuleWarning = "overrides rule ";

/// Replaces the "overrides rule N (match "...") matches no tensor" lines of `warnings` with those of `overrides` over
/// the checkpoint's tensor `names` (what quantlens-cli prints).
void setRuleWarnings(std::vector<std::string> &warnings, const Overrides &overrides, const std::vector<std::string> &names)
{
    // The rules' lines describe the rules in force: an edit's re-quantization replaces the ones of the rules before.
    std::erase_if(warnings, [](const std::string &w) { return w.rfind(kRuleWarning, 0) == 0; });
    for (std::size_t i : overrides.unusedRules(names))
        warnings.push_back(kRuleWarning + std::to_string(i) + " (match \"" + overrides.rules[i].match +
                           "\") matches no tensor");
}

/// One block of rows of one tensor: the unit of work quantize() hands to the pool.
struct Job
{
    std::size_t tensor;
    int64_t r0, r1;
};

/// quantize() in four steps over one checkpoint: plan (the result's tensors, offsets and shard map, the output
/// pieces), prepare (whole-tensor work, then the row-block jobs), run (the jobs over parallelFor), merge (statistics
/// in job order, so nothing depends on thread timing; the pieces into the result).
class Pipeline
{
public:
    Pipeline(const Checkpoint &ck, const QuantizeOptions &opt, ByteSink *sink)
        : m_ck(ck), m_opt(opt), m_sink(sink), m_file(ck.path.string())
    {
    }

    /// The result's header and tensor list (sorted by name = file order), offsets, shard map; output pieces.
    void plan()
    {
        m_res.sourcePath = m_file;
        m_res.model = detectModel(m_ck.tensors, m_file);
        m_res.encodingConfig = m_ck.encodingConfig;
        m_res.contextLen = m_ck.contextLen;
        m_res.overrides = m_opt.overrides;
        m_res.warnings = m_ck.warnings;
        m_res.warnings.insert(m_res.warnings.end(), m_res.model.warnings.begin(), m_res.model.warnings.end());

        std::vector<const TensorData *> order;
        for (const auto &t : m_ck.tensors)
            order.push_back(&t);
        std::sort(order.begin(), order.end(), [](auto a, auto b) { return a->name < b->name; });
        std::vector<std::string> names;
        for (const TensorData *t : order) {
            names.push_back(t->name);
            if (t->shape.empty() || t->shape.size() > 3) {
                const std::string why = t->shape.empty() ? "0-D scalar" : std::to_string(t->shape.size()) + "-D tensor";
                m_res.skipped.push_back({t->name, why + ": not quantized (the reference skips it too)"});
                m_res.warnings.push_back("skipped '" + t->name + "' (" + why + ")");
                continue;
            }
            QuantizedTensor q = ql::plan(*t, m_opt.overrides.strategyFor(t->name, t->shape.size()));
            q.rule = m_opt.overrides.ruleFor(t->name);
            q.offset = m_res.totalBytes;
            m_res.totalBytes += q.size;
            m_res.fp32Bytes += q.size * 4;
            if (m_opt.rowStats)
                q.rowStats.assign(static_cast<std::size_t>(q.rows), {});
            m_res.tensors.push_back(std::move(q));
            m_sources.push_back(t);
        }
        setRuleWarnings(m_res.warnings, m_opt.overrides, names);
        m_res.shards = shardMap(m_res.totalBytes);
        if (m_sink)
            m_sink->plan(m_res.shards);
        // In memory, each tensor gets its own piece (Int8Buffer), so later edits replace one without copying the rest.
        if (!m_sink)
            for (const auto &q : m_res.tensors)
                m_pieces.push_back(std::make_shared<std::vector<int8_t>>(q.size));
    }

    /// Whole-tensor work first (integer tensors, per-tensor scales), then one job per block of rows.
    void prepare()
    {
        // Parsing is over: tensor data streams from here with normal read-ahead (see MappedFile::streamFromHere).
        if (m_ck.file)
            m_ck.file->streamFromHere();
        for (std::size_t i = 0; i < m_res.tensors.size(); ++i) {
            auto &q = m_res.tensors[i];
            const TensorData &t = *m_sources[i];
            if (q.rows == 0 || q.cols == 0)
                continue;
            const bool whole = useDoublePath(t, q.strategy);
            if (whole || q.strategy.layout == ScaleLayout::PerTensor)
                willNeed(i, 0, q.rows);
            if (whole) {
                std::vector<int8_t> buf(m_sink ? q.size : 0);
                quantizeDouble(t, q, m_sink ? buf.data() : out(i), m_opt.rowStats);
                if (m_sink)
                    m_sink->write(q.offset, buf.data(), buf.size());
                report(q.size);
                continue;
            }
            if (q.strategy.layout == ScaleLayout::PerTensor)
                prepareTensorScale(t, q, m_file);
            const int64_t rowsPerJob = rowsPerBlock(q.cols);
            for (int64_t r = 0; r < q.rows; r += rowsPerJob)
                m_jobs.push_back({i, r, std::min(q.rows, r + rowsPerJob)});
        }
        // Reading the archive's directory and pickle touched pages all over the map (with large folios a touch maps
        // up to 2 MiB): drop them before the rows stream through, so only the pages being quantized are resident.
        if (m_opt.releasePages && m_ck.file)
            m_ck.file->release(m_ck.file->data(), m_ck.file->size());
    }

    /// The row-block jobs on the pool. Throws the failing job's error (the lowest one), or Cancelled.
    void run()
    {
        struct Local
        {
            std::vector<float> scratch;
            std::vector<int8_t> buf;
        };
        m_jobStats.resize(m_jobs.size());
        const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
        try {
            parallelFor<Local>(m_jobs.size(), m_opt.threads ? m_opt.threads : hw, m_cancelled,
                               [this](std::size_t j, Local &local) { runJob(j, local.scratch, local.buf); });
        } catch (...) {
            checkIntact(); // a file truncated under us read zeros past its new end: that is the error
            throw;
        }
        checkIntact();
        if (m_cancelled)
            throw Error(ErrorKind::Cancelled, "cancelled", m_file);
    }

    /// Statistics in job order (results do not depend on thread timing); the pieces become the result's buffer.
    QuantizeResult merge()
    {
        for (std::size_t j = 0; j < m_jobs.size(); ++j)
            m_res.tensors[m_jobs[j].tensor].stats.merge(m_jobStats[j]);
        for (std::size_t i = 0; i < m_res.tensors.size(); ++i) {
            auto &q = m_res.tensors[i];
            if (q.strategy.layout == ScaleLayout::PerChannel && !useDoublePath(*m_sources[i], q.strategy))
                q.absmax = tensorAbsMaxFromRows(q);
            if (!m_opt.rowStats)
                q.rowStats.clear();
        }
        for (auto &p : m_pieces)
            m_res.bytes.append(std::move(p));
        return std::move(m_res);
    }

private:
    int8_t *out(std::size_t tensor) { return m_pieces[tensor]->data(); }
    void checkIntact() const
    {
        if (m_ck.file)
            m_ck.file->checkIntact();
    }

    void runJob(std::size_t j, std::vector<float> &scratch, std::vector<int8_t> &buf)
    {
        const Job &job = m_jobs[j];
        auto &q = m_res.tensors[job.tensor];
        const TensorData &t = *m_sources[job.tensor];
        for (std::size_t k = j; k < std::min(j + 2, m_jobs.size()); ++k) // this job's rows and the next one's
            willNeed(m_jobs[k].tensor, m_jobs[k].r0, m_jobs[k].r1);
        const uint64_t off = q.offset + uint64_t(job.r0 * q.cols);
        const std::size_t n = static_cast<std::size_t>((job.r1 - job.r0) * q.cols);
        int8_t *dst = m_sink ? (buf.resize(n), buf.data()) : out(job.tensor) + job.r0 * q.cols;
        quantizeRows(t, q, job.r0, job.r1, dst, scratch, m_jobStats[j], m_opt.rowStats, m_file);
        if (m_sink)
            m_sink->write(off, dst, n);
        if (m_opt.releasePages && m_ck.file && t.isContiguous())
            m_ck.file->release(t.firstByte() + job.r0 * q.cols * int64_t(dtypeSize(t.dtype)), n * dtypeSize(t.dtype));
        report(n);
    }

    /// Announces rows [r0, r1) of tensor i to the map just before they stream.
    void willNeed(std::size_t i, int64_t r0, int64_t r1) const
    {
        const TensorData &t = *m_sources[i];
        const int64_t cols = m_res.tensors[i].cols;
        if (m_ck.file && t.isContiguous())
            m_ck.file->willNeed(t.firstByte() + r0 * cols * int64_t(dtypeSize(t.dtype)),
                                static_cast<std::size_t>((r1 - r0) * cols) * dtypeSize(t.dtype));
    }

    /// Progress (serialised); a false answer cancels the run.
    void report(uint64_t add)
    {
        const uint64_t d = m_done.fetch_add(add) + add;
        if (m_opt.progress) {
            std::lock_guard lock(m_progressMutex);
            if (!m_opt.progress(d, std::max<uint64_t>(m_res.totalBytes, 1)))
                m_cancelled = true;
        }
    }

    const Checkpoint &m_ck;
    const QuantizeOptions &m_opt;
    ByteSink *m_sink;
    const std::string m_file;
    QuantizeResult m_res;
    std::vector<const TensorData *> m_sources;             ///< per result tensor
    std::vector<std::shared_ptr<std::vector<int8_t>>> m_pieces; ///< per result tensor, when quantizing into memory
    std::vector<Job> m_jobs;
    std::vector<ErrorStats> m_jobStats; ///< per job, merged in job order
    std::mutex m_progressMutex;
    std::atomic<uint64_t> m_done{0};
    std::atomic<bool> m_cancelled{false};
};

} // namespace

QuantizeResult quantize(const Checkpoint &ck, const QuantizeOptions &opt, ByteSink *sink)
{
    Pipeline p(ck, opt, sink);
    p.plan();
    p.prepare();
    p.run();
    return p.merge();
}

std::vector<std::vector<std::string>> requantizeGroups(const QuantizeResult &result, const Overrides &overrides,
                                                       uint64_t budget)
{
    std::vector<std::vector<std::string>> groups;
    uint64_t used = 0;
    for (const auto &q : result.tensors) {
        if (overrides.strategyFor(q.name, q.shape.size()) == q.strategy)
            continue;
        if (groups.empty() || (used > 0 && used + q.size > budget)) {
            groups.emplace_back();
            used = 0;
        }
        groups.back().push_back(q.name);
        used += q.size;
    }
    return groups;
}

std::vector<std::string> requantize(QuantizeResult &result, const Checkpoint &ck, const Overrides &overrides,
                                    const std::vector<std::string> *only)
{
    if (result.bytes.size() != result.totalBytes)
        throw Error(ErrorKind::Internal, "re-quantizing needs the INT8 buffer in memory", result.sourcePath);
    const std::unordered_set<std::string> group = only ? std::unordered_set<std::string>(only->begin(), only->end())
                                                       : std::unordered_set<std::string>();
    std::vector<std::string> changed;
    for (auto &q : result.tensors) {
        if (only && !group.contains(q.name))
            continue;
        const Strategy want = overrides.strategyFor(q.name, q.shape.size());
        if (want == q.strategy) {
            q.rule = overrides.ruleFor(q.name);
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
    if (ck.file)
        ck.file->checkIntact();
    result.overrides = overrides;
    // The rules' warnings follow the rules in force (an edit that loads rules matching nothing says so).
    std::vector<std::string> names;
    for (const auto &t : ck.tensors)
        names.push_back(t.name);
    setRuleWarnings(result.warnings, overrides, names);
    return changed;
}

} // namespace ql
