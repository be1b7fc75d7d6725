#include "artifacts/artifactfolder.h"

#include "artifacts/artifacts.h"
#include "base/enumnames.h"
#include "base/errors.h"
#include "base/jsondepth.h"
#include "base/regularfile.h"
#include "base/utf8.h"
#include "readers/model.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <string_view>

namespace ql {

namespace al = artifactlimits;

constexpr EnumName<ProblemKind> kProblemKindNames[] = {
    {ProblemKind::File, "file"}, {ProblemKind::Manifest, "manifest"}, {ProblemKind::Tensor, "tensor"},
    {ProblemKind::ShardMap, "shard_map"}, {ProblemKind::Account, "account"}, {ProblemKind::Hash, "hash"},
    {ProblemKind::Luts, "luts"}, {ProblemKind::Mismatch, "mismatch"}};
static_assert(namesEveryEnumerator(kProblemKindNames));
const char *problemKindName(ProblemKind k) { return enumName(kProblemKindNames, k, "unknown"); }

namespace {
std::string location(const ArtifactProblem &p)
{
    std::string s;
    if (p.shard >= 0)
        s += "shard " + std::to_string(p.shard);
    if (p.offset)
        s += (s.empty() ? "" : ", ") + std::string("offset ") + std::to_string(*p.offset);
    return s.empty() ? s : " (" + s + ")";
}
} // namespace

std::string ArtifactProblem::text() const
{
    std::string out = file.empty() ? "" : file + ": ";
    if (!tensor.empty())
        out += "tensor '" + tensor + "': ";
    return out + message + location(*this);
}

std::vector<std::string> tensorsIn(const QuantizeResult &r, uint64_t offset, uint64_t size)
{
    std::vector<std::pair<uint64_t, std::string>> hits;
    for (const auto &t : r.tensors)
        if (t.size > 0 && t.offset < offset + size && offset < t.offset + t.size)
            hits.emplace_back(t.offset, t.name);
    std::sort(hits.begin(), hits.end());
    std::vector<std::string> out;
    for (auto &h : hits)
        out.push_back(std::move(h.second));
    return out;
}

namespace {

/// The seed's manifests come from Python's json, which writes -Infinity for the SNR of an all-zero tensor (and
/// could write Infinity / NaN): not JSON. Outside string literals those tokens become null, which is what
/// QuantLens writes for an undefined SNR, so seed output folders can be read too.
std::string pythonConstantsToNull(const std::string &text)
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

/// A JSON value quoted in a message: at most ~60 bytes, cut on a UTF-8 boundary (messages reach JSON output).
std::string brief(const Json &v) { return clipUtf8(v.dump(-1, ' ', false, Json::error_handler_t::replace), 60); }

/// Typed access to manifest fields: a missing or mistyped field is an input Error naming the file, the tensor and
/// the field, never a raw library message.
struct Fields
{
    const std::string &file;
    std::string tensor;

