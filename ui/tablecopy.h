#pragma once
#include <QString>

class QAbstractItemView;

/// The selected rows of `view` as tab-separated text: a header line of the visible columns' titles, then one line per
/// selected row in the order shown, each cell's full text (not what an elided cell draws). Tabs and newlines inside a
/// cell become spaces, so a spreadsheet pastes one cell per column.
QString selectedRowsAsTsv(const QAbstractItemView *view);

/// Ctrl+C (the platform's Copy key) on `view` puts selectedRowsAsTsv() on the clipboard.
void installTsvCopy(QAbstractItemView *view);
