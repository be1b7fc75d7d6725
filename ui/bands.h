#pragma once
#include "inspection/summary.h"

#include <QColor>
#include <QString>

/// Colour of an SNR band: mid-tone hues that read on both light and dark palettes (the only fixed colours we use).
QColor bandColor(ql::SnrBand band);
/// "excellent (> 40 dB)" etc., for legends and tooltips.
QString bandDescription(ql::SnrBand band);
