// The only translation unit (with its main) that includes libtorch.
#include "evaluator.h"

#include "base/errors.h"
#include "quantization/dequantize.h"
#include "session/session.h"

#include <torch/script.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>

namespace ql::eval {

namespace {

using Outputs = std::vector<std::pair<std::string, at::Tensor>>;

/// A message from libtorch without its C++ back trace, first lines only.
std::string torchMessage(const c10::Error &e)
{
    std::string m = e.what_without_backtrace();
    if (m.size() > 600)
        m = m.substr(0, 600) + "...";
    return m;
}

void flatten(const c10::IValue &v, const std::string &path, Outputs &out)
{
    auto child = [&](const std::string &k) { return path.empty() ? k : path + "." + k; };
    if (v.isTensor()) {
        out.emplace_back(path.empty() ? "output" : path, v.toTensor());
    } else if (v.isTuple()) {
        const auto &el = v.toTupleRef().elements();
        for (std::size_t i = 0; i < el.size(); ++i)
            flatten(el[i], child(std::to_string(i)), out);
    } else if (v.isList()) {
        const auto list = v.toList();
        for (std::size_t i = 0; i < list.size(); ++i)
            flatten(list.get(i), child(std::to_string(i)), out);
    } else if (v.isGenericDict()) {
        for (const auto &item : v.toGenericDict()) {
            const auto &k = item.key();
            flatten(item.value(), child(k.isString() ? k.toStringRef() : k.tagKind() + std::string("?")), out);
        }
    }
    // Other values (ints, None, strings) are not outputs one can compare numerically.
}

/// Running sums over all elements of one output and all inputs.
struct Acc
{
    double sy2 = 0, se2 = 0, syh = 0, sh2 = 0, maxAbs = 0;
    int64_t n = 0, agree = 0, rows = 0;

    void add(const at::Tensor &y0, const at::Tensor &h0, bool top1)
    {
        const at::Tensor y = y0.detach().to(at::kDouble), h = h0.detach().to(at::kDouble);
        const at::Tensor e = y - h;
        sy2 += (y * y).sum().item<double>();
        sh2 += (h * h).sum().item<double>();
        syh += (y * h).sum().item<double>();
        se2 += (e * e).sum().item<double>();
        if (e.numel() > 0)
            maxAbs = std::max(maxAbs, e.abs().max().item<double>());
        n += y.numel();
        if (top1 && y.dim() >= 1 && y.size(-1) > 0) {
            agree += (y0.argmax(-1) == h0.argmax(-1)).sum().item<int64_t>();
            rows += y.numel() / y.size(-1);
        }
    }
    OutputFigures figures(const std::string &name, bool logits) const
    {
        OutputFigures f;
        f.name = name;
        f.logits = logits;
        f.elements = n;
        f.maxAbsDiff = maxAbs;
        if (se2 > 0 && sy2 > 0)
            f.snrDb = 10.0 * std::log10(sy2 / se2);
        f.cosine = (sy2 > 0 && sh2 > 0) ? syh / std::sqrt(sy2 * sh2) : (sy2 == sh2 ? 1.0 : 0.0);
        if (logits && rows > 0)
            f.top1 = double(agree) / double(rows);
        return f;
    }
};

std::string joined(const std::vector<std::string> &v, std::size_t max = 20)
{
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < max; ++i)
        s += (i ? ", " : "") + v[i];
    if (v.size() > max)
        s += ", ... (" + std::to_string(v.size() - max) + " more)";
    return s;
}

at::Tensor floatTensor(const std::vector<float> &values, const std::vector<int64_t> &shape)
{
    return torch::from_blob(const_cast<float *>(values.data()), shape, at::kFloat).clone();
}

} // namespace

double Sensitivity::worstSnr() const
{
    double w = std::numeric_limits<double>::infinity();
    for (const auto &o : onlyThis)
        if (o.snrDb)
            w = std::min(w, *o.snrDb);
    return w;
}

struct Evaluator::Impl
{
    /// A module tensor the checkpoint fills.
    struct Param
    {
        std::string name;
        at::Tensor target;
        at::Tensor fp32;
        std::optional<at::Tensor> int8; ///< none: the quantizer skips it (it stays FP32 in both runs)
        std::optional<double> weightSnr;
    };

    EvalOptions opt;
    torch::jit::Module module;
    std::vector<std::vector<c10::IValue>> batches;
    std::vector<Param> params;
    std::vector<Outputs> reference;
    std::vector<std::string> names;
    std::vector<std::string> warnings;

    void loadModule()
    {
        const std::string file = opt.model.string();
        try {
            module = torch::jit::load(file);
        } catch (const c10::Error &e) {
            throw inputError("not a TorchScript module torch::jit::load can read (save it with torch.jit.trace/script "
                             "+ .save()): " + torchMessage(e),
                             file);
        }
        module.eval();
    }

    std::vector<std::string> argumentNames()
    {
        std::vector<std::string> out;
        const auto &args = module.get_method("forward").function().getSchema().arguments();
        for (std::size_t i = 1; i < args.size(); ++i)
            out.push_back(args[i].name());
        return out;
    }

