#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// One scale per output row, or one for the whole tensor. Both keep the on-chain format (INT8 + symmetric scales).
enum class ScaleLayout { PerChannel, PerTensor };
/// How the clipping threshold (scale * 127) is chosen.
enum class ClipMethod { AbsMax, Percentile, Mse };

/// A quantization strategy: layout + clip method + its parameter.
struct Strategy
{
    ScaleLayout layout = ScaleLayout::PerChannel;
    ClipMethod method = ClipMethod::AbsMax;
    double percentile = 99.99; ///< only for ClipMethod::Percentile, in (0, 100]

    std::string name() const; ///< e.g. "per_channel_mse"
    /// Parses "per_channel_absmax" etc.; nullopt for an unknown name.
    static std::optional<Strategy> fromName(const std::string &name);
    /// The seed's choice: per-channel absmax for >= 2-D, per-tensor absmax for 1-D.
    static Strategy defaultFor(std::size_t dims);
    /// The manifest's "quantization" value for this layout.
    const char *manifestQuantization() const;
    bool operator==(const Strategy &o) const
    {
        return layout == o.layout && method == o.method && (method != ClipMethod::Percentile || percentile == o.percentile);
    }
    static const std::vector<std::string> &allNames();
};

} // namespace ql
