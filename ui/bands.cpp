#include "bands.h"

#include <QCoreApplication>

QColor bandColor(ql::SnrBand band)
{
    switch (band) {
    case ql::SnrBand::Excellent:
        return QColor(46, 160, 90);
    case ql::SnrBand::Good:
        return QColor(52, 132, 204);
    case ql::SnrBand::Acceptable:
        return QColor(222, 150, 30);
    case ql::SnrBand::Investigate:
        return QColor(214, 60, 60);
    case ql::SnrBand::Undefined:
        break;
    }
    return QColor(140, 140, 140);
}

QString bandDescription(ql::SnrBand band)
{
    return QCoreApplication::translate("bands", ql::snrBandDescription(band).c_str());
}
