#pragma once
#include <QSize>
#include <QString>
#include <QStringList>

class QApplication;

/// What the command line asks of the inspector.
struct GuiOptions
{
    QString path;       ///< checkpoint or output folder; empty: the bundled sample
    QString view;       ///< table|tensor|scales|luts|shards (empty: last used)
    QString select;     ///< tensor name to select
    QString screenshot; ///< render and exit
    QSize size{1600, 1000}; ///< window size for --screenshot
    QString compare;    ///< second input to compare with (--compare)
};

/// Parses argv (`quantlens [PATH] [--open PATH] [--view V] [--select NAME] [--screenshot FILE.png [--size WxH]]`). On a usage error
/// returns false with the message in *error; --help/--version print and exit like any Qt application.
bool parseGuiOptions(const QStringList &arguments, GuiOptions *options, QString *error);

/// The bundled sample: $QL_SAMPLE, then <exe dir>/../share/quantlens/sample/mamba2-small.pt, then the source tree's.
QString defaultSamplePath();

/// Runs the inspector (or renders one screenshot at --size, default 1600×1000, and exits). Returns the process exit code.
int runQuantLens(QApplication &app, const GuiOptions &options);
