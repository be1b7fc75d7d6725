#pragma once
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <string>

/// Sorts the layer table by raw numbers and filters it by name (substring or regex), group and SNR band.
class LayerFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit LayerFilterProxy(QObject *parent = nullptr);

    /// Case-insensitive substring; the overrides' glob syntax (ql::globMatch) when the text holds * ? or [, so a
    /// rule's reach can be previewed; a regular expression when `regex`. An invalid regex matches nothing.
    void setNameFilter(const QString &text, bool regex);
    /// The name filter is a glob (what an overrides rule would match).
    bool isGlob() const { return m_glob; }
    bool isNameFilterValid() const { return m_valid; }
    QString nameFilterError() const { return m_error; }
    /// Empty: all groups.
    void setGroupFilter(const QString &group);
    /// -1: all bands, else int(ql::SnrBand).
    void setBandFilter(int band);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    bool m_regex = false;
    bool m_glob = false;
    std::string m_globText;
    QRegularExpression m_re;
    bool m_valid = true;
    QString m_error;
    QString m_group;
    int m_band = -1;
};
