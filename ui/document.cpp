#include "document.h"
#include "backgroundjob.h"

#include "base/errors.h"
#include "lutscommand.h"
#include "overridescommand.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QUndoStack>
#include <QtConcurrent>
#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace {
fs::path toPath(const QString &s) { return fs::path(QFile::encodeName(s).toStdString()); }

/// A finished background re-quantization.
struct Requantized
{
    std::shared_ptr<const ql::QuantizeResult> result;
    QStringList changed;
    QString error;
};
} // namespace

Document::Source Document::load(const QString &path, const ql::Overrides &overrides, const Progress &progress)
{
    ql::OpenOptions opt;
    opt.overrides = overrides;
    opt.rowStats = true;
    opt.baseline = true;
    opt.progress = progress;
    return ql::openSession(toPath(path), opt);
}

Document::Document(QObject *parent)
    : QObject(parent)
    , m_undoStack(new QUndoStack(this))
{
    connect(m_undoStack, &QUndoStack::cleanChanged, this, [this](bool clean) { Q_EMIT modifiedChanged(!clean); });
}

Document::~Document()
{
    m_jobs.invalidate();
    m_undoStack->disconnect(this);
}

void Document::setSource(Source source)
{
    m_jobs.invalidate(); // results of edits to the previous source are dropped
    if (m_pending) {
        m_pending = 0;
        Q_EMIT busyChanged(false);
    }
    m_undoStack->clear();
    m_source = std::move(source);
    m_lutScales = m_savedLutScales = m_source.luts.value_or(ql::LutScales{});
    Q_EMIT sourceChanged();
}

void Document::clear() { setSource({}); }

QString Document::path() const
{
    return m_source.result ? QFile::decodeName(QByteArray::fromStdString(m_source.path.string())) : QString();
}

QString Document::displayName() const
{
    if (isEmpty())
        return {};
    const QFileInfo fi(path());
    QString where = fi.fileName();
    // An output folder is usually called "output" or "out": its parent says which model it is.
    if (m_source.kind == ql::InputKind::OutputFolder && !fi.dir().dirName().isEmpty())
        where = fi.dir().dirName() + QLatin1Char('/') + where;
    const QString model = QString::fromStdString(m_source.result->model.modelType);
    return model.isEmpty() ? where : model + QStringLiteral(" · ") + where;
}

bool Document::isModified() const { return !m_undoStack->isClean(); }

void Document::setSaved()
{
    m_savedLutScales = m_lutScales;
    m_undoStack->setClean();
}

void Document::setLutScales(const ql::LutScales &scales)
{
    if (scales == m_lutScales)
        return;
    m_undoStack->push(new LutScalesCommand(this, m_lutScales, scales));
}

void Document::applyLutScales(const ql::LutScales &scales)
{
    m_lutScales = scales;
    Q_EMIT lutScalesChanged();
}

void Document::setStrategyAt(const QVector<int> &tensors, const std::optional<ql::Strategy> &s)
{
    if (!m_source.result)
        return;
    QStringList names;
    for (int i : tensors)
        if (i >= 0 && std::size_t(i) < m_source.result->tensors.size())
            names << QString::fromStdString(m_source.result->tensors[std::size_t(i)].name);
    setStrategy(names, s);
}

void Document::setStrategy(const QStringList &tensors, const std::optional<ql::Strategy> &s)
{
    if (!canRequantize() || tensors.isEmpty())
        return;
    std::vector<std::pair<std::string, std::size_t>> names;
    for (const QString &n : tensors)
        if (const auto *t = m_source.result->find(n.toStdString()))
            names.emplace_back(t->name, t->shape.size());
    if (names.empty())
        return;
    const ql::Overrides after = ql::withStrategy(m_source.overrides, names, s);
    if (after == m_source.overrides && after.rules.size() == m_source.overrides.rules.size())
        return;
    const QString what = s ? QString::fromStdString(s->name()) : tr("default strategy");
    const QString text = names.size() == 1
                             ? tr("Set %1 to %2").arg(QString::fromStdString(names.front().first), what)
                             : tr("Set %n tensor(s) to %1", nullptr, int(names.size())).arg(what);
    m_undoStack->push(new OverridesCommand(this, m_source.overrides, after, text));
}

