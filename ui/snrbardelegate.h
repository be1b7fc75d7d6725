#pragma once
#include <QStyledItemDelegate>

/// Paints an SNR cell as a bar (0-60 dB) in its band's colour under the number, like hotspot's cost bars.
class SnrBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    /// Bars span 0..kFullScaleDb; higher SNRs fill the cell.
    static constexpr double kFullScaleDb = 60.0;
    explicit SnrBarDelegate(QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};
