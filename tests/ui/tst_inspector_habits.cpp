// The inspector as issue 14's demanding user checks it, in the real window: Name column readable at the smallest
// window, the glob filter with its count, the copied TSV, the theme switch (applied and remembered), LUT edits undoable
// like strategy edits and counted as unsaved, the warnings list, no mnemonic clash, Help → Usage, the progress text
// not cropped, table cells not cut off, and the bundled sample kept out of Open Recent.
#include "../common/runprocess.h"
#include "../common/mainwindowtest.h"
#include "document.h"
#include "layerfilterproxy.h"
#include "layertablemodel.h"
#include "layertablepanel.h"
#include "lutcurve.h"
#include "lutview.h"
#include "mainwindow.h"
#include "rowtablemodel.h"
#include "shardmappanel.h"
#include "tensorview.h"
#include "theme.h"
#include "windowtext.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLayout>
#include <qcustomplot.h>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QScrollBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <filesystem>
#include <set>

namespace {
const QString kPolicy = QStringLiteral(QL_TEST_DATA "/policy-small.pt");
const QString kEdge = QStringLiteral(QL_TEST_DATA "/edge-cases.pt");
const QString kSample = QStringLiteral(QL_SAMPLE);

bool open(MainWindow &w, const QString &path) { return qltest::openAndWait(w, path); }

/// The letter after a single '&' (lower case), or 0.
QChar mnemonic(const QString &text)
{
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != QLatin1Char('&'))
            continue;
        if (text[i + 1] == QLatin1Char('&')) {
            ++i;
            continue;
        }
        return text[i + 1].toLower();
    }
    return {};
}

/// Mnemonics of one menu's (or the menu bar's) visible actions must differ: a clash makes Alt+letter cycle.
void checkMenu(const QList<QAction *> &actions, const QString &where)
{
    std::set<QChar> seen;
    for (QAction *a : actions) {
        if (a->isSeparator() || !a->isVisible())
            continue;
        const QChar m = mnemonic(a->text());
        if (!m.isNull())
            QVERIFY2(seen.insert(m).second, qPrintable(QStringLiteral("%1: '%2' reuses Alt+%3").arg(where, a->text(), m)));
        if (a->menu())
            checkMenu(a->menu()->actions(), where + QStringLiteral(" → ") + a->text());
    }
}

/// Every cell of the visible columns (except `skip`, which elides) shows its whole text.
void checkCellsFit(QTableView *view, int skip, const char *where)
{
    const QFontMetrics fm(view->font());
    const int margin = 2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1);
    const auto *m = view->model();
    for (int c = 0; c < m->columnCount(); ++c) {
        if (c == skip || view->isColumnHidden(c))
            continue;
        for (int r = 0; r < m->rowCount(); ++r) {
            const QModelIndex i = m->index(r, c);
            const QString text = i.data(Qt::DisplayRole).toString();
            // A cell with a font of its own (the shard table's monospaced offsets) is measured in it.
            const QVariant font = i.data(Qt::FontRole);
            const QFontMetrics cellFm = font.isValid() ? QFontMetrics(font.value<QFont>()) : fm;
            QVERIFY2(cellFm.horizontalAdvance(text) + margin <= view->columnWidth(c),
                     qPrintable(QStringLiteral("%1: column %2 (%3 px) cuts '%4'")
                                    .arg(QLatin1String(where))
                                    .arg(m->headerData(c, Qt::Horizontal).toString())
                                    .arg(view->columnWidth(c))
                                    .arg(text)));
        }
    }
}
} // namespace

