#pragma once
#include "quantization/quantize.h"

#include <filesystem>

namespace ql {

/// SPEC §5 manifest.json for a quantization result (all-zero tensors get null SNRs: valid JSON).
Json buildManifest(const QuantizeResult &result);

/// Reads an output folder (manifest.json + weights_int8.bin) back into a result, checking that sizes,
/// offsets and the shard map agree with the bytes. Tensor sources are not available (no drill-down on floats).
QuantizeResult loadArtifacts(const std::filesystem::path &dir);

} // namespace ql
