#pragma once
// One opened input, the way every front end sees it: the CLI's inspect/compare/verify/report/eval and the GUI's
// window all open a path with openSession() and read the same Session.
#include "artifacts/luts.h"
#include "quantization/quantize.h"
#include "readers/checkpoint.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ql {

/// What a path turned out to be.
enum class InputKind { Checkpoint, OutputFolder };

/// How to open an input.
struct OpenOptions
{
    Overrides overrides;       ///< applied to a checkpoint (an output folder carries its own)
    bool rowStats = true;      ///< per-row error statistics (the drill-down needs them; summaries do not)
    bool baseline = false;     ///< also keep the seed-default quantization's statistics (the GUI's Before/Δ columns)
    unsigned threads = 0;      ///< 0: all cores
    bool releasePages = false; ///< drop the checkpoint's pages from memory once quantized (CLI: bounded RSS)
    /// Called with bytes done / total; return false to cancel (openInput then throws ErrorKind::Cancelled).
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// An opened checkpoint (quantized in memory under its overrides) or output folder (read back and checked).
struct Session
{
    std::filesystem::path path;
    InputKind kind = InputKind::Checkpoint;
    std::shared_ptr<const Checkpoint> checkpoint;     ///< null for an output folder (no FP32 weights)
    std::shared_ptr<const QuantizeResult> result;     ///< under `overrides`; result->bytes holds the INT8 buffer
    /// The checkpoint quantized with the seed defaults, without its INT8 bytes (withoutBytes(): strategies,
    /// statistics, scales; baseline->bytes is empty); null unless asked for. The bytes of a tensor at its seed strategy
    /// are the result's, and a return to it re-quantizes from the checkpoint (deterministic, so the same bytes): a
    /// session holds one INT8 buffer whatever the edits.
    std::shared_ptr<const QuantizeResult> baseline;
    Overrides overrides;                              ///< as applied (an output folder: from its manifest)
    std::optional<LutScales> luts;                    ///< from luts.json + luts.bin when an output folder has them

    bool hasWeights() const { return checkpoint != nullptr; }
};

/// Opens a checkpoint (.pt zip or legacy, .safetensors) or an output folder (manifest.json + weights_int8.bin,
/// optionally luts.json + luts.bin). Runs on any thread. Throws ql::Error naming the file (and tensor).
Session openSession(const std::filesystem::path &path, const OpenOptions &options = {});

/// True when `path` names an output folder rather than a checkpoint file.
bool isOutputFolder(const std::filesystem::path &path);

} // namespace ql
