// The shard-map panel on real results: hover text, click-to-select, go to offset, zoom, shard costs and hashes,
// painting (not blank, right colours, shard boundary), repaint time.
#include "../common/rendering.h"
#include "artifacts/artifacts.h"
#include "inspection/bytemap.h"
#include "readers/checkpoint.h"
#include "quantization/quantize.h"
#include "shardmappanel.h"
#include "shardmapview.h"
#include "inspection/summary.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QToolTip>

#include <random>

namespace {

/// A Mamba2-shaped world model of ~4.4 MB (two shards), quantized by the real pipeline. Weights are Gaussian with
/// per-row log-normal gains, like the fixtures, so the bytes look like trained ones.
struct Synthetic
{
    std::vector<std::vector<float>> storage;
    ql::Checkpoint ck;
};

std::shared_ptr<const ql::QuantizeResult> syntheticWorldModel()
{
    Synthetic s;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto add = [&](const std::string &name, std::vector<int64_t> shape) {
        int64_t n = 1;
        for (int64_t d : shape)
            n *= d;
        const int64_t cols = shape.size() >= 2 ? n / shape[0] : n;
        std::vector<float> v(static_cast<std::size_t>(n));
        for (int64_t r = 0; r < n / cols; ++r) {
            const float gain = 0.05f * std::exp(0.5f * normal(rng));
            for (int64_t c = 0; c < cols; ++c)
                v[std::size_t(r * cols + c)] = gain * normal(rng) * (rng() % 1000 == 0 ? 6.0f : 1.0f);
        }
        s.storage.push_back(std::move(v));
        ql::TensorData t;
        t.name = name;
        t.shape = shape;
        t.strides.assign(shape.size(), 1);
        for (std::size_t i = shape.size(); i-- > 1;)
            t.strides[i - 1] = t.strides[i] * shape[i];
        t.storage = std::as_bytes(std::span<const float>(s.storage.back()));
        t.storageKey = name;
        s.ck.tensors.push_back(std::move(t));
    };
    const int64_t dModel = 256, dInner = 512, dState = 32, heads = 8;
    add("frame_proj.weight", {dModel, 1024});
    add("action_embed.weight", {512, dModel});
    add("frame_head.weight", {1024, dModel});
    add("norm_f.weight", {dModel});
    for (int l = 0; l < 9; ++l) {
        const std::string p = "layers." + std::to_string(l) + ".";
        add(p + "mamba.in_proj.weight", {2 * dInner + 2 * dState + heads, dModel});
        add(p + "mamba.conv1d.weight", {dInner + 2 * dState, 1, 4});
        add(p + "mamba.conv1d.bias", {dInner + 2 * dState});
        add(p + "mamba.dt_bias", {heads});
        add(p + "mamba.A_log", {heads});
        add(p + "mamba.D", {heads});
        add(p + "mamba.norm.weight", {dInner});
        add(p + "mamba.out_proj.weight", {dModel, dInner});
        add(p + "norm.weight", {dModel});
    }
    s.ck.path = "synthetic-world-model.pt";
    return std::make_shared<const ql::QuantizeResult>(ql::quantize(s.ck, {}));
}

QPoint centerOf(ShardMapView *view, uint64_t offset)
{
    return view->cellRect(ByteOffset(offset)).center();
}

} // namespace

class TestShardMapView : public QObject
{
    Q_OBJECT

    std::shared_ptr<const ql::QuantizeResult> m_policy;
    std::shared_ptr<const ql::QuantizeResult> m_world;
    std::unique_ptr<ShardMapPanel> m_panel;

    ShardMapView *view() const { return m_panel->view(); }

private Q_SLOTS:
    void initTestCase()
    {
        const auto ck = ql::loadCheckpoint(QL_TEST_DATA "/policy-small.pt");
        m_policy = std::make_shared<const ql::QuantizeResult>(ql::quantize(ck, {}));
        QVERIFY(m_policy->tensors.size() > 4);
        m_world = syntheticWorldModel();
        QCOMPARE(m_world->model.modelType, std::string("mamba2"));
        QCOMPARE(m_world->shards.size(), std::size_t(2));
    }

    void init()
    {
        m_panel = std::make_unique<ShardMapPanel>();
        m_panel->resize(1600, 1000);
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
        m_panel->setResult(m_policy);
    }

