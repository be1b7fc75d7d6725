#include "lutview.h"

#include "lutcurve.h"

#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

LutView::LutView(QWidget *parent)
    : QWidget(parent)
{
    m_reset = new QPushButton(tr("Reset to seed defaults"), this);
    m_reset->setObjectName(QStringLiteral("resetScales"));
    m_reset->setToolTip(tr("SiLU 0.0625/0.0625, softplus 0.0625/0.03125, rsqrt 0.01/0.05, exp 0.03125/0.00392157"));
    m_export = new QPushButton(tr("Export luts.bin + luts.json…"), this);
    m_export->setObjectName(QStringLiteral("exportLuts"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("lutStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("<b>Activation LUTs</b> · luts.bin = 4 × 256 bytes (ModelManifest.luts)"), this));
    bar->addSpacing(12);
    bar->addWidget(m_reset);
    bar->addWidget(m_export);
    bar->addWidget(m_status, 1);

    m_grid = new QGridLayout;
    m_grid->setSpacing(8);
    for (int k = 0; k < ql::kNumLuts; ++k) {
        auto *curve = new LutCurve(ql::LutKind(k), this);
        m_curves[std::size_t(k)] = curve;
        connect(curve, &LutCurve::scalesEdited, this, [this, k] { curveEdited(ql::LutKind(k)); });
    }

    auto *layout = new QVBoxLayout(this);
    layout->setSizeConstraint(QLayout::SetNoConstraint); // the minimum is minimumSizeHint()'s
    layout->addLayout(bar);
    layout->addLayout(m_grid, 1);
    arrange(2);

    connect(m_reset, &QPushButton::clicked, this, &LutView::resetToDefaults);
    connect(m_export, &QPushButton::clicked, this, &LutView::exportWithDialog);
    setScales(ql::LutScales{});
}

void LutView::arrange(int columns)
{
    m_columns = columns;
    for (LutCurve *c : m_curves)
        m_grid->removeWidget(c);
    for (int k = 0; k < ql::kNumLuts; ++k)
        m_grid->addWidget(m_curves[std::size_t(k)], k / columns, k % columns);
    for (int c = 0; c < 2; ++c)
        m_grid->setColumnStretch(c, c < columns ? 1 : 0);
}

void LutView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // Two tables side by side when both fit, else one above the other: at 800 px the second column was off screen.
    const int two = 2 * m_curves[0]->minimumSizeHint().width() + m_grid->spacing() + 24;
    const int columns = width() >= two ? 2 : 1;
    if (columns != m_columns)
        arrange(columns);
}

QSize LutView::minimumSizeHint() const
{
    // One column's width: resizeEvent reflows to it (the grid's own minimum is that of two columns).
    const QSize laidOut = QWidget::minimumSizeHint();
    return QSize(std::min(laidOut.width(), m_curves[0]->minimumSizeHint().width() + 24), laidOut.height());
}

void LutView::setScales(const ql::LutScales &scales)
{
    m_scales = scales;
    for (int k = 0; k < ql::kNumLuts; ++k)
        m_curves[std::size_t(k)]->setScales(scales.in[k], scales.out[k]);
}

void LutView::curveEdited(ql::LutKind kind)
{
    const int k = int(kind);
    m_scales.in[k] = m_curves[std::size_t(k)]->inputScale();
    m_scales.out[k] = m_curves[std::size_t(k)]->outputScale();
    m_status->clear();
    Q_EMIT scalesChanged();
}

void LutView::resetToDefaults()
{
    const ql::LutScales defaults;
    const bool changed = !std::equal(std::begin(defaults.in), std::end(defaults.in), std::begin(m_scales.in)) ||
                         !std::equal(std::begin(defaults.out), std::end(defaults.out), std::begin(m_scales.out));
    setScales(defaults);
    if (changed)
        Q_EMIT scalesChanged();
}

bool LutView::exportTo(const QString &dir, QString *error)
{
    try {
        ql::writeLuts(QDir(dir).filesystemAbsolutePath(), m_scales);
    } catch (const std::exception &e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    return true;
}

void LutView::exportWithDialog()
{
    // Not the static helper: an open() dialog keeps the event loop ours (and lets tests answer it).
    auto *dialog = new QFileDialog(this, tr("Export luts.bin and luts.json into"), m_lastDir);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &LutView::exportToChosen);
    dialog->open();
}

void LutView::exportToChosen(const QString &dir)
{
    if (dir.isEmpty())
        return;
    m_lastDir = dir;
    QString error;
    if (exportTo(dir, &error)) {
        m_status->setText(tr("Wrote luts.bin and luts.json to %1").arg(QDir::toNativeSeparators(dir)));
        return;
    }
    m_status->setText(tr("Export failed"));
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Export failed"),
                                tr("Could not write luts.bin and luts.json to %1.").arg(QDir::toNativeSeparators(dir)),
                                QMessageBox::Ok, this);
    box->setInformativeText(error);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
