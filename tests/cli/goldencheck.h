#pragma once
// Test support shared by tests/core and tests/cli: the golden comparison rules of compare_outputs.py in C++,
// lenient parsing of Python-written JSON, and (from tests/common/files.h) the file helpers. Header-only, no Qt, no
// core dependency (the shard hashes are recomputed with OpenSSL's one-shot SHA256, not with the core's sha256Hex).
#include "../common/files.h"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace qltest {

using OJson = nlohmann::ordered_json;
using PJson = nlohmann::json; // key order ignored when comparing

/// Python's json writes -Infinity / Infinity / NaN, which are not JSON: they become null here, which is what the
/// project writes for an undefined SNR (SPEC section 4).
inline OJson parseLenient(std::string text)
{
    for (const char *token : {"-Infinity", "Infinity", "NaN"}) {
        const std::size_t n = std::strlen(token);
        for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at))
            text.replace(at, n, "null");
    }
    return OJson::parse(text);
}

inline bool sameUnordered(const OJson &a, const OJson &b) { return PJson::parse(a.dump()) == PJson::parse(b.dump()); }

/// compare_outputs.py's close(): null stands for the golden's -inf and only matches null.
inline bool close(const OJson &a, const OJson &b, double rel, double absol = 0.0)
{
    if (a.is_null() || b.is_null())
        return a.is_null() && b.is_null();
    if (!a.is_number() || !b.is_number())
        return false;
    const double x = a.get<double>(), y = b.get<double>();
    if (std::isinf(x) || std::isinf(y))
        return x == y;
    return std::fabs(x - y) <= std::max(absol, rel * std::max(std::fabs(x), std::fabs(y)));
}

inline std::string brief(const OJson &j) { return j.dump().substr(0, 120); }

/// Lower-case hex SHA-256 of bytes [offset, offset + size) of `bin` (empty when the range lies outside it).
inline std::string sha256Of(const std::string &bin, uint64_t offset, uint64_t size)
{
    if (offset > bin.size() || size > bin.size() - offset)
        return {};
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(bin.data()) + offset, size, md);
    static const char *hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : md) {
        s.push_back(hex[c >> 4]);
        s.push_back(hex[c & 15]);
    }
    return s;
}

/// The project's one addition to the seed's shard map: shard_map.shards[i].sha256. Checks it against `bin` (the
/// folder's weights_int8.bin) and returns the shard map without it, so the rest compares exactly with the seed's.
inline OJson checkShardHashes(const OJson &shardMap, const std::string &bin, std::vector<std::string> &p)
{
    OJson out = shardMap;
    if (!out.is_object() || !out.contains("shards") || !out["shards"].is_array())
        return out;
    for (auto &s : out["shards"]) {
        if (!s.is_object())
            continue;
        const std::string where = "manifest.shard_map.shards[" + brief(s.value("index", OJson())) + "].sha256";
        if (!s.contains("sha256")) {
            p.push_back(where + " missing");
            continue;
        }
        const OJson h = s["sha256"];
        const std::string want = sha256Of(bin, s.value("offset", uint64_t(0)), s.value("size", uint64_t(0)));
        if (!h.is_string() || h.get<std::string>() != want)
            p.push_back(where + " " + brief(h) + " != " + want + " (SHA-256 of the shard's bytes)");
        s.erase("sha256");
    }
    return out;
}

