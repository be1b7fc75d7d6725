// The compare view offscreen: QAbstractItemModelTester on its model and proxy, sorting by largest change, the
// "changed only" filter, selection by name in and out, a click on a highlighted (changed) chunk selecting its tensor,
// the highlight ranges against the comparison's chunks, and a rendered screenshot with real content.
// QL_COMPARE_A / QL_COMPARE_B choose the pair (default: mamba2-small.pt vs legacy-format.pt); QL_SCREENSHOT_OUT saves
// the render (docs/screenshots/compare.png is made this way from the seed-sized pair of tests/bench/bench_compare.sh).
#include "../common/rendering.h"
#include "artifacts/artifacts.h"
#include "inspection/bytemap.h"
#include "comparemodel.h"
#include "compareplots.h"
#include "compareview.h"
#include "shardmapview.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QSet>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

namespace {

using Side = CompareView::Side;
const QString kCk = "/work/shared/fixtures/checkpoints/";

std::shared_ptr<const ql::Session> open(const QString &path, const ql::Overrides &o = {})
{
    ql::OpenOptions opt;
    opt.overrides = o;
    return std::make_shared<const ql::Session>(ql::openSession(path.toStdString(), opt));
}

struct Pair
{
    std::shared_ptr<const ql::Session> a, b;
    std::shared_ptr<const ql::CompareResult> r;
};

Pair makePair(const QString &a, const QString &b)
{
    Pair p{open(a), open(b), nullptr};
    p.r = std::make_shared<const ql::CompareResult>(ql::compare(*p.a, *p.b));
    return p;
}

/// `view` on screen at `size`, comparing the pair; false when the window never appeared.
bool showComparison(CompareView &view, const Pair &p, QSize size)
{
    view.resize(size);
    view.setComparison(p.a, p.b, p.r);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
}

} // namespace

