#include "session/optimize.h"

#include "base/errors.h"
#include "inspection/analysis.h"

namespace ql {

double OptimizePlan::meanGainDb() const
{
    if (tensors.empty())
        return 0.0;
    double sum = 0;
    for (const auto &c : tensors)
        sum += c.gainDb();
    return sum / double(tensors.size());
}

OptimizePlan optimize(const Checkpoint &ck, const QuantizeResult &current, const Overrides &base,
                      const OptimizeOptions &options)
{
    OptimizePlan plan;
    const auto &ts = current.tensors;
    const std::string file = ck.path.string();
    for (std::size_t i = 0; i < ts.size(); ++i) {
        if (options.progress && !options.progress(i, ts.size()))
            throw Error(ErrorKind::Cancelled, "optimize cancelled");
        const auto &t = ts[i];
        const auto now = t.stats.snrDb();
        const TensorData *src = ck.find(t.name);
        if (!src || !now)
            continue;
        const auto trials = tryStrategies(*src, candidateStrategies(t.shape.size()), file);
        const auto best = bestTrial(trials, t.strategy);
        if (!best || best->strategy == t.strategy || *best->snr - *now < options.minGainDb)
            continue;
        plan.tensors.push_back({t.name, t.shape.size(), t.strategy, best->strategy, *now, *best->snr});
    }
    if (options.progress)
        options.progress(ts.size(), ts.size());
    plan.overrides = applyChoices(base, plan.tensors);
    return plan;
}

Overrides applyChoices(const Overrides &base, const std::vector<OptimizeChoice> &choices)
{
    Overrides o = base;
    for (const auto &c : choices)
        o = withStrategy(o, {{c.name, c.dims}}, c.to);
    return o;
}

Json optimizePlanJson(const OptimizePlan &plan)
{
    Json tensors = Json::array();
    for (const auto &c : plan.tensors)
        tensors.push_back({{"name", c.name},
                           {"strategy", c.to.name()},
                           {"snr_db_before", c.snrBefore},
                           {"snr_db_after", c.snrAfter},
                           {"gain_db", c.gainDb()}});
    Json j;
    j["overrides"] = plan.overrides.toJson();
    j["tensors"] = std::move(tensors);
    j["mean_gain_db"] = plan.meanGainDb();
    return j;
}

} // namespace ql
