#include "backgroundjob.h"

#include <QCoreApplication>
#include <QPointer>

QThreadPool *backgroundPool()
{
    // Owned by the application object: a test that makes a new one gets a new pool.
    static QPointer<QThreadPool> pool;
    if (!pool) {
        pool = new QThreadPool(QCoreApplication::instance());
        pool->setObjectName(QStringLiteral("quantlens-background"));
    }
    return pool;
}
