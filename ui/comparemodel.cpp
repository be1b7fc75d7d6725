#include "comparemodel.h"

#include "inspection/summary.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <cmath>
#include <limits>

using ql::TensorDelta;
using ql::TensorStatus;

namespace {

/// Absent figures sort below every number (a null QVariant would not compare at all).
QVariant number(const std::optional<double> &v) { return v ? *v : -std::numeric_limits<double>::max(); }

QString fixed(const std::optional<double> &v, int digits, bool sign = false)
{
    if (!v)
        return QStringLiteral("–");
    if (!std::isfinite(*v))
        return QStringLiteral("∞");
    const QString s = QString::number(*v, 'f', digits);
    return sign && *v > 0 ? QLatin1Char('+') + s : s;
}

QString percent(const std::optional<double> &v)
{
    if (!v)
        return QStringLiteral("–");
    if (!std::isfinite(*v))
        return QStringLiteral("∞");
    const double p = *v * 100.0;
    return p == 0 ? QStringLiteral("0") : QString::number(p, p < 0.01 ? 'e' : 'f', p < 0.01 ? 1 : 3) + QLatin1Char('%');
}

QColor statusColor(TensorStatus s)
{
    switch (s) {
    case TensorStatus::Same:
        return {};
    case TensorStatus::Changed:
        return QColor(0xd0, 0x8a, 0x00);
    case TensorStatus::Reshaped:
        return QColor(0x8e, 0x44, 0xad);
    case TensorStatus::Added:
        return QColor(0x27, 0x8e, 0x3c);
    case TensorStatus::Removed:
        return QColor(0xc0, 0x39, 0x2b);
    }
    return {};
}

} // namespace

CompareTableModel::CompareTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

double CompareTableModel::changeOf(const TensorDelta &d)
{
    if (!d.bothSides() || d.status == TensorStatus::Reshaped)
        return 1.0;
    if (d.relL2Change)
        return std::isfinite(*d.relL2Change) ? *d.relL2Change : 1e300;
    if (d.int8BytesChanged && d.a->size)
        return double(*d.int8BytesChanged) / double(d.a->size);
    return d.status == TensorStatus::Same ? 0.0 : 1e-300;
}

void CompareTableModel::setResult(std::shared_ptr<const ql::CompareResult> result)
{
    beginResetModel();
    m_result = std::move(result);
    m_names.clear();
    if (m_result)
        for (const auto &d : m_result->tensors)
            m_names.push_back(QString::fromStdString(d.name));
    endResetModel();
}

int CompareTableModel::rowOf(const QString &name) const
{
    if (!m_result)
        return -1;
    const auto *d = m_result->find(name.toStdString());
    return d ? int(d - m_result->tensors.data()) : -1;
}

int CompareTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_result ? 0 : int(m_result->tensors.size());
}

int CompareTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CompareTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TensorDelta &d = m_result->tensors[std::size_t(index.row())];
    const auto bytes = d.int8BytesChanged ? std::optional<double>(double(*d.int8BytesChanged)) : std::nullopt;
    switch (role) {
    case NameRole:
        return m_names[index.row()];
    case StatusRole:
        return int(d.status);
    case ChangeRole:
        return changeOf(d);
    case SortRole: {
        // The numeric columns sort by their field, a missing value first.
        static constexpr std::optional<double> TensorDelta::*kField[ColumnCount]
            = {nullptr, nullptr, &TensorDelta::snrA, &TensorDelta::snrB, &TensorDelta::snrDelta, nullptr,
               &TensorDelta::maxAbsChange, &TensorDelta::scaleMaxRelChange, nullptr};
        if (index.column() == Name)
            return m_names[index.row()];
        if (index.column() == Status)
            return int(d.status);
        if (index.column() == RelChange) // a new, removed or reshaped tensor counts as changed
            return changeOf(d);
        return number(index.column() == BytesChanged ? bytes : d.*kField[index.column()]);
    }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return m_names[index.row()];
        case Status:
            return QString::fromLatin1(ql::statusName(d.status));
        case SnrA:
            return fixed(d.snrA, 2);
        case SnrB:
            return fixed(d.snrB, 2);
        case SnrDelta:
            return fixed(d.snrDelta, 2, true);
        case RelChange:
            return percent(d.relL2Change);
        case MaxAbsChange:
            return d.maxAbsChange ? QString::number(*d.maxAbsChange, 'e', 2) : QStringLiteral("–");
        case ScaleDrift:
            return percent(d.scaleMaxRelChange);
        case BytesChanged:
            return bytes ? QLocale().toString(qulonglong(*d.int8BytesChanged)) : QStringLiteral("–");
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Status && d.a && d.b && d.status == TensorStatus::Reshaped)
            return tr("%1 → %2").arg(QString::fromStdString(ql::shapeText(d.a->shape)),
                                     QString::fromStdString(ql::shapeText(d.b->shape)));
        if (index.column() == Status && d.strategyChanged)
            return tr("strategy %1 → %2").arg(QString::fromStdString(d.a->strategy.name()),
                                              QString::fromStdString(d.b->strategy.name()));
        return {};
    case Qt::ForegroundRole:
        if (index.column() == Status && d.status != TensorStatus::Same)
            return QBrush(statusColor(d.status));
        if (index.column() == SnrDelta && d.snrDelta && std::fabs(*d.snrDelta) >= 0.005)
            return QBrush(*d.snrDelta > 0 ? QColor(0x27, 0x8e, 0x3c) : QColor(0xc0, 0x39, 0x2b));
        return {};
    case Qt::TextAlignmentRole:
        return int(index.column() <= Status ? Qt::AlignLeft | Qt::AlignVCenter : Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant CompareTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char *names[] = {"Name", "Status", "SNR A", "SNR B", "ΔSNR", "Rel. change", "Max |Δw|",
                                  "Scale drift", "Bytes changed"};
    static const char *tips[] = {"Tensor name (file order)",
                                 "same / changed / reshaped / added / removed",
                                 "Quantization SNR of A (dB)",
                                 "Quantization SNR of B (dB)",
                                 "SNR of B − SNR of A (dB)",
                                 "‖B − A‖ / ‖A‖ of the FP32 weights (both sides checkpoints)",
                                 "Largest absolute change of one FP32 weight",
                                 "Largest relative change of one row's scale",
                                 "INT8 codes that differ"};
    if (role == Qt::DisplayRole)
        return tr(names[section]);
    if (role == Qt::ToolTipRole)
        return tr(tips[section]);
    return {};
}

CompareFilterProxy::CompareFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CompareTableModel::SortRole);
}

void CompareFilterProxy::setChangedOnly(bool on)
{
    if (on == m_changedOnly)
        return;
    m_changedOnly = on;
    invalidateFilter();
}

void CompareFilterProxy::setNameFilter(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

bool CompareFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_changedOnly && i.data(CompareTableModel::StatusRole).toInt() == int(TensorStatus::Same))
        return false;
    return m_text.isEmpty() || i.data(CompareTableModel::NameRole).toString().contains(m_text, Qt::CaseInsensitive);
}