    void cleanup() { m_panel.reset(); }

    void shardTableAndHashes()
    {
        auto *table = m_panel->findChild<QTableWidget *>(QStringLiteral("shardTable"));
        QVERIFY(table);
        QCOMPARE(table->rowCount(), int(m_policy->shards.size()));
        QTRY_VERIFY(m_panel->hashesReady());
        for (int row = 0; row < table->rowCount(); ++row) {
            const auto &s = m_policy->shards[std::size_t(row)];
            const auto cost = ql::shardCost(s.size);
            QCOMPARE(table->item(row, 7)->text(),
                     QString::fromStdString(ql::sha256Hex(m_policy->bytes.flat().data() + s.offset, s.size)));
            QCOMPARE(table->item(row, 5)->text().remove(QLatin1Char(',')).toULongLong(), cost.transactions);
            QCOMPARE(table->item(row, 5)->text().remove(QLatin1Char(',')).toULongLong(), (s.size + 999) / 1000);
            QCOMPARE(table->item(row, 4)->text(), QStringLiteral("yes"));
            QVERIFY(table->item(row, 2)->text().startsWith(QString::fromStdString(ql::groupDigits(s.size))));
        }
    }

    void twoShards()
    {
        m_panel->setResult(m_world);
        auto *table = m_panel->findChild<QTableWidget *>(QStringLiteral("shardTable"));
        QCOMPARE(table->rowCount(), 2);
        QTRY_VERIFY(m_panel->hashesReady());
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("0x%1").arg(m_world->shards[1].offset, 8, 16, QLatin1Char('0')));
        QCOMPARE(table->item(1, 7)->text(), QString::fromStdString(ql::sha256Hex(m_world->bytes.flat().data() + m_world->shards[1].offset,
                                                                                 m_world->shards[1].size)));
        // A newer result replaces the hashes of the old one, even if the old job finishes last.
        m_panel->setResult(m_policy);
        m_panel->setResult(m_world);
        m_panel->setResult(m_policy);
        QTRY_VERIFY(m_panel->hashesReady());
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 7)->text(), QString::fromStdString(ql::sha256Hex(m_policy->bytes.flat().data(), m_policy->totalBytes)));
    }

    void hoverText()
    {
        view()->setZoom(ShardMapLayout::detailLevel());
        // An element in the second row of a matrix, away from the file start so that scrolling matters.
        int k = -1;
        for (int i = int(m_policy->tensors.size()) - 1; i >= 0 && k < 0; --i)
            if (m_policy->tensors[std::size_t(i)].rows > 3 && m_policy->tensors[std::size_t(i)].offset > 10000)
                k = i;
        QVERIFY(k >= 0);
        const auto &t = m_policy->tensors[std::size_t(k)];
        const uint64_t offset = t.offset + uint64_t(t.cols) + 2;
        view()->goToOffset(ByteOffset(offset));
        const QPoint pos = centerOf(view(), offset);
        QVERIFY(view()->viewport()->rect().contains(pos));
        const QString text = view()->describeAt(pos);
        QVERIFY2(text.contains(QString::fromStdString(t.name)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("row 1, column 2")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("0x%1").arg(offset, 8, 16, QLatin1Char('0'))), qPrintable(text));
        const int8_t q = m_policy->bytes[offset];
        QVERIFY2(text.contains(QStringLiteral("= %1 → ").arg(int(q))), qPrintable(text));
        QVERIFY2(text.contains(QString::number(double(q) * t.rowScale(1), 'g', 4)), qPrintable(text));
        // The real tooltip shows the same text.
        QTest::mouseMove(view()->viewport(), pos);
        QHelpEvent help(QEvent::ToolTip, pos, view()->viewport()->mapToGlobal(pos));
        QApplication::sendEvent(view()->viewport(), &help);
        QTRY_COMPARE(QToolTip::text(), text);
        // The gutter has no bytes.
        QVERIFY(view()->describeAt(QPoint(3, 5)).isEmpty());
    }

    void hoverAtWholeFileZoomNamesTheCell()
    {
        m_panel->setResult(m_world);
        QVERIFY(view()->layout().bytesPerCell().value > 1);
        const QString text = view()->describeAt(centerOf(view(), 0));
        QVERIFY(text.contains(QString::fromStdString(m_world->tensors[0].name)));
        QVERIFY2(text.contains(QStringLiteral("(%1 bytes)").arg(view()->layout().bytesPerCell().value)), qPrintable(text));
    }

    void clickSelects()
    {
        QSignalSpy spy(m_panel.get(), &ShardMapPanel::tensorActivated);
        // The biggest tensor is wide enough to hit at whole-file zoom.
        std::size_t k = 0;
        for (std::size_t i = 0; i < m_policy->tensors.size(); ++i)
            if (m_policy->tensors[i].size > m_policy->tensors[k].size)
                k = i;
        const auto &t = m_policy->tensors[k];
        const QPoint pos = centerOf(view(), t.offset + t.size / 2);
        QTest::mouseClick(view()->viewport(), Qt::LeftButton, {}, pos);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), int(k));
        QCOMPARE(view()->selectedTensor(), int(k));
        auto *label = m_panel->findChild<QLabel *>(QStringLiteral("selectionLabel"));
        QVERIFY(label->text().contains(QString::fromStdString(t.name)));
        // A click in the gutter selects nothing.
        QTest::mouseClick(view()->viewport(), Qt::LeftButton, {}, QPoint(4, pos.y()));
        QCOMPARE(spy.count(), 1);
        // Clicking another tensor at byte zoom.
        view()->setZoom(ShardMapLayout::hexLevel());
        const auto &last = m_policy->tensors.back();
        view()->goToOffset(ByteOffset(last.offset));
        QTest::mouseClick(view()->viewport(), Qt::LeftButton, {}, centerOf(view(), last.offset));
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(0).toInt(), int(m_policy->tensors.size()) - 1);
    }

    void setSelectedTensorScrollsIntoView()
    {
        QSignalSpy spy(m_panel.get(), &ShardMapPanel::tensorActivated);
        view()->setZoom(ShardMapLayout::detailLevel());
        view()->verticalScrollBar()->setValue(0);
        const int k = int(m_policy->tensors.size()) - 1;
        m_panel->setSelectedTensor(k);
        QCOMPARE(view()->selectedTensor(), k);
        const int64_t row = view()->layout().rowOf(ByteOffset(m_policy->tensors.back().offset));
        const auto [first, last] = view()->visibleRows();
        QVERIFY2(row >= first && row < last, qPrintable(QStringLiteral("%1 not in [%2, %3)").arg(row).arg(first).arg(last)));
        QVERIFY(first > 0);
        QCOMPARE(spy.count(), 0); // a programmatic selection is not a user activation
        m_panel->setSelectedTensor(-1);
        QCOMPARE(view()->selectedTensor(), -1);
        m_panel->setSelectedTensor(100000);
        QCOMPARE(view()->selectedTensor(), -1);
    }

    void parseOffset_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qlonglong>("expected"); // -1: rejected
        QTest::newRow("decimal") << "2174976" << qlonglong(2174976);
        QTest::newRow("grouped") << "2,174,976" << qlonglong(2174976);
        QTest::newRow("hex") << "0x213000" << qlonglong(0x213000);
        QTest::newRow("HEX") << " 0X21_3000 " << qlonglong(0x213000);
        QTest::newRow("zero") << "0" << qlonglong(0);
        QTest::newRow("empty") << "" << qlonglong(-1);
        QTest::newRow("words") << "abc" << qlonglong(-1);
        QTest::newRow("negative") << "-5" << qlonglong(-1);
        QTest::newRow("bare 0x") << "0x" << qlonglong(-1);
        QTest::newRow("hex without 0x") << "ff" << qlonglong(-1);
        QTest::newRow("bad hex") << "0xfg" << qlonglong(-1);
    }

    void parseOffset()
    {
        QFETCH(QString, text);
        QFETCH(qlonglong, expected);
        const auto got = ShardMapPanel::parseOffset(text);
        if (expected < 0)
            QVERIFY(!got.has_value());
        else
            QCOMPARE(qlonglong(*got), expected);
    }

    void goToOffset()
    {
        auto *edit = m_panel->findChild<QLineEdit *>(QStringLiteral("goToOffset"));
        auto *status = m_panel->findChild<QLabel *>(QStringLiteral("goToStatus"));
        view()->setZoom(ShardMapLayout::hexLevel());
        const uint64_t target = m_policy->totalBytes - 100;
        edit->setText(QStringLiteral("0x%1").arg(target, 0, 16));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(view()->markedOffset().has_value());
        QCOMPARE(view()->markedOffset()->value, target);
        const int64_t row = view()->layout().rowOf(ByteOffset(target));
        auto [first, last] = view()->visibleRows();
        QVERIFY(row >= first && row < last);
        const auto loc = ql::locateByte(*m_policy, target);
        QVERIFY2(status->text().contains(QString::fromStdString(m_policy->tensors[std::size_t(loc->tensor)].name)),
                 qPrintable(status->text()));
        // Decimal, back to the start.
        edit->setText(QStringLiteral("1,000"));
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(view()->markedOffset()->value, uint64_t(1000));
        std::tie(first, last) = view()->visibleRows();
        QVERIFY(view()->layout().rowOf(ByteOffset(1000)) >= first && view()->layout().rowOf(ByteOffset(1000)) < last);
        // Mistakes are explained and change nothing.
        edit->setText(QStringLiteral("twelve"));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(status->text().contains(QStringLiteral("not an offset")));
        QCOMPARE(view()->markedOffset()->value, uint64_t(1000));
        edit->setText(QString::number(m_policy->totalBytes));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY2(status->text().contains(QStringLiteral("past the end")), qPrintable(status->text()));
        QCOMPARE(view()->markedOffset()->value, uint64_t(1000));
    }

    void zoomButtons()
    {
        auto *in = m_panel->findChild<QToolButton *>(QStringLiteral("zoomIn"));
        auto *out = m_panel->findChild<QToolButton *>(QStringLiteral("zoomOut"));
        auto *fit = m_panel->findChild<QToolButton *>(QStringLiteral("fitWholeFile"));
        const auto &l = view()->layout();
        // A new result starts with the whole file in view.
        QCOMPARE(view()->zoom(), l.fitZoom());
        QVERIFY(l.contentHeight() <= view()->viewport()->height());
        QVERIFY(!out->isEnabled());
        QSignalSpy zoomSpy(view(), &ShardMapView::zoomChanged);
        in->click();
        QCOMPARE(view()->zoom(), l.fitZoom() + 1);
        QCOMPARE(zoomSpy.count(), 1);
        QVERIFY(out->isEnabled());
        while (in->isEnabled())
            in->click();
        QCOMPARE(view()->zoom(), ShardMapLayout::detailLevel());
        QCOMPARE(l.bytesPerCell().value, uint64_t(1));
        fit->click();
        QCOMPARE(view()->zoom(), l.fitZoom());
        QCOMPARE(view()->visibleRows().first, int64_t(0));
        // Fit follows resizes until the user zooms again.
        m_panel->resize(1600, 600);
        QTRY_COMPARE(view()->zoom(), view()->layout().fitZoom());
        QVERIFY(view()->layout().contentHeight() <= view()->viewport()->height());
    }

    void ctrlWheelZoomsAroundTheCursor()
    {
        view()->setZoom(ShardMapLayout::hexLevel() - 2);
        // Aim at a byte in the lower half of the viewport, well inside the file.
        const QPoint pos(view()->layout().gutterWidth() + 37, view()->viewport()->height() * 2 / 3);
        const auto before = view()->offsetAt(pos);
        QVERIFY(before.has_value());
        const int zoom = view()->zoom();
        QWheelEvent wheel(pos, view()->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view()->viewport(), &wheel);
        QCOMPARE(view()->zoom(), zoom + 1);
        // The byte that was under the cursor is still in the row under the cursor.
        const auto &l = view()->layout();
        QCOMPARE(view()->visibleRows().first + pos.y() / l.rowHeight(), l.rowOf(*before));
        // Without Ctrl the wheel scrolls.
        const int scroll = view()->verticalScrollBar()->value();
        QWheelEvent plain(pos, view()->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, -120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view()->viewport(), &plain);
        QCOMPARE(view()->zoom(), zoom + 1);
        QVERIFY(view()->verticalScrollBar()->value() > scroll);
    }

    void requantizedResultKeepsThePlace()
    {
        // Same tensors at the same offsets, other bytes: what re-quantizing with other strategies gives.
        auto changed = std::make_shared<ql::QuantizeResult>(*m_policy);
        auto negated = changed->bytes.flat();
        for (auto &b : negated)
            b = int8_t(-b);
        changed->setBytes(negated);
        view()->setZoom(ShardMapLayout::hexLevel());
        const int k = int(m_policy->tensors.size()) - 2;
        m_panel->setSelectedTensor(k);
        view()->goToOffset(ByteOffset(m_policy->tensors[std::size_t(k)].offset + 5));
        const int zoom = view()->zoom();
        const auto rows = view()->visibleRows();
        m_panel->setResult(changed);
        QCOMPARE(view()->zoom(), zoom);
        QCOMPARE(view()->visibleRows(), rows);
        QCOMPARE(view()->selectedTensor(), k);
        QCOMPARE(view()->markedOffset()->value, m_policy->tensors[std::size_t(k)].offset + 5);
        // The new bytes are what the view describes, and the hashes are recomputed.
        const uint64_t o = m_policy->tensors[std::size_t(k)].offset + 5;
        QVERIFY(view()->describeAt(centerOf(view(), o)).contains(QStringLiteral("= %1 → ").arg(int(changed->bytes[o]))));
        QTRY_VERIFY(m_panel->hashesReady());
        auto *table = m_panel->findChild<QTableWidget *>(QStringLiteral("shardTable"));
        QCOMPARE(table->item(0, 7)->text(), QString::fromStdString(ql::sha256Hex(negated.data(), changed->totalBytes)));
        // Another model starts over.
        m_panel->setResult(m_world);
        QCOMPARE(view()->selectedTensor(), -1);
        QVERIFY(!view()->markedOffset().has_value());
        QCOMPARE(view()->zoom(), view()->layout().fitZoom());
    }

    void paintsTensorColours()
    {
        m_panel->setResult(m_world);
        m_panel->setSelectedTensor(-1);
        const QImage img = view()->viewport()->grab().toImage();
        QVERIFY(qltest::distinctColours(img) > 20);
        // At whole-file zoom each tensor is one flat colour: check the middle of every large tensor.
        int checked = 0;
        for (std::size_t i = 0; i < m_world->tensors.size(); ++i) {
            const auto &t = m_world->tensors[i];
            if (t.size < 8 * view()->layout().bytesPerRow().value)
                continue;
            const QPoint p = centerOf(view(), t.offset + t.size / 2 + view()->layout().bytesPerCell().value * 3);
            QCOMPARE(QColor(img.pixel(p)).name(), ShardMapView::tensorColor(int(i)).name());
            ++checked;
        }
        QVERIFY(checked >= 10);
        // The shard boundary is drawn in the text colour.
        const QRect b = view()->cellRect(ByteOffset(m_world->shards[1].offset));
        const QColor ink = view()->palette().color(QPalette::Text);
        bool found = false;
        for (int dx = -2; dx <= 2 && !found; ++dx)
            for (int dy = -2; dy <= 2 && !found; ++dy)
                found = QColor(img.pixel(b.topLeft() + QPoint(dx, dy))).rgb() == ink.rgb();
        QVERIFY(found);
    }

    void neighboursHaveDifferentColours()
    {
        for (int i = 1; i < 200; ++i) {
            const QColor a = ShardMapView::tensorColor(i - 1), b = ShardMapView::tensorColor(i);
            const int dist = std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
            QVERIFY2(dist > 60, qPrintable(QStringLiteral("%1 vs %2").arg(a.name(), b.name())));
        }
        QCOMPARE(ShardMapView::tensorColor(5), ShardMapView::tensorColor(5));
    }

    void screenshots()
    {
        // At 1600x1000 as a person would look at them; QL_SCREENSHOT_DIR keeps them.
        QTemporaryDir scratch;
        const QByteArray env = qgetenv("QL_SCREENSHOT_DIR");
        const QString dir = env.isEmpty() ? scratch.path() : QString::fromLocal8Bit(env);
        struct Shot
        {
            const char *name;
            std::shared_ptr<const ql::QuantizeResult> result;
            int zoomFromDetail; // -1: whole file
            int select;
            bool atBoundary;
            uint64_t goTo = 0; // when not at the boundary: go here first
        };
        const int mid = int(m_world->tensors.size()) / 2;
        // Where a Mamba layer starts, several small tensors sit side by side.
        const int aLog = m_world->indexOf("layers.4.mamba.A_log");
        const int convBias = m_world->indexOf("layers.4.mamba.conv1d.bias");
        QVERIFY(aLog >= 0 && convBias >= 0);
        const uint64_t layerStart = m_world->tensors[std::size_t(aLog)].offset;
        const Shot shots[] = {
            {"shardmap-sample-whole", nullptr, -1, -1, false},
            {"shardmap-world-whole", m_world, -1, mid, false},
            {"shardmap-world-boundary-bytes", m_world, 3, -1, true},
            {"shardmap-world-boundary-hex", m_world, 1, -1, true},
            {"shardmap-world-detail", m_world, 0, -1, true},
            {"shardmap-world-layer-hex", m_world, 1, convBias, false, layerStart - 700},
        };
        const auto ck = ql::loadCheckpoint(QL_SAMPLE);
        const auto sample = std::make_shared<const ql::QuantizeResult>(ql::quantize(ck, {}));
        QCOMPARE(sample->totalBytes, uint64_t(395394));
        for (const Shot &s : shots) {
            m_panel->setResult(s.result ? s.result : sample);
            QTRY_VERIFY(m_panel->hashesReady());
            if (s.zoomFromDetail >= 0)
                view()->setZoom(ShardMapLayout::detailLevel() - s.zoomFromDetail);
            if (s.atBoundary) {
                m_panel->findChild<QLineEdit *>(QStringLiteral("goToOffset"))->setText(QString::number(s.result->shards[1].offset - 40));
                m_panel->goToTypedOffset();
            }
            if (s.goTo > 0) {
                m_panel->findChild<QLineEdit *>(QStringLiteral("goToOffset"))->setText(QStringLiteral("0x%1").arg(s.goTo, 0, 16));
                m_panel->goToTypedOffset();
            }
            if (s.select >= 0)
                m_panel->setSelectedTensor(s.select);
            const QImage img = m_panel->grab().toImage();
            QCOMPARE(img.size(), QSize(1600, 1000));
            QVERIFY2(qltest::distinctColours(img) > 20, s.name);
            QVERIFY(img.save(dir + QLatin1Char('/') + QLatin1String(s.name) + QLatin1String(".png")));
        }
        // The last view again with a dark palette: the gutter, marks and outlines follow it.
        m_panel->setPalette(qltest::darkPalette());
        const QImage dark = m_panel->grab().toImage();
        QVERIFY(qltest::distinctColours(dark) > 20);
        QCOMPARE(QColor(dark.pixel(view()->mapTo(m_panel.get(), QPoint(2, 2)))).name(), qltest::darkPalette().color(QPalette::Window).name());
        QVERIFY(dark.save(dir + QStringLiteral("/shardmap-world-layer-hex-dark.png")));
    }

    void repaintTime()
    {
        // Target: <= 16 ms per repaint of a ~4.3 MB file at any zoom. Measured here, asserted loosely because
        // the test machine is shared; the figures are printed.
        m_panel->setResult(m_world);
        m_panel->setSelectedTensor(3);
        const auto &l = view()->layout();
        double worst = 0;
        for (int z = l.minZoom(); z <= l.maxZoom(); ++z) {
            view()->setZoom(z);
            view()->goToOffset(ByteOffset(m_world->totalBytes / 2));
            QImage target(view()->viewport()->size(), QImage::Format_ARGB32_Premultiplied);
            view()->viewport()->render(&target); // warm-up
            constexpr int kRuns = 10;
            QElapsedTimer timer;
            timer.start();
            for (int i = 0; i < kRuns; ++i)
                view()->viewport()->render(&target);
            const double ms = double(timer.nsecsElapsed()) / 1e6 / kRuns;
            worst = std::max(worst, ms);
            qInfo("zoom %2d (%8llu B/cell, %3d px): %.2f ms", z, static_cast<unsigned long long>(l.bytesPerCell().value),
                  l.cellWidth(), ms);
        }
        // Logged, not asserted: the 16 ms repaint target is measured in tests/bench (bench_gui); this suite also runs
        // under ASan on a shared CI machine. What is checked here is that every zoom level renders.
        qInfo("worst repaint: %.2f ms", worst);
        QVERIFY(worst > 0);
    }
};

QTEST_MAIN(TestShardMapView)
#include "tst_shardmapview.moc"
