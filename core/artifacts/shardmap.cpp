#include "artifacts/shardmap.h"

namespace ql {

std::vector<Shard> shardMap(uint64_t total, uint64_t target)
{
    std::vector<Shard> out;
    if (total == 0)
        return out;
    const uint64_t n = std::max<uint64_t>(1, (total + target - 1) / target);
    uint64_t start = 0;
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t end = i + 1 < n ? (((i + 1) * total / n + kShardAlign - 1) & ~(kShardAlign - 1)) : total;
        if (end > total)
            end = total;
        out.push_back({static_cast<int>(i), start, end - start});
        start = end;
    }
    return out;
}

int shardOf(const std::vector<Shard> &shards, uint64_t offset)
{
    for (const auto &s : shards)
        if (offset >= s.offset && offset < s.offset + s.size)
            return s.index;
    return -1;
}

} // namespace ql

namespace ql {

ShardCost shardCost(uint64_t dataBytes)
{
    ShardCost c;
    c.accountBytes = dataBytes + ShardCost::kHeaderBytes;
    c.fitsAccount = c.accountBytes <= kMaxAccountBytes;
    c.transactions = (dataBytes + kUploadChunk - 1) / kUploadChunk;
    c.rentSol = double(c.accountBytes + ShardCost::kAccountOverhead) * kRentSolPerByte;
    return c;
}

} // namespace ql
