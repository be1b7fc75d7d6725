#include "readers/model.h"

#include "base/errors.h"

#include <optional>
#include <set>

namespace ql {

const char *const kGroups[4] = {"layer_weights", "embeddings", "projections", "heads"};

namespace {
bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
} // namespace

const char *groupOf(const std::string &name)
{
    if (name.rfind("layers.", 0) == 0)
        return kGroups[0];
    if (endsWith(name, "_embed.weight"))
        return kGroups[1];
    if (endsWith(name, "_head.weight") || endsWith(name, "_head.bias"))
        return kGroups[3];
    return kGroups[2];
}

ModelInfo detectModel(const std::vector<TensorData> &tensors, const std::string &file)
{
    ModelInfo m;
    auto dim = [&](const std::string &key, std::size_t d) -> std::optional<int64_t> {
        for (const auto &t : tensors)
            if (t.name == key) {
                if (t.shape.size() > d)
                    return t.shape[d];
                m.warnings.push_back("architecture: '" + key + "' has " + std::to_string(t.shape.size()) +
                                     " dimensions, expected at least " + std::to_string(d + 1));
                return std::nullopt;
            }
        m.warnings.push_back("architecture: tensor '" + key + "' is missing; fields derived from it are left out");
        return std::nullopt;
    };
    bool mamba = false, trunk = false, analog = false;
    for (const auto &t : tensors) {
        m.parameterCount += t.numel();
        mamba = mamba || t.name.find("layers.0.mamba") != std::string::npos;
        trunk = trunk || t.name.rfind("trunk.", 0) == 0;
        analog = analog || t.name.find("analog_head") != std::string::npos;
    }
    if (mamba) {
        m.modelType = "mamba2";
        const auto dModel = dim("frame_proj.weight", 0);
        std::set<std::string> layers;
        for (const auto &t : tensors)
            if (t.name.rfind("layers.", 0) == 0) {
                const auto dot = t.name.find('.', 7);
                layers.insert(t.name.substr(7, dot == std::string::npos ? std::string::npos : dot - 7));
            }
        const auto nheads = dim("layers.0.mamba.A_log", 0);
        const auto conv = dim("layers.0.mamba.conv1d.weight", 0);
        m.architecture = {{"model_type", "mamba2"}};
        if (dModel) {
            m.architecture["d_model"] = *dModel;
            m.architecture["d_inner"] = 2 * *dModel;
            if (conv)
                m.architecture["d_state"] = floorDiv(*conv - 2 * *dModel, 2);
        }
        m.architecture["n_layers"] = layers.size();
        if (nheads)
            m.architecture["nheads"] = *nheads;
        if (dModel && nheads && *nheads > 0)
            m.architecture["headdim"] = floorDiv(2 * *dModel, *nheads);
    } else if (trunk) {
        m.modelType = analog ? "policy" : "mlp";
        m.architecture = {{"model_type", m.modelType}};
        if (const auto h = dim("trunk.0.weight", 0))
            m.architecture["hidden_dim"] = *h;
        if (const auto t = dim("trunk.3.weight", 0))
            m.architecture["trunk_dim"] = *t;
    } else {
        std::set<std::string> prefixes;
        for (const auto &t : tensors)
            prefixes.insert(t.name.substr(0, t.name.find('.')));
        std::string list;
        for (const auto &p : prefixes)
            list += (list.empty() ? "" : ", ") + p;
        throw inputError("cannot tell the model type: no 'layers.0.mamba*' (mamba2) and no 'trunk.*' (mlp/policy) "
                         "keys; key prefixes found: " +
                             (list.empty() ? std::string("(none)") : list),
                         file);
    }
    return m;
}

} // namespace ql
