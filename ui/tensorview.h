#pragma once
#include "inspection/advice.h"
#include "inspection/analysis.h"
#include "jobtracker.h"
#include "readers/checkpoint.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QCPItemTracer;
class QPushButton;
class QCPTextElement;
class QCustomPlot;
class QLabel;
class QTableView;
class RowTableModel;

/// Drill-down into one tensor: per-row SNR, worst rows with their scale-setting weights, weight and error histograms.
class TensorView : public QWidget
{
    Q_OBJECT
public:
    explicit TensorView(QWidget *parent = nullptr);

    /// The result to show and the checkpoint it came from (null for an output folder: codes-only analysis).
    void setResult(std::shared_ptr<const ql::QuantizeResult> result, std::shared_ptr<const ql::Checkpoint> checkpoint);
    /// Index into result->tensors; -1 shows nothing.
    void setTensor(int index);
    int tensor() const { return m_index; }
    /// The analysis on screen (null when none); computed lazily while the view is hidden. While a new one is computed
    /// in the background (isAnalysing()) it is null for a newly selected tensor, and the previous strategy's for an
    /// edit of the tensor on screen (its figures stay until the new ones arrive, the header says so).
    std::shared_ptr<const ql::TensorAnalysis> analysis() const { return m_analysis; }
    /// The scale-setting-outlier advice for the tensor on screen, when it has one.
    const std::optional<ql::OutlierAdvice> &advice() const { return m_advice; }
    /// The analysis of the selected tensor is running off the GUI thread.
    bool isAnalysing() const { return m_analysing; }
    /// Histogram counts on a log axis, so a few outlying weights stay visible beside thousands of ordinary ones.
    void setLogCounts(bool on);
    bool logCounts() const;
    /// Computes now if a change is pending (e.g. before a screenshot of a hidden view).
    void refresh();

    QLabel *headerLabel() const { return m_header; }
    QLabel *noteLabel() const { return m_note; }
    QLabel *adviceLabel() const { return m_adviceText; }
    QPushButton *adviceButton() const { return m_adviceButton; }
    QTableView *rowsView() const { return m_rows; }
    RowTableModel *rowsModel() const { return m_rowModel; }
    QCustomPlot *rowPlot() const { return m_rowPlot; }
    QCustomPlot *histogramPlot() const { return m_histPlot; }
    QCustomPlot *errorPlot() const { return m_errPlot; }

Q_SIGNALS:
    /// The user took the advice: give `tensor` the strategy named `strategy`.
    void strategyRequested(const QString &tensor, const QString &strategy);
    /// The background analysis arrived and is on screen.
    void analysisReady();

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void recompute();
    void render();
    void renderHeader(const ql::QuantizedTensor &q);
    void applyHistogramScale();
    void plotRows(const ql::QuantizedTensor &q);
    void plotHistograms();
    void markRow(int row);

    std::shared_ptr<const ql::QuantizeResult> m_result;
    std::shared_ptr<const ql::Checkpoint> m_checkpoint;
    std::shared_ptr<const ql::TensorAnalysis> m_analysis;
    std::optional<ql::OutlierAdvice> m_advice;
    /// What m_analysis was computed from: a result that shares the tensor's bytes (an edit of another tensor, an
    /// undo elsewhere) needs no new analysis; the strategy and scales come with the bytes.
    struct AnalysisKey
    {
        std::string name;
        std::weak_ptr<const std::vector<int8_t>> bytes;
        const ql::Checkpoint *checkpoint = nullptr;
    } m_analysed;
    JobTracker m_jobs;
    bool m_analysing = false;
    int m_index = -1;
    bool m_dirty = false;
    bool m_restyle = false; ///< a palette change: the plots are drawn again even for the same analysis

    QLabel *m_header;
    QLabel *m_note;
    QWidget *m_adviceBox;
    QLabel *m_adviceText;
    QPushButton *m_adviceButton;
    QCheckBox *m_logCounts;
    QCustomPlot *m_rowPlot;
    QCPTextElement *m_rowTitle;
    QCPItemTracer *m_tracer = nullptr;
    QTableView *m_rows;
    RowTableModel *m_rowModel;
    QCustomPlot *m_histPlot;
    QCPTextElement *m_histTitle;
    QCustomPlot *m_errPlot;
    QCPTextElement *m_errTitle;
};
