#include "layertablepanel.h"

#include "bands.h"
#include "layerfilterproxy.h"
#include "layertablemodel.h"
#include "readers/model.h"
#include "snrbardelegate.h"
#include "strategydelegate.h"
#include "tablecopy.h"
#include "textlabel.h"

#include <algorithm>
#include <QCheckBox>
#include <QKeyEvent>
#include <QSettings>
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
    , m_warnings(makeTextLabel(this))
{
    m_proxy->setSourceModel(m_model);

    m_filter->setPlaceholderText(tr("Filter by name or glob, e.g. layers.*.in_proj.weight (Ctrl+F)"));
    m_filter->setToolTip(tr("Substring, or the overrides' glob syntax (* ? [..]) to preview which tensors a rule "
                            "reaches. Esc clears, Down moves into the table."));
    m_filter->installEventFilter(this);
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
    // The name comes first: elided in the middle so the end (…in_proj.weight) stays readable, user-resizable,
    // remembered; the numeric columns give way (the last one stretches into what is left).
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setSectionsMovable(false);
    m_view->setItemDelegateForColumn(LayerTableModel::Snr, new SnrBarDelegate(this));
    m_view->setItemDelegateForColumn(LayerTableModel::Strategy, new StrategyDelegate(this));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setWordWrap(false);

    m_warnings->setFrameShape(QFrame::StyledPanel);
    m_warnings->setMargin(4);
    m_warnings->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_warnings);
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
    connect(m_view->horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_view, &QTableView::scrollToTop);
    connect(m_view->horizontalHeader(), &QHeaderView::sectionResized, this, [this](int section, int, int size) {
        if (section == LayerTableModel::Name && m_sizedName)
            QSettings().setValue(QStringLiteral("layerTable/nameWidth"), size);
    });
    installTsvCopy(m_view);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (m_contextMenu && m_view->indexAt(pos).isValid())
            m_contextMenu->popup(m_view->viewport()->mapToGlobal(pos));
    });
    updateCount();
}

void LayerTablePanel::setResults(std::shared_ptr<const ql::QuantizeResult> result,
                                 std::shared_ptr<const ql::QuantizeResult> baseline, bool editable)
{
    const bool hasBaseline = baseline != nullptr;
    showWarnings(result.get());
    m_model->setResults(std::move(result), std::move(baseline), editable);
    // "Before" and "Δ" mean something only against a baseline (the seed's quantization of the same checkpoint).
    m_view->setColumnHidden(LayerTableModel::SnrBefore, !hasBaseline);
    m_view->setColumnHidden(LayerTableModel::SnrDelta, !hasBaseline);
    sizeColumns();
}

void LayerTablePanel::sizeColumns()
{
    m_sizedName = false;
    m_view->resizeColumnsToContents();
    // The combo box needs room for the longest strategy name, which the current contents may not show.
    m_view->setColumnWidth(LayerTableModel::Strategy,
                           std::max(m_view->columnWidth(LayerTableModel::Strategy),
                                    m_view->fontMetrics().horizontalAdvance(QStringLiteral("per_channel_percentile")) + 40));
    m_view->setColumnWidth(LayerTableModel::Snr, std::max(m_view->columnWidth(LayerTableModel::Snr), 110));
    // Name: the user's width when there is one; else its content width, but never under 28 characters nor over
    // half the view.
    const int saved = QSettings().value(QStringLiteral("layerTable/nameWidth"), 0).toInt();
    const int chars = m_view->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    const int content = m_view->columnWidth(LayerTableModel::Name);
    const int cap = std::max(28 * chars, m_view->viewport()->width() / 2);
    m_view->setColumnWidth(LayerTableModel::Name, saved > 0 ? saved : std::clamp(content, 28 * chars, cap));
    m_sizedName = true;
}

bool LayerTablePanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape && !m_filter->text().isEmpty()) {
            m_filter->clear();
            return true;
        }
        if (key->key() == Qt::Key_Down && m_proxy->rowCount() > 0) {
            m_view->setFocus(Qt::TabFocusReason);
            if (!m_view->currentIndex().isValid())
                m_view->selectionModel()->setCurrentIndex(m_proxy->index(0, 0), QItemSelectionModel::ClearAndSelect |
                                                                                    QItemSelectionModel::Rows);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void LayerTablePanel::updateResults(std::shared_ptr<const ql::QuantizeResult> result)
{
    showWarnings(result.get()); // an edit of the rules changes which of them match nothing
    m_model->updateResults(std::move(result));
}

void LayerTablePanel::showWarnings(const ql::QuantizeResult *result)
{
    QStringList warnings;
    if (result) {
        // The CLI's lines, except that a skipped tensor's short line gives way to the reason the core records for it
        // (one line per tensor, not two).
        for (const auto &w : result->warnings) {
            const bool skippedLine = std::any_of(result->skipped.begin(), result->skipped.end(), [&](const auto &sk) {
                return w.rfind("skipped '" + sk.name + "'", 0) == 0;
            });
            if (!skippedLine)
                warnings << QString::fromStdString(w).toHtmlEscaped();
        }
        for (const auto &sk : result->skipped)
            warnings << tr("skipped %1: %2").arg(QString::fromStdString(sk.name).toHtmlEscaped(),
                                                 QString::fromStdString(sk.reason).toHtmlEscaped());
    }
    m_warnings->setText(warnings.isEmpty() ? QString()
                                           : tr("<b>%n warning(s)</b> (as the command line prints them):<br>", nullptr,
                                                int(warnings.size())) +
                                                 warnings.join(QStringLiteral("<br>")));
    m_warnings->setVisible(!warnings.isEmpty());
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
    QString text = tr("%1 of %2 tensors").arg(m_proxy->rowCount()).arg(m_model->rowCount());
    if (m_proxy->isGlob())
        text = tr("glob matches %1 of %2").arg(m_proxy->rowCount()).arg(m_model->rowCount());
    m_count->setText(text);
}
