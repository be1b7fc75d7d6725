// quantlens-cli inspect: quantize in memory (nothing written) or read an output folder, and report per tensor.
#include "base/errors.h"
#include "command.h"
#include "inspection/summary.h"
#include "session/session.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>

namespace fs = std::filesystem;

namespace ql::cli {

namespace {
struct InspectArgs
{
    std::string path, overrides, sortBy = "name", filter;
    double below = 1e301;
    int top = 0;
};

int runInspect(const InspectArgs &a, const Context &c)
{
    if (!a.overrides.empty() && isOutputFolder(a.path))
        throw Error(ErrorKind::Usage, "--overrides needs a checkpoint, not an output folder", a.path);
    OpenOptions opt;
    opt.overrides = a.overrides.empty() ? Overrides{} : Overrides::load(a.overrides);
    opt.rowStats = false;
    ProgressBar bar("inspecting", !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const Session input = openSession(a.path, opt);
    const QuantizeResult &r = *input.result;
    printWarnings(r.warnings, c.quiet || c.json);
    std::vector<const QuantizedTensor *> rows;
    std::optional<std::regex> re;
    if (!a.filter.empty()) {
        try {
            re.emplace(a.filter);
        } catch (const std::regex_error &e) {
            throw Error(ErrorKind::Usage, std::string("--filter is not a valid regular expression: ") + e.what());
        }
    }
    for (const auto &t : r.tensors) {
        if (re && !std::regex_search(t.name, *re))
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
        std::cout << j.dump(2) << "\n";
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

void addInspectCommand(CLI::App &app, Context &ctx)
{
    auto a = std::make_shared<InspectArgs>();
    auto *in = app.add_subcommand("inspect", "Quantize in memory and report per-tensor error (nothing written), "
                                             "or report on an existing output folder");
    in->add_option("path", a->path, "Checkpoint file, or an output folder with manifest.json")->required();
    in->add_option("--overrides", a->overrides, "Overrides file to try (nothing is written)");
    in->add_option("--sort", a->sortBy, "Row order: name (file order), snr (worst first), bytes")
        ->check(CLI::IsMember({"name", "snr", "bytes"}))
        ->capture_default_str();
    in->add_option("--filter", a->filter, "Only tensors whose name matches this regular expression");
    in->add_option("--below", a->below, "Only tensors with SNR below this many dB (and all-zero ones)");
    in->add_option("--top", a->top, "At most this many rows");
    ctx.addCommon(in);
    in->callback([a, &ctx] { ctx.exitCode = runInspect(*a, ctx); });
}

} // namespace ql::cli
