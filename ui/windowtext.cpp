#include "windowtext.h"

#include "document.h"
#include "inspection/summary.h"

#include <QCoreApplication>

namespace ql::ui {

namespace {
QString tr(const char *s) { return QCoreApplication::translate("MainWindow", s); }
QString human(uint64_t v) { return QString::fromStdString(ql::humanBytes(v)); }
} // namespace

QString summaryText(const Document &doc)
{
    const auto r = doc.result();
    if (!r)
        return tr("Open a checkpoint (.pt, .safetensors) or an output folder — or drop one here.");
    const auto s = r->summary();
    QString text = tr("%1 · %2 tensors (%3 matrices) · SNR mean %4 / min %5 / max %6 dB")
                       .arg(QString::fromStdString(r->model.modelType))
                       .arg(r->tensors.size())
                       .arg(s.numMatrices)
                       .arg(s.meanSnr, 0, 'f', 2)
                       .arg(s.minSnr, 0, 'f', 2)
                       .arg(s.maxSnr, 0, 'f', 2);
    const auto signal = ql::signalSnrSummary(*r);
    if (signal.excluded)
        text += tr(" (signal-carrying: mean %1 dB; %2 near-zero left out)")
                    .arg(signal.meanSnr, 0, 'f', 2)
                    .arg(signal.excluded);
    text += tr(" · FP32 %1 → INT8 %2 (%3×) · %4 shard(s)")
                .arg(human(r->fp32Bytes), human(r->totalBytes))
                .arg(r->totalBytes ? double(r->fp32Bytes) / double(r->totalBytes) : 0.0, 0, 'f', 2)
                .arg(r->shards.size());
    if (s.numUndefined)
        text += tr(" · %1 all-zero").arg(s.numUndefined);
    if (!doc.overrides().empty())
        text += tr(" · %1 override rule(s)").arg(doc.overrides().rules.size());
    if (!doc.canRequantize())
        text += tr(" · output folder (read-only strategies)");
    return text;
}

QString usageHtml()
{
    return tr("<h3>QuantLens</h3>"
              "<p><b>Open</b> a checkpoint (.pt, .safetensors) or an output folder: File → Open, or drop it on the "
              "window. The <b>Layers</b> table (Ctrl+1) lists every tensor with its SNR; sort by SNR to find the "
              "worst, filter by name or glob (<code>layers.*.in_proj.weight</code>, Ctrl+F; Esc clears it). Ctrl+C "
              "copies the selected rows as tab-separated text.</p>"
              "<p>The <b>Tensor</b> drill-down (Ctrl+2) explains a tensor's error row by row; <b>Scales</b> "
              "(Ctrl+3), <b>LUTs</b> (Ctrl+4) and the <b>Shard map</b> (Ctrl+5) follow the same selection.</p>"
              "<p><b>Strategies</b>: edit the Strategy cell, Edit → Set Strategy, or Edit → Optimize Strategies "
              "(Ctrl+M) to preview the best per tensor. Every edit, strategy or LUT scale, is undoable (Ctrl+Z). "
              "File → Save Overrides keeps the rules; File → Save Artifacts writes weights_int8.bin + manifest.json "
              "with the same writer as <code>quantlens-cli quantize</code> (and luts.bin + luts.json when the LUT "
              "scales were edited).</p>"
              "<p>The command line does all of it too: <code>quantlens-cli --help</code>. Full documentation: "
              "README.md in the source tree or /usr/share/doc/quantlens.</p>");
}

} // namespace ql::ui
