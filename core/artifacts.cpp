#include "artifacts.h"

#include "atomicfile.h"
#include "manifest.h"

#include <openssl/evp.h>

namespace ql {

namespace {
class FileSink : public ByteSink
{
public:
    explicit FileSink(AtomicFile &f)
        : m_file(f)
    {
    }
    void write(uint64_t offset, const int8_t *data, std::size_t size) override { m_file.writeAt(offset, data, size); }

private:
    AtomicFile &m_file;
};
} // namespace

void writeArtifacts(const QuantizeResult &r, const std::filesystem::path &dir)
{
    ensureDirectory(dir);
    const std::string manifest = buildManifest(r).dump(2) + "\n";
    AtomicFile bin(dir / "weights_int8.bin"), man(dir / "manifest.json");
    bin.reserve(r.bytes.size());
    bin.writeAt(0, r.bytes.data(), r.bytes.size());
    man.write(manifest.data(), manifest.size());
    bin.finish();
    man.finish();
    bin.commit();
    man.commit();
}

QuantizeResult quantizeToDirectory(const Checkpoint &ck, const QuantizeOptions &options,
                                   const std::filesystem::path &dir)
{
    std::error_code ec;
    const bool existed = std::filesystem::exists(dir, ec);
    ensureDirectory(dir);
    try {
        AtomicFile bin(dir / "weights_int8.bin"), man(dir / "manifest.json");
        FileSink sink(bin);
        QuantizeResult r = quantize(ck, options, &sink);
        const std::string manifest = buildManifest(r).dump(2) + "\n";
        man.write(manifest.data(), manifest.size());
        bin.finish();
        man.finish();
        bin.commit();
        man.commit();
        return r;
    } catch (...) {
        if (!existed) // a folder this run created and filled with nothing goes too
            std::filesystem::remove(dir, ec);
        throw;
    }
}

std::string sha256Hex(const void *data, std::size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
    static const char *hex = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
        s.push_back(hex[md[i] >> 4]);
        s.push_back(hex[md[i] & 15]);
    }
    return s;
}

} // namespace ql
