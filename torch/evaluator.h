#pragma once
// Output-level evaluation of INT8 weights: a TorchScript module run with the checkpoint's FP32 weights and with
// the dequantized INT8 weights (core's dequantizeAll: the strategies that produce the artifacts), compared output by
// output; and the per-tensor sensitivity sweep. Plain C++ header: libtorch stays inside evaluator.cpp (pimpl), so
// no file sees both libtorch and Qt, and nothing that includes this header pays for libtorch's headers.
#include "quantization/overrides.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::eval {

/// How one output of the model changed between the FP32 and the INT8 run (over all its elements and all inputs).
struct OutputFigures
{
    std::string name;                  ///< dict key, tuple index, nested path "a.0", or "output" for a lone tensor
    std::optional<double> snrDb;       ///< 10·log10(Σy² / Σ(y−ŷ)²); nullopt when identical (infinite) or y ≡ 0
    double maxAbsDiff = 0.0;
    double cosine = 1.0;
    bool logits = false;               ///< matched --logits
    std::optional<double> top1;        ///< logits: share of rows whose argmax over the last dimension agrees
    int64_t elements = 0;              ///< over all inputs
};

/// One tensor's effect on the outputs, both ways.
struct Sensitivity
{
    std::string tensor;
    std::optional<double> weightSnrDb;
    std::vector<OutputFigures> onlyThis;  ///< this tensor INT8, all others FP32
    std::vector<OutputFigures> allButThis; ///< all INT8 except this tensor (what keeping it exact would win)
    /// The ranking key: the lowest output SNR with only this tensor quantized (+inf when all identical).
    double worstSnr() const;
};

struct EvalOptions
{
    std::filesystem::path model;       ///< TorchScript (torch.jit.trace / script + save)
    std::filesystem::path checkpoint;
    Overrides overrides;
    std::filesystem::path inputs;      ///< torch.save of a tensor, a tuple/list of tensors, or a list of tuples
    int random = 0;                    ///< > 0: this many random batches from the module's `input_shapes`
    uint64_t seed = 0;                 ///< for --random
    std::string logitsPattern = "*logit*"; ///< glob over output names
    bool ignoreMissing = false;        ///< checkpoint keys without a module tensor (and the reverse) are warnings
    /// Called with steps done / total during the sweep; return false to cancel (throws ErrorKind::Cancelled).
    std::function<bool(int done, int total)> progress;
};

struct EvalReport
{
    std::string model, checkpoint;
    int numInputs = 0;
    std::vector<OutputFigures> outputs;
    std::vector<Sensitivity> sensitivity; ///< worst first (lowest worstSnr()), when asked for
    std::vector<std::string> warnings;
};

/// Loads the module, the checkpoint (quantized under the overrides) and the inputs, and runs the FP32 reference.
/// Throws ql::Error: Input for an unreadable module/inputs, a key mismatch (listing the keys), a shape mismatch or a
/// failing forward; Usage when --random has no shapes to use.
class Evaluator
{
public:
    explicit Evaluator(const EvalOptions &options);
    ~Evaluator();
    Evaluator(const Evaluator &) = delete;
    Evaluator &operator=(const Evaluator &) = delete;

    /// All INT8 against FP32.
    std::vector<OutputFigures> compare();
    /// The one-at-a-time sweep, both ways, sorted worst first.
    std::vector<Sensitivity> sensitivity();
    /// Everything above in one report.
    EvalReport run(bool withSensitivity);
    const std::vector<std::string> &warnings() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace ql::eval
