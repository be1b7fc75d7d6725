// The comparison as JSON: what `quantlens-cli compare --json` prints and the report's "comparison" holds, from one
// definition so the two cannot drift apart.
#include "session/compare.h"

#include <cmath>

namespace ql {

namespace {

/// JSON has no infinities: a figure that is infinite or absent prints as null.
Json num(const std::optional<double> &v) { return v && std::isfinite(*v) ? Json(*v) : Json(nullptr); }
Json num(const std::optional<uint64_t> &v) { return v ? Json(*v) : Json(nullptr); }

Json shardJson(const std::optional<Shard> &s)
{
    return s ? Json{{"offset", s->offset}, {"size", s->size}} : Json(nullptr);
}

} // namespace

Json compareResultJson(const CompareResult &r)
{
    Json tensors = Json::array();
    for (const auto &d : r.tensors)
        tensors.push_back({{"name", d.name},
                           {"status", statusName(d.status)},
                           {"shape_a", d.a ? Json(d.a->shape) : Json(nullptr)},
                           {"shape_b", d.b ? Json(d.b->shape) : Json(nullptr)},
                           {"rel_l2_change", num(d.relL2Change)},
                           {"max_abs_change", num(d.maxAbsChange)},
                           {"snr_db_a", num(d.snrA)},
                           {"snr_db_b", num(d.snrB)},
                           {"snr_delta_db", num(d.snrDelta)},
                           {"scale_max_rel_change", num(d.scaleMaxRelChange)},
                           {"int8_bytes_changed", num(d.int8BytesChanged)},
                           {"strategy_changed", d.strategyChanged},
                           {"moved", d.moved}});
    Json shards = Json::array();
    for (const auto &s : r.shards) {
        Json ranges = Json::array();
        for (const auto &c : s.chunkRanges)
            ranges.push_back({c.first, c.last});
        shards.push_back({{"index", s.index},
                          {"a", shardJson(s.a)},
                          {"b", shardJson(s.b)},
                          {"bytes_changed", s.bytesChanged},
                          {"chunks_changed", s.chunksChanged},
                          {"chunk_ranges", ranges},
                          {"patch_transactions", num(s.patchTransactions)},
                          {"recreate_transactions", s.recreateTransactions},
                          {"rent_delta_sol", s.rentDeltaSol},
                          {"resized", s.resized}});
    }
    const CompareSummary &s = r.summary;
    return {{"a", r.pathA},
            {"b", r.pathB},
            {"tensors", tensors},
            {"shards", shards},
            {"layout_changed", r.layoutChanged},
            {"summary",
             {{"same", s.same},
              {"changed", s.changed},
              {"reshaped", s.reshaped},
              {"added", s.added},
              {"removed", s.removed},
              {"identical", s.identical()},
              {"largest_changes", s.largestChanges},
              {"int8_bytes_changed", s.int8BytesChanged},
              {"chunks_changed", s.chunksChanged},
              {"patch_transactions", num(s.patchTransactions)},
              {"recreate_transactions", s.recreateTransactions},
              {"rent_delta_sol", s.rentDeltaSol},
              {"shard_count_a", r.shardCountA},
              {"shard_count_b", r.shardCountB},
              {"total_bytes_a", r.totalBytesA},
              {"total_bytes_b", r.totalBytesB},
              {"tensors_moved", r.tensorsMoved}}}};
}

} // namespace ql
