#pragma once
#include "quantization/quantize.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class LayerFilterProxy;
class LayerTableModel;

/// The layer table with its filter bar: view + proxy + filter box wired together in one place.
class LayerTablePanel : public QWidget
{
    Q_OBJECT
public:
    explicit LayerTablePanel(QWidget *parent = nullptr);

    void setResults(std::shared_ptr<const ql::QuantizeResult> result, std::shared_ptr<const ql::QuantizeResult> baseline,
                    bool editable);
    void updateResults(std::shared_ptr<const ql::QuantizeResult> result);

    /// Selects (and scrolls to) a tensor by index into result->tensors; -1 clears. Emits nothing.
    void setSelectedTensor(int index);
    /// Tensors selected in the table (indices into result->tensors), in table order.
    QVector<int> selectedTensors() const;
    /// Ctrl+F: focus the name filter with its text selected.
    void focusFilter();
    /// Warnings of the open input (rules matching nothing, skipped tensors) shown above the table.
    QLabel *warningsLabel() const { return m_warnings; }
    void setContextMenu(QMenu *menu) { m_contextMenu = menu; }

    LayerTableModel *model() const { return m_model; }
    LayerFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    QCheckBox *regexBox() const { return m_regex; }
    QComboBox *groupBox() const { return m_group; }
    QComboBox *bandBox() const { return m_band; }

Q_SIGNALS:
    /// The current row changed by the user (index into result->tensors).
    void tensorActivated(int index);
    void strategyEdited(int tensorIndex, const QString &strategy);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void applyFilter();
    void showWarnings(const ql::QuantizeResult *result);
    void sizeColumns();
    void updateCount();

    LayerTableModel *m_model;
    LayerFilterProxy *m_proxy;
    QTableView *m_view;
    QLineEdit *m_filter;
    QCheckBox *m_regex;
    QComboBox *m_group;
    QComboBox *m_band;
    QLabel *m_count;
    QLabel *m_warnings;
    bool m_sizedName = false;
    QMenu *m_contextMenu = nullptr;
    bool m_programmatic = false;
};
