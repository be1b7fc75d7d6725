#pragma once
// Before replacing the artifacts in a folder: are they this model's? Save Artifacts asks before it replaces
// another model's (a folder picked by mistake loses a model that took a training run to make).
#include "quantization/quantize.h"

#include <filesystem>
#include <string>

namespace ql {

struct ExistingArtifacts
{
    enum class Kind {
        None,       ///< no manifest.json / weights_int8.bin there: nothing is replaced
        SameModel,  ///< same model type, architecture and tensor names: an update of these artifacts
        OtherModel, ///< artifacts of something else (or unreadable ones): ask first
    };
    Kind kind = Kind::None;
    std::string description; ///< what is there, in words ("mamba2, 53 tensors, 4,347,748 bytes")
};

/// Looks at `dir` (reads at most its manifest.json, size-bounded; never throws for a missing or unreadable one).
ExistingArtifacts existingArtifacts(const std::filesystem::path &dir, const QuantizeResult &result);

} // namespace ql
