#pragma once
#include "inspection/analysis.h"

#include <QAbstractTableModel>
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

private:
    std::shared_ptr<const ql::TensorAnalysis> m_analysis;
    std::vector<float> m_scales;
};
