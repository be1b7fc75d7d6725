#include "shardmappanel.h"
#include "backgroundjob.h"

#include "artifacts/artifacts.h"
#include "artifacts/shardhasher.h"
#include "inspection/bytemap.h"
#include "quantization/quantize.h"
#include "shardmapview.h"
#include "tablecopy.h"
#include "inspection/summary.h"

#include <QFontDatabase>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace {

enum ShardColumn { ColShard, ColOffset, ColSize, ColAccount, ColFits, ColTx, ColRent, ColHash, ColCount };

QString grouped(uint64_t v)
{
    return QString::fromStdString(ql::groupDigits(v));
}

QString hexOffset(uint64_t v)
{
    return QStringLiteral("0x%1").arg(v, 8, 16, QLatin1Char('0'));
}

/// A hash cell's text, and all of it as the tooltip too, where the column elides it.
void setHashText(QTableWidgetItem *item, const QString &text)
{
    item->setText(text);
    item->setToolTip(text);
}

} // namespace

ShardMapPanel::ShardMapPanel(QWidget *parent)
    : QWidget(parent), m_hashCache(std::make_shared<ql::ShardHashCache>())
{
    m_view = new ShardMapView(this);
    m_view->setObjectName(QStringLiteral("shardMapView"));
    m_view->setMinimumHeight(160); // the splitter never squeezes the map below a readable picture

    auto makeButton = [this](const QString &name, const QString &icon, const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setObjectName(name);
        b->setIcon(QIcon::fromTheme(icon));
        b->setText(text);
        b->setToolTip(tip);
        b->setToolButtonStyle(b->icon().isNull() ? Qt::ToolButtonTextOnly : Qt::ToolButtonTextBesideIcon);
        return b;
    };
    m_zoomOut = makeButton(QStringLiteral("zoomOut"), QStringLiteral("zoom-out"), tr("Zoom out"), tr("Zoom out (Ctrl+wheel)"));
    m_zoomIn = makeButton(QStringLiteral("zoomIn"), QStringLiteral("zoom-in"), tr("Zoom in"), tr("Zoom in (Ctrl+wheel)"));
    m_fit = makeButton(QStringLiteral("fitWholeFile"), QStringLiteral("zoom-fit-best"), tr("Whole file"),
                       tr("Show the whole of weights_int8.bin"));
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName(QStringLiteral("zoomLabel"));
    m_goTo = new QLineEdit(this);
    m_goTo->setObjectName(QStringLiteral("goToOffset"));
    m_goTo->setPlaceholderText(tr("2174976 or 0x213000"));
    m_goTo->setClearButtonEnabled(true);
    m_goTo->setFixedWidth(m_goTo->fontMetrics().horizontalAdvance(QStringLiteral("0x0000000000__")) + 40);
    auto *go = new QPushButton(tr("Go"), this);
    go->setObjectName(QStringLiteral("goButton"));
    m_goToStatus = new QLabel(this);
    m_goToStatus->setObjectName(QStringLiteral("goToStatus"));
    m_goToStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Takes what room is left and never squeezes the controls; the full text is in its tooltip.
    m_goToStatus->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_zoomLabel->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);

    // Zoom controls and go-to side by side when the panel is wide enough, stacked otherwise (resizeEvent): in one
    // row they need ~900 px, and at 800x600 the whole panel scrolled sideways with the Go button out of sight.
    m_zoomRow = new QHBoxLayout;
    m_zoomRow->addWidget(m_zoomOut);
    m_zoomRow->addWidget(m_zoomIn);
    m_zoomRow->addWidget(m_fit);
    m_zoomRow->addWidget(m_zoomLabel);
    m_goRow = new QHBoxLayout;
    m_goRow->addWidget(new QLabel(tr("Go to offset:"), this));
    m_goRow->addWidget(m_goTo);
    m_goRow->addWidget(go);
    m_goRow->addWidget(m_goToStatus, 1);
    m_bar = new QBoxLayout(QBoxLayout::LeftToRight);
    m_bar->setSpacing(16);
    m_bar->addLayout(m_zoomRow);
    m_bar->addLayout(m_goRow, 1);

    m_selection = new QLabel(this);
    m_selection->setObjectName(QStringLiteral("selectionLabel"));
    m_selection->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_shards = new QTableWidget(0, ColCount, this);
    m_shards->setObjectName(QStringLiteral("shardTable"));
    // Short titles, the details in their tooltips: with the long ones the seven cost columns alone were ~750 px, and
    // at 800 px the hash was off to the right behind a scroll bar.
    m_shards->setHorizontalHeaderLabels({tr("Shard"), tr("Offset"), tr("Size (bytes)"), tr("Account bytes"),
                                         tr("Fits"), tr("Upload txs"), tr("Rent (SOL)"),
                                         tr("SHA-256 of shard bytes (data_hash)")});
    m_shards->horizontalHeaderItem(ColAccount)->setToolTip(tr("WeightShard header (%1 bytes) + data").arg(ql::ShardCost::kHeaderBytes));
    m_shards->horizontalHeaderItem(ColFits)->setToolTip(tr("Whether header + data fit one account (at most 10 MiB)"));
    m_shards->horizontalHeaderItem(ColTx)->setToolTip(tr("Upload transactions, 1,000 bytes of data each"));
    m_shards->horizontalHeaderItem(ColRent)->setToolTip(tr("Rent-exempt deposit, about %1 SOL per byte").arg(ql::kRentSolPerByte));
    m_shards->horizontalHeaderItem(ColHash)->setToolTip(
        tr("Where the column is narrower than the hash, its middle is elided; the cell's tooltip and Ctrl+C (the "
           "selected rows as tab-separated text) give all 64 digits"));
    m_shards->verticalHeader()->hide();
    m_shards->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_shards->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_shards->setSelectionMode(QAbstractItemView::SingleSelection);
    // The cost columns fit their contents; the hash takes the rest, elided in the middle (its first and last digits,
    // the ones people compare, stay), so the table does not scroll sideways at 800 px.
    m_shards->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_shards->horizontalHeader()->setSectionResizeMode(ColHash, QHeaderView::Stretch);
    m_shards->setTextElideMode(Qt::ElideMiddle);
    m_shards->setWordWrap(false);
    installTsvCopy(m_shards);
    // The table scrolls: a 2 GiB checkpoint has 128 shards, and a table sized to its rows left the map a 50 px strip.
    m_shards->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_shards->setMinimumHeight(m_shards->horizontalHeader()->sizeHint().height() + 2 * m_shards->verticalHeader()->defaultSectionSize());

    // Map and table share the height through a splitter, the user decides; the map starts with most of it.
    auto *lower = new QWidget(this);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_selection);
    lowerLayout->addWidget(m_shards, 1);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("shardSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(lower);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setSizeConstraint(QLayout::SetNoConstraint); // the minimum is minimumSizeHint()'s: the stacked bar's
    layout->addLayout(m_bar);
    layout->addWidget(m_splitter, 1);

    connect(m_zoomIn, &QToolButton::clicked, m_view, &ShardMapView::zoomIn);
    connect(m_zoomOut, &QToolButton::clicked, m_view, &ShardMapView::zoomOut);
    connect(m_fit, &QToolButton::clicked, m_view, &ShardMapView::fitWholeFile);
    connect(m_view, &ShardMapView::layoutChanged, this, &ShardMapPanel::updateZoomLabel);
    connect(m_goTo, &QLineEdit::returnPressed, this, &ShardMapPanel::goToTypedOffset);
    connect(go, &QPushButton::clicked, this, &ShardMapPanel::goToTypedOffset);
    connect(m_view, &ShardMapView::tensorActivated, this, [this](int index) {
        updateSelectionLabel();
        Q_EMIT tensorActivated(index);
    });
    connect(m_shards, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (m_result && row >= 0 && row < int(m_result->shards.size()))
            m_view->goToOffset(ByteOffset(m_result->shards[std::size_t(row)].offset));
    });
    updateZoomLabel();
    updateSelectionLabel();
}

