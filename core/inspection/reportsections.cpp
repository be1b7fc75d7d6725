// The report's sections, in the order a reviewer reads them: verdict, what was reviewed, then the evidence.
#include "inspection/reportwriters.h"

#include "inspection/summary.h"

#include <cmath>
#include <cstdio>

namespace ql {

namespace {

std::string fmt(const char *format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}
std::string db(const std::optional<double> &v) { return v ? fmt("%.2f", *v) : std::string("undefined"); }
std::string sci(double v) { return fmt("%.3g", v); }
std::string count(uint64_t v) { return groupDigits(v); }
std::string sol(double v) { return fmt("%.4f", v); }

std::string jsonText(const Json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

ReportSection inputsSection(const ReportData &r)
{
    ReportSection s{"inputs", "Inputs", {}, {}};
    s.paragraphs.push_back("Made by QuantLens " + r.toolVersion + " on " + r.generatedUtc + " from " +
                           (r.kind == InputKind::Checkpoint ? "the FP32 checkpoint " : "the output folder ") + r.source +
                           (r.hasWeights ? "." : " (no FP32 weights: errors and SNR come from its manifest)."));
    ReportTable t{{"role", "file", "bytes", "SHA-256"}, {false, false, true, false}, {}, {}};
    for (const auto &i : r.inputs)
        t.rows.push_back({i.role, i.path, count(i.size), i.sha256});
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection modelSection(const ReportData &r)
{
    const auto &res = *r.result;
    ReportSection s{"model", "Model and sizes", {}, {}};
    ReportTable arch{{"field", "value"}, {false, true}, {}, "Architecture (manifest)", true};
    arch.rows.push_back({"model type", res.model.modelType});
    arch.rows.push_back({"format", res.model.format()});
    if (res.model.architecture.is_object())
        for (const auto &[k, v] : res.model.architecture.items())
            if (k != "model_type")
                arch.rows.push_back({k, jsonText(v)});
    s.tables.push_back(std::move(arch));
    uint64_t params = 0;
    for (const auto &t : res.tensors)
        params += t.size;
    ReportTable sizes{{"figure", "value"}, {false, true}, {}, "Sizes and compression", true};
    sizes.rows.push_back({"quantized parameters", count(params)});
    sizes.rows.push_back({"tensors quantized / skipped", count(res.tensors.size()) + " / " + count(res.skipped.size())});
    sizes.rows.push_back({"FP32 bytes", count(res.fp32Bytes) + " (" + humanBytes(res.fp32Bytes) + ")"});
    sizes.rows.push_back({"INT8 bytes (weights_int8.bin)", count(res.totalBytes) + " (" + humanBytes(res.totalBytes) + ")"});
    sizes.rows.push_back({"compression", res.totalBytes ? fmt("%.2f×", double(res.fp32Bytes) / double(res.totalBytes))
                                                        : std::string("–")});
    s.tables.push_back(std::move(sizes));
    return s;
}

ReportSection snrSection(const ReportData &r)
{
    ReportSection s{"snr", "SNR summary", {}, {}};
    s.paragraphs.push_back("Over " + std::to_string(r.snr.numMatrices) + " matrix weights: mean " +
                           fmt("%.2f", r.snr.meanSnr) + " dB, min " + fmt("%.2f", r.snr.minSnr) + " dB, max " +
                           fmt("%.2f", r.snr.maxSnr) + " dB" +
                           (r.snr.numUndefined ? ", " + std::to_string(r.snr.numUndefined) + " all-zero (SNR undefined)"
                                               : std::string()) +
                           ". Bands are the seed's: > 40 dB excellent, 30–40 good, 20–30 acceptable, < 20 investigate.");
    ReportTable t{{"band", "tensors"}, {false, true}, {}, {}, true};
    for (int b = 0; b < 5; ++b)
        t.rows.push_back({snrBandName(SnrBand(b)), std::to_string(r.bands[std::size_t(b)])});
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection outliersSection(const ReportData &r)
{
    ReportSection s{"outliers", "Low-SNR tensors", {}, {}};
    s.tablesFirst = true;
    if (r.outliers.empty())
        s.paragraphs.push_back("No tensor is below " + fmt("%.0f", r.options.minSnr) + " dB.");
    else
        s.paragraphs.push_back(std::to_string(r.outliers.size()) + " tensor(s) below " + fmt("%.0f", r.options.minSnr) +
                               " dB, worst first. \"Small signal\" means the low number comes from weights at or near "
                               "zero, not from damage; \"real damage\" names the weight that sets the scale.");
    ReportTable t{{"tensor", "shape", "strategy", "SNR dB", "reason", "scale-setting weight", "clipped", "zero rows"},
                  {false, false, false, true, false, false, true, true},
                  {},
                  {}};
    for (const auto &o : r.outliers) {
        const auto &q = r.tensor(o.index);
        const auto &a = o.analysis;
        std::string setter = "–";
        if (a.hasSource && a.tensorSetter.column >= 0 && a.tensorSetter.value != 0.0f) // all zeros: none sets it
            setter = sci(a.tensorSetter.value) + " at flat index " + std::to_string(a.tensorSetter.column) +
                     (std::isfinite(a.tensorSetter.ratio) ? ", " + fmt("%.1f", a.tensorSetter.ratio) + "× the next"
                                                          : std::string(", every other weight 0"));
        t.rows.push_back({q.name, shapeText(q.shape), q.strategy.name(), db(q.stats.snrDb()), o.reason, setter,
                          a.hasSource ? std::to_string(a.saturated) : "–",
                          a.hasSource ? std::to_string(a.zeroRows) : "–"});
    }
    if (!t.rows.empty())
        s.tables.push_back(std::move(t));
    for (const auto &o : r.outliers)
        if (!o.analysis.note.empty())
            s.paragraphs.push_back(r.tensor(o.index).name + ": " + o.analysis.note);
    return s;
}

ReportSection worstSection(const ReportData &r)
{
    ReportSection s{"worst", "Worst tensors: per-row SNR and histograms", {}, {}};
    s.figureColumns = 3;
    s.pageBreak = true;
    std::string names;
    for (int i : r.worst)
        names += (names.empty() ? "" : ", ") + r.tensor(i).name + " (" + db(r.tensor(i).stats.snrDb()) + " dB)";
    s.paragraphs.push_back(r.worst.empty() ? "No tensor with a defined SNR."
                                           : "The " + std::to_string(r.worst.size()) +
                                                 " lowest-SNR tensors, drawn as in the tensor drill-down: " + names + ".");
    return s;
}

ReportSection scalesSection(const ReportData &r)
{
    const auto &m = r.modelScales;
    ReportSection s{"scales", "Scale distribution", {}, {}};
    s.paragraphs.push_back(count(m.count) + " scales from " + sci(m.min) + " to " + sci(m.max) + " (median " +
                           sci(m.median) + ", quartiles " + sci(m.q1) + "–" + sci(m.q3) + ")." +
                           (r.flooredScales ? " " + count(r.flooredScales) +
                                                  " all-zero row(s) sit at the floor scale 1e-8/127 (exact zeros, not "
                                                  "damage)."
                                            : std::string()));
    return s;
}

ReportSection lutSection(const ReportData &r)
{
    ReportSection s{"luts", "Activation LUTs against the exact functions", {}, {}};
    s.pageBreak = true;
    s.paragraphs.push_back(std::string("Scales from ") +
                           (r.lutsFromSession ? "the folder's luts.json." : "the seed's defaults (no luts.json)."));
    ReportTable t{{"table", "input scale", "output scale", "max |error|", "mean |error|", "saturated", "monotonic",
                   "saturation starts at"},
                  {false, true, true, true, true, true, false, false},
                  {},
                  {}};
    for (const auto &l : r.luts) {
        const auto &a = l.analysis;
        std::string edges;
        for (const auto &e : l.edges)
            edges += (edges.empty() ? "" : "; ") + std::string(e.aboveSaturates ? "x > " : "x < ") + fmt("%.4g", e.x) +
                     " → " + std::to_string(e.limit);
        const std::string mono = a.expectedDirection == 0 ? "n/a"
                                 : a.monotonicViolations ? std::to_string(a.monotonicViolations) + " violation(s)"
                                                         : "yes";
        t.rows.push_back({lutName(a.kind), fmt("%.8g", l.inScale), fmt("%.8g", l.outScale), sci(a.maxAbsError),
                          sci(a.meanAbsError), std::to_string(a.saturatedCount) + " / 256", mono,
                          edges.empty() ? "none" : edges});
    }
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection shardSection(const ReportData &r)
{
    ReportSection s{"shards", "Shard map and on-chain cost", {}, {}};
    double rent = 0;
    uint64_t txs = 0;
    for (const auto &sh : r.shards) {
        rent += sh.cost.rentSol;
        txs += sh.transactions;
    }
    s.paragraphs.push_back(std::to_string(r.shards.size()) + " WeightShard account(s) (MAX_SHARDS " +
                           std::to_string(kMaxShards) + "), " + count(txs) +
                           " transactions to upload (create + 1,000-byte chunks + finalize each), rent-exempt deposit ≈ " +
                           sol(rent) + " SOL.");
    ReportTable t{{"shard", "offset", "bytes", "account bytes", "≤ 10 MiB", "transactions", "rent SOL", "tensors",
                   "SHA-256"},
                  {true, true, true, true, false, true, true, false, false},
                  {},
                  {}};
    for (const auto &sh : r.shards)
        t.rows.push_back({std::to_string(sh.shard.index), count(sh.shard.offset), count(sh.shard.size),
                          count(sh.cost.accountBytes), sh.cost.fitsAccount ? "yes" : "NO", count(sh.transactions),
                          sol(sh.cost.rentSol), sh.firstTensor + " … " + sh.lastTensor,
                          sh.sha256.empty() ? "(bytes not in memory)" : sh.sha256});
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection computeSection(const ReportData &r)
{
    ReportSection s{"compute", "On-chain compute per matrix", {}, {}};
    uint64_t maxCu = 0;
    for (const auto &m : r.matmuls)
        maxCu = std::max(maxCu, m.computeUnits);
    s.paragraphs.push_back("One sol_matmul_i8 call per matrix costs 100 + rows × cols compute units; a transaction may "
                           "use 1,400,000. Largest: " + count(maxCu) + " CU (" +
                           fmt("%.1f", 100.0 * double(maxCu) / double(kTransactionCuLimit)) + "% of a transaction).");
    ReportTable t{{"matrix", "rows × cols", "compute units", "% of a transaction", "fits"},
                  {false, true, true, true, false},
                  {},
                  {}};
    for (const auto &m : r.matmuls) {
        const auto &q = r.tensor(m.index);
        t.rows.push_back({q.name, std::to_string(q.rows) + " × " + std::to_string(q.cols), count(m.computeUnits),
                          fmt("%.1f", 100.0 * double(m.computeUnits) / double(kTransactionCuLimit)),
                          m.fits ? "yes" : "NO"});
    }
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection overridesSection(const ReportData &r)
{
    const auto &ov = r.result->overrides;
    ReportSection s{"overrides", "Overrides applied", {}, {}};
    if (ov.empty()) {
        s.paragraphs.push_back("None: every tensor uses the seed's default strategy.");
        return s;
    }
    s.paragraphs.push_back(std::to_string(r.overridden.size()) + " tensor(s) differ from the seed's default strategy. "
                           "Rules (last match wins): " + ov.toJson().dump());
    ReportTable t{{"tensor", "strategy", "SNR dB"}, {false, false, true}, {}, {}};
    for (const auto &name : r.overridden)
        if (const auto *q = r.result->find(name))
            t.rows.push_back({name, q->strategy.name(), db(q->stats.snrDb())});
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection layersSection(const ReportData &r)
{
    ReportSection s{"layers", "Layer table", {}, {}};
    s.pageBreak = true;
    s.paragraphs.push_back("Every quantized tensor in file order (the CSV report holds the same rows with full precision).");
    ReportTable t{{"tensor", "shape", "strategy", "SNR dB", "band", "max |error|", "rel. error %", "bytes", "offset",
                   "shard", "scale median", "note"},
                  {false, false, false, true, false, true, true, true, true, true, true, false},
                  {},
                  {}};
    for (const auto &l : r.layers) {
        const auto &q = r.tensor(l.index);
        const auto snr = q.stats.snrDb();
        t.rows.push_back({q.name, shapeText(q.shape), q.strategy.name() + (q.overridden ? " *" : ""), db(snr),
                          snrBandName(snrBand(snr)), sci(q.stats.maxAbsErr), fmt("%.3f", q.stats.relativeErrorPct()),
                          count(q.size), count(q.offset), std::to_string(shardOf(r.result->shards, q.offset)),
                          sci(l.scales.median), l.diagnosis == SnrDiagnosis::None ? "" : diagnosisName(l.diagnosis)});
    }
    s.tables.push_back(std::move(t));
    return s;
}

ReportSection notesSection(const ReportData &r)
{
    const auto &res = *r.result;
    ReportSection s{"notes", "Skipped tensors and warnings", {}, {}};
    if (res.skipped.empty() && res.warnings.empty())
        s.paragraphs.push_back("None.");
    if (!res.skipped.empty()) {
        ReportTable t{{"skipped tensor", "reason"}, {false, false}, {}, {}};
        for (const auto &k : res.skipped)
            t.rows.push_back({k.name, k.reason});
        s.tables.push_back(std::move(t));
    }
    for (const auto &w : res.warnings)
        s.paragraphs.push_back("warning: " + w);
    return s;
}

} // namespace

std::vector<ReportSection> reportSections(const ReportData &r)
{
    return {inputsSection(r),  modelSection(r),   snrSection(r),      outliersSection(r), worstSection(r),
            scalesSection(r),  lutSection(r),     shardSection(r),    computeSection(r),  overridesSection(r),
            layersSection(r),  notesSection(r)};
}

} // namespace ql
