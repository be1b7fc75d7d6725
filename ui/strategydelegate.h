#pragma once
#include <QStyledItemDelegate>

/// Combo box editor for the Strategy column; offers the strategies that apply to the tensor's rank.
class StrategyDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit StrategyDelegate(QObject *parent = nullptr);
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    void setEditorData(QWidget *editor, const QModelIndex &index) const override;
    void setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const override;
};
