#include "rowtablemodel.h"

#include <cmath>
#include <limits>

RowTableModel::RowTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RowTableModel::setResults(std::shared_ptr<const ql::TensorAnalysis> analysis, std::vector<float> scales)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    m_scales = std::move(scales);
    endResetModel();
}

int RowTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_analysis ? 0 : int(m_scales.size());
}

int RowTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RowTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !m_analysis || index.row() >= int(m_scales.size()))
        return {};
    const auto r = std::size_t(index.row());
    const bool src = m_analysis->hasSource && r < m_analysis->setters.size();
    const double snr = src ? m_analysis->rowSnr[r] : std::numeric_limits<double>::quiet_NaN();
    if (role == SortRole)
        return sortKey(index.row(), index.column());
    if (role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Ratio)
        return tr("|scale-setting weight| / next-largest |w| in the row: far above 1 means one outlier stretches the "
                  "scale");
    if (role != Qt::DisplayRole)
        return {};
    const QString na = QStringLiteral("—");
    switch (index.column()) {
    case Row:
        return index.row();
    case Snr:
        return !src ? na : std::isnan(snr) ? tr("all-zero") : QString::number(snr, 'f', 2);
    case MaxAbsError:
        return src ? QString::number(m_analysis->rowMaxAbsError[r], 'e', 3) : na;
    case Scale:
        return QString::number(double(m_scales[r]), 'e', 4);
    case SetterColumn:
        return src ? QVariant(qlonglong(m_analysis->setters[r].column)) : QVariant(na);
    case SetterValue:
        return src ? QString::number(double(m_analysis->setters[r].value), 'g', 5) : na;
    case Ratio: {
        if (!src)
            return na;
        const double v = m_analysis->setters[r].ratio;
        return std::isinf(v) ? QStringLiteral("∞") : QString::number(v, 'f', 2);
    }
    case Clipped:
        return src ? QVariant(qlonglong(m_analysis->setters[r].clipped)) : QVariant(na);
    }
    return {};
}

double RowTableModel::sortKey(int row, int column) const
{
    if (!m_analysis || row < 0 || row >= int(m_scales.size()))
        return 0.0;
    const auto r = std::size_t(row);
    const bool src = m_analysis->hasSource && r < m_analysis->setters.size();
    switch (column) {
    case Row:
        return double(row);
    case Snr: {
        // All-zero rows (NaN) sort after every real SNR: they are exact, not damaged.
        const double snr = src ? m_analysis->rowSnr[r] : std::numeric_limits<double>::quiet_NaN();
        return std::isnan(snr) ? std::numeric_limits<double>::max() : snr;
    }
    case MaxAbsError:
        return src ? m_analysis->rowMaxAbsError[r] : 0.0;
    case Scale:
        return double(m_scales[r]);
    case SetterColumn:
        return src ? double(m_analysis->setters[r].column) : -1.0;
    case SetterValue:
        return src ? double(m_analysis->setters[r].value) : 0.0;
    case Ratio:
        return src ? m_analysis->setters[r].ratio : 0.0;
    case Clipped:
        return src ? double(m_analysis->setters[r].clipped) : 0.0;
    }
    return 0.0;
}

bool RowSortProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const auto *rows = qobject_cast<const RowTableModel *>(sourceModel());
    if (!rows)
        return QSortFilterProxyModel::lessThan(left, right);
    return rows->sortKey(left.row(), left.column()) < rows->sortKey(right.row(), right.column());
}

QVariant RowTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Row:
        return tr("Row");
    case Snr:
        return tr("SNR dB");
    case MaxAbsError:
        return tr("Max |err|");
    case Scale:
        return tr("Scale");
    case SetterColumn:
        return tr("Max at col");
    case SetterValue:
        return tr("Max weight");
    case Ratio:
        return tr("× next");
    case Clipped:
        return tr("Clipped");
    }
    return {};
}
