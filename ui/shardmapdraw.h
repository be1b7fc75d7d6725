#pragma once
// Small drawing helpers shared by the shard map's interaction (shardmapview.cpp) and painting (shardmappaint.cpp).
#include "inspection/summary.h"

#include <QColor>
#include <QString>

#include <cstdint>

namespace shardmap {

inline constexpr uint64_t kAlign = 4096;
inline constexpr int kGutterMarks = 18; ///< right part of the gutter: go-to arrow and selection bar

inline QString hexOffset(uint64_t v, int digits = 8)
{
    return QStringLiteral("0x%1").arg(v, digits, 16, QLatin1Char('0'));
}

inline QString grouped(uint64_t v) { return QString::fromStdString(ql::groupDigits(v)); }

/// Perceived lightness, to pick black or white text on a cell.
inline bool isDark(QRgb c) { return 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c) < 140; }

inline QString formatValue(double v) { return QString::number(v, 'g', 4); }

} // namespace shardmap
