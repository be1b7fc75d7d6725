#pragma once
#include <QLabel>
#include <QPainter>
#include <QStyle>

/// A one-line label that ends in "…" when it is narrower than its text, instead of cutting the last word in half
/// (the status bar's summary at 800 px). The full text stays in text() and, where set, the tooltip.
class ElidedLabel : public QLabel
{
public:
    using QLabel::QLabel;

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        const QRect r = contentsRect();
        const QString shown = fontMetrics().elidedText(text(), Qt::ElideRight, r.width());
        style()->drawItemText(&p, r, int(alignment()), palette(), isEnabled(), shown, foregroundRole());
    }
};
