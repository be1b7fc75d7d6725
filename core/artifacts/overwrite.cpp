#include "artifacts/overwrite.h"

#include "base/json.h"
#include "inspection/summary.h"

#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace ql {

namespace {
constexpr uintmax_t kMaxManifestBytes = 256ull << 20;

/// Tensor names of a manifest's "weights" groups.
std::set<std::string> manifestNames(const Json &m)
{
    std::set<std::string> names;
    const auto w = m.find("weights");
    if (w == m.end() || !w->is_object())
        return names;
    for (const auto &[group, tensors] : w->items())
        if (tensors.is_object())
            for (const auto &[name, _] : tensors.items())
                names.insert(name);
    return names;
}
} // namespace

ExistingArtifacts existingArtifacts(const fs::path &dir, const QuantizeResult &result)
{
    ExistingArtifacts out;
    std::error_code ec;
    const fs::path manifest = dir / "manifest.json";
    const bool hasManifest = fs::exists(manifest, ec);
    const bool hasBin = fs::exists(dir / "weights_int8.bin", ec);
    if (!hasManifest && !hasBin)
        return out;
    out.kind = ExistingArtifacts::Kind::OtherModel;
    if (!hasManifest || !fs::is_regular_file(manifest, ec)) {
        out.description = "a weights_int8.bin without a readable manifest.json";
        return out;
    }
    const uintmax_t size = fs::file_size(manifest, ec);
    if (ec || size > kMaxManifestBytes) {
        out.description = "a manifest.json that cannot be read";
        return out;
    }
    std::ifstream in(manifest, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const Json m = Json::parse(text.str(), nullptr, false);
    if (m.is_discarded() || !m.is_object()) {
        out.description = "a manifest.json that is not valid JSON";
        return out;
    }
    const auto names = manifestNames(m);
    std::string type = "unknown model";
    if (const auto a = m.find("architecture"); a != m.end() && a->is_object())
        if (const auto t = a->find("model_type"); t != a->end() && t->is_string())
            type = t->get<std::string>();
    uint64_t bytes = 0;
    if (const auto t = m.find("total_weight_bytes"); t != m.end() && t->is_number_unsigned())
        bytes = t->get<uint64_t>();
    out.description = type + ", " + std::to_string(names.size()) + " tensors, " + groupDigits(bytes) + " bytes";
    std::set<std::string> ours;
    for (const auto &t : result.tensors)
        ours.insert(t.name);
    Json ourArch = result.model.architecture;
    const auto theirArch = m.find("architecture");
    if (names == ours && theirArch != m.end() && *theirArch == ourArch)
        out.kind = ExistingArtifacts::Kind::SameModel;
    return out;
}

} // namespace ql
