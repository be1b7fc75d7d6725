#include "document.h"

#include "artifacts/artifacts.h"
#include "base/errors.h"
#include "artifacts/manifest.h"
#include "overridescommand.h"

#include <QFile>
#include <QUndoStack>
#include <filesystem>

namespace fs = std::filesystem;

namespace {
fs::path toPath(const QString &s) { return fs::path(QFile::encodeName(s).toStdString()); }
} // namespace

Document::Source Document::load(const QString &path, const ql::Overrides &overrides, const Progress &progress)
{
    Source s;
    s.path = path;
    const fs::path p = toPath(path);
    if (fs::is_directory(p)) {
        auto r = std::make_shared<const ql::QuantizeResult>(ql::loadArtifacts(p));
        s.overrides = r->overrides;
        s.baseline = r;
        s.result = r;
        if (fs::exists(p / "luts.json"))
            s.luts = ql::readLutScales(p);
        return s;
    }
    auto ck = std::make_shared<const ql::Checkpoint>(ql::loadCheckpoint(p));
    ql::QuantizeOptions opt;
    opt.rowStats = true;
    opt.progress = progress;
    auto baseline = std::make_shared<ql::QuantizeResult>(ql::quantize(*ck, opt));
    s.checkpoint = ck;
    s.baseline = baseline;
    s.overrides = overrides;
    if (overrides.empty())
        s.result = baseline;
    else {
        auto r = std::make_shared<ql::QuantizeResult>(*baseline);
        ql::requantize(*r, *ck, overrides);
        s.result = std::move(r);
    }
    return s;
}

Document::Document(QObject *parent)
    : QObject(parent)
    , m_undoStack(new QUndoStack(this))
{
}

Document::~Document() = default;

void Document::setSource(Source source)
{
    m_undoStack->clear();
    m_source = std::move(source);
    Q_EMIT sourceChanged();
}

void Document::clear() { setSource({}); }

std::string Document::exactGlob(const std::string &name)
{
    std::string g;
    for (char c : name) {
        if (c == '*' || c == '?' || c == '[' || c == '\\')
            g += '\\';
        g += c;
    }
    return g;
}

ql::Overrides Document::withStrategy(const ql::Overrides &base, const QVector<QPair<QString, int>> &namesAndDims,
                                     const std::optional<ql::Strategy> &s)
{
    ql::Overrides o = base;
    for (const auto &[qname, dims] : namesAndDims) {
        const std::string name = qname.toStdString();
        const std::string glob = exactGlob(name);
        std::erase_if(o.rules, [&](const ql::OverrideRule &r) { return r.match == glob; });
        const ql::Strategy want = s ? *s : ql::Strategy::defaultFor(std::size_t(dims));
        if (!(o.strategyFor(name, std::size_t(dims)) == want))
            o.rules.push_back({glob, want});
    }
    return o;
}

void Document::setStrategy(const QVector<int> &tensors, const std::optional<ql::Strategy> &s)
{
    if (!canRequantize() || tensors.isEmpty())
        return;
    QVector<QPair<QString, int>> names;
    for (int i : tensors) {
        const auto &t = m_source.result->tensors.at(std::size_t(i));
        names.append({QString::fromStdString(t.name), int(t.shape.size())});
    }
    const ql::Overrides after = withStrategy(m_source.overrides, names, s);
    if (after == m_source.overrides && after.rules.size() == m_source.overrides.rules.size())
        return;
    const QString what = s ? QString::fromStdString(s->name()) : tr("default strategy");
    const QString text = names.size() == 1 ? tr("Set %1 to %2").arg(names.front().first, what)
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
                        m_source.path.toStdString());
    const ql::Overrides o = ql::Overrides::load(toPath(file));
    // Loading a file equal to the current rules is still an explicit act; but an identical command would be a no-op.
    replaceOverrides(o, tr("Load overrides %1").arg(file));
}

void Document::saveOverrides(const QString &file) const { m_source.overrides.save(toPath(file)); }

void Document::saveArtifacts(const QString &dir) const
{
    if (!m_source.result)
        throw ql::Error(ql::ErrorKind::Usage, "nothing is open");
    ql::writeArtifacts(*m_source.result, toPath(dir));
}

void Document::applyOverrides(const ql::Overrides &overrides)
{
    if (!m_source.checkpoint || !m_source.result)
        return;
    // A new snapshot, so views and background jobs holding the previous one keep a consistent result.
    auto next = std::make_shared<ql::QuantizeResult>(*m_source.result);
    const auto names = ql::requantize(*next, *m_source.checkpoint, overrides);
    QVector<int> changed;
    for (const auto &n : names)
        changed.append(next->indexOf(n));
    m_source.result = std::move(next);
    m_source.overrides = overrides;
    Q_EMIT resultChanged(changed);
}
