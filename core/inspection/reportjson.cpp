// The machine-readable report formats: JSON (every section) and CSV (the layer table, RFC 4180).
#include "inspection/report.h"

#include "artifacts/atomicfile.h"
#include "base/errors.h"
#include "inspection/summary.h"

#include <cmath>

namespace ql {

namespace {

Json orNull(const std::optional<double> &v) { return v ? Json(*v) : Json(nullptr); }
Json finiteOrNull(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json scalesJson(const ScaleSummary &s)
{
    return {{"count", s.count}, {"min", s.min}, {"q1", s.q1}, {"median", s.median}, {"q3", s.q3}, {"max", s.max}};
}

Json setterJson(const ScaleSetter &s)
{
    return {{"column", s.column}, {"value", s.value}, {"next_largest", s.nextLargest},
            {"ratio", finiteOrNull(s.ratio)}, {"clipped", s.clipped}};
}

Json layerJson(const ReportData &r, const ReportLayer &l)
{
    const auto &t = r.tensor(l.index);
    Json j = tensorRowJson(*r.result, t);
    j["overridden"] = t.overridden;
    j["rows"] = t.rows;
    j["cols"] = t.cols;
    j["scales"] = scalesJson(l.scales);
    j["diagnosis"] = diagnosisName(l.diagnosis);
    j["note"] = l.note;
    return j;
}

} // namespace

Json reportJson(const ReportData &r)
{
    const auto &res = *r.result;
    Json j;
    j["format"] = "quantlens_report_v1";
    j["tool"] = {{"name", "quantlens"}, {"version", r.toolVersion}};
    j["generated_utc"] = r.generatedUtc;
    j["source"] = {{"path", r.source}, {"kind", r.kind == InputKind::Checkpoint ? "checkpoint" : "output_folder"},
                   {"has_fp32_weights", r.hasWeights}};
    Json inputs = Json::array();
    for (const auto &i : r.inputs)
        inputs.push_back({{"role", i.role}, {"path", i.path}, {"size", i.size}, {"sha256", i.sha256}});
    j["inputs"] = inputs;

    Json checks = Json::array();
    for (const auto &c : r.checks)
        checks.push_back({{"level", checkLevelName(c.level)}, {"what", c.what}});
    j["verdict"] = {{"level", checkLevelName(r.verdict())}, {"min_snr_db", r.options.minSnr}, {"checks", checks}};
    // Exactly `quantlens-cli lint INPUT --min-snr X --json` (less its "input"), plus the command that reproduces it.
    j["lint"] = lintReportJson(r.lint);
    j["lint"]["command"] = r.lintCommand;

    j["model"] = {{"type", res.model.modelType}, {"format", res.model.format()},
                  {"architecture", res.model.architecture}};
    int64_t params = 0;
    for (const auto &t : res.tensors)
        params += int64_t(t.size);
    j["sizes"] = {{"parameters", params},
                  {"fp32_bytes", res.fp32Bytes},
                  {"int8_bytes", res.totalBytes},
                  {"compression", res.totalBytes ? double(res.fp32Bytes) / double(res.totalBytes) : 0.0},
                  {"tensors", res.tensors.size()},
                  {"skipped", res.skipped.size()}};
    Json bands = Json::object();
    for (int b = 0; b < 5; ++b)
        bands[snrBandName(SnrBand(b))] = r.bands[std::size_t(b)];
    j["snr"] = {{"matrices", r.snr.numMatrices},  {"undefined", r.snr.numUndefined}, {"mean_db", r.snr.meanSnr},
                {"min_db", r.snr.minSnr},         {"max_db", r.snr.maxSnr},          {"bands", bands}};

    Json layers = Json::array();
    for (const auto &l : r.layers)
        layers.push_back(layerJson(r, l));
    j["layers"] = layers;

    Json outliers = Json::array();
    for (const auto &o : r.outliers) {
        const auto &t = r.tensor(o.index);
        const auto &a = o.analysis;
        Json e = {{"name", t.name},
                  {"snr_db", orNull(t.stats.snrDb())},
                  {"damage", o.damage},
                  {"diagnosis", diagnosisName(a.diagnosis)},
                  {"reason", o.reason},
                  {"note", a.note},
                  {"analysed_from_fp32", a.hasSource}};
        if (a.hasSource) {
            e["scale_setter"] = setterJson(a.tensorSetter);
            e["worst_row"] = a.worstRows.empty() ? Json(nullptr) : Json(a.worstRows.front());
            if (!a.worstRows.empty())
                e["worst_row_setter"] = setterJson(a.setters[std::size_t(a.worstRows.front())]);
            e["zero_rows"] = a.zeroRows;
            e["clipped_weights"] = a.saturated;
        }
        outliers.push_back(e);
    }
    j["outliers"] = outliers;
    Json worst = Json::array();
    for (int i : r.worst)
        worst.push_back(r.tensor(i).name);
    j["worst_tensors"] = worst;

    j["scales"] = scalesJson(r.modelScales);
    j["scales"]["floor_rows"] = r.flooredScales;
    j["scales"]["decades"] = r.modelScales.min > 0 ? std::log10(r.modelScales.max / r.modelScales.min) : 0.0;

    Json luts = Json::array();
    for (const auto &l : r.luts) {
        const auto &a = l.analysis;
        Json edges = Json::array();
        for (const auto &e : l.edges)
            edges.push_back({{"x", e.x}, {"above_saturates", e.aboveSaturates}, {"limit", e.limit}});
        // The table and its scales; how far it is from the exact function; where and how it saturates.
        luts.push_back({{"name", lutName(a.kind)}, {"input_scale", l.inScale}, {"output_scale", l.outScale},
                        {"max_abs_error", a.maxAbsError}, {"mean_abs_error", a.meanAbsError},
                        {"saturated_entries", a.saturatedCount}, {"expected_direction", a.expectedDirection},
                        {"monotonic_violations", a.monotonicViolations}, {"saturation_edges", edges}});
    }
    j["luts"] = {{"source", r.lutsFromSession ? "luts.json" : "seed defaults"}, {"tables", luts}};

    Json shards = Json::array();
    double rent = 0;
    uint64_t txs = 0;
    for (const auto &s : r.shards) {
        rent += s.cost.rentSol;
        txs += s.transactions;
        shards.push_back({{"index", s.shard.index},
                          {"offset", s.shard.offset},
                          {"size", s.shard.size},
                          {"account_bytes", s.cost.accountBytes},
                          {"fits_account", s.cost.fitsAccount},
                          {"upload_chunks", s.cost.transactions},
                          {"transactions", s.transactions},
                          {"rent_sol", s.cost.rentSol},
                          {"sha256", s.sha256.empty() ? Json(nullptr) : Json(s.sha256)},
                          {"first_tensor", s.firstTensor},
                          {"last_tensor", s.lastTensor}});
    }
    j["shards"] = {{"count", r.shards.size()}, {"max_shards", kMaxShards}, {"rent_sol", rent},
                   {"transactions", txs}, {"list", shards}};

    Json mm = Json::array();
    uint64_t maxCu = 0, totalCu = 0;
    for (const auto &m : r.matmuls) {
        const auto &t = r.tensor(m.index);
        maxCu = std::max(maxCu, m.computeUnits);
        totalCu += m.computeUnits;
        mm.push_back({{"name", t.name}, {"rows", t.rows}, {"cols", t.cols}, {"compute_units", m.computeUnits},
                      {"fits_transaction", m.fits}});
    }
    j["compute"] = {{"base_cu", kMatmulBaseCu}, {"transaction_limit_cu", kTransactionCuLimit},
                    {"max_cu", maxCu},        {"total_cu", totalCu},
                    {"matrices", mm}};

    j["overrides"] = {{"rules", res.overrides.empty() ? Json::object() : res.overrides.toJson()},
                      {"changed_tensors", r.overridden}};
    Json skipped = Json::array();
    for (const auto &s : res.skipped)
        skipped.push_back({{"name", s.name}, {"reason", s.reason}});
    j["skipped"] = skipped;
    j["warnings"] = res.warnings;
    // Exactly `quantlens-cli compare INPUT B --json`, plus the tensors the figures show.
    if (r.comparison) {
        j["comparison"] = compareResultJson(*r.comparison->result);
        j["comparison"]["plotted"] = r.comparison->plotted;
    } else {
        j["comparison"] = nullptr;
    }
    return j;
}

std::string csvField(const std::string &v)
{
    if (v.find_first_of(",\"\r\n") == std::string::npos)
        return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string layerTableCsv(const ReportData &r)
{
    static const char *const kHeader[] = {
        "name",        "group",    "shape",      "dtype",   "strategy",  "overridden", "snr_db",
        "band",        "mse",      "max_abs_error", "relative_error_pct", "bytes", "offset", "shard",
        "scale_min",   "scale_median", "scale_max", "diagnosis", "note"};
    std::string out;
    for (std::size_t i = 0; i < std::size(kHeader); ++i)
        out += (i ? "," : "") + std::string(kHeader[i]);
    out += "\r\n";
    auto num = [](double v) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.9g", v);
        return std::string(buf);
    };
    for (const auto &l : r.layers) {
        const auto &t = r.tensor(l.index);
        const auto snr = t.stats.snrDb();
        const std::string fields[] = {t.name,
                                      t.group,
                                      shapeText(t.shape),
                                      dtypeName(t.dtype),
                                      t.strategy.name(),
                                      t.overridden ? "true" : "false",
                                      snr ? num(*snr) : std::string(),
                                      snrBandName(snrBand(snr)),
                                      num(t.stats.mse()),
                                      num(t.stats.maxAbsErr),
                                      num(t.stats.relativeErrorPct()),
                                      std::to_string(t.size),
                                      std::to_string(t.offset),
                                      std::to_string(shardOf(r.result->shards, t.offset)),
                                      num(l.scales.min),
                                      num(l.scales.median),
                                      num(l.scales.max),
                                      diagnosisName(l.diagnosis),
                                      l.note};
        for (std::size_t i = 0; i < std::size(fields); ++i)
            out += (i ? "," : "") + csvField(fields[i]);
        out += "\r\n";
    }
    return out;
}

void writeDataReport(const ReportData &report, ReportFormat format, const std::filesystem::path &file)
{
    if (format == ReportFormat::Json)
        writeFileAtomically(file, reportJson(report).dump(2) + "\n");
    else if (format == ReportFormat::Csv)
        writeFileAtomically(file, layerTableCsv(report));
    else
        throw Error(ErrorKind::Internal, std::string("the ") + reportFormatName(format) + " report needs its figures "
                    "drawn (quantlens-report)", file.string());
}

} // namespace ql