    [[noreturn]] void fail(const std::string &what) const { throw inputError(what, file, tensor); }
    const Json &at(const Json &obj, const char *key, const std::string &where) const
    {
        if (!obj.is_object())
            fail(where + " is not an object: " + brief(obj));
        const auto it = obj.find(key);
        if (it == obj.end())
            fail("field '" + where + "." + key + "' is missing");
        return *it;
    }
    uint64_t count(const Json &v, const std::string &field) const
    {
        // nlohmann converts a float to an integer with a plain cast (undefined when out of range): only integers.
        if (!v.is_number_unsigned())
            fail("field '" + field + "' is not a non-negative integer: " + brief(v));
        return v.get<uint64_t>();
    }
    double number(const Json &v, const std::string &field) const
    {
        if (!v.is_number())
            fail("field '" + field + "' is not a number: " + brief(v));
        return v.get<double>();
    }
    double numberOrNull(const Json &obj, const char *key, const std::string &where) const
    {
        if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
            return 0.0;
        return number(obj[key], where + "." + key);
    }
    std::string string(const Json &v, const std::string &field) const
    {
        if (!v.is_string())
            fail("field '" + field + "' is not a string: " + brief(v));
        return v.get<std::string>();
    }
};

/// Collects problems, or throws the first one (loadArtifacts).
struct Reporter
{
    std::vector<ArtifactProblem> *out;
    void add(ArtifactProblem p) const
    {
        // An oversized account is an on-chain limit, not an inconsistency: the folder still reads (verify and lint
        // report it).
        if (!out && p.kind == ProblemKind::Account)
            return;
        if (!out)
            throw inputError(p.message + location(p), p.file, p.tensor);
        out->push_back(std::move(p));
    }
};

bool isLowerHex64(const std::string &s)
{
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool goodScale(double s) { return std::isfinite(s) && s > 0 && s <= double(FLT_MAX); }

/// One tensor entry of the manifest into `t`; structural problems throw, consistency problems are reported.
void readEntry(const Fields &f, const Reporter &rep, const std::string &group, const Json &e, QuantizedTensor &t)
{
    const std::string &name = f.tensor;
    const std::string &file = f.file;
    t.name = name;
    t.group = group;
    const Json &shape = f.at(e, "shape", name);
    if (!shape.is_array())
        f.fail("field 'shape' is not a list of sizes: " + brief(shape));
    if (shape.empty() || shape.size() > al::kMaxRank)
        f.fail("shape has rank " + std::to_string(shape.size()) + ": the seed writes 1-D to " +
               std::to_string(al::kMaxRank) + "-D tensors only");
    uint64_t numel = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const Json &d = shape[i];
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
            f.fail("shape[" + std::to_string(i) + "] is " + brief(d) + ", not a size (a non-negative integer)");
        const auto n = uint64_t(d.get<int64_t>());
        if (n > 0 && numel > (uint64_t(1) << 62) / n)
            f.fail("shape " + brief(shape) + " holds more than 2^62 elements");
        numel *= n;
        t.shape.push_back(int64_t(n));
    }
    t.offset = f.count(f.at(e, "offset", name), "offset");
    t.size = f.count(f.at(e, "size", name), "size");
    // Consumers index the INT8 bytes through shape, rows and cols: they must describe `size` bytes.
    if (numel != t.size)
        rep.add({ProblemKind::Tensor, file,
                 "shape " + brief(shape) + " holds " + std::to_string(numel) + " elements but size is " +
                     std::to_string(t.size),
                 name, -1, t.offset});
    t.rows = t.shape.size() >= 2 ? t.shape[0] : 1;
    t.cols = t.rows ? int64_t(numel) / t.rows : 0;
    if (t.shape.size() == 3 && e.contains("reshaped_2d")) {
        const Json want = {t.rows, t.cols};
        if (e["reshaped_2d"] != want)
            rep.add({ProblemKind::Tensor, file, "reshaped_2d " + brief(e["reshaped_2d"]) + " is not " + brief(want),
                     name, -1, t.offset});
    }
    const std::string qz = f.string(f.at(e, "quantization", name), "quantization");
    if (qz != "per_channel_symmetric" && qz != "per_tensor_symmetric")
        f.fail("quantization '" + brief(Json(qz)) + "' is neither per_channel_symmetric nor per_tensor_symmetric");
    if (e.contains("strategy")) {
        const Json &st = e["strategy"];
        auto s = Strategy::fromName(f.string(f.at(st, "name", "strategy"), "strategy.name"));
        if (!s)
            f.fail("unknown strategy " + brief(st["name"]));
        t.strategy = *s;
        if (st.contains("percentile"))
            t.strategy.percentile = f.number(st["percentile"], "strategy.percentile");
        t.overridden = true;
    } else
        t.strategy = Strategy::defaultFor(t.shape.size() >= 2 ? 2 : 1);
    t.strategy.layout = qz == "per_channel_symmetric" ? ScaleLayout::PerChannel : ScaleLayout::PerTensor;
    if (t.strategy.layout == ScaleLayout::PerChannel) {
        const Json &sc = f.at(e, "scales", name);
        if (!sc.is_array())
            f.fail("field 'scales' is not a list of numbers: " + brief(sc));
        int64_t bad = 0, firstBad = -1;
        t.scales.reserve(sc.size());
        for (std::size_t i = 0; i < sc.size(); ++i) {
            const double s = f.number(sc[i], "scales[" + std::to_string(i) + "]");
            if (!goodScale(s) && bad++ == 0)
                firstBad = int64_t(i);
            t.scales.push_back(goodScale(s) ? float(s) : 0.0f);
            t.absmax = std::max(t.absmax, t.scales.back() * 127.0f);
        }
        if (int64_t(t.scales.size()) != t.rows)
            rep.add({ProblemKind::Tensor, file,
                     "has " + std::to_string(t.scales.size()) + " scales for " + std::to_string(t.rows) + " rows",
                     name, -1, t.offset});
        if (bad)
            rep.add({ProblemKind::Tensor, file,
                     std::to_string(bad) + " scale(s) are not finite and > 0 (first: scales[" +
                         std::to_string(firstBad) + "] = " + brief(sc[std::size_t(firstBad)]) + ")",
                     name, -1, t.offset});
        t.scales.resize(static_cast<std::size_t>(std::max<int64_t>(t.rows, 0)), 0.0f); // rowScale(r) stays in range
    } else {
        t.scale = f.number(f.at(e, "scale", name), "scale");
        if (!goodScale(t.scale))
            rep.add({ProblemKind::Tensor, file, "scale " + brief(e["scale"]) + " is not finite and > 0", name, -1,
                     t.offset});
        t.absmax = goodScale(t.scale) ? float(t.scale * 127.0) : 0.0f;
    }
    // Rebuild the sums from the recorded means so summaries and sorting work without the source.
    const Json &err = f.at(e, "error", name);
    if (!err.is_object() && !err.is_null()) // numberOrNull() reads a non-object as "no figures" without a word
        f.fail("field 'error' is not an object: " + brief(err));
    t.stats.count = int64_t(t.size);
    t.stats.noise = f.numberOrNull(err, "mse", "error") * double(t.size);
    t.stats.maxAbsErr = f.numberOrNull(err, "max_abs_error", "error");
    if (e.contains("snr_db") && !e["snr_db"].is_null()) {
        const double snr = f.number(e["snr_db"], "snr_db");
        t.stats.signal = std::pow(10.0, snr / 10.0) * std::max(t.stats.mse(), 1e-10) * double(t.size);
    }
}

/// Tensors contiguous from 0 in offset order, no gap, no overlap, none beyond the end.
void checkTensorLayout(const QuantizeResult &r, const std::string &file, const Reporter &rep)
{
    std::vector<const QuantizedTensor *> byOffset;
    for (const auto &t : r.tensors)
        byOffset.push_back(&t);
    std::stable_sort(byOffset.begin(), byOffset.end(), [](auto a, auto b) { return a->offset < b->offset; });
    // Bytes beyond the end first: they explain the gaps and overlaps they cause.
    for (const QuantizedTensor *t : byOffset)
        if (t->offset > r.totalBytes || t->size > r.totalBytes - t->offset)
            rep.add({ProblemKind::Tensor, file,
                     "offset + size lies beyond total_weight_bytes " + std::to_string(r.totalBytes) + " (bytes [" +
                         std::to_string(t->offset) + ", +" + std::to_string(t->size) + "))",
                     t->name, -1, t->offset});
    uint64_t end = 0;
    const QuantizedTensor *prev = nullptr;
    for (const QuantizedTensor *t : byOffset) {
        if (t->offset > r.totalBytes || t->size > r.totalBytes - t->offset)
            continue;
        if (t->offset > end)
            rep.add({ProblemKind::Tensor, file,
                     "bytes [" + std::to_string(end) + ", " + std::to_string(t->offset) +
                         ") before it belong to no tensor (gap)",
                     t->name, shardOf(r.shards, end), end});
        else if (t->offset < end && t->size > 0)
            rep.add({ProblemKind::Tensor, file,
                     "overlaps tensor '" + (prev ? prev->name : std::string()) + "': bytes [" +
                         std::to_string(t->offset) + ", " + std::to_string(std::min(end, t->offset + t->size)) +
                         ") belong to both",
                     t->name, shardOf(r.shards, t->offset), t->offset});
        if (t->offset + t->size > end) {
            end = t->offset + t->size;
            prev = t;
        }
    }
    if (end < r.totalBytes)
        rep.add({ProblemKind::Tensor, file,
                 "bytes [" + std::to_string(end) + ", " + std::to_string(r.totalBytes) +
                     ") of total_weight_bytes belong to no tensor",
                 {}, shardOf(r.shards, end), end});
}

/// The shard map read from the manifest: structure fatal, consistency reported.
void readShardMap(const Fields &f, const Reporter &rep, const Json &m, QuantizeResult &r, bool &allHashed)
{
    const Json &sm = f.at(m, "shard_map", "manifest");
    const uint64_t num = f.count(f.at(sm, "num_shards", "shard_map"), "shard_map.num_shards");
    const Json &list = f.at(sm, "shards", "shard_map");
    if (!list.is_array())
        f.fail("field 'shard_map.shards' is not a list: " + brief(list));
    allHashed = !list.empty();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where = "shard_map.shards[" + std::to_string(i) + "]";
        Shard s;
        const uint64_t index = f.count(f.at(list[i], "index", where), where + ".index");
        s.index = int(std::min<uint64_t>(index, 1 << 30));
        s.offset = f.count(f.at(list[i], "offset", where), where + ".offset");
        s.size = f.count(f.at(list[i], "size", where), where + ".size");
        if (list[i].contains("sha256")) {
            s.sha256 = f.string(list[i]["sha256"], where + ".sha256");
            if (!isLowerHex64(s.sha256)) {
                rep.add({ProblemKind::ShardMap, f.file, where + ".sha256 is not 64 lower-case hex digits: " +
                                                            brief(list[i]["sha256"]),
                         {}, int(i), s.offset});
                s.sha256.clear();
            }
        }
        allHashed = allHashed && !s.sha256.empty();
        r.shards.push_back(std::move(s));
    }
    if (num != list.size())
        rep.add({ProblemKind::ShardMap, f.file,
                 "num_shards is " + std::to_string(num) + " but the list holds " + std::to_string(list.size()) +
                     " shards"});
    uint64_t end = 0;
    for (std::size_t i = 0; i < r.shards.size(); ++i) {
        Shard &s = r.shards[i];
        const int idx = int(i);
        if (uint64_t(s.index) != i)
            rep.add({ProblemKind::ShardMap, f.file, "shard " + std::to_string(i) + " has index " +
                                                        std::to_string(s.index), {}, idx, s.offset});
        if (s.offset != end)
            rep.add({ProblemKind::ShardMap, f.file,
                     std::string(s.offset > end ? "gap: bytes [" + std::to_string(end) + ", " +
                                                      std::to_string(s.offset) + ") are in no shard"
                                                : "overlaps the previous shard by " +
                                                      std::to_string(end - s.offset) + " bytes"),
                     {}, idx, s.offset});
        if (i > 0 && s.offset % kShardAlign != 0)
            rep.add({ProblemKind::ShardMap, f.file,
                     "starts at offset " + std::to_string(s.offset) + ", not on a 4096-byte boundary", {}, idx,
                     s.offset});
        if (s.size == 0)
            rep.add({ProblemKind::ShardMap, f.file, "is empty", {}, idx, s.offset});
        if (s.size > kMaxAccountBytes - al::kShardHeaderBytes)
            rep.add({ProblemKind::Account, f.file,
                     "needs a WeightShard account of " + std::to_string(al::kShardHeaderBytes + s.size) +
                         " bytes, over the 10 MiB (10485760-byte) account limit",
                     {}, idx, s.offset});
        s.index = idx;
        end = std::max(end, s.offset + s.size);
    }
    if (end != r.totalBytes)
        rep.add({ProblemKind::ShardMap, f.file,
                 "the shards cover bytes [0, " + std::to_string(end) + ") but total_weight_bytes is " +
                     std::to_string(r.totalBytes),
                 {}, -1, std::min(end, r.totalBytes)});
}

/// The manifest's text into a typed result; throws an input Error for what stops reading.
void readManifest(const std::string &file, const std::string &raw, const Reporter &rep, QuantizeResult &r,
                  bool &allHashed)
{
    Json m;
    try {
        const std::string text = pythonConstantsToNull(raw);
        checkJsonDepth(text, file);
        m = Json::parse(text);
    } catch (const Error &) {
        throw;
    } catch (const std::bad_alloc &) {
        throw inputError("not enough memory to parse " + std::to_string(raw.size()) + " bytes of JSON", file);
    } catch (const std::exception &e) {
        // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
        std::string what = e.what();
        const auto close = what.find("] ");
        throw inputError("not valid JSON: " + (close == std::string::npos ? what : what.substr(close + 2)), file);
    }
    if (!m.is_object())
        throw inputError("is not a JSON object (a QuantLens / seed manifest)", file);
    const Fields top{file, {}};
    const Json &arch = top.at(m, "architecture", "manifest");
    r.model.modelType = top.string(top.at(arch, "model_type", "architecture"), "architecture.model_type");
    r.model.architecture = arch;
    r.totalBytes = top.count(top.at(m, "total_weight_bytes", "manifest"), "total_weight_bytes");
    readShardMap(top, rep, m, r, allHashed);
    const Json &weights = top.at(m, "weights", "manifest");
    if (!weights.is_object())
        top.fail("field 'weights' is not an object of groups");
    std::map<std::string, std::string> groupOfName;
    for (const auto &item : weights.items()) {
        const std::string &group = item.key(); // a plain reference: clang 14 cannot capture structured bindings
        const Json &entries = item.value();
        if (std::find_if(std::begin(kGroups), std::end(kGroups), [&](const char *g) { return group == g; }) ==
            std::end(kGroups))
            top.fail("weights group '" + brief(Json(group)) + "' is not one of layer_weights, embeddings, "
                     "projections, heads");
        if (!entries.is_object())
            top.fail("weights." + group + " is not an object of tensors");
        for (const auto &[name, e] : entries.items()) {
            if (name.size() > al::kMaxNameBytes)
                top.fail("a tensor name in weights." + group + " has " + std::to_string(name.size()) +
                         " bytes, over the limit of " + std::to_string(al::kMaxNameBytes) + " (starts " +
                         brief(Json(name.substr(0, 40))) + ")");
            const Fields f{file, name};
            if (!e.is_object())
                f.fail("entry is not an object: " + brief(e));
            const auto [it, fresh] = groupOfName.emplace(name, group);
            if (!fresh)
                rep.add({ProblemKind::Tensor, file, "is in two groups: " + it->second + " and " + group, name});
            else if (group != groupOf(name))
                rep.add({ProblemKind::Tensor, file,
                         "is in group " + group + ", but its name puts it in " + groupOf(name), name});
            QuantizedTensor t;
            readEntry(f, rep, group, e, t);
            r.fp32Bytes += t.size * 4;
            r.tensors.push_back(std::move(t));
        }
    }
    std::sort(r.tensors.begin(), r.tensors.end(), [](const auto &a, const auto &b) { return a.name < b.name; });
    if (m.contains("encoding_config"))
        r.encodingConfig = m["encoding_config"];
    if (m.contains("context_len"))
        r.contextLen = m["context_len"];
    if (m.contains("overrides"))
        r.overrides = Overrides::fromJson(m["overrides"], file);
}

} // namespace

