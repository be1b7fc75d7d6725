// Overrides::load on a fuzzed overrides file; every accepted rule is matched against names and its
// strategy applied to a small tensor, and the file is serialised again.
#include "fuzz_common.h"
#include "quantization/overrides.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static qlfuzz::MemFile file("fuzz_overrides");
    static const std::vector<float> weights = [] {
        std::vector<float> w(6 * 10);
        for (std::size_t i = 0; i < w.size(); ++i)
            w[i] = float((i * 37) % 23) - 11.0f + 0.25f * float(i % 4);
        return w;
    }();
    try {
        const auto o = ql::Overrides::load(file.set(data, size));
        const auto again = ql::Overrides::fromJson(o.toJson(), "roundtrip");
        if (!(again == o))
            std::abort(); // toJson must round-trip
        ql::TensorData t;
        t.name = "layers.0.mamba.in_proj.weight";
        t.shape = {6, 10};
        t.strides = {10, 1};
        t.storage = std::span(reinterpret_cast<const std::byte *>(weights.data()), weights.size() * 4);
        std::vector<int8_t> out(weights.size());
        for (const char *n : {"layers.0.mamba.in_proj.weight", "trunk.0.weight", "frame_embed.weight", "x"}) {
            (void)o.ruleFor(n);
            t.name = n;
            (void)ql::quantizeTensor(t, o.strategyFor(n, 2), out.data(), "fuzz");
        }
        (void)o.unusedRules({"a", "layers.1.x"});
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input && e.kind() != ql::ErrorKind::Usage)
            std::abort();
    }
    return 0;
}
