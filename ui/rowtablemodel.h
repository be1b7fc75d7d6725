#pragma once
#include "inspection/analysis.h"

#include <QAbstractTableModel>
#include <memory>
#include <vector>

/// A row per channel of the drill-down tensor: SNR, error, scale and the weight that sets it. It sorts itself (the
/// view's header calls sort()): row r of the model is channel channelAt(r). A 4096-wide layer has 4096 rows, and a
/// QSortFilterProxyModel re-sorted them through QModelIndex and data() on each new analysis (~3 ms of the GUI thread
/// with a numeric lessThan, ~5 ms through QVariant); here a reset sorts a vector of doubles.
class RowTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Row, Snr, MaxAbsError, Scale, SetterColumn, SetterValue, Ratio, Clipped, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit RowTableModel(QObject *parent = nullptr);
    /// `scales` are the tensor's per-row scales (the analysis has none for per-tensor layouts). The rows come in the
    /// current sort order.
    void setResults(std::shared_ptr<const ql::TensorAnalysis> analysis, std::vector<float> scales);
    /// The channel (row of the tensor) shown in model row `row`, -1 outside the model.
    int channelAt(int row) const;
    /// Stable: rows with equal keys keep the order they had. Keeps persistent indexes (the current row) on their
    /// channel.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    /// What `column` of channel `channel` sorts by (SortRole's value).
    double sortKey(int channel, int column) const;
    /// m_order sorted by m_sortColumn / m_sortOrder, stably from its current order; channel order for column -1.
    void applySort();

    std::shared_ptr<const ql::TensorAnalysis> m_analysis;
    std::vector<float> m_scales;
    std::vector<int> m_order; ///< model row -> channel
    int m_sortColumn = -1;    ///< -1: channel order
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};
