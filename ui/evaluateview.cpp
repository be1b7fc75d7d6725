#include "evaluateview.h"

#include "plotstyle.h"
#include "splitpair.h"
#include "textlabel.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTemporaryFile>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>

namespace {
QString number(const QJsonValue &v, int precision, const QString &none)
{
    return v.isNull() || v.isUndefined() ? none : QString::number(v.toDouble(), 'f', precision);
}

/// The lowest SNR among a list of outputs (null = identical = +inf).
double worst(const QJsonArray &outputs)
{
    double w = INFINITY;
    for (const auto &o : outputs)
        if (!o.toObject()["snr_db"].isNull())
            w = std::min(w, o.toObject()["snr_db"].toDouble());
    return w;
}

QWidget *withButton(QLineEdit *edit, QPushButton *button)
{
    auto *w = new QWidget;
    auto *l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(edit, 1);
    l->addWidget(button);
    return w;
}
} // namespace

EvaluateView::EvaluateView(QWidget *parent)
    : QWidget(parent)
    , m_program(QCoreApplication::applicationDirPath() + QStringLiteral("/quantlens-eval"))
    , m_model(new QLineEdit(this))
    , m_inputs(new QLineEdit(this))
    , m_random(new QSpinBox(this))
    , m_sensitivity(new QCheckBox(tr("Per-tensor sensitivity (one tensor INT8 at a time, and one kept FP32)"), this))
    , m_run(new QPushButton(tr("Evaluate"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_status(makeTextLabel(this))
    , m_outputs(new QTableWidget(0, 5, this))
    , m_plot(makeInspectorPlot(this, QSize(360, 260)))
{
    m_model->setPlaceholderText(tr("TorchScript file (torch.jit.trace / script, then .save())"));
    m_inputs->setPlaceholderText(tr("torch.save of a tensor, a tuple of tensors, or a list of tuples"));
    m_random->setRange(0, 4096);
    m_random->setSpecialValueText(tr("off (use the inputs file)"));
    m_random->setToolTip(tr("Random standard-normal batches shaped by the module's input_shapes attribute"));
    m_sensitivity->setChecked(true);
    m_cancel->setEnabled(false);

    auto *browseModel = new QPushButton(tr("Browse…"), this);
    auto *browseInputs = new QPushButton(tr("Browse…"), this);
    connect(browseModel, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("TorchScript model"), m_model->text(),
                                                       tr("TorchScript (*.pt *.pth *.ts);;All files (*)"));
        if (!f.isEmpty())
            setModelFile(f);
    });
    connect(browseInputs, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Inputs"), m_inputs->text(),
                                                       tr("torch.save files (*.pt *.pth);;All files (*)"));
        if (!f.isEmpty())
            setInputsFile(f);
    });
    connect(m_run, &QPushButton::clicked, this, &EvaluateView::evaluate);
    connect(m_cancel, &QPushButton::clicked, this, &EvaluateView::cancel);

    m_outputs->setHorizontalHeaderLabels({tr("Output"), tr("SNR dB"), tr("Max |diff|"), tr("Cosine"), tr("Top-1")});
    m_outputs->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_outputs->verticalHeader()->hide();
    m_outputs->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_outputs->setSelectionBehavior(QAbstractItemView::SelectRows);

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
    m_plot->axisRect()->setRangeZoom(Qt::Vertical);
    m_plot->axisRect()->setRangeDrag(Qt::Vertical);
    m_plot->xAxis->setLabel(tr("SNR dB (higher is better)"));
    m_plot->legend->setVisible(false); // shown with the bars it names; empty, it was a stray box in the corner
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    addTitle(m_plot, tr("Sensitivity, worst first: output SNR with only this tensor INT8, beside its weight SNR"));
    applyPalette(m_plot, palette());
    connect(m_plot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable *, int dataIndex, QMouseEvent *) {
        if (dataIndex >= 0 && dataIndex < m_ranked.size())
            Q_EMIT tensorSelected(m_ranked[dataIndex]);
    });

    auto *form = new QFormLayout;
    form->addRow(tr("Model:"), withButton(m_model, browseModel));
    form->addRow(tr("Inputs:"), withButton(m_inputs, browseInputs));
    form->addRow(tr("Random inputs:"), m_random);
    form->addRow(QString(), m_sensitivity);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_status, 1);
    auto *split = splitPair(Qt::Vertical, m_outputs, m_plot, 1, 3, this);
    split->setSizes({140, 420});
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);
    setStatus(tr("Choose the model as TorchScript and its inputs, then Evaluate."), false);
}

