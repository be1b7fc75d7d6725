#include "artifacts/luts.h"

#include "artifacts/artifactfolder.h"
#include "artifacts/atomicfile.h"
#include "base/errors.h"
#include "base/jsondepth.h"
#include "base/regularfile.h"

#include <cstdio>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

namespace ql {

const char *lutName(LutKind k)
{
    static const char *n[] = {"silu", "softplus", "rsqrt", "exp_neg"};
    return n[int(k)];
}

const char *lutDescription(LutKind k)
{
    static const char *d[] = {"SiLU(x) = x * sigmoid(x), gate activation", "softplus(x) = ln(1 + exp(x)), dt computation",
                              "1/sqrt(x), RMSNorm normalization", "exp(-x), A_bar decay in selective scan"};
    return d[int(k)];
}

bool lutSigned(LutKind k) { return k == LutKind::Silu || k == LutKind::Softplus; }

double lutExact(LutKind k, double x)
{
    switch (k) {
    case LutKind::Silu:
        return x * (1.0 / (1.0 + std::exp(-std::clamp(x, -20.0, 20.0))));
    case LutKind::Softplus:
        return x > 20.0 ? x : x < -20.0 ? 0.0 : std::log(1.0 + std::exp(x));
    case LutKind::Rsqrt:
        return 1.0 / std::sqrt(std::max(x, 1e-6));
    case LutKind::ExpNeg:
        return std::exp(-x);
    }
    return 0.0;
}

double lutInput(LutKind k, int i, double inScale)
{
    if (lutSigned(k))
        return double(int8_t(uint8_t(i))) * inScale;
    return double(i) * inScale;
}

namespace {
int lutCode(LutKind k, double x, double outScale, bool *saturated = nullptr)
{
    const double v = std::nearbyint(lutExact(k, x) / outScale);
    const double lo = lutSigned(k) ? -128.0 : 0.0, hi = lutSigned(k) ? 127.0 : 255.0;
    if (saturated)
        *saturated = v > hi || v < lo;
    return int(std::clamp(v, lo, hi));
}
} // namespace

std::array<uint8_t, kNumLuts * kLutSize> generateLuts(const LutScales &s)
{
    std::array<uint8_t, kNumLuts * kLutSize> out{};
    for (int k = 0; k < kNumLuts; ++k)
        for (int i = 0; i < kLutSize; ++i) {
            const auto kind = LutKind(k);
            const int c = lutCode(kind, lutInput(kind, i, s.in[k]), s.out[k]);
            out[std::size_t(k * kLutSize + i)] = uint8_t(c & 0xff);
        }
    return out;
}

Json lutsJson(const LutScales &s)
{
    Json luts = Json::array();
    for (int k = 0; k < kNumLuts; ++k) {
        const auto kind = LutKind(k);
        luts.push_back({{"name", lutName(kind)},
                        {"offset", k * kLutSize},
                        {"size", kLutSize},
                        {"input_signed", lutSigned(kind)},
                        {"output_signed", lutSigned(kind)},
                        {"input_scale", s.in[k]},
                        {"output_scale", s.out[k]},
                        {"description", lutDescription(kind)}});
    }
    return {{"format", "int8_luts_v1"},
            {"num_luts", kNumLuts},
            {"lut_size", kLutSize},
            {"total_bytes", kNumLuts * kLutSize},
            {"luts", luts}};
}

void writeLuts(const std::filesystem::path &dir, const LutScales &scales)
{
    for (int k = 0; k < kNumLuts; ++k)
        if (!(scales.in[k] > 0 && std::isfinite(scales.in[k]) && scales.out[k] > 0 && std::isfinite(scales.out[k])))
            throw Error(ErrorKind::Usage, std::string("the ") + lutName(LutKind(k)) +
                                              " input and output scales must be positive finite numbers");
    // A finite scale can still make the table meaningless: 1e307 overflows x * scale to inf ("mean err nan").
    for (int k = 0; k < kNumLuts; ++k) {
        const auto an = analyzeLut(LutKind(k), scales.in[k], scales.out[k]);
        char given[64];
        std::snprintf(given, sizeof given, "input %g, output %g", scales.in[k], scales.out[k]);
        if (!std::isfinite(an.maxAbsError) || !std::isfinite(an.meanAbsError))
            throw Error(ErrorKind::Usage, std::string("the ") + lutName(LutKind(k)) + " scales (" + given +
                                              ") overflow the table's arithmetic: its error is not a number; "
                                              "use scales that map int8 to the function's useful range");
    }
    ensureDirectory(dir);
    const auto bin = generateLuts(scales);
    const std::string json = lutsJson(scales).dump(2) + "\n";
    AtomicFile b(dir / "luts.bin"), j(dir / "luts.json");
    b.write(bin.data(), bin.size());
    j.write(json.data(), json.size());
    b.finish();
    j.finish();
    commitTogether({&b, &j});
}

LutScales readLutScales(const std::filesystem::path &dir, bool *binMatches)
{
    const auto jp = dir / "luts.json";
    // Only regular files, within a stated size (a FIFO or /dev/zero as luts.json must not hang or fill memory).
    const std::string text = readRegularFile(jp, artifactlimits::kMaxLutsJsonBytes, "luts.json limit");
    const std::string file = jp.string();
    checkJsonDepth(text, file);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const std::exception &e) {
        throw inputError("not valid JSON: " + jsonErrorText(e), file);
    }
    // Every field is checked for its type before it is read: nlohmann's get<>() would throw its own text
    // ("[json.exception.type_error.302] type must be number, but is string") naming neither file nor field.
    if (!j.is_object())
        throw inputError(std::string("is JSON ") + j.type_name() + ", not an object with \"format\" and \"luts\"",
                         file);
    if (!j.contains("format") || j["format"] != "int8_luts_v1")
        throw inputError("\"format\" is not \"int8_luts_v1\"", file);
    if (!j.contains("luts") || !j["luts"].is_array())
        throw inputError(std::string("\"luts\" is ") + (j.contains("luts") ? j["luts"].type_name() : "missing") +
                             ", not a list of tables",
                         file);
    LutScales s;
    std::size_t index = 0;
    bool seen[kNumLuts] = {};
    for (const auto &l : j["luts"]) {
        const std::string where = "luts[" + std::to_string(index++) + "]";
        if (!l.is_object())
            throw inputError(where + " is " + l.type_name() + ", not an object with name, input_scale, output_scale",
                             file);
        if (!l.contains("name") || !l["name"].is_string())
            throw inputError(where + ".name is " + (l.contains("name") ? l["name"].type_name() : "missing") +
                                 ", not a table name",
                             file);
        const std::string name = l["name"].get<std::string>();
        int k = -1;
        for (int i = 0; i < kNumLuts; ++i)
            if (name == lutName(LutKind(i)))
                k = i;
        if (k < 0)
            throw inputError("unknown table '" + name + "'", file);
        if (seen[k])
            throw inputError("table '" + name + "' is listed twice (" + where + " again)", file);
        seen[k] = true;
        for (const char *field : {"input_scale", "output_scale"})
            if (!l.contains(field) || !l[field].is_number())
                throw inputError("table '" + name + "': " + field + " is " +
                                     (l.contains(field) ? std::string(l[field].type_name()) : std::string("missing")) +
                                     ", not a number",
                                 file);
        s.in[k] = l["input_scale"].get<double>();
        s.out[k] = l["output_scale"].get<double>();
        // An infinite scale makes 0 * inf = NaN inputs, and NaN cannot be converted to a table code.
        if (!(s.in[k] > 0) || !(s.out[k] > 0) || !std::isfinite(s.in[k]) || !std::isfinite(s.out[k]))
            throw inputError("table '" + name + "' has a non-positive or non-finite scale", file);
    }
    // Every table once: a list missing one would silently stand for the seed's default scales of that table.
    std::string missing;
    for (int i = 0; i < kNumLuts; ++i)
        if (!seen[i])
            missing += std::string(missing.empty() ? "" : ", ") + lutName(LutKind(i));
    if (!missing.empty())
        throw inputError("\"luts\" lists " + std::to_string(index) + " of the " + std::to_string(kNumLuts) +
                             " tables; missing: " + missing,
                         file);
    if (binMatches) {
        const auto want = generateLuts(s);
        // One byte over the table's size is enough to know it does not match.
        std::string bytes;
        try {
            bytes = readRegularFile(dir / "luts.bin", want.size() + 1, "luts.bin size");
        } catch (const Error &) {
            bytes.clear(); // missing, not regular or oversized: does not match
        }
        *binMatches = bytes.size() == want.size() && std::equal(want.begin(), want.end(), bytes.begin(),
                                                                [](uint8_t a, char c) { return a == uint8_t(c); });
    }
    return s;
}

