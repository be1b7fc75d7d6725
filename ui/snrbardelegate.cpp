#include "snrbardelegate.h"

#include "bands.h"
#include "layertablemodel.h"

#include <QApplication>
#include <QPainter>

SnrBarDelegate::SnrBarDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void SnrBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const QVariant snr = index.data(LayerTableModel::SnrRole);
    const auto band = ql::SnrBand(index.data(LayerTableModel::BandRole).toInt());
    const QRect r = opt.rect.adjusted(2, 3, -2, -3);
    painter->save();
    if (snr.isValid()) {
        const double f = std::clamp(snr.toDouble() / kFullScaleDb, 0.0, 1.0);
        QColor c = bandColor(band);
        c.setAlpha(150);
        painter->fillRect(QRect(r.left(), r.top(), int(r.width() * f), r.height()), c);
    }
    const bool selected = opt.state & QStyle::State_Selected;
    painter->setPen(opt.palette.color(QPalette::Normal, selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(r.adjusted(2, 0, -2, 0), Qt::AlignRight | Qt::AlignVCenter, text);
    painter->restore();
}