void Document::replaceOverrides(const ql::Overrides &overrides, const QString &text)
{
    if (!canRequantize() || overrides == m_source.overrides)
        return;
    m_undoStack->push(new OverridesCommand(this, m_source.overrides, overrides, text));
}

void Document::loadOverrides(const QString &file)
{
    if (!canRequantize())
        throw ql::Error(ql::ErrorKind::Usage,
                        "overrides need the FP32 weights: open the checkpoint, not an output folder",
                        m_source.path.string());
    const ql::Overrides o = ql::Overrides::load(toPath(file));
    replaceOverrides(o, tr("Load overrides %1").arg(file));
}

void Document::saveOverrides(const QString &file)
{
    m_source.overrides.save(toPath(file));
    // The rules are saved; edited LUT scales are not (luts.bin is written with the artifacts), so those still count.
    if (!lutScalesModified())
        setSaved();
}

uint64_t Document::applyGroupBytes() const
{
    if (m_applyGroupBytes)
        return m_applyGroupBytes;
    const uint64_t total = m_source.result ? m_source.result->totalBytes : 0;
    return std::max<uint64_t>(total / 8, uint64_t(4) << 20);
}

void Document::applyOverrides(const ql::Overrides &overrides)
{
    if (!m_source.checkpoint || !m_source.result)
        return;
    m_source.overrides = overrides;
    const uint64_t job = m_jobs.start();
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
    auto groups = std::make_shared<Groups>(ql::requantizeGroups(*m_source.result, overrides, applyGroupBytes()));
    if (groups->empty()) // no strategy changes, but the rules (and their warnings) still do
        groups->emplace_back();
    requantizeStep(job, overrides, std::move(groups), 0);
}

void Document::requantizeStep(uint64_t job, const ql::Overrides &overrides, std::shared_ptr<const Groups> groups,
                              std::size_t index, std::shared_ptr<const ql::QuantizeResult> release)
{
    const bool last = index + 1 >= groups->size();
    auto *watcher = new QFutureWatcher<Requantized>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, job, overrides, groups, index, last] {
        watcher->deleteLater();
        if (!m_jobs.isCurrent(job))
            return; // a newer edit (or a new source) superseded this one; its own job reports
        Requantized out = watcher->result();
        std::shared_ptr<const ql::QuantizeResult> previous;
        if (out.error.isEmpty()) {
            previous = std::move(m_source.result);
            m_source.result = std::move(out.result);
        }
        const bool done = last || !out.error.isEmpty();
        if (done) {
            m_pending = 0;
            Q_EMIT busyChanged(false);
        }
        if (!out.error.isEmpty())
            Q_EMIT requantizeFailed(out.error);
        else
            Q_EMIT resultChanged(out.changed);
        // The views hold the new snapshot now; the bytes of the previous one that nothing shares (after Optimize, a
        // whole model's) are freed on the pool: on the GUI thread freeing them was most of a 40 ms stall at 1 GiB.
        // Between groups the next group's job lets go of it before it allocates: a job of its own could wait in the
        // pool's queue while the next group was quantized, and the apply's peak at 128 MiB then varied from 1.22 to
        // 1.62 x INT8 between runs.
        if (!done && m_jobs.isCurrent(job)) // (a view reacting to resultChanged may have started a newer edit)
            requantizeStep(job, overrides, groups, index + 1, std::move(previous));
        else if (previous)
            (void)runInBackground([previous = std::move(previous)]() mutable { previous.reset(); });
    });
    // Starts from whatever result is current: requantize() re-does exactly the tensors whose strategy differs under
    // `overrides`, so the outcome does not depend on which earlier edits had arrived.
    watcher->setFuture(runInBackground([ck = m_source.checkpoint, from = m_source.result, overrides, groups, index,
                                        last, release = std::move(release)]() mutable {
        release.reset();
        Requantized out;
        try {
            // A new snapshot, so views and other jobs holding the previous one keep a consistent result. It shares
            // every tensor's bytes with `from`; requantize() gives the changed ones their own (an undo to the seed
            // strategy quantizes the tensor again: the baseline keeps no bytes), so nothing is held twice once the
            // views let go of `from`.
            auto next = std::make_shared<ql::QuantizeResult>(*from);
            for (const auto &n : ql::requantize(*next, *ck, overrides, last ? nullptr : &(*groups)[index]))
                out.changed << QString::fromStdString(n);
            out.result = std::move(next);
        } catch (const std::exception &e) { // never unwinds through Qt
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}
