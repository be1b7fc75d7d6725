#include "artifacts/verify.h"

#include "artifacts/luts.h"
#include "artifacts/manifest.h"
#include "base/errors.h"
#include "base/utf8.h"
#include "readers/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace ql {

namespace {
/// A line of text quoted in a message: at most 80 bytes, cut on a UTF-8 boundary.
std::string quoteLine(const std::string &s) { return clipUtf8(s, 80); }

std::string hexByte(int8_t b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", unsigned(uint8_t(b)));
    return buf;
}

void checkLuts(const fs::path &dir, VerifyReport &rep)
{
    std::error_code ec;
    const bool json = fs::exists(dir / "luts.json", ec), bin = fs::exists(dir / "luts.bin", ec);
    if (!json && !bin)
        return;
    rep.lutsChecked = true;
    if (!json) {
        rep.problems.push_back({ProblemKind::Luts, (dir / "luts.bin").string(), "luts.bin without luts.json"});
        return;
    }
    try {
        bool matches = false;
        readLutScales(dir, &matches);
        if (!matches)
            rep.problems.push_back({ProblemKind::Luts, (dir / "luts.bin").string(),
                                    "is not the 1024-byte table luts.json's scales generate (missing, resized or "
                                    "edited)"});
    } catch (const Error &e) {
        rep.problems.push_back({ProblemKind::Luts, e.file(), e.detail()});
    }
}

/// The re-derived result against the folder: bytes per tensor, then the manifest's text.
void compareDerived(const QuantizeResult &want, const ArtifactFolder &folder, VerifyReport &rep)
{
    const std::string bfile = folder.binPath().string(), mfile = folder.manifestPath().string();
    std::set<std::string> have;
    for (const auto &t : folder.result.tensors)
        have.insert(t.name);
    for (const auto &t : want.tensors)
        if (!have.erase(t.name))
            rep.problems.push_back({ProblemKind::Mismatch, mfile, "is in the checkpoint but not in the folder",
                                    t.name, shardOf(want.shards, t.offset), t.offset});
    for (const auto &name : have)
        rep.problems.push_back({ProblemKind::Mismatch, mfile, "is in the folder but not in the checkpoint", name});
    if (want.totalBytes != folder.result.totalBytes)
        rep.problems.push_back({ProblemKind::Mismatch, bfile,
                                "the checkpoint re-derives to " + std::to_string(want.totalBytes) +
                                    " bytes, the folder states " + std::to_string(folder.result.totalBytes)});
    else if (folder.bin || want.totalBytes == 0) {
        const auto *got = reinterpret_cast<const int8_t *>(folder.bin ? folder.bin->data() : nullptr);
        for (const auto &t : want.tensors) {
            const int8_t *derived = want.codes(t).data();
            uint64_t diff = 0, first = 0;
            for (uint64_t k = 0; k < t.size; ++k)
                if (got[t.offset + k] != derived[k] && diff++ == 0)
                    first = k;
            const uint64_t at = t.offset + first;
            if (diff)
                rep.problems.push_back({ProblemKind::Mismatch, bfile,
                                        std::to_string(diff) + " of its " + std::to_string(t.size) +
                                            " bytes differ from the re-derivation (first at offset " +
                                            std::to_string(at) + ": folder " + hexByte(got[at]) + ", checkpoint " +
                                            hexByte(derived[first]) + ")",
                                        t.name, shardOf(want.shards, at), at});
        }
    }
    const std::string text = buildManifest(want).dump(2) + "\n";
    if (text == folder.manifestText)
        return;
    std::size_t at = 0, line = 1;
    while (at < text.size() && at < folder.manifestText.size() && text[at] == folder.manifestText[at]) {
        line += text[at] == '\n';
        ++at;
    }
    auto lineAt = [&](const std::string &s) {
        const std::size_t b = s.rfind('\n', at == 0 ? 0 : at - 1);
        const std::size_t start = b == std::string::npos || at == 0 ? 0 : b + 1;
        const std::size_t e = s.find('\n', start);
        return quoteLine(s.substr(start, e == std::string::npos ? std::string::npos : e - start));
    };
    rep.problems.push_back({ProblemKind::Mismatch, mfile,
                            "differs from the re-derived manifest at line " + std::to_string(line) + ": folder '" +
                                lineAt(folder.manifestText) + "', re-derived '" + lineAt(text) + "'"});
}
} // namespace

VerifyReport verifyArtifacts(const fs::path &dir, const VerifyOptions &opt)
{
    VerifyReport rep;
    rep.dir = dir;
    std::optional<ArtifactFolder> folder = readArtifactFolder(dir, &rep.problems, true);
    if (!folder)
        return rep;
    rep.read = true;
    const QuantizeResult &r = folder->result;
    rep.totalBytes = r.totalBytes;
    rep.numTensors = r.tensors.size();
    rep.numShards = r.shards.size();
    rep.hashesChecked = folder->hasShardHashes && (folder->bin || r.totalBytes == 0);
    if (!folder->hasShardHashes && !r.shards.empty())
        rep.notes.push_back("the manifest states no SHA-256 for some shards (seed output has none): their bytes are "
                            "checked for size only");
    else if (!rep.hashesChecked && !r.shards.empty())
        rep.notes.push_back("the bin could not be read: shard hashes not checked");
    checkLuts(dir, rep);
    if (opt.checkpoint.empty())
        return rep;
    std::error_code ec;
    if (fs::is_directory(opt.checkpoint, ec))
        throw Error(ErrorKind::Usage, "--checkpoint must be a checkpoint file, not a folder", opt.checkpoint.string());
    // The quantize step itself, in memory (what openSession does for a checkpoint; artifacts/ does not depend on
    // session/, which builds on it).
    const Checkpoint ck = loadCheckpoint(opt.checkpoint);
    QuantizeOptions q;
    q.overrides = opt.overrides.value_or(r.overrides);
    q.rowStats = false;
    q.threads = opt.threads;
    q.progress = opt.progress;
    const QuantizeResult derived = quantize(ck, q);
    rep.checkpointCompared = true;
    compareDerived(derived, *folder, rep);
    return rep;
}

Json verifyReportJson(const VerifyReport &rep)
{
    Json problems = Json::array();
    for (const auto &p : rep.problems)
        problems.push_back({{"kind", problemKindName(p.kind)},
                            {"file", toValidUtf8(p.file)},
                            {"message", toValidUtf8(p.message)},
                            {"tensor", p.tensor.empty() ? Json(nullptr) : Json(toValidUtf8(p.tensor))},
                            {"shard", p.shard >= 0 ? Json(p.shard) : Json(nullptr)},
                            {"offset", p.offset ? Json(*p.offset) : Json(nullptr)}});
    Json notes = Json::array();
    for (const auto &n : rep.notes)
        notes.push_back(toValidUtf8(n));
    // What was checked, then what was found.
    return {{"dir", toValidUtf8(rep.dir.string())}, {"ok", rep.ok()},
            {"total_weight_bytes", rep.totalBytes}, {"num_tensors", rep.numTensors}, {"num_shards", rep.numShards},
            {"hashes_checked", rep.hashesChecked}, {"luts_checked", rep.lutsChecked},
            {"checkpoint_compared", rep.checkpointCompared},
            {"notes", std::move(notes)}, {"problems", std::move(problems)}};
}

} // namespace ql
