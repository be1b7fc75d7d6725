#include "session/session.h"

#include "artifacts/manifest.h"
#include "base/errors.h"

#include <system_error>

namespace fs = std::filesystem;

namespace ql {

bool isOutputFolder(const fs::path &path)
{
    std::error_code ec;
    return fs::is_directory(path, ec);
}

Session openSession(const fs::path &path, const OpenOptions &options)
{
    Session in;
    in.path = path;
    if (isOutputFolder(path)) {
        if (!options.overrides.empty())
            throw Error(ErrorKind::Usage, "overrides need a checkpoint, not an output folder", path.string());
        in.kind = InputKind::OutputFolder;
        QuantizeResult loaded = loadArtifacts(path);
        std::error_code ec;
        if (fs::exists(path / "luts.json", ec) || fs::exists(path / "luts.bin", ec)) {
            bool binMatches = false;
            in.luts = readLutScales(path, &binMatches);
            // The LUT views draw what the scales generate; say so when the bytes on disk are something else.
            if (!binMatches)
                loaded.warnings.push_back((path / "luts.bin").string() +
                                          " is not the table luts.json's scales generate (missing, resized or "
                                          "edited): the LUT curves show the scales' tables, not these bytes; "
                                          "`quantlens-cli verify` fails on this folder");
        }
        auto r = std::make_shared<const QuantizeResult>(std::move(loaded));
        in.overrides = r->overrides;
        in.result = r;
        return in;
    }
    in.kind = InputKind::Checkpoint;
    auto ck = std::make_shared<const Checkpoint>(loadCheckpoint(path));
    QuantizeOptions opt;
    opt.rowStats = options.rowStats;
    opt.threads = options.threads;
    opt.releasePages = options.releasePages;
    opt.progress = options.progress;
    in.checkpoint = ck;
    in.overrides = options.overrides;
    if (options.overrides.empty() || !options.baseline) {
        opt.overrides = options.overrides;
        auto r = std::make_shared<const QuantizeResult>(quantize(*ck, opt));
        if (options.baseline)
            in.baseline = std::make_shared<const QuantizeResult>(r->withoutBytes());
        in.result = std::move(r);
        return in;
    }
    // The seed's statistics need the seed's quantization: the result starts as it and re-quantizes what the
    // overrides change; the baseline keeps none of the bytes (the replaced pieces go with the seed's result).
    QuantizeResult seed = quantize(*ck, opt);
    auto r = std::make_shared<QuantizeResult>(seed);
    requantize(*r, *ck, options.overrides);
    in.baseline = std::make_shared<const QuantizeResult>(seed.withoutBytes());
    in.result = std::move(r);
    return in;
}

} // namespace ql
