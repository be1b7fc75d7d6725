#pragma once
#include "base/json.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ql {

/// The four activation tables, in on-chain order.
enum class LutKind { Silu = 0, Softplus = 1, Rsqrt = 2, ExpNeg = 3 };
constexpr int kLutSize = 256;
constexpr int kNumLuts = 4;

/// Input and output scales of the four tables; defaults are the seed's.
struct LutScales
{
    double in[kNumLuts] = {0.0625, 0.0625, 0.01, 0.03125};
    double out[kNumLuts] = {0.0625, 0.03125, 0.05, 0.00392157};
    bool operator==(const LutScales &) const = default;
};

const char *lutName(LutKind k);        ///< "silu", "softplus", "rsqrt", "exp_neg"
const char *lutDescription(LutKind k);
bool lutSigned(LutKind k);             ///< signed int8 in/out (SiLU, softplus) vs uint8
/// The exact function in float64, as the reference evaluates it.
double lutExact(LutKind k, double x);
/// Input value of table index i (signed tables: i >= 128 means i - 256).
double lutInput(LutKind k, int i, double inScale);

/// The 1024 bytes of luts.bin.
std::array<uint8_t, kNumLuts * kLutSize> generateLuts(const LutScales &scales);
/// luts.json for those scales.
Json lutsJson(const LutScales &scales);
/// Writes luts.bin + luts.json atomically into dir.
void writeLuts(const std::filesystem::path &dir, const LutScales &scales);
/// Reads luts.json (+ checks luts.bin matches its scales); throws an input Error naming the file.
LutScales readLutScales(const std::filesystem::path &dir, bool *binMatches = nullptr);

/// What a table does to its function, entry by entry, in input-value order (what the inspector plots).
struct LutAnalysis
{
    LutKind kind;
    std::vector<double> input;     ///< x, ascending
    std::vector<double> exact;     ///< f(x)
    std::vector<int> code;         ///< stored int8/uint8 value
    std::vector<double> dequant;   ///< code * out_scale
    std::vector<double> error;     ///< dequant - exact
    std::vector<bool> saturated;   ///< f(x)/out_scale beyond the output range
    int saturatedCount = 0;
    double maxAbsError = 0, meanAbsError = 0;
    int expectedDirection = 0;     ///< +1 increasing, -1 decreasing, 0 none (SiLU is not monotonic)
    int monotonicViolations = 0;   ///< in input-value order
    double firstSaturatedInput = 0; ///< smallest |x| whose entry saturates (0 when none)
};
LutAnalysis analyzeLut(LutKind k, double inScale, double outScale);

} // namespace ql
