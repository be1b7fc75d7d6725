#pragma once
// Shared pieces of the libFuzzer harnesses: an in-memory file the path-based readers can open, and the
// post-load work (read every element, quantize, serialise) where validated-but-wrong views would bite.
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "artifacts/manifest.h"
#include "quantization/quantize.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace qlfuzz {

/// A memfd reused across iterations; readers open it through /proc/self/fd, so nothing touches the disk.
class MemFile
{
public:
    explicit MemFile(const char *name)
        : m_fd(::memfd_create(name, MFD_CLOEXEC))
    {
        if (m_fd < 0)
            std::abort();
        m_path = "/proc/self/fd/" + std::to_string(m_fd);
    }
    const std::string &set(const uint8_t *data, std::size_t size)
    {
        if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, data, size, 0) != static_cast<ssize_t>(size))
            std::abort();
        return m_path;
    }

private:
    int m_fd;
    std::string m_path;
};

/// Reads every element of every tensor (strided walks included) and quantizes the checkpoint in memory.
inline void exercise(const ql::Checkpoint &ck)
{
    std::vector<float> f(4096);
    std::vector<double> d(4096);
    for (const auto &t : ck.tensors) {
        const int64_t n = t.numel();
        for (int64_t b = 0; b < n; b += 4096) {
            const int64_t c = std::min<int64_t>(4096, n - b);
            ql::readAsFloat(t, b, c, f.data());
            ql::readAsDouble(t, b, c, d.data());
        }
    }
    (void)ck.encodingConfig.dump();
    (void)ck.contextLen.dump();
    (void)ck.extra.dump();
    try {
        ql::QuantizeOptions o;
        o.threads = 1;
        auto r = ql::quantize(ck, o);
        (void)ql::buildManifest(r).dump();
    } catch (const ql::Error &) {
    }
}

/// loadCheckpoint + exercise; only ql::Error is an acceptable failure.
inline void loadAndExercise(const std::string &path)
{
    try {
        ql::ReadLimits limits;
        exercise(ql::loadCheckpoint(path, limits));
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort(); // a reader must blame the input, not report an internal/output failure
    }
}

} // namespace qlfuzz
