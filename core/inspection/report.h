#pragma once
// The reviewer report as data: every section the HTML, Markdown, PDF, CSV and JSON reports show, assembled from one
// Session with no Qt. The writers (reportwriters.h here, the PDF and figures in ui/) only format these values.
#include "artifacts/lutsaturation.h"
#include "inspection/analysis.h"
#include "inspection/lint.h"
#include "session/compare.h"
#include "session/session.h"

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// The on-chain limits the report shows (SPEC §7): lint's, so that the two never disagree.
constexpr int kMaxShards = int(chain::kMaxShards);                ///< ModelManifest MAX_SHARDS
constexpr uint64_t kMatmulBaseCu = chain::kMatmulBaseUnits;       ///< sol_matmul_i8: 100 + rows × cols CU per call
constexpr uint64_t kTransactionCuLimit = chain::kMaxComputeUnits; ///< compute units a transaction may use
constexpr uint64_t kShardExtraTransactions = 2;                   ///< create + finalize around the upload chunks

enum class ReportFormat { Html, Markdown, Pdf, Csv, Json, Last = Json };
/// "html", "md", "pdf", "csv", "json" (also "markdown"); nullopt for anything else.
std::optional<ReportFormat> parseReportFormat(const std::string &name);
/// From the output file's extension (.html/.htm, .md, .pdf, .csv, .json); nullopt when unknown.
std::optional<ReportFormat> reportFormatFromPath(const std::filesystem::path &path);
const char *reportFormatName(ReportFormat f);
/// Formats that need figures drawn (Qt): HTML, Markdown, PDF.
bool reportNeedsFigures(ReportFormat f);

struct ReportOptions
{
    double minSnr = 20.0;                 ///< below this a tensor is an outlier (the seed's "investigate" band); also
                                          ///< lint's --min-snr quality gate
    bool strict = false;                  ///< lint --strict: warnings are errors (and block the verdict)
    int worstTensors = 3;                 ///< tensors whose histograms the report draws
    int maxOutliers = 25;                 ///< outliers analysed in full (the layer table lists every tensor)
    std::filesystem::path overridesFile;  ///< hashed and named when the overrides came from a file
    int compareFigures = 3;               ///< changed tensors (largest change first) drawn as the compare view does
};

/// One file the report was made from.
struct ReportInput
{
    std::string role;   ///< "checkpoint", "output folder", "overrides"
    std::string path;
    uint64_t size = 0;
    std::string sha256; ///< lower-case hex of the file's bytes
};

/// One line of the layer table: the tensor's row of `inspect` plus what its SNR means.
struct ReportLayer
{
    int index = 0;                        ///< into result->tensors
    SnrDiagnosis diagnosis = SnrDiagnosis::None;
    std::string note;                     ///< the diagnosis in plain words (empty for None)
    ScaleSummary scales;
};

/// A tensor below the SNR threshold (or among the worst), analysed from the FP32 source when there is one.
struct ReportOutlier
{
    int index = 0;
    bool belowThreshold = false; ///< SNR < minSnr or undefined
    bool damage = false;         ///< real damage (outlier-stretched scale, or no excuse) vs. a small/zero signal
    std::string reason;          ///< one line: "small signal ..." / "real damage ..."
    TensorAnalysis analysis;
};

struct ReportLut
{
    LutAnalysis analysis;
    double inScale = 0, outScale = 0;
    std::vector<LutSaturationEdge> edges;
};

struct ReportShard
{
    Shard shard;
    ShardCost cost;
    uint64_t transactions = 0;  ///< create + upload chunks + finalize
    std::string sha256;         ///< of the shard's bytes (empty when the bytes are not in memory)
    std::string firstTensor, lastTensor;
};

/// One sol_matmul_i8 call per matrix.
struct ReportMatmul
{
    int index = 0;
    uint64_t computeUnits = 0; ///< 100 + rows × cols
    bool fits = true;          ///< ≤ 1.4 M compute units
};

/// The report input compared with a second one (`--compare B`, or the window's compare view): core/session/compare.h's
/// result, which points into both sessions' results, so the sessions are kept here with it.
struct ReportComparison
{
    std::shared_ptr<const Session> a, b;
    std::shared_ptr<const CompareResult> result;
    std::vector<std::string> plotted; ///< tensors whose A/B plots the report draws, largest change first
};

/// One thing the report checked, for the verdict block.
struct ReportCheck
{
    enum Level { Pass, Warning, Blocking, Last = Blocking };
    Level level = Pass;
    std::string what;
};

/// Everything the report shows; the writers only format it.
struct ReportData
{
    std::string toolVersion = QL_VERSION;
    std::string generatedUtc;                  ///< ISO 8601
    std::string source;                        ///< the path as given
    InputKind kind = InputKind::Checkpoint;
    bool hasWeights = false;                   ///< FP32 source at hand (SNR, errors, histograms of weights)
    std::vector<ReportInput> inputs;
    std::shared_ptr<const QuantizeResult> result;
    std::shared_ptr<const Checkpoint> checkpoint;
    ReportOptions options;
    ErrorSummary snr;
    std::array<int, 5> bands{};                ///< tensors per SnrBand
    std::vector<ReportLayer> layers;           ///< one per tensor, file order
    std::vector<ReportOutlier> outliers;       ///< below the threshold, worst first
    std::vector<int> worst;                    ///< the worstTensors lowest-SNR tensors (histograms)
    ScaleSummary modelScales;                  ///< over every row scale of the model
    std::size_t flooredScales = 0;             ///< rows at the 1e-8/127 floor (all-zero rows)
    bool lutsFromSession = false;              ///< luts.json of an output folder, else the seed's defaults
    LutScales lutScales;
    std::vector<ReportLut> luts;
    std::vector<ReportShard> shards;
    std::vector<ReportMatmul> matmuls;          ///< matrices in file order
    std::vector<std::string> overridden;       ///< tensors whose strategy the overrides changed
    LintReport lint;                           ///< lintResult() on the input, as `quantlens-cli lint` runs it
    std::string lintCommand;                   ///< the lint command line that gives the same findings
    std::optional<ReportComparison> comparison;
    std::vector<ReportCheck> checks;           ///< the verdict: lint's findings by rule, then reader warnings

    /// The worst level among the checks.
    ReportCheck::Level verdict() const;
    const QuantizedTensor &tensor(int index) const { return result->tensors[std::size_t(index)]; }
};

/// Assembles the report from an opened input. Hashes the input files (and each shard's bytes), lints it and, given
/// `compareWith`, compares it with that second session (B, hashed too). Throws ql::Error.
ReportData buildReport(const Session &session, const ReportOptions &options = {},
                       std::shared_ptr<const Session> compareWith = nullptr);

/// SHA-256 of a whole file, lower-case hex. Throws an input Error naming the file.
std::string sha256OfFile(const std::filesystem::path &path);

const char *diagnosisName(SnrDiagnosis d);  ///< "none", "all_zero", "near_zero", "tiny", "outlier"
const char *checkLevelName(ReportCheck::Level l); ///< "pass", "warning", "blocking"

/// Every section, with the layer table in full (the JSON report).
Json reportJson(const ReportData &report);
/// The layer table, one row per tensor, RFC 4180 (CRLF line ends, fields quoted when they need it).
std::string layerTableCsv(const ReportData &report);
/// Writes the CSV or JSON report atomically (the formats that need no figures). Throws ql::Error.
void writeDataReport(const ReportData &report, ReportFormat format, const std::filesystem::path &file);
/// One RFC 4180 field: quoted (with doubled quotes) when it holds a comma, quote, CR or LF.
std::string csvField(const std::string &value);

} // namespace ql