ShardMapPanel::~ShardMapPanel()
{
    ++*m_hashGeneration; // a hashing job still running stops at its next shard
}

QSize ShardMapPanel::minimumSizeHint() const
{
    // As narrow as the stacked controls: the bar goes back to one row once there is room (resizeEvent).
    const QSize laidOut = QWidget::minimumSizeHint();
    const QMargins m = layout()->contentsMargins();
    const int stacked = std::max(m_zoomRow->minimumSize().width(), m_goRow->minimumSize().width()) + m.left() + m.right();
    const int rows = m_bar->direction() == QBoxLayout::TopToBottom ? 0 : m_goRow->minimumSize().height() + m_bar->spacing();
    return QSize(std::min(laidOut.width(), stacked), laidOut.height() + rows);
}

void ShardMapPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const int oneRow = m_zoomRow->sizeHint().width() + m_bar->spacing() + m_goRow->minimumSize().width() +
                       m_goToStatus->fontMetrics().horizontalAdvance(QStringLiteral("0x00000000 (0,000,000)")) +
                       2 * layout()->contentsMargins().left();
    const auto direction = width() >= oneRow ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom;
    if (m_bar->direction() != direction)
        m_bar->setDirection(direction);
}

void ShardMapPanel::setResult(std::shared_ptr<const ql::QuantizeResult> result)
{
    // A strategy edit changes bytes, never the shard map: the table then keeps its rows and only its hashes change.
    const bool sameMap = m_result && result && m_result->shards.size() == result->shards.size() &&
                         std::equal(m_result->shards.begin(), m_result->shards.end(), result->shards.begin(),
                                    [](const ql::Shard &a, const ql::Shard &b) {
                                        return a.offset == b.offset && a.size == b.size && a.index == b.index;
                                    }) &&
                         m_shards->rowCount() == int(result->shards.size());
    m_result = std::move(result);
    m_view->setResult(m_result);
    m_goToStatus->clear();
    if (!sameMap)
        fillShardTable();
    startHashing();
    updateZoomLabel();
    updateSelectionLabel();
}

