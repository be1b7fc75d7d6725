#pragma once
#include <QRegularExpression>
#include <QSortFilterProxyModel>

/// Sorts the layer table by raw numbers and filters it by name (substring or regex), group and SNR band.
class LayerFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit LayerFilterProxy(QObject *parent = nullptr);

    /// Case-insensitive substring, or a regular expression when `regex`. An invalid regex matches nothing.
    void setNameFilter(const QString &text, bool regex);
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
    QRegularExpression m_re;
    bool m_valid = true;
    QString m_error;
    QString m_group;
    int m_band = -1;
};
