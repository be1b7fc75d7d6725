#pragma once
#include "quantization/overrides.h"

#include <QJsonObject>
#include <QString>
#include <QWidget>

class QCheckBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QProcess;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTemporaryFile;

/// The Evaluate view: runs `quantlens-eval --json` (never libtorch in this process) on the checkpoint and its current
/// overrides in the background, shows the per-output figures and the sensitivity ranking beside weight SNR.
class EvaluateView : public QWidget
{
    Q_OBJECT
public:
    explicit EvaluateView(QWidget *parent = nullptr);
    ~EvaluateView() override;

    /// The checkpoint and the overrides to evaluate; re-evaluates (stale runs dropped) when a model is chosen.
    void setSource(const QString &checkpoint, const ql::Overrides &overrides);
    void setModelFile(const QString &path);
    void setInputsFile(const QString &path);
    /// > 0: --random N instead of an inputs file.
    void setRandomInputs(int n);
    void setSensitivity(bool on);
    /// quantlens-eval; by default the one next to this program.
    void setEvalProgram(const QString &path);
    QString evalProgram() const { return m_program; }

    /// Starts an evaluation (cancelling a running one). No-op without checkpoint and model.
    void evaluate();
    void cancel();
    bool isRunning() const;

    QJsonObject report() const { return m_report; }
    QString errorText() const { return m_error; }
    QTableWidget *outputTable() const { return m_outputs; }
    QCustomPlot *sensitivityPlot() const { return m_plot; }
    /// Tensor names in the chart's order (key i = bar i), worst first.
    QStringList rankedTensors() const { return m_ranked; }

Q_SIGNALS:
    /// The user clicked a tensor in the sensitivity chart.
    void tensorSelected(const QString &name);
    /// A run ended: with a report, or with errorText() set (also after cancel()).
    void evaluationFinished(bool ok);

protected:
    void changeEvent(QEvent *event) override;

private:
    void onFinished(int exitCode, int status);
    void showReport();
    void setStatus(const QString &text, bool error);

    QString m_checkpoint, m_program;
    ql::Overrides m_overrides;
    QLineEdit *m_model, *m_inputs;
    QSpinBox *m_random;
    QCheckBox *m_sensitivity;
    QPushButton *m_run, *m_cancel;
    QLabel *m_status;
    QTableWidget *m_outputs;
    QCustomPlot *m_plot;
    QProcess *m_process = nullptr;
    QTemporaryFile *m_overridesFile = nullptr;
    QJsonObject m_report;
    QString m_error;
    QStringList m_ranked;
};
