// quantlens-cli compare: two checkpoints or output folders side by side — which tensors changed, what quantization
// did to them, and what re-uploading the changed shards costs (SPEC §7).
#include "base/errors.h"
#include "command.h"
#include "inspection/summary.h"
#include "session/compare.h"

#include <cmath>
#include <iostream>

namespace ql::cli {

namespace {
struct CompareArgs
{
    std::string a, b, overrides;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("a", a, "Checkpoint or output folder (the old side)")->required();
        sub.add_option("b", b, "Checkpoint or output folder (the new side)")->required();
        addOverridesOption(sub, overrides, "Overrides applied to each checkpoint side (as used to make it)");
    }

    static constexpr const char *name = "compare";
    static constexpr const char *about = "Compare two checkpoints or output folders: per-tensor changes, quantization "
                                         "SNR, and the on-chain cost of re-uploading";
};

std::string fmt(const char *f, const std::optional<double> &v, int width)
{
    char buf[48];
    if (!v)
        std::snprintf(buf, sizeof buf, "%*s", width, "-");
    else if (!std::isfinite(*v))
        std::snprintf(buf, sizeof buf, "%*s", width, "inf");
    else
        std::snprintf(buf, sizeof buf, f, width, *v);
    return buf;
}

std::string rangesText(const std::vector<ChunkRange> &ranges)
{
    std::string out;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        if (i == 6) {
            out += " …(+" + std::to_string(ranges.size() - i) + ")";
            break;
        }
        out += (i ? "," : "") + std::to_string(ranges[i].first);
        if (ranges[i].last != ranges[i].first)
            out += "-" + std::to_string(ranges[i].last);
    }
    return out.empty() ? "-" : out;
}

void printCompare(std::FILE *out, const CompareResult &r, bool quiet)
{
    std::vector<std::string> names;
    std::size_t w = 4;
    for (const auto &d : r.tensors)
        w = std::max(w, names.emplace_back(printable(d.name)).size());
    std::fprintf(out, "%-*s  %-8s  %10s  %10s  %8s  %8s  %8s  %11s  %9s\n", int(w), "name", "status", "rel_l2", "max_abs",
                 "snr_a", "snr_b", "snr_delta", "scale_drift", "int8_diff");
    for (std::size_t i = 0; i < r.tensors.size(); ++i) {
        const auto &d = r.tensors[i];
        const std::optional<double> bytes =
            d.int8BytesChanged ? std::optional<double>(double(*d.int8BytesChanged)) : std::nullopt;
        std::fprintf(out, "%-*s  %-8s  %s  %s  %s  %s  %s  %s  %s\n", int(w), names[i].c_str(), statusName(d.status),
                     fmt("%*.3e", d.relL2Change, 10).c_str(), fmt("%*.3e", d.maxAbsChange, 10).c_str(),
                     fmt("%*.2f", d.snrA, 8).c_str(), fmt("%*.2f", d.snrB, 8).c_str(),
                     fmt("%+*.2f", d.snrDelta, 8).c_str(), fmt("%*.3e", d.scaleMaxRelChange, 11).c_str(),
                     fmt("%*.0f", bytes, 9).c_str());
    }
    if (quiet)
        return;
    std::fprintf(out, "\n%-5s  %-19s  %-19s  %9s  %6s  %5s  %8s  %12s  %s\n", "shard", "a (offset+size)",
                 "b (offset+size)", "bytes", "chunks", "patch", "recreate", "rent Δ SOL", "changed chunks");
    auto side = [](const std::optional<Shard> &s) {
        return s ? std::to_string(s->offset) + "+" + std::to_string(s->size) : std::string("-");
    };
    for (const auto &s : r.shards)
        std::fprintf(out, "%-5d  %-19s  %-19s  %9llu  %6llu  %5s  %8llu  %+12.6f  %s\n", s.index, side(s.a).c_str(),
                     side(s.b).c_str(), static_cast<unsigned long long>(s.bytesChanged),
                     static_cast<unsigned long long>(s.chunksChanged),
                     s.patchTransactions ? std::to_string(*s.patchTransactions).c_str() : "new",
                     static_cast<unsigned long long>(s.recreateTransactions), s.rentDeltaSol,
                     rangesText(s.chunkRanges).c_str());
    const CompareSummary &m = r.summary;
    std::fprintf(out, "\nTensors:      %d same, %d changed, %d reshaped, %d added, %d removed\n", m.same, m.changed,
                 m.reshaped, m.added, m.removed);
    if (!m.largestChanges.empty()) {
        std::string list;
        for (const auto &n : m.largestChanges)
            list += (list.empty() ? "" : ", ") + printable(n);
        std::fprintf(out, "Largest:      %s\n", list.c_str());
    }
    std::fprintf(out, "INT8 bytes:   %s changed in %s upload chunks\n", groupDigits(m.int8BytesChanged).c_str(),
                 groupDigits(m.chunksChanged).c_str());
    std::fprintf(out, "Shards:       %d -> %d, layout %s, %d tensors moved\n", r.shardCountA, r.shardCountB,
                 r.layoutChanged ? "CHANGED" : "unchanged", r.tensorsMoved);
    if (m.identical() && m.int8BytesChanged == 0 && !r.layoutChanged)
        std::fprintf(out, "Upload:       nothing to upload\n");
    else if (m.patchTransactions)
        std::fprintf(out, "Upload:       patch %s transactions, or re-create %s\n",
                     groupDigits(*m.patchTransactions).c_str(), groupDigits(m.recreateTransactions).c_str());
    else
        std::fprintf(out, "Upload:       re-create %s transactions (a shard is new or resized: no patching)\n",
                     groupDigits(m.recreateTransactions).c_str());
    std::fprintf(out, "Rent:         %+.6f SOL\n", m.rentDeltaSol);
    std::fprintf(out, "Verdict:      %s\n", m.identical() ? "identical" : "different");
}

int runCompare(const CompareArgs &a, const Context &c)
{
    OpenOptions opt;
    if (!a.overrides.empty()) {
        if (isOutputFolder(a.a) && isOutputFolder(a.b))
            throw Error(ErrorKind::Usage, "--overrides needs a checkpoint: both inputs are output folders");
        opt.overrides = Overrides::load(a.overrides);
    }
    opt.rowStats = false;
    opt.releasePages = true; // two checkpoints' FP32 pages would otherwise stay resident until the comparison ends
    ProgressBar bar("comparing", !c.quiet && !c.json);
    auto open = [&](const std::string &path) {
        OpenOptions o = opt;
        if (isOutputFolder(path))
            o.overrides = {}; // an output folder carries its own; --overrides is for the checkpoint side
        return openSession(path, o);
    };
    const Session sa = open(a.a);
    const Session sb = open(a.b);
    printWarnings(sa.result->warnings, c.quiet || c.json);
    printWarnings(sb.result->warnings, c.quiet || c.json);
    CompareOptions copt;
    copt.releasePages = true;
    copt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const CompareResult r = compare(sa, sb, copt);
    if (c.json)
        std::cout << compareResultJson(r).dump(2) << "\n";
    else
        printCompare(stdout, r, c.quiet);
    return Ok;
}
} // namespace

void addCompareCommand(CLI::App &app, Context &ctx) { addSubcommand<CompareArgs>(app, ctx, runCompare); }

} // namespace ql::cli
