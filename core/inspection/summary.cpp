#include "inspection/summary.h"

#include "base/enumnames.h"
#include "inspection/analysis.h"

#include <algorithm>
#include <cstdio>

namespace ql {

SnrBand snrBand(const std::optional<double> &snr)
{
    if (!snr)
        return SnrBand::Undefined;
    if (*snr > SnrBandLimits::excellentAbove)
        return SnrBand::Excellent;
    if (*snr >= SnrBandLimits::goodFrom)
        return SnrBand::Good;
    if (*snr >= SnrBandLimits::acceptableFrom)
        return SnrBand::Acceptable;
    return SnrBand::Investigate;
}

constexpr EnumName<SnrBand> kSnrBandNames[] = {
    {SnrBand::Excellent, "excellent"}, {SnrBand::Good, "good"}, {SnrBand::Acceptable, "acceptable"},
    {SnrBand::Investigate, "investigate"}, {SnrBand::Undefined, "all-zero"}};
static_assert(namesEveryEnumerator(kSnrBandNames));
const char *snrBandName(SnrBand b) { return enumName(kSnrBandNames, b); }

std::string snrBandDescription(SnrBand b)
{
    const auto num = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return std::string(buf);
    };
    using L = SnrBandLimits;
    switch (b) {
    case SnrBand::Excellent:
        return "excellent (> " + num(L::excellentAbove) + " dB)";
    case SnrBand::Good:
        return "good (" + num(L::goodFrom) + "-" + num(L::excellentAbove) + " dB)";
    case SnrBand::Acceptable:
        return "acceptable (" + num(L::acceptableFrom) + "-" + num(L::goodFrom) + " dB)";
    case SnrBand::Investigate:
        return "investigate (< " + num(L::acceptableFrom) + " dB)";
    case SnrBand::Undefined:
        break;
    }
    return "all-zero (SNR undefined)";
}

SignalSnrSummary signalSnrSummary(const QuantizeResult &r)
{
    SignalSnrSummary s;
    double sum = 0;
    for (const auto &t : r.tensors) {
        const auto snr = t.stats.snrDb();
        if (!t.isMatrix() || !snr)
            continue;
        const SnrDiagnosis d = diagnoseSnr(t, nullptr);
        if (d == SnrDiagnosis::NearZero || d == SnrDiagnosis::Tiny) {
            ++s.excluded;
            continue;
        }
        s.minSnr = s.carrying ? std::min(s.minSnr, *snr) : *snr;
        sum += *snr;
        ++s.carrying;
    }
    s.meanSnr = s.carrying ? sum / s.carrying : 0.0;
    return s;
}

std::string groupDigits(uint64_t v)
{
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3)
        s.insert(std::size_t(i), ",");
    return s;
}

std::string humanBytes(uint64_t v)
{
    char buf[64];
    if (v < 1024)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(v));
    else if (v < 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", double(v) / 1024);
    else if (v < 1024ull * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.2f MiB", double(v) / (1024.0 * 1024));
    else
        std::snprintf(buf, sizeof buf, "%.2f GiB", double(v) / (1024.0 * 1024 * 1024));
    return buf;
}

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string s;
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? "x" : "") + std::to_string(shape[i]);
    return s.empty() ? "scalar" : s;
}

Json tensorRowJson(const QuantizeResult &r, const QuantizedTensor &t)
{
    const auto snr = t.stats.snrDb();
    return {{"name", t.name},
            {"group", t.group},
            {"shape", t.shape},
            {"dtype", dtypeName(t.dtype)},
            {"quantization", t.strategy.manifestQuantization()},
            {"strategy", t.strategy.name()},
            {"snr_db", snr ? Json(*snr) : Json(nullptr)},
            {"band", snrBandName(snrBand(snr))},
            {"mse", t.stats.mse()},
            {"max_abs_error", t.stats.maxAbsErr},
            {"relative_error_pct", t.stats.relativeErrorPct()},
            {"bytes", t.size},
            {"offset", t.offset},
            {"shard", shardOf(r.shards, t.offset)}};
}

Json summaryJson(const QuantizeResult &r)
{
    const auto s = r.summary();
    Json shards = Json::array();
    double rent = 0;
    uint64_t txs = 0;
    for (const auto &sh : r.shards) {
        const auto c = shardCost(sh.size);
        rent += c.rentSol;
        txs += c.transactions;
        shards.push_back({{"index", sh.index},
                          {"offset", sh.offset},
                          {"size", sh.size},
                          {"fits_account", c.fitsAccount},
                          {"upload_transactions", c.transactions},
                          {"rent_sol", c.rentSol}});
    }
    int64_t params = 0;
    for (const auto &t : r.tensors)
        params += int64_t(t.size);
    Json j = {{"model_type", r.model.modelType},
              {"format", r.model.format()},
              {"architecture", r.model.architecture},
              {"parameters", params},
              {"fp32_bytes", r.fp32Bytes},
              {"int8_bytes", r.totalBytes},
              {"compression", r.totalBytes ? double(r.fp32Bytes) / double(r.totalBytes) : 0.0},
              {"num_tensors", r.tensors.size()},
              {"skipped", r.skipped.size()},
              {"num_2d_weights", s.numMatrices},
              {"mean_snr_db", s.meanSnr},
              {"min_snr_db", s.minSnr},
              {"max_snr_db", s.maxSnr},
              {"undefined_snr_weights", s.numUndefined},
              {"shards", shards},
              {"upload_transactions", txs},
              {"rent_sol", rent}};
    if (!r.overrides.empty())
        j["overrides"] = r.overrides.toJson();
    j["warnings"] = r.warnings;
    return j;
}

} // namespace ql
