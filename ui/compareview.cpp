#include "compareview.h"

#include "comparemodel.h"
#include "compareplots.h"
#include "splitpair.h"
#include "inspection/summary.h"
#include "shardmapview.h"
#include "textlabel.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

CompareView::CompareView(QWidget *parent)
    : QWidget(parent)
    , m_model(new CompareTableModel(this))
    , m_proxy(new CompareFilterProxy(this))
    , m_filter(new QLineEdit(this))
    , m_changedOnly(new QCheckBox(tr("Changed only"), this))
    , m_summary(makeTextLabel(this, Qt::RichText))
    , m_table(new QTableView(this))
    , m_plots(new ComparePlots(this))
    // Wrapping: one line set the view's minimum width past an 800 px window.
    , m_labelA(makeTextLabel(this, Qt::RichText, Selectable::No))
    , m_labelB(makeTextLabel(this, Qt::RichText, Selectable::No))
    , m_mapA(new ShardMapView(this))
    , m_mapB(new ShardMapView(this))
{
    m_proxy->setSourceModel(m_model);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Names are long and share prefixes/suffixes ("layers.3.mamba.in_proj.weight"): elide the middle, keep both ends.
    m_table->horizontalHeader()->setSectionResizeMode(CompareTableModel::Name, QHeaderView::Interactive);
    m_table->setTextElideMode(Qt::ElideMiddle);

    m_table->setAlternatingRowColors(true);
    m_filter->setPlaceholderText(tr("Filter by name"));
    m_filter->setClearButtonEnabled(true);

    auto *controls = new QHBoxLayout;
    controls->addWidget(m_filter, 1);
    controls->addWidget(m_changedOnly);
    auto *left = new QWidget(this);
    left->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("layers.0.mamba.in_proj.weight")) + 40);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(controls);
    leftLayout->addWidget(m_table, 1);

    auto *maps = new QWidget(this);
    auto *mapLayout = new QVBoxLayout(maps);
    mapLayout->setContentsMargins(0, 0, 0, 0);
    mapLayout->addWidget(m_labelA);
    // Two maps at the default preferred height made the page taller than a 1600x1000 window (map B cut off).
    for (ShardMapView *map : {m_mapA, m_mapB})
        map->setPreferredHeight(180);
    mapLayout->addWidget(m_mapA, 1);
    mapLayout->addWidget(m_labelB);
    mapLayout->addWidget(m_mapB, 1);

    auto *right = splitPair(Qt::Vertical, m_plots, maps, 3, 2, this);
    auto *split = splitPair(Qt::Horizontal, left, right, 1, 1, this);
    // The table needs its delta columns visible: give it about 45% of the width at first (the user can drag).
    split->setSizes({760, 840});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &CompareFilterProxy::setNameFilter);
    connect(m_changedOnly, &QCheckBox::toggled, m_proxy, &CompareFilterProxy::setChangedOnly);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    userSelected(current.data(CompareTableModel::NameRole).toString());
            });
    for (ShardMapView *map : {m_mapA, m_mapB})
        connect(map, &ShardMapView::tensorActivated, this, [this, map](int index) {
            const auto &r = map->result();
            if (r && index >= 0 && index < int(r->tensors.size()))
                userSelected(QString::fromStdString(r->tensors[std::size_t(index)].name));
        });
}

CompareView::~CompareView() = default;

std::vector<std::pair<uint64_t, uint64_t>> CompareView::changedRanges(const ql::CompareResult &r, bool sideB)
{
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const auto &s : r.shards) {
        const auto &shard = sideB ? s.b : s.a;
        if (!shard)
            continue;
        for (const auto &c : s.chunkRanges) {
            const uint64_t begin = c.first * ql::kUploadChunk;
            if (begin >= shard->size)
                break;
            const uint64_t end = std::min(shard->size, (c.last + 1) * ql::kUploadChunk);
            out.emplace_back(shard->offset + begin, shard->offset + end);
        }
        // A shard that only B has, or that grew: B's extra bytes are all new, but A has no bytes to mark.
    }
    return out;
}

