#include "session/compare.h"

#include "base/enumnames.h"
#include "base/errors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql {

constexpr EnumName<TensorStatus> kStatusNames[] = {
    {TensorStatus::Same, "same"}, {TensorStatus::Changed, "changed"}, {TensorStatus::Reshaped, "reshaped"},
    {TensorStatus::Added, "added"}, {TensorStatus::Removed, "removed"}};
static_assert(namesEveryEnumerator(kStatusNames));
const char *statusName(TensorStatus s) { return enumName(kStatusNames, s, "?"); }

const TensorDelta *CompareResult::find(const std::string &name) const
{
    auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                               [](const TensorDelta &d, const std::string &n) { return d.name < n; });
    return it != tensors.end() && it->name == name ? &*it : nullptr;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Elements read per block from each side: 256 KiB of floats, so two sides stay in L2 and RSS stays flat.
constexpr int64_t kBlock = 64 * 1024;

/// Sums over the FP32 difference of one tensor pair.
struct Fp32Delta
{
    double sumA2 = 0, sumD2 = 0, maxAbs = 0;
    bool differs = false;
};

void releaseRange(const Checkpoint &ck, const TensorData &t, int64_t begin, int64_t count)
{
    if (!ck.file || !t.isContiguous())
        return;
    const std::byte *p = t.firstByte() + begin * int64_t(dtypeSize(t.dtype));
    const auto len = std::size_t(count) * dtypeSize(t.dtype);
    const std::byte *lo = ck.file->data(), *hi = lo + ck.file->size();
    if (p >= lo && p + len <= hi)
        ck.file->release(p, len);
}

class Fp32Reader
{
public:
    Fp32Reader(const Session &a, const Session &b, const CompareOptions &o, uint64_t total)
        : m_a(a)
        , m_b(b)
        , m_opt(o)
        , m_total(total)
        , m_bufA(std::size_t(kBlock))
        , m_bufB(std::size_t(kBlock))
    {
    }

    Fp32Delta run(const TensorData &ta, const TensorData &tb)
    {
        Fp32Delta d;
        const int64_t n = ta.numel();
        for (int64_t begin = 0; begin < n; begin += kBlock) {
            const int64_t count = std::min(kBlock, n - begin);
            readAsFloat(ta, begin, count, m_bufA.data());
            readAsFloat(tb, begin, count, m_bufB.data());
            for (int64_t i = 0; i < count; ++i) {
                const double x = m_bufA[std::size_t(i)], y = m_bufB[std::size_t(i)];
                const double diff = y - x;
                d.sumA2 += x * x;
                d.sumD2 += diff * diff;
                d.maxAbs = std::max(d.maxAbs, std::fabs(diff));
            }
            if (!d.differs)
                d.differs = std::memcmp(m_bufA.data(), m_bufB.data(), std::size_t(count) * sizeof(float)) != 0;
            if (m_opt.releasePages) {
                releaseRange(*m_a.checkpoint, ta, begin, count);
                releaseRange(*m_b.checkpoint, tb, begin, count);
            }
            m_done += uint64_t(count);
            if (m_opt.progress && !m_opt.progress(m_done, m_total))
                throw Error(ErrorKind::Cancelled, "comparison cancelled");
        }
        // A fault maps a whole large folio of the page cache, neighbouring records (optimizer state) included, which
        // the block releases above do not cover: drop every mapped page of both files once per tensor (measured on
        // the seed-sized pair: 23 MB of file pages resident at the end without this, 6 MB with it; peak RSS 35 -> 23 MB).
        if (m_opt.releasePages)
            for (const Session *s : {&m_a, &m_b})
                if (s->checkpoint->file)
                    s->checkpoint->file->release(s->checkpoint->file->data(), s->checkpoint->file->size());
        return d;
    }

private:
    const Session &m_a, &m_b;
    const CompareOptions &m_opt;
    uint64_t m_total, m_done = 0;
    std::vector<float> m_bufA, m_bufB;
};

uint64_t countDiffering(const int8_t *a, const int8_t *b, uint64_t n)
{
    uint64_t changed = 0;
    for (uint64_t off = 0; off < n; off += kUploadChunk) {
        const uint64_t len = std::min(kUploadChunk, n - off);
        if (std::memcmp(a + off, b + off, len) == 0)
            continue;
        for (uint64_t i = off; i < off + len; ++i)
            changed += a[i] != b[i];
    }
    return changed;
}

/// Largest relative row-scale change; 0 when identical.
double scaleDrift(const QuantizedTensor &qa, const QuantizedTensor &qb)
{
    double worst = 0;
    if (qa.strategy.layout == ScaleLayout::PerTensor && qb.strategy.layout == ScaleLayout::PerTensor) {
        // The per-tensor scale is a float64 in the manifest: compare it as such.
        if (qa.scale != qb.scale)
            worst = qa.scale > 0 ? std::fabs(qb.scale - qa.scale) / qa.scale : kInf;
        return worst;
    }
    for (int64_t r = 0; r < qa.rows; ++r) {
        const double sa = qa.rowScale(r), sb = qb.rowScale(r);
        if (sa == sb)
            continue;
        worst = std::max(worst, sa > 0 ? std::fabs(sb - sa) / sa : kInf);
    }
    return worst;
}

