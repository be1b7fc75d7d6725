#include "quantization/strategy.h"

namespace ql {

std::string Strategy::name() const
{
    std::string n = layout == ScaleLayout::PerChannel ? "per_channel_" : "per_tensor_";
    switch (method) {
    case ClipMethod::AbsMax:
        return n + "absmax";
    case ClipMethod::Percentile:
        return n + "percentile";
    case ClipMethod::Mse:
        return n + "mse";
    }
    return n;
}

std::optional<Strategy> Strategy::fromName(const std::string &name)
{
    Strategy s;
    std::string rest;
    if (name.rfind("per_channel_", 0) == 0) {
        s.layout = ScaleLayout::PerChannel;
        rest = name.substr(12);
    } else if (name.rfind("per_tensor_", 0) == 0) {
        s.layout = ScaleLayout::PerTensor;
        rest = name.substr(11);
    } else
        return std::nullopt;
    if (rest == "absmax")
        s.method = ClipMethod::AbsMax;
    else if (rest == "percentile")
        s.method = ClipMethod::Percentile;
    else if (rest == "mse")
        s.method = ClipMethod::Mse;
    else
        return std::nullopt;
    return s;
}

Strategy Strategy::defaultFor(std::size_t dims)
{
    Strategy s;
    s.layout = dims >= 2 ? ScaleLayout::PerChannel : ScaleLayout::PerTensor;
    return s;
}

const char *Strategy::manifestQuantization() const
{
    return layout == ScaleLayout::PerChannel ? "per_channel_symmetric" : "per_tensor_symmetric";
}

const std::vector<std::string> &Strategy::allNames()
{
    static const std::vector<std::string> names = {"per_channel_absmax", "per_tensor_absmax", "per_channel_percentile",
                                                   "per_tensor_percentile", "per_channel_mse", "per_tensor_mse"};
    return names;
}

} // namespace ql