/// Compares a project manifest with a golden one (both parsed), with compare_outputs.py's tolerances:
/// scales 1e-6 relative, SNRs 1e-3 dB, error metrics 1e-4 relative; offsets, sizes, shapes, groups, format,
/// architecture, shard map, encoding_config and context_len exactly. Stricter than the script in three ways:
/// the golden's -inf must be null (not a number), the summary must leave all-zero tensors out (checked against
/// the golden's own entries), and entries must keep sorted order within each group.
/// With `gotBin` (the bytes the manifest describes), every shard must also carry the SHA-256 of its bytes; the
/// shard map is compared without that key. Without it, a shard map holding sha256 keys differs from the seed's.
inline std::vector<std::string> compareManifest(const OJson &got, const OJson &want, const std::string *gotBin = nullptr)
{
    std::vector<std::string> p;
    for (const char *f : {"format", "architecture", "total_weight_bytes", "shard_map", "context_len", "encoding_config"}) {
        const bool g = got.contains(f), w = want.contains(f);
        const OJson gv = g && gotBin && std::string(f) == "shard_map" ? checkShardHashes(got[f], *gotBin, p)
                         : g                                          ? got[f]
                                                                      : OJson();
        if (g != w)
            p.push_back(std::string("manifest.") + f + (g ? " present, golden has none" : " missing"));
        else if (g && !sameUnordered(gv, want[f]))
            p.push_back(std::string("manifest.") + f + ": " + brief(gv) + " != " + brief(want[f]));
    }
    const OJson none = OJson::object();
    const OJson &gs = got.contains("error_summary") ? got["error_summary"] : none;
    const OJson &ws = want.at("error_summary");
    if (gs.value("num_2d_weights", -1) != ws.at("num_2d_weights").get<int>())
        p.push_back("error_summary.num_2d_weights " + brief(gs.value("num_2d_weights", OJson())));

    // The summary over the golden's own defined matrix SNRs (what the reference would print without -inf).
    double sum = 0, mn = 0, mx = 0;
    int n = 0;
    for (const auto &[group, entries] : want.at("weights").items())
        for (const auto &[k, e] : entries.items())
            if (e.at("shape").size() >= 2 && e.at("snr_db").is_number()) {
                const double s = e["snr_db"].get<double>();
                mn = n ? std::min(mn, s) : s;
                mx = n ? std::max(mx, s) : s;
                sum += s;
                ++n;
            }
    const double own[3] = {n ? sum / n : 0.0, mn, mx};
    const char *sf[3] = {"mean_snr_db", "min_snr_db", "max_snr_db"};
    for (int i = 0; i < 3; ++i) {
        const OJson g = gs.value(sf[i], OJson());
        if (!g.is_number() || !std::isfinite(g.get<double>())) {
            p.push_back(std::string("error_summary.") + sf[i] + " is not a finite number: " + brief(g));
            continue;
        }
        if (!ws.at(sf[i]).is_null() && !close(g, ws[sf[i]], 0.0, 1e-3))
            p.push_back(std::string("error_summary.") + sf[i] + " " + brief(g) + " != " + brief(ws[sf[i]]));
        if (!close(g, own[i], 0.0, 1e-3))
            p.push_back(std::string("error_summary.") + sf[i] + " " + brief(g) + " != " + std::to_string(own[i]) +
                        " over the golden's defined SNRs");
    }

    const OJson &gw = got.contains("weights") ? got["weights"] : none;
    std::vector<std::string> wantNames;
    for (const auto &[group, entries] : want.at("weights").items()) {
        const OJson &gg = gw.contains(group) ? gw[group] : none;
        for (const auto &[k, w] : entries.items()) {
            wantNames.push_back(k);
            if (!gg.contains(k)) {
                p.push_back(k + ": not in group " + group);
                continue;
            }
            const OJson &g = gg[k];
            for (const char *f : {"offset", "size", "shape", "quantization", "original_shape_3d", "reshaped_2d"})
                if (w.contains(f) != g.contains(f) || (w.contains(f) && g[f] != w[f]))
                    p.push_back(k + ": " + f + " " + brief(g.value(f, OJson())) + " != " + brief(w.value(f, OJson())));
            if (w.contains("scales")) {
                const OJson gsc = g.value("scales", OJson::array());
                bool ok = gsc.is_array() && gsc.size() == w["scales"].size();
                for (std::size_t i = 0; ok && i < gsc.size(); ++i)
                    ok = close(gsc[i], w["scales"][i], 1e-6);
                if (!ok)
                    p.push_back(k + ": scales differ");
            }
            if (w.contains("scale") && !close(g.value("scale", OJson()), w["scale"], 1e-6))
                p.push_back(k + ": scale " + brief(g.value("scale", OJson())) + " != " + brief(w["scale"]));
            if (!close(g.value("snr_db", OJson("missing")), w.at("snr_db"), 0.0, 1e-3))
                p.push_back(k + ": snr_db " + brief(g.value("snr_db", OJson())) + " != " + brief(w["snr_db"]));
            const OJson ge = g.value("error", OJson::object());
            const OJson &we = w.at("error");
            for (const char *f : {"mse", "max_abs_error", "relative_error_pct"})
                if (!close(ge.value(f, OJson("missing")), we.at(f), 1e-4, 1e-12))
                    p.push_back(k + ": error." + f + " " + brief(ge.value(f, OJson())) + " != " + brief(we[f]));
            if (!close(ge.value("snr_db", OJson("missing")), we.at("snr_db"), 0.0, 1e-3))
                p.push_back(k + ": error.snr_db " + brief(ge.value("snr_db", OJson())) + " != " + brief(we["snr_db"]));
        }
    }
    std::sort(wantNames.begin(), wantNames.end());
    for (const auto &[group, entries] : gw.items()) {
        std::string prev;
        for (const auto &[k, e] : entries.items()) {
            if (!std::binary_search(wantNames.begin(), wantNames.end(), k))
                p.push_back("extra weight " + k);
            if (k < prev)
                p.push_back("group " + group + ": " + k + " after " + prev + " (not sorted)");
            prev = k;
        }
    }
    return p;
}

