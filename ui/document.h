#pragma once
#include "readers/checkpoint.h"
#include "artifacts/luts.h"
#include "quantization/quantize.h"

#include <QObject>
#include <QString>
#include <QVector>
#include <functional>
#include <memory>
#include <optional>

class QUndoStack;

/// The open source (checkpoint or output folder), its quantization under the current overrides, and the edit history.
class Document : public QObject
{
    Q_OBJECT
public:
    /// What loading a path produces; built off the GUI thread and handed over by value.
    struct Source
    {
        QString path;
        std::shared_ptr<const ql::Checkpoint> checkpoint;   ///< null for an output folder (no FP32 weights)
        std::shared_ptr<const ql::QuantizeResult> baseline; ///< the seed's defaults (no overrides)
        std::shared_ptr<const ql::QuantizeResult> result;   ///< under `overrides`
        ql::Overrides overrides;
        std::optional<ql::LutScales> luts;                  ///< from luts.json when an output folder has one
    };
    using Progress = std::function<bool(uint64_t done, uint64_t total)>;

    /// Opens a checkpoint (.pt, .safetensors) or an output folder; quantizes a checkpoint under `overrides`.
    /// Runs on any thread. Throws ql::Error (Cancelled when `progress` returns false).
    static Source load(const QString &path, const ql::Overrides &overrides = {}, const Progress &progress = {});

    explicit Document(QObject *parent = nullptr);
    ~Document() override;

    /// Replaces everything (a new file): the history starts afresh.
    void setSource(Source source);
    void clear();

    bool isEmpty() const { return !m_source.result; }
    /// Strategies can change only when the FP32 weights are at hand.
    bool canRequantize() const { return m_source.checkpoint != nullptr; }
    QString path() const { return m_source.path; }
    const Source &source() const { return m_source; }
    std::shared_ptr<const ql::QuantizeResult> result() const { return m_source.result; }
    std::shared_ptr<const ql::QuantizeResult> baseline() const { return m_source.baseline; }
    const ql::Checkpoint *checkpoint() const { return m_source.checkpoint.get(); }
    const ql::Overrides &overrides() const { return m_source.overrides; }
    QUndoStack *undoStack() const { return m_undoStack; }

    /// The overrides that give `names` the strategy `s`: their exact-name rules move to the end with the new strategy
    /// (a rule is dropped when the remaining rules already give that strategy). Names are escaped into exact globs.
    static ql::Overrides withStrategy(const ql::Overrides &base, const QVector<QPair<QString, int>> &namesAndDims,
                                      const std::optional<ql::Strategy> &s);
    /// Glob that matches exactly this tensor name ('*', '?', '[' and '\' escaped for fnmatch).
    static std::string exactGlob(const std::string &name);

    /// Undoable: sets the strategy of the given tensors (indices into result()->tensors); nullopt = seed default.
    void setStrategy(const QVector<int> &tensors, const std::optional<ql::Strategy> &s);
    /// Undoable: replaces all rules (loading an overrides file, "Optimize").
    void replaceOverrides(const ql::Overrides &overrides, const QString &text);
    /// Undoable: replaces the rules with those of an overrides file. Throws ql::Error.
    void loadOverrides(const QString &file);
    /// Writes the current rules (ql::Overrides::save, atomic). Throws ql::Error.
    void saveOverrides(const QString &file) const;
    /// Writes weights_int8.bin + manifest.json of the current result with the same writer as the CLI. Throws ql::Error.
    void saveArtifacts(const QString &dir) const;

    /// Re-quantizes the tensors whose strategy changes under `overrides` (the undo commands call this).
    void applyOverrides(const ql::Overrides &overrides);

Q_SIGNALS:
    /// A new source: every view resets.
    void sourceChanged();
    /// Same tensors, some re-quantized (indices into result()->tensors); views refresh in place.
    void resultChanged(const QVector<int> &changed);

private:
    Source m_source;
    QUndoStack *m_undoStack;
};
