#include "rowtablemodel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

RowTableModel::RowTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RowTableModel::setResults(std::shared_ptr<const ql::TensorAnalysis> analysis, std::vector<float> scales)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    m_scales = std::move(scales);
    m_order.resize(m_analysis ? m_scales.size() : 0);
    std::iota(m_order.begin(), m_order.end(), 0);
    applySort();
    endResetModel();
}

int RowTableModel::channelAt(int row) const
{
    return row >= 0 && std::size_t(row) < m_order.size() ? m_order[std::size_t(row)] : -1;
}

void RowTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < -1 || column >= ColumnCount)
        return;
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::vector<int> channels;
    channels.reserve(std::size_t(before.size()));
    for (const QModelIndex &i : before)
        channels.push_back(channelAt(i.row()));
    m_sortColumn = column;
    m_sortOrder = order;
    applySort();
    std::vector<int> rowOf(m_order.size());
    for (std::size_t r = 0; r < m_order.size(); ++r)
        rowOf[std::size_t(m_order[r])] = int(r);
    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype k = 0; k < before.size(); ++k)
        after << (channels[std::size_t(k)] < 0 ? QModelIndex()
                                               : index(rowOf[std::size_t(channels[std::size_t(k)])],
                                                       before[k].column()));
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void RowTableModel::applySort()
{
    if (m_sortColumn < 0) {
        std::iota(m_order.begin(), m_order.end(), 0);
        return;
    }
    std::vector<double> key(m_order.size());
    for (std::size_t c = 0; c < key.size(); ++c)
        key[c] = sortKey(int(c), m_sortColumn);
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    std::stable_sort(m_order.begin(), m_order.end(), [&](int a, int b) {
        return ascending ? key[std::size_t(a)] < key[std::size_t(b)] : key[std::size_t(b)] < key[std::size_t(a)];
    });
}

int RowTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_analysis ? 0 : int(m_scales.size());
}

int RowTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RowTableModel::data(const QModelIndex &index, int role) const
{
    const int channel = index.isValid() ? channelAt(index.row()) : -1;
    if (channel < 0 || !m_analysis)
        return {};
    const auto r = std::size_t(channel);
    const bool src = m_analysis->hasSource && r < m_analysis->setters.size();
    const double snr = src ? m_analysis->rowSnr[r] : std::numeric_limits<double>::quiet_NaN();
    if (role == SortRole)
        return sortKey(channel, index.column());
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
        return channel;
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

double RowTableModel::sortKey(int channel, int column) const
{
    if (!m_analysis || channel < 0 || channel >= int(m_scales.size()))
        return 0.0;
    const auto r = std::size_t(channel);
    const bool src = m_analysis->hasSource && r < m_analysis->setters.size();
    switch (column) {
    case Row:
        return double(channel);
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