void ShardMapPanel::setSelectedTensor(int index)
{
    m_view->setSelectedTensor(index);
    updateSelectionLabel();
}

std::optional<uint64_t> ShardMapPanel::parseOffset(const QString &text)
{
    QString t = text.trimmed();
    t.remove(QLatin1Char('_'));
    t.remove(QLatin1Char(','));
    t.remove(QLatin1Char(' '));
    if (t.isEmpty())
        return std::nullopt;
    bool ok = false;
    uint64_t v = 0;
    if (t.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)) {
        const QString digits = t.mid(2);
        if (digits.isEmpty() || digits.startsWith(QLatin1Char('+')) || digits.startsWith(QLatin1Char('-')))
            return std::nullopt;
        v = digits.toULongLong(&ok, 16);
    } else {
        if (!t.front().isDigit()) // toULongLong would accept a sign
            return std::nullopt;
        v = t.toULongLong(&ok, 10);
    }
    if (!ok)
        return std::nullopt;
    return v;
}

void ShardMapPanel::goToTypedOffset()
{
    const auto offset = parseOffset(m_goTo->text());
    QPalette pal = m_goToStatus->palette();
    auto fail = [&](const QString &why) {
        pal.setColor(QPalette::WindowText, QColor(0xc0, 0x20, 0x20));
        m_goToStatus->setPalette(pal);
        m_goToStatus->setText(why);
        m_goToStatus->setToolTip(why);
    };
    if (!m_result) {
        fail(tr("nothing loaded"));
        return;
    }
    if (!offset) {
        fail(tr("not an offset: type decimal (2174976) or hex (0x213000)"));
        return;
    }
    if (*offset >= m_result->totalBytes) {
        fail(tr("%1 is past the end: the file has %2 bytes (last offset %3)")
                 .arg(hexOffset(*offset), grouped(m_result->totalBytes), hexOffset(m_result->totalBytes - 1)));
        return;
    }
    m_view->goToOffset(ByteOffset(*offset));
    m_goToStatus->setPalette(palette());
    const auto info = ql::describeByte(*m_result, *offset);
    const auto &t = m_result->tensors[std::size_t(info->location.tensor)];
    QString text = tr("%1 (%2) → %3 [%4, %5] · shard %6")
                       .arg(hexOffset(*offset), grouped(*offset), QString::fromStdString(t.name))
                       .arg(info->location.row)
                       .arg(info->location.col)
                       .arg(info->shard);
    if (info->value)
        text += tr(" · byte %1 = %2").arg(int(*info->value)).arg(double(*info->dequantized), 0, 'g', 4);
    m_goToStatus->setText(text);
    m_goToStatus->setToolTip(text);
}

