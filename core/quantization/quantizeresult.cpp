// QuantizeResult: lookups by name, the buffer read back from a file, the bytes-free copy, the SNR summary.
#include "quantization/quantize.h"

#include <algorithm>

namespace ql {

const QuantizedTensor *QuantizeResult::find(const std::string &name) const
{
    const int i = indexOf(name);
    return i < 0 ? nullptr : &tensors[static_cast<std::size_t>(i)];
}

int QuantizeResult::indexOf(const std::string &name) const
{
    auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                               [](const QuantizedTensor &t, const std::string &n) { return t.name < n; });
    return it != tensors.end() && it->name == name ? static_cast<int>(it - tensors.begin()) : -1;
}

void QuantizeResult::setBytes(std::span<const int8_t> all)
{
    std::vector<uint64_t> cuts;
    for (const auto &t : tensors)
        cuts.push_back(t.offset);
    bytes = Int8Buffer::copyOf(all, std::move(cuts));
}

QuantizeResult QuantizeResult::withoutBytes() const
{
    QuantizeResult r = *this; // copies piece pointers only, dropped below
    r.bytes = {};
    return r;
}

ErrorSummary QuantizeResult::summary() const
{
    ErrorSummary s;
    double sum = 0;
    int n = 0;
    for (const auto &t : tensors) {
        if (!t.isMatrix())
            continue;
        ++s.numMatrices;
        const auto snr = t.stats.snrDb();
        if (!snr) {
            ++s.numUndefined;
            continue;
        }
        s.minSnr = n ? std::min(s.minSnr, *snr) : *snr;
        s.maxSnr = n ? std::max(s.maxSnr, *snr) : *snr;
        sum += *snr;
        ++n;
    }
    s.meanSnr = n ? sum / n : 0.0;
    return s;
}

} // namespace ql
