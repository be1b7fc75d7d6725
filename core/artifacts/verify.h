#pragma once
// verify: is an output folder internally consistent, on-chain shaped, and (given its checkpoint) reproducible?
#include "artifacts/artifactfolder.h"
#include "quantization/overrides.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// What to verify an output folder against.
struct VerifyOptions
{
    /// Re-derive the folder from this checkpoint in memory and require byte identity of weights_int8.bin and
    /// manifest.json. Empty: consistency checks only.
    std::filesystem::path checkpoint;
    /// Overrides for the re-derivation; nullopt: the overrides the folder's manifest records (none for seed output).
    std::optional<Overrides> overrides;
    unsigned threads = 0; ///< 0: all cores
    /// Called with bytes done / total while re-deriving; return false to cancel (throws ErrorKind::Cancelled).
    std::function<bool(uint64_t done, uint64_t total)> progress;
};

/// Everything verify found. ok() is the gate.
struct VerifyReport
{
    std::filesystem::path dir;
    std::vector<ArtifactProblem> problems; ///< all of them, in check order (the first is what the CLI names)
    uint64_t totalBytes = 0;
    std::size_t numTensors = 0;
    std::size_t numShards = 0;
    bool read = false;             ///< the manifest could be read far enough to check the rest
    bool hashesChecked = false;    ///< every shard stated a SHA-256 and the bin was read to check it
    bool lutsChecked = false;      ///< luts.json (+ luts.bin) was present and checked
    bool checkpointCompared = false; ///< the re-derivation from VerifyOptions::checkpoint ran
    std::vector<std::string> notes; ///< what was not checked, and why (e.g. seed output has no shard hashes)

    bool ok() const { return problems.empty(); }
};

/// Checks an output folder: manifest <-> bin consistency (readArtifactFolder's checks, all problems collected), the
/// stated shard SHA-256s, luts.json against luts.bin when present, and with options.checkpoint a re-derivation in
/// memory whose bytes must equal the folder's (differing tensors named with their first differing offset and shard).
/// Problems with the folder are reported, not thrown; throws ql::Error only for the checkpoint itself (unreadable:
/// Input) and cancellation.
VerifyReport verifyArtifacts(const std::filesystem::path &dir, const VerifyOptions &options = {});

/// {"dir", "ok", "total_weight_bytes", "num_tensors", "num_shards", "hashes_checked", "luts_checked",
///  "checkpoint_compared", "notes": [..], "problems": [{"kind", "file", "message", "tensor"|null, "shard"|null,
///  "offset"|null}]} (documented in the README).
Json verifyReportJson(const VerifyReport &report);

} // namespace ql
