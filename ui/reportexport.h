#pragma once
#include "inspection/report.h"

#include <filesystem>

/// Writes the report in any format, the one entry point of `quantlens-report` and the window's File → Export Report.
/// HTML, Markdown and PDF draw their figures with the window's views (needs a QApplication, GUI thread); Markdown
/// writes them as PNG files into "<stem>_files/" beside it. Every file is written atomically. Throws ql::Error.
/// Returns the files written.
std::vector<std::filesystem::path> writeReport(const ql::ReportData &report, ql::ReportFormat format,
                                               const std::filesystem::path &file);
