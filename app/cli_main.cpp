// quantlens-cli: the seed pipeline's commands (quantize, generate-luts) plus inspect, on quantlens_core.
#include "artifacts.h"
#include "checkpoint.h"
#include "cli_format.h"
#include "errors.h"
#include "luts.h"
#include "lutsaturation.h"
#include "manifest.h"
#include "summary.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>

namespace fs = std::filesystem;
using namespace ql;

namespace {

constexpr const char *kExitCodes = "Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input "
                                   "(unreadable, corrupt, hostile or non-finite checkpoint), 4 output error "
                                   "(cannot write; earlier artifacts are left untouched), 130 cancelled.";

struct Common
{
    bool json = false;
    bool quiet = false;
};

Overrides loadOverridesOpt(const std::string &path)
{
    return path.empty() ? Overrides{} : Overrides::load(path);
}

void printWarnings(const QuantizeResult &r, bool quiet)
{
    if (quiet)
        return;
    for (const auto &w : r.warnings)
        std::fprintf(stderr, "warning: %s\n", cli::printable(w, true).c_str());
}

int runQuantize(const std::string &checkpoint, const std::string &outDir, const std::string &overrides,
                unsigned threads, const Common &c)
{
    QuantizeOptions opt;
    opt.overrides = loadOverridesOpt(overrides);
    opt.threads = threads;
    opt.rowStats = false;
    opt.releasePages = true;
    cli::ProgressBar bar("quantizing", !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    const Checkpoint ck = loadCheckpoint(checkpoint);
    const QuantizeResult r = quantizeToDirectory(ck, opt, outDir);
    printWarnings(r, c.quiet);
    if (c.json) {
        Json j = summaryJson(r);
        j["checkpoint"] = checkpoint;
        j["output_dir"] = outDir;
        j["files"] = {(fs::path(outDir) / "weights_int8.bin").string(), (fs::path(outDir) / "manifest.json").string()};
        std::cout << j.dump(2) << "\n";
    } else if (!c.quiet) {
        cli::printSummary(stdout, r);
        std::printf("Wrote:        %s, %s\n", (fs::path(outDir) / "weights_int8.bin").c_str(),
                    (fs::path(outDir) / "manifest.json").c_str());
    }
    return cli::Ok;
}

int runInspect(const std::string &path, const std::string &overrides, const std::string &sortBy,
               const std::string &filter, double below, int top, const Common &c)
{
    QuantizeResult r;
    if (fs::is_directory(path)) {
        if (!overrides.empty())
            throw Error(ErrorKind::Usage, "--overrides needs a checkpoint, not an output folder", path);
        r = loadArtifacts(path);
    } else {
        QuantizeOptions opt;
        opt.overrides = loadOverridesOpt(overrides);
        opt.rowStats = false;
        cli::ProgressBar bar("inspecting", !c.quiet && !c.json);
        opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
        const Checkpoint ck = loadCheckpoint(path);
        r = quantize(ck, opt);
    }
    printWarnings(r, c.quiet || c.json);
    std::vector<const QuantizedTensor *> rows;
    std::optional<std::regex> re;
    if (!filter.empty()) {
        try {
            re.emplace(filter);
        } catch (const std::regex_error &e) {
            throw Error(ErrorKind::Usage, std::string("--filter is not a valid regular expression: ") + e.what());
        }
    }
    for (const auto &t : r.tensors) {
        if (re && !std::regex_search(t.name, *re))
            continue;
        const auto snr = t.stats.snrDb();
        if (below < 1e300 && (!snr || *snr >= below))
            continue;
        rows.push_back(&t);
    }
    if (sortBy == "snr")
        std::stable_sort(rows.begin(), rows.end(), [](auto a, auto b) {
            return a->stats.snrDb().value_or(-1e300) < b->stats.snrDb().value_or(-1e300);
        });
    else if (sortBy == "bytes")
        std::stable_sort(rows.begin(), rows.end(), [](auto a, auto b) { return a->size > b->size; });
    if (top > 0 && rows.size() > std::size_t(top))
        rows.resize(std::size_t(top));
    if (c.json) {
        Json j = summaryJson(r);
        j["source"] = path;
        Json list = Json::array();
        for (auto t : rows)
            list.push_back(tensorRowJson(r, *t));
        j["tensors"] = list;
        Json skipped = Json::array();
        for (const auto &s : r.skipped)
            skipped.push_back({{"name", s.name}, {"reason", s.reason}});
        j["skipped_tensors"] = skipped;
        std::cout << j.dump(2) << "\n";
        return cli::Ok;
    }
    cli::printTable(stdout, r, rows);
    if (!c.quiet) {
        std::printf("\n");
        cli::printSummary(stdout, r);
    }
    return cli::Ok;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"QuantLens: FP32 PyTorch checkpoints -> INT8 artifacts for Solana's sol_matmul_i8, byte-identical "
                 "to the seed pipeline.\n" +
                 std::string(kExitCodes)};
    app.require_subcommand(1);
    app.set_version_flag("--version", "quantlens-cli 0.1.0");

    Common common;
    auto addCommon = [&](CLI::App *sub) {
        sub->add_flag("--json", common.json, "Machine-readable JSON on stdout");
        sub->add_flag("-q,--quiet", common.quiet, "Print nothing but errors");
        sub->footer(kExitCodes);
    };

    std::string checkpoint, outDir = "quantization/output", overrides;
    unsigned threads = 0;
    auto *q = app.add_subcommand("quantize", "Quantize a checkpoint to weights_int8.bin + manifest.json (seed: quantize.py)");
    q->add_option("--checkpoint", checkpoint, "Checkpoint (.pt zip or legacy, .safetensors)")->required();
    q->add_option("--output-dir", outDir, "Output folder (created; files replaced atomically)")->capture_default_str();
    q->add_option("--overrides", overrides, "Overrides file (quantlens_overrides_v1 JSON)");
    q->add_option("-j,--threads", threads, "Worker threads (default: all cores)");
    addCommon(q);

    LutScales scales;
    std::string lutDir = "quantization/output/luts";
    auto *g = app.add_subcommand("generate-luts", "Write luts.bin + luts.json (seed: generate_luts.py)");
    g->add_option("-o,--output-dir", lutDir, "Output folder")->capture_default_str();
    const char *flagNames[4] = {"silu", "softplus", "rsqrt", "exp"};
    for (int k = 0; k < kNumLuts; ++k) {
        g->add_option(std::string("--") + flagNames[k] + "-input-scale", scales.in[k],
                      std::string(lutName(LutKind(k))) + " input scale")
            ->capture_default_str();
        g->add_option(std::string("--") + flagNames[k] + "-output-scale", scales.out[k],
                      std::string(lutName(LutKind(k))) + " output scale")
            ->capture_default_str();
    }
    addCommon(g);

    std::string inspectPath, sortBy = "name", filter;
    double below = 1e301;
    int top = 0;
    auto *in = app.add_subcommand("inspect", "Quantize in memory and report per-tensor error (nothing written), "
                                             "or report on an existing output folder");
    in->add_option("path", inspectPath, "Checkpoint file, or an output folder with manifest.json")->required();
    in->add_option("--overrides", overrides, "Overrides file to try (nothing is written)");
    in->add_option("--sort", sortBy, "Row order: name (file order), snr (worst first), bytes")
        ->check(CLI::IsMember({"name", "snr", "bytes"}))
        ->capture_default_str();
    in->add_option("--filter", filter, "Only tensors whose name matches this regular expression");
    in->add_option("--below", below, "Only tensors with SNR below this many dB (and all-zero ones)");
    in->add_option("--top", top, "At most this many rows");
    addCommon(in);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int rc = app.exit(e);
        return rc == 0 ? cli::Ok : cli::Usage;
    }

