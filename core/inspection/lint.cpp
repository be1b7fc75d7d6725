#include "inspection/lint.h"

#include "artifacts/shardmap.h"
#include "base/regularfile.h"
#include "base/utf8.h"
#include "inspection/analysis.h"
#include "session/session.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace ql {

std::size_t LintReport::errors() const
{
    std::size_t n = 0;
    for (const auto &f : findings)
        n += f.severity == LintSeverity::Error;
    return n;
}

std::size_t LintReport::warnings() const { return findings.size() - errors(); }

namespace {
std::string num(double v, const char *f = "%.2f")
{
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

/// Rows listed in a message: the first few and the count.
std::string rowList(const std::vector<int64_t> &rows)
{
    std::string s = rows.size() == 1 ? "row " : "rows ";
    for (std::size_t i = 0; i < rows.size() && i < 5; ++i)
        s += (i ? ", " : "") + std::to_string(rows[i]);
    if (rows.size() > 5)
        s += ", ... (" + std::to_string(rows.size()) + " rows)";
    return s;
}

struct Linter
{
    const QuantizeResult &r;
    const LintOptions &opt;
    LintReport &rep;

    void add(LintSeverity sev, const std::string &rule, const std::string &msg, const std::string &tensor = {},
             int64_t row = -1, const std::string &lut = {}, int shard = -1)
    {
        if (opt.strict)
            sev = LintSeverity::Error;
        rep.findings.push_back({sev, rule, msg, tensor, row, lut, shard});
    }
    void error(const std::string &rule, const std::string &msg, const std::string &tensor = {}, int64_t row = -1)
    {
        add(LintSeverity::Error, rule, msg, tensor, row);
    }
    void warn(const std::string &rule, const std::string &msg, const std::string &tensor = {}, int64_t row = -1)
    {
        add(LintSeverity::Warning, rule, msg, tensor, row);
    }

    /// An architecture field that must fit an on-chain integer of `bits` bits.
    void fits(const char *field, const char *onChain, int bits)
    {
        const Json &a = r.model.architecture;
        if (!a.is_object() || !a.contains(field) || !a[field].is_number())
            return;
        const double v = a[field].get<double>();
        const double max = std::ldexp(1.0, bits) - 1;
        if (v < 0 || v > max || v != std::floor(v))
            error(std::string("field_u") + std::to_string(bits),
                  std::string("architecture.") + field + " = " + a[field].dump() + " does not fit " + onChain +
                      " (u" + std::to_string(bits) + ", at most " + num(max, "%.0f") + ")");
    }

    void chainLimits()
    {
        if (r.shards.size() > chain::kMaxShards)
            error("max_shards", std::to_string(r.shards.size()) + " shards, the ModelManifest holds at most " +
                                    std::to_string(chain::kMaxShards) + " (MAX_SHARDS)");
        for (const auto &s : r.shards)
            if (chain::kShardHeaderBytes + s.size > kMaxAccountBytes)
                add(LintSeverity::Error, "account_size",
                    "shard " + std::to_string(s.index) + " needs a WeightShard account of " +
                        std::to_string(chain::kShardHeaderBytes + s.size) + " bytes, over the 10 MiB (" +
                        std::to_string(kMaxAccountBytes) + "-byte) limit",
                    {}, -1, {}, s.index);
        const Json &a = r.model.architecture;
        if (a.is_object() && a.contains("n_layers") && a["n_layers"].is_number() &&
            a["n_layers"].get<double>() > double(chain::kMaxLayers))
            error("max_layers", "architecture.n_layers = " + a["n_layers"].dump() + ", the ModelManifest holds at most " +
                                    std::to_string(chain::kMaxLayers) + " layers (MAX_LAYERS)");
        fits("d_model", "ModelManifest.d_model", 16);
        fits("d_inner", "ModelManifest.d_inner", 16);
        fits("d_state", "ModelManifest.d_state", 16);
        fits("n_layers", "ModelManifest.num_layers", 8);
        fits("nheads", "ModelManifest.num_heads", 8);
        if (r.shards.size() > 255)
            error("field_u8", std::to_string(r.shards.size()) + " shards do not fit ModelManifest.num_shards (u8)");
        if (r.totalBytes > 0xffffffffull)
            error("field_u32", "total_weight_bytes = total_params = " + std::to_string(r.totalBytes) +
                                   " does not fit ModelManifest's u32 fields (at most 4294967295)");
        for (const auto &t : r.tensors) {
            if (!t.isMatrix())
                continue;
            if (t.cols > chain::kMaxAccumulatorCols)
                error("accumulator_overflow",
                      std::to_string(t.cols) + " columns: an int32 accumulator of y[i] = sum_j W[i][j] x[j] can "
                                               "overflow past " + std::to_string(chain::kMaxAccumulatorCols) +
                          " (128 * 128 per product)",
                      t.name);
            const uint64_t cu = chain::kMatmulBaseUnits + uint64_t(t.rows) * uint64_t(t.cols);
            if (cu > chain::kMaxComputeUnits)
                error("compute_units", "one sol_matmul_i8 call costs 100 + " + std::to_string(t.rows) + " x " +
                                           std::to_string(t.cols) + " = " + std::to_string(cu) +
                                           " compute units, over the 1,400,000 a transaction may use",
                      t.name);
        }
    }

    void quality()
    {
        if (!opt.minSnrDb)
            return;
        for (const auto &t : r.tensors) {
            const auto snr = t.stats.snrDb();
            if (!t.isMatrix() || !snr || *snr >= *opt.minSnrDb)
                continue;
            std::string note;
            const SnrDiagnosis d = diagnoseSnr(t, &note);
            if (d == SnrDiagnosis::NearZero)
                warn("near_zero_signal", "SNR " + num(*snr) + " dB is under --min-snr " + num(*opt.minSnrDb) +
                                             " dB because the signal is near zero, not from damage: " + note,
                     t.name);
            else
                error("min_snr", "SNR " + num(*snr) + " dB is under --min-snr " + num(*opt.minSnrDb) + " dB" +
                                     (note.empty() ? std::string() : ": " + note),
                      t.name);
        }
    }

    void suspicious()
    {
        for (const auto &s : r.skipped)
            warn("skipped_tensor", "not quantized: " + s.reason, s.name);
        for (const auto &t : r.tensors) {
            const bool integer = !dtypeIsFloating(t.dtype);
            const bool counter = t.name.size() >= 19 && t.name.compare(t.name.size() - 19, 19, "num_batches_tracked") == 0;
            if (integer || counter)
                warn("integer_tensor",
                     std::string(integer ? std::string("an integer buffer (") + dtypeName(t.dtype) + ")"
                                         : std::string("a counter buffer")) +
                         " quantized as if it were a weight: its INT8 codes are meaningless to a consumer",
                     t.name);
        }
        rep.codesChecked = r.bytes.size() == r.totalBytes;
        if (!rep.codesChecked)
            return;
        for (const auto &t : r.tensors) {
            const int8_t *codes = r.codes(t).data();
            if (t.size == 0 || t.cols <= 0 || !codes)
                continue;
            std::vector<int64_t> zeroRows, floorRows, minRows;
            int64_t minCodes = 0;
            for (int64_t row = 0; row < t.rows; ++row) {
                const int8_t *c = codes + row * t.cols;
                bool allZero = true;
                int64_t mins = 0;
                for (int64_t j = 0; j < t.cols; ++j) {
                    allZero = allZero && c[j] == 0;
                    mins += c[j] == -128;
                }
                const float scale = t.rowScale(t.strategy.layout == ScaleLayout::PerChannel ? row : 0);
                if (allZero)
                    zeroRows.push_back(row);
                else if (scale > 0 && scale <= float(chain::kScaleFloor) * 1.000001f)
                    floorRows.push_back(row);
                if (mins) {
                    minRows.push_back(row);
                    minCodes += mins;
                }
            }
            if (!zeroRows.empty())
                warn("all_zero_rows",
                     (t.isMatrix() ? rowList(zeroRows) : std::string("the tensor")) + " quantized to all-zero codes" +
                         (int64_t(zeroRows.size()) == t.rows && t.isMatrix() ? " (the whole tensor)" : ""),
                     t.name, zeroRows.front());
            if (!floorRows.empty())
                warn("scale_floor",
                     rowList(floorRows) + ": the scale sits at the 1e-8/127 floor (every |w| under 1e-8) while codes "
                                          "are not zero",
                     t.name, floorRows.front());
            if (!minRows.empty())
                warn("code_minus_128",
                     std::to_string(minCodes) + " code(s) at -128 in " + rowList(minRows) +
                         ": a consumer assuming the symmetric range [-127, 127] misreads them",
                     t.name, minRows.front());
        }
    }

    void luts(const LintInputs &in)
    {
        if (!in.luts)
            return;
        if (in.lutsBinMatches && !*in.lutsBinMatches)
            add(LintSeverity::Error, "lut_bin_mismatch",
                "luts.bin is not the table luts.json's scales generate: the chain would get other tables", {}, -1,
                "luts.bin");
        for (int k = 0; k < kNumLuts; ++k) {
            const auto kind = LutKind(k);
            const LutAnalysis a = analyzeLut(kind, in.luts->in[k], in.luts->out[k]);
            if (a.saturatedCount > 0)
                add(LintSeverity::Warning, "lut_saturated",
                    std::to_string(a.saturatedCount) + " of 256 entries saturate (from |x| = " +
                        num(a.firstSaturatedInput, "%.4g") + " at output scale " + num(in.luts->out[k], "%.6g") + ")",
                    {}, -1, lutName(kind));
            if (a.expectedDirection == 0)
                continue;
            // The stored table in input-value order (signed tables: indices 128..255 are x < 0, then 0..127).
            const auto table = in.lutsBin ? *in.lutsBin : generateLuts(*in.luts);
            int violations = 0, first = -1;
            int prev = 0;
            for (int n = 0; n < kLutSize; ++n) {
                const int i = lutSigned(kind) ? (n + 128) % kLutSize : n;
                const uint8_t b = table[std::size_t(k * kLutSize + i)];
                const int v = lutSigned(kind) ? int(int8_t(b)) : int(b);
                if (n > 0 && (v - prev) * a.expectedDirection < 0 && violations++ == 0)
                    first = i;
                prev = v;
            }
            if (violations)
                add(LintSeverity::Warning, "lut_not_monotonic",
                    std::to_string(violations) + " step(s) go " + (a.expectedDirection > 0 ? "down" : "up") +
                        " in input order where the function is " +
                        (a.expectedDirection > 0 ? "increasing" : "decreasing") + " (first at index " +
                        std::to_string(first) + (in.lutsBin ? " of luts.bin)" : ")"),
                    {}, -1, lutName(kind));
        }
    }
};
} // namespace

LintInputs lintInputsFor(const Session &s)
{
    LintInputs in;
    in.luts = s.luts;
    if (s.kind != InputKind::OutputFolder || !s.luts)
        return in;
    bool matches = false;
    readLutScales(s.path, &matches);
    in.lutsBinMatches = matches;
    const std::filesystem::path bin = s.path / "luts.bin";
    std::error_code ec;
    if (std::filesystem::is_regular_file(bin, ec) && std::filesystem::file_size(bin, ec) == kNumLuts * kLutSize) {
        const std::string bytes = readRegularFile(bin, kNumLuts * kLutSize, "luts.bin size");
        if (bytes.size() == kNumLuts * kLutSize) {
            in.lutsBin.emplace();
            std::memcpy(in.lutsBin->data(), bytes.data(), bytes.size());
        }
    }
    return in;
}

LintReport lintResult(const QuantizeResult &r, const LintInputs &in, const LintOptions &opt)
{
    LintReport rep;
    rep.options = opt;
    Linter l{r, opt, rep};
    l.chainLimits();
    l.quality();
    l.suspicious();
    l.luts(in);
    return rep;
}

Json lintReportJson(const LintReport &rep)
{
    Json list = Json::array();
    auto orNull = [](const std::string &s) { return s.empty() ? Json(nullptr) : Json(toValidUtf8(s)); };
    for (const auto &f : rep.findings)
        list.push_back({{"severity", f.severity == LintSeverity::Error ? "error" : "warning"},
                        {"rule", f.rule},
                        {"message", toValidUtf8(f.message)},
                        {"tensor", orNull(f.tensor)},
                        {"row", f.row >= 0 ? Json(f.row) : Json(nullptr)},
                        {"lut", orNull(f.lut)},
                        {"shard", f.shard >= 0 ? Json(f.shard) : Json(nullptr)}});
    return {{"ok", rep.ok()},
            {"errors", rep.errors()},
            {"warnings", rep.warnings()},
            {"strict", rep.options.strict},
            {"min_snr_db", rep.options.minSnrDb ? Json(*rep.options.minSnrDb) : Json(nullptr)},
            {"codes_checked", rep.codesChecked},
            {"findings", std::move(list)}};
}

} // namespace ql
