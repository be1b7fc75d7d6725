// Layer table model, its sort/filter proxy and the per-row drill-down model.
#include "inspection/analysis.h"
#include "document.h"
#include "layerfilterproxy.h"
#include "layertablemodel.h"
#include "rowtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using Model = LayerTableModel;

class TestLayerTable : public QObject
{
    Q_OBJECT
private:
    Document::Source m_src;

    QStringList column(const QAbstractItemModel &m, int col, int role = Qt::DisplayRole)
    {
        QStringList out;
        for (int r = 0; r < m.rowCount(); ++r)
            out << m.index(r, col).data(role).toString();
        return out;
    }

private Q_SLOTS:
    void initTestCase() { m_src = Document::load(QStringLiteral(QL_TEST_DATA "/policy-small.pt")); }

    void modelPassesTester()
    {
        Model model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResults(m_src.result, m_src.baseline, true);
        QCOMPARE(model.rowCount(), int(m_src.result->tensors.size()));
        QCOMPARE(model.columnCount(), int(Model::ColumnCount));
        model.updateResults(m_src.result);
        model.setResults(nullptr, nullptr, false);
        QCOMPARE(model.rowCount(), 0);
    }

    void displayAndRawValues()
    {
        Model model;
        model.setResults(m_src.result, m_src.baseline, true);
        const int row = m_src.result->indexOf("trunk.0.weight");
        QVERIFY(row >= 0);
        const auto &t = m_src.result->tensors[std::size_t(row)];
        QCOMPARE(model.index(row, Model::Name).data().toString(), QStringLiteral("trunk.0.weight"));
        QCOMPARE(model.index(row, Model::Strategy).data().toString(), QStringLiteral("per_channel_absmax"));
        QCOMPARE(model.index(row, Model::Snr).data(Model::SortRole).toDouble(), *t.stats.snrDb());
        QCOMPARE(model.index(row, Model::Snr).data().toString(), QString::number(*t.stats.snrDb(), 'f', 2));
        QCOMPARE(model.index(row, Model::Bytes).data(Model::SortRole).toULongLong(), t.size);
        QCOMPARE(model.index(row, Model::Offset).data(Model::SortRole).toULongLong(), t.offset);
        QCOMPARE(model.index(row, Model::SnrDelta).data().toString(), QString()); // not re-quantized
        QCOMPARE(model.index(row, Model::Shard).data().toInt(), 0);
        QVERIFY(model.index(row, Model::Name).data(Qt::DecorationRole).value<QColor>().isValid());
        QVERIFY(model.flags(model.index(row, Model::Strategy)) & Qt::ItemIsEditable);
        QVERIFY(!(model.flags(model.index(row, Model::Snr)) & Qt::ItemIsEditable));
        // 1-D tensors are only offered per-tensor strategies.
        const int bias = m_src.result->indexOf("trunk.0.bias");
        QCOMPARE(model.index(bias, Model::Strategy).data(Model::StrategyChoicesRole).toStringList().size(), 3);
        QCOMPARE(model.index(row, Model::Strategy).data(Model::StrategyChoicesRole).toStringList().size(), 6);
    }

    void readOnlyModelRefusesEdits()
    {
        Model model;
        model.setResults(m_src.result, m_src.baseline, false);
        QVERIFY(!(model.flags(model.index(0, Model::Strategy)) & Qt::ItemIsEditable));
        QSignalSpy spy(&model, &Model::strategyEdited);
        QVERIFY(!model.setData(model.index(0, Model::Strategy), QStringLiteral("per_channel_mse")));
        QCOMPARE(spy.count(), 0);
    }

