// MainWindow's strategy edits: a strategy for the selected tensors (the Strategy menu, the table's context menu) and
// Optimize, whose plan is computed in the background, previewed in a dialog the user edits, and applied as one undo
// step.
#include "backgroundjob.h"
#include "windowjob.h"

#include "layertablepanel.h"
#include "optimizedialog.h"
#include "session/optimize.h"

#include <QPromise>
#include <QStatusBar>

namespace {
/// A background Optimize's outcome, handed to the GUI thread by value.
struct OptimizeOutcome
{
    std::shared_ptr<ql::OptimizePlan> plan;
    QString error;
    bool cancelled = false;
};
} // namespace

QStringList MainWindow::selectedNames() const
{
    QStringList out;
    const auto r = m_doc->result();
    if (!r)
        return out;
    for (int i : m_table->selectedTensors())
        out << QString::fromStdString(r->tensors[std::size_t(i)].name);
    if (out.isEmpty() && !m_selected.isEmpty())
        out << m_selected;
    return out;
}

void MainWindow::applyStrategyToSelection(const std::optional<ql::Strategy> &s)
{
    const auto r = m_doc->result();
    if (!r)
        return;
    QStringList apply;
    int skipped = 0;
    for (const QString &n : selectedNames()) {
        const auto *t = r->find(n.toStdString());
        // Per-channel scales on a 1-D tensor would be one float32 scale, not the reference's float64 one.
        if (s && s->layout == ql::ScaleLayout::PerChannel && !t->isMatrix())
            ++skipped;
        else
            apply << n;
    }
    m_doc->setStrategy(apply, s);
    if (skipped)
        statusBar()->showMessage(tr("%n 1-D tensor(s) kept their per-tensor layout", nullptr, skipped), 5000);
}

void MainWindow::optimize()
{
    if (!m_doc->canRequantize() || m_doc->isBusy())
        return;
    auto *watcher = watchJob<OptimizeOutcome>(
        m_optimizeJobs, tr("Optimizing…"), [this](QFutureWatcher<OptimizeOutcome> *watcher) {
            if (watcher->future().isCanceled() || watcher->future().resultCount() == 0) {
                statusBar()->showMessage(tr("Optimize cancelled"), 5000);
                Q_EMIT optimizeFinished(false);
                return;
            }
            const OptimizeOutcome out = watcher->result();
            if (out.cancelled || !out.error.isEmpty()) {
                if (!out.error.isEmpty())
                    showError(tr("Optimize failed"), out.error);
                Q_EMIT optimizeFinished(false);
                return;
            }
            Q_EMIT optimizePlanReady(int(out.plan->tensors.size()));
            if (out.plan->tensors.empty()) {
                m_optimizeReport = tr("Optimize: every tensor already has its best strategy");
                statusBar()->showMessage(m_optimizeReport, 8000);
                Q_EMIT optimizeFinished(false);
                return;
            }
            if (!m_interactive) {
                applyOptimizePlan(*out.plan);
                return;
            }
            OptimizeDialog dialog(*out.plan, this);
            if (dialog.exec() != QDialog::Accepted) {
                Q_EMIT optimizeFinished(false);
                return;
            }
            ql::OptimizePlan kept;
            kept.tensors = dialog.keptChoices();
            kept.overrides = ql::applyChoices(m_doc->overrides(), kept.tensors);
            applyOptimizePlan(kept);
        });
    watcher->setFuture(runInBackground([ck = m_doc->source().checkpoint, result = m_doc->result(),
                                           base = m_doc->overrides()](QPromise<OptimizeOutcome> &promise) {
        promise.setProgressRange(0, 1000);
        OptimizeOutcome out;
        ql::OptimizeOptions opt;
        opt.progress = [&promise](uint64_t done, uint64_t total) {
            promise.setProgressValue(int(done * 1000 / std::max<uint64_t>(total, 1)));
            return !promise.isCanceled();
        };
        runCatching(out, [&] { out.plan = std::make_shared<ql::OptimizePlan>(ql::optimize(*ck, *result, base, opt)); });
        promise.addResult(std::move(out));
    }));
    m_cancelCurrent = cancellerFor(watcher);
}

void MainWindow::applyOptimizePlan(const ql::OptimizePlan &plan)
{
    const double meanBefore = m_doc->result()->summary().meanSnr;
    m_doc->replaceOverrides(plan.overrides, tr("Optimize %n tensor(s)", nullptr, int(plan.tensors.size())));
    m_optimizeReport = tr("Optimize: %n tensor(s) changed, mean gain %1 dB per changed tensor (mean matrix SNR was "
                          "%2 dB)",
                          nullptr, int(plan.tensors.size()))
                           .arg(plan.meanGainDb(), 0, 'f', 2)
                           .arg(meanBefore, 0, 'f', 2);
    statusBar()->showMessage(m_optimizeReport, 15000);
    Q_EMIT optimizeFinished(true);
}
