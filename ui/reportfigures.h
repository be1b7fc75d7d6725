#pragma once
#include "inspection/reportwriters.h"

#include <vector>

/// The report's figures, drawn by the window's own views (tensor drill-down, scales, LUT curves, shard map) offscreen,
/// so a report and the window never disagree on what a plot shows. Needs a QApplication; runs on the GUI thread.
/// `scale` is the device-pixel ratio of the PNGs (2: sharp in print and on high-DPI screens).
std::vector<ql::ReportFigure> renderReportFigures(const ql::ReportData &report, double scale = 2.0);
