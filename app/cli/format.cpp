#include "format.h"

#include "inspection/analysis.h"
#include "inspection/summary.h"
#include "base/utf8.h"

#include <algorithm>
#include <unistd.h>

namespace ql::cli {

void printSummary(std::FILE *out, const QuantizeResult &r)
{
    const Json s = summaryJson(r);
    std::string arch;
    for (const auto &[k, v] : r.model.architecture.items())
        if (k != "model_type")
            arch += (arch.empty() ? "" : ", ") + k + "=" + v.dump();
    std::fprintf(out, "Model:        %s (%s) — %s\n", printable(r.model.modelType).c_str(), r.model.format().c_str(),
                 printable(arch).c_str());
    std::fprintf(out, "Parameters:   %s in %zu tensors%s\n", groupDigits(s["parameters"].get<uint64_t>()).c_str(),
                 r.tensors.size(),
                 r.skipped.empty() ? "" : (" (" + std::to_string(r.skipped.size()) + " skipped)").c_str());
    std::fprintf(out, "Size:         FP32 %s -> INT8 %s bytes (%s), %.2fx smaller\n", humanBytes(r.fp32Bytes).c_str(),
                 groupDigits(r.totalBytes).c_str(), humanBytes(r.totalBytes).c_str(), s["compression"].get<double>());
    std::fprintf(out, "Shards:       %zu x WeightShard (4096-aligned)\n", r.shards.size());
    for (const auto &sh : s["shards"])
        std::fprintf(out, "  #%d  offset %s  size %s bytes  %llu upload txs  rent ~%.4f SOL%s\n",
                     sh["index"].get<int>(), groupDigits(sh["offset"].get<uint64_t>()).c_str(),
                     groupDigits(sh["size"].get<uint64_t>()).c_str(),
                     static_cast<unsigned long long>(sh["upload_transactions"].get<uint64_t>()),
                     sh["rent_sol"].get<double>(), sh["fits_account"].get<bool>() ? "" : "  EXCEEDS 10 MiB ACCOUNT");
    const auto sum = r.summary();
    if (sum.numMatrices)
        std::fprintf(out, "SNR:          %d matrix weights: mean %.1f dB, min %.1f dB, max %.1f dB%s\n", sum.numMatrices,
                     sum.meanSnr, sum.minSnr, sum.maxSnr,
                     sum.numUndefined ? (" (" + std::to_string(sum.numUndefined) + " all-zero, no SNR)").c_str() : "");
    // A near-zero signal's low SNR is no damage: it is named apart, and the mean over tensors that carry signal is
    // shown beside the seed's mean whenever the two differ.
    const auto signal = signalSnrSummary(r);
    if (signal.excluded)
        std::fprintf(out, "SNR (signal): mean %.1f dB over the %d matrices that carry signal (%d near-zero left out)\n",
                     signal.meanSnr, signal.carrying, signal.excluded);
    std::vector<const QuantizedTensor *> low, nearZero;
    for (const auto &t : r.tensors) {
        if (!t.isMatrix() || snrBand(t.stats.snrDb()) != SnrBand::Investigate)
            continue;
        const auto d = diagnoseSnr(t, nullptr);
        (d == SnrDiagnosis::NearZero || d == SnrDiagnosis::Tiny ? nearZero : low).push_back(&t);
    }
    const auto list = [out](const char *label, const std::vector<const QuantizedTensor *> &ts, const char *what) {
        if (ts.empty())
            return;
        std::fprintf(out, "%s%zu matrix weights %s:", label, ts.size(), what);
        for (std::size_t i = 0; i < ts.size() && i < 5; ++i)
            std::fprintf(out, " %s (%.1f dB)", printable(ts[i]->name).c_str(), *ts[i]->stats.snrDb());
        std::fprintf(out, "%s\n", ts.size() > 5 ? " ..." : "");
    };
    const std::string below = "below " + std::to_string(int(SnrBandLimits::acceptableFrom)) + " dB";
    list("Investigate:  ", low, below.c_str());
    list("Near-zero:    ", nearZero, (below + ", signal near zero (no real damage)").c_str());
    std::fprintf(out, "Rent:         ~%.4f SOL for %llu upload transactions\n", s["rent_sol"].get<double>(),
                 static_cast<unsigned long long>(s["upload_transactions"].get<uint64_t>()));
}

void printTable(std::FILE *out, const QuantizeResult &r, const std::vector<const QuantizedTensor *> &rows)
{
    std::vector<std::string> names;
    std::size_t w = 4;
    for (auto t : rows)
        w = std::max(w, names.emplace_back(printable(t->name)).size());
    std::fprintf(out, "%-*s  %-13s  %-12s  %-8s  %-10s  %8s  %10s  %10s  %8s  %9s  %9s  %5s\n", int(w), "name", "group",
                 "shape", "dtype", "quant", "snr_db", "mse", "max_err", "rel_err%", "bytes", "offset", "shard");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const QuantizedTensor *t = rows[i];
        const auto snr = t->stats.snrDb();
        char snrText[32];
        if (snr)
            std::snprintf(snrText, sizeof snrText, "%8.2f", *snr);
        else
            std::snprintf(snrText, sizeof snrText, "%8s", "-");
        std::fprintf(out, "%-*s  %-13s  %-12s  %-8s  %-10s  %s  %10.3e  %10.3e  %8.4f  %9llu  %9llu  %5d\n", int(w),
                     names[i].c_str(), printable(t->group).c_str(), shapeText(t->shape).c_str(), dtypeName(t->dtype),
                     t->strategy.layout == ScaleLayout::PerChannel ? "channel" : "tensor", snrText, t->stats.mse(),
                     t->stats.maxAbsErr, t->stats.relativeErrorPct(), static_cast<unsigned long long>(t->size),
                     static_cast<unsigned long long>(t->offset), shardOf(r.shards, t->offset));
    }
}

ProgressBar::ProgressBar(std::string label, bool enabled)
    : m_label(std::move(label))
    , m_enabled(enabled && ::isatty(2))
{
}

ProgressBar::~ProgressBar()
{
    if (m_enabled && m_last >= 0)
        std::fprintf(stderr, "\r\033[K");
}

bool ProgressBar::update(uint64_t done, uint64_t total)
{
    if (!m_enabled || total == 0)
        return true;
    const int pct = int(100.0 * double(done) / double(total));
    if (pct == m_last)
        return true;
    m_last = pct;
    const int width = 30, fill = pct * width / 100;
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%", m_label.c_str(), fill, "##############################",
                 width - fill, "", pct);
    std::fflush(stderr);
    return true;
}

} // namespace ql::cli
