// quantlens-cli inspect: quantize in memory (nothing written) or read an output folder, and report per tensor.
#include "base/errors.h"
#include "base/namematch.h"
#include "command.h"
#include "inspection/summary.h"
#include "session/session.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {
struct InspectArgs
{
    std::string path, overrides, sortBy = "name", filter, glob;
    double below = 1e301;
    int top = 0;

    /// The subcommand's own options, filling these fields.
    void declare(CLI::App &sub)
    {
        sub.add_option("path", path, kInputHelp)->required();
        addOverridesOption(sub, overrides, "Overrides file to try (nothing is written)");
        sub.add_option("--sort", sortBy, "Row order: name (file order), snr (worst first), bytes")
            ->check(CLI::IsMember({"name", "snr", "bytes"}))
            ->capture_default_str();
        sub.add_option("--filter", filter,
                       "Only tensors whose name contains a match of this regular expression (RE2 syntax, linear time)");
        sub.add_option("--glob", glob, "Only tensors whose whole name matches this glob (the overrides' syntax)");
        sub.add_option("--below", below, "Only tensors with SNR below this many dB (and all-zero ones)");
        sub.add_option("--top", top, "At most this many rows");
    }

    static constexpr const char *name = "inspect";
    static constexpr const char *about = "Quantize in memory and report per-tensor error (nothing written), or report "
                                         "on an existing output folder";
};

int runInspect(const InspectArgs &a, const Context &c)
{
    if (!a.overrides.empty() && isOutputFolder(a.path))
        throw Error(ErrorKind::Usage, "--overrides needs a checkpoint, not an output folder", a.path);
    // Patterns compile before the checkpoint is read, so a bad one is a usage error at once.
    std::vector<NameMatcher> filters;
    try {
        if (!a.filter.empty())
            filters.emplace_back(a.filter, NameMatcher::Syntax::Regex);
    } catch (const Error &e) {
        throw Error(ErrorKind::Usage, "--filter: " + e.detail());
    }
    if (!a.glob.empty())
        filters.emplace_back(a.glob, NameMatcher::Syntax::Glob);
    const Session input = openForCommand(a.path, a.overrides, "inspecting", c);
    const QuantizeResult &r = *input.result;
    printWarnings(r.warnings, c.quiet || c.json);
    std::vector<const QuantizedTensor *> rows;
    for (const auto &t : r.tensors) {
        if (!std::all_of(filters.begin(), filters.end(), [&](const NameMatcher &m) { return m.matches(t.name); }))
            continue;
        const auto snr = t.stats.snrDb();
        if (a.below < 1e300 && (!snr || *snr >= a.below))
            continue;
        rows.push_back(&t);
    }
    if (a.sortBy == "snr")
        std::stable_sort(rows.begin(), rows.end(), [](auto x, auto y) {
            return x->stats.snrDb().value_or(-1e300) < y->stats.snrDb().value_or(-1e300);
        });
    else if (a.sortBy == "bytes")
        std::stable_sort(rows.begin(), rows.end(), [](auto x, auto y) { return x->size > y->size; });
    if (a.top > 0 && rows.size() > std::size_t(a.top))
        rows.resize(std::size_t(a.top));
    if (c.json) {
        Json j = summaryJson(r);
        j["source"] = a.path;
        Json list = Json::array();
        for (auto t : rows)
            list.push_back(tensorRowJson(r, *t));
        j["tensors"] = list;
        Json skipped = Json::array();
        for (const auto &s : r.skipped)
            skipped.push_back({{"name", s.name}, {"reason", s.reason}});
        j["skipped_tensors"] = skipped;
        // replace: a name that is not UTF-8 prints as U+FFFD instead of failing the whole report
        std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
        return Ok;
    }
    printTable(stdout, r, rows);
    if (!c.quiet) {
        std::printf("\n");
        printSummary(stdout, r);
    }
    return Ok;
}
} // namespace

void addInspectCommand(CLI::App &app, Context &ctx) { addSubcommand<InspectArgs>(app, ctx, runInspect); }

} // namespace ql::cli
