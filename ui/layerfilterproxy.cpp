#include "layerfilterproxy.h"

#include "layertablemodel.h"
#include "quantization/overrides.h"

LayerFilterProxy::LayerFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(LayerTableModel::SortRole);
    setDynamicSortFilter(true);
}

void LayerFilterProxy::setNameFilter(const QString &text, bool regex)
{
    m_text = text;
    m_regex = regex;
    m_glob = !regex && text.contains(QRegularExpression(QStringLiteral("[*?\\[]")));
    m_globText = text.toStdString();
    m_valid = true;
    m_error.clear();
    if (regex) {
        m_re = QRegularExpression(text, QRegularExpression::CaseInsensitiveOption);
        m_valid = m_re.isValid();
        if (!m_valid)
            m_error = m_re.errorString();
    }
    invalidateRowsFilter();
}

void LayerFilterProxy::setGroupFilter(const QString &group)
{
    m_group = group;
    invalidateRowsFilter();
}

void LayerFilterProxy::setBandFilter(int band)
{
    m_band = band;
    invalidateRowsFilter();
}

bool LayerFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_group.isEmpty() && idx.data(LayerTableModel::GroupRole).toString() != m_group)
        return false;
    if (m_band >= 0 && idx.data(LayerTableModel::BandRole).toInt() != m_band)
        return false;
    if (m_text.isEmpty())
        return true;
    const QString name = idx.data(LayerTableModel::NameRole).toString();
    if (m_regex)
        return m_valid && m_re.match(name).hasMatch();
    if (m_glob) // exactly what an overrides rule with this "match" reaches (case-sensitive, whole name)
        return ql::globMatch(m_globText, name.toStdString());
    return name.contains(m_text, Qt::CaseInsensitive);
}
