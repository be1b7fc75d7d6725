// quantlens: the Qt inspector. Everything lives in quantlens_ui; this only sets up the application.
#include "artifacts/atomicfile.h"
#include "base/mappedfile.h"
#include "base/program.h"
#include "guiapp.h"

#include <QApplication>
#include <QIcon>
#include <cstdio>

int main(int argc, char **argv)
{
    ql::ignoreFileSizeSignal();
    ql::installMappedFileGuard(); // a checkpoint truncated while mapped: an input error, not SIGBUS
    ql::returnLargeBlocksWhenFreed();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantLens"));
    QApplication::setApplicationName(QStringLiteral("quantlens"));
    QApplication::setApplicationDisplayName(QStringLiteral("QuantLens"));
    QApplication::setApplicationVersion(QStringLiteral(QL_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/quantlens-128.png")));
    GuiOptions options;
    QString error;
    if (!parseGuiOptions(QApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "quantlens: %s\nTry 'quantlens --help'.\n", qPrintable(error));
        return 2;
    }
    return runQuantLens(app, options);
}
