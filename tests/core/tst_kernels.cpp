// The fast kernels (generic:: and avx2::, and the dispatcher) against the plain reference loops, bit for bit:
// q bytes, absmax, maxAbsErr and counts identical; signal and noise (sums of exact double products, added in another
// order) within the rounding bound of the sum, (n + 8) * 2^-52 relative; noise() identical to quantize()'s noise.
#include "quantization/kernels.h"

#include <QTest>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace k = ql::kernels;

namespace {

struct Impl
{
    const char *name;
    k::AbsMax (*absMax)(const float *, int64_t);
    void (*quantize)(const float *, int64_t, float, int8_t *, ql::ErrorStats &, const float *);
    double (*noise)(const float *, int64_t, float);
};

std::vector<Impl> impls()
{
    std::vector<Impl> v{{"generic", k::generic::absMax, k::generic::quantize, k::generic::noise},
                        {"dispatch", k::absMax, k::quantize, k::noise}};
    if (k::hasAvx2())
        v.push_back({"avx2", k::avx2::absMax, k::avx2::quantize, k::avx2::noise});
    return v;
}

bool sameBits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

bool closeSum(double a, double b, int64_t n)
{
    if (a == b)
        return true;
    if (std::isinf(a) || std::isinf(b) || std::isnan(a) || std::isnan(b))
        return false;
    const double tol = double(n + 8) * std::ldexp(1.0, -52);
    return std::fabs(a - b) <= tol * std::max(std::fabs(a), std::fabs(b));
}

std::string num(double v)
{
    char b[40];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

std::string describe(const char *impl, const std::string &what, int64_t n, float scale)
{
    return std::string(impl) + ": " + what + " (n=" + std::to_string(n) + ", scale=" + num(scale) + ")";
}

/// Empty string when every fast implementation agrees with ref:: on w[0, n) quantized with scale.
std::string checkQuantize(const float *w, int64_t n, float scale)
{
    std::vector<int8_t> want(static_cast<std::size_t>(n) + 1, int8_t(0x5a));
    ql::ErrorStats ws;
    ws.signal = 0.5; // the kernels add to what is there
    ws.noise = 0.25;
    ws.maxAbsErr = 0.0;
    ws.count = 3;
    ql::ErrorStats base = ws;
    k::ref::quantize(w, n, scale, want.data(), ws);
    for (const Impl &im : impls()) {
        std::vector<int8_t> got(static_cast<std::size_t>(n) + 1, int8_t(0x5a)); // one guard byte past the end
        ql::ErrorStats gs = base;
        im.quantize(w, n, scale, got.data(), gs, w); // prefetching a "next row" (here: itself) changes nothing
        if (std::memcmp(got.data(), want.data(), got.size()) != 0) {
            for (int64_t i = 0; i <= n; ++i)
                if (got[std::size_t(i)] != want[std::size_t(i)])
                    return describe(im.name, "q[" + std::to_string(i) + "] = " + std::to_string(got[std::size_t(i)]) +
                                                 ", ref " + std::to_string(want[std::size_t(i)]) + " for w = " +
                                                 num(i < n ? w[i] : 0.0f),
                                    n, scale);
        }
        if (gs.count != ws.count)
            return describe(im.name, "count", n, scale);
        if (gs.maxAbsErr != ws.maxAbsErr)
            return describe(im.name, "maxAbsErr " + num(gs.maxAbsErr) + " vs " + num(ws.maxAbsErr),
                            n, scale);
        if (!closeSum(gs.signal, ws.signal, n) || !closeSum(gs.noise, ws.noise, n))
            return describe(im.name, "signal/noise", n, scale);
        ql::ErrorStats ns = base; // q == nullptr (the MSE search): same statistics
        im.quantize(w, n, scale, nullptr, ns, nullptr);
        if (ns.signal != gs.signal || ns.noise != gs.noise || ns.maxAbsErr != gs.maxAbsErr || ns.count != gs.count)
            return describe(im.name, "statistics without q differ from those with q", n, scale);
        ql::ErrorStats zs; // noise() is the MSE search's shortcut: bit-identical to quantize()'s noise
        im.quantize(w, n, scale, nullptr, zs, nullptr);
        if (im.noise(w, n, scale) != zs.noise)
            return describe(im.name, "noise() differs from quantize()'s noise", n, scale);
    }
    return {};
}

std::string checkAbsMax(const float *w, int64_t n)
{
    const k::AbsMax want = k::ref::absMax(w, n);
    for (const Impl &im : impls()) {
        const k::AbsMax got = im.absMax(w, n);
        if (!sameBits(got.value, want.value) || got.nonFinite != want.nonFinite)
            return std::string(im.name) + ": absMax " + num(got.value) + "/" + std::to_string(got.nonFinite) +
                   " vs ref " + num(want.value) + "/" + std::to_string(want.nonFinite) +
                   " (n=" + std::to_string(n) + ")";
    }
    return {};
}

/// absMax, then quantize with the production per-channel scale and with a few foreign (clipping) scales.
std::string checkRow(const float *w, int64_t n)
{
    std::string e = checkAbsMax(w, n);
    if (!e.empty())
        return e;
    const float am = k::ref::absMax(w, n).value;
    for (float s : {k::channelScale(am), k::channelScale(am * 0.37f), k::channelScale(am * 1.9f),
                    float(k::tensorScale(double(am)))}) {
        e = checkQuantize(w, n, s);
        if (!e.empty())
            return e;
    }
    return {};
}

using Gen = std::function<float(std::mt19937 &, int64_t i)>;

} // namespace

class TestKernels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qInfo("AVX2 kernels %s", k::hasAvx2() ? "available and tested" : "not available here"); }

    void rows_data()
    {
        QTest::addColumn<int>("kind");
        const char *names[] = {"normal",       "outliers",       "ties at .5",   "signed zeros", "subnormals",
                               "all equal",    "all equal neg",  "clamp edges",  "huge",         "tiny",
                               "int-valued",   "one spike",      "alternating"};
        for (int i = 0; i < int(std::size(names)); ++i)
            QTest::newRow(names[i]) << i;
    }

    // Every length 0..67 (vector bodies of 8 and 32 plus every tail), a few long rows, and unaligned starts.
    void rows()
    {
        QFETCH(int, kind);
        std::mt19937 rng(1234 + kind);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::uniform_int_distribution<int> ki(-140, 140);
        const Gen gens[] = {
            [&](std::mt19937 &r, int64_t) { return 0.05f * nd(r); },
            [&](std::mt19937 &r, int64_t i) { return (i % 97 == 5 ? 6.0f : 1.0f) * 0.02f * nd(r); },
            // w = (k + 0.5) * 2^-7: w / scale lands exactly on .5 for power-of-two scales
            [&](std::mt19937 &r, int64_t) { return (float(ki(r)) + 0.5f) * 0.0078125f; },
            [&](std::mt19937 &r, int64_t) { return (r() & 1) ? -0.0f : 0.0f; },
            [&](std::mt19937 &r, int64_t) { return float(int(r() % 2001) - 1000) * 1e-42f; },
            [&](std::mt19937 &, int64_t) { return 0.3f; },
            [&](std::mt19937 &, int64_t) { return -1.75e-3f; },
            [&](std::mt19937 &r, int64_t) {
                const float e[] = {-128.5f, -128.0f, -127.5f, 126.5f, 127.0f, 127.49998f, 127.5f, 0.5f, -0.5f, 1.5f};
                return e[r() % std::size(e)] * 0.25f;
            },
            [&](std::mt19937 &r, int64_t) { return 1e37f * nd(r); },
            [&](std::mt19937 &r, int64_t) { return 1e-30f * nd(r); },
            [&](std::mt19937 &, int64_t i) { return float(int(i % 255) - 127); },
            [&](std::mt19937 &, int64_t i) { return i == 13 ? -3.0f : 1e-3f; },
            [&](std::mt19937 &, int64_t i) { return (i & 1) ? 0.5f : -0.5f; },
        };
        const Gen &g = gens[kind];
        std::vector<int64_t> lengths;
        for (int64_t n = 0; n <= 67; ++n)
            lengths.push_back(n);
        for (int64_t n : {95, 96, 97, 128, 384, 1023, 4096, 4099, 65536 + 13})
            lengths.push_back(n);
        for (int64_t n : lengths)
            for (int64_t misalign : {0, 1, 3}) {
                std::vector<float> buf(static_cast<std::size_t>(n + misalign));
                for (int64_t i = 0; i < n; ++i)
                    buf[std::size_t(misalign + i)] = g(rng, i);
                const std::string e = checkRow(buf.data() + misalign, n);
                QVERIFY2(e.empty(), e.c_str());
            }
    }

    // Power-of-two scales make every tie exact; then check q against round-half-even by hand too.
    void exactTies()
    {
        std::vector<float> w;
        for (int kk = -260; kk <= 260; ++kk)
            w.push_back(float(kk) * 0.5f * 0.25f); // w / 0.25 = kk / 2
        for (float s : {0.25f, 0.5f, 1.0f / 1024.0f}) {
            std::vector<float> v(w);
            for (float &x : v)
                x = x / 0.25f * s;
            const std::string e = checkQuantize(v.data(), int64_t(v.size()), s);
            QVERIFY2(e.empty(), e.c_str());
        }
        std::vector<int8_t> q(w.size());
        ql::ErrorStats st;
        k::quantize(w.data(), int64_t(w.size()), 0.25f, q.data(), st);
        for (std::size_t i = 0; i < w.size(); ++i) {
            const double want = std::clamp(std::nearbyint(double(w[i]) / 0.25), -128.0, 127.0);
            QCOMPARE(int(q[i]), int(want));
        }
        QCOMPARE(int(q[w.size() / 2 + 1]), 0);  // 0.5 -> 0
        QCOMPARE(int(q[w.size() / 2 + 3]), 2);  // 1.5 -> 2
        QCOMPARE(int(q[w.size() / 2 + 5]), 2);  // 2.5 -> 2
        QCOMPARE(int(q[w.size() / 2 - 1]), 0);  // -0.5 -> 0
        QCOMPARE(int(q[w.size() / 2 - 3]), -2); // -1.5 -> -2
    }

    // Scales that are not powers of two, and w a few ulps either side of (k + 0.5) * scale for every k: the quotient
    // sits on or next to a rounding boundary, so only a true float division (no reciprocal multiply, no fused
    // operation) gives ref::'s q and error.
    void nearTies()
    {
        for (float s : {0.0123f, k::channelScale(0.731f), k::channelScale(3.3e-5f), k::channelScale(1e-8f),
                        float(k::tensorScale(0.4567)), 1.0f / 3.0f}) {
            std::vector<float> w;
            for (int kk = -131; kk <= 130; ++kk) {
                float x = float((double(kk) + 0.5) * double(s));
                for (int u = 0; u < 3; ++u)
                    x = std::nextafter(x, -std::numeric_limits<float>::infinity());
                for (int u = 0; u < 7; ++u) {
                    w.push_back(x);
                    x = std::nextafter(x, std::numeric_limits<float>::infinity());
                }
            }
            for (int64_t n : {int64_t(w.size()), int64_t(45), int64_t(7)}) {
                const std::string e = checkQuantize(w.data(), n, s);
                QVERIFY2(e.empty(), e.c_str());
            }
        }
    }

    // Extreme scales: quotients that overflow to +-Inf clamp; quotients that underflow round to 0.
    void extremeScales()
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (int64_t n : {1, 7, 8, 9, 31, 32, 33, 67, 1000}) {
            std::vector<float> w(static_cast<std::size_t>(n));
            for (float &x : w)
                x = nd(rng) * 1e3f;
            for (float s : {1e-38f, 1e-45f, 1e-30f, 7.874016e-11f, 1.0f, 1e20f, 1e30f}) {
                const std::string e = checkQuantize(w.data(), n, s);
                QVERIFY2(e.empty(), e.c_str());
            }
        }
    }

    // NaN/Inf anywhere (vector body or tail) is flagged, and the finite absmax still matches ref.
    void nonFinite()
    {
        const float bad[] = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
                             std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                             std::bit_cast<float>(0x7f800001u)};
        for (int64_t n : {1, 5, 8, 9, 31, 32, 33, 40, 67, 300})
            for (int64_t at : {int64_t(0), n / 2, n - 1})
                for (float b : bad) {
                    std::vector<float> w(static_cast<std::size_t>(n));
                    for (int64_t i = 0; i < n; ++i)
                        w[std::size_t(i)] = 0.01f * float(i % 13) - 0.05f;
                    w[std::size_t(at)] = b;
                    const std::string e = checkAbsMax(w.data(), n);
                    QVERIFY2(e.empty(), e.c_str());
                    QVERIFY(k::absMax(w.data(), n).nonFinite);
                    QCOMPARE(k::firstNonFinite(w.data(), n), at);
                }
    }

    // Rows that end exactly at an unreadable page: the masked tails never touch a byte past the row.
    void neverReadsPastTheRow()
    {
        const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
        void *mem = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        QVERIFY(mem != MAP_FAILED);
        QCOMPARE(::mprotect(static_cast<char *>(mem) + page, page, PROT_NONE), 0);
        float *end = reinterpret_cast<float *>(static_cast<char *>(mem) + page);
        for (int64_t n = 1; n <= 67; ++n) {
            float *w = end - n;
            for (int64_t i = 0; i < n; ++i)
                w[i] = 0.1f * float(i % 7) - 0.3f;
            const std::string e = checkRow(w, n);
            QVERIFY2(e.empty(), e.c_str());
        }
        ::munmap(mem, 2 * page);
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
