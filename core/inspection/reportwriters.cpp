// HTML and Markdown renderings of the report sections. One HTML generator serves the browser file and the PDF: the
// flavour only changes how figures are referenced and which CSS is emitted (QTextDocument reads a CSS subset).
#include "inspection/reportwriters.h"

#include "base/numberformat.h"
#include "base/enumnames.h"
#include "inspection/summary.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace ql {

namespace {

const char *kBrowserCss = R"CSS(
:root{--fg:#1d2330;--muted:#5b6577;--line:#d5dae3;--head:#eef1f6}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);
  max-width:1180px;margin:24px auto;padding:0 24px;background:#fff}
h1{font-size:24px;margin:0 0 2px}
h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:34px 0 10px}
.meta,figcaption,.caption{color:var(--muted);font-size:12.5px}
.verdict{border:2px solid;border-radius:8px;padding:12px 18px;margin:16px 0 8px}
.verdict.pass{border-color:#1e7b34;background:#eef8f0}.verdict.pass .label{color:#1e7b34}
.verdict.warning{border-color:#b7791f;background:#fdf6e7}.verdict.warning .label{color:#8a5a00}
.verdict.blocking{border-color:#b42318;background:#fdeeec}.verdict.blocking .label{color:#b42318}
.verdict .label{font-size:22px;font-weight:700;letter-spacing:.02em}
.verdict ul{margin:6px 0 10px;padding-left:20px}
.kpis{display:flex;flex-wrap:wrap;gap:6px 30px;margin:6px 0 2px}
.kpi{font-size:12.5px;color:var(--muted)}.kpi b{display:block;font-size:17px;color:var(--fg)}
.signoff{display:flex;gap:28px;margin:8px 0 0;font-size:13px;color:var(--muted)}
.signoff span{flex:1;border-bottom:1px solid var(--fg);padding-top:18px}
table{border-collapse:collapse;width:100%;margin:6px 0 16px;font-size:12.5px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600}
tbody tr:nth-child(even) td{background:#f8f9fb}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.h{font-family:"DejaVu Sans Mono",monospace;font-size:11px;word-break:break-all}
td.t{word-break:break-all}
figure{margin:8px 0 18px;break-inside:avoid}
figure img{max-width:100%;height:auto;border:1px solid var(--line);display:block}
.figs{display:flex;flex-wrap:wrap;gap:0 2%}.figs figure{flex:0 0 49%}.figs.c3 figure{flex:0 0 32%}
.figs figure.wide{flex:0 0 100%}
table.kv{width:auto;min-width:420px}
@page{size:A4;margin:12mm}
@media print{body{margin:0;padding:0;max-width:none;font-size:11px}table{font-size:9.5px}
  h2.pb{break-before:page}tr,figure,.verdict{break-inside:avoid}thead{display:table-header-group}
  tbody tr:nth-child(even) td{background:none}}
)CSS";

const char *kRichTextCss = R"CSS(
body{font-family:"DejaVu Sans";font-size:9pt;color:#1d2330}
h1{font-size:16pt}
h2{font-size:12pt;color:#1d2330}
.meta,.caption{color:#5b6577;font-size:8pt}
th{background-color:#eef1f6;font-weight:bold;font-size:7.5pt}
td{font-size:7.5pt}
td.h{font-family:"DejaVu Sans Mono";font-size:7pt}
)CSS";

constexpr EnumName<ReportCheck::Level> kVerdictLabels[] = {
    {ReportCheck::Level::Pass, "PASS — ready for sign-off"},
    {ReportCheck::Level::Warning, "REVIEW — read the warnings before signing off"},
    {ReportCheck::Level::Blocking, "BLOCKED — do not deploy"}};
static_assert(namesEveryEnumerator(kVerdictLabels));
const char *verdictLabel(ReportCheck::Level l) { return enumName(kVerdictLabels, l); }

/// Writes a section's tables and its figures in the order the section asks for.
template <typename Tables, typename Figures>
void inSectionOrder(const ReportSection &s, Tables tables, Figures figures)
{
    if (s.tablesFirst) {
        tables();
        figures();
    } else {
        figures();
        tables();
    }
}

/// The figures the verdict block shows beside the checks.
std::vector<std::pair<std::string, std::string>> keyFigures(const ReportData &r)
{
    const auto &res = *r.result;
    double rent = 0;
    for (const auto &s : r.shards)
        rent += s.cost.rentSol;
    std::vector<std::pair<std::string, std::string>> kpis = {{"model", res.model.format()},
            {"mean / min SNR", fmt("%.2f", r.snr.meanSnr) + " / " + fmt("%.2f dB", r.snr.minSnr)},
            {"below " + fmt("%.0f dB", r.options.minSnr), std::to_string(r.outliers.size()) + " tensor(s)"},
            {"INT8 size", humanBytes(res.totalBytes) + " (" +
                              fmt("%.2f×", res.totalBytes ? double(res.fp32Bytes) / double(res.totalBytes) : 0.0) + ")"},
            {"shards", std::to_string(r.shards.size()) + " of " + std::to_string(kMaxShards)},
            {"rent", fmt("%.4f SOL", rent)}};
    kpis.push_back({"lint", std::to_string(r.lint.errors()) + " error(s), " + std::to_string(r.lint.warnings()) +
                                " warning(s)"});
    if (r.comparison) {
        const auto &m = r.comparison->result->summary;
        kpis.push_back({"vs B", std::to_string(m.changed + m.reshaped + m.added + m.removed) + " tensor(s) differ, " +
                                    groupDigits(m.int8BytesChanged) + " INT8 bytes"});
    }
    return kpis;
}

std::string mdEscape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '|' || c == '\\' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' || c == ']')
            out += '\\';
        out += (c == '\n' || c == '\r') ? ' ' : c;
    }
    return out;
}

std::string figureSrc(const ReportFigure &f, HtmlFlavor flavor)
{
    return flavor == HtmlFlavor::Browser ? "data:image/png;base64," + base64(f.png) : f.id + ".png";
}

} // namespace

std::string htmlEscape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string base64(std::string_view bytes)
{
    static const char *kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size())
            v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string renderHtml(const ReportData &r, const std::vector<ReportSection> &sections,
                       const std::vector<ReportFigure> &figures, HtmlFlavor flavor)
{
    const bool rich = flavor == HtmlFlavor::RichText;
    const std::string name = std::filesystem::path(r.source).filename().string();
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<meta name=\"generator\" content=\"QuantLens " + htmlEscape(r.toolVersion) + "\">"
                    "<title>QuantLens review report: " + htmlEscape(name) + "</title><style>" +
                    (rich ? kRichTextCss : kBrowserCss) + "</style></head><body>\n";
    h += "<h1>QuantLens review report: " + htmlEscape(name) + "</h1>\n<p class=\"meta\">" + htmlEscape(r.source) +
         " · QuantLens " + htmlEscape(r.toolVersion) + " · " + htmlEscape(r.generatedUtc) + "</p>\n";

    // The verdict first: what a reviewer signs off on, with the figures it rests on.
    const auto level = r.verdict();
    const char *cls = checkLevelName(level);
    static const char *kColors[] = {"#1e7b34", "#8a5a00", "#b42318"};
    static const char *kBackgrounds[] = {"#eef8f0", "#fdf6e7", "#fdeeec"};
    if (rich)
        h += std::string("<table width=\"100%\" cellpadding=\"8\" cellspacing=\"0\" border=\"1\" style=\"border-color:") +
             kColors[level] + "\"><tr><td style=\"background-color:" + kBackgrounds[level] + "\">";
    else
        h += std::string("<section class=\"verdict ") + cls + "\" id=\"verdict\">";
    h += std::string("<div class=\"label\"") + (rich ? " style=\"font-size:14pt;font-weight:bold;color:" +
                                                           std::string(kColors[level]) + "\""
                                                     : "") +
         ">Verdict: " + verdictLabel(level) + "</div>\n<ul>";
    for (const auto &c : r.checks)
        h += std::string("<li><b>") + checkLevelName(c.level) + "</b>: " + htmlEscape(c.what) + "</li>";
    h += "</ul>\n";
    const auto kpis = keyFigures(r);
    if (rich) {
        // Four figures a row: eight in one row of the A4 page wrapped mid-word.
        h += "<table cellpadding=\"3\" cellspacing=\"0\">";
        for (std::size_t i = 0; i < kpis.size(); ++i) {
            if (i % 4 == 0)
                h += i ? "</tr><tr>" : "<tr>";
            h += "<td width=\"25%\"><span class=\"caption\">" + htmlEscape(kpis[i].first) + "</span><br><b>" +
                 htmlEscape(kpis[i].second) + "</b></td>";
        }
        h += "</tr></table><p>Reviewed by: ______________________ &nbsp; Date: __________ &nbsp; Decision: "
             "approve / reject</p></td></tr></table>\n";
    } else {
        h += "<div class=\"kpis\">";
        for (const auto &[k, v] : kpis)
            h += "<div class=\"kpi\">" + htmlEscape(k) + "<b>" + htmlEscape(v) + "</b></div>";
        h += "</div><div class=\"signoff\"><span>Reviewed by</span><span>Date</span><span>Decision (approve / "
             "reject)</span></div></section>\n";
    }

    for (const auto &s : sections) {
        h += "<h2 id=\"" + s.id + "\"";
        if (s.pageBreak)
            h += rich ? " style=\"page-break-before:always\"" : " class=\"pb\"";
        h += ">" + htmlEscape(s.title) + "</h2>\n";
        for (const auto &p : s.paragraphs)
            h += "<p>" + htmlEscape(p) + "</p>\n";
        auto tables = [&] {
            for (const auto &t : s.tables) {
                if (!t.caption.empty())
                    h += "<p class=\"caption\"><b>" + htmlEscape(t.caption) + "</b></p>";
                if (rich)
                    h += std::string("<table width=\"") + (t.compact ? "60%" : "100%") +
                         "\" border=\"1\" cellspacing=\"0\" cellpadding=\"2\" "
                         "style=\"border-color:#d5dae3;border-collapse:collapse\">";
                else
                    h += t.compact ? "<table class=\"kv\">" : "<table>";
                h += "<thead><tr>";
                for (std::size_t c = 0; c < t.header.size(); ++c)
                    h += std::string(t.numeric[c] ? "<th class=\"n\"" : "<th") +
                         (rich && t.numeric[c] ? " align=\"right\"" : "") + ">" + htmlEscape(t.header[c]) + "</th>";
                h += "</tr></thead><tbody>\n";
                for (const auto &row : t.rows) {
                    h += "<tr>";
                    for (std::size_t c = 0; c < row.size(); ++c) {
                        const bool hash = t.header[c] == "SHA-256";
                        const char *klass = t.numeric[c] ? " class=\"n\"" : hash ? " class=\"h\"" : c == 0 ? " class=\"t\"" : "";
                        h += std::string("<td") + klass + (rich && t.numeric[c] ? " align=\"right\"" : "") + ">" +
                             htmlEscape(row[c]) + "</td>";
                    }
                    h += "</tr>\n";
                }
                h += "</tbody></table>\n";
            }
        };
        auto figs = [&] {
            std::vector<const ReportFigure *> mine;
            for (const auto &f : figures)
                if (f.section == s.id)
                    mine.push_back(&f);
            if (mine.empty())
                return;
            const int columns = std::max(1, s.figureColumns);
            auto caption = [](const ReportFigure &f) {
                return "<b>" + htmlEscape(f.title) + "</b>" + (f.caption.empty() ? "" : ". " + htmlEscape(f.caption));
            };
            if (!rich) {
                h += "<div class=\"figs c" + std::to_string(columns) + "\">";
                for (const auto *f : mine)
                    h += std::string("<figure") + (f->wide ? " class=\"wide\"" : "") + "><img src=\"" +
                         figureSrc(*f, flavor) + "\" alt=\"" + htmlEscape(f->title) + "\" width=\"" +
                         std::to_string(f->width) + "\" height=\"" + std::to_string(f->height) +
                         "\"><figcaption>" + caption(*f) + "</figcaption></figure>\n";
                h += "</div>\n";
                return;
            }
            // QTextDocument has no flex layout: a borderless table holds the figures side by side.
            const int kPageWidth = kPdfLayoutWidth - 12;
            h += "<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\">";
            int column = 0;
            for (const auto *f : mine) {
                if (f->wide || column == columns) {
                    if (column)
                        h += "</tr>";
                    column = 0;
                }
                if (column == 0)
                    h += "<tr>";
                const int w = f->wide ? kPageWidth : kPageWidth / columns - 8;
                const int hh = f->width ? f->height * w / f->width : f->height;
                h += std::string("<td valign=\"top\"") + (f->wide ? " colspan=\"" + std::to_string(columns) + "\"" : "") +
                     "><img src=\"" + figureSrc(*f, flavor) + "\" width=\"" + std::to_string(w) + "\" height=\"" +
                     std::to_string(hh) + "\"><br><span class=\"caption\">" + caption(*f) + "</span></td>";
                column = f->wide ? columns : column + 1;
            }
            h += "</tr></table>\n";
        };
        inSectionOrder(s, tables, figs);
    }
    h += "</body></html>\n";
    return h;
}

std::string renderMarkdown(const ReportData &r, const std::vector<ReportSection> &sections,
                           const std::vector<ReportFigure> &figures, const std::string &imageDir)
{
    std::string m = "# QuantLens review report: " + mdEscape(std::filesystem::path(r.source).filename().string()) +
                    "\n\n" + mdEscape(r.source) + " · QuantLens " + r.toolVersion + " · " + r.generatedUtc + "\n\n";
    m += std::string("> **Verdict: ") + verdictLabel(r.verdict()) + "**\n>\n";
    for (const auto &c : r.checks)
        m += std::string("> - **") + checkLevelName(c.level) + "**: " + mdEscape(c.what) + "\n";
    m += "\n| " ;
    const auto kpis = keyFigures(r);
    for (const auto &[k, v] : kpis)
        m += mdEscape(k) + " | ";
    m += "\n|";
    for (std::size_t i = 0; i < kpis.size(); ++i)
        m += "---|";
    m += "\n| ";
    for (const auto &[k, v] : kpis)
        m += mdEscape(v) + " | ";
    m += "\n\n";
    for (const auto &s : sections) {
        m += "## " + mdEscape(s.title) + "\n\n";
        for (const auto &p : s.paragraphs)
            m += mdEscape(p) + "\n\n";
        auto tables = [&] {
            for (const auto &t : s.tables) {
                if (!t.caption.empty())
                    m += "**" + mdEscape(t.caption) + "**\n\n";
                m += "|";
                for (const auto &c : t.header)
                    m += " " + mdEscape(c) + " |";
                m += "\n|";
                for (bool n : t.numeric)
                    m += n ? "---:|" : "---|";
                m += "\n";
                for (const auto &row : t.rows) {
                    m += "|";
                    for (const auto &c : row)
                        m += " " + mdEscape(c) + " |";
                    m += "\n";
                }
                m += "\n";
            }
        };
        auto figs = [&] {
            for (const auto &f : figures)
                if (f.section == s.id)
                    m += "![" + mdEscape(f.title) + "](<" + imageDir + "/" + f.id + ".png>)\n\n*" + mdEscape(f.title) +
                         (f.caption.empty() ? "" : ". " + mdEscape(f.caption)) + "*\n\n";
        };
        inSectionOrder(s, tables, figs);
    }
    return m;
}

} // namespace ql
