// What the tests of the whole window share: settings kept apart from the user's, opening an input and waiting for
// it, a window shown at a size.
#pragma once

#include "mainwindow.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QSize>
#include <QStandardPaths>
#include <QString>
#include <QTest>

namespace qltest {

/// Settings and recent files in test-mode locations under this test's own application name, never the user's.
inline void useTestSettings(const QString &testName)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("QuantLensTest"));
    QCoreApplication::setApplicationName(testName);
}

/// Opens `path` in `w` and waits for it (at most a minute); false when it failed or took longer.
inline bool openAndWait(MainWindow &w, const QString &path)
{
    QSignalSpy spy(&w, &MainWindow::loadFinished);
    w.openPath(path);
    return spy.wait(60000) && spy.at(0).at(0).toBool();
}

/// `w` without dialogs, shown at `size`; false when the window never appeared.
inline bool showQuietWindow(MainWindow &w, QSize size)
{
    w.setInteractive(false);
    w.resize(size);
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

} // namespace qltest
