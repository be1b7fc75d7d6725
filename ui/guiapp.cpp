#include "guiapp.h"

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTimer>
#include <cstdio>

bool parseGuiOptions(const QStringList &arguments, GuiOptions *options, QString *error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QObject::tr("QuantLens inspector: what INT8 quantization does to a checkpoint."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("path"), QObject::tr("Checkpoint (.pt, .safetensors) or output folder"),
                                 QStringLiteral("[PATH]"));
    const QCommandLineOption open(QStringLiteral("open"), QObject::tr("Checkpoint or output folder to open."),
                                  QStringLiteral("PATH"));
    const QCommandLineOption view(QStringLiteral("view"), QObject::tr("View to show: table, tensor, scales, luts, shards."),
                                  QStringLiteral("VIEW"));
    const QCommandLineOption select(QStringLiteral("select"), QObject::tr("Tensor to select."), QStringLiteral("NAME"));
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QObject::tr("Render the window at 1600x1000 into a PNG and exit."),
                                  QStringLiteral("FILE.png"));
    parser.addOptions({open, view, select, shot});
    // process() handles --help/--version (and exits); errors are reported by the caller.
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    const QStringList pos = parser.positionalArguments();
    if (pos.size() > 1 || (pos.size() == 1 && parser.isSet(open))) {
        *error = QObject::tr("give one PATH (either positional or --open)");
        return false;
    }
    options->path = parser.isSet(open) ? parser.value(open) : pos.value(0);
    options->view = parser.value(view);
    options->select = parser.value(select);
    options->screenshot = parser.value(shot);
    if (!options->view.isEmpty() && !MainWindow::viewFromName(options->view)) {
        *error = QObject::tr("unknown view '%1' (table, tensor, scales, luts, shards)").arg(options->view);
        return false;
    }
    return true;
}

QString defaultSamplePath()
{
    const QString env = qEnvironmentVariable("QL_SAMPLE");
    if (!env.isEmpty() && QFileInfo::exists(env))
        return env;
    const QString installed =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/quantlens/sample/mamba2-small.pt"));
    if (QFileInfo::exists(installed))
        return QDir::cleanPath(installed);
    return QStringLiteral(QL_SOURCE_SAMPLE);
}

int runQuantLens(QApplication &app, const GuiOptions &options)
{
    const QString path = options.path.isEmpty() ? defaultSamplePath() : options.path;
    MainWindow window;
    const bool screenshot = !options.screenshot.isEmpty();
    int exitCode = 0;
    QObject::connect(&window, &MainWindow::loadFinished, &window, [&](bool ok, const QString &error) {
        if (ok && !options.select.isEmpty() && !window.selectTensorByName(options.select)) {
            std::fprintf(stderr, "quantlens: no tensor named '%s' in %s\n", qPrintable(options.select),
                         qPrintable(path));
            if (screenshot) {
                exitCode = 2;
                app.exit(exitCode);
                return;
            }
        }
        if (ok && !options.view.isEmpty() && !window.showView(*MainWindow::viewFromName(options.view))) {
            std::fprintf(stderr, "quantlens: the %s view is not available in this build\n", qPrintable(options.view));
            if (screenshot) {
                app.exit(2);
                return;
            }
        }
        if (!screenshot)
            return;
        if (!ok) {
            std::fprintf(stderr, "quantlens: %s\n", qPrintable(error));
            app.exit(3);
            return;
        }
        // Let layouts settle at the final size before grabbing.
        QTimer::singleShot(0, &window, [&] {
            if (!window.saveScreenshot(options.screenshot)) {
                std::fprintf(stderr, "quantlens: cannot write %s\n", qPrintable(options.screenshot));
                app.exit(4);
                return;
            }
            app.exit(0);
        });
    });
    if (screenshot) {
        window.setInteractive(false);
        window.resize(1600, 1000);
        window.setAttribute(Qt::WA_DontShowOnScreen, false);
    }
    window.show();
    if (screenshot)
        window.resize(1600, 1000);
    window.openPath(path);
    const int rc = app.exec();
    return exitCode ? exitCode : rc;
}
