// One way for the end-to-end tests to run a program (the CLI, quantlens-report, python3) and collect what it said.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace qltest {

struct Run
{
    int code = -1;     ///< exit code; -1 when it did not finish in time, -1000 - QProcess::ProcessError on a crash
    QByteArray rawOut; ///< stdout as bytes (JSON, binary output)
    QString out, err;  ///< stdout and stderr as UTF-8 text
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(code).arg(out.left(800), err.left(800));
    }
};

struct RunOptions
{
    QString cwd;            ///< working directory; empty = the test's
    int fileSizeBlocks = 0; ///< > 0: run under `ulimit -f BLOCKS` (a full disk, as the program sees it)
    int timeoutMs = 180000; ///< a run that takes longer is killed and reported as "did not finish"
    QMap<QString, QString> env; ///< variables set on top of this process's environment (LD_PRELOAD, ...)
    QStringList wrapper;        ///< a program and its arguments to run the program under (setpriv, prlimit, time)
};

inline Run runProcess(const QString &program, const QStringList &args, const RunOptions &o = {})
{
    QProcess p;
    if (!o.cwd.isEmpty())
        p.setWorkingDirectory(o.cwd);
    if (!o.env.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (auto it = o.env.begin(); it != o.env.end(); ++it)
            env.insert(it.key(), it.value());
        p.setProcessEnvironment(env);
    }
    QString exe = program;
    QStringList argv = args;
    if (!o.wrapper.isEmpty()) {
        argv = o.wrapper.mid(1) + QStringList{exe} + argv;
        exe = o.wrapper.first();
    }
    if (o.fileSizeBlocks > 0)
        p.start(QStringLiteral("/bin/sh"),
                QStringList{"-c", QStringLiteral("ulimit -f %1; exec \"$0\" \"$@\"").arg(o.fileSizeBlocks), exe} + argv);
    else
        p.start(exe, argv);
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(o.timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("did not finish");
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1000 - int(p.error());
    r.rawOut = p.readAllStandardOutput();
    r.out = QString::fromUtf8(r.rawOut);
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// The CLI under test (QL_CLI, set by tests/CMakeLists.txt).
inline Run runCli(const QStringList &args, const RunOptions &o = {}) { return runProcess(QStringLiteral(QL_CLI), args, o); }

/// name -> contents of every file in dir (hidden temporaries included): what a failed run must leave unchanged.
inline QMap<QString, QByteArray> snapshotFolder(const QString &dir)
{
    QMap<QString, QByteArray> out;
    for (const QFileInfo &fi : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot)) {
        QFile f(fi.filePath());
        if (f.open(QIODevice::ReadOnly))
            out.insert(fi.fileName(), f.readAll());
    }
    return out;
}

} // namespace qltest
