#include "layertablemodel.h"

#include "inspection/analysis.h"
#include "bands.h"

#include <QFont>
#include <limits>

namespace {
QString digits(uint64_t v) { return QString::fromStdString(ql::groupDigits(v)); }
QString snrText(const std::optional<double> &v) { return v ? QString::number(*v, 'f', 2) : QStringLiteral("—"); }
// All-zero tensors sort below every real SNR, as `quantlens-cli inspect --sort snr` lists them first.
double snrKey(const std::optional<double> &v) { return v ? *v : std::numeric_limits<double>::lowest(); }
} // namespace

LayerTableModel::LayerTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void LayerTableModel::setResults(std::shared_ptr<const ql::QuantizeResult> result,
                                 std::shared_ptr<const ql::QuantizeResult> baseline, bool editable)
{
    beginResetModel();
    m_result = std::move(result);
    m_baseline = std::move(baseline);
    m_editable = editable;
    rebuildCache();
    endResetModel();
}

void LayerTableModel::updateResults(std::shared_ptr<const ql::QuantizeResult> result)
{
    if (!m_result || !result || result->tensors.size() != m_result->tensors.size()) {
        setResults(std::move(result), m_baseline, m_editable);
        return;
    }
    m_result = std::move(result);
    rebuildCache();
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void LayerTableModel::rebuildCache()
{
    m_rows.clear();
    if (!m_result)
        return;
    m_rows.reserve(int(m_result->tensors.size()));
    for (std::size_t i = 0; i < m_result->tensors.size(); ++i) {
        const auto &t = m_result->tensors[i];
        RowCache c;
        c.snr = t.stats.snrDb();
        // Joined by name: the baseline is the seed's quantization of the same checkpoint. Without one (an output
        // folder) there is no "before", and the panel hides those columns rather than repeat the SNR.
        if (const auto *b = m_baseline ? m_baseline->find(t.name) : nullptr) {
            c.before = b->stats.snrDb();
            c.changed = !(b->strategy == t.strategy);
        }
        c.band = ql::snrBand(c.snr);
        c.shard = ql::shardOf(m_result->shards, t.offset);
        c.name = QString::fromStdString(t.name);
        c.group = QString::fromStdString(t.group);
        c.shape = QString::fromStdString(ql::shapeText(t.shape));
        c.dtype = QString::fromLatin1(ql::dtypeName(t.dtype));
        c.strategy = QString::fromStdString(t.strategy.name());
        c.numel = qlonglong(t.size);
        m_rows.append(std::move(c));
    }
}

int LayerTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int LayerTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const RowCache &c = m_rows[index.row()];
    const auto &t = m_result->tensors[std::size_t(index.row())];
    switch (role) {
    case TensorIndexRole:
        return index.row();
    case BandRole:
        return int(c.band);
    case NameRole:
        return c.name;
    case GroupRole:
        return c.group;
    case SnrRole:
        return c.snr ? QVariant(*c.snr) : QVariant();
    case StrategyChoicesRole: {
        QStringList names;
        for (const auto &s : ql::candidateStrategies(t.shape.size()))
            names << QString::fromStdString(s.name());
        return names;
    }
    case SortRole:
        switch (index.column()) {
        case Name:
            return c.name;
        case Group:
            return c.group;
        case Shape:
            return c.numel;
        case DType:
            return c.dtype;
        case Strategy:
            return c.strategy;
        case Snr:
            return snrKey(c.snr);
        case SnrBefore:
            return snrKey(c.before);
        case SnrDelta:
            return c.snr && c.before ? *c.snr - *c.before : 0.0; // sorts with "no change"
        case Mse:
            return t.stats.mse();
        case MaxAbsError:
            return t.stats.maxAbsErr;
        case RelativeError:
            return t.stats.relativeErrorPct();
        case Bytes:
            return qulonglong(t.size);
        case Offset:
            return qulonglong(t.offset);
        case Shard:
            return c.shard;
        }
        return {};
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case Name:
            return c.name;
        case Group:
            return c.group;
        case Shape:
            return c.shape;
        case DType:
            return c.dtype;
        case Strategy:
            return c.strategy;
        case Snr:
            return snrText(c.snr);
        case SnrBefore:
            return snrText(c.before);
        case SnrDelta:
            if (!c.changed)
                return QString();
            return c.snr && c.before ? QString::asprintf("%+.2f", *c.snr - *c.before) : QStringLiteral("—");
        case Mse:
            return QString::number(t.stats.mse(), 'e', 3);
        case MaxAbsError:
            return QString::number(t.stats.maxAbsErr, 'e', 3);
        case RelativeError:
            return QString::number(t.stats.relativeErrorPct(), 'f', 4);
        case Bytes:
            return digits(t.size);
        case Offset:
            return digits(t.offset);
        case Shard:
            return c.shard;
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == Name)
            return bandColor(c.band);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= Snr || index.column() == Shape)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::FontRole:
        if (index.column() == Strategy && t.overridden) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Name:
        case Snr:
            return tr("%1: %2").arg(c.name, bandDescription(c.band));
        case Strategy:
            return tr("%1 (manifest: %2)%3")
                .arg(c.strategy, QString::fromLatin1(t.strategy.manifestQuantization()),
                     t.rule >= 0 ? tr(", overrides rule %1").arg(t.rule) : QString());
        case SnrDelta:
            return tr("SNR change against the seed's default strategy");
        }
        return {};
    }
    return {};
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        static const char *const names[ColumnCount] = {
            QT_TR_NOOP("Name"),   QT_TR_NOOP("Group"),   QT_TR_NOOP("Shape"),     QT_TR_NOOP("DType"),
            QT_TR_NOOP("Strategy"), QT_TR_NOOP("SNR dB"), QT_TR_NOOP("Before dB"), QT_TR_NOOP("Δ dB"),
            QT_TR_NOOP("MSE"),    QT_TR_NOOP("Max |err|"), QT_TR_NOOP("Rel. err %"), QT_TR_NOOP("Bytes"),
            QT_TR_NOOP("Offset"), QT_TR_NOOP("Shard")};
        return tr(names[section]);
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Strategy:
            return tr("Quantization strategy (editable when the FP32 checkpoint is open)");
        case Snr:
            return tr("10·log10(mean w² / max(mean err², 1e-10))");
        case SnrBefore:
            return tr("SNR under the seed's default strategy");
        case Shard:
            return tr("WeightShard account holding the tensor's first byte");
        }
    }
    return {};
}

Qt::ItemFlags LayerTableModel::flags(const QModelIndex &index) const
{
    auto f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == Strategy && m_editable)
        f |= Qt::ItemIsEditable;
    return f;
}

bool LayerTableModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!index.isValid() || index.column() != Strategy || role != Qt::EditRole || !m_editable)
        return false;
    const QString name = value.toString();
    if (!ql::Strategy::fromName(name.toStdString()))
        return false;
    // The model stays a view of the result: the document applies the change (undoably) and refreshes us.
    Q_EMIT strategyEdited(index.row(), name);
    return true;
}