void ShardMapPanel::fillShardTable()
{
    m_shards->setRowCount(0);
    if (!m_result)
        return;
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_shards->setRowCount(int(m_result->shards.size()));
    for (int row = 0; row < int(m_result->shards.size()); ++row) {
        const auto &s = m_result->shards[std::size_t(row)];
        const auto cost = ql::shardCost(s.size);
        auto set = [&](int col, const QString &text, Qt::Alignment align = Qt::AlignRight | Qt::AlignVCenter) {
            auto *item = new QTableWidgetItem(text);
            item->setTextAlignment(align);
            m_shards->setItem(row, col, item);
            return item;
        };
        set(ColShard, QString::number(s.index), Qt::AlignCenter);
        set(ColOffset, hexOffset(s.offset))->setFont(mono);
        set(ColSize, tr("%1 (%2)").arg(grouped(s.size), QString::fromStdString(ql::humanBytes(s.size))));
        set(ColAccount, grouped(cost.accountBytes));
        auto *fits = set(ColFits, cost.fitsAccount ? tr("yes") : tr("no: %1 over").arg(grouped(cost.accountBytes - ql::kMaxAccountBytes)),
                         Qt::AlignCenter);
        if (!cost.fitsAccount)
            fits->setForeground(QColor(0xc0, 0x20, 0x20));
        set(ColTx, grouped(cost.transactions));
        set(ColRent, QString::number(cost.rentSol, 'f', 6));
        auto *hash = set(ColHash, tr("computing…"), Qt::AlignLeft | Qt::AlignVCenter);
        hash->setFont(mono);
    }
}

void ShardMapPanel::startHashing()
{
    const int generation = ++*m_hashGeneration;
    m_hashesReady = false;
    if (!m_result)
        return;
    // The hashes the cache knows for this snapshot's pieces show at once; only the shards an edit changed wait.
    bool all = true;
    for (int row = 0; row < int(m_result->shards.size()) && row < m_shards->rowCount(); ++row) {
        const std::string known = m_hashCache->known(*m_result, std::size_t(row));
        all = all && !known.empty();
        if (auto *item = m_shards->item(row, ColHash))
            setHashText(item, known.empty() ? tr("computing…") : QString::fromStdString(known));
    }
    if (all) {
        m_hashesReady = true;
        return;
    }
    struct Hashes
    {
        std::vector<std::string> hashes;
        bool cancelled = false;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Hashes>(this);
    connect(watcher, &QFutureWatcher<Hashes>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != *m_hashGeneration)
            return; // a newer result replaced the one these hashes belong to
        const Hashes out = watcher->result();
        if (out.cancelled)
            return;
        for (int row = 0; row < m_shards->rowCount(); ++row)
            if (auto *item = m_shards->item(row, ColHash)) {
                const std::string h = std::size_t(row) < out.hashes.size() ? out.hashes[std::size_t(row)] : std::string();
                setHashText(item, !out.error.isEmpty() ? tr("not hashed: %1").arg(out.error)
                                  : h.empty()          ? tr("bytes not in memory")
                                                       : QString::fromStdString(h));
            }
        m_hashesReady = true;
    });
    // The core's hashes, the ones the manifest states. Hashing a large file takes long enough to stall the GUI; the
    // job holds the snapshot while it hashes, and one a newer result superseded stops at its next shard (after
    // Optimize's grouped apply each group would otherwise hash the model again and hold its snapshot meanwhile).
    // A job waiting in the pool's queue holds no snapshot (weak): Optimize's groups each start one, and queued jobs
    // holding theirs kept every group's replaced bytes alive.
    watcher->setFuture(runInBackground([weak = std::weak_ptr<const ql::QuantizeResult>(m_result), cache = m_hashCache,
                                        latest = m_hashGeneration, generation] {
        Hashes out;
        const auto result = weak.lock();
        if (!result || latest->load() != generation) {
            out.cancelled = true;
            return out;
        }
        runCatching(out, [&] { out.hashes = cache->hashes(*result, [&] { return latest->load() == generation; }); });
        ql::releaseHashThreadState(); // this pool thread lives on; see artifacts.h
        return out;
    }));
}

