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
    switch (band) {
    case ql::SnrBand::Excellent:
        return QCoreApplication::translate("bands", "excellent (> 40 dB)");
    case ql::SnrBand::Good:
        return QCoreApplication::translate("bands", "good (30-40 dB)");
    case ql::SnrBand::Acceptable:
        return QCoreApplication::translate("bands", "acceptable (20-30 dB)");
    case ql::SnrBand::Investigate:
        return QCoreApplication::translate("bands", "investigate (< 20 dB)");
    case ql::SnrBand::Undefined:
        break;
    }
    return QCoreApplication::translate("bands", "all-zero (SNR undefined)");
}
