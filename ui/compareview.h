#pragma once
#include "session/compare.h"

#include <QWidget>
#include <memory>

class CompareFilterProxy;
class ComparePlots;
class CompareTableModel;
class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;
class ShardMapView;

/// Two sessions side by side: one table aligned by tensor name with the delta columns (sortable by largest change,
/// a "changed only" filter), the selected tensor's overlaid histograms, SNR curves and scale ratio, and both shard
/// maps with the changed upload chunks highlighted. Selection is by name, in and out (tensorSelected/selectTensor).
class CompareView : public QWidget
{
    Q_OBJECT
public:
    explicit CompareView(QWidget *parent = nullptr);
    ~CompareView() override;

    /// Shows a comparison of a and b; `result` must come from ql::compare(*a, *b) (it points into their results).
    void setComparison(std::shared_ptr<const ql::Session> a, std::shared_ptr<const ql::Session> b,
                       std::shared_ptr<const ql::CompareResult> result);
    const std::shared_ptr<const ql::CompareResult> &result() const { return m_result; }
    QString selectedTensor() const { return m_selected; }

    CompareTableModel *model() const { return m_model; }
    CompareFilterProxy *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    ComparePlots *plots() const { return m_plots; }
    enum class Side { A, B };
    ShardMapView *shardMap(Side side) const { return side == Side::A ? m_mapA : m_mapB; }
    QCheckBox *changedOnlyBox() const { return m_changedOnly; }
    QString summaryText() const;

    /// The changed chunks of one side as byte ranges of its weights_int8.bin (A: the same shard offsets in A).
    static std::vector<std::pair<uint64_t, uint64_t>> changedRanges(const ql::CompareResult &r, bool sideB);

public Q_SLOTS:
    /// Selects a tensor by name everywhere in the view (no signal); an unknown name clears the selection.
    void selectTensor(const QString &name);
    /// Sorts by the largest change first (the view's default order after a new comparison).
    void sortByLargestChange();

Q_SIGNALS:
    /// The user selected a tensor here (table row or a click in either shard map).
    void tensorSelected(const QString &name);

private:
    void userSelected(const QString &name);
    void updateSummary();
    void applySelection(const QString &name);

    std::shared_ptr<const ql::Session> m_a, m_b;
    std::shared_ptr<const ql::CompareResult> m_result;
    QString m_selected;
    bool m_applying = false;
    CompareTableModel *m_model;
    CompareFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QCheckBox *m_changedOnly;
    QLabel *m_summary;
    QTableView *m_table;
    ComparePlots *m_plots;
    QLabel *m_labelA, *m_labelB;
    ShardMapView *m_mapA, *m_mapB;
};