EvaluateView::~EvaluateView()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

void EvaluateView::setSource(const QString &checkpoint, const ql::Overrides &overrides)
{
    const bool changed = checkpoint != m_checkpoint || !(overrides == m_overrides);
    m_checkpoint = checkpoint;
    m_overrides = overrides;
    if (changed && !m_model->text().isEmpty() && (!m_report.isEmpty() || isRunning()))
        evaluate(); // a strategy change re-evaluates what is on screen
}

void EvaluateView::setModelFile(const QString &path) { m_model->setText(path); }
void EvaluateView::setInputsFile(const QString &path) { m_inputs->setText(path); }
void EvaluateView::setRandomInputs(int n) { m_random->setValue(n); }
void EvaluateView::setSensitivity(bool on) { m_sensitivity->setChecked(on); }
void EvaluateView::setEvalProgram(const QString &path) { m_program = path; }
bool EvaluateView::isRunning() const { return m_process != nullptr; }

void EvaluateView::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    QPalette p = palette();
    if (error)
        p.setColor(QPalette::WindowText, QColor(0xc0, 0x30, 0x30));
    m_status->setPalette(p);
}

void EvaluateView::evaluate()
{
    if (m_process)
        cancel();
    m_error.clear();
    if (m_checkpoint.isEmpty() || m_model->text().isEmpty()) {
        setStatus(tr("Open a checkpoint and choose the TorchScript model first."), true);
        return;
    }
    if (!QFileInfo(m_program).isExecutable()) {
        m_error = tr("%1 is missing: evaluation needs quantlens-eval, built when libtorch is found (Debian: "
                     "libtorch-dev).")
                      .arg(m_program);
        setStatus(m_error, true);
        Q_EMIT evaluationFinished(false);
        return;
    }
    QStringList args{"--model", m_model->text(), "--checkpoint", m_checkpoint, "--json"};
    if (m_random->value() > 0)
        args << "--random" << QString::number(m_random->value());
    else
        args << "--inputs" << m_inputs->text();
    if (m_sensitivity->isChecked())
        args << "--sensitivity";
    delete m_overridesFile;
    m_overridesFile = nullptr;
    if (!m_overrides.empty()) {
        m_overridesFile = new QTemporaryFile(this);
        if (m_overridesFile->open()) {
            m_overridesFile->write(QByteArray::fromStdString(m_overrides.toJson().dump()));
            m_overridesFile->flush();
            args << "--overrides" << m_overridesFile->fileName();
        }
    }
    m_process = new QProcess(this);
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) { onFinished(code, st); });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            onFinished(-1, QProcess::CrashExit);
    });
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    setStatus(m_sensitivity->isChecked() ? tr("Evaluating, with the per-tensor sweep…") : tr("Evaluating…"), false);
    m_process->start(m_program, args);
}

void EvaluateView::cancel()
{
    if (!m_process)
        return;
    QProcess *p = m_process;
    m_process = nullptr; // its result is stale from now on
    p->disconnect(this);
    p->kill();
    p->waitForFinished(2000);
    p->deleteLater();
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    m_error = tr("Cancelled.");
    setStatus(m_error, false);
    Q_EMIT evaluationFinished(false);
}

