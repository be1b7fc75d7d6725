#pragma once
#include "base/program.h"
#include "quantization/quantize.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ql::cli {

/// Exit codes of quantlens-cli (documented in the README and --help).
enum Exit : int { Ok = 0, Internal = 1, Usage = 2, Input = 3, Output = 4, Gate = 5, Cancelled = 130 };

// printable(): base/program.h

/// The human summary after quantize/inspect: what the seed's script tells, no more.
void printSummary(std::FILE *out, const QuantizeResult &r);
/// The per-tensor table of `inspect`.
void printTable(std::FILE *out, const QuantizeResult &r, const std::vector<const QuantizedTensor *> &rows);

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar
{
public:
    explicit ProgressBar(std::string label, bool enabled);
    ~ProgressBar();
    bool update(uint64_t done, uint64_t total);

private:
    std::string m_label;
    bool m_enabled;
    int m_last = -1;
};

} // namespace ql::cli
