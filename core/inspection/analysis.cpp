#include "inspection/analysis.h"

#include "base/numberformat.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace ql {

Histogram::Histogram(double lo_, double hi_, int bins)
    : lo(lo_)
    , hi(hi_)
    , counts(static_cast<std::size_t>(std::max(bins, 1)), 0)
{
    if (!(hi > lo)) {
        // A constant input still needs a visible bin around its value.
        const double pad = std::max(std::fabs(lo) * 0.5, 1e-12);
        lo -= pad;
        hi += pad;
    }
}

void Histogram::add(double v)
{
    if (counts.empty() || !std::isfinite(v))
        return;
    const double pos = (v - lo) / (hi - lo) * double(counts.size());
    const auto last = static_cast<int64_t>(counts.size()) - 1;
    const int64_t i = std::clamp<int64_t>(static_cast<int64_t>(std::floor(pos)), 0, last);
    ++counts[static_cast<std::size_t>(i)];
}

uint64_t Histogram::total() const { return std::accumulate(counts.begin(), counts.end(), uint64_t(0)); }

namespace {

/// Largest and next-largest |w| of a row, tracked in one pass.
ScaleSetter findSetter(const float *w, int64_t n, float clipAbove)
{
    ScaleSetter s;
    float best = -1.0f, second = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
        const float a = std::fabs(w[j]);
        if (a > best) {
            second = std::max(second, best);
            best = a;
            s.column = j;
        } else
            second = std::max(second, a);
        if (a > clipAbove)
            ++s.clipped;
    }
    if (s.column >= 0)
        s.value = w[s.column];
    s.nextLargest = second;
    s.ratio = second > 0.0f ? double(best) / double(second) : std::numeric_limits<double>::infinity();
    return s;
}

Histogram codeHistogram(const int8_t *codes, uint64_t n)
{
    Histogram h(-128.5, 127.5, 256);
    for (uint64_t i = 0; i < n; ++i)
        ++h.counts[static_cast<std::size_t>(int(codes[i]) + 128)];
    return h;
}

} // namespace

SnrDiagnosis diagnoseSnr(const QuantizedTensor &q, std::string *note, const ScaleSetter *worstSetter, int64_t worstRow)
{
    auto say = [&](SnrDiagnosis d, std::string text) {
        if (note)
            *note = std::move(text);
        return d;
    };
    if (note)
        note->clear();
    const auto snr = q.stats.snrDb();
    if (q.stats.count == 0)
        return SnrDiagnosis::None;
    const double signalRms = std::sqrt(q.stats.meanSignal());
    const double errorRms = std::sqrt(q.stats.mse());
    const std::string absText = "absolute error RMS " + fmt("%.3g", errorRms) + ", at most " +
                                fmt("%.3g", q.stats.maxAbsErr) + ", against a signal RMS of " + fmt("%.3g", signalRms);
    if (!snr)
        return say(SnrDiagnosis::AllZero,
                   "Every weight is 0, so the SNR is undefined (the reference writes -Infinity) and the tensor is left "
                   "out of the summary. Nothing is lost: every code is 0 and reconstructs it exactly.");
    // snr = 10 log10(signal / max(noise, 1e-10)): once the noise is under the floor the formula caps the SNR at
    // 10 log10(signal / 1e-10), which is low for small weights however good the reconstruction is.
    if (q.stats.mse() <= 1e-10 && *snr < 40.0) {
        std::string text = "Low SNR without real damage: the weights are tiny (RMS " + fmt("%.3g", signalRms) +
                           ") and the SNR formula floors the noise at 1e-10, which caps this tensor at " +
                           fmt("%.1f", *snr) + " dB however well it is quantized. The " + absText;
        if (q.stats.noise > 0.0)
            text += " (" + fmt("%.2f", q.stats.relativeErrorPct()) + "% of it; unfloored SNR " +
                    fmt("%.1f", 10.0 * std::log10(q.stats.meanSignal() / q.stats.mse())) + " dB).";
        else
            text += ": the reconstruction is exact.";
        return say(SnrDiagnosis::NearZero, text);
    }
    if (*snr >= 30.0)
        return SnrDiagnosis::None;
    if (q.stats.count <= 16)
        return say(SnrDiagnosis::Tiny, "Only " + std::to_string(q.stats.count) +
                                           " values: one of them decides the SNR. Judge it by the " + absText + ".");
    if (worstSetter && worstSetter->column >= 0 && worstSetter->ratio >= 2.0) {
        const std::string where =
            q.strategy.layout == ScaleLayout::PerTensor ? std::string("The tensor's single scale")
                                                        : "Row " + std::to_string(worstRow) + "'s scale";
        return say(SnrDiagnosis::Outlier,
                   "Real damage: " + where + " is set by one weight (" + fmt("%.4g", worstSetter->value) + ") " +
                       fmt("%.1f", worstSetter->ratio) +
                       "x larger than the next-largest |w|, so the other weights share few INT8 codes. A clipping "
                       "strategy (percentile, mse) trades that outlier's error for everyone else's. The " +
                       absText + ".");
    }
    return say(SnrDiagnosis::None, {});
}

