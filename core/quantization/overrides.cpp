#include "quantization/overrides.h"

#include "artifacts/atomicfile.h"
#include "base/errors.h"
#include "base/jsondepth.h"
#include "base/regularfile.h"


namespace ql {

Overrides Overrides::fromJson(const Json &doc, const std::string &file)
{
    auto bad = [&](const std::string &msg) { return Error(ErrorKind::Input, msg, file); };
    if (!doc.is_object())
        throw bad("an overrides file must be a JSON object");
    if (!doc.contains("format") || doc["format"] != kFormat)
        throw bad(std::string("\"format\" must be \"") + kFormat + "\"");
    if (!doc.contains("overrides") || !doc["overrides"].is_array())
        throw bad("\"overrides\" must be a list of rules");
    Overrides o;
    std::size_t i = 0;
    for (const auto &r : doc["overrides"]) {
        const std::string where = "rule " + std::to_string(i) +
                                  (r.is_object() && r.contains("match") && r["match"].is_string()
                                       ? " (match \"" + r["match"].get<std::string>() + "\")"
                                       : "");
        if (!r.is_object())
            throw bad(where + ": must be an object");
        if (!r.contains("match") || !r["match"].is_string() || r["match"].get<std::string>().empty())
            throw bad(where + ": needs a non-empty \"match\" glob");
        if (!r.contains("strategy"))
            throw bad(where + ": needs a \"strategy\"");
        if (!r["strategy"].is_string())
            throw bad(where + ": \"strategy\" is " + r["strategy"].type_name() + ", not a strategy name");
        const auto name = r["strategy"].get<std::string>();
        auto s = Strategy::fromName(name);
        if (!s) {
            std::string all;
            for (const auto &n : Strategy::allNames())
                all += (all.empty() ? "" : ", ") + n;
            throw bad(where + ": unknown strategy \"" + name + "\" (known: " + all + ")");
        }
        for (const auto &[k, v] : r.items())
            if (k != "match" && k != "strategy" && k != "percentile")
                throw bad(where + ": unknown key \"" + k + "\"");
        if (r.contains("percentile")) {
            if (s->method != ClipMethod::Percentile)
                throw bad(where + ": \"percentile\" only applies to the *_percentile strategies");
            if (!r["percentile"].is_number())
                throw bad(where + ": \"percentile\" must be a number");
            const double p = r["percentile"].get<double>();
            if (!(p > 0.0 && p <= 100.0))
                throw bad(where + ": \"percentile\" must be in (0, 100], got " + r["percentile"].dump());
            s->percentile = p;
        }
        o.rules.push_back({r["match"].get<std::string>(), *s});
        ++i;
    }
    return o;
}

Overrides Overrides::load(const std::filesystem::path &path)
{
    // Only a regular file within a stated size: `--overrides /dev/zero` or a FIFO used to grow or block forever. A
    // real overrides file is a few rules (~100 bytes each); 16 MiB is 100,000 long ones.
    constexpr uint64_t kMaxOverridesBytes = uint64_t(16) << 20;
    const std::string text = readRegularFile(path, kMaxOverridesBytes, "overrides file limit");
    checkJsonDepth(text, path.string());
    Json doc;
    try {
        doc = Json::parse(text);
    } catch (const std::exception &e) {
        throw inputError("not valid JSON: " + jsonErrorText(e), path.string());
    }
    return fromJson(doc, path.string());
}

Json Overrides::toJson() const
{
    Json list = Json::array();
    for (const auto &r : rules) {
        Json j = {{"match", r.match}, {"strategy", r.strategy.name()}};
        if (r.strategy.method == ClipMethod::Percentile)
            j["percentile"] = r.strategy.percentile;
        list.push_back(j);
    }
    return {{"format", kFormat}, {"overrides", list}};
}

void Overrides::save(const std::filesystem::path &path) const
{
    writeFileAtomically(path, toJson().dump(2) + "\n");
}

int Overrides::ruleFor(const std::string &name) const
{
    for (std::size_t i = rules.size(); i-- > 0;)
        if (globMatch(rules[i].match, name))
            return static_cast<int>(i);
    return -1;
}

Strategy Overrides::strategyFor(const std::string &name, std::size_t dims) const
{
    const int r = ruleFor(name);
    return r >= 0 ? rules[r].strategy : Strategy::defaultFor(dims);
}

std::vector<std::size_t> Overrides::unusedRules(const std::vector<std::string> &names) const
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        bool any = false;
        for (const auto &n : names)
            if ((any = globMatch(rules[i].match, n)))
                break;
        if (!any)
            out.push_back(i);
    }
    return out;
}

bool Overrides::operator==(const Overrides &o) const
{
    if (rules.size() != o.rules.size())
        return false;
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (rules[i].match != o.rules[i].match || !(rules[i].strategy == o.rules[i].strategy))
            return false;
    return true;
}

std::string exactGlob(const std::string &name)
{
    std::string g;
    g.reserve(name.size());
    for (char c : name) {
        if (c == '*' || c == '?' || c == '[' || c == '\\')
            g += '\\';
        g += c;
    }
    return g;
}

Overrides withStrategy(const Overrides &base, const std::vector<std::pair<std::string, std::size_t>> &namesAndDims,
                       const std::optional<Strategy> &s)
{
    Overrides o = base;
    for (const auto &[name, dims] : namesAndDims) {
        const std::string glob = exactGlob(name);
        std::erase_if(o.rules, [&](const OverrideRule &r) { return r.match == glob; });
        const Strategy want = s ? *s : Strategy::defaultFor(dims);
        if (!(o.strategyFor(name, dims) == want))
            o.rules.push_back({glob, want});
    }
    return o;
}

} // namespace ql
