#pragma once
#include "session/compare.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QVector>
#include <memory>

/// One row per tensor of a comparison, A and B aligned by name, with the delta columns (hotspot-style thin model:
/// SortRole gives raw numbers, DisplayRole formats).
class CompareTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Status, SnrA, SnrB, SnrDelta, RelChange, MaxAbsChange, ScaleDrift, BytesChanged, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw numbers (absent figures sort below every number)
        NameRole,                    ///< tensor name, in every column
        StatusRole,                  ///< int(ql::TensorStatus)
        ChangeRole,                  ///< the "how much changed" key: relative L2 change, else fraction of codes
    };

    explicit CompareTableModel(QObject *parent = nullptr);

    /// A new comparison: resets the model. The result points into its sessions: the owner keeps them alive.
    void setResult(std::shared_ptr<const ql::CompareResult> result);
    const std::shared_ptr<const ql::CompareResult> &result() const { return m_result; }
    /// Row of a tensor name, or -1.
    int rowOf(const QString &name) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// The sort key of a delta: its largest-change figure (relative L2, else the fraction of INT8 codes changed;
    /// added/removed/reshaped count as a full change).
    static double changeOf(const ql::TensorDelta &d);

private:
    std::shared_ptr<const ql::CompareResult> m_result;
    QVector<QString> m_names;
};

/// Sorts by SortRole and filters by name substring and "changed only" (everything but `same`).
class CompareFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit CompareFilterProxy(QObject *parent = nullptr);
    void setChangedOnly(bool on);
    bool changedOnly() const { return m_changedOnly; }
    void setNameFilter(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_changedOnly = false;
    QString m_text;
};
