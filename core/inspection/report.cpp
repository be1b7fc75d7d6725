#include "inspection/report.h"

#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "base/mappedfile.h"
#include "inspection/summary.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

namespace fs = std::filesystem;

namespace ql {

namespace {

/// The quantizer's scale for an all-zero row: max(absmax, 1e-8) / 127.
constexpr double kFloorScale = 1e-8 / 127.0;

std::string utcNow()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

ReportInput hashedInput(const std::string &role, const fs::path &path)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw inputError("cannot read the file to hash it: " + ec.message(), path.string());
    return {role, path.string(), size, sha256OfFile(path)};
}

ScaleSummary quartiles(std::vector<double> v)
{
    ScaleSummary s;
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        const double pos = q * double(v.size() - 1);
        const auto lo = std::size_t(std::floor(pos));
        const auto hi = std::min(lo + 1, v.size() - 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
    };
    s.count = v.size();
    s.min = v.front();
    s.q1 = at(0.25);
    s.median = at(0.5);
    s.q3 = at(0.75);
    s.max = v.back();
    return s;
}

/// The one-line reason a reviewer reads next to an outlier.
std::string outlierReason(const TensorAnalysis &a, const QuantizedTensor &q)
{
    switch (a.diagnosis) {
    case SnrDiagnosis::AllZero:
        return "small signal: every weight is 0, reconstruction is exact (no damage)";
    case SnrDiagnosis::NearZero:
        return "small signal: the weights sit near the SNR formula's noise floor (no real damage)";
    case SnrDiagnosis::Tiny:
        return "small signal: so few values that one of them decides the SNR";
    case SnrDiagnosis::Outlier: {
        const auto &s = a.tensorSetter;
        char buf[160];
        std::snprintf(buf, sizeof buf, "real damage: one weight per row stretches the scale (e.g. %.4g, %.1fx the next "
                                       "largest |w|)", double(s.value), s.ratio);
        return buf;
    }
    case SnrDiagnosis::None:
        break;
    }
    if (!a.hasSource)
        return "low SNR (the FP32 checkpoint is needed to tell damage from a small signal)";
    return q.strategy.layout == ScaleLayout::PerTensor
               ? "real damage: one scale for the whole tensor leaves most weights few codes"
               : "real damage: the rows' value ranges are wide for 8 bits";
}

void addChecks(ReportData &r)
{
    const auto &res = *r.result;
    auto add = [&](ReportCheck::Level l, std::string what) { r.checks.push_back({l, std::move(what)}); };
    char buf[256];
    if (int(res.shards.size()) > kMaxShards) {
        std::snprintf(buf, sizeof buf, "%zu shards: the ModelManifest holds at most MAX_SHARDS = %d", res.shards.size(),
                      kMaxShards);
        add(ReportCheck::Blocking, buf);
    }
    for (const auto &s : r.shards)
        if (!s.cost.fitsAccount) {
            std::snprintf(buf, sizeof buf, "shard %d: account of %s exceeds the 10 MiB account limit", s.shard.index,
                          groupDigits(s.cost.accountBytes).c_str());
            add(ReportCheck::Blocking, buf);
        }
    int over = 0;
    for (const auto &m : r.matmuls)
        over += m.fits ? 0 : 1;
    if (over) {
        std::snprintf(buf, sizeof buf, "%d matri%s need more than %s compute units in one sol_matmul_i8 call", over,
                      over == 1 ? "x" : "ces", groupDigits(kTransactionCuLimit).c_str());
        add(ReportCheck::Blocking, buf);
    }
    int damaged = 0, small = 0;
    for (const auto &o : r.outliers)
        if (o.belowThreshold && res.tensors[std::size_t(o.index)].isMatrix())
            (o.damage ? damaged : small) += 1;
    if (damaged) {
        std::snprintf(buf, sizeof buf, "%d matri%s below %.0f dB SNR with real damage", damaged,
                      damaged == 1 ? "x" : "ces", r.options.minSnr);
        add(ReportCheck::Blocking, buf);
    }
    if (small) {
        std::snprintf(buf, sizeof buf, "%d matri%s below %.0f dB SNR from a small or zero signal (no real damage)",
                      small, small == 1 ? "x" : "ces", r.options.minSnr);
        add(ReportCheck::Warning, buf);
    }
    if (!res.skipped.empty())
        add(ReportCheck::Warning, std::to_string(res.skipped.size()) + " tensor(s) not quantized (see Skipped)");
    if (!res.warnings.empty())
        add(ReportCheck::Warning, std::to_string(res.warnings.size()) + " warning(s) while reading or quantizing");
    for (const auto &l : r.luts)
        if (l.analysis.monotonicViolations > 0)
            add(ReportCheck::Warning, std::string("LUT ") + lutName(l.analysis.kind) + " is not monotonic in input "
                                      "order (" + std::to_string(l.analysis.monotonicViolations) + " step(s))");
    if (r.checks.empty() || std::none_of(r.checks.begin(), r.checks.end(),
                                         [](const ReportCheck &c) { return c.level != ReportCheck::Pass; })) {
        std::snprintf(buf, sizeof buf, "%zu shard(s), every account within 10 MiB, every matrix within one "
                                       "transaction's compute, no matrix below %.0f dB with real damage",
                      res.shards.size(), r.options.minSnr);
        add(ReportCheck::Pass, buf);
    }
}

} // namespace

