#pragma once
#include "quantization/overrides.h"

#include <QUndoCommand>

class Document;

/// One user edit of the document's overrides (a strategy change, a loaded file, "Optimize"): before and after rules.
class OverridesCommand : public QUndoCommand
{
public:
    OverridesCommand(Document *document, ql::Overrides before, ql::Overrides after, const QString &text,
                     QUndoCommand *parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    ql::Overrides m_before;
    ql::Overrides m_after;
};
