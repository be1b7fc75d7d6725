#include "readers/ziparchive.h"

#include "base/errors.h"

#include <algorithm>
#include <cstring>
#include <zlib.h>

namespace ql {

namespace {
class Reader
{
public:
    Reader(std::span<const std::byte> d, const std::string &file)
        : m_d(d)
        , m_file(file)
    {
    }
    uint64_t le(uint64_t pos, int bytes) const
    {
        if (pos > m_d.size() || uint64_t(bytes) > m_d.size() - pos)
            throw inputError("zip structure runs past the end of the file (truncated or corrupt)", m_file);
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i)
            v = (v << 8) | uint64_t(m_d[pos + uint64_t(i)]);
        return v;
    }
    std::size_t size() const { return m_d.size(); }

private:
    std::span<const std::byte> m_d;
    const std::string &m_file;
};

constexpr uint32_t kEocd = 0x06054b50, kEocd64 = 0x06064b50, kLocator = 0x07064b50, kCentral = 0x02014b50,
                   kLocal = 0x04034b50;
} // namespace

const std::span<const std::byte> *ZipArchive::find(const std::string &name) const
{
    auto it = m_entries.find(name);
    return it == m_entries.end() ? nullptr : &it->second;
}

ZipArchive::ZipArchive(std::span<const std::byte> data, const std::string &file, const ZipLimits &limits)
{
    Reader r(data, file);
    auto bad = [&](const std::string &msg) { return inputError("zip: " + msg, file); };
    if (data.size() < 22)
        throw bad("too short for a zip archive (truncated)");
    // The end-of-central-directory record sits in the last 22 + 65535 bytes.
    uint64_t eocd = UINT64_MAX;
    const uint64_t lowest = data.size() > 22 + 65535 ? data.size() - 22 - 65535 : 0;
    for (uint64_t p = data.size() - 22 + 1; p-- > lowest;)
        if (r.le(p, 4) == kEocd) {
            eocd = p;
            break;
        }
    if (eocd == UINT64_MAX)
        throw bad("no end-of-central-directory record (truncated or not a zip archive)");
    uint64_t entries = r.le(eocd + 10, 2);
    uint64_t cdSize = r.le(eocd + 12, 4);
    uint64_t cdOffset = r.le(eocd + 16, 4);
    if (eocd >= 20 && r.le(eocd - 20, 4) == kLocator) {
        const uint64_t rec = r.le(eocd - 20 + 8, 8);
        if (r.le(rec, 4) != kEocd64)
            throw bad("zip64 locator points at " + std::to_string(rec) + ", where there is no zip64 directory record");
        entries = r.le(rec + 32, 8);
        cdSize = r.le(rec + 40, 8);
        cdOffset = r.le(rec + 48, 8);
        m_zip64 = true;
    }
    if (cdOffset > data.size() || cdSize > data.size() - cdOffset)
        throw bad("central directory [" + std::to_string(cdOffset) + ", +" + std::to_string(cdSize) +
                  ") lies outside the file of " + std::to_string(data.size()) + " bytes (truncated or lying header)");
    if (entries > limits.maxEntries || entries > cdSize / 46 + 1)
        throw bad("central directory claims " + std::to_string(entries) + " entries in " + std::to_string(cdSize) +
                  " bytes");
    uint64_t inflatedTotal = 0;
    uint64_t p = cdOffset;
    struct Span
    {
        uint64_t begin, end;
        std::string name;
    };
    std::vector<Span> spans;
    for (uint64_t i = 0; i < entries; ++i) {
        if (p + 46 > cdOffset + cdSize || r.le(p, 4) != kCentral)
            throw bad("central directory entry " + std::to_string(i) + " is malformed");
        const uint64_t flags = r.le(p + 8, 2), method = r.le(p + 10, 2);
        uint64_t csize = r.le(p + 20, 4), usize = r.le(p + 24, 4);
        const uint64_t nameLen = r.le(p + 28, 2), extraLen = r.le(p + 30, 2), commentLen = r.le(p + 32, 2);
        uint64_t local = r.le(p + 42, 4);
        const uint64_t nameAt = p + 46;
        if (nameAt + nameLen + extraLen + commentLen > cdOffset + cdSize)
            throw bad("central directory entry " + std::to_string(i) + " runs past the directory");
        std::string name(reinterpret_cast<const char *>(data.data() + nameAt), nameLen);
        // zip64 extended information: present fields follow the order usize, csize, offset.
        for (uint64_t e = nameAt + nameLen; e + 4 <= nameAt + nameLen + extraLen;) {
            const uint64_t id = r.le(e, 2), len = r.le(e + 2, 2);
            if (e + 4 + len > nameAt + nameLen + extraLen)
                throw bad("extra field of '" + name + "' runs past its entry");
            if (id == 0x0001) {
                uint64_t q = e + 4;
                auto take = [&](uint64_t &field) {
                    if (field != 0xffffffffu)
                        return;
                    if (q + 8 > e + 4 + len)
                        throw bad("zip64 field of '" + name + "' is too short");
                    field = r.le(q, 8);
                    q += 8;
                };
                take(usize);
                take(csize);
                take(local);
                m_zip64 = true;
            }
            e += 4 + len;
        }
        if (flags & 1)
            throw bad("record '" + name + "' is encrypted");
        if (r.le(local, 4) != kLocal)
            throw bad("record '" + name + "' points at offset " + std::to_string(local) +
                      ", where there is no local header (lying central directory)");
        // The local header must name the same record: a directory pointing a name at another record's header
        // makes two names share (or straddle) bytes.
        if (r.le(local + 26, 2) != nameLen || local + 30 + nameLen > data.size() ||
            std::memcmp(data.data() + local + 30, data.data() + nameAt, nameLen) != 0)
            throw bad("record '" + name + "' points at the local header of another record (lying central directory)");
        const uint64_t dataAt = local + 30 + r.le(local + 26, 2) + r.le(local + 28, 2);
        if (dataAt > data.size() || csize > data.size() - dataAt)
            throw bad("record '" + name + "' claims " + std::to_string(csize) + " bytes at offset " +
                      std::to_string(dataAt) + " but the file has " + std::to_string(data.size()) +
                      " (truncated or lying header)");
        spans.push_back({local, dataAt + csize, name});
        const auto raw = data.subspan(dataAt, csize);
        if (method == 0) {
            if (csize != usize)
                throw bad("stored record '" + name + "' has different compressed and uncompressed sizes");
            m_entries[name] = raw;
        } else if (method == 8) {
            // Refused before anything is allocated or inflated: the sizes come from the header.
            if (usize > 1032 * csize + 1024)
                throw bad("record '" + name + "' claims to inflate to " + std::to_string(usize) + " bytes from " +
                          std::to_string(csize) + ", more than deflate's maximum ratio of 1032 (lying header)");
            const std::string others =
                inflatedTotal ? " after " + std::to_string(inflatedTotal) + " inflated by other records" : "";
            if (usize > limits.maxInflated - inflatedTotal)
                throw bad("record '" + name + "' claims to inflate to " + std::to_string(usize) + " bytes" + others +
                          ", over the limit of " + std::to_string(limits.maxInflated) +
                          " bytes for compressed records in this file (zip bomb or lying header)");
            inflatedTotal += usize;
            std::unique_ptr<std::byte[]> buf(new std::byte[std::max<uint64_t>(usize, 1)]);
            z_stream zs{};
            if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
                throw bad("zlib initialisation failed");
            zs.next_in = reinterpret_cast<Bytef *>(const_cast<std::byte *>(raw.data()));
            zs.avail_in = static_cast<uInt>(std::min<uint64_t>(csize, UINT32_MAX));
            zs.next_out = reinterpret_cast<Bytef *>(buf.get());
            zs.avail_out = static_cast<uInt>(std::min<uint64_t>(usize, UINT32_MAX));
            const int rc = inflate(&zs, Z_FINISH);
            const uint64_t out = zs.total_out;
            inflateEnd(&zs);
            if (rc != Z_STREAM_END || out != usize)
                throw bad("record '" + name + "' does not inflate to its declared " + std::to_string(usize) + " bytes");
            m_entries[name] = std::span<const std::byte>(buf.get(), usize);
            m_inflated.push_back(std::move(buf));
        } else
            throw bad("record '" + name + "' uses unsupported compression method " + std::to_string(method));
        p = nameAt + nameLen + extraLen + commentLen;
    }
    // Records (local header + data) must not overlap: a size that reaches into the next record is a lie.
    std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < spans.size(); ++i)
        if (spans[i].begin < spans[i - 1].end)
            throw bad("records '" + spans[i - 1].name + "' and '" + spans[i].name +
                      "' overlap (lying sizes or offsets)");
}

} // namespace ql