class TestCompareView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modelPassesTester()
    {
        const Pair p = makePair(kCk + "mamba2-small.pt", kCk + "legacy-format.pt");
        CompareTableModel model;
        CompareFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester t1(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResult(p.r);
        QCOMPARE(model.rowCount(), int(p.r->tensors.size()));
        proxy.setChangedOnly(true);
        proxy.sort(CompareTableModel::SnrDelta, Qt::AscendingOrder);
        proxy.setNameFilter("head");
        model.setResult(nullptr);
        QCOMPARE(model.rowCount(), 0);
        model.setResult(p.r);
    }

    void sortsByLargestChangeAndFilters()
    {
        // A folder made with overrides on the heads, against the checkpoint without them: only the heads change.
        QTemporaryDir tmp;
        const auto o = ql::Overrides::fromJson(ql::Json::parse(
            R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "*_head.weight", "strategy": "per_tensor_mse"}]})"));
        ql::writeArtifacts(*open(kCk + "mamba2-small.pt", o)->result, tmp.path().toStdString());
        const Pair p = makePair(kCk + "mamba2-small.pt", tmp.path());
        CompareView view;
        view.setComparison(p.a, p.b, p.r);
        auto *proxy = view.proxy();
        QCOMPARE(proxy->rowCount(), int(p.r->tensors.size()));
        double prev = 1e301;
        for (int row = 0; row < proxy->rowCount(); ++row) {
            const double c = proxy->index(row, 0).data(CompareTableModel::ChangeRole).toDouble();
            QVERIFY(c <= prev);
            prev = c;
        }
        QVERIFY(proxy->index(0, 0).data(CompareTableModel::NameRole).toString().endsWith("_head.weight"));
        view.changedOnlyBox()->setChecked(true);
        QCOMPARE(proxy->rowCount(), p.r->summary.changed);
        QVERIFY(p.r->summary.changed > 0);
        for (int row = 0; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row, 0).data(CompareTableModel::NameRole).toString().endsWith("_head.weight"));
        view.changedOnlyBox()->setChecked(false);
        QCOMPARE(proxy->rowCount(), int(p.r->tensors.size()));
        QVERIFY(view.summaryText().contains("changed"));
    }

    void selectionInAndOut()
    {
        const Pair p = makePair(kCk + "mamba2-small.pt", kCk + "legacy-format.pt");
        CompareView view;
        QVERIFY(showComparison(view, p, QSize(1400, 900)));
        QSignalSpy spy(&view, &CompareView::tensorSelected);
        view.selectTensor("frame_proj.weight");
        QCOMPARE(spy.count(), 0); // selection from outside is not echoed back
        QCOMPARE(view.selectedTensor(), QString("frame_proj.weight"));
        QCOMPARE(view.table()->currentIndex().data(CompareTableModel::NameRole).toString(), QString("frame_proj.weight"));
        QCOMPARE(view.shardMap(Side::A)->selectedTensor(), p.a->result->indexOf("frame_proj.weight"));
        QCOMPARE(view.shardMap(Side::B)->selectedTensor(), p.b->result->indexOf("frame_proj.weight"));
        QVERIFY(view.plots()->headerText().contains("frame_proj.weight"));
        QCOMPARE(view.plots()->histogramPlot()->graphCount(), 2);
        QCOMPARE(view.plots()->snrPlot()->graphCount(), 2);
        QCOMPARE(view.plots()->snrPlot()->graph(0)->dataCount(), 128); // one point per row
        QCOMPARE(view.plots()->ratioPlot()->graphCount(), 1);
        // The user picks a row: the view says so, once.
        const int row = view.model()->rowOf("ctrl_proj.weight");
        view.table()->setCurrentIndex(view.proxy()->mapFromSource(view.model()->index(row, 0)));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QString("ctrl_proj.weight"));
        view.selectTensor("no such tensor");
        QCOMPARE(view.selectedTensor(), QString());
        QCOMPARE(view.shardMap(Side::B)->selectedTensor(), -1);
    }

    void highlightsAndChunkClicks()
    {
        const Pair p = makePair(kCk + "mamba2-small.pt", kCk + "legacy-format.pt");
        CompareView view;
        QVERIFY(showComparison(view, p, QSize(1400, 900)));
        const auto ranges = view.shardMap(Side::B)->highlightRanges();
        uint64_t chunks = 0;
        for (const auto &[b, e] : ranges) {
            QVERIFY(e > b && b % ql::kUploadChunk == 0);
            chunks += (e - b + ql::kUploadChunk - 1) / ql::kUploadChunk;
        }
        QCOMPARE(chunks, p.r->summary.chunksChanged);
        QCOMPARE(view.shardMap(Side::A)->highlightRanges(), ranges); // same layout: the same bytes on both sides
        // Click the middle of a changed chunk in B's map: its tensor is selected and announced.
        QSignalSpy spy(&view, &CompareView::tensorSelected);
        ShardMapView *map = view.shardMap(Side::B);
        const uint64_t at = (ranges[ranges.size() / 2].first + ranges[ranges.size() / 2].second) / 2;
        map->goToOffset(ByteOffset(at));
        const QPoint point = map->cellRect(map->layout().cellStart(ByteOffset(at))).center();
        const auto cell = map->offsetAt(point);
        QVERIFY(cell);
        const int tensor = ql::tensorAt(*p.b->result, cell->value);
        QVERIFY(tensor >= 0);
        QTest::mouseClick(map->viewport(), Qt::LeftButton, {}, point);
        QCOMPARE(spy.count(), 1);
        const QString name = QString::fromStdString(p.b->result->tensors[std::size_t(tensor)].name);
        QCOMPARE(spy.at(0).at(0).toString(), name);
        QCOMPARE(view.table()->currentIndex().data(CompareTableModel::NameRole).toString(), name);
        QCOMPARE(view.shardMap(Side::A)->selectedTensor(), p.a->result->indexOf(name.toStdString()));
        // Identical inputs: nothing highlighted.
        const Pair same = makePair(kCk + "mamba2-small.pt", "/work/shared/fixtures/golden/mamba2-small");
        view.setComparison(same.a, same.b, same.r);
        QVERIFY(view.shardMap(Side::A)->highlightRanges().empty() && view.shardMap(Side::B)->highlightRanges().empty());
        // All washed out: no change.
        QVERIFY(view.shardMap(Side::A)->highlighting() && view.shardMap(Side::B)->highlighting());
        QVERIFY(view.summaryText().contains("Identical"));
    }

    void screenshot()
    {
        const QString a = qEnvironmentVariable("QL_COMPARE_A", kCk + "mamba2-small.pt");
        const QString b = qEnvironmentVariable("QL_COMPARE_B", kCk + "legacy-format.pt");
        const Pair p = makePair(a, b);
        CompareView view;
        QVERIFY(showComparison(view, p, QSize(1600, 1000)));
        const QString select = qEnvironmentVariable("QL_COMPARE_SELECT",
                                                    QString::fromStdString(p.r->summary.largestChanges.at(0)));
        view.selectTensor(select);
        QCOMPARE(view.selectedTensor(), select);
        QTest::qWait(50);
        const QImage img = view.grab().toImage();
        QCOMPARE(img.size(), QSize(1600, 1000));
        QVERIFY(qltest::distinctColours(img) > 40);
        const QString out = qEnvironmentVariable("QL_SCREENSHOT_OUT");
        if (!out.isEmpty())
            QVERIFY(img.save(out));
    }
};

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"
