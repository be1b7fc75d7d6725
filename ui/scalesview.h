#pragma once
#include "quantization/quantize.h"

#include <QWidget>
#include <memory>

class QCPTextElement;
class QCustomPlot;
class QCPAbstractPlottable;
class QLabel;
class QMouseEvent;

/// Distribution of quantization scales (log axis): per channel for the selected tensor, and across the model.
class ScalesView : public QWidget
{
    Q_OBJECT
public:
    explicit ScalesView(QWidget *parent = nullptr);

    void setResult(std::shared_ptr<const ql::QuantizeResult> result);
    /// Index into result->tensors; -1 none.
    void setTensor(int index);
    void refresh();

    QCustomPlot *channelPlot() const { return m_channelPlot; }
    QCustomPlot *histogramPlot() const { return m_histPlot; }
    QCustomPlot *modelPlot() const { return m_modelPlot; }
    QLabel *summaryLabel() const { return m_summary; }
    /// Box plot index of a tensor (its x position), -1 when not shown.
    int boxOf(int tensorIndex) const;

Q_SIGNALS:
    /// The user clicked a tensor's box in the model-wide plot.
    void tensorActivated(int index);

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void rebuildModelPlot();
    void rebuildTensorPlots();
    void highlight();

    std::shared_ptr<const ql::QuantizeResult> m_result;
    int m_index = -1;
    bool m_modelDirty = false;
    bool m_tensorDirty = false;
    QVector<int> m_boxTensor; ///< box position -> tensor index

    QLabel *m_summary;
    QCustomPlot *m_channelPlot;
    QCPTextElement *m_channelTitle;
    QCustomPlot *m_histPlot;
    QCPTextElement *m_histTitle;
    QCustomPlot *m_modelPlot;
    QCPTextElement *m_modelTitle;
};
