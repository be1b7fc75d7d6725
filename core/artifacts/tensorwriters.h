#pragma once
// Writers of tensor files other tools read: a torch.save zip (.pt) and .safetensors. Used by export-dequantized so
// that users can run their own harness on exactly the weights that ship. Both write atomically (AtomicFile).
#include "base/json.h"
#include "base/tensorheader.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ql {

/// A named tensor owning its bytes: row-major contiguous, little endian.
struct OwnedTensor : TensorHeader
{
    std::vector<std::byte> bytes; ///< numel · dtypeSize(dtype) bytes

    static OwnedTensor fromFloats(std::string name, std::vector<int64_t> shape, const std::vector<float> &values);
};

/// What a .pt file holds: top-level entries in order, one of which (stateDictKey) is the state dict. An empty
/// stateDictKey writes the state dict itself as the top level (a bare `torch.save(model.state_dict())`).
struct PtDocument
{
    std::string stateDictKey;
    std::vector<OwnedTensor> stateDict;                 ///< an OrderedDict, in this order
    std::vector<std::pair<std::string, Json>> entries;  ///< plain values; the state dict goes at stateDictKey's place
};

/// Writes a torch.save zip (data.pkl protocol 2, data/N records aligned to 64 bytes, version) that
/// `torch.load(..., weights_only=True)` accepts: only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
/// storage classes are referenced. That unpickler (torch 1.13) has no float opcode, so floats among the plain
/// values are written as 0-D float64 tensors (`float(v)` gives the value back). Throws an output Error (and leaves
/// no file) on failure.
void writeTorchZip(const std::filesystem::path &path, const PtDocument &doc);

/// Writes a .safetensors file: u64 header length, JSON header ({name: {dtype, shape, data_offsets}},
/// "__metadata__": string → string), padded with spaces to 8 bytes, then the data in tensor order.
void writeSafetensors(const std::filesystem::path &path, const std::vector<OwnedTensor> &tensors,
                      const std::map<std::string, std::string> &metadata);

} // namespace ql
