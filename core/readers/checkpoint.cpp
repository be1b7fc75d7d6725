#include "readers/checkpoint.h"
#include "readers/pickle.h"

#include "base/enumnames.h"
#include "base/errors.h"
#include "base/jsondepth.h"
#include "base/mappedfile.h"
#include "base/utf8.h"
#include "readers/ziparchive.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace ql {

constexpr EnumName<CheckpointFormat> kFormatNames[] = {
    {CheckpointFormat::TorchZip, "torch.save (zip)"}, {CheckpointFormat::TorchLegacy, "torch.save (legacy)"},
    {CheckpointFormat::Safetensors, "safetensors"}};
static_assert(namesEveryEnumerator(kFormatNames));
const char *formatName(CheckpointFormat f) { return enumName(kFormatNames, f, "?"); }

const TensorData *Checkpoint::find(const std::string &name) const
{
    for (const auto &t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

namespace {
/// Pickled text is whatever bytes the file holds (SHORT_BINSTRING, corrupt BINUNICODE); JSON output needs UTF-8,
/// so invalid sequences become U+FFFD instead of making a later dump() throw.
std::string validUtf8(const std::string &s)
{
    return validUtf8Prefix(s);
}

/// A shared value may appear many times (memo references), so besides depth the total output is bounded:
/// 40 levels of a list holding the same list twice would otherwise expand to 2^40 values. A configuration is a
/// small dict; 65536 values keep the refusal fast (a 2^20 budget took ~1 s under ASan in the fuzzer).
constexpr std::size_t kMaxJsonValues = 1u << 16;

Json toJsonBounded(const PyObject *o, const std::string &file, int depth, std::vector<const PyObject *> &path,
                   std::size_t &budget)
{
    if (depth > 64)
        throw inputError("configuration nested deeper than 64 levels", file);
    if (!o)
        return nullptr;
    if (budget-- == 0)
        throw inputError("configuration holds more than " + std::to_string(kMaxJsonValues) +
                             " values (shared sub-structures repeated exponentially?)",
                         file);
    using T = PyObject::Type;
    switch (o->type) {
    case T::None:
        return nullptr;
    case T::Bool:
        return o->boolean;
    case T::Int:
        return o->integer;
    case T::Float:
        return o->real;
    case T::String:
        return validUtf8(o->text);
    case T::Bytes:
        return "<" + std::to_string(o->text.size()) + " bytes>";
    case T::List:
    case T::Tuple:
    case T::Set:
    case T::Dict:
    case T::Object:
        break;
    case T::Global:
        return validUtf8(o->text);
    case T::Storage:
        return "<storage>";
    case T::Tensor:
        return "<tensor>";
    }
    if (std::find(path.begin(), path.end(), o) != path.end())
        throw inputError("configuration is cyclic: " + describe(o, 1) + " contains itself", file);
    path.push_back(o);
    Json out;
    if (o->type == T::Dict || o->type == T::Object) {
        out = Json::object();
        for (const auto &[k, v] : o->entries) {
            std::string key = k && k->type == T::String ? validUtf8(k->text)
                              : k && k->type == T::Int  ? std::to_string(k->integer)
                                                        : validUtf8(describe(k, 0));
            out[key] = toJsonBounded(v, file, depth + 1, path, budget);
        }
    } else {
        out = Json::array();
        for (auto i : o->items)
            out.push_back(toJsonBounded(i, file, depth + 1, path, budget));
    }
    path.pop_back();
    return out;
}
} // namespace

Json toJson(const PyObject *o, const std::string &file, int depth)
{
    std::vector<const PyObject *> path;
    std::size_t budget = kMaxJsonValues;
    return toJsonBounded(o, file, depth, path, budget);
}

namespace {

bool isZip(std::span<const std::byte> b)
{
    return b.size() >= 4 && b[0] == std::byte('P') && b[1] == std::byte('K') && b[2] == std::byte(3) &&
           b[3] == std::byte(4);
}

/// Makes the persistent-id loader shared by zip and legacy files: ('storage', type, key, location, numel[, view]).
PersistentLoader storageLoader(const std::string &file, std::unordered_map<std::string, const PyObject *> &seen)
{
    return [&file, &seen](const PyObject *pid, PickleArena &arena) -> const PyObject * {
        if (!pid || pid->type != PyObject::Type::Tuple || pid->items.size() < 5 || !pid->items[0] ||
            pid->items[0]->text != "storage")
            throw inputError("unsupported persistent id " + describe(pid), file);
        const PyObject *type = pid->items[1];
        const PyObject *key = pid->items[2];
        const PyObject *loc = pid->items[3];
        const PyObject *numel = pid->items[4];
        if (!type || type->type != PyObject::Type::Global || !key || !key->isString() || !numel ||
            numel->type != PyObject::Type::Int || numel->integer < 0)
            throw inputError("malformed storage reference " + describe(pid), file);
        if (auto it = seen.find(key->text); it != seen.end())
            return it->second;
        std::string cls = type->text;
        if (auto dot = cls.rfind('.'); dot != std::string::npos)
            cls = cls.substr(dot + 1);
        DType dt;
        if (!dtypeFromStorageClass(cls, dt))
            throw inputError("unsupported storage type " + type->text, file);
        auto s = arena.make(PyObject::Type::Storage);
        s->storage->key = key->text;
        s->storage->dtype = dt;
        s->storage->location = loc && loc->isString() ? loc->text : "";
        s->storage->numel = numel->integer;
        seen[key->text] = s;
        return s;
    };
}

/// Finds the state dict and configuration in the unpickled top-level object.
void interpretRoot(const PyObject *root, Checkpoint &ck,
                   const std::function<std::span<const std::byte>(const StorageRef &, const std::string &tensor)> &bytes)
{
    const std::string file = ck.path.string();
    if (!root || root->type != PyObject::Type::Dict)
        throw inputError("the checkpoint's top level is " + describe(root) +
                             ", expected a dict (torch.save of a dict or of a state_dict)",
                         file);
    for (const auto &[k, v] : root->entries)
        ck.topLevelKeys.push_back(k && k->isString() ? validUtf8(k->text) : describe(k, 0));

    const PyObject *sd = nullptr;
    for (const char *key : {"model_state_dict", "state_dict"})
        if (const PyObject *v = root->get(key); v && v->type == PyObject::Type::Dict) {
            sd = v;
            ck.stateDictKey = key;
            break;
        }
    if (!sd) {
        bool allTensors = !root->entries.empty();
        for (const auto &[k, v] : root->entries)
            allTensors = allTensors && v && v->type == PyObject::Type::Tensor;
        if (!allTensors) {
            std::string keys;
            for (const auto &k : ck.topLevelKeys)
                keys += (keys.empty() ? "" : ", ") + k;
            throw inputError("no 'model_state_dict' or 'state_dict' and not a bare dict of tensors; top-level keys: " +
                                 keys,
                             file);
        }
        sd = root;
    }
    for (const auto &[k, v] : sd->entries) {
        if (!k || !k->isString())
            throw inputError("state dict key is not a string: " + describe(k), file);
        if (!v || v->type != PyObject::Type::Tensor) {
            ck.warnings.push_back("'" + validUtf8(k->text) + "' is not a tensor (" + describe(v, 0) + "); skipped");
            continue;
        }
        if (validUtf8(k->text) != k->text)
            throw inputError("state dict key is not valid UTF-8: " + describe(k), file);
        const TensorRef &tr = *v->tensor;
        TensorData t;
        t.name = k->text;
        t.dtype = tr.storage->storage->dtype;
        t.shape = tr.shape;
        t.strides = tr.strides;
        t.storageOffset = tr.storageOffset;
        t.storageKey = tr.storage->storage->key;
        t.storage = bytes(*tr.storage->storage, t.name);
        t.validate(file);
        ck.tensors.push_back(std::move(t));
    }

    if (const PyObject *ec = root->get("encoding_config"))
        ck.encodingConfig = toJson(ec, file);
    if (const PyObject *cl = root->get("context_len"))
        ck.contextLen = toJson(cl, file);
    if (const PyObject *cfg = root->get("config"); cfg && ck.encodingConfig.is_null()) {
        Json c = toJson(cfg, file);
        if (c.is_object()) {
            if (c.contains("context_len")) {
                if (ck.contextLen.is_null())
                    ck.contextLen = c["context_len"];
                c.erase("context_len");
            }
            ck.encodingConfig = c;
        }
    }
    for (const auto &[k, v] : root->entries) {
        if (!k || !k->isString() || !v)
            continue;
        if (v->type == PyObject::Type::Int || v->type == PyObject::Type::Float || v->type == PyObject::Type::String ||
            v->type == PyObject::Type::Bool)
            ck.extra[validUtf8(k->text)] = toJson(v, file);
    }
}

struct PickleHolder
{
    std::shared_ptr<const MappedFile> map;
    std::unique_ptr<PickleArena> arena = std::make_unique<PickleArena>();
    std::unique_ptr<ZipArchive> zip;
    std::vector<std::unique_ptr<std::vector<std::byte>>> owned;
};

void loadZip(Checkpoint &ck, const std::shared_ptr<PickleHolder> &h, const ReadLimits &limits)
{
    const std::string file = ck.path.string();
    ZipLimits zl;
    zl.maxEntries = limits.maxTensors * 4 + 64;
    // torch.save stores records uncompressed; a re-zipped checkpoint inflates a few times, a zip bomb ~1000x.
    zl.maxInflated = std::min<uint64_t>(limits.maxPickleBytes, (64ull << 20) + 32 * uint64_t(h->map->size()));
    h->zip = std::make_unique<ZipArchive>(h->map->bytes(), file, zl);
    const auto &entries = h->zip->entries();
    std::string prefix;
    for (const auto &[name, b] : entries)
        if (name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0 &&
            std::count(name.begin(), name.end(), '/') == 1) {
            prefix = name.substr(0, name.size() - 8);
            break;
        }
    if (!entries.count(prefix + "data.pkl"))
        throw inputError("zip archive has no '<dir>/data.pkl' record: not a torch.save checkpoint", file);
    bool bigEndian = false;
    if (auto it = entries.find(prefix + "byteorder"); it != entries.end())
        bigEndian = std::string(reinterpret_cast<const char *>(it->second.data()), it->second.size()) == "big";
    const auto pkl = entries.at(prefix + "data.pkl");
    if (pkl.size() > limits.maxPickleBytes)
        throw inputError("data.pkl is larger than the limit", file);
    if (!pkl.empty() && uint8_t(pkl[0]) == 0x80 && pkl.size() > 1)
        ck.pickleProtocol = int(uint8_t(pkl[1]));

    std::unordered_map<std::string, const PyObject *> seen;
    Unpickler up(pkl, *h->arena, file, storageLoader(file, seen));
    const PyObject *root = up.load();
    interpretRoot(root, ck, [&](const StorageRef &s, const std::string &tensor) {
        auto it = entries.find(prefix + "data/" + s.key);
        if (it == entries.end())
            throw inputError("storage record '" + prefix + "data/" + s.key + "' is missing from the archive", file,
                             tensor);
        const uint64_t need = uint64_t(s.numel) * dtypeSize(s.dtype);
        if (uint64_t(s.numel) > it->second.size() / dtypeSize(s.dtype) || it->second.size() < need)
            throw inputError("storage record '" + s.key + "' has " + std::to_string(it->second.size()) +
                                 " bytes, its header claims " + std::to_string(s.numel) + " " + dtypeName(s.dtype) +
                                 " elements",
                             file, tensor);
        return it->second.first(need);
    });
    for (auto &t : ck.tensors)
        t.bigEndian = bigEndian;
}

void loadLegacy(Checkpoint &ck, const std::shared_ptr<PickleHolder> &h, std::size_t start)
{
    const std::string file = ck.path.string();
    auto data = h->map->bytes();
    std::size_t pos = start;
    auto next = [&](PersistentLoader loader = {}) {
        Unpickler up(data.subspan(pos), *h->arena, file, std::move(loader));
        const PyObject *o = up.load();
        pos += up.consumed();
        return o;
    };
    const PyObject *proto = next();
    if (!proto || proto->type != PyObject::Type::Int || proto->integer != 1001)
        throw inputError("legacy torch file with unsupported protocol version " + describe(proto), file);
    next(); // sys info
    std::unordered_map<std::string, const PyObject *> seen;
    const PyObject *root = next(storageLoader(file, seen));
    const PyObject *keys = next();
    if (!keys || keys->type != PyObject::Type::List)
        throw inputError("legacy storage key list is missing", file);
    std::unordered_map<std::string, std::span<const std::byte>> storages;
    for (auto k : keys->items) {
        if (!k || !k->isString())
            throw inputError("legacy storage key is not a string", file);
        auto it = seen.find(k->text);
        if (it == seen.end())
            throw inputError("legacy storage '" + k->text + "' is listed but never referenced", file);
        if (data.size() - pos < 8)
            throw inputError("truncated before storage '" + k->text + "'", file);
        int64_t numel;
        std::memcpy(&numel, data.data() + pos, 8);
        pos += 8;
        const uint64_t es = dtypeSize(it->second->storage->dtype);
        if (numel < 0 || uint64_t(numel) > (data.size() - pos) / es)
            throw inputError("storage '" + k->text + "' claims " + std::to_string(numel) +
                                 " elements, more than the file holds (truncated or corrupt)",
                             file);
        storages[k->text] = data.subspan(pos, uint64_t(numel) * es);
        pos += uint64_t(numel) * es;
    }
    interpretRoot(root, ck, [&](const StorageRef &s, const std::string &tensor) {
        auto it = storages.find(s.key);
        if (it == storages.end())
            throw inputError("storage '" + s.key + "' has no data in the file", file, tensor);
        return it->second;
    });
}

/// The DOM parser, refusing a repeated key at any depth: nlohmann keeps the last of two equal keys without a word,
/// so a header whose entry says "dtype" twice would be read one way here and possibly another elsewhere. (Not a
/// parse callback: nlohmann's callback parser scans the parent object at each object's end, O(n^2) in entries.)
class HeaderSax : public nlohmann::detail::json_sax_dom_parser<Json>
{
public:
    HeaderSax(Json &root, std::string file)
        : json_sax_dom_parser(root, true)
        , m_file(std::move(file))
    {
    }
    bool start_object(std::size_t n)
    {
        m_open.emplace_back();
        return json_sax_dom_parser::start_object(n);
    }
    bool end_object()
    {
        m_open.pop_back();
        return json_sax_dom_parser::end_object();
    }
    bool key(std::string &k)
    {
        Keys &keys = m_open.back();
        bool seen;
        if (keys.big.empty() && keys.small.size() < 16) {
            seen = std::find(keys.small.begin(), keys.small.end(), k) != keys.small.end();
            if (!seen)
                keys.small.push_back(k);
        } else {
            if (keys.big.empty())
                keys.big.insert(keys.small.begin(), keys.small.end());
            seen = !keys.big.insert(k).second;
        }
        if (seen)
            throw m_open.size() == 1
                ? inputError("the header names this tensor twice", m_file, k)
                : inputError("key \"" + k + "\" appears twice in the header entry", m_file, m_entry);
        if (m_open.size() == 1)
            m_entry = k;
        return json_sax_dom_parser::key(k);
    }

private:
    struct Keys
    {
        std::vector<std::string> small;
        std::unordered_set<std::string> big;
    };
    std::string m_file;
    std::string m_entry;
    std::vector<Keys> m_open;
};

void loadSafetensors(Checkpoint &ck, const std::shared_ptr<PickleHolder> &h, const ReadLimits &limits)
{
    const std::string file = ck.path.string();
    auto data = h->map->bytes();
    if (data.size() < 8)
        throw inputError("too short for a safetensors file (" + std::to_string(data.size()) + " bytes)", file);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | uint64_t(data[i]);
    constexpr uint64_t kMaxHeader = 100u * 1024 * 1024; // the safetensors format's own limit
    if (n > kMaxHeader)
        throw inputError("safetensors header length " + std::to_string(n) + " is over the format's limit of " +
                             std::to_string(kMaxHeader) + " bytes (100 MiB)",
                         file);
    if (n > data.size() - 8)
        throw inputError("safetensors header length " + std::to_string(n) + " exceeds the file size " +
                             std::to_string(data.size()),
                         file);
    checkJsonDepth(std::string_view(reinterpret_cast<const char *>(data.data() + 8), n), file);
    Json header;
    HeaderSax sax(header, file);
    try {
        Json::sax_parse(reinterpret_cast<const char *>(data.data() + 8),
                        reinterpret_cast<const char *>(data.data() + 8 + n), &sax);
    } catch (const Error &) {
        throw;
    } catch (const std::exception &e) {
        throw inputError("safetensors header is not valid JSON: " + jsonErrorText(e), file);
    }
    if (!header.is_object())
        throw inputError("safetensors header is not a JSON object", file);
    const auto body = data.subspan(8 + n);
    ck.stateDictKey = "";
    for (auto &[name, v] : header.items()) {
        ck.topLevelKeys.push_back(name);
        if (name == "__metadata__") {
            if (!v.is_object())
                throw inputError("__metadata__ is not an object", file);
            for (auto &[mk, mv] : v.items()) {
                if (!mv.is_string())
                    continue;
                Json parsed;
                checkJsonDepth(mv.get<std::string>(), file);
                try {
                    parsed = Json::parse(mv.get<std::string>());
                } catch (...) {
                    parsed = mv; // not JSON-encoded: keep the string
                }
                if (mk == "encoding_config")
                    ck.encodingConfig = parsed;
                else if (mk == "context_len")
                    ck.contextLen = parsed;
                else
                    ck.extra[mk] = parsed;
            }
            continue;
        }
        if (ck.tensors.size() >= limits.maxTensors)
            throw inputError("too many tensors", file);
        if (!v.is_object())
            throw inputError("header entry is " + std::string(v.type_name()) +
                                 ", not an object with dtype, shape, data_offsets",
                             file, name);
        for (const char *field : {"dtype", "shape", "data_offsets"})
            if (!v.contains(field))
                throw inputError(std::string("header entry has no \"") + field + "\"", file, name);
        if (!v["dtype"].is_string())
            throw inputError("\"dtype\" is " + std::string(v["dtype"].type_name()) + ", not a string", file, name);
        if (!v["shape"].is_array())
            throw inputError("\"shape\" is " + std::string(v["shape"].type_name()) + ", not a list", file, name);
        if (!v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
            throw inputError("\"data_offsets\" must be a list of two integers [begin, end]", file, name);
        TensorData t;
        t.name = name;
        if (!dtypeFromSafetensors(v["dtype"].get<std::string>(), t.dtype))
            throw inputError("unsupported dtype " + v["dtype"].get<std::string>(), file, name);
        for (auto &d : v["shape"]) {
            if (!d.is_number_unsigned())
                throw inputError("shape holds " + d.dump() + ", not a size (an integer >= 0)", file, name);
            t.shape.push_back(d.get<int64_t>());
        }
        if (t.shape.size() > 32)
            throw inputError("more than 32 dimensions", file, name);
        t.strides.assign(t.shape.size(), 1);
        for (std::size_t i = t.shape.size(); i-- > 1;) {
            if (t.shape[i] != 0 && t.strides[i] > (int64_t(1) << 62) / t.shape[i])
                throw inputError("shape overflows", file, name);
            t.strides[i - 1] = t.strides[i] * t.shape[i];
        }
        const auto &off = v["data_offsets"];
        if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw inputError("data_offsets are not integers", file, name);
        const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
        if (b > e || e > body.size())
            throw inputError("data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                                 ") lie outside the data section of " + std::to_string(body.size()) + " bytes",
                             file, name);
        t.storage = body.subspan(b, e - b);
        t.storageKey = std::to_string(b);
        t.validate(file);
        if (uint64_t(t.numel()) * dtypeSize(t.dtype) != e - b)
            throw inputError("data_offsets span " + std::to_string(e - b) + " bytes but shape and dtype need " +
                                 std::to_string(uint64_t(t.numel()) * dtypeSize(t.dtype)),
                             file, name);
        ck.tensors.push_back(std::move(t));
    }
}

/// Reads the container the first bytes announce: zip, safetensors or legacy pickle.
void readContainer(Checkpoint &ck, const std::shared_ptr<PickleHolder> &h, const ReadLimits &limits)
{
    const std::string file = ck.path.string();
    const auto bytes = h->map->bytes();
    if (isZip(bytes)) {
        ck.format = CheckpointFormat::TorchZip;
        loadZip(ck, h, limits);
    } else if (bytes.size() >= 9 && uint8_t(bytes[8]) == '{') {
        // Tested before the legacy pickle: a safetensors header length such as 0x180 starts with the bytes
        // 0x80 0x01, which look like a pickle PROTO opcode. No legacy file has '{' at byte 8 (it is inside the
        // magic number, or the FRAME length).
        ck.format = CheckpointFormat::Safetensors;
        loadSafetensors(ck, h, limits);
    } else if (bytes.size() >= 2 && uint8_t(bytes[0]) == 0x80 && uint8_t(bytes[1]) <= 5) {
        ck.format = CheckpointFormat::TorchLegacy;
        ck.pickleProtocol = int(uint8_t(bytes[1]));
        // The legacy magic number is a LONG1 of 10 bytes: check it before unpickling anything. Protocol 4+
        // (torch.save(..., pickle_protocol=4)) puts a 9-byte FRAME header between PROTO and the LONG1.
        static const uint8_t magic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
        const std::size_t at = bytes.size() > 2 && uint8_t(bytes[2]) == 0x95 ? 11 : 2;
        if (bytes.size() < at + sizeof magic || std::memcmp(bytes.data() + at, magic, sizeof magic) != 0)
            throw inputError("a bare pickle, not a torch.save checkpoint (no legacy magic number)", file);
        // The magic pickle ([FRAME,] LONG1 of 10 bytes, STOP); the rest are ordinary pickles.
        const std::size_t stop = at + sizeof magic;
        if (bytes.size() <= stop || uint8_t(bytes[stop]) != '.')
            throw inputError("legacy magic number pickle is malformed", file);
        loadLegacy(ck, h, stop + 1);
    } else
        throw inputError("not a PyTorch checkpoint (zip or legacy pickle) nor a safetensors file", file);
}

} // namespace

Checkpoint loadCheckpoint(const std::filesystem::path &path, const ReadLimits &limits)
{
    Checkpoint ck;
    ck.path = path;
    const std::string file = path.string();
    auto h = std::make_shared<PickleHolder>();
    h->map = MappedFile::open(path);
    ck.fileSize = h->map->size();
    const auto bytes = h->map->bytes();
    if (bytes.empty())
        throw inputError("empty file", file);
    try {
        readContainer(ck, h, limits);
    } catch (const Error &) {
        // Zeros read past the end of a file truncated under us make any parse error; the truncation is the cause.
        h->map->checkIntact();
        throw;
    }
    h->map->checkIntact();
    // Each view is within its storage, but many views of one storage (or overlapping safetensors ranges) could
    // still make quantization allocate far more than the file holds; tied weights share a storage a few times.
    uint64_t elements = 0;
    for (const auto &t : ck.tensors) {
        elements += uint64_t(t.numel());
        if (elements > 4 * ck.fileSize + (1u << 20))
            throw inputError("the tensors claim more than 4 elements per byte of the file (" + t.name +
                                 " and the tensors before it reuse the same bytes over and over)",
                             file);
    }
    ck.keepAlive = h;
    ck.file = h->map;
    return ck;
}

} // namespace ql