    try {
        if (*q)
            return runQuantize(checkpoint, outDir, overrides, threads, common);
        if (*g) {
            writeLuts(lutDir, scales);
            if (common.json)
                std::cout << lutsJson(scales).dump(2) << "\n";
            else if (!common.quiet) {
                for (int k = 0; k < kNumLuts; ++k) {
                    const auto kind = LutKind(k);
                    const auto a = analyzeLut(kind, scales.in[k], scales.out[k]);
                    std::string notes;
                    // Where saturation starts tells the user which inputs the table cannot represent.
                    for (const auto &edge : lutSaturationEdges(kind, scales.in[k], scales.out[k])) {
                        char buf[96];
                        std::snprintf(buf, sizeof buf, "  clips to %d for x %s %.4g", edge.limit,
                                      edge.aboveSaturates ? ">=" : "<=", edge.x);
                        notes += buf;
                    }
                    if (a.monotonicViolations)
                        notes += "  NOT MONOTONIC (" + std::to_string(a.monotonicViolations) + " steps)";
                    std::printf("%-9s in %-10g out %-10g  max err %.4g  mean err %.4g  saturated %3d/256%s\n",
                                lutName(kind), scales.in[k], scales.out[k], a.maxAbsError, a.meanAbsError,
                                a.saturatedCount, notes.c_str());
                }
                std::printf("Wrote:     %s, %s\n", (fs::path(lutDir) / "luts.bin").c_str(),
                            (fs::path(lutDir) / "luts.json").c_str());
            }
            return cli::Ok;
        }
        if (*in)
            return runInspect(inspectPath, overrides, sortBy, filter, below, top, common);
    } catch (const Error &e) {
        std::fprintf(stderr, "quantlens-cli: error: %s\n", cli::printable(e.what(), true).c_str());
        switch (e.kind()) {
        case ErrorKind::Usage:
            return cli::Usage;
        case ErrorKind::Input:
            return cli::Input;
        case ErrorKind::Output:
            return cli::Output;
        case ErrorKind::Cancelled:
            return cli::Cancelled;
        case ErrorKind::Internal:
            return cli::Internal;
        }
    } catch (const std::bad_alloc &) {
        std::fprintf(stderr, "quantlens-cli: error: out of memory\n");
        return cli::Internal;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "quantlens-cli: internal error: %s\n", cli::printable(e.what(), true).c_str());
        return cli::Internal;
    }
    return cli::Usage;
}
