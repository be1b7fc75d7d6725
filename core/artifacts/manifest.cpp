#include "artifacts/manifest.h"

#include "base/errors.h"
#include "base/jsondepth.h"

#include <fstream>
#include <sstream>
#include <string_view>

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
    for (const auto &s : r.shards)
        shards.push_back({{"index", s.index}, {"offset", s.offset}, {"size", s.size}});
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

namespace {
/// The seed's manifests come from Python's json, which writes -Infinity for the SNR of an all-zero tensor (and
/// could write Infinity / NaN): not JSON. Outside string literals those tokens become null, which is what
/// QuantLens writes for an undefined SNR, so seed output folders can be inspected too.
std::string pythonConstantsToNull(std::string text)
{
    std::string out;
    out.reserve(text.size());
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            out.push_back(c);
            if (c == '\\' && i + 1 < text.size())
                out.push_back(text[++i]);
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        bool replaced = false;
        for (const std::string_view token : {"-Infinity", "Infinity", "NaN"})
            if (text.compare(i, token.size(), token) == 0) {
                out += "null";
                i += token.size() - 1;
                replaced = true;
                break;
            }
        if (!replaced)
            out.push_back(c);
    }
    return out;
}

std::string readAll(const std::filesystem::path &p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw inputError("cannot open", p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

QuantizeResult loadArtifacts(const std::filesystem::path &dir)
{
    const auto mpath = dir / "manifest.json";
    const std::string file = mpath.string();
    Json m;
    try {
        const std::string text = pythonConstantsToNull(readAll(mpath));
        checkJsonDepth(text, file);
        m = Json::parse(text);
    } catch (const Error &) {
        throw;
    } catch (const std::exception &e) {
        throw inputError(std::string("not valid JSON: ") + e.what(), file);
    }
    QuantizeResult r;
    r.sourcePath = dir.string();
    try {
        r.model.architecture = m.at("architecture");
        r.model.modelType = r.model.architecture.at("model_type").get<std::string>();
        // nlohmann converts a float to an integer with a plain cast (undefined when out of range): only integers
        // are accepted where integers are meant.
        auto count = [&](const Json &v, const char *what, const std::string &tensor) {
            if (!v.is_number_unsigned())
                throw inputError(std::string(what) + " is not a non-negative integer: " + v.dump(), file, tensor);
            return v.get<uint64_t>();
        };
        r.totalBytes = count(m.at("total_weight_bytes"), "total_weight_bytes", {});
        for (const auto &[group, entries] : m.at("weights").items())
            for (const auto &[name, e] : entries.items()) {
                QuantizedTensor t;
                t.name = name;
                t.group = group;
                if (!e.at("shape").is_array())
                    throw inputError("shape " + e.at("shape").dump() + " is not a list of sizes", file, name);
                for (const auto &d : e.at("shape")) {
                    if (!d.is_number_integer())
                        throw inputError("shape " + e.at("shape").dump() + " is not a list of sizes", file, name);
                    t.shape.push_back(d.get<int64_t>());
                }
                t.offset = count(e.at("offset"), "offset", name);
                t.size = count(e.at("size"), "size", name);
                // Consumers index the INT8 bytes through shape, rows and cols: they must describe `size` bytes.
                uint64_t numel = 1;
                for (int64_t d : t.shape) {
                    if (d < 0 || (d > 0 && numel > (uint64_t(1) << 62) / uint64_t(d)))
                        throw inputError("shape " + e.at("shape").dump() + " is not a list of sizes", file, name);
                    numel *= uint64_t(d);
                }
                if (numel != t.size)
                    throw inputError("shape " + e.at("shape").dump() + " holds " + std::to_string(numel) +
                                         " elements but size is " + std::to_string(t.size),
                                     file, name);
                t.rows = t.shape.size() >= 2 ? t.shape[0] : 1;
                t.cols = t.rows ? int64_t(t.size) / t.rows : 0;
                const std::string qz = e.at("quantization").get<std::string>();
                if (e.contains("strategy") && e["strategy"].contains("name")) {
                    auto s = Strategy::fromName(e["strategy"]["name"].get<std::string>());
                    if (!s)
                        throw inputError("unknown strategy " + e["strategy"]["name"].dump(), file, name);
                    t.strategy = *s;
                    if (e["strategy"].contains("percentile"))
                        t.strategy.percentile = e["strategy"]["percentile"].get<double>();
                    t.overridden = true;
                } else
                    t.strategy = Strategy::defaultFor(t.shape.size() >= 2 ? 2 : 1);
                t.strategy.layout = qz == "per_channel_symmetric" ? ScaleLayout::PerChannel : ScaleLayout::PerTensor;
                if (t.strategy.layout == ScaleLayout::PerChannel) {
                    for (const auto &s : e.at("scales"))
                        t.scales.push_back(s.get<float>());
                    if (int64_t(t.scales.size()) != t.rows)
                        throw inputError("has " + std::to_string(t.scales.size()) + " scales for " +
                                             std::to_string(t.rows) + " rows",
                                         file, name);
                    for (float s : t.scales)
                        t.absmax = std::max(t.absmax, s * 127.0f);
                } else {
                    t.scale = e.at("scale").get<double>();
                    t.absmax = float(t.scale * 127.0);
                }
                // Rebuild the sums from the recorded means so summaries and sorting work without the source.
                const auto &err = e.at("error");
                t.stats.count = int64_t(t.size);
                t.stats.noise = err.at("mse").get<double>() * double(t.size);
                t.stats.maxAbsErr = err.at("max_abs_error").get<double>();
                if (e.at("snr_db").is_number()) {
                    const double snr = e["snr_db"].get<double>();
                    t.stats.signal = std::pow(10.0, snr / 10.0) * std::max(t.stats.mse(), 1e-10) * double(t.size);
                }
                r.tensors.push_back(std::move(t));
            }
    } catch (const Error &) {
        throw;
    } catch (const std::exception &e) {
        throw inputError(std::string("not a QuantLens/seed manifest: ") + e.what(), file);
    }
    std::sort(r.tensors.begin(), r.tensors.end(), [](const auto &a, const auto &b) { return a.name < b.name; });
    if (m.contains("encoding_config"))
        r.encodingConfig = m["encoding_config"];
    if (m.contains("context_len"))
        r.contextLen = m["context_len"];
    if (m.contains("overrides"))
        r.overrides = Overrides::fromJson(m["overrides"], file);
    const auto bpath = dir / "weights_int8.bin";
    const std::string bytes = readAll(bpath);
    if (bytes.size() != r.totalBytes)
        throw inputError("has " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                             std::to_string(r.totalBytes),
                         bpath.string());
    // Only now is total_weight_bytes known to be real: the shard map allocates one entry per 4 MiB of it.
    r.shards = shardMap(r.totalBytes);
    r.bytes.assign(bytes.begin(), bytes.end());
    for (const auto &t : r.tensors) {
        if (t.offset > r.totalBytes || t.size > r.totalBytes - t.offset)
            throw inputError("offset + size lies beyond total_weight_bytes", file, t.name);
        r.fp32Bytes += t.size * 4;
    }
    return r;
}

} // namespace ql
