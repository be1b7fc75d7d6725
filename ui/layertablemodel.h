#pragma once
#include "quantization/quantize.h"
#include "inspection/summary.h"

#include <QAbstractTableModel>
#include <QVector>
#include <memory>

/// A row per quantized tensor: metadata, strategy and error metrics, before/after an override (hotspot-style thin model).
class LayerTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Group,
        Shape,
        DType,
        Strategy,
        Snr,
        SnrBefore,
        SnrDelta,
        Mse,
        MaxAbsError,
        RelativeError,
        Bytes,
        Offset,
        Shard,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw numbers (or strings) to sort by
        TensorIndexRole,             ///< index into result->tensors
        BandRole,                    ///< int(ql::SnrBand)
        NameRole,                    ///< tensor name (for filters, in every column)
        GroupRole,
        StrategyChoicesRole,         ///< QStringList of strategies that apply to this tensor
        SnrRole,                     ///< SNR in dB, invalid QVariant for all-zero tensors
    };

    explicit LayerTableModel(QObject *parent = nullptr);

    /// A new source: resets the model. `editable` when the strategies can change (FP32 weights loaded).
    void setResults(std::shared_ptr<const ql::QuantizeResult> result,
                    std::shared_ptr<const ql::QuantizeResult> baseline, bool editable);
    /// Same tensors re-quantized: refreshes rows in place so selection, sorting and scrolling stay.
    void updateResults(std::shared_ptr<const ql::QuantizeResult> result);
    std::shared_ptr<const ql::QuantizeResult> result() const { return m_result; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

Q_SIGNALS:
    /// The user picked a strategy in the Strategy column; the document turns it into an undoable edit.
    void strategyEdited(int tensorIndex, const QString &strategy);

private:
    /// What data() needs per row beyond the result, computed once per update (no per-row work in data()).
    struct RowCache
    {
        std::optional<double> snr;
        std::optional<double> before;
        bool changed = false; ///< strategy differs from the baseline's
        ql::SnrBand band = ql::SnrBand::Undefined;
        int shard = -1;
        QString name, group, shape, dtype, strategy;
        qlonglong numel = 0;
    };
    void rebuildCache();

    std::shared_ptr<const ql::QuantizeResult> m_result;
    std::shared_ptr<const ql::QuantizeResult> m_baseline;
    QVector<RowCache> m_rows;
    bool m_editable = false;
};
