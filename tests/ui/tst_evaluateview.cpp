// The Evaluate view offscreen: it runs quantlens-eval in the background and shows its report (the output table, the
// sensitivity bars in the report's order), a click on a bar selects that tensor, errors and cancel are shown, and a
// strategy change re-evaluates. Skips when quantlens-eval was not built (no libtorch).
#include "evaluateview.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>

#include <qcustomplot.h>

namespace {
const QString kData = QStringLiteral(QL_TEST_DATA "/eval");
const QString kEval = QFileInfo(QStringLiteral(QL_CLI)).absolutePath() + "/quantlens-eval";
} // namespace

class TestEvaluateView : public QObject
{
    Q_OBJECT
private:
    void prepare(EvaluateView &v)
    {
        v.setEvalProgram(kEval);
        v.setModelFile(kData + "/policy-eval-scripted.pt");
        v.setInputsFile(kData + "/policy-eval-inputs.pt");
        v.setSource(kData + "/policy-eval.pt", {});
        v.resize(900, 700);
        v.show();
    }
    bool finish(EvaluateView &v, QSignalSpy &spy)
    {
        return spy.wait(120000) && !v.isRunning();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFileInfo(kEval).isExecutable())
            QSKIP("quantlens-eval is not built (libtorch-dev missing or QL_BUILD_TORCH=OFF)");
    }

    void showsReportAndSelects()
    {
        EvaluateView v;
        prepare(v);
        QSignalSpy done(&v, &EvaluateView::evaluationFinished);
        v.evaluate();
        QVERIFY(v.isRunning());
        QVERIFY(finish(v, done));
        QCOMPARE(done.last().at(0).toBool(), true);
        QVERIFY2(v.errorText().isEmpty(), qPrintable(v.errorText()));
        QCOMPARE(v.outputTable()->rowCount(), 2);
        QCOMPARE(v.outputTable()->item(0, 0)->text(), QStringLiteral("logits"));
        QVERIFY(v.outputTable()->item(0, 4)->text().endsWith('%'));
        const QJsonArray sens = v.report()["sensitivity"].toArray();
        QCOMPARE(sens.size(), 8);
        QCOMPARE(v.rankedTensors().size(), 8);
        QCOMPARE(v.rankedTensors().first(), sens[0].toObject()["tensor"].toString());
        QCOMPARE(v.sensitivityPlot()->plottableCount(), 2);

        // Click the middle of the worst tensor's output bar.
        QCustomPlot *plot = v.sensitivityPlot();
        auto *bars = qobject_cast<QCPBars *>(plot->plottable(0));
        QVERIFY(bars);
        const QPointF px = bars->dataPixelPosition(0);
        const double value = bars->data()->at(0)->value;
        const QPoint at(int(plot->xAxis->coordToPixel(value / 2)), int(px.y()));
        QSignalSpy selected(&v, &EvaluateView::tensorSelected);
        QTest::mouseClick(plot, Qt::LeftButton, {}, at);
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.first().at(0).toString(), v.rankedTensors().first());

        // A strategy change re-evaluates in the background, with the overrides passed on.
        ql::Overrides ov;
        ov.rules.push_back({"*", *ql::Strategy::fromName("per_tensor_absmax")});
        const double before = v.report()["outputs"].toArray()[0].toObject()["snr_db"].toDouble();
        v.setSource(kData + "/policy-eval.pt", ov);
        QVERIFY(v.isRunning());
        QVERIFY(finish(v, done));
        QCOMPARE(done.last().at(0).toBool(), true);
        QVERIFY(v.report()["outputs"].toArray()[0].toObject()["snr_db"].toDouble() != before);

        if (qEnvironmentVariableIsSet("QL_EVALUATE_SCREENSHOT")) {
            v.setSource(kData + "/policy-eval.pt", {});
            QVERIFY(finish(v, done));
            v.grab().save(qEnvironmentVariable("QL_EVALUATE_SCREENSHOT"));
        }
    }

    void errorsAndCancel()
    {
        EvaluateView v;
        prepare(v);
        QSignalSpy done(&v, &EvaluateView::evaluationFinished);
        // quantlens-eval's own message reaches the view.
        v.setModelFile(kData + "/policy-eval.pt"); // a checkpoint, not TorchScript
        v.evaluate();
        QVERIFY(finish(v, done));
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY2(v.errorText().contains("TorchScript"), qPrintable(v.errorText()));
        // Cancel ends the process and drops its result.
        v.setModelFile(kData + "/policy-eval-scripted.pt");
        v.evaluate();
        QVERIFY(v.isRunning());
        v.cancel();
        QVERIFY(!v.isRunning());
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY(v.report().isEmpty());
        // No quantlens-eval: said plainly.
        v.setEvalProgram(QDir::tempPath() + "/no-such-quantlens-eval");
        v.evaluate();
        QVERIFY(!v.isRunning());
        QVERIFY(v.errorText().contains("libtorch"));
    }
};

QTEST_MAIN(TestEvaluateView)
#include "tst_evaluateview.moc"
