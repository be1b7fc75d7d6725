#include "tablecopy.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QClipboard>
#include <QShortcut>
#include <QTableView>

#include <algorithm>

QString selectedRowsAsTsv(const QAbstractItemView *view)
{
    const QAbstractItemModel *model = view->model();
    if (!model || !view->selectionModel())
        return {};
    const auto clean = [](QString s) {
        return s.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
    };
    const auto *table = qobject_cast<const QTableView *>(view);
    QStringList header;
    QVector<int> cols;
    for (int c = 0; c < model->columnCount(); ++c)
        if (!table || !table->isColumnHidden(c)) {
            cols << c;
            header << clean(model->headerData(c, Qt::Horizontal).toString());
        }
    QStringList lines{header.join(QLatin1Char('\t'))};
    auto rows = view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const auto &r : rows) {
        QStringList cells;
        for (int c : cols)
            cells << clean(model->index(r.row(), c).data(Qt::DisplayRole).toString());
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void installTsvCopy(QAbstractItemView *view)
{
    auto *copy = new QShortcut(QKeySequence::Copy, view, nullptr, nullptr, Qt::WidgetShortcut);
    QObject::connect(copy, &QShortcut::activated, view,
                     [view] { QApplication::clipboard()->setText(selectedRowsAsTsv(view)); });
}
