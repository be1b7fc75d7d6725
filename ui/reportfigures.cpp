#include "reportfigures.h"

#include "compareplots.h"
#include "compareview.h"
#include "inspection/summary.h"
#include "lutcurve.h"
#include "scalesview.h"
#include "shardmapview.h"
#include "tensorview.h"

#include <QBuffer>
#include <QEventLoop>
#include <QImageWriter>
#include <QPixmap>
#include <QtConcurrent>
#include <qcustomplot.h>

namespace {

// Display sizes in CSS pixels: two figures side by side fill the HTML report's 1180-pixel column.
constexpr int kHalfWidth = 560, kHalfHeight = 300;
constexpr int kThirdWidth = 480, kThirdHeight = 320;
constexpr int kFullWidth = 1130;

std::string pngBytes(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    // zlib level 1 (Qt maps quality 0-100 onto level 9-0): PNG encoding was 60% of the seed-sized model's HTML
    // report at level 6 (perf); plots are flat colour, so level 1 costs little in size.
    writer.setQuality(85);
    writer.write(image);
    return bytes.toStdString();
}

/// Figures are drawn on the GUI thread; their PNGs are encoded afterwards, in parallel.
struct Pending
{
    ql::ReportFigure figure;
    QImage image;
};

Pending plotFigure(QCustomPlot *plot, std::string id, std::string section, std::string title, std::string caption,
                   int width, int height, double scale)
{
    return {{std::move(id), std::move(section), std::move(title), std::move(caption), {}, width, height,
             width >= kFullWidth},
            plot->toPixmap(width, height, scale).toImage()};
}

/// Views are laid out and refreshed as if on screen; WA_DontShowOnScreen keeps them off any real display.
void prepare(QWidget &w, const QSize &size)
{
    w.setAttribute(Qt::WA_DontShowOnScreen);
    w.resize(size);
    w.show();
}

/// The whole file on one picture: no scroll bars, and no empty rows below the last byte. `highlight`: byte ranges
/// marked as the compare view marks changed upload chunks.
Pending shardMapFigure(const std::shared_ptr<const ql::QuantizeResult> &result,
                       const std::vector<std::pair<uint64_t, uint64_t>> &highlight, std::string id, std::string section,
                       std::string title, std::string caption, double scale)
{
    ShardMapView map;
    map.setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    map.setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    prepare(map, QSize(kFullWidth, 280));
    map.setResult(result);
    map.setHighlightRanges(highlight);
    map.fitWholeFile();
    const int content = int(map.layout().contentHeight()) + 2 * map.frameWidth() + 6;
    if (content < map.height()) {
        map.resize(kFullWidth, std::max(content, 60));
        map.fitWholeFile();
    }
    QPixmap pixmap(map.size() * scale);
    pixmap.setDevicePixelRatio(scale);
    pixmap.fill(map.palette().color(QPalette::Base));
    map.render(&pixmap);
    return {{std::move(id), std::move(section), std::move(title), std::move(caption), {}, map.width(), map.height(),
             true},
            pixmap.toImage()};
}

/// The comparison's figures, drawn by the compare view's own plots and shard maps.
void compareFigures(const ql::ReportComparison &c, double scale, std::vector<Pending> &figures)
{
    ComparePlots plots;
    prepare(plots, QSize(3 * kThirdWidth, kThirdHeight + 60));
    plots.setSessions(c.a, c.b);
    int n = 0;
    for (const auto &name : c.plotted) {
        const ql::TensorDelta *d = c.result->find(name);
        if (!d)
            continue;
        plots.showTensor(d);
        const std::string id = "compare-" + std::to_string(++n);
        figures.push_back(plotFigure(plots.histogramPlot(), id + "-values", "compare", name + ": weights, A and B", {},
                                     kThirdWidth, kThirdHeight, scale));
        figures.push_back(plotFigure(plots.snrPlot(), id + "-rows", "compare", name + ": per-row SNR, A and B", {},
                                     kThirdWidth, kThirdHeight, scale));
        figures.push_back(plotFigure(plots.ratioPlot(), id + "-ratio", "compare", name + ": per-row scale B / A", {},
                                     kThirdWidth, kThirdHeight, scale));
    }
    for (const bool sideB : {false, true}) {
        const auto &s = sideB ? c.b : c.a;
        figures.push_back(shardMapFigure(
            s->result, CompareView::changedRanges(*c.result, sideB), sideB ? "compare-map-b" : "compare-map-a",
            "compare", std::string(sideB ? "B" : "A") + ": shard map of " + s->path.filename().string(),
            ql::groupDigits(c.result->summary.chunksChanged) + " changed upload chunks highlighted, as in the compare "
            "view.",
            scale));
    }
}

} // namespace

std::vector<ql::ReportFigure> renderReportFigures(const ql::ReportData &r, double scale)
{
    std::vector<Pending> figures;
    const auto &res = *r.result;

    TensorView tensor;
    prepare(tensor, QSize(1200, 900));
    tensor.setResult(r.result, r.checkpoint);
    int n = 0;
    for (int index : r.worst) {
        ++n;
        tensor.setTensor(index);
        tensor.refresh();
        // The view analyses off the GUI thread (so the window never stalls): wait for it, or the report would show
        // the placeholders the window shows for that moment (no per-row SNR, empty histograms).
        if (tensor.isAnalysing()) {
            QEventLoop wait;
            QObject::connect(&tensor, &TensorView::analysisReady, &wait, &QEventLoop::quit);
            wait.exec();
        }
        const auto &q = res.tensors[std::size_t(index)];
        const std::string id = "worst-" + std::to_string(n);
        const auto analysis = tensor.analysis();
        std::string note = analysis && !analysis->note.empty() ? analysis->note : std::string();
        if (analysis && !analysis->worstRows.empty() && std::size_t(analysis->worstRows.front()) < analysis->rowSnr.size()) {
            const int64_t row = analysis->worstRows.front();
            char buf[96];
            std::snprintf(buf, sizeof buf, "Worst row %lld at %.2f dB (circled).", static_cast<long long>(row),
                          analysis->rowSnr[std::size_t(row)]);
            note = buf + (note.empty() ? std::string() : " " + note);
        }
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

    figures.push_back(shardMapFigure(r.result, {}, "shard-map", "shards", "Shard map of weights_int8.bin",
                                     "Tensors as coloured spans in file order, shard boundaries and 4096-byte alignment "
                                     "as in the window's shard map.",
                                     scale));
    if (r.comparison)
        compareFigures(*r.comparison, scale, figures);

    QtConcurrent::blockingMap(figures, [](Pending &p) { p.figure.png = pngBytes(p.image); });
    std::vector<ql::ReportFigure> out;
    out.reserve(figures.size());
    for (auto &p : figures)
        out.push_back(std::move(p.figure));
    return out;
}