TensorAnalysis analyzeCodes(const QuantizedTensor &q, const int8_t *codes, int bins)
{
    TensorAnalysis a;
    a.rows = q.rows;
    a.cols = q.cols;
    a.unavailable = "The FP32 weights are not part of an output folder, so per-row SNR, the weights that set each "
                    "scale and the error histogram need the source checkpoint; open the .pt or .safetensors file to "
                    "see them. Shown here: the INT8 codes and the values they reconstruct.";
    const uint64_t n = q.size;
    a.codes = codeHistogram(codes, n);
    a.saturated = int64_t(a.codes.counts.front() + a.codes.counts.back());
    double absMax = 0.0;
    for (int64_t r = 0; r < q.rows; ++r)
        absMax = std::max(absMax, double(q.rowScale(r)) * 128.0);
    a.absMax = absMax;
    a.dequantized = Histogram(-absMax, absMax, bins);
    for (int64_t r = 0; r < q.rows; ++r) {
        const float s = q.rowScale(r);
        for (int64_t j = 0; j < q.cols; ++j)
            a.dequantized.add(double(float(codes[r * q.cols + j]) * s));
    }
    a.signalRms = std::sqrt(q.stats.meanSignal());
    a.errorRms = std::sqrt(q.stats.mse());
    a.maxAbsError = q.stats.maxAbsErr;
    a.diagnosis = diagnoseSnr(q, &a.note);
    return a;
}

