// The one name matcher of every front end (core/base/namematch.h): the glob keeps fnmatch(3)'s semantics (checked
// against glibc on random ASCII patterns and names), and neither the glob nor the regular expression can crash or
// hang on long names (issue 15: std::regex recursed per character and overflowed the stack on a 50 kB name).
#include "base/errors.h"
#include "base/namematch.h"

#include <QtTest>

#include <fnmatch.h>
#include <random>

class TestNameMatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void globAgreesWithFnmatch()
    {
        // Differential: the C locale makes glibc byte-based, which is what our matcher does on ASCII.
        std::mt19937 rng(15);
        const std::string alphabet = "ab.*?[]!^-\\:0";
        const std::string nameChars = "ab.0-]![\\";
        int mismatches = 0;
        for (int i = 0; i < 200000; ++i) {
            std::string p, n;
            for (int k = int(rng() % 9); k-- > 0;)
                p += alphabet[rng() % alphabet.size()];
            if (rng() % 4 == 0)
                p.insert(rng() % (p.size() + 1), std::string("[[:digit:]]"));
            for (int k = int(rng() % 8); k-- > 0;)
                n += nameChars[rng() % nameChars.size()];
            const bool want = ::fnmatch(p.c_str(), n.c_str(), 0) == 0;
            if (ql::globMatch(p, n) != want && ++mismatches < 5)
                qWarning("pattern '%s' name '%s': fnmatch says %d", p.c_str(), n.c_str(), int(want));
        }
        QCOMPARE(mismatches, 0);
    }

    void globSemantics()
    {
        QVERIFY(ql::globMatch("layers.*.in_proj.weight", "layers.10.mamba.in_proj.weight"));
        QVERIFY(ql::globMatch("*", ""));
        QVERIFY(ql::globMatch("w[0-9]", "w7"));
        QVERIFY(!ql::globMatch("w[!0-9]", "w7"));
        QVERIFY(ql::globMatch("w\\*", "w*"));
        QVERIFY(!ql::globMatch("w\\*", "wx"));
        QVERIFY(!ql::globMatch("w\\", "w\\")); // a lone trailing backslash: invalid, matches nothing (as glibc)
        QVERIFY(ql::globMatch("caf?", "caf\xc3\xa9"));         // '?' is one code point, not one byte
        QVERIFY(ql::globMatch("a?b", "a\xff" "b"));             // a byte that is not UTF-8 is one character
        QVERIFY(ql::globMatch("TRUNK.*", "trunk.0.weight", true));
        QVERIFY(!ql::globMatch("TRUNK.*", "trunk.0.weight"));
    }

    void longNamesAreBounded()
    {
        // Each of these took the old engines into deep recursion or exponential backtracking.
        const std::string name = "trunk." + std::string(200000, 'a') + ".weight";
        QVERIFY(ql::globMatch("trunk.*weight", name));
        QVERIFY(!ql::globMatch("*a*a*a*a*a*a*a*a*b", name));
        QVERIFY(ql::NameMatcher("trunk.*weight", ql::NameMatcher::Syntax::Regex).matches(name));
        QVERIFY(!ql::NameMatcher("(a|aa)*c", ql::NameMatcher::Syntax::Regex).matches(name));
        QVERIFY(ql::NameMatcher("^trunk\\.a+\\.weight$", ql::NameMatcher::Syntax::Regex).matches(name));
        const std::string bad = "x" + std::string(100000, '\xff') + "weight";
        QVERIFY(ql::NameMatcher("x.*weight", ql::NameMatcher::Syntax::Regex).matches(bad));
    }

    void matcherSyntaxes()
    {
        using S = ql::NameMatcher::Syntax;
        QVERIFY(ql::NameMatcher("proj", S::Substring).matches("layers.0.in_proj.weight"));
        QVERIFY(ql::NameMatcher("PROJ", S::Substring, true).matches("layers.0.in_proj.weight"));
        QVERIFY(!ql::NameMatcher("PROJ", S::Substring).matches("layers.0.in_proj.weight"));
        QVERIFY(ql::NameMatcher("in_proj", S::Regex).matches("layers.0.in_proj.weight")); // found anywhere
        QVERIFY(!ql::NameMatcher("^in_proj", S::Regex).matches("layers.0.in_proj.weight"));
        QVERIFY(ql::NameMatcher("IN_PROJ", S::Regex, true).matches("layers.0.in_proj.weight"));
        QVERIFY(!ql::NameMatcher("in_proj", S::Glob).matches("layers.0.in_proj.weight")); // whole name
        try {
            ql::NameMatcher("trunk(", S::Regex);
            QFAIL("an unbalanced parenthesis compiled");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Usage);
            QVERIFY2(QString(e.what()).contains("missing )"), e.what());
        }
        try {
            ql::NameMatcher("(a)\\1", S::Regex); // back-references need backtracking: RE2 refuses them
            QFAIL("a back-reference compiled");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Usage);
        }
    }
};

QTEST_GUILESS_MAIN(TestNameMatch)
#include "tst_namematch.moc"
