#pragma once
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QBoxLayout;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableWidget;
class QToolButton;
class ShardMapView;

namespace ql {
class ShardHashCache;
struct QuantizeResult;
}

/// The shard map of weights_int8.bin with its controls (zoom, go to offset) and the per-shard on-chain costs.
class ShardMapPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ShardMapPanel(QWidget *parent = nullptr);
    ~ShardMapPanel() override;

    void setResult(std::shared_ptr<const ql::QuantizeResult> result);
    /// Highlights tensor `index` (into result->tensors; -1 none) and scrolls it into view.
    void setSelectedTensor(int index);

    ShardMapView *view() const { return m_view; }
    QTableWidget *shardTable() const { return m_shards; }
    /// Parses "2174976", "2,174,976", "0x213000" or "0x21_3000"; nullopt for anything else.
    static std::optional<uint64_t> parseOffset(const QString &text);
    /// True once the SHA-256 of every shard is in the table.
    bool hashesReady() const { return m_hashesReady; }
    QSize minimumSizeHint() const override;

public Q_SLOTS:
    /// Goes to the offset typed in the box; says why in the status label when it cannot.
    void goToTypedOffset();

Q_SIGNALS:
    /// The user clicked a byte of tensor `index`.
    void tensorActivated(int index);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void fillShardTable();
    void startHashing();
    void updateZoomLabel();
    void updateSelectionLabel();

    std::shared_ptr<const ql::QuantizeResult> m_result;
    ShardMapView *m_view = nullptr;
    QToolButton *m_zoomOut = nullptr;
    QToolButton *m_zoomIn = nullptr;
    QToolButton *m_fit = nullptr;
    QLabel *m_zoomLabel = nullptr;
    QLineEdit *m_goTo = nullptr;
    QLabel *m_goToStatus = nullptr;
    QLabel *m_selection = nullptr;
    QTableWidget *m_shards = nullptr;
    QSplitter *m_splitter = nullptr;
    QBoxLayout *m_bar = nullptr;
    QHBoxLayout *m_zoomRow = nullptr;
    QHBoxLayout *m_goRow = nullptr;
    /// Results of hashing jobs started for an older result are dropped, and those jobs stop (shared with them).
    std::shared_ptr<std::atomic<int>> m_hashGeneration = std::make_shared<std::atomic<int>>(0);
    /// The hashes of the pieces seen: a shard is hashed again only when an edit changed its bytes.
    std::shared_ptr<ql::ShardHashCache> m_hashCache;
    bool m_hashesReady = false;
};
