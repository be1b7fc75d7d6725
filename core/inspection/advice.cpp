#include "inspection/advice.h"

#include "base/numberformat.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace ql {

namespace {
/// A float32 row-vector view over `w` (n values), so the core's strategies can quantize one row on its own.
TensorData rowView(const std::vector<float> &w, const std::string &name)
{
    TensorData v;
    v.name = name;
    v.dtype = DType::Float32;
    const int64_t n = int64_t(w.size());
    v.shape = {1, n};
    v.strides = {n, 1};
    v.storage = std::as_bytes(std::span<const float>(w));
    return v;
}
} // namespace

std::optional<OutlierAdvice> adviseOutlier(const TensorData &t, const QuantizedTensor &q, const TensorAnalysis &a,
                                           const std::string &file)
{
    if (!a.hasSource || q.cols <= 1 || q.size == 0)
        return std::nullopt;
    OutlierAdvice adv;
    const bool perTensor = q.strategy.layout == ScaleLayout::PerTensor;
    const ScaleSetter *setter = nullptr;
    if (perTensor) {
        setter = &a.tensorSetter;
    } else {
        for (std::size_t r = 0; r < a.setters.size(); ++r)
            if (!std::isnan(a.rowSnr[r]) && (!setter || a.setters[r].ratio > setter->ratio)) {
                setter = &a.setters[r];
                adv.row = int64_t(r);
            }
    }
    if (!setter || setter->column < 0 || !(setter->ratio >= kOutlierRatio))
        return std::nullopt;
    adv.column = setter->column;
    adv.value = setter->value;
    adv.nextLargest = setter->nextLargest;
    adv.ratio = setter->ratio;
    const float scale = perTensor ? float(q.scale) : q.rowScale(adv.row);
    adv.maxOtherCode = scale > 0 ? int(std::lround(std::min(127.0, double(setter->nextLargest) / scale))) : 0;
    adv.tensorSnrNow = q.stats.snrDb();
    adv.rowSnrNow = perTensor ? adv.tensorSnrNow.value_or(0) : a.rowSnr[std::size_t(adv.row)];

    // The row (or, per-tensor, the whole tensor) under each clipping strategy of the same layout.
    std::vector<Strategy> candidates = {
        {q.strategy.layout, ClipMethod::Mse, 99.99},
        {q.strategy.layout, ClipMethod::Percentile, 99.99},
    };
    // One scale for a whole matrix: per-row scales confine the outlier to its own row, which is usually the win.
    if (perTensor && q.isMatrix() && q.rows > 1) {
        candidates.push_back({ScaleLayout::PerChannel, ClipMethod::AbsMax, 99.99});
        candidates.push_back({ScaleLayout::PerChannel, ClipMethod::Mse, 99.99});
    }
    std::vector<float> row;
    if (!perTensor) {
        row.resize(std::size_t(q.cols));
        readAsFloat(t, adv.row * q.cols, q.cols, row.data());
    }
    bool any = false;
    for (const auto &s : candidates) { // trials: only their SNRs are kept, not their codes
        const QuantizedTensor trial = perTensor ? quantizeTensor(t, s, nullptr, file, false)
                                                : quantizeTensor(rowView(row, t.name), s, nullptr, file, false);
        const auto snr = trial.stats.snrDb();
        if (snr && (!any || *snr > adv.rowSnrSuggested)) {
            adv.rowSnrSuggested = *snr;
            adv.suggested = s;
            any = true;
        }
    }
    if (!any)
        return std::nullopt;
    adv.clippingWins = adv.rowSnrSuggested > adv.rowSnrNow + 0.01;
    if (perTensor)
        adv.tensorSnrSuggested = adv.rowSnrSuggested;
    else if (adv.clippingWins) {
        adv.tensorSnrSuggested = quantizeTensor(t, adv.suggested, nullptr, file, false).stats.snrDb();
    }

    if (perTensor) { // the "row" of a per-tensor layout is the tensor: name the outlier's row too
        adv.row = -1;
    }
    const std::string where = perTensor ? "The tensor's single scale"
                                        : "Row " + std::to_string(adv.row) + "'s scale";
    const std::string at = perTensor ? "w[" + std::to_string(adv.column) + "]"
                                     : "w[" + std::to_string(adv.row) + ", " + std::to_string(adv.column) + "]";
    adv.text = where + " is set by one weight: " + at + " = " + fmt("%.4g", adv.value) + ", " +
               fmt("%.1f", adv.ratio) + "x the next-largest |w| (" + fmt("%.3g", adv.nextLargest) +
               "). Every other weight " + (perTensor ? "of the tensor" : "of the row") + " gets one of the codes " +
               std::to_string(-adv.maxOtherCode) + ".." + std::to_string(adv.maxOtherCode) + " (of -127..127). ";
    if (!adv.clippingWins) {
        adv.text += "Clipping would not win here: the outlier holds so much of " +
                    std::string(perTensor ? "the tensor's" : "the row's") +
                    " energy that clipping it costs more than the finer codes gain (best clipping, " +
                    adv.suggested.name() + ": " + fmt("%.1f", adv.rowSnrSuggested) + " dB against " +
                    fmt("%.1f", adv.rowSnrNow) + " dB now). If the other weights matter to the model, check its "
                    "outputs (quantlens-cli eval) rather than the SNR.";
        return adv;
    }
    const bool relayout = adv.suggested.layout != q.strategy.layout;
    adv.text += adv.suggested.name() +
                (relayout ? " gives each row its own scale, so the outlier costs only its own row: "
                          : " clips that outlier instead: ") +
                (perTensor ? "the tensor" : "this row") + " would go from " + fmt("%.1f", adv.rowSnrNow) + " to " + fmt("%.1f", adv.rowSnrSuggested) + " dB";
    if (!perTensor && adv.tensorSnrNow && adv.tensorSnrSuggested)
        adv.text += ", the whole tensor from " + fmt("%.1f", *adv.tensorSnrNow) + " to " +
                    fmt("%.1f", *adv.tensorSnrSuggested) + " dB";
    adv.text += ".";
    return adv;
}

} // namespace ql
