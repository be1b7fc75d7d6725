#pragma once
#include <QPalette>
#include <QString>

class QCustomPlot;
class QCPTextElement;

/// Colours a plot from the widget's palette (system light/dark), so plots follow the desktop like the rest of the UI.
void applyPalette(QCustomPlot *plot, const QPalette &palette);
/// Adds a title row above the axis rect and returns it (set its text when the data changes).
QCPTextElement *addTitle(QCustomPlot *plot, const QString &text = {});
/// Whole-number ticks (rows, channels): no "row 0.5".
void setIntegerTicks(QCustomPlot *plot);
