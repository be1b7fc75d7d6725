#pragma once
#include "session/optimize.h"

#include <QDialog>

class QLabel;
class QTableWidget;

/// The Optimize preview: every proposed change with its SNR before, after and gain; the user unticks what they do
/// not want and applies the rest as one undoable step.
class OptimizeDialog : public QDialog
{
    Q_OBJECT
public:
    OptimizeDialog(const ql::OptimizePlan &plan, QWidget *parent = nullptr);
    /// The choices still ticked.
    std::vector<ql::OptimizeChoice> keptChoices() const;

private:
    void updateSummary();
    ql::OptimizePlan m_plan;
    QTableWidget *m_table;
    QLabel *m_summary;
};
