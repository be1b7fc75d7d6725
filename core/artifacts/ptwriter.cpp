// The torch.save zip writer: a protocol-2 pickle that references nothing but what torch.load(weights_only=True)
// allows, and a stored (uncompressed) zip laid out as torch's own writer does it (records aligned to 64 bytes
// through a padding extra field, so that readers can map them in place).
#include "artifacts/atomicfile.h"
#include "artifacts/tensorwriters.h"
#include "base/errors.h"

#include <cmath>
#include <cstring>
#include <zlib.h>

namespace ql {

namespace {

/// Emits the pickle opcodes the document needs (no memo: nothing is shared).
class PickleWriter
{
public:
    std::string out;
    /// torch 1.13's weights_only unpickler has no BINFLOAT: floats then go out as 0-D float64 tensors.
    bool floatsAsTensors = true;
    std::vector<OwnedTensor> scalars; ///< their storages, written after the state dict's
    std::size_t nextKey = 0;

    void proto() { out += "\x80\x02"; }
    void stop() { out += '.'; }
    void mark() { out += '('; }
    void op(char c) { out += c; }
    void global(const char *module, const char *name)
    {
        out += 'c';
        out += module;
        out += '\n';
        out += name;
        out += '\n';
    }
    void str(const std::string &s)
    {
        out += 'X';
        le(uint32_t(s.size()), 4);
        out += s;
    }
    void integer(int64_t v)
    {
        if (v >= INT32_MIN && v <= INT32_MAX) {
            out += 'J';
            le(uint64_t(uint32_t(int32_t(v))), 4);
            return;
        }
        out += '\x8a'; // LONG1: little-endian two's complement
        out += char(8);
        le(uint64_t(v), 8);
    }
    void unsignedInteger(uint64_t v)
    {
        if (v <= uint64_t(INT64_MAX))
            return integer(int64_t(v));
        out += '\x8a';
        out += char(9); // a ninth, zero byte keeps it positive
        le(v, 8);
        out += '\0';
    }
    void real(double v)
    {
        out += 'G';
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        for (int i = 7; i >= 0; --i)
            out += char((bits >> (8 * i)) & 0xff);
    }
    void json(const Json &j)
    {
        switch (j.type()) {
        case Json::value_t::null:
            op('N');
            break;
        case Json::value_t::boolean:
            op(j.get<bool>() ? '\x88' : '\x89');
            break;
        case Json::value_t::number_integer:
            integer(j.get<int64_t>());
            break;
        case Json::value_t::number_unsigned:
            unsignedInteger(j.get<uint64_t>());
            break;
        case Json::value_t::number_float:
            if (floatsAsTensors)
                scalarTensor(j.get<double>());
            else
                real(j.get<double>());
            break;
        case Json::value_t::string:
            str(j.get<std::string>());
            break;
        case Json::value_t::array:
            op(']');
            if (!j.empty()) {
                mark();
                for (const auto &v : j)
                    json(v);
                op('e');
            }
            break;
        case Json::value_t::object:
            op('}');
            if (!j.empty()) {
                mark();
                for (const auto &[k, v] : j.items()) {
                    str(k);
                    json(v);
                }
                op('u');
            }
            break;
        default:
            op('N');
        }
    }
    void intTuple(const std::vector<int64_t> &v)
    {
        mark();
        for (auto x : v)
            integer(x);
        op('t');
    }
    void emptyOrderedDict()
    {
        global("collections", "OrderedDict");
        op(')');
        op('R');
    }
    /// torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()) of a contiguous tensor.
    void tensor(const OwnedTensor &t, const std::string &key)
    {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark(); // persistent id ('storage', StorageClass, key, 'cpu', numel)
        str("storage");
        global("torch", dtypeStorageClass(t.dtype));
        str(key);
        str("cpu");
        integer(t.numel());
        op('t');
        op('Q'); // BINPERSID
        integer(0);
        intTuple(t.shape);
        std::vector<int64_t> strides(t.shape.size(), 1);
        for (std::size_t i = t.shape.size(); i-- > 1;)
            strides[i - 1] = strides[i] * t.shape[i];
        intTuple(strides);
        op('\x89');
        emptyOrderedDict();
        op('t');
        op('R');
    }