    void loadInputs()
    {
        const auto argNames = argumentNames();
        if (opt.random > 0) {
            if (!module.hasattr("input_shapes"))
                throw Error(ErrorKind::Usage,
                            "--random needs the input shapes and the module records none (an `input_shapes` "
                            "List[List[int]] attribute); forward takes (" + joined(argNames) +
                                "): give their shapes that way or pass --inputs FILE",
                            opt.model.string());
            std::vector<std::vector<int64_t>> shapes;
            try {
                for (const auto &s : module.attr("input_shapes").toList())
                    shapes.push_back(s.get().toIntVector());
            } catch (const c10::Error &e) {
                throw inputError("`input_shapes` is not a List[List[int]]: " + torchMessage(e), opt.model.string());
            }
            torch::manual_seed(opt.seed);
            for (int b = 0; b < opt.random; ++b) {
                std::vector<c10::IValue> args;
                for (const auto &s : shapes)
                    args.emplace_back(torch::randn(s));
                batches.push_back(std::move(args));
            }
            return;
        }
        const std::string file = opt.inputs.string();
        std::ifstream in(opt.inputs, std::ios::binary);
        if (!in)
            throw inputError("cannot open the inputs file", file);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
        c10::IValue v;
        try {
            v = torch::pickle_load(bytes);
        } catch (const c10::Error &e) {
            throw inputError("not a torch.save of a tensor, a tuple/list of tensors or a list of tuples: " +
                                 torchMessage(e),
                             file);
        }
        auto asArgs = [&](const c10::IValue &x, bool &ok) {
            std::vector<c10::IValue> args;
            ok = true;
            if (x.isTensor())
                args.push_back(x);
            else if (x.isTuple())
                for (const auto &e : x.toTupleRef().elements())
                    args.push_back(e);
            else if (x.isList())
                for (const auto &e : x.toList())
                    args.push_back(e.get());
            else
                ok = false;
            return args;
        };
        bool batchesOfTuples = v.isList() && v.toList().size() > 0;
        if (batchesOfTuples)
            for (const auto &e : v.toList())
                batchesOfTuples = batchesOfTuples && (e.get().isTuple() || e.get().isList());
        bool ok = true;
        if (batchesOfTuples) {
            for (const auto &e : v.toList()) {
                batches.push_back(asArgs(e.get(), ok));
            }
        } else {
            batches.push_back(asArgs(v, ok));
        }
        if (!ok || batches.empty())
            throw inputError(std::string("holds a ") + v.tagKind() +
                                 "; expected a tensor, a tuple or list of tensors, or a list of such tuples",
                             file);
        for (std::size_t b = 0; b < batches.size(); ++b)
            if (batches[b].size() != argNames.size())
                throw inputError("input " + std::to_string(b) + " has " + std::to_string(batches[b].size()) +
                                     " values but forward takes " + std::to_string(argNames.size()) + " (" +
                                     joined(argNames) + ")",
                                 file);
    }

    void mapWeights()
    {
        OpenOptions o;
        o.overrides = opt.overrides;
        o.rowStats = false;
        const Session session = openSession(opt.checkpoint, o);
        if (!session.hasWeights())
            throw Error(ErrorKind::Usage, "eval needs a checkpoint with FP32 weights, not an output folder",
                        opt.checkpoint.string());
        warnings = session.result->warnings;
        std::map<std::string, DequantizedTensor> deq;
        for (auto &t : dequantizeAll(session))
            deq.emplace(t.name, std::move(t));

        std::map<std::string, at::Tensor> targets;
        for (const auto &p : module.named_parameters(true))
            targets.emplace(p.name, p.value);
        for (const auto &b : module.named_buffers(true))
            targets.emplace(b.name, b.value);

        std::vector<std::string> noModule, noCheckpoint;
        std::set<std::string> seen;
        const std::string file = opt.checkpoint.string();
        for (const auto &t : session.checkpoint->tensors) {
            seen.insert(t.name);
            auto it = targets.find(t.name);
            if (it == targets.end()) {
                noModule.push_back(t.name);
                continue;
            }
            if (it->second.sizes().vec() != t.shape)
                throw inputError("shape " + c10::str(t.shape) + " in the checkpoint but " +
                                     c10::str(it->second.sizes()) + " in the module " + opt.model.string(),
                                 file, t.name);
            Param p;
            p.name = t.name;
            p.target = it->second;
            p.fp32 = floatTensor(floatValues(t), t.shape);
            if (auto d = deq.find(t.name); d != deq.end()) {
                p.int8 = floatTensor(d->second.values, t.shape);
                p.weightSnr = d->second.weightSnrDb;
            }
            params.push_back(std::move(p));
        }
        for (const auto &[name, _] : targets)
            if (!seen.count(name))
                noCheckpoint.push_back(name);
        if (!noModule.empty() || !noCheckpoint.empty()) {
            std::string msg;
            if (!noModule.empty())
                msg += "checkpoint keys with no module parameter or buffer: " + joined(noModule);
            if (!noCheckpoint.empty())
                msg += std::string(msg.empty() ? "" : "; ") +
                       "module parameters/buffers with no checkpoint key: " + joined(noCheckpoint);
            if (!opt.ignoreMissing)
                throw inputError(msg + " (the module must be the checkpoint's architecture; --ignore-missing "
                                       "evaluates anyway, the module's own values filling the gaps)",
                                 file);
            warnings.push_back(msg);
        }
    }

