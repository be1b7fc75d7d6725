// quantlens-cli eval / quantlens-eval and export-dequantized end to end, checked against an independent computation in
// Python (tests/torch/eval_reference.py, python3-torch): per-output figures, the sensitivity ranking both ways, the
// exports loaded by torch.load(weights_only=True) and by a plain safetensors parser (json + numpy); the errors.
#include "../common/runprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

namespace {
const QString kData = QStringLiteral(QL_TEST_DATA "/eval");
const QString kCli = QStringLiteral(QL_CLI);
const QString kSource = QStringLiteral(QL_SOURCE_DIR);
const QString kModel = kData + "/policy-eval-scripted.pt";
const QString kCkpt = kData + "/policy-eval.pt";
const QString kInputs = kData + "/policy-eval-inputs.pt";

using qltest::Run;
Run run(const QString &program, const QStringList &args) { return qltest::runProcess(program, args); }

/// Debian's python3 with python3-torch and python3-numpy, or empty.
QString python()
{
    static const QString found = [] {
        for (const QString &py : {QStringLiteral("/usr/bin/python3"), QStringLiteral("python3")})
            if (run(py, {"-c", "import torch, numpy"}).code == 0)
                return py;
        return QString();
    }();
    return found;
}

#define REQUIRE_TORCH_PYTHON()                                                                                        \
    if (python().isEmpty())                                                                                           \
        QSKIP("python3-torch / python3-numpy are not installed (packaging/install-deps.sh --test installs them)");

QJsonObject json(const Run &r)
{
    QJsonParseError e;
    const auto doc = QJsonDocument::fromJson(r.rawOut, &e);
    if (e.error != QJsonParseError::NoError)
        qWarning() << "not JSON:" << r.out.left(400) << r.err.left(800);
    return doc.object();
}

void compareNumber(const QJsonValue &a, const QJsonValue &b, double tol, const QString &what)
{
    if (a.isNull() || b.isNull()) {
        QVERIFY2(a.isNull() && b.isNull(), qPrintable(what + ": one is null"));
        return;
    }
    const double x = a.toDouble(), y = b.toDouble();
    QVERIFY2(std::abs(x - y) <= tol * std::max(1.0, std::abs(y)),
             qPrintable(QString("%1: %2 vs Python %3").arg(what).arg(x, 0, 'g', 12).arg(y, 0, 'g', 12)));
}

void compareOutputs(const QJsonArray &ours, const QJsonArray &theirs, bool full, const QString &what)
{
    QCOMPARE(ours.size(), theirs.size());
    QVERIFY(!ours.isEmpty());
    for (int i = 0; i < ours.size(); ++i) {
        const auto a = ours[i].toObject(), b = theirs[i].toObject();
        const QString w = what + "/" + b["name"].toString();
        QCOMPARE(a["name"].toString(), b["name"].toString());
        // Both run the same TorchScript ops on the same float32 weights; sums are float64 in both.
        compareNumber(a["snr_db"], b["snr_db"], 1e-6, w + " snr_db");
        compareNumber(a["top1_agreement"], b["top1_agreement"], 1e-12, w + " top1");
        if (full) {
            compareNumber(a["max_abs_diff"], b["max_abs_diff"], 1e-6, w + " max_abs_diff");
            compareNumber(a["cosine"], b["cosine"], 1e-9, w + " cosine");
        }
    }
}
} // namespace

