#include "artifacts/artifacts.h"

#include "artifacts/atomicfile.h"
#include "artifacts/manifest.h"
#include "artifacts/shardhasher.h"

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <vector>
#include <thread>

namespace ql {

namespace {
/// Streams the INT8 bytes into the temporary file (positional writes from the workers) and keeps the disk busy while
/// they compute: every kFlushEvery bytes, a background thread flushes what is written so far, so the final finish()
/// only waits for the tail instead of writing the whole file back after the last row.
class FileSink : public ByteSink
{
public:
    static constexpr uint64_t kFlushEvery = uint64_t(32) << 20;

    explicit FileSink(AtomicFile &f)
        : m_file(f)
    {
    }
    ~FileSink() { stop(); }
    FileSink(const FileSink &) = delete;
    FileSink &operator=(const FileSink &) = delete;

    void plan(const std::vector<Shard> &shards) override { m_hasher = std::make_unique<ShardHasher>(shards); }

    void write(uint64_t offset, const int8_t *data, std::size_t size) override
    {
        m_file.writeAt(offset, data, size);
        if (m_hasher)
            m_hasher->add(offset, data, size);
        std::lock_guard lock(m_mutex);
        if (m_error)
            std::rethrow_exception(m_error); // a failed flush fails the run now, not after the last row
        m_pending += size;
        if (m_pending < kFlushEvery)
            return;
        m_pending = 0;
        ++m_requested;
        if (!m_flusher.joinable())
            m_flusher = std::thread([this] { flushLoop(); });
        m_wake.notify_one();
    }

    /// Waits for the background flushes; rethrows the first error (disk full, I/O error).
    void finishBackground()
    {
        stop();
        if (m_error)
            std::rethrow_exception(m_error);
    }

    /// The shards' SHA-256s, streamed as the bytes passed (a shard that could not be streamed is read back).
    std::vector<std::string> shardHashes()
    {
        if (!m_hasher)
            return {};
        return m_hasher->finish([this](uint64_t off, int8_t *out, std::size_t n) { m_file.readAt(off, out, n); });
    }

private:
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_one();
        if (m_flusher.joinable())
            m_flusher.join();
    }

    void flushLoop()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stopping || m_done < m_requested; });
            if (m_stopping || m_error)
                return;
            m_done = m_requested; // one flush covers every request made so far
            lock.unlock();
            std::exception_ptr error;
            try {
                m_file.finish();
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            if (error && !m_error)
                m_error = error;
        }
    }

    AtomicFile &m_file;
    std::unique_ptr<ShardHasher> m_hasher;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_flusher;
    uint64_t m_pending = 0, m_requested = 0, m_done = 0;
    bool m_stopping = false;
    std::exception_ptr m_error;
};
} // namespace

void writeArtifacts(const QuantizeResult &r, const std::filesystem::path &dir)
{
    ensureDirectory(dir);
    const std::string manifest = buildManifest(r).dump(2) + "\n";
    AtomicFile bin(dir / "weights_int8.bin"), man(dir / "manifest.json");
    bin.reserve(r.bytes.size());
    r.bytes.forEachSegment(0, r.bytes.size(), [&](const Int8Buffer::Segment &s) {
        bin.writeAt(s.offset, s.bytes.data(), s.bytes.size());
    });
    man.write(manifest.data(), manifest.size());
    bin.finish();
    man.finish();
    commitTogether({&bin, &man});
}

QuantizeResult quantizeToDirectory(const Checkpoint &ck, const QuantizeOptions &options,
                                   const std::filesystem::path &dir)
{
    // The folders this run creates (the output folder and any missing parents), innermost first: a failed run
    // takes them away again, so it leaves the file system as it found it.
    std::vector<std::filesystem::path> created;
    std::error_code ec;
    // symlink_status: a dangling or looping symlink given as the folder is the user's, not made by this run
    // (exists() follows it and says false, so a failed run used to delete the link).
    for (auto p = dir; !p.empty() && !std::filesystem::exists(std::filesystem::symlink_status(p, ec)); p = p.parent_path()) {
        created.push_back(p);
        if (p == p.parent_path())
            break;
    }
    try {
        ensureDirectory(dir);
        AtomicFile bin(dir / "weights_int8.bin"), man(dir / "manifest.json");
        FileSink sink(bin);
        QuantizeResult r = quantize(ck, options, &sink);
        const auto hashes = sink.shardHashes();
        for (std::size_t i = 0; i < r.shards.size() && i < hashes.size(); ++i)
            r.shards[i].sha256 = hashes[i];
        const std::string manifest = buildManifest(r).dump(2) + "\n";
        sink.finishBackground();
        man.write(manifest.data(), manifest.size());
        bin.finish();
        man.finish();
        commitTogether({&bin, &man});
        return r;
    } catch (...) {
        for (const auto &p : created) // remove() only takes empty folders: nothing else can be lost
            std::filesystem::remove(p, ec);
        throw;
    }
}

void releaseHashThreadState()
{
    OPENSSL_thread_stop();
}

std::string hexString(const unsigned char *bytes, std::size_t n)
{
    static const char *hex = "0123456789abcdef";
    std::string s;
    s.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        s.push_back(hex[bytes[i] >> 4]);
        s.push_back(hex[bytes[i] & 15]);
    }
    return s;
}

std::string sha256Hex(const void *data, std::size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
    return hexString(md, len);
}

std::string sha256Hex(const Int8Buffer &bytes, uint64_t offset, uint64_t size)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::bad_alloc();
    bytes.forEachSegment(offset, size, [&](const Int8Buffer::Segment &s) {
        EVP_DigestUpdate(ctx.get(), s.bytes.data(), s.bytes.size());
    });
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    return hexString(md, len);
}

} // namespace ql
