#include "reportexport.h"

#include "reportfigures.h"

#include "artifacts/atomicfile.h"
#include "base/errors.h"

#include <QBuffer>
#include <QFont>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

namespace fs = std::filesystem;

namespace {

std::string pdfBytes(const ql::ReportData &r, const std::vector<ql::ReportFigure> &figures)
{
    QTextDocument doc;
    doc.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 9));
    // Resources first: the document resolves image names while it lays out the HTML.
    for (const auto &f : figures) {
        QImage image;
        image.loadFromData(reinterpret_cast<const uchar *>(f.png.data()), int(f.png.size()), "PNG");
        doc.addResource(QTextDocument::ImageResource, QUrl(QString::fromStdString(f.id + ".png")), image);
    }
    doc.setHtml(QString::fromStdString(ql::renderHtml(r, ql::reportSections(r), figures, ql::HtmlFlavor::RichText)));

    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter pdf(&buffer);
        pdf.setPageSize(QPageSize(QPageSize::A4));
        pdf.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter);
        const QString title = QStringLiteral("QuantLens review report: %1")
                                  .arg(QString::fromStdString(fs::path(r.source).filename().string()));
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("QuantLens " QL_VERSION));
        // The document is laid out on a page kLayoutWidth pixels wide (96 dpi units, what the HTML's sizes mean)
        // and scaled onto the printable area, with a footer line reserved below each page. QTextDocument::print
        // would add its own 2 cm margins inside ours and lay out at the printer's resolution instead.
        const double scale = double(pdf.width()) / ql::kPdfLayoutWidth;
        const double footer = 22; // layout pixels
        const double pageHeight = double(pdf.height()) / scale - footer;
        doc.setPageSize(QSizeF(ql::kPdfLayoutWidth, pageHeight));
        const int pages = doc.pageCount();
        QPainter painter(&pdf);
        QFont small(QStringLiteral("DejaVu Sans"));
        small.setPixelSize(10); // layout pixels: the painter is scaled, so a point size would be scaled twice
        for (int i = 0; i < pages; ++i) {
            if (i)
                pdf.newPage();
            painter.save();
            painter.scale(scale, scale);
            painter.translate(0, -i * pageHeight);
            doc.drawContents(&painter, QRectF(0, i * pageHeight, ql::kPdfLayoutWidth, pageHeight));
            painter.restore();
            painter.save();
            painter.scale(scale, scale);
            painter.setFont(small);
            painter.setPen(QColor(91, 101, 119));
            const QRectF foot(0, pageHeight + 4, ql::kPdfLayoutWidth, footer - 4);
            painter.drawText(foot, Qt::AlignLeft | Qt::AlignVCenter, title);
            painter.drawText(foot, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("page %1 of %2").arg(i + 1).arg(pages));
            painter.restore();
        }
    }
    return bytes.toStdString();
}

} // namespace

std::vector<fs::path> writeReport(const ql::ReportData &r, ql::ReportFormat format, const fs::path &file)
{
    if (!ql::reportNeedsFigures(format)) {
        ql::writeDataReport(r, format, file);
        return {file};
    }
    const auto figures = renderReportFigures(r);
    if (format == ql::ReportFormat::Html) {
        ql::writeFileAtomically(file, ql::renderHtml(r, ql::reportSections(r), figures, ql::HtmlFlavor::Browser));
        return {file};
    }
    if (format == ql::ReportFormat::Pdf) {
        ql::writeFileAtomically(file, pdfBytes(r, figures));
        return {file};
    }
    // Markdown: the figures first, so the document never links to a picture that is not there.
    const std::string dirName = file.stem().string() + "_files";
    const fs::path dir = file.parent_path() / dirName;
    ql::ensureDirectory(dir);
    std::vector<fs::path> written;
    for (const auto &f : figures) {
        ql::writeFileAtomically(dir / (f.id + ".png"), f.png);
        written.push_back(dir / (f.id + ".png"));
    }
    ql::writeFileAtomically(file, ql::renderMarkdown(r, ql::reportSections(r), figures, dirName));
    written.insert(written.begin(), file);
    return written;
}
