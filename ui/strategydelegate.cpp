#include "strategydelegate.h"

#include "layertablemodel.h"

#include <QComboBox>

StrategyDelegate::StrategyDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

QWidget *StrategyDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &, const QModelIndex &index) const
{
    auto *combo = new QComboBox(parent);
    combo->addItems(index.data(LayerTableModel::StrategyChoicesRole).toStringList());
    // Commit as soon as a choice is made: a preview should not wait for the editor to lose focus.
    connect(combo, &QComboBox::activated, this, [this, combo] {
        auto *self = const_cast<StrategyDelegate *>(this);
        Q_EMIT self->commitData(combo);
        Q_EMIT self->closeEditor(combo);
    });
    return combo;
}

void StrategyDelegate::setEditorData(QWidget *editor, const QModelIndex &index) const
{
    auto *combo = static_cast<QComboBox *>(editor);
    combo->setCurrentText(index.data(Qt::EditRole).toString());
}

void StrategyDelegate::setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const
{
    auto *combo = static_cast<QComboBox *>(editor);
    if (combo->currentText() != index.data(Qt::EditRole).toString())
        model->setData(index, combo->currentText(), Qt::EditRole);
}
