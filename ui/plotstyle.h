#pragma once
#include <QPalette>
#include <QString>

class QCustomPlot;
class QCPAxisRect;
class QCPTextElement;
class QSize;
class QWidget;
class QColor;
namespace ql {
struct Histogram;
}

/// A plot as every inspector view uses it: drag/zoom, antialiased data, and fast polylines (a dense antialiased
/// line, e.g. 1676 per-row values, is otherwise stroked as one self-intersecting path: measured with bench_gui,
/// showing the tensor view went from 244 ms to 45 ms, the scales view from 297 ms to 18 ms).
QCustomPlot *makeInspectorPlot(QWidget *parent, const QSize &minimum);

/// Colours the axes, ticks, labels and grid of one axis rect from a palette.
void applyPalette(QCPAxisRect *rect, const QPalette &palette);
/// Colours a plot from the widget's palette (system light/dark), so plots follow the desktop like the rest of the UI.
void applyPalette(QCustomPlot *plot, const QPalette &palette);
/// Adds a title row above the axis rect and returns it (set its text when the data changes).
QCPTextElement *addTitle(QCustomPlot *plot, const QString &text = {});
/// Whole-number ticks (rows, channels): no "row 0.5".
void setIntegerTicks(QCustomPlot *plot);
/// A histogram as a step line over its bin centres (drawn over bars, or several compared in one plot).
void addSteps(QCustomPlot *plot, const ql::Histogram &h, const QColor &color, const QString &name, double width);
