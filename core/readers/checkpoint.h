#pragma once
#include "base/json.h"
#include "base/mappedfile.h"
#include "readers/tensor.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ql {

struct PyObject;

/// Which container a checkpoint came in.
enum class CheckpointFormat { TorchZip, TorchLegacy, Safetensors, Last = Safetensors };
const char *formatName(CheckpointFormat f);

/// Everything QuantLens takes from a checkpoint: its tensors (views into a memory map) and its configuration.
struct Checkpoint
{
    std::filesystem::path path;
    CheckpointFormat format = CheckpointFormat::TorchZip;
    int pickleProtocol = 0;            ///< 0 for safetensors
    std::string stateDictKey;          ///< "model_state_dict", "state_dict" or "" for a bare dict of tensors
    std::vector<std::string> topLevelKeys;
    std::vector<TensorData> tensors;   ///< in the state dict's own order
    Json encodingConfig;               ///< null when absent
    Json contextLen;                   ///< null when absent
    Json extra;                        ///< other plain top-level values (epoch, val_loss, ...) for display
    std::vector<std::string> warnings;
    std::shared_ptr<const void> keepAlive; ///< owns the bytes the tensors point into
    std::shared_ptr<const MappedFile> file; ///< the map, to release pages already processed

    const TensorData *find(const std::string &name) const;
    uint64_t fileSize = 0;
};

/// Options that bound what a file may make the reader do.
struct ReadLimits
{
    uint64_t maxPickleBytes = 1ull << 30;  ///< a data.pkl larger than this is refused
    uint64_t maxTensors = 1u << 20;
};

/// Reads a .pt (zip or legacy) or .safetensors file. Throws ql::Error (Input) naming the file and what is wrong.
Checkpoint loadCheckpoint(const std::filesystem::path &path, const ReadLimits &limits = {});

/// Converts a plain pickled value (dicts, lists, numbers, strings, data-only objects) to JSON; bounded depth.
Json toJson(const PyObject *o, const std::string &file, int depth = 0);

} // namespace ql
