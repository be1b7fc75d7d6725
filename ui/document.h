#pragma once
#include "session/session.h"
#include "jobtracker.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QUndoStack;

/// The GUI's hold on one core ql::Session: the current result under the current overrides, the edit history, and
/// the background re-quantization that follows every edit. Edits (strategy changes, loaded rules, Optimize, undo and
/// redo) change the rules at once and re-quantize off the GUI thread; the result arrives with resultChanged(), and
/// a newer edit supersedes an older one still running (its result is dropped).
class Document : public QObject
{
    Q_OBJECT
public:
    using Source = ql::Session;
    using Progress = std::function<bool(uint64_t done, uint64_t total)>;

    /// Opens a checkpoint (.pt, .safetensors) or an output folder through the core session (the baseline's statistics
    /// kept for the Before/Δ columns, not its bytes). Runs on any thread. Throws ql::Error (Cancelled when `progress`
    /// returns false).
    static Source load(const QString &path, const ql::Overrides &overrides = {}, const Progress &progress = {});

    explicit Document(QObject *parent = nullptr);
    ~Document() override;

    /// Replaces everything (a new file): the history starts afresh and the document is unmodified.
    void setSource(Source source);
    void clear();

    bool isEmpty() const { return !m_source.result; }
    /// Strategies can change only when the FP32 weights are at hand.
    bool canRequantize() const { return m_source.checkpoint != nullptr; }
    /// An output folder has no baseline: its manifest is all there is. A checkpoint's holds no INT8 bytes.
    bool hasBaseline() const { return m_source.baseline != nullptr; }
    QString path() const;
    /// "mamba2 · model.pt" / "mamba2 · out/world-model" — what the title bar and dialogs call this input.
    QString displayName() const;
    const Source &source() const { return m_source; }
    std::shared_ptr<const ql::QuantizeResult> result() const { return m_source.result; }
    std::shared_ptr<const ql::QuantizeResult> baseline() const { return m_source.baseline; }
    const ql::Checkpoint *checkpoint() const { return m_source.checkpoint.get(); }
    const ql::Overrides &overrides() const { return m_source.overrides; }
    QUndoStack *undoStack() const { return m_undoStack; }
    /// Strategy or LUT-scale edits not yet saved (as overrides or artifacts).
    bool isModified() const;
    /// Marks the present rules and LUT scales as saved.
    void setSaved();
    /// A re-quantization is running; result() is the previous one until it arrives.
    bool isBusy() const { return m_pending > 0; }

    /// Undoable: sets the strategy of the named tensors; nullopt = seed default.
    void setStrategy(const QStringList &tensors, const std::optional<ql::Strategy> &s);
    /// Index-based convenience (indices into result()->tensors).
    void setStrategyAt(const QVector<int> &tensors, const std::optional<ql::Strategy> &s);
    /// Undoable: replaces all rules (loading an overrides file, "Optimize").
    void replaceOverrides(const ql::Overrides &overrides, const QString &text);
    /// Undoable: replaces the rules with those of an overrides file. Throws ql::Error.
    void loadOverrides(const QString &file);
    /// Writes the current rules (ql::Overrides::save, atomic). Throws ql::Error.
    void saveOverrides(const QString &file);

    /// The activation-LUT scales: an output folder's luts.json, else the seed's defaults, then the user's edits.
    const ql::LutScales &lutScales() const { return m_lutScales; }
    /// The LUT scales differ from those opened or last saved (luts.bin would need writing).
    bool lutScalesModified() const { return !(m_lutScales == m_savedLutScales); }
    /// Undoable, on the same stack as the strategy edits.
    void setLutScales(const ql::LutScales &scales);
    /// Sets the scales now (the undo commands call this); emits lutScalesChanged.
    void applyLutScales(const ql::LutScales &scales);

    /// Re-quantizes, in the background, the tensors whose strategy changes under `overrides` (the undo commands
    /// call this). The rules change now; the result follows. A change larger than applyGroupBytes() (Optimize, loaded
    /// rules) arrives in groups of about that size, each a resultChanged() while the document stays busy, so the INT8
    /// held while it runs is the snapshot on screen plus one group, not two copies of every changed tensor.
    void applyOverrides(const ql::Overrides &overrides);
    /// The INT8 bytes re-quantized per delivered group: an eighth of the model, at least 4 MiB (a model up to 32 MiB
    /// of INT8 changes in one step), unless set (tests; 0 restores the default).
    uint64_t applyGroupBytes() const;
    void setApplyGroupBytes(uint64_t bytes) { m_applyGroupBytes = bytes; }

Q_SIGNALS:
    /// A new source: every view resets.
    void sourceChanged();
    /// Same tensors, some re-quantized (names); views refresh in place.
    void resultChanged(const QStringList &changed);
    /// A background re-quantization started (true) or the last one finished (false).
    void busyChanged(bool busy);
    /// A re-quantization failed; the rules stay as asked, the result as it was (with the groups already delivered).
    void requantizeFailed(const QString &error);
    void modifiedChanged(bool modified);
    /// The LUT scales changed (an edit, its undo or redo, a new source).
    void lutScalesChanged();

private:
    using Groups = std::vector<std::vector<std::string>>;
    /// Re-quantizes group `index` of `groups` (the last: every tensor that still differs, and the rules of all) from
    /// the current result, delivers it, then starts the next group. `release` (the snapshot the previous group
    /// replaced) is let go on the pool before this group allocates anything.
    void requantizeStep(uint64_t job, const ql::Overrides &overrides, std::shared_ptr<const Groups> groups,
                        std::size_t index, std::shared_ptr<const ql::QuantizeResult> release = {});

    Source m_source;
    QUndoStack *m_undoStack;
    JobTracker m_jobs;
    int m_pending = 0;
    uint64_t m_applyGroupBytes = 0;
    ql::LutScales m_lutScales;
    ql::LutScales m_savedLutScales;
};
