// The report's sections, in the order a reviewer reads them: verdict, what was reviewed, then the evidence.
#include "inspection/reportwriters.h"

#include "base/numberformat.h"
#include "inspection/summary.h"

#include <cmath>
#include <cstdio>

namespace ql {

namespace {

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

ReportSection lintSection(const ReportData &r)
{
    const auto &l = r.lint;
    ReportSection s{"lint", "Lint verdicts", {}, {}};
    s.paragraphs.push_back(std::string("Gate ") + (l.ok() ? "passes" : "FAILS") + ": " + std::to_string(l.errors()) +
                           " error(s), " + std::to_string(l.warnings()) + " warning(s), the findings of `" +
                           r.lintCommand + "` (the CI gate; exit 0 only without an error). On-chain limits (SPEC §7) "
                           "and the SNR gate are errors, suspicious content is a warning" +
                           (l.options.strict ? " (--strict: warnings count as errors)." : ".") +
                           (l.codesChecked ? "" : " The INT8 codes were not read, so the code rules did not run."));
    if (l.findings.empty()) {
        s.paragraphs.push_back("No finding.");
        return s;
    }
    ReportTable t{{"severity", "rule", "tensor / LUT / shard", "row", "finding"},
                  {false, false, false, true, false},
                  {},
                  {}};
    for (const auto &f : l.findings)
        t.rows.push_back({f.severity == LintSeverity::Error ? "error" : "warning", f.rule,
                          !f.tensor.empty() ? f.tensor
                          : !f.lut.empty()  ? "LUT " + f.lut
                          : f.shard >= 0    ? "shard " + std::to_string(f.shard)
                                            : std::string("–"),
                          f.row >= 0 ? std::to_string(f.row) : std::string("–"), f.message});
    s.tables.push_back(std::move(t));
    return s;
}

std::string optDb(const std::optional<double> &v, const char *f = "%.2f")
{
    if (!v)
        return "–";
    if (!std::isfinite(*v))
        return "inf";
    return fmt(f, *v);
}

ReportSection compareSection(const ReportData &r)
{
    const auto &c = *r.comparison->result;
    const auto &m = c.summary;
    ReportSection s{"compare", "Comparison with " + c.pathB, {}, {}};
    s.pageBreak = true;
    s.figureColumns = 3;
    std::string upload;
    if (m.identical() && m.int8BytesChanged == 0 && !c.layoutChanged)
        upload = "nothing to upload";
    else if (m.patchTransactions)
        upload = "patching the finalized accounts would take " + count(*m.patchTransactions) +
                 " transactions (changed chunks + finalize, needs a program that can re-open them); in practice each "
                 "changed shard is a new account: " + count(m.recreateTransactions) + " transactions";
    else
        upload = "a shard is new or resized, so no account can be patched: re-creating takes " +
                 count(m.recreateTransactions) + " transactions";
    s.paragraphs.push_back("A is this report's input (" + c.pathA + "), B is " + c.pathB + " (same as `quantlens-cli "
                           "compare A B`). " + (m.identical() ? "Identical" : "Different") + ": " +
                           std::to_string(m.same) + " same, " + std::to_string(m.changed) + " changed, " +
                           std::to_string(m.reshaped) + " reshaped, " + std::to_string(m.added) + " added, " +
                           std::to_string(m.removed) + " removed. INT8: " + count(m.int8BytesChanged) + " bytes in " +
                           count(m.chunksChanged) + " upload chunks differ; shards " + std::to_string(c.shardCountA) +
                           " → " + std::to_string(c.shardCountB) + (c.layoutChanged ? " (layout changed)" : "") + ", " +
                           std::to_string(c.tensorsMoved) + " tensor(s) moved. Upload: " + upload +
                           "; rent difference " + fmt("%+.6f", m.rentDeltaSol) + " SOL.");
    std::string added, removed;
    for (const auto &d : c.tensors) {
        if (d.status == TensorStatus::Added)
            added += (added.empty() ? "" : ", ") + d.name;
        if (d.status == TensorStatus::Removed)
            removed += (removed.empty() ? "" : ", ") + d.name;
    }
    s.paragraphs.push_back("Added in B: " + (added.empty() ? std::string("none") : added) + ". Removed from A: " +
                           (removed.empty() ? std::string("none") : removed) + ".");
    if (!r.comparison->plotted.empty()) {
        std::string names;
        for (const auto &n : r.comparison->plotted)
            names += (names.empty() ? "" : ", ") + n;
        s.paragraphs.push_back("Drawn as in the compare view (A blue, B orange): the matrices with the most changed INT8 bytes, " + names + ".");
    }
    ReportTable sh{{"shard", "A offset + size", "B offset + size", "bytes changed", "chunks changed", "patch tx",
                    "re-create tx", "rent Δ SOL", "changed chunks"},
                   {true, true, true, true, true, true, true, true, false},
                   {},
                   "Shards: what re-uploading costs (SPEC §7)"};
    auto side = [](const std::optional<Shard> &x) {
        return x ? count(x->offset) + " + " + count(x->size) : std::string("–");
    };
    for (const auto &d : c.shards) {
        std::string ranges;
        for (std::size_t i = 0; i < d.chunkRanges.size(); ++i) {
            if (i == 8) {
                ranges += " … (+" + std::to_string(d.chunkRanges.size() - i) + ")";
                break;
            }
            ranges += (i ? ", " : "") + std::to_string(d.chunkRanges[i].first) +
                      (d.chunkRanges[i].last != d.chunkRanges[i].first ? "–" + std::to_string(d.chunkRanges[i].last)
                                                                       : std::string());
        }
        sh.rows.push_back({std::to_string(d.index), side(d.a), side(d.b), count(d.bytesChanged), count(d.chunksChanged),
                           d.patchTransactions ? count(*d.patchTransactions) : std::string("new account"),
                           count(d.recreateTransactions), fmt("%+.6f", d.rentDeltaSol),
                           ranges.empty() ? std::string("none") : ranges});
    }
    s.tables.push_back(std::move(sh));
    // max |Δw| and the strategies of unchanged tensors are in the JSON: on A4 the names need the width.
    ReportTable t{{"tensor", "status", "shape A → B", "rel. L2 change", "SNR A", "SNR B", "Δ SNR dB", "scale drift",
                   "INT8 bytes changed", "strategy"},
                  {false, false, false, true, true, true, true, true, true, false},
                  {},
                  "Tensors that differ (the JSON report lists every tensor)"};
    int same = 0;
    for (const auto &d : c.tensors) {
        if (d.status == TensorStatus::Same) {
            ++same;
            continue;
        }
        const std::string shapeA = d.a ? shapeText(d.a->shape) : "–", shapeB = d.b ? shapeText(d.b->shape) : "–";
        t.rows.push_back({d.name, statusName(d.status), shapeA == shapeB ? shapeA : shapeA + " → " + shapeB,
                          optDb(d.relL2Change, "%.3g"), optDb(d.snrA), optDb(d.snrB), optDb(d.snrDelta, "%+.2f"),
                          optDb(d.scaleMaxRelChange, "%.3g"),
                          d.int8BytesChanged ? count(*d.int8BytesChanged) : std::string("–"),
                          d.strategyChanged && d.a && d.b ? d.a->strategy.name() + " → " + d.b->strategy.name()
                          : d.bothSides()                 ? std::string("same")
                          : d.b                           ? d.b->strategy.name()
                                                          : d.a->strategy.name()});
    }
    if (!t.rows.empty())
        s.tables.push_back(std::move(t));
    s.paragraphs.push_back(std::to_string(same) + " tensor(s) are identical on both sides and not listed.");
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
    // Lint first: it is the verdict's evidence. The comparison before the long layer table, where a reviewer of an
    // update looks first.
    std::vector<ReportSection> s = {lintSection(r),     inputsSection(r),  modelSection(r),   snrSection(r),
                                    outliersSection(r), worstSection(r),   scalesSection(r),  lutSection(r),
                                    shardSection(r),    computeSection(r), overridesSection(r)};
    if (r.comparison)
        s.push_back(compareSection(r));
    s.push_back(layersSection(r));
    s.push_back(notesSection(r));
    return s;
}

} // namespace ql