    void editEmitsRequestWithoutChangingData()
    {
        Model model;
        model.setResults(m_src.result, m_src.baseline, true);
        QSignalSpy spy(&model, &Model::strategyEdited);
        QVERIFY(!model.setData(model.index(2, Model::Strategy), QStringLiteral("bogus")));
        QVERIFY(model.setData(model.index(2, Model::Strategy), QStringLiteral("per_channel_mse")));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 2);
        QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("per_channel_mse"));
        // The model is a view of the result: only the document changes it.
        QCOMPARE(model.index(2, Model::Strategy).data().toString(), column(model, Model::Strategy).at(2));
    }

    void sortsNumerically_data()
    {
        QTest::addColumn<int>("col");
        for (int c : {int(Model::Shape), int(Model::Snr), int(Model::SnrBefore), int(Model::Mse), int(Model::MaxAbsError),
                      int(Model::RelativeError), int(Model::Bytes), int(Model::Offset), int(Model::Shard)})
            QTest::newRow(qPrintable(Model().headerData(c, Qt::Horizontal).toString())) << c;
    }
    void sortsNumerically()
    {
        QFETCH(int, col);
        Model model;
        model.setResults(m_src.result, m_src.baseline, true);
        LayerFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        for (auto order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            proxy.sort(col, order);
            for (int r = 1; r < proxy.rowCount(); ++r) {
                const double a = proxy.index(r - 1, col).data(Model::SortRole).toDouble();
                const double b = proxy.index(r, col).data(Model::SortRole).toDouble();
                QVERIFY2(order == Qt::AscendingOrder ? a <= b : a >= b, qPrintable(QStringLiteral("row %1").arg(r)));
            }
        }
    }

    void bytesSortIsNotLexicographic()
    {
        Model model;
        model.setResults(m_src.result, m_src.baseline, true);
        LayerFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(Model::Bytes, Qt::DescendingOrder);
        uint64_t largest = 0;
        for (const auto &t : m_src.result->tensors)
            largest = std::max(largest, t.size);
        QCOMPARE(proxy.index(0, Model::Bytes).data(Model::SortRole).toULongLong(), largest);
        QVERIFY(largest >= 1000); // "1,024" would sort before "384" as text
    }

    void allZeroTensorsSortFirstBySnr()
    {
        const auto src = Document::load(QStringLiteral(QL_TEST_DATA "/edge-cases.pt"));
        Model model;
        model.setResults(src.result, src.baseline, true);
        LayerFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(Model::Snr, Qt::AscendingOrder);
        QStringList firstTwo = {proxy.index(0, 0).data().toString(), proxy.index(1, 0).data().toString()};
        firstTwo.sort();
        QCOMPARE(firstTwo, (QStringList{QStringLiteral("aux.zero.weight"), QStringLiteral("aux.zero_bias")}));
        QCOMPARE(proxy.index(0, Model::Snr).data().toString(), QStringLiteral("—"));
        QCOMPARE(proxy.index(0, 0).data(Model::BandRole).toInt(), int(ql::SnrBand::Undefined));
    }

    void filtersByNameGroupAndBand()
    {
        Model model;
        model.setResults(m_src.result, m_src.baseline, true);
        LayerFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        const int all = proxy.rowCount();

        proxy.setNameFilter(QStringLiteral("HEAD"), false); // case-insensitive substring
        QVERIFY(proxy.rowCount() > 0 && proxy.rowCount() < all);
        for (const auto &n : column(proxy, Model::Name))
            QVERIFY(n.contains(QStringLiteral("head")));

        proxy.setNameFilter(QStringLiteral("^trunk\\.\\d+\\.weight$"), true);
        QVERIFY(proxy.isNameFilterValid());
        const QStringList trunk = column(proxy, Model::Name);
        QVERIFY(!trunk.isEmpty());
        for (const auto &n : trunk)
            QVERIFY(n.startsWith(QStringLiteral("trunk.")) && n.endsWith(QStringLiteral(".weight")));

        proxy.setNameFilter(QStringLiteral("trunk.["), true);
        QVERIFY(!proxy.isNameFilterValid());
        QVERIFY(!proxy.nameFilterError().isEmpty());
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setNameFilter(QStringLiteral("trunk.["), false); // the same text as a substring is fine
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setNameFilter({}, false);
        QCOMPARE(proxy.rowCount(), all);

        proxy.setGroupFilter(QStringLiteral("heads"));
        QVERIFY(proxy.rowCount() > 0);
        for (const auto &g : column(proxy, Model::Group))
            QCOMPARE(g, QStringLiteral("heads"));
        proxy.setGroupFilter({});

        int excellent = 0;
        for (const auto &t : m_src.result->tensors)
            excellent += ql::snrBand(t.stats.snrDb()) == ql::SnrBand::Excellent;
        proxy.setBandFilter(int(ql::SnrBand::Excellent));
        QCOMPARE(proxy.rowCount(), excellent);
        proxy.setBandFilter(int(ql::SnrBand::Investigate));
        QCOMPARE(proxy.rowCount(), 0); // the fixture has no damaged tensor
        proxy.setBandFilter(-1);
        QCOMPARE(proxy.rowCount(), all);
    }

    void updateKeepsRowsAndSignalsDataChanged()
    {
        Document doc;
        doc.setSource(Document::load(QStringLiteral(QL_TEST_DATA "/policy-small.pt")));
        Model model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResults(doc.result(), doc.baseline(), true);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QObject::connect(&doc, &Document::resultChanged, &model, [&] { model.updateResults(doc.result()); });
        const int row = doc.result()->indexOf("trunk.0.weight");
        doc.setStrategyAt({row}, ql::Strategy::fromName("per_channel_mse"));
        QVERIFY(QTest::qWaitFor([&] { return !doc.isBusy(); }, 60000));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(row, Model::Strategy).data().toString(), QStringLiteral("per_channel_mse"));
        const QString delta = model.index(row, Model::SnrDelta).data().toString();
        QVERIFY2(delta.startsWith(QLatin1Char('+')) || delta.startsWith(QLatin1Char('-')), qPrintable(delta));
        QVERIFY(model.index(row, Model::Strategy).data(Qt::FontRole).value<QFont>().bold());
        QCOMPARE(model.index(row, Model::SnrBefore).data(Model::SortRole).toDouble(),
                 *doc.baseline()->tensors[std::size_t(row)].stats.snrDb());
    }

    void rowModelPassesTesterAndSortsBySnr()
    {
        const int row = m_src.result->indexOf("trunk.0.weight");
        const auto &q = m_src.result->tensors[std::size_t(row)];
        auto a = std::make_shared<const ql::TensorAnalysis>(
            ql::analyzeTensor(*m_src.checkpoint->find(q.name), q, m_src.result->codes(q).data()));
        RowTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResults(a, q.scales);
        QCOMPARE(model.rowCount(), int(q.rows));
        QSortFilterProxyModel proxy;
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.setSortRole(RowTableModel::SortRole);
        proxy.sort(RowTableModel::Snr, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, RowTableModel::Row).data().toInt(), int(a->worstRows.front()));
        QCOMPARE(model.index(3, RowTableModel::SetterColumn).data().toLongLong(), a->setters[3].column);
        QCOMPARE(model.index(3, RowTableModel::Scale).data(RowTableModel::SortRole).toDouble(), double(q.scales[3]));

        // Codes only (output folder): rows are listed with their scales, the rest says it is unavailable.
        auto codes = std::make_shared<const ql::TensorAnalysis>(ql::analyzeCodes(q, m_src.result->codes(q).data()));
        model.setResults(codes, q.scales);
        QCOMPARE(model.rowCount(), int(q.rows));
        QCOMPARE(model.index(0, RowTableModel::Snr).data().toString(), QStringLiteral("—"));
        model.setResults(nullptr, {});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestLayerTable)
#include "tst_layertable.moc"