std::optional<ReportFormat> parseReportFormat(const std::string &name)
{
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (n == "html" || n == "htm")
        return ReportFormat::Html;
    if (n == "md" || n == "markdown")
        return ReportFormat::Markdown;
    if (n == "pdf")
        return ReportFormat::Pdf;
    if (n == "csv")
        return ReportFormat::Csv;
    if (n == "json")
        return ReportFormat::Json;
    return std::nullopt;
}

std::optional<ReportFormat> reportFormatFromPath(const fs::path &path)
{
    const std::string ext = path.extension().string();
    return ext.size() > 1 ? parseReportFormat(ext.substr(1)) : std::nullopt;
}

const char *reportFormatName(ReportFormat f)
{
    switch (f) {
    case ReportFormat::Html:
        return "html";
    case ReportFormat::Markdown:
        return "md";
    case ReportFormat::Pdf:
        return "pdf";
    case ReportFormat::Csv:
        return "csv";
    case ReportFormat::Json:
        return "json";
    }
    return "";
}

bool reportNeedsFigures(ReportFormat f)
{
    return f == ReportFormat::Html || f == ReportFormat::Markdown || f == ReportFormat::Pdf;
}

std::string sha256OfFile(const fs::path &path)
{
    std::error_code ec;
    if (fs::file_size(path, ec) == 0 && !ec)
        return sha256Hex("", 0);
    const auto map = MappedFile::open(path);
    map->streamFromHere();
    map->willNeed(map->data(), map->size());
    return sha256Hex(map->data(), map->size());
}

const char *diagnosisName(SnrDiagnosis d)
{
    switch (d) {
    case SnrDiagnosis::None:
        return "none";
    case SnrDiagnosis::AllZero:
        return "all_zero";
    case SnrDiagnosis::NearZero:
        return "near_zero";
    case SnrDiagnosis::Tiny:
        return "tiny";
    case SnrDiagnosis::Outlier:
        return "outlier";
    }
    return "";
}

const char *checkLevelName(ReportCheck::Level l)
{
    switch (l) {
    case ReportCheck::Pass:
        return "pass";
    case ReportCheck::Warning:
        return "warning";
    case ReportCheck::Blocking:
        return "blocking";
    }
    return "";
}

ReportCheck::Level ReportData::verdict() const
{
    ReportCheck::Level worst = ReportCheck::Pass;
    for (const auto &c : checks)
        worst = std::max(worst, c.level);
    return worst;
}