bool sameShape(const QuantizedTensor &a, const QuantizedTensor &b)
{
    return a.shape == b.shape && a.rows == b.rows && a.cols == b.cols && a.size == b.size;
}

/// A tensor only one side holds: Removed (only in A) or Added (only in B), with that side's SNR.
TensorDelta oneSidedDelta(const QuantizedTensor &t, TensorStatus status)
{
    const bool inA = status == TensorStatus::Removed;
    TensorDelta d;
    d.name = t.name;
    d.status = status;
    (inA ? d.a : d.b) = &t;
    (inA ? d.snrA : d.snrB) = t.stats.snrDb();
    return d;
}

TensorDelta pairDelta(const QuantizedTensor &qa, const QuantizedTensor &qb, const Session &a, const Session &b,
                      Fp32Reader &reader)
{
    TensorDelta d;
    d.name = qa.name;
    d.a = &qa;
    d.b = &qb;
    d.snrA = qa.stats.snrDb();
    d.snrB = qb.stats.snrDb();
    if (d.snrA && d.snrB)
        d.snrDelta = *d.snrB - *d.snrA;
    d.strategyChanged = !(qa.strategy == qb.strategy);
    d.moved = qa.offset != qb.offset;
    if (!sameShape(qa, qb)) {
        d.status = TensorStatus::Reshaped;
        return d;
    }
    bool differs = d.strategyChanged;
    const int8_t *ca = a.result->codes(qa).data(), *cb = b.result->codes(qb).data();
    if (qa.size == 0 || (ca && cb)) {
        d.int8BytesChanged = qa.size ? countDiffering(ca, cb, qa.size) : 0;
        differs = differs || *d.int8BytesChanged != 0;
    }
    d.scaleMaxRelChange = scaleDrift(qa, qb);
    differs = differs || *d.scaleMaxRelChange != 0;
    if (a.hasWeights() && b.hasWeights()) {
        const TensorData *ta = a.checkpoint->find(qa.name), *tb = b.checkpoint->find(qb.name);
        if (ta && tb) {
            const Fp32Delta f = reader.run(*ta, *tb);
            d.maxAbsChange = f.maxAbs;
            d.relL2Change = f.sumA2 > 0 ? std::sqrt(f.sumD2 / f.sumA2) : (f.sumD2 > 0 ? kInf : 0.0);
            differs = differs || f.differs;
        }
    }
    d.status = differs ? TensorStatus::Changed : TensorStatus::Same;
    return d;
}

uint64_t fp32Work(const Session &a, const Session &b)
{
    if (!a.hasWeights() || !b.hasWeights())
        return 0;
    uint64_t total = 0;
    for (const auto &qa : a.result->tensors)
        if (const auto *qb = b.result->find(qa.name); qb && sameShape(qa, *qb))
            total += qa.size;
    return total;
}

/// The summary's count of each status, in TensorStatus order.
constexpr int CompareSummary::*kStatusCounts[] = {&CompareSummary::same, &CompareSummary::changed,
                                                  &CompareSummary::reshaped, &CompareSummary::added,
                                                  &CompareSummary::removed};
static_assert(std::size(kStatusCounts) == std::size_t(TensorStatus::Last) + 1);

void summarize(CompareResult &r)
{
    CompareSummary &s = r.summary;
    std::vector<std::pair<double, const TensorDelta *>> ranked;
    for (const auto &d : r.tensors) {
        ++(s.*kStatusCounts[std::size_t(d.status)]);
        if (d.status != TensorStatus::Changed)
            continue;
        double key = 0;
        if (d.relL2Change)
            key = *d.relL2Change;
        else if (d.int8BytesChanged && d.a->size)
            key = double(*d.int8BytesChanged) / double(d.a->size);
        ranked.emplace_back(key, &d);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &x, const auto &y) { return x.first > y.first; });
    for (std::size_t i = 0; i < ranked.size() && i < 5; ++i)
        s.largestChanges.push_back(ranked[i].second->name);

    uint64_t patch = 0;
    bool patchable = true;
    for (const auto &sh : r.shards) {
        s.int8BytesChanged += sh.bytesChanged;
        s.chunksChanged += sh.chunksChanged;
        s.rentDeltaSol += sh.rentDeltaSol;
        if (sh.bytesChanged == 0 && !sh.resized)
            continue;
        s.recreateTransactions += sh.recreateTransactions;
        if (sh.patchTransactions)
            patch += *sh.patchTransactions;
        else if (sh.b)
            patchable = false;
    }
    if (patchable)
        s.patchTransactions = patch;
}

} // namespace

