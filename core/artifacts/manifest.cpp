#include "artifacts/manifest.h"

#include "artifacts/artifactfolder.h"
#include "artifacts/artifacts.h"
#include "base/errors.h"

namespace ql {

namespace {
Json snrJson(const std::optional<double> &v) { return v ? Json(*v) : Json(nullptr); }
} // namespace

Json buildManifest(const QuantizeResult &r)
{
    Json m;
    m["format"] = r.model.format();
    m["architecture"] = r.model.architecture;
    m["total_weight_bytes"] = r.totalBytes;
    Json shards = Json::array();
    // The bytes in memory are the truth (an edited result's stored hashes may be stale); a streamed result carries
    // the hashes taken while its bytes went to disk.
    const bool inMemory = r.bytes.size() == r.totalBytes;
    for (const auto &s : r.shards) {
        Json e = {{"index", s.index}, {"offset", s.offset}, {"size", s.size}};
        if (inMemory && s.offset + s.size <= r.bytes.size())
            e["sha256"] = sha256Hex(r.bytes, s.offset, s.size);
        else if (!s.sha256.empty())
            e["sha256"] = s.sha256;
        shards.push_back(std::move(e));
    }
    m["shard_map"] = {{"num_shards", r.shards.size()}, {"shards", shards}};
    Json weights = Json::object();
    for (const char *g : kGroups)
        weights[g] = Json::object();
    for (const auto &t : r.tensors) {
        Json e;
        e["offset"] = t.offset;
        e["size"] = t.size;
        e["shape"] = t.shape;
        if (t.shape.size() == 3) {
            e["original_shape_3d"] = t.shape;
            e["reshaped_2d"] = {t.rows, t.cols};
        }
        e["quantization"] = t.strategy.manifestQuantization();
        if (t.strategy.layout == ScaleLayout::PerChannel) {
            Json sc = Json::array();
            for (float s : t.scales)
                sc.push_back(double(s));
            e["scales"] = std::move(sc);
        } else
            e["scale"] = t.scale;
        const auto snr = t.stats.snrDb();
        e["snr_db"] = snrJson(snr);
        e["error"] = {{"mse", t.stats.mse()},
                      {"max_abs_error", t.stats.maxAbsErr},
                      {"snr_db", snrJson(snr)},
                      {"relative_error_pct", t.stats.relativeErrorPct()}};
        if (t.overridden) {
            Json st = {{"name", t.strategy.name()}};
            if (t.strategy.method == ClipMethod::Percentile)
                st["percentile"] = t.strategy.percentile;
            // The threshold actually used: scale * 127 (one per row for per-channel layouts).
            if (t.strategy.layout == ScaleLayout::PerTensor)
                st["clip"] = t.scale * 127.0;
            else {
                Json c = Json::array();
                for (float s : t.scales)
                    c.push_back(double(s) * 127.0);
                st["clip"] = std::move(c);
            }
            st["absmax"] = double(t.absmax);
            if (t.rule >= 0)
                st["rule"] = t.rule;
            e["strategy"] = std::move(st);
        }
        weights[t.group][t.name] = std::move(e);
    }
    m["weights"] = std::move(weights);
    const auto s = r.summary();
    Json es = {{"num_2d_weights", s.numMatrices}, {"mean_snr_db", s.meanSnr}, {"min_snr_db", s.minSnr},
               {"max_snr_db", s.maxSnr}};
    if (s.numUndefined)
        es["undefined_snr_weights"] = s.numUndefined;
    m["error_summary"] = std::move(es);
    if (!r.encodingConfig.is_null())
        m["encoding_config"] = r.encodingConfig;
    if (!r.contextLen.is_null())
        m["context_len"] = r.contextLen;
    if (!r.overrides.empty())
        m["overrides"] = r.overrides.toJson();
    return m;
}

QuantizeResult loadArtifacts(const std::filesystem::path &dir)
{
    auto folder = readArtifactFolder(dir, nullptr, false); // throws the first problem
    QuantizeResult r = std::move(folder->result);
    if (folder->bin) {
        // The one copy: the map is released when `folder` goes out of scope.
        try {
            const auto *p = reinterpret_cast<const int8_t *>(folder->bin->data());
            r.setBytes({p, folder->bin->size()});
        } catch (const std::bad_alloc &) {
            throw inputError("needs " + std::to_string(folder->bin->size()) + " bytes of memory to hold, not available",
                             folder->binPath().string());
        }
    }
    return r;
}

} // namespace ql
