#pragma once
#include <QSplitter>

/// Two widgets side by side (Qt::Horizontal) or stacked (Qt::Vertical) under a splitter the user can drag, sharing
/// extra room as stretchFirst : stretchSecond.
inline QSplitter *splitPair(Qt::Orientation orientation, QWidget *first, QWidget *second, int stretchFirst,
                            int stretchSecond, QWidget *parent)
{
    auto *split = new QSplitter(orientation, parent);
    split->addWidget(first);
    split->addWidget(second);
    split->setStretchFactor(0, stretchFirst);
    split->setStretchFactor(1, stretchSecond);
    return split;
}
