// Inputs at scale (issue 15, items 1 and 2), which byte-level mutation of small seeds never reaches: the input is
// a recipe, not a file. The harness builds from it a pickle dict of up to 65,535 keys, a safetensors header of up
// to 32,767 entries or an output folder of 16,383 tensors, with names of up to 256 KiB (repeated, duplicated or
// near-duplicate names, as the probe's files had), loads it through the real readers and matches a fuzzed
// --filter/--glob pattern against the names. A quadratic path costs minutes at these sizes, so libFuzzer's -timeout
// (20 s) is the finding; a crash, an escaping non-ql::Error exception or an allocation over -malloc_limit_mb are
// findings too.
//
// Recipe: [case][count u16][name length u16][flags][pattern length][pattern...][name alphabet...]
#include "fuzz_common.h"

#include "artifacts/verify.h"
#include "base/namematch.h"
#include "readers/pickle.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace {

struct Recipe
{
    int kase = 0;
    std::size_t count = 0;
    std::size_t nameLength = 0;
    uint8_t flags = 0;
    std::string pattern;
    std::string alphabet;
};

bool parse(const uint8_t *d, std::size_t n, Recipe &r)
{
    if (n < 7)
        return false;
    r.kase = d[0] % 3;
    r.count = std::size_t(d[1]) | std::size_t(d[2]) << 8;
    // Under ASan a safetensors tensor costs ~0.27 ms (loaded, every element read, quantized, the manifest written) and
    // an output folder's ~0.6 ms (read, written again, verified): 2^15 and 2^14 of them stay inside -timeout (20 s)
    // on the shared machine, where a quadratic path would still take minutes.
    if (r.kase == 1)
        r.count &= (1u << 15) - 1;
    if (r.kase == 2)
        r.count &= (1u << 14) - 1;
    r.flags = d[5];
    // Lengths up to 64 KiB, or x4 (256 KiB, the manifest's name limit) with flag bit 0; the total is bounded so that
    // one input stays within the harness' memory (the readers' limits are what is under test, not the machine's).
    r.nameLength = (std::size_t(d[3]) | std::size_t(d[4]) << 8) * (r.flags & 1 ? 4 : 1);
    while (r.count > 1 && r.count * (r.nameLength + 16) > (std::size_t(48) << 20))
        r.count /= 2;
    const std::size_t plen = std::min<std::size_t>(d[6], n - 7);
    r.pattern.assign(reinterpret_cast<const char *>(d + 7), plen);
    r.alphabet.assign(reinterpret_cast<const char *>(d + 7 + plen), n - 7 - plen);
    if (r.alphabet.empty())
        r.alphabet = "a";
    return true;
}

/// Name i: the alphabet repeated to the length, then a number. Flag bit 1: every 7th name repeats an earlier one
/// (duplicate keys); bit 2: names differ only in their last byte (worst case for prefix comparisons).
std::string nameOf(const Recipe &r, std::size_t i)
{
    std::string s;
    s.reserve(r.nameLength + 12);
    for (std::size_t k = 0; k < r.nameLength; ++k)
        s.push_back(r.alphabet[k % r.alphabet.size()]);
    const std::size_t id = (r.flags & 2) && i % 7 == 6 ? i / 2 : i;
    if (r.flags & 4) {
        if (!s.empty())
            s.back() = char(id);
        s += std::to_string(id >> 8);
    } else
        s += std::to_string(id);
    return s;
}

void le(std::string &out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(char((v >> (8 * i)) & 0xff));
}

/// A protocol-2 pickle: {name: int} in SETITEMS batches of 1000 (or one SETITEM each, flag bit 3).
void pickleDict(const Recipe &r)
{
    std::string p = "\x80\x02}";
    const bool batches = !(r.flags & 8);
    for (std::size_t i = 0; i < r.count; ++i) {
        if (batches && i % 1000 == 0)
            p += '(';
        const std::string k = nameOf(r, i);
        p += 'X';
        le(p, k.size(), 4);
        p += k;
        p += 'K';
        p += char(i & 0xff);
        if (!batches)
            p += 's';
        else if (i % 1000 == 999 || i + 1 == r.count)
            p += 'u';
    }
    p += '.';
    ql::PickleArena arena;
    ql::Unpickler up(std::span(reinterpret_cast<const std::byte *>(p.data()), p.size()), arena, "scale.pkl");
    const ql::PyObject *root = up.load();
    (void)ql::describe(root, 2);
    (void)ql::toJson(root, "scale.pkl").dump(-1, ' ', false, ql::Json::error_handler_t::replace);
    if (root && root->type == ql::PyObject::Type::Dict && r.count)
        (void)root->get(nameOf(r, r.count / 2));
}