std::optional<ArtifactFolder> readArtifactFolder(const std::filesystem::path &dir,
                                                 std::vector<ArtifactProblem> *problems, bool checkHashes)
{
    const Reporter rep{problems};
    ArtifactFolder a;
    a.dir = dir;
    a.result.sourcePath = dir.string();
    const std::string mfile = a.manifestPath().string();
    const std::string bfile = a.binPath().string();
    try {
        a.manifestText = readRegularFile(a.manifestPath(), al::kMaxManifestBytes, "manifest.json limit");
    } catch (const Error &e) {
        rep.add({ProblemKind::File, mfile, e.detail()});
        return std::nullopt;
    }
    try {
        readManifest(mfile, a.manifestText, rep, a.result, a.hasShardHashes);
    } catch (const Error &e) {
        if (!problems)
            throw;
        problems->push_back({ProblemKind::Manifest, e.file().empty() ? mfile : e.file(), e.detail(), e.tensor()});
        return std::nullopt;
    }
    checkTensorLayout(a.result, mfile, rep);

    // The bin: a regular file of exactly total_weight_bytes (checked before it is mapped), mapped, not read.
    uint64_t size = 0;
    try {
        size = regularFileSize(a.binPath());
    } catch (const Error &e) {
        rep.add({ProblemKind::File, bfile, e.detail()});
        return a;
    }
    if (size != a.result.totalBytes) {
        rep.add({ProblemKind::File, bfile,
                 "has " + std::to_string(size) + " bytes, the manifest's total_weight_bytes is " +
                     std::to_string(a.result.totalBytes) + (size < a.result.totalBytes ? " (truncated)" : ""),
                 {}, shardOf(a.result.shards, std::min(size, a.result.totalBytes)),
                 std::min(size, a.result.totalBytes)});
        return a;
    }
    a.binMatchesTotal = true;
    if (size > 0) {
        try {
            a.bin = MappedFile::open(a.binPath());
        } catch (const Error &e) {
            rep.add({ProblemKind::File, bfile, e.detail()});
            return a;
        }
        if (a.bin->size() != size) {
            rep.add({ProblemKind::File, bfile, "changed size while it was opened"});
            a.bin.reset();
            return a;
        }
    }
    if (!checkHashes || !a.bin)
        return a;
    const auto *bytes = reinterpret_cast<const unsigned char *>(a.bin->data());
    for (const auto &s : a.result.shards) {
        if (s.sha256.empty() || s.offset > size || s.size > size - s.offset)
            continue;
        const std::string got = sha256Hex(bytes + s.offset, s.size);
        if (got == s.sha256)
            continue;
        const auto names = tensorsIn(a.result, s.offset, s.size);
        std::string held;
        for (std::size_t i = 0; i < names.size() && i < 5; ++i)
            held += (i ? ", " : "") + std::string("'") + names[i] + "'";
        if (names.size() > 5)
            held += " and " + std::to_string(names.size() - 5) + " more";
        rep.add({ProblemKind::Hash, bfile,
                 "shard bytes have SHA-256 " + got + ", the manifest states " + s.sha256 +
                     (held.empty() ? "" : "; the shard holds " + held),
                 names.size() == 1 ? names[0] : std::string(), s.index, s.offset});
    }
    // A bin truncated while it was hashed read zeros past its new end (installMappedFileGuard): say so by name.
    if (a.bin->damaged())
        rep.add({ProblemKind::File, bfile, "changed while it was being read (truncated or rewritten by another program)"});
    return a;
}

} // namespace ql
