#pragma once
#include "document.h"
#include "jobtracker.h"

#include <QMainWindow>
#include <QStringList>
#include <optional>

class QAction;
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

/// The inspector window: the document, its views linked by one tensor selection, menus, status and background jobs.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// Tab order; also the Ctrl+1..5 shortcuts and the --view names.
    enum View { LayersView, TensorDrillDown, ScalesPlot, LutsView, ShardsView, ViewCount };
    static std::optional<View> viewFromName(const QString &name); ///< table|tensor|scales|luts|shards
    static QString viewName(View v);

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Starts loading in the background; a load started later wins (earlier results are dropped).
    void openPath(const QString &path);
    bool isBusy() const { return m_busy > 0; }
    /// Cancels the running load / optimisation.
    void cancelJobs();
    /// false: errors go to stderr and loadFinished() instead of a dialog (screenshot mode, tests).
    void setInteractive(bool interactive) { m_interactive = interactive; }

    /// Selects a tensor everywhere (index into the result's tensors; -1 none).
    void selectTensor(int index);
    bool selectTensorByName(const QString &name);
    int selectedTensor() const { return m_selected; }
    /// Shows a view; false when that view is not available in this build.
    bool showView(View v);
    View currentView() const;

    /// Picks, per tensor, the strategy with the best SNR (background), then applies it as one undoable step.
    void optimize();
    /// Writes the artifacts of the current result (same writer as the CLI) in the background.
    void saveArtifactsTo(const QString &dir);
    /// Writes a reviewer report of the current result (format from the extension): data in the background, figures
    /// drawn by these views' plot code on the GUI thread. Emits reportExported.
    void exportReport(const QString &file);
    /// Renders the window as it is now into a PNG (views refreshed first).
    bool saveScreenshot(const QString &file);

    Document *document() const { return m_doc; }
    LayerTablePanel *tablePanel() const { return m_table; }
    TensorView *tensorView() const { return m_tensor; }
    ScalesView *scalesView() const { return m_scales; }
    LutView *lutView() const { return m_luts; }
    ShardMapPanel *shardPanel() const { return m_shards; }
    QWidget *viewWidget(View v) const { return m_views[v]; }
    QString summaryText() const;
    QString lastOptimizeReport() const { return m_optimizeReport; }
    QStringList recentFiles() const;

Q_SIGNALS:
    void loadFinished(bool ok, const QString &error);
    void optimizeFinished(bool applied);
    void artifactsSaved(bool ok, const QString &error);
    void reportExported(bool ok, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createViews();
    void onSourceChanged();
    void onResultChanged(const QVector<int> &changed);
    void updateStatus();
    void updateActions();
    void addRecent(const QString &path);
    void rebuildRecentMenu();
    void showError(const QString &title, const QString &message);
    void beginBusy(const QString &what);
    void endBusy();
    void applyStrategyToSelection(const std::optional<ql::Strategy> &s);

    Document *m_doc;
    QTabWidget *m_tabs;
    QWidget *m_views[ViewCount] = {};
    LayerTablePanel *m_table;
    TensorView *m_tensor;
    ScalesView *m_scales;
    LutView *m_luts;
    ShardMapPanel *m_shards;
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
    QAction *m_findAction = nullptr;
    QList<QAction *> m_viewActions;
    JobTracker m_loadJobs;
    JobTracker m_optimizeJobs;
    std::function<void()> m_cancelCurrent;
    int m_busy = 0;
    int m_selected = -1;
    bool m_interactive = true;
    bool m_linking = false;
    QString m_optimizeReport;
};
