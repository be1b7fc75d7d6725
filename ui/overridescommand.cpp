#include "overridescommand.h"

#include "document.h"

OverridesCommand::OverridesCommand(Document *document, ql::Overrides before, ql::Overrides after, const QString &text,
                                   QUndoCommand *parent)
    : QUndoCommand(text, parent)
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after))
{
}

void OverridesCommand::redo() { m_document->applyOverrides(m_after); }

void OverridesCommand::undo() { m_document->applyOverrides(m_before); }
