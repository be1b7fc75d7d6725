#include "inspection/report.h"

#include "artifacts/artifacts.h"
#include "base/enumnames.h"
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

/// Where a lint finding points, for a reader: "tensor 'x' row 3", "LUT silu", "shard 1".
std::string findingPlace(const LintFinding &f)
{
    if (!f.tensor.empty())
        return "tensor '" + f.tensor + "'" + (f.row >= 0 ? " row " + std::to_string(f.row) : std::string());
    if (!f.lut.empty())
        return "LUT " + f.lut;
    if (f.shard >= 0)
        return "shard " + std::to_string(f.shard);
    return {};
}

/// The verdict is lint's: one check per rule and severity (the first finding as its example), then what lint does
/// not look at (warnings while reading). Lint errors block; warnings ask for a review.
void addChecks(ReportData &r)
{
    const auto &res = *r.result;
    auto add = [&](ReportCheck::Level l, std::string what) { r.checks.push_back({l, std::move(what)}); };
    std::vector<std::pair<const LintFinding *, int>> groups; // first finding of a (severity, rule), count
    for (const auto &f : r.lint.findings) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto &g) {
            return g.first->rule == f.rule && g.first->severity == f.severity;
        });
        if (it == groups.end())
            groups.emplace_back(&f, 1);
        else
            ++it->second;
    }
    for (const auto &[f, n] : groups) {
        const std::string place = findingPlace(*f);
        add(f->severity == LintSeverity::Error ? ReportCheck::Blocking : ReportCheck::Warning,
            "lint " + f->rule + (n > 1 ? " (" + std::to_string(n) + " findings, e.g. " : " (") +
                (place.empty() ? std::string() : place + ": ") + f->message + ")");
    }
    if (!res.warnings.empty())
        add(ReportCheck::Warning, std::to_string(res.warnings.size()) + " warning(s) while reading or quantizing");
    if (r.checks.empty()) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "lint passes with no finding: %zu shard(s), every account within 10 MiB, every "
                                       "matrix within one transaction's compute, no matrix below %.0f dB",
                      res.shards.size(), r.options.minSnr);
        add(ReportCheck::Pass, buf);
    }
}

std::string lintCommandLine(const ReportData &r)
{
    char snr[32];
    std::snprintf(snr, sizeof snr, "%g", r.options.minSnr);
    return "quantlens-cli lint " + r.source + " --min-snr " + snr + (r.options.strict ? " --strict" : "");
}

void hashInputs(std::vector<ReportInput> &out, const Session &s, const std::string &fileRole,
                const std::string &folderRole)
{
    if (s.kind == InputKind::Checkpoint) {
        out.push_back(hashedInput(fileRole, s.path));
        return;
    }
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(s.path))
        if (e.is_regular_file())
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &f : files)
        out.push_back(hashedInput(folderRole, f));
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

constexpr EnumName<ReportFormat> kReportFormatNames[] = {
    {ReportFormat::Html, "html"}, {ReportFormat::Markdown, "md"}, {ReportFormat::Pdf, "pdf"},
    {ReportFormat::Csv, "csv"}, {ReportFormat::Json, "json"}};
static_assert(namesEveryEnumerator(kReportFormatNames));
const char *reportFormatName(ReportFormat f) { return enumName(kReportFormatNames, f); }

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

constexpr EnumName<SnrDiagnosis> kDiagnosisNames[] = {
    {SnrDiagnosis::None, "none"}, {SnrDiagnosis::AllZero, "all_zero"}, {SnrDiagnosis::NearZero, "near_zero"},
    {SnrDiagnosis::Tiny, "tiny"}, {SnrDiagnosis::Outlier, "outlier"}};
static_assert(namesEveryEnumerator(kDiagnosisNames));
const char *diagnosisName(SnrDiagnosis d) { return enumName(kDiagnosisNames, d); }

constexpr EnumName<ReportCheck::Level> kCheckLevelNames[] = {
    {ReportCheck::Level::Pass, "pass"}, {ReportCheck::Level::Warning, "warning"},
    {ReportCheck::Level::Blocking, "blocking"}};
static_assert(namesEveryEnumerator(kCheckLevelNames));
const char *checkLevelName(ReportCheck::Level l) { return enumName(kCheckLevelNames, l); }

ReportCheck::Level ReportData::verdict() const
{
    ReportCheck::Level worst = ReportCheck::Pass;
    for (const auto &c : checks)
        worst = std::max(worst, c.level);
    return worst;
}

ReportData buildReport(const Session &session, const ReportOptions &options, std::shared_ptr<const Session> compareWith)
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

    hashInputs(r.inputs, session, "checkpoint", "output folder");
    if (compareWith)
        hashInputs(r.inputs, *compareWith, "compared with (B): checkpoint", "compared with (B): output folder");
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
        r.flooredScales += s <= chain::kScaleFloor * 1.0001 ? 1 : 0;
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
    // The same rules and inputs as `quantlens-cli lint INPUT --min-snr <minSnr>`.
    LintOptions lo;
    lo.minSnrDb = options.minSnr;
    lo.strict = options.strict;
    r.lint = lintResult(res, lintInputsFor(session), lo);
    r.lintCommand = lintCommandLine(r);
    addChecks(r);

    if (compareWith) {
        ReportComparison c;
        c.a = std::make_shared<const Session>(session);
        c.b = std::move(compareWith);
        c.result = std::make_shared<const CompareResult>(compare(*c.a, *c.b));
        // The plots are per row: draw the matrices whose shipped bytes changed most (a bias's one row says little),
        // the largest FP32 change breaking ties.
        std::vector<const TensorDelta *> matrices;
        for (const auto &d : c.result->tensors)
            if (d.bothSides() && d.status == TensorStatus::Changed && d.a->isMatrix() && d.a->rows > 1)
                matrices.push_back(&d);
        std::stable_sort(matrices.begin(), matrices.end(), [](const TensorDelta *x, const TensorDelta *y) {
            const auto bx = x->int8BytesChanged.value_or(0), by = y->int8BytesChanged.value_or(0);
            return bx != by ? bx > by : x->relL2Change.value_or(0) > y->relL2Change.value_or(0);
        });
        for (const auto *d : matrices)
            if (int(c.plotted.size()) < options.compareFigures)
                c.plotted.push_back(d->name);
        r.comparison = std::move(c);
    }
    return r;
}

} // namespace ql
