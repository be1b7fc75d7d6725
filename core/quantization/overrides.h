#pragma once
#include "base/namematch.h" // globMatch(): the rules' "match" syntax
#include "readers/checkpoint.h"
#include "quantization/strategy.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ql {

/// One rule of an overrides file: tensors whose name matches the glob get the strategy.
struct OverrideRule
{
    std::string match;
    Strategy strategy;
};

/// An ordered list of rules; the last matching rule wins; unmatched tensors keep the seed's default.
class Overrides
{
public:
    static constexpr const char *kFormat = "quantlens_overrides_v1";

    /// Parses {"format": "quantlens_overrides_v1", "overrides": [{"match", "strategy", "percentile"?}]}.
    /// Throws a usage/input Error naming the rule (by index and match) for an unknown strategy or bad parameter.
    static Overrides fromJson(const Json &doc, const std::string &file = {});
    static Overrides load(const std::filesystem::path &path);
    Json toJson() const;
    /// Writes the file atomically.
    void save(const std::filesystem::path &path) const;

    /// The index of the last rule matching `name`, or -1.
    int ruleFor(const std::string &name) const;
    /// The strategy for a tensor of `dims` dimensions: the matching rule's, else the seed's default.
    Strategy strategyFor(const std::string &name, std::size_t dims) const;
    /// Rules that match none of the names (for warnings).
    std::vector<std::size_t> unusedRules(const std::vector<std::string> &names) const;

    std::vector<OverrideRule> rules;
    bool empty() const { return rules.empty(); }
    bool operator==(const Overrides &o) const;
};

/// Glob that matches exactly this tensor name ('*', '?', '[' and '\\' escaped for fnmatch).
std::string exactGlob(const std::string &name);

/// The rules that give each named tensor (name, dims) the strategy `s` (nullopt: the seed's default): their
/// exact-name rules move to the end with the new strategy, and a rule is dropped when the remaining rules already
/// give that strategy. What the GUI's strategy edits and Optimize write, and what `quantlens-cli optimize` writes.
Overrides withStrategy(const Overrides &base, const std::vector<std::pair<std::string, std::size_t>> &namesAndDims,
                       const std::optional<Strategy> &s);

} // namespace ql
