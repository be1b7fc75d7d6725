#pragma once
// Optimize: per tensor, the strategy with the best SNR, as override rules. The GUI's Optimize previews and applies
// exactly this plan; `quantlens-cli optimize` writes its rules to a file.
#include "base/json.h"
#include "quantization/overrides.h"
#include "quantization/quantize.h"

#include <functional>
#include <string>
#include <vector>

namespace ql {

/// One proposed change: a tensor and the strategy that gains it the most.
struct OptimizeChoice
{
    std::string name;
    std::size_t dims = 0;
    Strategy from, to;
    double snrBefore = 0, snrAfter = 0; ///< dB
    double gainDb() const { return snrAfter - snrBefore; }
};

struct OptimizeOptions
{
    double minGainDb = 0.01; ///< propose only changes that gain at least this much
    /// Called with tensors done / total; return false to cancel (optimize then throws ErrorKind::Cancelled).
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// The rules and what they win. `overrides` = `base` with one exact-name rule per choice (withStrategy()).
struct OptimizePlan
{
    Overrides overrides;
    std::vector<OptimizeChoice> tensors; ///< in file (name) order
    /// Mean gain over the proposed tensors (dB); gains in dB are never summed across tensors.
    double meanGainDb() const;
};

/// Tries every candidate strategy on every tensor of `current` (quantized from `ck` under `base`) and proposes, per
/// tensor, the best one when it gains at least minGainDb over the tensor's present SNR. All-zero tensors (no SNR)
/// have nothing to gain. Throws ql::Error (Input for a bad tensor, Cancelled).
OptimizePlan optimize(const Checkpoint &ck, const QuantizeResult &current, const Overrides &base,
                      const OptimizeOptions &options = {});

/// `base` with the given choices applied (the GUI applies the subset the user kept in the preview).
Overrides applyChoices(const Overrides &base, const std::vector<OptimizeChoice> &choices);

/// {"overrides": <the overrides file's content>, "tensors": [{"name", "strategy", "snr_db_before", "snr_db_after",
/// "gain_db"}], "mean_gain_db"}.
Json optimizePlanJson(const OptimizePlan &plan);

} // namespace ql