ReportData buildReport(const Session &session, const ReportOptions &options)
{
    if (!session.result)
        throw Error(ErrorKind::Internal, "the session has no result", session.path.string());
    ReportData r;
    r.generatedUtc = utcNow();
    r.source = session.path.string();
    r.kind = session.kind;
    r.hasWeights = session.hasWeights();
    r.result = session.result;
    r.checkpoint = session.checkpoint;
    r.options = options;
    const QuantizeResult &res = *session.result;

    if (session.kind == InputKind::Checkpoint) {
        r.inputs.push_back(hashedInput("checkpoint", session.path));
    } else {
        std::vector<fs::path> files;
        for (const auto &e : fs::directory_iterator(session.path))
            if (e.is_regular_file())
                files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto &f : files)
            r.inputs.push_back(hashedInput("output folder", f));
    }
    if (!options.overridesFile.empty())
        r.inputs.push_back(hashedInput("overrides", options.overridesFile));

    r.snr = res.summary();
    std::vector<double> allScales;
    std::vector<int> bySnr;
    for (std::size_t i = 0; i < res.tensors.size(); ++i) {
        const auto &t = res.tensors[i];
        ReportLayer l;
        l.index = int(i);
        l.diagnosis = diagnoseSnr(t, &l.note);
        l.scales = summarizeScales(t);
        r.bands[std::size_t(snrBand(t.stats.snrDb()))] += 1;
        r.layers.push_back(std::move(l));
        if (t.strategy.layout == ScaleLayout::PerChannel)
            allScales.insert(allScales.end(), t.scales.begin(), t.scales.end());
        else
            allScales.push_back(t.scale);
        bySnr.push_back(int(i));
        if (t.overridden)
            r.overridden.push_back(t.name);
        if (t.isMatrix()) {
            const uint64_t cu = kMatmulBaseCu + uint64_t(t.rows) * uint64_t(t.cols);
            r.matmuls.push_back({int(i), cu, cu <= kTransactionCuLimit});
        }
    }
    for (double s : allScales)
        r.flooredScales += s <= kFloorScale * 1.0001 ? 1 : 0;
    r.modelScales = quartiles(std::move(allScales));

    // Worst first; an undefined SNR (all zeros) sorts first, it is below any threshold.
    std::stable_sort(bySnr.begin(), bySnr.end(), [&](int a, int b) {
        return res.tensors[std::size_t(a)].stats.snrDb().value_or(-1e300) <
               res.tensors[std::size_t(b)].stats.snrDb().value_or(-1e300);
    });
    const bool haveBytes = res.bytes.size() >= res.totalBytes;
    auto analyse = [&](int index) {
        const auto &q = res.tensors[std::size_t(index)];
        const int8_t *codes = haveBytes ? res.codes(q).data() : nullptr;
        const TensorData *src = session.checkpoint ? session.checkpoint->find(q.name) : nullptr;
        if (codes && src)
            return analyzeTensor(*src, q, codes);
        if (codes)
            return analyzeCodes(q, codes);
        TensorAnalysis none;
        none.unavailable = "the INT8 bytes are not in memory";
        return none;
    };
    for (int index : bySnr) {
        const auto snr = res.tensors[std::size_t(index)].stats.snrDb();
        if (snr && *snr >= options.minSnr)
            break;
        if (int(r.outliers.size()) >= options.maxOutliers)
            break;
        ReportOutlier o;
        o.index = index;
        o.belowThreshold = true;
        o.analysis = analyse(index);
        o.damage = o.analysis.diagnosis == SnrDiagnosis::Outlier || o.analysis.diagnosis == SnrDiagnosis::None;
        o.reason = outlierReason(o.analysis, res.tensors[std::size_t(index)]);
        r.outliers.push_back(std::move(o));
    }
    for (int index : bySnr) {
        if (int(r.worst.size()) >= options.worstTensors)
            break;
        if (res.tensors[std::size_t(index)].stats.snrDb())
            r.worst.push_back(index); // an all-zero tensor has no histogram worth drawing
    }

    r.lutsFromSession = session.luts.has_value();
    r.lutScales = session.luts.value_or(LutScales{});
    for (int k = 0; k < kNumLuts; ++k) {
        const auto kind = LutKind(k);
        ReportLut l;
        l.inScale = r.lutScales.in[k];
        l.outScale = r.lutScales.out[k];
        l.analysis = analyzeLut(kind, l.inScale, l.outScale);
        l.edges = lutSaturationEdges(kind, l.inScale, l.outScale);
        r.luts.push_back(std::move(l));
    }

    for (const auto &s : res.shards) {
        ReportShard rs;
        rs.shard = s;
        rs.cost = shardCost(s.size);
        rs.transactions = rs.cost.transactions + kShardExtraTransactions;
        if (haveBytes)
            rs.sha256 = sha256Hex(res.bytes, s.offset, s.size);
        for (const auto &t : res.tensors) {
            if (t.size == 0 || t.offset + t.size <= s.offset || t.offset >= s.offset + s.size)
                continue;
            if (rs.firstTensor.empty())
                rs.firstTensor = t.name;
            rs.lastTensor = t.name;
        }
        r.shards.push_back(std::move(rs));
    }
    addChecks(r);
    return r;
}

} // namespace ql
