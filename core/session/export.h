#pragma once
// export-dequantized: the weights that ship, as FP32 under the checkpoint's own keys, in a file any PyTorch or
// safetensors harness loads.
#include <filesystem>
#include <string>
#include <vector>

namespace ql {

struct Session;

/// What an export wrote.
struct ExportSummary
{
    std::filesystem::path path;
    std::string format;            ///< "pt" or "safetensors"
    int dequantized = 0;           ///< tensors replaced by q · scale (float32)
    int kept = 0;                  ///< tensors the quantizer skips, written as they are
    std::vector<std::string> dropped; ///< top-level entries not written (optimizer state, objects)
};

/// Writes the dequantized weights of a checkpoint session (under its overrides) to `out`: `.pt`/`.pth` as a
/// torch.save zip with the checkpoint's structure (state dict under its key, plain top-level values and the
/// configuration kept; optimizer state dropped), `.safetensors` with encoding_config / context_len / other plain
/// values as JSON strings in `__metadata__` (as QuantLens reads them). Atomic. Throws a usage Error for an output
/// folder session or an unknown extension.
ExportSummary exportDequantized(const Session &session, const std::filesystem::path &out);

} // namespace ql
