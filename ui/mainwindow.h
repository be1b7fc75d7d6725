#pragma once
#include "document.h"
#include "jobtracker.h"

#include <QMainWindow>
#include <QStringList>
#include <optional>

class QAction;
template <typename T>
class QFutureWatcher;
class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;
class LayerTablePanel;
class LutView;
class ShardMapPanel;
class ScalesView;
class TensorView;
class CompareView;
class EvaluateView;
namespace ql {
struct OptimizePlan;
}

/// The inspector window: the document, its views (a registry keyed by name) linked by one tensor selection (by
/// name), menus, status and background jobs. File handling (open, save, prompts, recent files, drops) is in
/// mainwindowfile.cpp.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Names of the registered views, in tab order (also the Ctrl+1.. shortcuts and the --view names).
    QStringList viewNames() const;
    /// Registers a view: a tab, a View-menu entry with the next Ctrl+digit shortcut, and the --view name `id`.
    void addView(const QString &id, const QString &tabTitle, const QString &menuTitle, QWidget *widget);
    /// Shows a view by name; false when no such view is registered.
    bool showView(const QString &id);
    QString currentView() const;
    QWidget *viewWidget(const QString &id) const;
    /// The registered view of type `View` (the first, should two share a type); null when there is none.
    template <class View>
    View *view() const
    {
        for (const ViewEntry &e : m_views)
            if (auto *v = qobject_cast<View *>(e.widget))
                return v;
        return nullptr;
    }

    /// Asks to save unsaved strategy changes (Save / Discard / Cancel) when there are any; false: the user cancelled.
    bool maybeSave();
    /// Starts loading in the background (after maybeSave()); a load started later wins (earlier results are dropped).
    void openPath(const QString &path);
    /// Opens without asking and without adding to Open Recent (the bundled sample at start-up).
    void openPathQuietly(const QString &path);
    bool isBusy() const { return m_busy > 0 || m_doc->isBusy(); }
    /// Cancels the running load / optimisation / save.
    void cancelJobs();
    /// false: errors go to stderr and loadFinished() instead of a dialog, and prompts take their default answer
    /// (screenshot mode, tests).
    void setInteractive(bool interactive) { m_interactive = interactive; }

    /// Selects a tensor everywhere by name (empty: none); false when the open input has no such tensor.
    bool selectTensorByName(const QString &name);
    /// Index-based convenience (index into the result's tensors; -1 none).
    void selectTensor(int index);
    QString selectedTensorName() const { return m_selected; }
    int selectedTensor() const;

    /// Computes the Optimize plan (core ql::optimize) in the background, previews it, applies what the user keeps.
    void optimize();
    /// Applies an Optimize plan as one undoable step (the preview's Apply).
    void applyOptimizePlan(const ql::OptimizePlan &plan);
    /// Writes the artifacts of the current result (same writer as the CLI) in the background; asks first when `dir`
    /// holds another model's artifacts.
    void saveArtifactsTo(const QString &dir);
    /// Writes a reviewer report of the current result (format from the extension): data in the background, figures
    /// drawn by these views' plot code on the GUI thread. Emits reportExported.
    void exportReport(const QString &file);
    /// Opens `path` (checkpoint or output folder) as the second session and compares the open input with it, in the
    /// background; the compare view shows it and follows edits of the open input.
    void compareWith(const QString &path);
    QString comparePath() const { return m_comparePath; }
    /// Renders the window as it is now into a PNG (views refreshed first).
    bool saveScreenshot(const QString &file);

    Document *document() const { return m_doc; }
    QString summaryText() const;
    /// The status bar's progress of the running job (hidden when none).
    QProgressBar *progressBar() const { return m_progress; }
    QString lastOptimizeReport() const { return m_optimizeReport; }
    QStringList recentFiles() const;
    /// Answers the next prompt without showing it (tests): a QMessageBox::StandardButton value, 0 to show it.
    void setPromptAnswer(int button) { m_promptAnswer = button; }

Q_SIGNALS:
    void loadFinished(bool ok, const QString &error);
    /// The plan is computed; `proposed` tensors would change (the preview is shown when interactive).
    void optimizePlanReady(int proposed);
    void optimizeFinished(bool applied);
    void artifactsSaved(bool ok, const QString &error);
    void compareFinished(bool ok, const QString &error);
    void reportExported(bool ok, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    struct ViewEntry
    {
        QString id;
        QWidget *widget = nullptr;
        QWidget *container = nullptr; ///< the tab: a scroll area, so a view stays usable in a small window
        QAction *action = nullptr;
    };
    void createFileMenu();
    void createActions();
    void createViews();
    void onSourceChanged();
    void onResultChanged(const QStringList &changed);
    /// What follows an edit once it has all arrived: the evaluation's and the comparison's inputs.
    void followEdit();
    void updateStatus();
    void updateActions();
    void updateTitle();
    void addRecent(const QString &path);
    void rebuildRecentMenu();
    void startLoad(const QString &path, bool remember);
    void showError(const QString &title, const QString &message);
    int ask(const QString &title, const QString &text, int buttons, int defaultButton);
    void beginBusy(const QString &what);
    void endBusy();
    /// A watcher for a new job of `jobs` (load, optimize, compare): the window shows `what` as busy, the job's
    /// progress goes to the bar, and when it ends the busy state and Cancel are cleared and `done(watcher)` runs on the
    /// GUI thread, unless a newer job of `jobs` (or the window closing) superseded it. Defined in windowjob.h.
    template <class T, class Done>
    QFutureWatcher<T> *watchJob(JobTracker &jobs, const QString &what, Done done);
    void applyStrategyToSelection(const std::optional<ql::Strategy> &s);
    void runCompare(std::shared_ptr<const ql::Session> b);
    void chooseCompare();
    QStringList selectedNames() const;

    Document *m_doc;
    QTabWidget *m_tabs;
    QVector<ViewEntry> m_views;
    QMenu *m_viewMenu = nullptr;
    LayerTablePanel *m_table;
    TensorView *m_tensor;
    ScalesView *m_scales;
    LutView *m_luts;
    ShardMapPanel *m_shards;
    CompareView *m_compare;
    EvaluateView *m_evaluate;
    QString m_comparePath;
    bool m_followEdit = false; ///< an edit arrived in part (Optimize's groups): followEdit() is due when it ends
    std::shared_ptr<const ql::Session> m_compareB;
    JobTracker m_compareJobs;
    QLabel *m_summary;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_strategyMenu = nullptr;
    QAction *m_saveArtifacts = nullptr;
    QAction *m_loadOverrides = nullptr;
    QAction *m_saveOverrides = nullptr;
    QAction *m_exportReport = nullptr;
    QAction *m_optimize = nullptr;
    QAction *m_compareAction = nullptr;
    QAction *m_findAction = nullptr;
    JobTracker m_loadJobs;
    JobTracker m_optimizeJobs;
    std::function<void()> m_cancelCurrent;
    int m_busy = 0;
    QString m_selected;
    bool m_interactive = true;
    bool m_linking = false;
    int m_promptAnswer = 0;
    QString m_optimizeReport;
};