    void scalarTensor(double v)
    {
        OwnedTensor t;
        t.name = "scalar";
        t.dtype = DType::Float64;
        t.bytes.resize(8);
        std::memcpy(t.bytes.data(), &v, 8);
        tensor(t, std::to_string(nextKey++));
        scalars.push_back(std::move(t));
    }

private:
    void le(uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
            out += char((v >> (8 * i)) & 0xff);
    }
};

/// A stored zip, written record by record.
class ZipWriter
{
public:
    explicit ZipWriter(AtomicFile &f, std::string file)
        : m_file(f)
        , m_path(std::move(file))
    {
    }
    void add(const std::string &name, const void *data, std::size_t size)
    {
        if (size > 0xffffffffull || m_offset > 0xffffffffull)
            throw outputError("record '" + name + "' lies beyond 4 GiB, which this writer does not support (zip64)",
                              m_path);
        const uint32_t crc = uint32_t(crc32_z(crc32(0, nullptr, 0), static_cast<const Bytef *>(data), size));
        const std::size_t fixed = 30 + name.size();
        // torch aligns record data to 64 bytes with an extra field ("FB" + length + padding).
        std::size_t pad = (64 - (m_offset + fixed + 4) % 64) % 64;
        std::string h;
        put(h, 0x04034b50, 4);
        put(h, 20, 2); // version needed
        put(h, 0, 2);  // flags
        put(h, 0, 2);  // stored
        put(h, 0, 2);  // time
        put(h, 0x21, 2); // 1980-01-01
        put(h, crc, 4);
        put(h, size, 4);
        put(h, size, 4);
        put(h, name.size(), 2);
        put(h, pad + 4, 2);
        h += name;
        put(h, 0x4246, 2); // "FB"
        put(h, pad, 2);
        h.append(pad, 'Z');
        m_entries.push_back({name, crc, uint32_t(size), uint32_t(m_offset)});
        m_file.write(h.data(), h.size());
        m_file.write(data, size);
        m_offset += h.size() + size;
    }
    void finish()
    {
        std::string cd;
        for (const auto &e : m_entries) {
            put(cd, 0x02014b50, 4);
            put(cd, 20, 2); // made by
            put(cd, 20, 2); // needed
            put(cd, 0, 2);
            put(cd, 0, 2);
            put(cd, 0, 2);
            put(cd, 0x21, 2);
            put(cd, e.crc, 4);
            put(cd, e.size, 4);
            put(cd, e.size, 4);
            put(cd, e.name.size(), 2);
            put(cd, 0, 2); // extra
            put(cd, 0, 2); // comment
            put(cd, 0, 2); // disk
            put(cd, 0, 2); // internal attributes
            put(cd, 0, 4); // external attributes
            put(cd, e.offset, 4);
            cd += e.name;
        }
        if (m_entries.size() > 0xffff || m_offset + cd.size() > 0xffffffffull)
            throw outputError("too many records or too large for a zip without zip64", m_path);
        const std::size_t dirSize = cd.size();
        put(cd, 0x06054b50, 4);
        put(cd, 0, 2);
        put(cd, 0, 2);
        put(cd, m_entries.size(), 2);
        put(cd, m_entries.size(), 2);
        put(cd, dirSize, 4);
        put(cd, m_offset, 4);
        put(cd, 0, 2);
        m_file.write(cd.data(), cd.size());
    }

private:
    struct Entry
    {
        std::string name;
        uint32_t crc, size, offset;
    };
    static void put(std::string &s, uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
            s += char((v >> (8 * i)) & 0xff);
    }
    AtomicFile &m_file;
    std::string m_path;
    uint64_t m_offset = 0;
    std::vector<Entry> m_entries;
};

} // namespace

void writeTorchZip(const std::filesystem::path &path, const PtDocument &doc)
{
    PickleWriter p;
    p.proto();
    p.nextKey = doc.stateDict.size(); // the state dict's storages are 0..n-1
    std::size_t key = 0;
    auto stateDict = [&] {
        p.emptyOrderedDict();
        if (doc.stateDict.empty())
            return;
        p.mark();
        for (const auto &t : doc.stateDict) {
            if (t.bytes.size() != uint64_t(t.numel()) * dtypeSize(t.dtype))
                throw Error(ErrorKind::Internal, "tensor byte count does not match its shape", path.string(), t.name);
            p.str(t.name);
            p.tensor(t, std::to_string(key++));
        }
        p.op('u');
    };
    if (doc.stateDictKey.empty()) {
        stateDict();
    } else {
        p.op('}');
        p.mark();
        bool placed = false;
        for (const auto &[k, v] : doc.entries) {
            p.str(k);
            if (k == doc.stateDictKey) {
                stateDict();
                placed = true;
            } else {
                p.json(v);
            }
        }
        if (!placed) {
            p.str(doc.stateDictKey);
            stateDict();
        }
        p.op('u');
    }
    p.stop();

    // torch 1.13 names the folder after the file's stem, later versions "archive"; readers take any name.
    const std::string folder = "archive";
    AtomicFile f(path);
    ZipWriter zip(f, path.string());
    zip.add(folder + "/data.pkl", p.out.data(), p.out.size());
    for (std::size_t i = 0; i < doc.stateDict.size(); ++i)
        zip.add(folder + "/data/" + std::to_string(i), doc.stateDict[i].bytes.data(), doc.stateDict[i].bytes.size());
    for (std::size_t i = 0; i < p.scalars.size(); ++i)
        zip.add(folder + "/data/" + std::to_string(doc.stateDict.size() + i), p.scalars[i].bytes.data(), 8);
    zip.add(folder + "/version", "3\n", 2);
    zip.finish();
    f.finish();
    f.commit();
}

} // namespace ql
