#include "lutscommand.h"

#include "document.h"

#include <QCoreApplication>

namespace {
QString describe(unsigned changed)
{
    // One scale: name it, as "Set SiLU input scale" reads in Edit → Undo; several (a reset): say so.
    for (int k = 0; k < ql::kNumLuts; ++k) {
        const QString lut = QString::fromLatin1(ql::lutName(ql::LutKind(k)));
        if (changed == 1u << k)
            return QCoreApplication::translate("LutScalesCommand", "Set %1 input scale").arg(lut);
        if (changed == 1u << (ql::kNumLuts + k))
            return QCoreApplication::translate("LutScalesCommand", "Set %1 output scale").arg(lut);
    }
    return QCoreApplication::translate("LutScalesCommand", "Set LUT scales");
}
} // namespace

LutScalesCommand::LutScalesCommand(Document *document, const ql::LutScales &before, const ql::LutScales &after,
                                   QUndoCommand *parent)
    : QUndoCommand(describe(changedScales(before, after)), parent)
    , m_document(document)
    , m_before(before)
    , m_after(after)
{
}

unsigned LutScalesCommand::changedScales(const ql::LutScales &a, const ql::LutScales &b)
{
    unsigned bits = 0;
    // Not `(a.in[k] != b.in[k] ? 1u : 0u) << k`: GCC 12's -fsanitize=bounds,shift miscompiles that shape (the
    // bounds check reads k from a register set only on the shift-overflow path) and aborts on a valid index.
    for (int k = 0; k < ql::kNumLuts; ++k) {
        if (a.in[k] != b.in[k])
            bits |= 1u << k;
        if (a.out[k] != b.out[k])
            bits |= 1u << (ql::kNumLuts + k);
    }
    return bits;
}

void LutScalesCommand::redo() { m_document->applyLutScales(m_after); }

void LutScalesCommand::undo() { m_document->applyLutScales(m_before); }

int LutScalesCommand::id() const { return 0x4c5554; } // "LUT"

bool LutScalesCommand::mergeWith(const QUndoCommand *other)
{
    const auto *next = static_cast<const LutScalesCommand *>(other);
    const unsigned mine = changedScales(m_before, m_after);
    // Only runs of edits to the same single scale (spin box steps, typing): a reset or another scale is a new step.
    if (mine == 0 || mine != changedScales(next->m_before, next->m_after) || (mine & (mine - 1)) != 0)
        return false;
    m_after = next->m_after;
    return true;
}
