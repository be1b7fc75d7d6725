#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ql {

/// One WeightShard account's slice of weights_int8.bin.
struct Shard
{
    int index = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    std::string sha256; ///< lower-case hex SHA-256 of the shard's bytes when known (streamed writes, manifests)
};

constexpr uint64_t kShardTarget = 4ull * 1024 * 1024;  ///< the seed's 4 MiB target
constexpr uint64_t kShardAlign = 4096;
constexpr uint64_t kMaxAccountBytes = 10ull * 1024 * 1024;
constexpr uint64_t kUploadChunk = 1000;                 ///< bytes per upload transaction
constexpr double kRentSolPerByte = 0.00000696;

/// SPEC §5: n = max(1, ceil(total/target)); inner boundaries rounded up to 4096; none for an empty buffer.
std::vector<Shard> shardMap(uint64_t totalBytes, uint64_t target = kShardTarget);
/// Index of the shard holding byte `offset`, or -1.
int shardOf(const std::vector<Shard> &shards, uint64_t offset);

} // namespace ql

namespace ql {

/// What one shard costs on chain (SPEC §7).
struct ShardCost
{
    /// WeightShard bytes before the data (SPEC §7): Anchor discriminator, shard_index, data_size, authority,
    /// finalized, data_hash, bytes_written. The one definition lint, verify, the report and the GUI use.
    static constexpr uint64_t kHeaderBytes = 8 + 1 + 4 + 32 + 1 + 32 + 4;
    static_assert(kHeaderBytes == 82, "SPEC §7: account size = 82 + shard size");
    static constexpr uint64_t kAccountOverhead = 128;            ///< bytes Solana's rent formula adds to every account
    uint64_t accountBytes = 0;  ///< header + data
    bool fitsAccount = true;    ///< <= 10 MiB
    uint64_t transactions = 0;  ///< 1,000-byte upload writes
    double rentSol = 0;         ///< rent-exempt deposit estimate
};
ShardCost shardCost(uint64_t dataBytes);

} // namespace ql
