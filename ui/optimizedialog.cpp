#include "optimizedialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
QTableWidgetItem *number(double v)
{
    auto *item = new QTableWidgetItem;
    item->setData(Qt::DisplayRole, QString::number(v, 'f', 2));
    item->setData(Qt::UserRole, v);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}
} // namespace

OptimizeDialog::OptimizeDialog(const ql::OptimizePlan &plan, QWidget *parent)
    : QDialog(parent)
    , m_plan(plan)
    , m_table(new QTableWidget(int(plan.tensors.size()), 5, this))
    , m_summary(new QLabel(this))
{
    setWindowTitle(tr("Optimize strategies"));
    auto *intro = new QLabel(tr("Per tensor, the strategy with the best SNR (changes gaining at least 0.01 dB). "
                                "Untick what you want to keep as it is; Apply is one undoable step."),
                             this);
    intro->setWordWrap(true);
    m_table->setHorizontalHeaderLabels({tr("Tensor"), tr("Strategy"), tr("Before dB"), tr("After dB"), tr("Gain dB")});
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int r = 0; r < int(plan.tensors.size()); ++r) {
        const auto &c = plan.tensors[std::size_t(r)];
        auto *name = new QTableWidgetItem(QString::fromStdString(c.name));
        name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
        name->setCheckState(Qt::Checked);
        name->setToolTip(QString::fromStdString(c.name));
        m_table->setItem(r, 0, name);
        m_table->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(c.to.name())));
        m_table->setItem(r, 2, number(c.snrBefore));
        m_table->setItem(r, 3, number(c.snrAfter));
        m_table->setItem(r, 4, number(c.gainDb()));
    }
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::itemChanged, this, &OptimizeDialog::updateSummary);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);
    resize(760, 480);
    updateSummary();
}

std::vector<ql::OptimizeChoice> OptimizeDialog::keptChoices() const
{
    std::vector<ql::OptimizeChoice> out;
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, 0)->checkState() == Qt::Checked)
            out.push_back(m_plan.tensors[std::size_t(r)]);
    return out;
}

void OptimizeDialog::updateSummary()
{
    const auto kept = keptChoices();
    double sum = 0;
    for (const auto &c : kept)
        sum += c.gainDb();
    m_summary->setText(kept.empty() ? tr("Nothing selected.")
                                    : tr("%n tensor(s) change; mean gain %1 dB per changed tensor.", nullptr,
                                         int(kept.size()))
                                          .arg(sum / double(kept.size()), 0, 'f', 2));
}
