#include "evalreport.h"

#include <cmath>

namespace ql::eval {

namespace {
Json opt(const std::optional<double> &v) { return v ? Json(*v) : Json(nullptr); }

Json outputsJson(const std::vector<OutputFigures> &v, bool full)
{
    Json a = Json::array();
    for (const auto &o : v) {
        Json j = {{"name", o.name}, {"snr_db", opt(o.snrDb)}};
        if (full) {
            j["max_abs_diff"] = o.maxAbsDiff;
            j["cosine"] = o.cosine;
        }
        j["top1_agreement"] = opt(o.top1);
        a.push_back(j);
    }
    return a;
}

std::string fmt(const std::optional<double> &v, const char *f, const char *none)
{
    if (!v)
        return none;
    char buf[64];
    std::snprintf(buf, sizeof buf, f, *v);
    return buf;
}
} // namespace

Json reportJson(const EvalReport &r)
{
    Json j = {{"model", r.model}, {"checkpoint", r.checkpoint}, {"num_inputs", r.numInputs}};
    j["outputs"] = outputsJson(r.outputs, true);
    Json s = Json::array();
    for (const auto &e : r.sensitivity)
        s.push_back({{"tensor", e.tensor},
                     {"weight_snr_db", opt(e.weightSnrDb)},
                     {"outputs", outputsJson(e.onlyThis, false)},
                     {"keep_fp32_outputs", outputsJson(e.allButThis, false)}});
    j["sensitivity"] = s;
    j["warnings"] = r.warnings;
    return j;
}

void printReport(std::FILE *out, const EvalReport &r)
{
    std::fprintf(out, "%d input%s, all quantized tensors INT8 vs FP32:\n\n", r.numInputs, r.numInputs == 1 ? "" : "s");
    std::fprintf(out, "%-28s %10s %14s %10s %8s\n", "output", "SNR dB", "max |diff|", "cosine", "top-1");
    for (const auto &o : r.outputs)
        std::fprintf(out, "%-28s %10s %14.6g %10.6f %8s\n", o.name.c_str(), fmt(o.snrDb, "%.2f", "inf").c_str(),
                     o.maxAbsDiff, o.cosine, fmt(o.top1 ? std::optional(*o.top1 * 100) : std::nullopt, "%.1f%%", "-").c_str());
    if (r.sensitivity.empty())
        return;
    std::fprintf(out, "\nSensitivity, worst first (lowest output SNR with only this tensor INT8; \"keep FP32\": all "
                      "others INT8):\n\n");
    std::fprintf(out, "%-36s %10s %12s %10s %14s %10s\n", "tensor", "weight SNR", "output SNR", "top-1",
                 "keep FP32 SNR", "top-1");
    for (const auto &e : r.sensitivity) {
        // The worst output of each direction.
        auto worst = [](const std::vector<OutputFigures> &v) {
            const OutputFigures *w = nullptr;
            for (const auto &o : v)
                if (!w || o.snrDb.value_or(INFINITY) < w->snrDb.value_or(INFINITY))
                    w = &o;
            return w;
        };
        auto top1 = [](const std::vector<OutputFigures> &v) {
            std::optional<double> t;
            for (const auto &o : v)
                if (o.top1)
                    t = std::min(t.value_or(1.0), *o.top1);
            return t ? std::optional(*t * 100) : std::nullopt;
        };
        const OutputFigures *a = worst(e.onlyThis), *b = worst(e.allButThis);
        std::fprintf(out, "%-36s %10s %12s %10s %14s %10s\n", e.tensor.c_str(),
                     fmt(e.weightSnrDb, "%.2f", "-").c_str(), fmt(a ? a->snrDb : std::nullopt, "%.2f", "inf").c_str(),
                     fmt(top1(e.onlyThis), "%.1f%%", "-").c_str(), fmt(b ? b->snrDb : std::nullopt, "%.2f", "inf").c_str(),
                     fmt(top1(e.allButThis), "%.1f%%", "-").c_str());
    }
}

} // namespace ql::eval
