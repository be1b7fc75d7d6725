#pragma once
#include "inspection/analysis.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <memory>

/// A row per channel of the drill-down tensor: SNR, error, scale and the weight that sets it.
class RowTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Row, Snr, MaxAbsError, Scale, SetterColumn, SetterValue, Ratio, Clipped, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit RowTableModel(QObject *parent = nullptr);
    /// `scales` are the tensor's per-row scales (the analysis has none for per-tensor layouts).
    void setResults(std::shared_ptr<const ql::TensorAnalysis> analysis, std::vector<float> scales);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    /// What `column` of `row` sorts by (SortRole's value, as a number): a row per channel is 4096 rows for a
    /// 4096-wide layer, and sorting them through data() and QVariant comparisons on each new analysis took ~5 ms of
    /// the GUI thread.
    double sortKey(int row, int column) const;

private:
    std::shared_ptr<const ql::TensorAnalysis> m_analysis;
    std::vector<float> m_scales;
};

/// Sorts a RowTableModel by its sortKey(): the same order as SortRole's values, without a QVariant per comparison.
class RowSortProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};
