#include "reportfigures.h"

#include "lutcurve.h"
#include "scalesview.h"
#include "shardmapview.h"
#include "tensorview.h"

#include <QBuffer>
#include <QImageWriter>
#include <QPixmap>
#include <qcustomplot.h>

namespace {

// Display sizes in CSS pixels: two figures side by side fill the HTML report's 1180-pixel column.
constexpr int kHalfWidth = 560, kHalfHeight = 300;
constexpr int kThirdWidth = 480, kThirdHeight = 320;
constexpr int kFullWidth = 1130;

std::string pngBytes(const QPixmap &pixmap)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    // zlib level 6 of 9 (Qt maps quality 0-100 onto 9-0): within a few percent of the smallest file, much faster.
    writer.setQuality(30);
    writer.write(pixmap.toImage());
    return bytes.toStdString();
}

ql::ReportFigure plotFigure(QCustomPlot *plot, std::string id, std::string section, std::string title,
                            std::string caption, int width, int height, double scale)
{
    return {std::move(id),  std::move(section), std::move(title), std::move(caption),
            pngBytes(plot->toPixmap(width, height, scale)), width, height, width >= kFullWidth};
}

/// Views are laid out and refreshed as if on screen; WA_DontShowOnScreen keeps them off any real display.
void prepare(QWidget &w, const QSize &size)
{
    w.setAttribute(Qt::WA_DontShowOnScreen);
    w.resize(size);
    w.show();
}

} // namespace

std::vector<ql::ReportFigure> renderReportFigures(const ql::ReportData &r, double scale)
{
    std::vector<ql::ReportFigure> figures;
    const auto &res = *r.result;

    TensorView tensor;
    prepare(tensor, QSize(1200, 900));
    tensor.setResult(r.result, r.checkpoint);
    int n = 0;
    for (int index : r.worst) {
        ++n;
        tensor.setTensor(index);
        tensor.refresh();
        const auto &q = res.tensors[std::size_t(index)];
        const std::string id = "worst-" + std::to_string(n);
        const auto analysis = tensor.analysis();
        const std::string note = analysis && !analysis->note.empty() ? analysis->note : std::string();
        figures.push_back(plotFigure(tensor.rowPlot(), id + "-rows", "worst", q.name + ": per row", note, kThirdWidth,
                                     kThirdHeight, scale));
        figures.push_back(plotFigure(tensor.histogramPlot(), id + "-values", "worst", q.name + ": values", {},
                                     kThirdWidth, kThirdHeight, scale));
        figures.push_back(plotFigure(tensor.errorPlot(), id + "-errors", "worst", q.name + ": errors", {}, kThirdWidth,
                                     kThirdHeight, scale));
    }

    ScalesView scales;
    prepare(scales, QSize(1200, 900));
    scales.setResult(r.result);
    scales.setTensor(r.worst.empty() ? -1 : r.worst.front());
    scales.refresh();
    figures.push_back(plotFigure(scales.modelPlot(), "scales-model", "scales", "Scales across the model",
                                 "Box: quartiles, whiskers: min–max, one box per tensor in file order; the highlighted "
                                 "box is the worst tensor.",
                                 kFullWidth, 420, scale));
    figures.push_back(plotFigure(scales.histogramPlot(), "scales-histogram", "scales", "Scale distribution", {},
                                 kHalfWidth, kHalfHeight, scale));
    figures.push_back(plotFigure(scales.channelPlot(), "scales-channels", "scales", "Per-channel scales of the worst tensor",
                                 {}, kHalfWidth, kHalfHeight, scale));

    for (const auto &l : r.luts) {
        LutCurve curve(l.analysis.kind);
        prepare(curve, QSize(700, 500));
        curve.setScales(l.inScale, l.outScale);
        figures.push_back(plotFigure(curve.plot(), std::string("lut-") + ql::lutName(l.analysis.kind), "luts",
                                     std::string("LUT ") + ql::lutName(l.analysis.kind),
                                     "Top: dequantized table against the exact function (saturated entries marked); "
                                     "bottom: error.",
                                     kHalfWidth, 380, scale));
    }

    ShardMapView map;
    prepare(map, QSize(kFullWidth, 280));
    map.setResult(r.result);
    map.fitWholeFile();
    QPixmap pixmap(map.size() * scale);
    pixmap.setDevicePixelRatio(scale);
    pixmap.fill(map.palette().color(QPalette::Base));
    map.render(&pixmap);
    figures.push_back({"shard-map", "shards", "Shard map of weights_int8.bin",
                       "Tensors as coloured spans in file order, shard boundaries and 4096-byte alignment as in the "
                       "window's shard map.",
                       pngBytes(pixmap), map.width(), map.height(), true});
    return figures;
}
