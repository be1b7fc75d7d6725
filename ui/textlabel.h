#pragma once
#include <QLabel>

/// Whether the user can select (and copy) a label's text.
enum class Selectable { No, Yes };

/// A label for a view's prose (summaries, headers, notes, warnings): it wraps at the view's width instead of
/// widening the view, and unless `selectable` says No the user can select and copy what it says.
inline QLabel *makeTextLabel(QWidget *parent, Qt::TextFormat format = Qt::AutoText,
                             Selectable selectable = Selectable::Yes)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(format);
    label->setWordWrap(true);
    if (selectable == Selectable::Yes)
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}
