#include "layertablepanel.h"

#include "bands.h"
#include "layerfilterproxy.h"
#include "layertablemodel.h"
#include "readers/model.h"
#include "snrbardelegate.h"
#include "strategydelegate.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

LayerTablePanel::LayerTablePanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new LayerTableModel(this))
    , m_proxy(new LayerFilterProxy(this))
    , m_view(new QTableView(this))
    , m_filter(new QLineEdit(this))
    , m_regex(new QCheckBox(tr("Regex"), this))
    , m_group(new QComboBox(this))
    , m_band(new QComboBox(this))
    , m_count(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);

    m_filter->setPlaceholderText(tr("Filter by name (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_group->addItem(tr("All groups"), QString());
    for (const char *g : ql::kGroups)
        m_group->addItem(QString::fromLatin1(g), QString::fromLatin1(g));
    m_band->addItem(tr("All bands"), -1);
    for (auto b : {ql::SnrBand::Excellent, ql::SnrBand::Good, ql::SnrBand::Acceptable, ql::SnrBand::Investigate,
                   ql::SnrBand::Undefined})
        m_band->addItem(bandDescription(b), int(b));
    for (int i = 1; i < m_band->count(); ++i)
        m_band->setItemData(i, bandColor(ql::SnrBand(m_band->itemData(i).toInt())), Qt::DecorationRole);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_regex);
    bar->addWidget(m_group);
    bar->addWidget(m_band);
    bar->addWidget(m_count);

    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(LayerTableModel::Offset, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::SelectedClicked |
                            QAbstractItemView::EditKeyPressed);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setSectionResizeMode(LayerTableModel::Name, QHeaderView::Stretch);
    m_view->setItemDelegateForColumn(LayerTableModel::Snr, new SnrBarDelegate(this));
    m_view->setItemDelegateForColumn(LayerTableModel::Strategy, new StrategyDelegate(this));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setWordWrap(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QLineEdit::textChanged, this, &LayerTablePanel::applyFilter);
    connect(m_regex, &QCheckBox::toggled, this, &LayerTablePanel::applyFilter);
    connect(m_group, &QComboBox::currentIndexChanged, this, &LayerTablePanel::applyFilter);
    connect(m_band, &QComboBox::currentIndexChanged, this, &LayerTablePanel::applyFilter);
    connect(m_model, &LayerTableModel::strategyEdited, this, &LayerTablePanel::strategyEdited);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &LayerTablePanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &LayerTablePanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &LayerTablePanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &LayerTablePanel::updateCount);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (m_programmatic || !current.isValid())
                    return;
                Q_EMIT tensorActivated(current.data(LayerTableModel::TensorIndexRole).toInt());
            });
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (m_contextMenu && m_view->indexAt(pos).isValid())
            m_contextMenu->popup(m_view->viewport()->mapToGlobal(pos));
    });
    updateCount();
}

void LayerTablePanel::setResults(std::shared_ptr<const ql::QuantizeResult> result,
                                 std::shared_ptr<const ql::QuantizeResult> baseline, bool editable)
{
    m_model->setResults(std::move(result), std::move(baseline), editable);
    m_view->resizeColumnsToContents();
    m_view->horizontalHeader()->setSectionResizeMode(LayerTableModel::Name, QHeaderView::Stretch);
    // The combo box needs room for the longest strategy name, which the current contents may not show.
    m_view->setColumnWidth(LayerTableModel::Strategy,
                           std::max(m_view->columnWidth(LayerTableModel::Strategy),
                                    m_view->fontMetrics().horizontalAdvance(QStringLiteral("per_channel_percentile")) + 40));
    m_view->setColumnWidth(LayerTableModel::Snr, std::max(m_view->columnWidth(LayerTableModel::Snr), 110));
}

void LayerTablePanel::updateResults(std::shared_ptr<const ql::QuantizeResult> result)
{
    m_model->updateResults(std::move(result));
}

void LayerTablePanel::setSelectedTensor(int index)
{
    m_programmatic = true;
    if (index < 0 || index >= m_model->rowCount()) {
        m_view->selectionModel()->clearSelection();
    } else {
        const QModelIndex src = m_model->index(index, 0);
        const QModelIndex idx = m_proxy->mapFromSource(src);
        if (idx.isValid()) {
            // Keep a multi-selection that already contains the tensor (the user is about to act on it).
            if (!m_view->selectionModel()->isRowSelected(idx.row(), idx.parent()))
                m_view->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect |
                                                                   QItemSelectionModel::Rows);
            else
                m_view->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::NoUpdate);
            m_view->scrollTo(idx);
        }
    }
    m_programmatic = false;
}

QVector<int> LayerTablePanel::selectedTensors() const
{
    QVector<int> out;
    const auto rows = m_view->selectionModel()->selectedRows();
    for (const auto &r : rows)
        out.append(r.data(LayerTableModel::TensorIndexRole).toInt());
    std::sort(out.begin(), out.end());
    return out;
}

void LayerTablePanel::focusFilter()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void LayerTablePanel::applyFilter()
{
    m_proxy->setNameFilter(m_filter->text(), m_regex->isChecked());
    m_proxy->setGroupFilter(m_group->currentData().toString());
    m_proxy->setBandFilter(m_band->currentData().toInt());
    // An invalid regex is shown, not silently treated as "match everything".
    m_filter->setToolTip(m_proxy->isNameFilterValid() ? QString() : tr("Invalid regular expression: %1")
                                                                         .arg(m_proxy->nameFilterError()));
    QPalette pal = m_filter->palette();
    pal.setColor(QPalette::Text, m_proxy->isNameFilterValid() ? palette().color(QPalette::Text)
                                                              : bandColor(ql::SnrBand::Investigate));
    m_filter->setPalette(pal);
    updateCount();
}

void LayerTablePanel::updateCount()
{
    m_count->setText(tr("%1 of %2 tensors").arg(m_proxy->rowCount()).arg(m_model->rowCount()));
}