LutAnalysis analyzeLut(LutKind k, double inScale, double outScale)
{
    LutAnalysis a;
    a.kind = k;
    a.expectedDirection = k == LutKind::Silu ? 0 : k == LutKind::Softplus ? 1 : -1;
    std::vector<int> order(kLutSize);
    std::iota(order.begin(), order.end(), 0);
    if (lutSigned(k)) // input-value order: -128 .. 127
        std::rotate(order.begin(), order.begin() + 128, order.end());
    double sum = 0;
    double minSatAbs = -1;
    for (int i : order) {
        const double x = lutInput(k, i, inScale);
        bool sat = false;
        const int c = lutCode(k, x, outScale, &sat);
        const double exact = lutExact(k, x);
        const double dq = c * outScale;
        a.input.push_back(x);
        a.exact.push_back(exact);
        a.code.push_back(c);
        a.dequant.push_back(dq);
        a.error.push_back(dq - exact);
        a.saturated.push_back(sat);
        if (sat) {
            ++a.saturatedCount;
            if (minSatAbs < 0 || std::fabs(x) < minSatAbs)
                minSatAbs = std::fabs(x), a.firstSaturatedInput = x;
        }
        a.maxAbsError = std::max(a.maxAbsError, std::fabs(dq - exact));
        sum += std::fabs(dq - exact);
    }
    a.meanAbsError = sum / kLutSize;
    for (std::size_t i = 1; i < a.code.size() && a.expectedDirection; ++i)
        if ((a.code[i] - a.code[i - 1]) * a.expectedDirection < 0)
            ++a.monotonicViolations;
    return a;
}

} // namespace ql