    void setAll(bool int8)
    {
        torch::NoGradGuard ng;
        for (auto &p : params)
            p.target.copy_(int8 && p.int8 ? *p.int8 : p.fp32);
    }

    Outputs runOne(std::size_t b)
    {
        torch::NoGradGuard ng;
        c10::IValue out;
        try {
            out = module.forward(batches[b]);
        } catch (const c10::Error &e) {
            throw inputError("forward failed on input " + std::to_string(b) + ": " + torchMessage(e),
                             opt.model.string());
        }
        Outputs o;
        flatten(out, "", o);
        if (o.empty())
            throw inputError("forward returns no tensor (" + std::string(out.tagKind()) + ")", opt.model.string());
        for (auto &[n, t] : o)
            t = t.detach().clone();
        return o;
    }

    std::vector<Outputs> runAll()
    {
        std::vector<Outputs> all;
        for (std::size_t b = 0; b < batches.size(); ++b)
            all.push_back(runOne(b));
        return all;
    }

    std::vector<OutputFigures> figures(const std::vector<Outputs> &other)
    {
        std::vector<Acc> acc(names.size());
        std::vector<bool> logits(names.size());
        for (std::size_t i = 0; i < names.size(); ++i)
            logits[i] = globMatch(opt.logitsPattern, names[i]);
        for (std::size_t b = 0; b < reference.size(); ++b) {
            if (other[b].size() != names.size())
                throw inputError("forward returns different outputs for different inputs", opt.model.string());
            for (std::size_t i = 0; i < names.size(); ++i) {
                const auto &y = reference[b][i].second, &h = other[b][i].second;
                if (other[b][i].first != names[i] || !y.sizes().equals(h.sizes()))
                    throw inputError("output '" + names[i] + "' changes name or shape between runs",
                                     opt.model.string());
                acc[i].add(y, h, logits[i]);
            }
        }
        std::vector<OutputFigures> out;
        for (std::size_t i = 0; i < names.size(); ++i)
            out.push_back(acc[i].figures(names[i], logits[i]));
        return out;
    }
};

Evaluator::Evaluator(const EvalOptions &options)
    : d(std::make_unique<Impl>())
{
    d->opt = options;
    d->loadModule();
    d->loadInputs();
    d->mapWeights();
    d->setAll(false);
    d->reference = d->runAll();
    for (const auto &[n, _] : d->reference.front())
        d->names.push_back(n);
    for (const auto &r : d->reference)
        if (r.size() != d->names.size())
            throw inputError("forward returns a different number of outputs for different inputs",
                             options.model.string());
}

Evaluator::~Evaluator() = default;

const std::vector<std::string> &Evaluator::warnings() const { return d->warnings; }

std::vector<OutputFigures> Evaluator::compare()
{
    d->setAll(true);
    auto f = d->figures(d->runAll());
    d->setAll(false);
    return f;
}

std::vector<Sensitivity> Evaluator::sensitivity()
{
    std::vector<Impl::Param *> swept;
    for (auto &p : d->params)
        if (p.int8)
            swept.push_back(&p);
    const int total = int(2 * swept.size());
    int done = 0;
    auto step = [&] {
        ++done;
        if (d->opt.progress && !d->opt.progress(done, total))
            throw Error(ErrorKind::Cancelled, "cancelled");
    };
    std::vector<Sensitivity> out(swept.size());
    torch::NoGradGuard ng;
    d->setAll(false);
    for (std::size_t i = 0; i < swept.size(); ++i) {
        Impl::Param &p = *swept[i];
        out[i].tensor = p.name;
        out[i].weightSnrDb = p.weightSnr;
        p.target.copy_(*p.int8);
        out[i].onlyThis = d->figures(d->runAll());
        p.target.copy_(p.fp32);
        step();
    }
    d->setAll(true);
    for (std::size_t i = 0; i < swept.size(); ++i) {
        Impl::Param &p = *swept[i];
        p.target.copy_(p.fp32);
        out[i].allButThis = d->figures(d->runAll());
        p.target.copy_(*p.int8);
        step();
    }
    d->setAll(false);
    std::stable_sort(out.begin(), out.end(), [](const Sensitivity &a, const Sensitivity &b) {
        return a.worstSnr() < b.worstSnr();
    });
    return out;
}

EvalReport Evaluator::run(bool withSensitivity)
{
    EvalReport r;
    r.model = d->opt.model.string();
    r.checkpoint = d->opt.checkpoint.string();
    r.numInputs = int(d->batches.size());
    r.outputs = compare();
    if (withSensitivity)
        r.sensitivity = sensitivity();
    r.warnings = d->warnings;
    return r;
}

} // namespace ql::eval
