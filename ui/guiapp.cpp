#include "guiapp.h"

#include "mainwindow.h"
#include "theme.h"

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
    const QCommandLineOption view(QStringLiteral("view"),
                                  QObject::tr("View to show: table, tensor, scales, luts, shards (and the views "
                                              "this build adds; an unknown name lists them)."),
                                  QStringLiteral("VIEW"));
    const QCommandLineOption select(QStringLiteral("select"), QObject::tr("Tensor to select."), QStringLiteral("NAME"));
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QObject::tr("Render the window into a PNG and exit."), QStringLiteral("FILE.png"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QObject::tr("Second checkpoint or output folder to compare the first with."),
                                     QStringLiteral("PATH"));
    const QCommandLineOption size(QStringLiteral("size"), QObject::tr("Window size for --screenshot (default 1600x1000)."),
                                  QStringLiteral("WxH"), QStringLiteral("1600x1000"));
    parser.addOptions({open, view, select, shot, size, compare});
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
    options->compare = parser.value(compare);
    const QStringList wh = parser.value(size).split(QLatin1Char('x'));
    bool okW = false, okH = false;
    const int w = wh.size() == 2 ? wh[0].toInt(&okW) : 0, h = wh.size() == 2 ? wh[1].toInt(&okH) : 0;
    if (!okW || !okH || w < 320 || h < 240 || w > 8192 || h > 8192) {
        *error = QObject::tr("--size takes WIDTHxHEIGHT between 320x240 and 8192x8192, not '%1'").arg(parser.value(size));
        return false;
    }
    options->size = QSize(w, h);
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
    if (theme::saved() != theme::Theme::System)
        theme::apply(theme::saved());
    MainWindow window;
    const bool screenshot = !options.screenshot.isEmpty();
    int exitCode = 0;
    const auto finish = [&](bool ok, const QString &error) {
        if (ok && !options.select.isEmpty() && !window.selectTensorByName(options.select)) {
            std::fprintf(stderr, "quantlens: no tensor named '%s' in %s\n", qPrintable(options.select),
                         qPrintable(path));
            if (screenshot) {
                exitCode = 2;
                app.exit(exitCode);
                return;
            }
        }
        if (ok && !options.view.isEmpty() && !window.showView(options.view)) {
            std::fprintf(stderr, "quantlens: unknown view '%s' (%s)\n", qPrintable(options.view),
                         qPrintable(window.viewNames().join(QStringLiteral(", "))));
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
    };
    bool compared = false;
    QObject::connect(&window, &MainWindow::loadFinished, &window, [&](bool ok, const QString &error) {
        // --compare B: the second session opens once the first is there; the rest waits for the comparison.
        if (ok && !options.compare.isEmpty() && !compared) {
            compared = true;
            window.compareWith(options.compare);
            return;
        }
        finish(ok, error);
    });
    QObject::connect(&window, &MainWindow::compareFinished, &window, [&](bool ok, const QString &error) {
        if (compared) {
            compared = false; // only the first comparison decides the screenshot
            finish(ok, error);
        }
    });
    if (screenshot) {
        window.setInteractive(false);
        window.resize(options.size);
        window.setAttribute(Qt::WA_DontShowOnScreen, false);
    }
    window.show();
    if (screenshot)
        window.resize(options.size);
    // The bundled sample is what a first start shows; it does not belong in Open Recent.
    if (options.path.isEmpty())
        window.openPathQuietly(path);
    else
        window.openPath(path);
    const int rc = app.exec();
    return exitCode ? exitCode : rc;
}