void ShardMapPanel::updateZoomLabel()
{
    const auto &l = m_view->layout();
    const uint64_t perCell = l.bytesPerCell().value;
    QString text = l.cellWidth() == 1 ? tr("%1 byte(s) per %2×%3 px").arg(grouped(perCell)).arg(l.cellWidth()).arg(l.rowHeight())
                                      : tr("1 byte per %1×%2 px cell").arg(l.cellWidth()).arg(l.rowHeight());
    text += tr(" · row = %1").arg(QString::fromStdString(ql::humanBytes(l.bytesPerRow().value)));
    m_zoomLabel->setText(text);
    // Wide enough for the longest text at any zoom, so the toolbar does not jump while zooming.
    m_zoomLabel->setMinimumWidth(m_zoomLabel->fontMetrics().horizontalAdvance(tr("00,000,000 byte(s) per 1×3 px · row = 0000.0 KiB")));
    m_zoomIn->setEnabled(l.zoom() < l.maxZoom());
    m_zoomOut->setEnabled(l.zoom() > l.minZoom());
}

void ShardMapPanel::updateSelectionLabel()
{
    const int index = m_view->selectedTensor();
    if (!m_result) {
        m_selection->setText(tr("No result loaded."));
        return;
    }
    const QString summary = tr("weights_int8.bin: %1 bytes (%2) in %3 shard(s), %4 tensors. ")
                                .arg(grouped(m_result->totalBytes), QString::fromStdString(ql::humanBytes(m_result->totalBytes)))
                                .arg(m_result->shards.size())
                                .arg(m_result->tensors.size());
    if (index < 0) {
        m_selection->setText(summary + tr("Click a tensor to select it; hover for the byte under the mouse."));
        return;
    }
    const auto &t = m_result->tensors[std::size_t(index)];
    const QColor c = ShardMapView::tensorColor(index);
    m_selection->setText(QStringLiteral("<span style='background:%1'>&nbsp;&nbsp;&nbsp;&nbsp;</span> ").arg(c.name()) +
                         tr("<b>%1</b> %2 · offset %3 · %4 bytes · shard %5%6")
                             .arg(QString::fromStdString(t.name).toHtmlEscaped(), QString::fromStdString(ql::shapeText(t.shape)),
                                  hexOffset(t.offset), grouped(t.size))
                             .arg(ql::shardOf(m_result->shards, t.offset))
                             .arg(t.size > 0 && ql::shardOf(m_result->shards, t.offset + t.size - 1) != ql::shardOf(m_result->shards, t.offset)
                                      ? tr("–%1 (spans a boundary)").arg(ql::shardOf(m_result->shards, t.offset + t.size - 1))
                                      : QString()));
}