std::vector<ShardDelta> compareShards(const Int8Buffer &a, const std::vector<Shard> &sa, const Int8Buffer &b,
                                      const std::vector<Shard> &sb)
{
    // A chunk in one piece is read in place; one that straddles two tensors' pieces is copied out first.
    int8_t chunkA[kUploadChunk], chunkB[kUploadChunk];
    auto chunkOf = [](const Int8Buffer &buf, uint64_t offset, uint64_t len, int8_t *scratch) -> const int8_t * {
        if (const auto s = buf.span(offset, len); s.data())
            return s.data();
        buf.copyRange(offset, len, scratch);
        return scratch;
    };
    std::vector<ShardDelta> out;
    const std::size_t n = std::max(sa.size(), sb.size());
    for (std::size_t i = 0; i < n; ++i) {
        ShardDelta d;
        d.index = int(i);
        if (i < sa.size())
            d.a = sa[i];
        if (i < sb.size())
            d.b = sb[i];
        d.resized = !d.a || !d.b || d.a->offset != d.b->offset || d.a->size != d.b->size;
        d.rentDeltaSol = (d.b ? shardCost(d.b->size).rentSol : 0.0) - (d.a ? shardCost(d.a->size).rentSol : 0.0);
        if (d.b) {
            const uint64_t size = d.b->size;
            d.recreateTransactions = shardCost(size).transactions + 2; // create + chunks + finalize (SPEC §7)
            const uint64_t common = d.a ? std::min(d.a->size, size) : 0;
            for (uint64_t off = 0; off < size; off += kUploadChunk) {
                const uint64_t len = std::min(kUploadChunk, size - off);
                uint64_t changed = 0;
                if (off + len <= common) {
                    const int8_t *pa = chunkOf(a, d.a->offset + off, len, chunkA),
                                 *pb = chunkOf(b, d.b->offset + off, len, chunkB);
                    if (std::memcmp(pa, pb, len) != 0)
                        changed = countDiffering(pa, pb, len);
                } else {
                    for (uint64_t k = off; k < off + len; ++k)
                        changed += k >= common || a[d.a->offset + k] != b[d.b->offset + k];
                }
                if (!changed)
                    continue;
                d.bytesChanged += changed;
                ++d.chunksChanged;
                const uint64_t chunk = off / kUploadChunk;
                if (!d.chunkRanges.empty() && d.chunkRanges.back().last + 1 == chunk)
                    d.chunkRanges.back().last = chunk;
                else
                    d.chunkRanges.push_back({chunk, chunk});
            }
            if (d.a && d.a->size == size)
                d.patchTransactions = d.chunksChanged ? d.chunksChanged + 1 : 0; // the chunks + finalize
        } else {
            d.patchTransactions = 0; // a shard B no longer has: nothing to upload, the account can be closed
        }
        out.push_back(std::move(d));
    }
    return out;
}

CompareResult compare(const Session &a, const Session &b, const CompareOptions &options)
{
    if (!a.result || !b.result)
        throw Error(ErrorKind::Internal, "compare needs two opened sessions");
    const QuantizeResult &ra = *a.result, &rb = *b.result;
    for (const auto *r : {&ra, &rb})
        if (r->bytes.size() != r->totalBytes)
            throw Error(ErrorKind::Internal, "the session holds no INT8 buffer", r->sourcePath);
    CompareResult out;
    out.pathA = a.path.string();
    out.pathB = b.path.string();
    Fp32Reader reader(a, b, options, fp32Work(a, b));

    // Both tensor lists are sorted by name: one merge walk matches them.
    auto ia = ra.tensors.begin(), ib = rb.tensors.begin();
    while (ia != ra.tensors.end() || ib != rb.tensors.end()) {
        if (ib == rb.tensors.end() || (ia != ra.tensors.end() && ia->name < ib->name)) {
            out.tensors.push_back(oneSidedDelta(*ia++, TensorStatus::Removed));
        } else if (ia == ra.tensors.end() || ib->name < ia->name) {
            out.tensors.push_back(oneSidedDelta(*ib++, TensorStatus::Added));
        } else {
            out.tensors.push_back(pairDelta(*ia++, *ib++, a, b, reader));
        }
    }
    for (const auto &d : out.tensors)
        out.tensorsMoved += d.moved;

    out.shards = compareShards(ra.bytes, ra.shards, rb.bytes, rb.shards);
    out.shardCountA = int(ra.shards.size());
    out.shardCountB = int(rb.shards.size());
    out.totalBytesA = ra.totalBytes;
    out.totalBytesB = rb.totalBytes;
    out.layoutChanged = out.shardCountA != out.shardCountB ||
                        std::any_of(out.shards.begin(), out.shards.end(), [](const auto &s) { return s.resized; });
    summarize(out);
    return out;
}

} // namespace ql
