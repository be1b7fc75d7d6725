#pragma once
#include "artifacts/luts.h"

#include <QUndoCommand>

class Document;

/// One user edit of the activation-LUT scales, on the same undo stack as the strategy edits (so undo walks both in
/// the order they were made, and both count as unsaved changes). Steps of one spin box in a row merge into one.
class LutScalesCommand : public QUndoCommand
{
public:
    LutScalesCommand(Document *document, const ql::LutScales &before, const ql::LutScales &after,
                     QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand *other) override;

    /// Which of the eight scales differ (bit k: input scale of LUT k, bit 4 + k: its output scale).
    static unsigned changedScales(const ql::LutScales &a, const ql::LutScales &b);

private:
    Document *m_document;
    ql::LutScales m_before;
    ql::LutScales m_after;
};