TensorAnalysis analyzeTensor(const TensorData &t, const QuantizedTensor &q, const int8_t *codes, int bins)
{
    TensorAnalysis a;
    a.hasSource = true;
    a.rows = q.rows;
    a.cols = q.cols;
    const int64_t n = q.rows * q.cols;
    // The weights in place when the map holds them as aligned float32 (else one converted copy), and no arrays of
    // reconstructions or errors: the second pass below recomputes them. A 4096x4096 tensor took three float copies
    // (192 MiB) here, on every selection change in the GUI.
    std::vector<float> converted;
    const float *w = floatsInPlace(t);
    if (!w && n > 0) {
        converted.resize(static_cast<std::size_t>(n));
        readAsFloat(t, 0, n, converted.data());
        w = converted.data();
    }

    a.rowSnr.assign(static_cast<std::size_t>(q.rows), std::numeric_limits<double>::quiet_NaN());
    a.rowMaxAbsError.assign(static_cast<std::size_t>(q.rows), 0.0);
    a.setters.resize(static_cast<std::size_t>(q.rows));
    a.tensorSetter = findSetter(w, n, std::numeric_limits<float>::infinity());
    a.absMax = a.tensorSetter.column >= 0 ? std::fabs(double(a.tensorSetter.value)) : 0.0;

    double signal = 0.0, noise = 0.0;
    for (int64_t r = 0; r < q.rows; ++r) {
        const float s = q.rowScale(r);
        const float *row = w + r * q.cols;
        const int8_t *c = codes + r * q.cols;
        a.setters[static_cast<std::size_t>(r)] = findSetter(row, q.cols, s * 127.5f);
        ErrorStats rs;
        for (int64_t j = 0; j < q.cols; ++j) {
            const float rec = float(c[j]) * s;
            const float err = row[j] - rec;
            rs.signal += double(row[j]) * double(row[j]);
            rs.noise += double(err) * double(err);
            rs.maxAbsErr = std::max(rs.maxAbsErr, double(std::fabs(err)));
        }
        rs.count = q.cols;
        if (const auto snr = rs.snrDb())
            a.rowSnr[static_cast<std::size_t>(r)] = *snr;
        else
            ++a.zeroRows;
        a.rowMaxAbsError[static_cast<std::size_t>(r)] = rs.maxAbsErr;
        a.maxAbsError = std::max(a.maxAbsError, rs.maxAbsErr);
        signal += rs.signal;
        noise += rs.noise;
    }
    if (n > 0) {
        a.signalRms = std::sqrt(signal / double(n));
        a.errorRms = std::sqrt(noise / double(n));
    }
    for (int64_t r = 0; r < q.rows; ++r)
        if (!std::isnan(a.rowSnr[static_cast<std::size_t>(r)]))
            a.worstRows.push_back(r);
    std::stable_sort(a.worstRows.begin(), a.worstRows.end(), [&](int64_t x, int64_t y) {
        return a.rowSnr[static_cast<std::size_t>(x)] < a.rowSnr[static_cast<std::size_t>(y)];
    });

    const double range = a.absMax > 0.0 ? a.absMax : 1.0;
    a.weights = Histogram(-range, range, bins);
    a.dequantized = Histogram(-range, range, bins);
    const double erange = a.maxAbsError > 0.0 ? a.maxAbsError : 1e-12;
    a.errors = Histogram(-erange, erange, bins);
    for (int64_t r = 0; r < q.rows; ++r) {
        const float s = q.rowScale(r);
        const float *row = w + r * q.cols;
        const int8_t *c = codes + r * q.cols;
        for (int64_t j = 0; j < q.cols; ++j) {
            const float rec = float(c[j]) * s, err = row[j] - rec; // as the first pass computed them
            a.weights.add(row[j]);
            a.dequantized.add(rec);
            a.errors.add(err);
        }
    }
    a.codes = codeHistogram(codes, static_cast<uint64_t>(n));
    for (const auto &s : a.setters)
        a.saturated += s.clipped;

    const bool perTensor = q.strategy.layout == ScaleLayout::PerTensor;
    const int64_t worst = a.worstRows.empty() ? -1 : a.worstRows.front();
    const ScaleSetter *setter = perTensor ? &a.tensorSetter
                                          : worst >= 0 ? &a.setters[static_cast<std::size_t>(worst)] : nullptr;
    a.diagnosis = diagnoseSnr(q, &a.note, setter, worst);
    return a;
}

ScaleSummary summarizeScales(const QuantizedTensor &q)
{
    ScaleSummary s;
    std::vector<double> v;
    if (q.strategy.layout == ScaleLayout::PerChannel)
        v.assign(q.scales.begin(), q.scales.end());
    else
        v.push_back(q.scale);
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    // Linear interpolation between order statistics, as numpy.percentile does.
    auto at = [&](double p) {
        const double pos = p * double(v.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, v.size() - 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
    };
    s.count = v.size();
    s.min = v.front();
    s.max = v.back();
    s.q1 = at(0.25);
    s.median = at(0.5);
    s.q3 = at(0.75);
    return s;
}

std::vector<Strategy> candidateStrategies(std::size_t dims)
{
    std::vector<Strategy> out;
    for (const auto &name : Strategy::allNames()) {
        const Strategy s = *Strategy::fromName(name);
        if (dims < 2 && s.layout == ScaleLayout::PerChannel)
            continue;
        out.push_back(s);
    }
    return out;
}

std::vector<StrategyTrial> tryStrategies(const TensorData &t, const std::vector<Strategy> &strategies,
                                         const std::string &file)
{
    std::vector<StrategyTrial> out;
    for (const auto &s : strategies) {
        // Only the SNR is wanted: no buffer for the codes (a 4096x4096 tensor's took 16 MiB in Optimize and the
        // selected tensor's analysis).
        const QuantizedTensor q = quantizeTensor(t, s, nullptr, file, false);
        out.push_back({s, q.stats.snrDb()});
    }
    return out;
}

std::optional<StrategyTrial> bestTrial(const std::vector<StrategyTrial> &trials, const Strategy &current)
{
    std::optional<StrategyTrial> best;
    for (const auto &t : trials) {
        if (!t.snr)
            continue;
        if (!best || *t.snr > *best->snr || (*t.snr == *best->snr && t.strategy == current))
            best = t;
    }
    return best;
}

} // namespace ql
