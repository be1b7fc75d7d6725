#pragma once
#include "artifacts/luts.h"

#include <QWidget>

#include <array>

class LutCurve;
class QGridLayout;
class QLabel;
class QPushButton;

/// The four activation LUTs of luts.bin (SiLU, softplus, rsqrt, exp(-x)) with editable scales, instant analysis
/// and export through the core's writer.
class LutView : public QWidget
{
    Q_OBJECT

public:
    explicit LutView(QWidget *parent = nullptr);

    /// Shows these scales (kept exactly, whatever the spin boxes display). Does not emit scalesChanged: that signal
    /// reports the user's edits, so that undo commands and documents can call setScales without feedback loops.
    void setScales(const ql::LutScales &scales);
    ql::LutScales scales() const { return m_scales; }

    LutCurve *curve(ql::LutKind kind) const { return m_curves[std::size_t(kind)]; }
    /// Tables per row: 2, or 1 when the view is too narrow for two.
    int columns() const { return m_columns; }
    QSize minimumSizeHint() const override;
    /// Writes luts.bin and luts.json into dir with ql::writeLuts; false with the core's message on failure.
    bool exportTo(const QString &dir, QString *error = nullptr);

public Q_SLOTS:
    /// Back to the seed's default scales (a user edit: emits scalesChanged when something changed).
    void resetToDefaults();
    /// Asks for a folder, then exports; failures are shown in a message box with the core's message.
    void exportWithDialog();

Q_SIGNALS:
    /// The user changed one of the eight scales (spin boxes or reset).
    void scalesChanged();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void arrange(int columns);
    void exportToChosen(const QString &dir);
    void curveEdited(ql::LutKind kind);

    ql::LutScales m_scales;
    std::array<LutCurve *, ql::kNumLuts> m_curves{};
    QPushButton *m_reset = nullptr;
    QPushButton *m_export = nullptr;
    QLabel *m_status = nullptr;
    QString m_lastDir;
    QGridLayout *m_grid = nullptr;
    int m_columns = 0;
};
