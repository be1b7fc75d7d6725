// The GUI runs under the user's locale (QApplication calls setlocale(LC_ALL, "")). Number parsing in the core must not
// follow LC_NUMERIC: in a German locale strtod("0.5") stops at the '.' and returns 0.
#include "base/errors.h"
#include "readers/pickle.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <clocale>
#include <cstdlib>

class TestLocale : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void protocol0FloatIgnoresCommaLocale()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Build a comma-decimal locale ourselves, so the test does not depend on which locales the machine has.
        const int rc = QProcess::execute(QStringLiteral("localedef"),
                                         {QStringLiteral("-i"), QStringLiteral("de_DE"), QStringLiteral("-f"),
                                          QStringLiteral("UTF-8"), dir.filePath(QStringLiteral("de_DE.UTF-8"))});
        QCOMPARE(rc, 0);
        qputenv("LOCPATH", dir.path().toLocal8Bit());
        QVERIFY(std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr);
        QCOMPARE(std::strtod("0.5", nullptr), 0.0); // the locale really is comma-decimal

        const std::string pickle = "F0.5\n.";
        ql::PickleArena arena;
        ql::Unpickler up(std::span(reinterpret_cast<const std::byte *>(pickle.data()), pickle.size()), arena, "p0.pkl");
        const ql::PyObject *v = up.load();
        std::setlocale(LC_NUMERIC, "C");
        QVERIFY(v && v->type == ql::PyObject::Type::Float);
        QCOMPARE(v->real, 0.5);
    }
};

QTEST_GUILESS_MAIN(TestLocale)
#include "tst_locale.moc"
