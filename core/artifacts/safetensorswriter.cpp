#include "artifacts/atomicfile.h"
#include "artifacts/tensorwriters.h"
#include "base/errors.h"

#include <cstring>
#include <set>

namespace ql {

OwnedTensor OwnedTensor::fromFloats(std::string name, std::vector<int64_t> shape, const std::vector<float> &values)
{
    OwnedTensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    t.bytes.resize(values.size() * sizeof(float));
    if (!t.bytes.empty()) // memcpy from an empty vector's null data() is undefined
        std::memcpy(t.bytes.data(), values.data(), t.bytes.size()); // the build targets are little endian
    return t;
}

void writeSafetensors(const std::filesystem::path &path, const std::vector<OwnedTensor> &tensors,
                      const std::map<std::string, std::string> &metadata)
{
    Json header = Json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    uint64_t offset = 0;
    std::set<std::string> seen;
    for (const auto &t : tensors) {
        if (t.name == "__metadata__" || !seen.insert(t.name).second)
            throw Error(ErrorKind::Internal, "tensor name '" + t.name + "' cannot be written twice or as metadata",
                        path.string());
        if (t.bytes.size() != uint64_t(t.numel()) * dtypeSize(t.dtype))
            throw Error(ErrorKind::Internal, "tensor byte count does not match its shape", path.string(), t.name);
        header[t.name] = {{"dtype", dtypeSafetensorsName(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' '); // the format lets the header be padded with spaces
    unsigned char len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));
    AtomicFile f(path);
    f.write(len, 8);
    f.write(text.data(), text.size());
    for (const auto &t : tensors)
        f.write(t.bytes.data(), t.bytes.size());
    f.finish();
    f.commit();
}

} // namespace ql
