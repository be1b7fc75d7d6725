#pragma once
#include "artifacts/luts.h"

#include <QWidget>

class QCPAxisRect;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;

/// One activation table: its two scales, the dequantized table against the exact function, the error, and what
/// the core's analysis says (saturation, monotonicity in input-value order, max and mean error).
class LutCurve : public QWidget
{
    Q_OBJECT

public:
    explicit LutCurve(ql::LutKind kind, QWidget *parent = nullptr);

    ql::LutKind kind() const { return m_kind; }
    double inputScale() const { return m_in; }
    double outputScale() const { return m_out; }
    /// Shows these scales, kept exactly (the spin boxes only display 8 decimals); does not emit scalesEdited.
    void setScales(double in, double out);
    const ql::LutAnalysis &analysis() const { return m_analysis; }
    /// The curve and error plot (the report draws it as the window does).
    QCustomPlot *plot() const { return m_plot; }

Q_SIGNALS:
    /// The user changed a scale in a spin box.
    void scalesEdited();

protected:
    void changeEvent(QEvent *event) override;

private:
    void recompute();
    void applyPalette();
    QString statsText() const;

    ql::LutKind m_kind;
    double m_in = 0;
    double m_out = 0;
    ql::LutAnalysis m_analysis;
    QDoubleSpinBox *m_inSpin = nullptr;
    QDoubleSpinBox *m_outSpin = nullptr;
    QLabel *m_stats = nullptr;
    QCustomPlot *m_plot = nullptr;
    QCPAxisRect *m_valueRect = nullptr;
    QCPAxisRect *m_errorRect = nullptr;
    QCPGraph *m_exact = nullptr;
    QCPGraph *m_table = nullptr;
    QCPGraph *m_saturated = nullptr;
    QCPGraph *m_error = nullptr;
    QCPGraph *m_errorSaturated = nullptr;
    QList<QCPItemStraightLine *> m_edgeLines;
    QList<QCPItemText *> m_edgeLabels;
    QCPItemText *m_clipNote = nullptr;
};
