// quantlens-eval: the evaluation front end, a separate executable because it links libtorch (≈0.4 s, 150 MiB at
// start-up) and nothing else should pay for that; `quantlens-cli eval` runs it. Plain C++: libtorch is behind
// evaluator.h's pimpl.
#include "artifacts/atomicfile.h"
#include "base/errors.h"
#include "base/mappedfile.h"
#include "base/program.h"
#include "evalreport.h"
#include "evaluator.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <new>
#include <unistd.h>

using namespace ql;

int main(int argc, char **argv)
{
    ignoreFileSizeSignal();
    installMappedFileGuard(); // a checkpoint truncated while mapped: an input error, not SIGBUS
    CLI::App app{"quantlens eval: run a TorchScript model with the checkpoint's FP32 weights and with its INT8 "
                 "weights dequantized (q * scale, the strategies that produce the artifacts) and compare the outputs "
                 "(SNR over all elements and inputs, max |diff|, cosine, top-1 agreement of logits). --sensitivity "
                 "quantizes one tensor at a time (and keeps one at a time FP32) and ranks them, worst first.\n"
                 "Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input, 130 cancelled."};
    app.name("quantlens-cli eval");
    eval::EvalOptions opt;
    std::string overrides, inputs;
    bool json = false, withSensitivity = false, quiet = false;
    app.add_option("--model", opt.model, "TorchScript module (torch.jit.trace/script, then .save())")->required();
    app.add_option("--checkpoint", opt.checkpoint, "FP32 checkpoint (.pt zip or legacy, .safetensors)")->required();
    app.add_option("--overrides", overrides, "Overrides file (quantlens_overrides_v1 JSON)");
    auto *in = app.add_option("--inputs", inputs,
                              "torch.save of a tensor, a tuple/list of tensors (forward's positional arguments), or "
                              "a list of such tuples (one forward each)");
    auto *rnd = app.add_option("--random", opt.random,
                               "N random batches (standard normal) shaped by the module's `input_shapes` attribute")
                    ->check(CLI::PositiveNumber);
    in->excludes(rnd);
    rnd->excludes(in);
    app.add_option("--seed", opt.seed, "Seed of --random")->capture_default_str();
    app.add_option("--logits", opt.logitsPattern,
                   "Glob over output names that are logits (top-1 agreement over the last dimension)")
        ->capture_default_str();
    app.add_flag("--ignore-missing", opt.ignoreMissing,
                 "Evaluate although checkpoint keys and module parameters/buffers do not match one to one");
    app.add_flag("--sensitivity", withSensitivity, "Also the per-tensor sweep, both ways, ranked worst first");
    app.add_flag("--json", json, "Machine-readable JSON on stdout");
    app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    return runGuarded("quantlens-cli eval", [&] {
        if (inputs.empty() && opt.random == 0)
            throw Error(ErrorKind::Usage, "give --inputs FILE or --random N");
        opt.inputs = inputs;
        if (!overrides.empty())
            opt.overrides = Overrides::load(overrides);
        const bool bar = !json && !quiet && ::isatty(2);
        opt.progress = [bar](int done, int total) {
            if (bar)
                std::fprintf(stderr, "\rsensitivity %d/%d%s", done, total, done == total ? "\n" : "");
            return true;
        };
        eval::Evaluator ev(opt);
        const eval::EvalReport r = ev.run(withSensitivity);
        if (!quiet && !json)
            for (const auto &w : r.warnings)
                std::fprintf(stderr, "warning: %s\n", w.c_str());
        if (json)
            std::cout << eval::reportJson(r).dump(2) << "\n";
        else if (!quiet)
            eval::printReport(stdout, r);
        return 0;
    });
}
