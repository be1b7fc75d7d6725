#pragma once
#include <QString>

/// View → Theme: the desktop's palette, or a light or dark one QuantLens sets itself (plots follow the palette).
namespace theme {
enum class Theme { System, Light, Dark };
/// Applies a theme to the whole application and remembers it (QSettings "view/theme").
void apply(Theme t);
/// The remembered theme (System when none).
Theme saved();
QString name(Theme t); ///< "system", "light", "dark"
} // namespace theme