void CompareView::setComparison(std::shared_ptr<const ql::Session> a, std::shared_ptr<const ql::Session> b,
                                std::shared_ptr<const ql::CompareResult> result)
{
    m_a = std::move(a);
    m_b = std::move(b);
    m_result = std::move(result);
    m_selected.clear();
    m_plots->setSessions(m_a, m_b);
    m_model->setResult(m_result);
    m_mapA->setResult(m_a ? m_a->result : nullptr);
    m_mapB->setResult(m_b ? m_b->result : nullptr);
    m_mapA->setHighlightRanges(m_result ? changedRanges(*m_result, false) : std::vector<std::pair<uint64_t, uint64_t>>{});
    m_mapB->setHighlightRanges(m_result ? changedRanges(*m_result, true) : std::vector<std::pair<uint64_t, uint64_t>>{});
    auto label = [](const char *side, const std::shared_ptr<const ql::Session> &s) {
        if (!s)
            return QString();
        const QString kind = s->kind == ql::InputKind::Checkpoint ? tr("checkpoint") : tr("output folder");
        const auto shards = s->result->shards.size();
        return tr("<b>%1</b> %2 <span style='color:gray'>(%3, %4 in %5 %6)</span>")
            .arg(QString::fromLatin1(side), QFileInfo(QString::fromStdString(s->path.string())).fileName(), kind,
                 QString::fromStdString(ql::humanBytes(s->result->totalBytes)), QString::number(shards),
                 shards == 1 ? tr("shard") : tr("shards"));
    };
    const QString marked = m_result ? tr(" — %1 changed upload chunks highlighted")
                                          .arg(QString::fromStdString(ql::groupDigits(m_result->summary.chunksChanged)))
                                    : QString();
    m_labelA->setText(label("A", m_a) + marked);
    m_labelB->setText(label("B", m_b) + marked);
    // A model reset resets the header's sections: size the name column (and hide the secondary columns, shown in
    // the CLI and the tooltips) after it.
    int nameWidth = m_table->fontMetrics().horizontalAdvance(QStringLiteral("Name"));
    for (int row = 0; row < m_model->rowCount(); ++row)
        nameWidth = std::max(nameWidth, m_table->fontMetrics().horizontalAdvance(
                                            m_model->index(row, 0).data(CompareTableModel::NameRole).toString()));
    m_table->setColumnWidth(CompareTableModel::Name, std::min(nameWidth + 16, 360));
    m_table->setColumnHidden(CompareTableModel::SnrA, true);
    m_table->setColumnHidden(CompareTableModel::MaxAbsChange, true);
    updateSummary();
    sortByLargestChange();
    m_plots->showTensor(nullptr);
}

void CompareView::sortByLargestChange() { m_table->sortByColumn(CompareTableModel::RelChange, Qt::DescendingOrder); }

QString CompareView::summaryText() const { return m_summary->text(); }

void CompareView::updateSummary()
{
    if (!m_result) {
        m_summary->setText(tr("<i>No comparison.</i>"));
        return;
    }
    const ql::CompareSummary &s = m_result->summary;
    QString upload;
    if (s.identical() && s.int8BytesChanged == 0 && !m_result->layoutChanged)
        upload = tr("nothing to upload");
    else if (s.patchTransactions)
        upload = tr("patch %1 transactions or re-create %2").arg(*s.patchTransactions).arg(s.recreateTransactions);
    else
        upload = tr("re-create %1 transactions (a shard is new or resized)").arg(s.recreateTransactions);
    m_summary->setText(
        tr("<b>%1</b> — %2 same, %3 changed, %4 reshaped, %5 added, %6 removed. INT8: %7 bytes in %8 chunks changed; "
           "shards %9 → %10%11; upload: %12; rent %13 SOL.")
            .arg(s.identical() ? tr("Identical") : tr("Different"))
            .arg(s.same)
            .arg(s.changed)
            .arg(s.reshaped)
            .arg(s.added)
            .arg(s.removed)
            .arg(QString::fromStdString(ql::groupDigits(s.int8BytesChanged)),
                 QString::fromStdString(ql::groupDigits(s.chunksChanged)))
            .arg(m_result->shardCountA)
            .arg(m_result->shardCountB)
            .arg(m_result->layoutChanged ? tr(" (<b>layout changed</b>)") : QString())
            .arg(upload)
            .arg(s.rentDeltaSol, 0, 'f', 6));
}

void CompareView::userSelected(const QString &name)
{
    if (m_applying || name == m_selected)
        return;
    applySelection(name);
    Q_EMIT tensorSelected(name);
}

void CompareView::selectTensor(const QString &name)
{
    if (name == m_selected)
        return;
    applySelection(name);
}

void CompareView::applySelection(const QString &name)
{
    m_applying = true;
    const ql::TensorDelta *d = m_result ? m_result->find(name.toStdString()) : nullptr;
    m_selected = d ? name : QString();
    const int row = m_model->rowOf(m_selected);
    const QModelIndex proxyIndex = row < 0 ? QModelIndex() : m_proxy->mapFromSource(m_model->index(row, 0));
    if (proxyIndex.isValid()) {
        m_table->selectionModel()->setCurrentIndex(proxyIndex, QItemSelectionModel::ClearAndSelect |
                                                                   QItemSelectionModel::Rows);
        m_table->scrollTo(proxyIndex);
    } else {
        m_table->selectionModel()->clearSelection();
    }
    m_mapA->setSelectedTensor(d && d->a && m_a ? m_a->result->indexOf(d->name) : -1);
    m_mapB->setSelectedTensor(d && d->b && m_b ? m_b->result->indexOf(d->name) : -1);
    m_plots->showTensor(d);
    m_applying = false;
}