/// A safetensors file of `count` F32 tensors of 2 elements, through loadCheckpoint and quantize().
void safetensors(const Recipe &r, qlfuzz::MemFile &file)
{
    std::string h = "{";
    for (std::size_t i = 0; i < r.count; ++i) {
        std::string k = nameOf(r, i);
        for (char &c : k)
            if (c == '"' || c == '\\' || uint8_t(c) < 0x20)
                c = '_';
        h += (i ? ",\"" : "\"") + k + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + std::to_string(8 * i)
            + "," + std::to_string(8 * i + 8) + "]}";
    }
    h += "}";
    std::string f;
    le(f, h.size(), 8);
    f += h;
    f.append(8 * r.count, '\0');
    qlfuzz::loadAndExercise(file.set(reinterpret_cast<const uint8_t *>(f.data()), f.size()));
}

/// An output folder of `count` 1-byte tensors (consistent unless a name repeats), read and verified.
void outputFolder(const Recipe &r, const std::filesystem::path &dir)
{
    std::string m = "{\"format\":\"mlp_int8_v1\",\"architecture\":{\"model_type\":\"mlp\"},"
                    "\"total_weight_bytes\":"
        + std::to_string(r.count) + ",\"shard_map\":{\"num_shards\":1,\"shards\":[{\"index\":0,\"offset\":0,\"size\":"
        + std::to_string(r.count) + "}]},\"weights\":{\"projections\":{";
    for (std::size_t i = 0; i < r.count; ++i) {
        std::string k = "trunk." + nameOf(r, i) + ".bias";
        for (char &c : k)
            if (c == '"' || c == '\\' || uint8_t(c) < 0x20)
                c = '_';
        m += (i ? ",\"" : "\"") + k + "\":{\"offset\":" + std::to_string(i)
            + ",\"size\":1,\"shape\":[1],\"quantization\":\"per_tensor_symmetric\",\"scale\":0.5,"
              "\"error\":{\"mse\":0,\"max_abs_error\":0,\"snr_db\":null,\"relative_error_pct\":0}}";
    }
    m += "}}}";
    std::ofstream(dir / "manifest.json", std::ios::binary | std::ios::trunc) << m;
    std::ofstream(dir / "weights_int8.bin", std::ios::binary | std::ios::trunc) << std::string(r.count, '\1');
    try {
        auto res = ql::loadArtifacts(dir);
        (void)ql::buildManifest(res).dump();
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort();
    }
    (void)ql::verifyReportJson(ql::verifyArtifacts(dir)).dump();
}

void matchNames(const Recipe &r)
{
    if (r.pattern.empty())
        return;
    try {
        const ql::NameMatcher m(
            r.pattern, r.flags & 16 ? ql::NameMatcher::Syntax::Regex : ql::NameMatcher::Syntax::Glob, r.flags & 32);
        for (std::size_t i = 0; i < std::min<std::size_t>(r.count, 8); ++i)
            (void)m.matches(nameOf(r, i));
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Usage)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static qlfuzz::MemFile file("fuzz_scale");
    static const std::filesystem::path dir = [] {
        char tmpl[] = "/dev/shm/fuzz_scale.XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        return std::filesystem::path(tmpl);
    }();
    Recipe r;
    if (!parse(data, size, r))
        return 0;
    try {
        if (r.kase == 0)
            pickleDict(r);
        else if (r.kase == 1)
            safetensors(r, file);
        else
            outputFolder(r, dir);
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort();
    }
    matchNames(r);
    return 0;
}
