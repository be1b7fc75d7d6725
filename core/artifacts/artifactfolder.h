#pragma once
// Reading an output folder (manifest.json + weights_int8.bin) back, and the consistency checks that reading applies.
// One checker for two callers: loadArtifacts() throws its first problem, verifyArtifacts() collects all of them.
#include "artifacts/shardmap.h"
#include "base/mappedfile.h"
#include "quantization/quantize.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// What part of an output folder a problem is about.
enum class ProblemKind {
    File,     ///< a file is missing, not a regular file, too large, unreadable, or the wrong size
    Manifest, ///< manifest.json is not JSON or lacks / mistypes a field
    Tensor,   ///< a tensor entry: size vs shape, scales, group, offsets (gap, overlap, beyond the end)
    ShardMap, ///< shard_map: count, indices, contiguity, 4096-byte boundaries, coverage
    Account,  ///< a shard's WeightShard account would exceed 10 MiB
    Hash,     ///< a shard's bytes do not have the SHA-256 its manifest entry states
    Luts,     ///< luts.json / luts.bin unreadable or not matching each other
    Mismatch, ///< verify --checkpoint: the folder is not what the checkpoint re-derives to
    Last = Mismatch,
};
/// "file", "manifest", "tensor", "shard_map", "account", "hash", "luts", "mismatch" (the JSON spelling).
const char *problemKindName(ProblemKind kind);

/// One thing wrong with an output folder, located as precisely as it can be.
struct ArtifactProblem
{
    ProblemKind kind = ProblemKind::Manifest;
    std::string file;               ///< the file it is in (path as given)
    std::string message;            ///< what is wrong, without the file / tensor / location prefix
    std::string tensor;             ///< the tensor concerned; empty when none (or several: then the message names them)
    int shard = -1;                 ///< the shard concerned, -1 when none
    std::optional<uint64_t> offset; ///< byte offset in weights_int8.bin concerned
    /// One line: "file: tensor 'x': message (shard 1, offset 4096)".
    std::string text() const;
};

/// Limits on what an output folder may hold, checked before anything large is read or allocated.
namespace artifactlimits {
constexpr uint64_t kMaxManifestBytes = uint64_t(256) << 20; ///< manifest.json (a 4 GiB model's is ~200 MB)
constexpr uint64_t kMaxLutsJsonBytes = uint64_t(1) << 20;   ///< luts.json (the real one is ~1 kB)
constexpr std::size_t kMaxRank = 3;                         ///< the seed writes 1-D to 3-D tensors only
constexpr std::size_t kMaxNameBytes = 256 * 1024; ///< tensor names: the readers accept 200 kB names, so their output folders must read back
constexpr uint64_t kShardHeaderBytes = ShardCost::kHeaderBytes; ///< WeightShard bytes before the data (SPEC §7)
} // namespace artifactlimits

/// An output folder as its manifest states it, with the bin mapped (not copied).
struct ArtifactFolder
{
    std::filesystem::path dir;
    QuantizeResult result;                 ///< metadata; shards from the manifest's own shard map; bytes empty
    std::shared_ptr<const MappedFile> bin; ///< weights_int8.bin; null when it could not be mapped or is empty
    std::string manifestText;              ///< manifest.json as read (for byte comparisons)
    bool hasShardHashes = false;           ///< every shard entry carries a sha256 (seed manifests have none)
    bool binMatchesTotal = false;          ///< the bin has exactly total_weight_bytes bytes

    std::filesystem::path manifestPath() const { return dir / "manifest.json"; }
    std::filesystem::path binPath() const { return dir / "weights_int8.bin"; }
};

/// Reads dir's manifest.json (a regular file within kMaxManifestBytes) and maps weights_int8.bin (a regular file of
/// exactly total_weight_bytes), checking the manifest against itself and the bin: field types, rank and name limits,
/// size = product of the shape, scales finite and > 0 with one per row, each tensor in its one group, tensors
/// contiguous from offset 0 with no gap or overlap up to total_weight_bytes, the shard map contiguous from 0 on
/// 4096-byte boundaries covering every byte, each account <= 10 MiB, and (checkHashes) each stated shard SHA-256.
/// With problems == nullptr the first problem is thrown as an input ql::Error naming the file and tensor. Otherwise
/// every problem is appended; nullopt when reading could not get far enough to check the rest (the problems say why).
std::optional<ArtifactFolder> readArtifactFolder(const std::filesystem::path &dir,
                                                 std::vector<ArtifactProblem> *problems, bool checkHashes);

/// Names of the tensors whose bytes overlap [offset, offset + size), in offset order.
std::vector<std::string> tensorsIn(const QuantizeResult &r, uint64_t offset, uint64_t size);

} // namespace ql