class TestEval : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void agreesWithPython_data()
    {
        QTest::addColumn<QString>("overrides");
        QTest::newRow("seed strategies") << QString();
        QTest::newRow("overrides") << QStringLiteral(
            R"({"format": "quantlens_overrides_v1", "overrides": [{"match": "trunk.*.weight", "strategy": "per_tensor_absmax"},)"
            R"( {"match": "button_head.weight", "strategy": "per_channel_mse"}]})");
    }
    void agreesWithPython()
    {
        REQUIRE_TORCH_PYTHON();
        QFETCH(QString, overrides);
        QTemporaryDir dir;
        QStringList ov;
        if (!overrides.isEmpty()) {
            QFile f(dir.filePath("overrides.json"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(overrides.toUtf8());
            f.close();
            ov = {"--overrides", f.fileName()};
        }
        const QString deq = dir.filePath("dequantized.pt"), out = dir.filePath("out");
        Run r = run(kCli, QStringList{"export-dequantized", kCkpt, "-o", deq, "-q"} + ov);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = run(kCli, QStringList{"quantize", "--checkpoint", kCkpt, "--output-dir", out, "-q"} + ov);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const Run ours = run(kCli, QStringList{"eval", "--model", kModel, "--checkpoint", kCkpt, "--inputs", kInputs,
                                               "--sensitivity", "--json"} + ov);
        QVERIFY2(ours.code == 0, qPrintable(ours.err));
        const Run theirs = run(python(), {kSource + "/tests/torch/eval_reference.py", kModel, kCkpt, deq, kInputs,
                                          "*logit*", out});
        QVERIFY2(theirs.code == 0, qPrintable(theirs.err));
        const QJsonObject a = json(ours), b = json(theirs);
        QCOMPARE(b["artifact_tensors_checked"].toInt(), 8); // the export is weights_int8.bin · scale
        QCOMPARE(a["num_inputs"].toInt(), 4);
        QCOMPARE(a["num_inputs"].toInt(), b["num_inputs"].toInt());
        compareOutputs(a["outputs"].toArray(), b["outputs"].toArray(), true, "outputs");
        QCOMPARE(a["outputs"].toArray()[0].toObject()["name"].toString(), QStringLiteral("logits"));
        QVERIFY(!a["outputs"].toArray()[0].toObject()["top1_agreement"].isNull());
        QVERIFY(a["outputs"].toArray()[1].toObject()["top1_agreement"].isNull());

        // The ranking, tensor by tensor, in the same order, with the same figures both ways.
        const QJsonArray sa = a["sensitivity"].toArray(), sb = b["sensitivity"].toArray();
        QCOMPARE(sa.size(), 8);
        QCOMPARE(sa.size(), sb.size());
        for (int i = 0; i < sa.size(); ++i) {
            const auto x = sa[i].toObject(), y = sb[i].toObject();
            QCOMPARE(x["tensor"].toString(), y["tensor"].toString());
            QVERIFY(x["weight_snr_db"].isDouble());
            compareOutputs(x["outputs"].toArray(), y["outputs"].toArray(), false, x["tensor"].toString());
            compareOutputs(x["keep_fp32_outputs"].toArray(), y["keep_fp32_outputs"].toArray(), false,
                           x["tensor"].toString() + " keep");
        }
    }

    void exportsLoadInPython()
    {
        REQUIRE_TORCH_PYTHON();
        QTemporaryDir dir;
        const QString pt = dir.filePath("d.pt"), st = dir.filePath("d.safetensors");
        QCOMPARE(run(kCli, {"export-dequantized", kCkpt, "-o", pt, "-q"}).code, 0);
        QCOMPARE(run(kCli, {"export-dequantized", kCkpt, "-o", st, "-q"}).code, 0);
        // torch.load(weights_only=True) gives the checkpoint's structure; the safetensors file, parsed by its spec with
        // json + numpy, holds the same arrays; the tensor the quantizer skips is the original value.
        const char *script = R"PY(
import json, struct, sys, numpy as np, torch
pt, st, orig = sys.argv[1:4]
d = torch.load(pt, weights_only=True)
o = torch.load(orig)
assert list(d) == ["epoch", "model_state_dict", "val_loss", "config"], list(d)
sd = d["model_state_dict"]
assert type(sd).__name__ == "OrderedDict" and list(sd) == list(o["model_state_dict"]), list(sd)
assert d["epoch"] == 3 and float(d["val_loss"]) == 0.5 and d["config"] == o["config"], (d["epoch"], d["config"])
assert torch.equal(sd["temperature"], o["model_state_dict"]["temperature"])
for k, v in sd.items():
    assert v.dtype == torch.float32 and v.shape == o["model_state_dict"][k].shape, k
    if k != "temperature":
        assert not torch.equal(v, o["model_state_dict"][k]) and torch.allclose(v, o["model_state_dict"][k], atol=0.05), k
b = open(st, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
assert n % 8 == 0
h = json.loads(b[8:8 + n])
meta = h.pop("__metadata__")
assert json.loads(meta["context_len"]) == 2 and json.loads(meta["encoding_config"])["model_type"] == "policy_mlp", meta
end = 0
for k, e in h.items():
    a, z = e["data_offsets"]
    assert e["dtype"] == "F32" and a == end, (k, e)
    end = z
    arr = np.frombuffer(b[8 + n + a:8 + n + z], dtype="<f4").reshape(e["shape"])
    assert np.array_equal(arr, sd[k].numpy()), k
assert 8 + n + end == len(b) and set(h) == set(sd)
print("ok")
)PY";
        const Run r = run(python(), {"-c", script, pt, st, kCkpt});
        QVERIFY2(r.code == 0 && r.out.trimmed() == "ok", qPrintable(r.out + r.err));
        // QuantLens reads both back (the core test compares the values).
        QCOMPARE(run(kCli, {"inspect", pt, "-q"}).code, 0);
        QCOMPARE(run(kCli, {"inspect", st, "-q"}).code, 0);
    }

    void inputForms()
    {
        REQUIRE_TORCH_PYTHON();
        QTemporaryDir dir;
        // A lone tensor and a tuple: one forward each; --random uses the module's input_shapes.
        const Run made = run(python(), {"-c", "import sys, torch; g = torch.Generator().manual_seed(1); "
                                              "x = torch.randn(3, 48, generator=g); torch.save(x, sys.argv[1]); "
                                              "torch.save((x,), sys.argv[2])",
                                        dir.filePath("t.pt"), dir.filePath("tuple.pt")});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        QJsonObject results[2];
        int i = 0;
        for (const QString &f : {dir.filePath("t.pt"), dir.filePath("tuple.pt")}) {
            const Run r = run(kCli, {"eval", "--model", kModel, "--checkpoint", kCkpt, "--inputs", f, "--json"});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            results[i] = json(r);
            QCOMPARE(results[i]["num_inputs"].toInt(), 1);
            ++i;
        }
        QCOMPARE(results[0]["outputs"], results[1]["outputs"]);
        const Run r = run(kCli, {"eval", "--model", kModel, "--checkpoint", kCkpt, "--random", "3", "--json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(json(r)["num_inputs"].toInt(), 3);
        // Text output names the outputs.
        const Run text = run(kCli, {"eval", "--model", kModel, "--checkpoint", kCkpt, "--inputs", kInputs});
        QCOMPARE(text.code, 0);
        QVERIFY(text.out.contains("logits") && text.out.contains("analog"));
    }

    void errors()
    {
        REQUIRE_TORCH_PYTHON();
        QTemporaryDir dir;
        // A checkpoint with one key more than the module, and a module that records no input shapes.
        const Run made = run(python(), {"-c", R"PY(
import sys, torch
o = torch.load(sys.argv[1])
o["model_state_dict"]["extra_head.weight"] = torch.randn(4, 4)
torch.save(o, sys.argv[2])
m = torch.jit.load(sys.argv[3])
lin = torch.jit.trace(torch.nn.Linear(48, 2), torch.randn(1, 48))
lin.save(sys.argv[4])
)PY",
                                        kCkpt, dir.filePath("extra.pt"), kModel, dir.filePath("noshapes.pt")});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        Run r = run(kCli, {"eval", "--model", kModel, "--checkpoint", dir.filePath("extra.pt"), "--inputs", kInputs});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("extra_head.weight") && r.err.contains("--ignore-missing"), qPrintable(r.err));
        r = run(kCli, {"eval", "--model", kModel, "--checkpoint", dir.filePath("extra.pt"), "--inputs", kInputs,
                       "--ignore-missing", "--json"});
        QCOMPARE(r.code, 0);
        QVERIFY(json(r)["warnings"].toArray().size() >= 1);
        // The reverse: module parameters the checkpoint lacks.
        r = run(kCli, {"eval", "--model", dir.filePath("noshapes.pt"), "--checkpoint", kCkpt, "--random", "2"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("input_shapes"), qPrintable(r.err));
        r = run(kCli, {"eval", "--model", dir.filePath("noshapes.pt"), "--checkpoint", kCkpt, "--inputs", kInputs});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("module parameters/buffers with no checkpoint key: bias, weight"), qPrintable(r.err));
        // Not a TorchScript file; not an inputs file; neither --inputs nor --random.
        r = run(kCli, {"eval", "--model", kCkpt, "--checkpoint", kCkpt, "--inputs", kInputs});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("TorchScript"), qPrintable(r.err));
        r = run(kCli, {"eval", "--model", kModel, "--checkpoint", kCkpt, "--inputs", kCkpt});
        QCOMPARE(r.code, 3);
        r = run(kCli, {"eval", "--model", kModel, "--checkpoint", kCkpt});
        QCOMPARE(r.code, 2);
        // export-dequantized: unknown extension is a usage error and writes nothing.
        r = run(kCli, {"export-dequantized", kCkpt, "-o", dir.filePath("x.bin")});
        QCOMPARE(r.code, 2);
        QVERIFY(!QFile::exists(dir.filePath("x.bin")));
    }

    void evalNeedsItsExecutable()
    {
        // quantlens-cli alone in a folder: `eval` says what is missing instead of failing obscurely.
        QTemporaryDir dir;
        const QString lone = dir.filePath("quantlens-cli");
        QVERIFY(QFile::copy(kCli, lone));
        const Run r = run(lone, {"eval", "--model", kModel});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("quantlens-eval") && r.err.contains("libtorch"), qPrintable(r.err));
        // --help reaches quantlens-eval when it is there.
        const Run h = run(kCli, {"eval", "--help"});
        QCOMPARE(h.code, 0);
        QVERIFY2(h.out.contains("--sensitivity") && h.out.contains("--logits"), qPrintable(h.out));
    }
};

QTEST_GUILESS_MAIN(TestEval)
#include "tst_eval.moc"
