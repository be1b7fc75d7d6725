#pragma once
// The report as a document: sections of paragraphs, tables and figures built once from ReportData, then rendered as
// HTML (self-contained, or the subset QTextDocument reads for the PDF) or Markdown. Figures are PNG bytes drawn by
// the GUI's plot code (ui/reportfigures.h); the core only places them.
#include "inspection/report.h"

#include <string>
#include <string_view>
#include <vector>

namespace ql {

/// One picture of the report: PNG bytes and where it belongs.
struct ReportFigure
{
    std::string id;       ///< file-name safe: "lut-silu", "worst-1-hist"
    std::string section;  ///< id of the section that shows it
    std::string title;
    std::string caption;
    std::string png;      ///< encoded image
    int width = 0, height = 0; ///< display size in CSS pixels
    bool wide = false;         ///< spans the page instead of one column
};

struct ReportTable
{
    std::vector<std::string> header;
    std::vector<bool> numeric;                 ///< right-aligned columns
    std::vector<std::vector<std::string>> rows;
    std::string caption;
    bool compact = false; ///< a short key/value table: as wide as its content, not the page
};

struct ReportSection
{
    std::string id, title;
    std::vector<std::string> paragraphs;
    std::vector<ReportTable> tables;
    bool tablesFirst = false;  ///< tables before the section's figures
    bool pageBreak = false;    ///< starts a printed page
    int figureColumns = 2;     ///< figures side by side
};

/// The sections in reading order, verdict first. A later section (lint verdicts, the comparison) is one more
/// function returning a ReportSection, appended by the caller.
std::vector<ReportSection> reportSections(const ReportData &report);

/// Width in CSS pixels of the page the PDF is laid out on (then scaled onto A4's printable width).
constexpr int kPdfLayoutWidth = 800;

enum class HtmlFlavor {
    Browser,  ///< one self-contained file: inline CSS, figures as data: URIs, print styles, no script
    RichText, ///< what QTextDocument renders (the PDF): figures referenced by "<id>.png" resource names
};
std::string renderHtml(const ReportData &report, const std::vector<ReportSection> &sections,
                       const std::vector<ReportFigure> &figures, HtmlFlavor flavor);
/// GitHub-flavoured Markdown; figures as image links "<imageDir>/<id>.png" (the caller writes the files).
std::string renderMarkdown(const ReportData &report, const std::vector<ReportSection> &sections,
                           const std::vector<ReportFigure> &figures, const std::string &imageDir);

std::string htmlEscape(std::string_view text);
std::string base64(std::string_view bytes);

} // namespace ql