void EvaluateView::onFinished(int exitCode, int status)
{
    QProcess *p = m_process;
    if (!p)
        return;
    m_process = nullptr;
    p->deleteLater();
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    const QByteArray out = p->readAllStandardOutput(), err = p->readAllStandardError();
    if (status != QProcess::NormalExit || exitCode != 0) {
        m_error = QString::fromUtf8(err).trimmed();
        if (m_error.isEmpty())
            m_error = p->error() == QProcess::FailedToStart ? tr("cannot start %1").arg(m_program)
                                                             : tr("quantlens-eval ended with code %1").arg(exitCode);
        setStatus(m_error, true);
        Q_EMIT evaluationFinished(false);
        return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(out, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        m_error = tr("quantlens-eval printed no valid JSON: %1").arg(pe.errorString());
        setStatus(m_error, true);
        Q_EMIT evaluationFinished(false);
        return;
    }
    m_report = doc.object();
    showReport();
    Q_EMIT evaluationFinished(true);
}

void EvaluateView::showReport()
{
    const QJsonArray outputs = m_report["outputs"].toArray();
    m_outputs->setRowCount(int(outputs.size()));
    for (int i = 0; i < outputs.size(); ++i) {
        const QJsonObject o = outputs[i].toObject();
        const QJsonValue top1 = o["top1_agreement"];
        const QStringList cells{o["name"].toString(), number(o["snr_db"], 2, tr("identical")),
                                QString::number(o["max_abs_diff"].toDouble(), 'g', 4),
                                QString::number(o["cosine"].toDouble(), 'f', 6),
                                top1.isNull() ? QStringLiteral("–") : QString::number(top1.toDouble() * 100, 'f', 1) + "%"};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            if (c > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_outputs->setItem(i, c, item);
        }
    }

    m_plot->clearPlottables();
    m_ranked.clear();
    const QJsonArray sens = m_report["sensitivity"].toArray();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    auto *group = new QCPBarsGroup(m_plot);
    auto *outBars = new QCPBars(m_plot->yAxis, m_plot->xAxis);
    auto *weightBars = new QCPBars(m_plot->yAxis, m_plot->xAxis);
    outBars->setName(tr("output SNR (only this tensor INT8)"));
    weightBars->setName(tr("weight SNR"));
    const QColor hi = palette().color(QPalette::Highlight);
    QColor soft = palette().color(QPalette::Mid);
    outBars->setBrush(hi);
    outBars->setPen(Qt::NoPen);
    weightBars->setBrush(soft);
    weightBars->setPen(Qt::NoPen);
    for (auto *b : {outBars, weightBars}) {
        b->setWidth(0.4);
        b->setBarsGroup(group);
        b->setSelectable(QCP::stSingleData);
    }
    double hiX = 0;
    // Worst at the top (key 0 drawn highest: the axis is reversed), where the bars are short and the legend sits.
    for (int i = 0; i < sens.size(); ++i) {
        const QJsonObject e = sens[i].toObject();
        const QString name = e["tensor"].toString();
        m_ranked << name;
        double w = worst(e["outputs"].toArray());
        if (!std::isfinite(w))
            w = 0; // identical outputs: no bar
        outBars->addData(i, w);
        weightBars->addData(i, e["weight_snr_db"].isNull() ? 0.0 : e["weight_snr_db"].toDouble());
        hiX = std::max({hiX, w, e["weight_snr_db"].toDouble()});
        ticker->addTick(i, name);
    }
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setRangeReversed(true);
    m_plot->yAxis->setRange(-0.6, std::max<double>(1, sens.size()) - 0.4);
    m_plot->xAxis->setRange(0, std::max(10.0, hiX * 1.05));
    m_plot->legend->setVisible(!sens.isEmpty());
    m_plot->replot();
    const int n = m_report["num_inputs"].toInt();
    setStatus(sens.isEmpty() ? tr("%n input(s), every quantized tensor INT8 against FP32.", nullptr, n)
                             : tr("%n input(s); %1 tensors swept. Click a bar to select the tensor.", nullptr, n)
                                   .arg(sens.size()),
              false);
}

void EvaluateView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette(m_plot, palette());
}
