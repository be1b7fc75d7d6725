#include "session/export.h"

#include "artifacts/tensorwriters.h"
#include "base/errors.h"
#include "quantization/dequantize.h"
#include "session/session.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace ql {

namespace {

/// A tensor the quantizer leaves alone, copied element by element (strides, storage offset, byte order resolved).
OwnedTensor rawCopy(const TensorData &t)
{
    OwnedTensor o;
    o.name = t.name;
    o.dtype = t.dtype;
    o.shape = t.shape;
    const std::size_t es = dtypeSize(t.dtype);
    const int64_t n = t.numel();
    o.bytes.resize(std::size_t(n) * es);
    std::vector<int64_t> idx(t.shape.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
        int64_t off = t.storageOffset;
        for (std::size_t d = 0; d < idx.size(); ++d)
            off += idx[d] * t.strides[d];
        const std::byte *src = t.storage.data() + off * int64_t(es);
        std::byte *dst = o.bytes.data() + std::size_t(i) * es;
        for (std::size_t b = 0; b < es; ++b)
            dst[b] = src[t.bigEndian ? es - 1 - b : b];
        for (std::size_t d = idx.size(); d-- > 0;) {
            if (++idx[d] < t.shape[d])
                break;
            idx[d] = 0;
        }
    }
    return o;
}

} // namespace

ExportSummary exportDequantized(const Session &session, const std::filesystem::path &out)
{
    if (!session.hasWeights())
        throw Error(ErrorKind::Usage, "export-dequantized needs a checkpoint (an output folder has no structure to keep)",
                    session.path.string());
    std::string ext = out.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    ExportSummary sum;
    sum.path = out;
    if (ext == ".pt" || ext == ".pth")
        sum.format = "pt";
    else if (ext == ".safetensors")
        sum.format = "safetensors";
    else
        throw Error(ErrorKind::Usage, "the output must end in .pt, .pth or .safetensors", out.string());

    const Checkpoint &ck = *session.checkpoint;
    std::map<std::string, DequantizedTensor> deq;
    for (auto &d : dequantizeAll(session))
        deq.emplace(d.name, std::move(d));
    std::vector<OwnedTensor> tensors;
    for (const auto &t : ck.tensors) {
        if (auto it = deq.find(t.name); it != deq.end()) {
            tensors.push_back(OwnedTensor::fromFloats(t.name, t.shape, it->second.values));
            ++sum.dequantized;
        } else {
            tensors.push_back(rawCopy(t));
            ++sum.kept;
        }
    }

    if (sum.format == "safetensors") {
        std::map<std::string, std::string> meta;
        for (const auto &[k, v] : ck.extra.items())
            meta[k] = v.dump();
        if (!ck.encodingConfig.is_null())
            meta["encoding_config"] = ck.encodingConfig.dump();
        if (!ck.contextLen.is_null())
            meta["context_len"] = ck.contextLen.dump();
        writeSafetensors(out, tensors, meta);
        return sum;
    }

    PtDocument doc;
    doc.stateDictKey = ck.stateDictKey;
    doc.stateDict = std::move(tensors);
    if (ck.format == CheckpointFormat::Safetensors) {
        // A safetensors checkpoint has no top level to keep: the state dict with its configuration beside it.
        doc.stateDictKey = "model_state_dict";
        doc.entries.push_back({"model_state_dict", nullptr});
        for (const auto &[k, v] : ck.extra.items())
            doc.entries.push_back({k, v});
        if (!ck.encodingConfig.is_null())
            doc.entries.push_back({"encoding_config", ck.encodingConfig});
        if (!ck.contextLen.is_null())
            doc.entries.push_back({"context_len", ck.contextLen});
    } else if (!doc.stateDictKey.empty()) {
        for (const auto &k : ck.topLevelKeys) {
            if (k == ck.stateDictKey)
                doc.entries.push_back({k, nullptr});
            else if (ck.extra.contains(k))
                doc.entries.push_back({k, ck.extra[k]});
            else if (k == "encoding_config" && !ck.encodingConfig.is_null())
                doc.entries.push_back({k, ck.encodingConfig});
            else if (k == "context_len" && !ck.contextLen.is_null())
                doc.entries.push_back({k, ck.contextLen});
            else if (k == "config" && !ck.topLevelKeys.empty() &&
                     std::find(ck.topLevelKeys.begin(), ck.topLevelKeys.end(), "encoding_config") ==
                         ck.topLevelKeys.end() &&
                     ck.encodingConfig.is_object()) {
                // The reader moved the legacy config's context_len out of it; put it back where it was.
                Json c = ck.encodingConfig;
                if (!ck.contextLen.is_null() &&
                    std::find(ck.topLevelKeys.begin(), ck.topLevelKeys.end(), "context_len") == ck.topLevelKeys.end())
                    c["context_len"] = ck.contextLen;
                doc.entries.push_back({k, c});
            } else {
                sum.dropped.push_back(k);
            }
        }
    }
    writeTorchZip(out, doc);
    return sum;
}

} // namespace ql
