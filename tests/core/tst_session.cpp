// The session's memory (issue 10): the baseline keeps the seed's statistics, not its INT8 bytes, so a session holds
// one INT8 buffer whatever the edits, and a return to the seed strategies gives the seed's bytes again.
#include "../cli/goldencheck.h"

#include "artifacts/manifest.h"
#include "quantization/quantize.h"
#include "session/optimize.h"
#include "session/session.h"

#include <QtTest>
#include <algorithm>

namespace fs = std::filesystem;

namespace {
const fs::path kData = QL_TEST_DATA;

ql::Overrides overrides(const char *json) { return ql::Overrides::fromJson(ql::Json::parse(json), "overrides.json"); }

ql::Session open(const fs::path &p, const ql::Overrides &o = {})
{
    ql::OpenOptions opt;
    opt.baseline = true;
    opt.overrides = o;
    return ql::openSession(p, opt);
}

/// INT8 storage a session holds: its result and its baseline, shared pieces once.
uint64_t held(const ql::Session &s, const ql::QuantizeResult &current)
{
    return ql::Int8Buffer::storageOf({&current.bytes, s.baseline ? &s.baseline->bytes : nullptr});
}

std::string text(const ql::Int8Buffer &b)
{
    const auto v = b.flat();
    return std::string(v.begin(), v.end());
}
} // namespace

class TestSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void summariesAskForNoBaseline()
    {
        const ql::Session s = ql::openSession(QL_SAMPLE);
        QVERIFY(!s.baseline);
        QCOMPARE(held(s, *s.result), s.result->totalBytes);
    }

    void baselineKeepsStatisticsNotBytes_data()
    {
        QTest::addColumn<QString>("rules");
        QTest::newRow("no overrides") << QString();
        QTest::newRow("overrides") << QStringLiteral(R"({"format": "quantlens_overrides_v1", "overrides": [
            {"match": "layers.*.in_proj.weight", "strategy": "per_channel_mse"},
            {"match": "*_head.bias", "strategy": "per_tensor_percentile", "percentile": 99}]})");
    }

    void baselineKeepsStatisticsNotBytes()
    {
        QFETCH(QString, rules);
        const ql::Overrides o = rules.isEmpty() ? ql::Overrides{} : overrides(rules.toUtf8().constData());
        const ql::Session s = open(QL_SAMPLE, o);
        QVERIFY(s.baseline && s.result);
        QVERIFY(s.baseline != s.result);
        QVERIFY(s.baseline->bytes.empty());
        QCOMPARE(s.baseline->bytes.pieceCount(), std::size_t(0));
        QCOMPARE(s.result->bytes.size(), s.result->totalBytes);
        QCOMPARE(held(s, *s.result), s.result->totalBytes); // one INT8 buffer, the result's
        // Everything but the bytes is the seed's quantization: strategies, statistics, scales, offsets, shards.
        const ql::QuantizeResult seed = ql::quantize(*s.checkpoint, {});
        QCOMPARE(ql::buildManifest(*s.baseline).dump(), ql::buildManifest(seed.withoutBytes()).dump());
        QCOMPARE(s.baseline->tensors.size(), seed.tensors.size());
        for (std::size_t i = 0; i < seed.tensors.size(); ++i) {
            QCOMPARE(s.baseline->tensors[i].rowStats.size(), seed.tensors[i].rowStats.size());
            QCOMPARE(s.baseline->tensors[i].stats.noise, seed.tensors[i].stats.noise);
        }
        // The result is a fresh run under the overrides.
        ql::QuantizeOptions qo;
        qo.overrides = o;
        QVERIFY(s.result->bytes == ql::quantize(*s.checkpoint, qo).bytes);
    }

    /// What the GUI does (ui/document.cpp): each edit copies the current result and re-quantizes the copy. Through a
    /// one-tensor edit, Optimize (every tensor it gains on) and the undo of both, the session never holds more than
    /// one INT8 buffer once the previous snapshot is let go, and the way back gives the seed's bytes, byte for byte.
    void editsHoldOneBufferAndUndoGivesTheSeed()
    {
        const ql::Session s = open(QL_SAMPLE);
        const ql::Checkpoint &ck = *s.checkpoint;
        const uint64_t total = s.result->totalBytes;
        auto apply = [&](std::shared_ptr<const ql::QuantizeResult> from, const ql::Overrides &o) {
            auto next = std::make_shared<ql::QuantizeResult>(*from);
            ql::requantize(*next, ck, o);
            return std::shared_ptr<const ql::QuantizeResult>(std::move(next));
        };
        const auto &largest = *std::max_element(s.result->tensors.begin(), s.result->tensors.end(),
                                                [](const auto &a, const auto &b) { return a.size < b.size; });
        ql::Overrides edit;
        edit.rules.push_back({largest.name, *ql::Strategy::fromName("per_channel_mse")});
        auto r = apply(s.result, edit);
        QCOMPARE(held(s, *r), total);

        const ql::OptimizePlan plan = ql::optimize(ck, *r, edit);
        QVERIFY(plan.tensors.size() > 1);
        r = apply(r, plan.overrides);
        QCOMPARE(held(s, *r), total);
        QCOMPARE(held(s, *r), ql::Int8Buffer::storageOf({&r->bytes})); // the baseline adds nothing

        r = apply(r, edit); // undo Optimize
        QCOMPARE(held(s, *r), total);
        r = apply(r, {}); // undo the edit: back to the seed strategies
        QCOMPARE(held(s, *r), total);
        const ql::QuantizeResult fresh = ql::quantize(ck, {});
        QVERIFY(r->bytes == fresh.bytes);
        QCOMPARE(ql::buildManifest(*r).dump(), ql::buildManifest(fresh).dump());
        QCOMPARE(text(r->bytes), qltest::readFile(kData / "golden/mamba2-small/weights_int8.bin"));
        // The statistics the Before column shows are those the seed's bytes have again.
        for (std::size_t i = 0; i < r->tensors.size(); ++i)
            QCOMPARE(r->tensors[i].stats.noise, s.baseline->tensors[i].stats.noise);
    }

    void groupsByBudgetAndConvergeOnOneStep()
    {
        const ql::Session s = open(QL_SAMPLE);
        const ql::Checkpoint &ck = *s.checkpoint;
        const ql::OptimizePlan plan = ql::optimize(ck, *s.result, {});
        QVERIFY(plan.tensors.size() > 2);
        uint64_t largest = 0, changedBytes = 0;
        for (const auto &c : plan.tensors) {
            const uint64_t size = s.result->tensors[std::size_t(s.result->indexOf(c.name))].size;
            largest = std::max(largest, size);
            changedBytes += size;
        }
        QCOMPARE(ql::requantizeGroups(*s.result, {}, 1).size(), std::size_t(0)); // nothing would change
        QCOMPARE(ql::requantizeGroups(*s.result, plan.overrides, changedBytes).size(), std::size_t(1));
        const auto single = ql::requantizeGroups(*s.result, plan.overrides, 1);
        QCOMPARE(single.size(), plan.tensors.size()); // below every tensor's size: one tensor a group
        const uint64_t budget = largest * 2;
        const auto groups = ql::requantizeGroups(*s.result, plan.overrides, budget);
        QVERIFY(groups.size() > 1 && groups.size() < single.size());
        // File order; every changed tensor once; a group over the budget only when it is one tensor.
        std::vector<std::string> flat;
        for (const auto &g : groups) {
            uint64_t bytes = 0;
            for (const auto &n : g) {
                flat.push_back(n);
                bytes += s.result->tensors[std::size_t(s.result->indexOf(n))].size;
            }
            QVERIFY(bytes <= budget || g.size() == 1);
        }
        std::vector<std::string> expected;
        for (const auto &q : s.result->tensors)
            if (std::any_of(plan.tensors.begin(), plan.tensors.end(), [&](const auto &c) { return c.name == q.name; }))
                expected.push_back(q.name);
        QCOMPARE(flat, expected);

        // Group by group (the last one unrestricted, as the document does it) gives the one-step result.
        auto oneStep = std::make_shared<ql::QuantizeResult>(*s.result);
        ql::requantize(*oneStep, ck, plan.overrides);
        std::shared_ptr<const ql::QuantizeResult> r = s.result;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            auto next = std::make_shared<ql::QuantizeResult>(*r);
            const bool last = i + 1 == groups.size();
            const auto changed = ql::requantize(*next, ck, plan.overrides, last ? nullptr : &groups[i]);
            QCOMPARE(changed, groups[i]); // each step re-does its group and nothing else
            QCOMPARE(held(s, *next), s.result->totalBytes); // a whole snapshot, one buffer's worth
            r = std::move(next);
        }
        QVERIFY(r->bytes == oneStep->bytes);
        QCOMPARE(ql::buildManifest(*r).dump(), ql::buildManifest(*oneStep).dump());
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
