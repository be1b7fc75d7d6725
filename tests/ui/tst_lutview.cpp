// The LUT view: scales edit and recompute, saturation shown (SPEC §6: softplus clips at +127 for x ≳ 3.97),
// exact scales kept, reset, export equal to the core's tables and to the reference's golden files.
#include "../common/rendering.h"
#include "lutcurve.h"
#include "artifacts/lutsaturation.h"
#include "lutview.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <fstream>

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray bytesOf(const std::array<uint8_t, ql::kNumLuts * ql::kLutSize> &a)
{
    return QByteArray(reinterpret_cast<const char *>(a.data()), int(a.size()));
}

bool sameScales(const ql::LutScales &a, const ql::LutScales &b)
{
    for (int k = 0; k < ql::kNumLuts; ++k)
        if (a.in[k] != b.in[k] || a.out[k] != b.out[k])
            return false;
    return true;
}

const char *const kNames[] = {"silu", "softplus", "rsqrt", "exp_neg"};

} // namespace

class TestLutView : public QObject
{
    Q_OBJECT

    std::unique_ptr<LutView> m_view;

    QDoubleSpinBox *spin(const char *lut, bool output) const
    {
        return m_view->findChild<QDoubleSpinBox *>(QLatin1String(lut) +
                                                   (output ? QLatin1String("OutputScale") : QLatin1String("InputScale")));
    }
    QString stats(const char *lut) const
    {
        return m_view->findChild<QLabel *>(QLatin1String(lut) + QLatin1String("Stats"))->text();
    }
    QCustomPlot *plot(const char *lut) const
    {
        return m_view->findChild<QCustomPlot *>(QLatin1String(lut) + QLatin1String("Plot"));
    }

private Q_SLOTS:
    void init()
    {
        m_view = std::make_unique<LutView>();
        m_view->resize(1600, 1000);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanup() { m_view.reset(); }

    void startsWithSeedDefaults()
    {
        QVERIFY(sameScales(m_view->scales(), ql::LutScales{}));
        for (int k = 0; k < ql::kNumLuts; ++k) {
            QVERIFY(spin(kNames[k], false) && spin(kNames[k], true));
            QCOMPARE(spin(kNames[k], false)->value(), ql::LutScales{}.in[k]);
            QCOMPARE(spin(kNames[k], true)->value(), ql::LutScales{}.out[k]);
            const auto want = ql::analyzeLut(ql::LutKind(k), ql::LutScales{}.in[k], ql::LutScales{}.out[k]);
            const auto &got = m_view->curve(ql::LutKind(k))->analysis();
            QCOMPARE(got.code, want.code);
            QVERIFY2(stats(kNames[k]).contains(QStringLiteral("saturated %1 / 256").arg(want.saturatedCount)),
                     qPrintable(stats(kNames[k])));
            QVERIFY(stats(kNames[k]).contains(QString::number(want.maxAbsError, 'g', 4)));
            QVERIFY(stats(kNames[k]).contains(QString::number(want.meanAbsError, 'g', 4)));
            // Plotted: every table entry, and exactly the saturated ones highlighted.
            QCOMPARE(plot(kNames[k])->graph(1)->dataCount(), ql::kLutSize);
            QCOMPARE(plot(kNames[k])->graph(2)->dataCount(), want.saturatedCount);
        }
    }

    void softplusSaturationIsVisible()
    {
        // SPEC §6: with default scales softplus saturates at +127 for x ≳ 3.97.
        const auto edges = lutSaturationEdges(ql::LutKind::Softplus, 0.0625, 0.03125);
        QCOMPARE(edges.size(), std::size_t(1));
        QVERIFY(edges[0].aboveSaturates);
        QCOMPARE(edges[0].limit, 127);
        QVERIFY2(std::fabs(edges[0].x - 3.97) < 0.005, qPrintable(QString::number(edges[0].x, 'g', 10)));
        const QString text = stats("softplus");
        QVERIFY2(text.contains(QStringLiteral("x ≳ 3.966 → 127")), qPrintable(text));
        const auto a = ql::analyzeLut(ql::LutKind::Softplus, 0.0625, 0.03125);
        QVERIFY(a.saturatedCount > 0);
        // The edge agrees with the core's table, entry by entry.
        for (std::size_t i = 0; i < a.input.size(); ++i)
            QCOMPARE(bool(a.saturated[i]), a.input[i] > edges[0].x);
        QVERIFY(text.contains(QStringLiteral("monotonic increasing in input-value order: <b>yes</b>")));
    }

    void rsqrtSaturatesBelow()
    {
        const auto edges = lutSaturationEdges(ql::LutKind::Rsqrt, 0.01, 0.05);
        QCOMPARE(edges.size(), std::size_t(1));
        QVERIFY(!edges[0].aboveSaturates);
        QCOMPARE(edges[0].limit, 255);
        // 1/sqrt(x) / 0.05 reaches 255.5 at x = 1/(255.5 * 0.05)^2.
        QVERIFY(std::fabs(edges[0].x - 1.0 / std::pow(255.5 * 0.05, 2)) < 1e-9);
        QVERIFY(stats("rsqrt").contains(QStringLiteral("x ≲ ")));
        QVERIFY(lutSaturationEdges(ql::LutKind::ExpNeg, 0.03125, 0.00392157).empty());
    }

    void editingAScaleRecomputes()
    {
        QSignalSpy spy(m_view.get(), &LutView::scalesChanged);
        // A larger output step makes softplus fit: nothing saturates any more.
        spin("softplus", true)->setValue(0.0625);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(m_view->scales().out[1], 0.0625);
        const auto want = ql::analyzeLut(ql::LutKind::Softplus, 0.0625, 0.0625);
        QCOMPARE(m_view->curve(ql::LutKind::Softplus)->analysis().code, want.code);
        QVERIFY2(stats("softplus").contains(QStringLiteral("saturated %1 / 256").arg(want.saturatedCount)), qPrintable(stats("softplus")));
        QCOMPARE(plot("softplus")->graph(2)->dataCount(), want.saturatedCount);
        // Typing into the box works the same, keystroke by keystroke.
        QDoubleSpinBox *in = spin("silu", false);
        in->selectAll();
        QTest::keyClicks(in, QStringLiteral("0.125"));
        QCOMPARE(m_view->scales().in[0], 0.125);
        QVERIFY(spy.count() >= 2);
        const auto silu = ql::analyzeLut(ql::LutKind::Silu, 0.125, 0.0625);
        QVERIFY(silu.saturatedCount > 0); // x up to 15.9 no longer fits 127 * 0.0625
        QVERIFY(stats("silu").contains(QStringLiteral("saturated %1 / 256").arg(silu.saturatedCount)));
        // Other tables are untouched.
        QCOMPARE(m_view->scales().in[2], 0.01);
    }

    void exactScalesSurviveEdits()
    {
        QSignalSpy spy(m_view.get(), &LutView::scalesChanged);
        ql::LutScales s;
        s.out[3] = 1.0 / 255.0; // more digits than the spin box shows
        m_view->setScales(s);
        QCOMPARE(spy.count(), 0); // programmatic: no feedback
        QCOMPARE(m_view->scales().out[3], 1.0 / 255.0);
        spin("exp_neg", false)->setValue(0.05);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(m_view->scales().in[3], 0.05);
        QCOMPARE(m_view->scales().out[3], 1.0 / 255.0);
    }

    void resetToDefaults()
    {
        auto *reset = m_view->findChild<QPushButton *>(QStringLiteral("resetScales"));
        QSignalSpy spy(m_view.get(), &LutView::scalesChanged);
        spin("rsqrt", true)->setValue(0.1);
        QCOMPARE(spy.count(), 1);
        reset->click();
        QCOMPARE(spy.count(), 2);
        QVERIFY(sameScales(m_view->scales(), ql::LutScales{}));
        QCOMPARE(spin("rsqrt", true)->value(), 0.05);
        QCOMPARE(m_view->curve(ql::LutKind::Rsqrt)->analysis().code, ql::analyzeLut(ql::LutKind::Rsqrt, 0.01, 0.05).code);
        reset->click();
        QCOMPARE(spy.count(), 2); // nothing changed, nothing reported
    }

    void exportMatchesCoreAndGolden()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        QVERIFY2(m_view->exportTo(dir.path(), &error), qPrintable(error));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("luts.bin"))), bytesOf(ql::generateLuts(ql::LutScales{})));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("luts.bin"))), readAll(QL_TEST_DATA "/golden/luts-default/luts.bin"));
        QCOMPARE(nlohmann::json::parse(readAll(dir.filePath(QStringLiteral("luts.json"))).toStdString()),
                 nlohmann::json::parse(ql::lutsJson(ql::LutScales{}).dump()));

        // The golden custom scales, typed in the UI, give the reference's bytes.
        const double custom[4][2] = {{0.05, 0.04}, {0.04, 0.0625}, {0.02, 0.04}, {0.05, 0.004}};
        for (int k = 0; k < ql::kNumLuts; ++k) {
            spin(kNames[k], false)->setValue(custom[k][0]);
            spin(kNames[k], true)->setValue(custom[k][1]);
        }
        QTemporaryDir dir2;
        QVERIFY(m_view->exportTo(dir2.path(), &error));
        QCOMPARE(readAll(dir2.filePath(QStringLiteral("luts.bin"))), readAll(QL_TEST_DATA "/golden/luts-custom/luts.bin"));
        const auto back = ql::readLutScales(dir2.path().toStdString());
        QVERIFY(sameScales(back, m_view->scales()));
    }

    void exportThroughTheDialog()
    {
        QTemporaryDir dir;
        m_view->findChild<QPushButton *>(QStringLiteral("exportLuts"))->click();
        QFileDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_view->findChild<QFileDialog *>()) != nullptr);
        QVERIFY(dialog->isVisible());
        QMetaObject::invokeMethod(dialog, "fileSelected", Q_ARG(QString, dir.path()));
        dialog->close();
        QCOMPARE(readAll(dir.filePath(QStringLiteral("luts.bin"))), bytesOf(ql::generateLuts(m_view->scales())));
        QVERIFY(m_view->findChild<QLabel *>(QStringLiteral("lutStatus"))->text().contains(QStringLiteral("Wrote")));
    }

    void exportFailureShowsTheCoreMessage()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(QStringLiteral("a-file"));
        {
            std::ofstream(blocker.toStdString()) << "not a folder";
        }
        const QString target = blocker + QStringLiteral("/luts");
        QString error;
        QVERIFY(!m_view->exportTo(target, &error));
        QVERIFY(!error.isEmpty());
        m_view->findChild<QPushButton *>(QStringLiteral("exportLuts"))->click();
        QFileDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_view->findChild<QFileDialog *>()) != nullptr);
        QMetaObject::invokeMethod(dialog, "fileSelected", Q_ARG(QString, target));
        dialog->close();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = m_view->findChild<QMessageBox *>()) != nullptr);
        QCOMPARE(box->informativeText(), error);
        QVERIFY(box->text().contains(QStringLiteral("a-file")));
        box->close();
    }

    void rendersSomething()
    {
        const QImage img = m_view->grab().toImage();
        QCOMPARE(img.size(), QSize(1600, 1000));
        QVERIFY(qltest::distinctColours(img) > 20);
        // Each plot shows its curves, not just an empty frame.
        for (const char *name : kNames) {
            const QImage p = plot(name)->grab().toImage();
            QVERIFY2(qltest::distinctColours(p) > 10, name);
        }
        QTemporaryDir scratch;
        const QByteArray env = qgetenv("QL_SCREENSHOT_DIR");
        const QString dir = env.isEmpty() ? scratch.path() : QString::fromLocal8Bit(env);
        QVERIFY(img.save(dir + QStringLiteral("/luts-view.png")));
        // With a dark palette the plots take the palette's base colour instead of staying white.
        m_view->setPalette(qltest::darkPalette());
        const QImage dark = m_view->grab().toImage();
        QVERIFY(qltest::distinctColours(dark) > 20);
        const QImage darkPlot = plot("silu")->grab().toImage();
        QCOMPARE(QColor(darkPlot.pixel(2, 2)).name(), qltest::darkPalette().color(QPalette::Base).name());
        QVERIFY(dark.save(dir + QStringLiteral("/luts-view-dark.png")));
    }
};

QTEST_MAIN(TestLutView)
#include "tst_lutview.moc"