class TestInspectorHabits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qltest::useTestSettings(QStringLiteral("tst_inspector_habits"));
        QSettings().clear();
    }
    void init() { QSettings().clear(); }

    void nameColumnReadableAtTheSmallestWindow_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("800x600") << QSize(800, 600);
        QTest::newRow("minimum") << QSize(); // the window's own minimum
    }
    void nameColumnReadableAtTheSmallestWindow()
    {
        QFETCH(QSize, size);
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, size.isValid() ? size : w.minimumSizeHint().expandedTo(QSize(320, 240))));
        QVERIFY(open(w, kSample));
        QVERIFY(w.width() <= 800);
        QTableView *tv = w.view<LayerTablePanel>()->view();
        const int width = tv->columnWidth(LayerTableModel::Name);
        // Was ~20 px ("iam"); now the content width first, never under 28 characters.
        QVERIFY2(width >= 28 * tv->fontMetrics().horizontalAdvance(QLatin1Char('m')), qPrintable(QString::number(width)));
        const auto r = w.document()->result();
        QString longest;
        for (const auto &t : r->tensors)
            if (t.name.size() > std::size_t(longest.size()))
                longest = QString::fromStdString(t.name);
        // Elided in the middle, so the end of "…in_proj.weight" stays visible.
        QCOMPARE(tv->textElideMode(), Qt::ElideMiddle);
        const QString shown = tv->fontMetrics().elidedText(longest, Qt::ElideMiddle, width - 8);
        QVERIFY2(shown.endsWith(longest.right(8)) && shown.size() >= 20, qPrintable(shown));
        // The user can drag the border, and the width is remembered.
        QCOMPARE(tv->horizontalHeader()->sectionResizeMode(LayerTableModel::Name), QHeaderView::Interactive);
        tv->horizontalHeader()->resizeSection(LayerTableModel::Name, width + 37);
        QCOMPARE(QSettings().value(QStringLiteral("layerTable/nameWidth")).toInt(), width + 37);
        MainWindow again;
        again.setInteractive(false);
        QVERIFY(open(again, kSample));
        QCOMPARE(again.view<LayerTablePanel>()->view()->columnWidth(LayerTableModel::Name), width + 37);
    }

    void globFilterShowsItsCount()
    {
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, QSize(1600, 1000)));
        QVERIFY(open(w, kSample));
        const auto r = w.document()->result();
        int expected = 0;
        for (const auto &t : r->tensors)
            expected += QString::fromStdString(t.name).startsWith(QLatin1String("layers.")) &&
                        QString::fromStdString(t.name).endsWith(QLatin1String(".in_proj.weight"));
        QVERIFY(expected >= 2);
        QTest::keyClicks(w.view<LayerTablePanel>()->filterEdit(), QStringLiteral("layers.*.in_proj.weight"));
        QCOMPARE(w.view<LayerTablePanel>()->proxy()->rowCount(), expected);
        const QString count = QStringLiteral("glob matches %1 of %2").arg(expected).arg(r->tensors.size());
        bool shown = false;
        for (auto *l : w.view<LayerTablePanel>()->findChildren<QLabel *>())
            shown = shown || (l->text() == count && l->isVisible());
        QVERIFY2(shown, qPrintable(count));
        // Down moves into the results, Esc clears the filter.
        QTest::keyClick(w.view<LayerTablePanel>()->filterEdit(), Qt::Key_Escape);
        QVERIFY(w.view<LayerTablePanel>()->filterEdit()->text().isEmpty());
        QCOMPARE(w.view<LayerTablePanel>()->proxy()->rowCount(), int(r->tensors.size()));
    }

    void ctrlCCopiesTsvWithAHeader()
    {
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, QSize(1600, 1000)));
        QVERIFY(open(w, kPolicy));
        QTableView *tv = w.view<LayerTablePanel>()->view();
        tv->sortByColumn(LayerTableModel::Name, Qt::AscendingOrder);
        tv->clearSelection();
        tv->selectionModel()->select(tv->model()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        tv->selectionModel()->select(tv->model()->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        tv->setFocus();
        QApplication::clipboard()->clear();
        QTest::keyClick(tv, Qt::Key_C, Qt::ControlModifier);
        const QStringList lines = QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        const QStringList header = lines[0].split(QLatin1Char('\t'));
        QCOMPARE(header.value(0), QStringLiteral("Name"));
        QVERIFY(header.contains(QStringLiteral("MSE")));
        for (int i = 1; i < 3; ++i) {
            const QStringList cells = lines[i].split(QLatin1Char('\t'));
            QCOMPARE(cells.size(), header.size());
            QCOMPARE(cells[0], tv->model()->index(i == 1 ? 0 : 2, 0).data().toString());
        }
    }

    void shardTableFitsAt800AndCopiesWholeHashes()
    {
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, QSize(800, 600)));
        QVERIFY(open(w, kSample));
        w.showView(QStringLiteral("shards"));
        auto *panel = w.view<ShardMapPanel>();
        QTRY_VERIFY(panel->hashesReady());
        QTableWidget *table = panel->shardTable();
        QCoreApplication::processEvents();
        // No sideways scrolling: every cost column shows its whole content, and the hash gets what is left.
        QCOMPARE(table->horizontalScrollBar()->maximum(), 0);
        checkCellsFit(table, 7, "shard table");
        const QString hash = table->item(0, 7)->text();
        QCOMPARE(hash.size(), 64);
        QCOMPARE(table->item(0, 7)->toolTip(), hash);
        // What the narrow column draws keeps both ends of the hash.
        QCOMPARE(table->textElideMode(), Qt::ElideMiddle);
        const QString shown = table->fontMetrics().elidedText(hash, Qt::ElideMiddle, table->columnWidth(7) - 8);
        QVERIFY2(shown.size() >= 12 && shown.startsWith(hash.left(5)) && shown.endsWith(hash.right(5)),
                 qPrintable(shown));
        // Ctrl+C: the selected shard as tab-separated text, the whole hash in it.
        table->selectRow(0);
        table->setFocus();
        QApplication::clipboard()->clear();
        QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
        const QStringList lines = QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0].split(QLatin1Char('\t')).value(7), table->horizontalHeaderItem(7)->text());
        QCOMPARE(lines[1].split(QLatin1Char('\t')).value(7), hash);
        // At 1600 px the whole hash is drawn.
        w.resize(1600, 1000);
        QTRY_VERIFY(table->columnWidth(7) >= table->fontMetrics().horizontalAdvance(hash) + 8);
    }

    void themeSwitchIsAppliedAndRemembered()
    {
        MainWindow w;
        auto action = [&](const char *name) { return w.findChild<QAction *>(QString::fromLatin1(name)); };
        QVERIFY(action("theme-dark") && action("theme-light") && action("theme-system"));
        action("theme-dark")->trigger();
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 100);
        QVERIFY(QApplication::palette().color(QPalette::Text).lightness() > 150);
        QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toString(), QStringLiteral("dark"));
        QCOMPARE(theme::saved(), theme::Theme::Dark);
        // A new window (a new start) shows the remembered choice checked.
        {
            MainWindow next;
            QVERIFY(next.findChild<QAction *>(QStringLiteral("theme-dark"))->isChecked());
        }
        action("theme-light")->trigger();
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
        QCOMPARE(theme::saved(), theme::Theme::Light);
        action("theme-system")->trigger();
        QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toString(), QStringLiteral("system"));
    }

    void lutEditsAreUndoableAndUnsaved()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(open(w, kPolicy));
        QUndoStack *stack = w.document()->undoStack();
        QCOMPARE(stack->count(), 0);
        const ql::LutScales seed;
        QDoubleSpinBox *spin = nullptr;
        for (auto *s : w.view<LutView>()->curve(ql::LutKind::Silu)->findChildren<QDoubleSpinBox *>())
            if (s->objectName().endsWith(QLatin1String("InputScale")))
                spin = s;
        QVERIFY(spin);
        // Two steps of one spin box: one undo step.
        spin->setValue(spin->value() * 2);
        spin->setValue(spin->value() * 2);
        QCOMPARE(stack->count(), 1);
        QVERIFY(stack->undoText().contains(QStringLiteral("silu")));
        QVERIFY(w.document()->isModified());
        QVERIFY(w.document()->lutScalesModified());
        QVERIFY(w.isWindowModified());
        const ql::LutScales edited = w.view<LutView>()->scales();
        QVERIFY(!(edited == seed));
        QCOMPARE(w.document()->lutScales().in[0], edited.in[0]);
        // A strategy edit lands on the same stack, after it.
        w.document()->setStrategy(QStringList{QStringLiteral("trunk.0.weight")}, ql::Strategy::fromName("per_channel_mse"));
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QCOMPARE(stack->count(), 2);
        stack->undo(); // the strategy
        stack->undo(); // the LUT scale
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QVERIFY(w.view<LutView>()->scales() == seed);
        QCOMPARE(spin->value(), seed.in[0]);
        QVERIFY(!w.document()->isModified());
        stack->redo();
        QVERIFY(w.view<LutView>()->scales() == edited);
        QVERIFY(w.document()->isModified());

        // Unsaved LUT scales prompt like unsaved strategies: Cancel keeps everything.
        QSignalSpy loads(&w, &MainWindow::loadFinished);
        w.setPromptAnswer(QMessageBox::Cancel);
        w.openPath(kEdge);
        QTest::qWait(200);
        QCOMPARE(loads.count(), 0);
        QVERIFY(w.view<LutView>()->scales() == edited);

        // Save Artifacts writes the edited LUTs with them, and then nothing is unsaved.
        QTemporaryDir tmp;
        QSignalSpy saved(&w, &MainWindow::artifactsSaved);
        w.saveArtifactsTo(tmp.path());
        QVERIFY(saved.wait(60000));
        QVERIFY(saved.at(0).at(0).toBool());
        QVERIFY(QFile::exists(tmp.filePath(QStringLiteral("luts.bin"))));
        QVERIFY(!w.document()->isModified());
        QVERIFY(!w.document()->lutScalesModified());
        // Read back, the folder carries the edited scales.
        QVERIFY(open(w, tmp.path()));
        QCOMPARE(w.view<LutView>()->scales().in[0], edited.in[0]);
    }

    void warningsListedAsTheCliPrintsThem()
    {
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, QSize(1600, 1000)));
        QVERIFY(open(w, kEdge));
        QLabel *warnings = w.view<LayerTablePanel>()->warningsLabel();
        QVERIFY(warnings->isVisible());
        QVERIFY2(warnings->text().contains(QStringLiteral("aux.scalar")), qPrintable(warnings->text()));
        QVERIFY(warnings->text().contains(QStringLiteral("0-D")));
        // A rule that matches nothing, as quantlens-cli warns about it.
        ql::Overrides o;
        o.rules.push_back({"nothing.matches.*", ql::Strategy::fromName("per_channel_mse").value()});
        LayerTablePanel panel;
        const auto src = Document::load(kPolicy, o);
        panel.setResults(src.result, src.baseline, true);
        QVERIFY(!panel.warningsLabel()->isHidden());
        QVERIFY2(panel.warningsLabel()->text().contains(QStringLiteral("matches no tensor")),
                 qPrintable(panel.warningsLabel()->text()));
        QVERIFY(panel.warningsLabel()->text().contains(QStringLiteral("nothing.matches.*")));
        // And none for a clean checkpoint.
        QVERIFY(open(w, kPolicy));
        QVERIFY(!warnings->isVisible());
        // Rules loaded in the window: the warning appears with the re-quantization, and goes with its undo.
        QTemporaryDir tmp;
        o.save(std::filesystem::path(tmp.filePath(QStringLiteral("o.json")).toStdString()));
        w.document()->loadOverrides(tmp.filePath(QStringLiteral("o.json")));
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QVERIFY(warnings->isVisible());
        QVERIFY(warnings->text().contains(QStringLiteral("matches no tensor")));
        w.document()->undoStack()->undo();
        QVERIFY(QTest::qWaitFor([&] { return !w.document()->isBusy(); }, 60000));
        QVERIFY(!warnings->isVisible());
    }

    void noMnemonicClashAndHelpHasUsage()
    {
        MainWindow w;
        checkMenu(w.menuBar()->actions(), QStringLiteral("menu bar"));
        // Tabs carry no mnemonic of their own: Alt+H is the Help menu, not the Shards tab.
        auto *tabs = qobject_cast<QTabWidget *>(w.centralWidget());
        QVERIFY(tabs);
        for (int i = 0; i < tabs->count(); ++i)
            QVERIFY2(mnemonic(tabs->tabText(i)).isNull(), qPrintable(tabs->tabText(i)));
        QAction *help = nullptr;
        for (QAction *a : w.menuBar()->actions())
            if (mnemonic(a->text()) == QLatin1Char('h'))
                help = a;
        QVERIFY(help && help->text().remove(QLatin1Char('&')) == QStringLiteral("Help"));
        QStringList items;
        for (QAction *a : help->menu()->actions())
            items << a->text().remove(QLatin1Char('&'));
        QVERIFY(items.contains(QStringLiteral("Usage")));
        QVERIFY(items.contains(QStringLiteral("About QuantLens")));
        const QString usage = ql::ui::usageHtml();
        for (const char *must : {"Ctrl+F", "glob", "Ctrl+C", "Ctrl+Z", "LUT", "quantlens-cli", "README"})
            QVERIFY2(usage.contains(QLatin1String(must)), must);
    }

    void progressTextIsNotCropped()
    {
        QTemporaryDir tmp;
        const QString longName = tmp.filePath(QStringLiteral("a-checkpoint-with-a-rather-long-descriptive-file-name-v2.pt"));
        QVERIFY(QFile::copy(kPolicy, longName));
        for (int width : {1600, 800}) {
            MainWindow w;
            QVERIFY(qltest::showQuietWindow(w, QSize(width, 600)));
            QSignalSpy spy(&w, &MainWindow::loadFinished);
            w.openPath(longName);
            QProgressBar *bar = w.progressBar();
            QVERIFY(bar->isVisibleTo(&w));
            w.statusBar()->layout()->activate(); // the geometry the next paint would use, before the load ends
            bar->setValue(1000);
            const int textWidth = bar->fontMetrics().horizontalAdvance(bar->text());
            QVERIFY2(textWidth + 16 <= bar->width(),
                     qPrintable(QStringLiteral("'%1' is %2 px in a %3 px bar").arg(bar->text()).arg(textWidth).arg(bar->width())));
            QVERIFY(bar->text().endsWith(QStringLiteral("100%")));
            QVERIFY(bar->toolTip().contains(QFileInfo(longName).fileName()));
            QVERIFY(bar->width() <= w.width() / 2 + 1 || bar->width() <= 260);
            QVERIFY(spy.wait(60000));
        }
    }

    void cellsAreNotCutOff()
    {
        MainWindow w;
        QVERIFY(qltest::showQuietWindow(w, QSize(800, 600)));
        QVERIFY(open(w, kSample));
        checkCellsFit(w.view<LayerTablePanel>()->view(), LayerTableModel::Name, "layer table");
        QVERIFY(w.selectTensorByName(QStringLiteral("layers.0.mamba.in_proj.weight")));
        w.showView(QStringLiteral("tensor"));
        QVERIFY(QTest::qWaitFor([&] { return !w.view<TensorView>()->isAnalysing(); }, 30000));
        QCoreApplication::processEvents();
        checkCellsFit(w.view<TensorView>()->rowsView(), -1, "tensor rows");
        // The per-row SNR plot's title (it names the tensor) fits the plot instead of losing both ends.
        QCustomPlot *rows = w.view<TensorView>()->rowPlot();
        QCPTextElement *title = nullptr;
        for (auto *e : rows->plotLayout()->elements(false))
            if (auto *t = qobject_cast<QCPTextElement *>(e))
                title = t;
        QVERIFY(title);
        const int titleWidth = QFontMetrics(title->font()).horizontalAdvance(title->text());
        QVERIFY2(titleWidth <= rows->width(), qPrintable(QStringLiteral("'%1' is %2 px in a %3 px plot")
                                                             .arg(title->text()).arg(titleWidth).arg(rows->width())));
        // The band filter shows its whole label ("investigate (< 20 dB)").
        QComboBox *band = w.view<LayerTablePanel>()->bandBox();
        int widest = 0;
        for (int i = 0; i < band->count(); ++i)
            widest = std::max(widest, band->fontMetrics().horizontalAdvance(band->itemText(i)));
        QVERIFY2(band->width() >= widest + 16, qPrintable(QStringLiteral("%1 < %2").arg(band->width()).arg(widest)));
    }

    void bundledSampleStaysOutOfOpenRecent()
    {
        // Through the real program: a start without a path opens the bundled sample and remembers nothing.
        QTemporaryDir tmp;
        qltest::RunOptions o;
        o.timeoutMs = 60000;
        o.env = {{QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen")},
                 {QStringLiteral("XDG_CONFIG_HOME"), tmp.filePath(QStringLiteral("config"))},
                 {QStringLiteral("QL_SAMPLE"), kSample}};
        const QString gui = QFileInfo(QStringLiteral(QL_CLI)).dir().filePath(QStringLiteral("quantlens"));
        const qltest::Run r = qltest::runProcess(gui, {QStringLiteral("--screenshot"), tmp.filePath(QStringLiteral("s.png"))}, o);
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(QFile::exists(tmp.filePath(QStringLiteral("s.png"))));
        const QSettings after(tmp.filePath(QStringLiteral("config/QuantLens/quantlens.conf")), QSettings::IniFormat);
        QVERIFY(!after.value(QStringLiteral("recentFiles")).toStringList().contains(kSample));
        // In process: the quiet open adds nothing, an ordinary one does.
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy spy(&w, &MainWindow::loadFinished);
        w.openPathQuietly(kSample);
        QVERIFY(spy.wait(60000));
        QVERIFY(w.recentFiles().isEmpty());
        QVERIFY(open(w, kPolicy));
        QCOMPARE(w.recentFiles().value(0), QFileInfo(kPolicy).absoluteFilePath());
    }
};

QTEST_MAIN(TestInspectorHabits)
#include "tst_inspector_habits.moc"
