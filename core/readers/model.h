#pragma once
#include "readers/checkpoint.h"

#include <string>
#include <vector>

namespace ql {

/// Model family and architecture, auto-detected from state-dict keys (SPEC §2).
struct ModelInfo
{
    std::string modelType; ///< "mamba2", "policy" or "mlp"
    Json architecture;     ///< {"model_type", ...}
    std::string format() const { return modelType + "_int8_v1"; }
    int64_t parameterCount = 0; ///< elements of all state-dict tensors
    std::vector<std::string> warnings; ///< architecture fields that could not be derived
};

/// Throws an input Error listing the top-level key prefixes when no family matches. Fields whose source tensor
/// is missing are left out with a warning (a partial model still quantizes; the manifest says what it knows).
ModelInfo detectModel(const std::vector<TensorData> &tensors, const std::string &file);

/// Manifest group of a tensor name: layer_weights, embeddings, projections or heads.
const char *groupOf(const std::string &name);
extern const char *const kGroups[4];

} // namespace ql
