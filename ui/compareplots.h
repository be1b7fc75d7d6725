#pragma once
#include "inspection/analysis.h"
#include "plotstyle.h"
#include "session/compare.h"

#include <QWidget>
#include <memory>

class QLabel;

/// For one tensor of a comparison: the weight histograms of A and B overlaid, both per-row SNR curves, and the
/// per-row scale ratio B/A. Figures come from core/inspection/analysis.h, computed when a tensor is shown.
class ComparePlots : public QWidget
{
    Q_OBJECT
public:
    explicit ComparePlots(QWidget *parent = nullptr);
    QCustomPlot *histogramPlot() const { return m_hist; }
    QCustomPlot *snrPlot() const { return m_snr; }
    QCustomPlot *ratioPlot() const { return m_ratio; }
    QString headerText() const;

    void setSessions(std::shared_ptr<const ql::Session> a, std::shared_ptr<const ql::Session> b);
    /// Shows `d` (null: nothing selected).
    void showTensor(const ql::TensorDelta *d);

    static QColor colorA();
    static QColor colorB();

protected:
    void changeEvent(QEvent *event) override;

private:
    /// The analysis of one side's tensor: from FP32 + codes for a checkpoint, codes alone for an output folder.
    static ql::TensorAnalysis analyze(const ql::Session &s, const ql::QuantizedTensor &q);
    void clearPlots();
    void restyle();

    std::shared_ptr<const ql::Session> m_a, m_b;
    QLabel *m_header;
    QCustomPlot *m_hist, *m_snr, *m_ratio;
    QCPTextElement *m_histTitle, *m_snrTitle, *m_ratioTitle;
};
