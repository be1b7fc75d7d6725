#pragma once
#include "quantization/quantize.h"

#include <filesystem>

namespace ql {

/// SPEC §5 manifest.json for a quantization result (all-zero tensors get null SNRs: valid JSON).
Json buildManifest(const QuantizeResult &result);

/// Reads an output folder (manifest.json + weights_int8.bin) back into a result with readArtifactFolder's checks
/// (artifactfolder.h): only regular files, sizes checked before reading, the manifest's own shard map checked, the bin
/// mapped and copied once into result.bytes. Throws the first problem as an input Error naming the file and tensor.
/// Shard hashes are not recomputed here (verifyArtifacts does). Tensor sources are not available.
QuantizeResult loadArtifacts(const std::filesystem::path &dir);

} // namespace ql