/// luts.json against a golden one: identity fields exactly, scales to 1e-9 relative.
inline std::vector<std::string> compareLutsJson(const OJson &got, const OJson &want)
{
    std::vector<std::string> p;
    for (const char *f : {"format", "num_luts", "lut_size", "total_bytes"})
        if (got.value(f, OJson()) != want.at(f))
            p.push_back(std::string("luts.") + f);
    const OJson gl = got.value("luts", OJson::array());
    if (gl.size() != want.at("luts").size())
        p.push_back("number of luts differs");
    for (std::size_t i = 0; i < std::min(gl.size(), want["luts"].size()); ++i) {
        const auto &g = gl[i], &w = want["luts"][i];
        for (const char *f : {"name", "offset", "size", "input_signed", "output_signed", "description"})
            if (g.value(f, OJson()) != w.at(f))
                p.push_back("lut " + w["name"].get<std::string>() + ": " + f);
        for (const char *f : {"input_scale", "output_scale"})
            if (!close(g.value(f, OJson()), w.at(f), 1e-9))
                p.push_back("lut " + w["name"].get<std::string>() + ": " + f);
    }
    return p;
}

inline std::string joinProblems(const std::vector<std::string> &p, std::size_t max = 12)
{
    std::string s = std::to_string(p.size()) + " mismatches";
    for (std::size_t i = 0; i < p.size() && i < max; ++i)
        s += "\n  " + p[i];
    return s;
}

/// Number of differing bytes (plus the length difference), for messages.
inline std::size_t byteDiff(const std::string &a, const std::string &b)
{
    std::size_t d = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        d += a[i] != b[i];
    return d;
}

/// One tensor of a safetensors file written by a test.
struct StTensor
{
    std::string name;
    std::string dtype = "F32";
    std::vector<int64_t> shape;
    std::string bytes; ///< little-endian element bytes
};

/// Writes a safetensors file: u64 header length, JSON header (8-byte padded), data.
inline void writeSafetensors(const std::filesystem::path &path, const std::vector<StTensor> &tensors,
                             const OJson &metadata = OJson())
{
    OJson h = OJson::object();
    if (!metadata.is_null())
        h["__metadata__"] = metadata;
    std::string body;
    for (const auto &t : tensors) {
        h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {body.size(), body.size() + t.bytes.size()}}};
        body += t.bytes;
    }
    std::string header = h.dump();
    header.append((8 - header.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out[i] = char((n >> (8 * i)) & 0xff);
    writeFile(path, out + header + body);
}

inline std::string floatBytes(const std::vector<float> &v)
{
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), v.data(), s.size());
    return s;
}

/// A world model whose INT8 bytes are known in advance: every value is k * 2^-e with k an integer in [-127, 127]
/// and every row (and every 1-D tensor) holding +-127, so each scale is exactly 2^-e and q == k. Sizes are chosen
/// so the buffer has exactly `total` bytes (the filler tensor absorbs the remainder) with `matrices` >= 2-D tensors.
struct PatternModel
{
    std::vector<StTensor> tensors;
    std::string expectedBin; ///< in sorted-name order, as SPEC section 3 lays them out
    int matrices = 0;
};

inline PatternModel patternWorldModel(uint64_t total, int matrices = 39)
{
    PatternModel m;
    struct Spec
    {
        std::string name;
        std::vector<int64_t> shape;
    };
    std::vector<Spec> specs = {{"frame_proj.weight", {384, 182}},
                               {"layers.0.mamba.A_log", {12}},
                               {"layers.0.mamba.conv1d.weight", {896, 1, 4}}};
    const int64_t fixedElems = 384 * 182 + 12 + 896 * 4;
    // The remaining matrices split what is left of the budget, minus a 1-D filler.
    const int rest = matrices - 2;
    const int64_t budget = int64_t(total) - fixedElems - 1000;
    const int64_t rows = 1024;
    const int64_t cols = budget / (rest * rows);
    for (int i = 0; i < rest; ++i)
        specs.push_back({"layers." + std::to_string(i % 4) + ".mamba.proj" + std::to_string(i) + ".weight", {rows, cols}});
    int64_t used = fixedElems + int64_t(rest) * rows * cols;
    specs.push_back({"final_norm.weight", {int64_t(total) - used}});
    std::sort(specs.begin(), specs.end(), [](const Spec &a, const Spec &b) { return a.name < b.name; });
    int idx = 0;
    for (const auto &s : specs) {
        int64_t r = s.shape.size() >= 2 ? s.shape[0] : 1, n = 1;
        for (auto d : s.shape)
            n *= d;
        const int64_t c = n / r;
        const float unit = std::ldexp(1.0f, -(4 + idx % 6));
        std::vector<float> v(static_cast<std::size_t>(n));
        std::string q(static_cast<std::size_t>(n), '\0');
        for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < c; ++j) {
                int k = int((i * 7 + j * 13 + idx * 5) % 255) - 127;
                if (j == i % c)
                    k = (i + idx) % 2 ? 127 : -127;
                v[std::size_t(i * c + j)] = float(k) * unit;
                q[std::size_t(i * c + j)] = char(int8_t(k));
            }
        m.tensors.push_back({s.name, "F32", s.shape, floatBytes(v)});
        m.expectedBin += q;
        m.matrices += s.shape.size() >= 2;
        ++idx;
    }
    return m;
}

} // namespace qltest
