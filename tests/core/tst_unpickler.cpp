// Restricted unpickler: opcode coverage for protocols 0-5 with pickles written by CPython's pickle module (embedded
// as hex, made by tests/data/make_pickles.py) and hand-built ones, refusals of callables, malformed input.
#include "readers/checkpoint.h"
#include "base/errors.h"
#include "readers/pickle.h"

#include <QtTest>

#include <cstring>
#include <string>

using ql::PyObject;
using T = ql::PyObject::Type;

namespace {

// ---- pickles written by CPython 3.11's pickle module ----------------------------------------------------------
// pickle.dumps([None, True, False, 1, -5, 300, 70000, -70000, 2**40, -2**63, 1.5, "abc", "é", (), (1,), (1, 2),
//               (1, 2, 3), (1, 2, 3, 4), [], {"a": 1, "b": [2]}, b"xy"], protocol=N)
const char *const k_proto0 =
    "286c70300a4e614930310a614930300a6149310a61492d350a61493330300a614937303030300a61492d37303030300a614c313039393531"
    "313632373737364c0a614c2d393232333337323033363835343737353830384c0a6146312e350a61566162630a70310a6156e90a70320a61"
    "2874612849310a7470330a612849310a49320a7470340a612849310a49320a49330a7470350a612849310a49320a49330a49340a7470360a"
    "61286c70370a61286470380a56610a70390a49310a7356620a7031300a286c7031310a49320a617361635f636f646563730a656e636f6465"
    "0a7031320a285678790a7031330a566c6174696e310a7031340a747031350a527031360a612e";
const char *const k_proto1 =
    "5d7100284e4930310a4930300a4b014afbffffff4d2c014a701101004a90eefeff4c313039393531313632373737364c0a4c2d3932323333"
    "37323033363835343737353830384c0a473ff8000000000000580300000061626371015802000000c3a9710229284b01747103284b014b02"
    "747104284b014b024b03747105284b014b024b034b047471065d71077d71082858010000006171094b01580100000062710a5d710b4b0261"
    "75635f636f646563730a656e636f64650a710c2858020000007879710d58060000006c6174696e31710e74710f527110652e";
const char *const k_proto2 =
    "80025d7100284e88894b014afbffffff4d2c014a701101004a90eefeff8a060000000000018a080000000000000080473ff8000000000000"
    "580300000061626371015802000000c3a97102294b018571034b014b028671044b014b024b03877105284b014b024b034b047471065d7107"
    "7d71082858010000006171094b01580100000062710a5d710b4b026175635f636f646563730a656e636f64650a710c58020000007879710d"
    "58060000006c6174696e31710e86710f527110652e";
const char *const k_proto3 =
    "80035d7100284e88894b014afbffffff4d2c014a701101004a90eefeff8a060000000000018a080000000000000080473ff8000000000000"
    "580300000061626371015802000000c3a97102294b018571034b014b028671044b014b024b03877105284b014b024b034b047471065d7107"
    "7d71082858010000006171094b01580100000062710a5d710b4b02617543027879710c652e";
const char *const k_proto4 =
    "8004957a000000000000005d94284e88894b014afbffffff4d2c014a701101004a90eefeff8a060000000000018a08000000000000008047"
    "3ff80000000000008c03616263948c02c3a994294b0185944b014b0286944b014b024b038794284b014b024b034b0474945d947d94288c01"
    "61944b018c0162945d944b0261754302787994652e";
const char *const k_proto5 =
    "8005957a000000000000005d94284e88894b014afbffffff4d2c014a701101004a90eefeff8a060000000000018a08000000000000008047"
    "3ff80000000000008c03616263948c02c3a994294b0185944b014b0286944b014b024b038794284b014b024b034b0474945d947d94288c01"
    "61944b018c0162945d944b0261754302787994652e";
const char *const k_memo2 =
    "80025d7100285d710158010000007871026168016801652e";
const char *const k_dataclass0 =
    "286470300a566366670a70310a63636f70795f7265670a5f7265636f6e7374727563746f720a70320a28636d6f64656c732e656e636f6469"
    "6e670a456e636f64696e67436f6e6669670a70330a635f5f6275696c74696e5f5f0a6f626a6563740a70340a4e7470350a5270360a286470"
    "370a5678795f7363616c650a70380a46302e30350a7356616374696f6e5f766f6361620a70390a493430300a7356666c61670a7031300a49"
    "30300a7362732e";
const char *const k_dataclass2 =
    "80027d710058030000006366677101636d6f64656c732e656e636f64696e670a456e636f64696e67436f6e6669670a7102298171037d7104"
    "28580800000078795f7363616c657105473fa999999999999a580c000000616374696f6e5f766f63616271064d90015804000000666c6167"
    "7107897562732e";
const char *const k_dataclass4 =
    "80049565000000000000007d948c03636667948c0f6d6f64656c732e656e636f64696e67948c0e456e636f64696e67436f6e666967949394"
    "2981947d94288c0878795f7363616c6594473fa999999999999a8c0c616374696f6e5f766f636162944d90018c04666c616794897562732e";
const char *const k_newobjex =
    "80049540000000000000008c0f6d6f64656c732e656e636f64696e67948c0a576974684172677345789493944b0785947d948c016b944b09"
    "7392947d94288c0161944b0768054b0975622e";
const char *const k_sets0 =
    "286c70300a635f5f6275696c74696e5f5f0a7365740a70310a28286c70320a49310a6149320a617470330a5270340a61635f5f6275696c74"
    "696e5f5f0a66726f7a656e7365740a70350a28286c70360a49330a617470370a5270380a612e";
const char *const k_sets1 =
    "5d710028635f5f6275696c74696e5f5f0a7365740a7101285d7102284b014b0265747103527104635f5f6275696c74696e5f5f0a66726f7a"
    "656e7365740a7105285d71064b0361747107527108652e";
const char *const k_sets2 =
    "80025d710028635f5f6275696c74696e5f5f0a7365740a71015d7102284b014b0265857103527104635f5f6275696c74696e5f5f0a66726f"
    "7a656e7365740a71055d71064b0361857107527108652e";
const char *const k_sets4 =
    "80049512000000000000005d94288f94284b014b0290284b039194652e";
const char *const k_bytearray5 =
    "8005950e00000000000000960300000000000000616263942e";
const char *const k_odict2 =
    "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000007771024b0158010000006271034b02752e";
const char *const k_odict0 =
    "63636f6c6c656374696f6e730a4f726465726564446963740a70300a28745270310a56770a70320a49310a7356620a70330a49320a732e";
const char *const k_evil_os0 =
    "63706f7369780a73797374656d0a70300a2856746f756368207175616e746c656e732d70776e65640a70310a7470320a5270330a2e";
const char *const k_evil_os2 =
    "800263706f7369780a73797374656d0a71005815000000746f756368207175616e746c656e732d70776e656471018571025271032e";
const char *const k_evil_os4 =
    "80049530000000000000008c05706f736978948c0673797374656d9493948c15746f756368207175616e746c656e732d70776e6564948594"
    "52942e";
const char *const k_evil_eval2 =
    "8002635f5f6275696c74696e5f5f0a6576616c0a71005803000000312b3171018571025271032e";
const char *const k_evil_eval4 =
    "8004951f000000000000008c086275696c74696e73948c046576616c9493948c03312b3194859452942e";

std::string fromHex(const char *hex)
{
    std::string out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; hex[i] && hex[i + 1]; i += 2)
        out.push_back(char(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

/// Builds pickles opcode by opcode (avoids "\x02a"-style escapes swallowing the next character).
struct Pk
{
    std::string s;
    Pk &op(int c)
    {
        s.push_back(char(c));
        return *this;
    }
    Pk &raw(const std::string &b)
    {
        s += b;
        return *this;
    }
    Pk &le(uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
            s.push_back(char((v >> (8 * i)) & 0xff));
        return *this;
    }
    Pk &proto(int v) { return op(0x80).op(v); }
    Pk &line(const std::string &t) { return raw(t + "\n"); }
    Pk &binint1(int v) { return op('K').op(v); }
    Pk &binunicode(const std::string &t) { return op('X').le(t.size(), 4).raw(t); }
    Pk &shortBinunicode(const std::string &t) { return op(0x8c).le(t.size(), 1).raw(t); }
    Pk &global(const std::string &m, const std::string &n) { return op('c').line(m).line(n); }
    Pk &stackGlobal(const std::string &m, const std::string &n) { return shortBinunicode(m).shortBinunicode(n).op(0x93); }
    Pk &stop() { return op('.'); }
};

const std::string kFile = "test.pkl";

struct Loaded
{
    std::unique_ptr<ql::PickleArena> arena = std::make_unique<ql::PickleArena>();
    const PyObject *root = nullptr;
    std::size_t consumed = 0;
};

/// Persistent ids become Storage objects named after the id's text (or its second item for tuples).
const PyObject *fakeStorage(const PyObject *pid, ql::PickleArena &arena)
{
    auto s = arena.make(T::Storage);
    s->storage->key = pid->type == T::String ? pid->text : pid->items.size() > 2 ? pid->items[2]->text : "?";
    s->storage->numel = 6;
    return s;
}

Loaded load(const std::string &bytes, bool withLoader = false, ql::PickleLimits limits = {})
{
    Loaded l;
    ql::Unpickler up(std::as_bytes(std::span(bytes.data(), bytes.size())), *l.arena, kFile,
                     withLoader ? ql::PersistentLoader(fakeStorage) : ql::PersistentLoader{}, limits);
    l.root = up.load();
    l.consumed = up.consumed();
    return l;
}

ql::Json json(const PyObject *o) { return ql::toJson(o, kFile); }

/// The message of the ql::Error that loading throws ("" when nothing is thrown); any other exception fails.
std::string errorOf(const std::string &bytes, bool withLoader = false, ql::PickleLimits limits = {})
{
    try {
        load(bytes, withLoader, limits);
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            return "wrong kind: " + std::string(e.what());
        if (e.file() != kFile)
            return "does not name the file: " + std::string(e.what());
        return e.what();
    }
    return "";
}

const ql::Json kValues = ql::Json::parse(R"([null, true, false, 1, -5, 300, 70000, -70000, 1099511627776,
    -9223372036854775808, 1.5, "abc", "é", [], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [], {"a": 1, "b": [2]},
    "<2 bytes>"])");

} // namespace

class TestUnpickler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void protocols_data()
    {
        QTest::addColumn<QString>("hex");
        QTest::newRow("protocol 0") << k_proto0; // MARK LIST PUT NONE APPEND INT(01/00) INT LONG FLOAT UNICODE
                                                 // TUPLE DICT SETITEM GLOBAL REDUCE(_codecs.encode)
        QTest::newRow("protocol 1") << k_proto1; // EMPTY_LIST BINPUT BININT BININT1 BININT2 BINFLOAT BINUNICODE
                                                 // EMPTY_TUPLE EMPTY_DICT SETITEMS APPENDS
        QTest::newRow("protocol 2") << k_proto2; // PROTO NEWTRUE NEWFALSE LONG1 TUPLE1 TUPLE2 TUPLE3
        QTest::newRow("protocol 3") << k_proto3; // SHORT_BINBYTES
        QTest::newRow("protocol 4") << k_proto4; // FRAME MEMOIZE SHORT_BINUNICODE
        QTest::newRow("protocol 5") << k_proto5;
    }
    void protocols()
    {
        QFETCH(QString, hex);
        const auto l = load(fromHex(hex.toLatin1().constData()));
        QCOMPARE(json(l.root), kValues);
        const auto &it = l.root->items;
        QCOMPARE(l.root->type, T::List);
        QCOMPARE(it[0]->type, T::None);
        QCOMPARE(it[1]->type, T::Bool);
        QCOMPARE(it[2]->type, T::Bool);
        QCOMPARE(it[3]->type, T::Int);
        QCOMPARE(it[9]->integer, std::numeric_limits<int64_t>::min());
        QCOMPARE(it[10]->type, T::Float);
        QCOMPARE(it[12]->text, std::string("\xc3\xa9")); // UTF-8 for every protocol, raw-unicode-escape included
        QCOMPARE(it[13]->type, T::Tuple);
        QCOMPARE(it[17]->type, T::Tuple);
        QCOMPARE(it[18]->type, T::List);
        QCOMPARE(it[19]->type, T::Dict);
        QCOMPARE(it[20]->type, T::Bytes);
        QCOMPARE(it[20]->text, std::string("xy"));
    }

    /// Every proper prefix of a valid pickle is refused with an input error naming the file (no crash, no hang).
    void truncationAtEveryByte_data()
    {
        QTest::addColumn<QString>("hex");
        for (auto [name, hex] : {std::pair{"p0", k_proto0}, {"p1", k_proto1}, {"p2", k_proto2}, {"p4", k_proto4},
                                 {"dataclass0", k_dataclass0}, {"dataclass2", k_dataclass2}, {"dataclass4", k_dataclass4},
                                 {"newobj_ex", k_newobjex}, {"sets0", k_sets0}, {"sets4", k_sets4},
                                 {"odict2", k_odict2}, {"bytearray5", k_bytearray5}})
            QTest::newRow(name) << hex;
    }
    void truncationAtEveryByte()
    {
        QFETCH(QString, hex);
        const std::string full = fromHex(hex.toLatin1().constData());
        QVERIFY(errorOf(full).empty());
        for (std::size_t n = 0; n < full.size(); ++n) {
            const std::string e = errorOf(full.substr(0, n));
            QVERIFY2(e.rfind(kFile + ": pickle:", 0) == 0, qPrintable(QString("prefix %1: '%2'").arg(n).arg(e.c_str())));
        }
    }

    void memo()
    {
        // BINPUT / BINGET: one list referenced three times is one object.
        auto l = load(fromHex(k_memo2));
        QCOMPARE(l.root->items.size(), std::size_t(3));
        QVERIFY(l.root->items[0] == l.root->items[1] && l.root->items[1] == l.root->items[2]);
        // PUT / GET (protocol 0 text indices).
        l = load(Pk().op('(').op('l').line("p0").op('V').line("a").line("p1").op('a').op('g').line("1").op('a').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse(R"(["a", "a"])"));
        QVERIFY(l.root->items[0] == l.root->items[1]);
        // LONG_BINPUT / LONG_BINGET beyond 255 entries.
        Pk p;
        p.proto(2).op(']').op('(');
        for (int i = 0; i < 300; ++i)
            p.op(']').op('r').le(uint64_t(i), 4).binint1(i % 256).op('a');
        p.op('e').op('j').le(299, 4).op('a').stop();
        l = load(p.s);
        QCOMPARE(l.root->items.size(), std::size_t(301));
        QVERIFY(l.root->items[300] == l.root->items[299]);
        QCOMPARE(l.root->items[299]->items[0]->integer, int64_t(299 % 256));
        // MEMOIZE (protocol 4) numbers entries implicitly: BINGET 0 is the first memoized value.
        l = load(Pk().proto(4).shortBinunicode("k").op(0x94).op(0x8c).op(1).raw("v").op(0x94).op(0x86).op('h').op(1)
                     .op(0x86).stop().s);
        QCOMPARE(json(l.root), ql::Json::parse(R"([["k", "v"], "v"])"));
        // A memo miss is an error naming the index.
        QVERIFY(errorOf(Pk().op('h').op(5).stop().s).find("memo key 5 was never stored") != std::string::npos);
        QVERIFY(errorOf(Pk().op('j').le(70000, 4).stop().s).find("memo key 70000") != std::string::npos);
        QVERIFY(errorOf(Pk().op('g').line("3").stop().s).find("memo key 3") != std::string::npos);
        // A PUT far beyond the memo (a hostile sparse index) is refused instead of allocating.
        QVERIFY(errorOf(Pk().op(')').op('r').le(0xfffffff0u, 4).stop().s).find("memo index") != std::string::npos);
    }

    void handBuiltOpcodes()
    {
        // STRING / BINSTRING / SHORT_BINSTRING (protocol 0-1 byte strings written by Python 2).
        auto l = load(Pk().op('(').op('S').line("'abc'").op('T').le(2, 4).raw("de").op('U').op(1).raw("f").op('l').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse(R"(["abc", "de", "f"])"));
        // BINUNICODE8 / BINBYTES / BINBYTES8 / SHORT_BINBYTES / BYTEARRAY8.
        l = load(Pk().proto(4).op('(').op(0x8d).le(3, 8).raw("xyz").op('B').le(2, 4).raw("\x01\x02").op(0x8e).le(1, 8)
                     .raw("q").op('C').op(0).op(0x96).le(4, 8).raw("abcd").op('l').stop().s);
        QCOMPARE(l.root->items.size(), std::size_t(5));
        QCOMPARE(l.root->items[0]->type, T::String);
        QCOMPARE(l.root->items[0]->text, std::string("xyz"));
        for (int i = 1; i < 5; ++i)
            QCOMPARE(l.root->items[i]->type, T::Bytes);
        QCOMPARE(l.root->items[1]->text, std::string("\x01\x02", 2));
        QCOMPARE(l.root->items[4]->text, std::string("abcd"));
        // BYTEARRAY8 as CPython writes it.
        l = load(fromHex(k_bytearray5));
        QCOMPARE(l.root->type, T::Bytes);
        QCOMPARE(l.root->text, std::string("abc"));
        // LONG1 / LONG4: empty = 0, two's complement, sign extension beyond 8 bytes accepted, real overflow refused.
        l = load(Pk().op('(').op(0x8a).op(0).op(0x8a).op(2).raw("\xff\x7f").op(0x8a).op(1).raw("\xff").op(0x8b).le(9, 4)
                     .raw(std::string("\xfe\xff\xff\xff\xff\xff\xff\xff\xff", 9)).op('l').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse("[0, 32767, -1, -2]"));
        QVERIFY(errorOf(Pk().op(0x8a).op(9).raw(std::string("\0\0\0\0\0\0\0\0\1", 9)).stop().s).find("64 bits") !=
                std::string::npos);
        // BININT is signed 32-bit, BININT2 unsigned 16-bit.
        l = load(Pk().op('(').op('J').le(0xffffffffu, 4).op('M').le(0xffff, 2).op('t').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse("[-1, 65535]"));
        // POP / POP_MARK / DUP.
        l = load(Pk().op(']').binint1(1).op('0').op('(').binint1(2).binint1(3).op('1').binint1(4).op('2').op(0x86)
                     .op('a').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse("[[4, 4]]"));
        // DICT (from MARK), SETITEM replacing a key keeps one entry.
        l = load(Pk().op('(').binunicode("a").binint1(1).binunicode("b").binint1(2).op('d').binunicode("a").binint1(3)
                     .op('s').stop().s);
        QCOMPARE(l.root->entries.size(), std::size_t(2));
        QCOMPARE(json(l.root), ql::Json::parse(R"({"a": 3, "b": 2})"));
        // Protocol 0 INT booleans and plain INT / LONG literals.
        l = load(Pk().op('(').op('I').line("01").op('I').line("00").op('I').line("-7").op('L').line("12345678901234L")
                     .op('F').line("-2.5e-3").op('t').stop().s);
        QCOMPARE(l.root->items[0]->type, T::Bool);
        QCOMPARE(json(l.root), ql::Json::parse("[true, false, -7, 12345678901234, -0.0025]"));
        // Unicode escapes of protocol 0 (raw-unicode-escape): \uXXXX, \UXXXXXXXX and raw latin-1 bytes.
        l = load(Pk().op('V').line("a\\u000ab\\u00e9\\U0001f600\xe9").stop().s);
        QCOMPARE(l.root->text, std::string("a\nb\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9"));
        // STRING escapes as repr() writes them.
        l = load(Pk().op('S').line("'a\\nb\\x41\\'\\\\'").stop().s);
        QCOMPARE(l.root->text, std::string("a\nbA'\\"));
    }

    void sets_data()
    {
        QTest::addColumn<QString>("hex");
        QTest::newRow("protocol 0 (__builtin__.set REDUCE)") << k_sets0;
        QTest::newRow("protocol 1") << k_sets1;
        QTest::newRow("protocol 2") << k_sets2;
        QTest::newRow("protocol 4 (EMPTY_SET ADDITEMS FROZENSET)") << k_sets4;
    }
    void sets()
    {
        QFETCH(QString, hex);
        const auto l = load(fromHex(hex.toLatin1().constData()));
        QCOMPARE(json(l.root), ql::Json::parse("[[1, 2], [3]]"));
        QCOMPARE(l.root->items[0]->type, T::Set);
        QCOMPARE(l.root->items[1]->type, T::Set);
    }

    /// A dataclass (models.encoding.EncodingConfig) loads as a plain attribute dict in every protocol:
    /// copy_reg._reconstructor + BUILD (0), GLOBAL + NEWOBJ + BUILD (2), STACK_GLOBAL + NEWOBJ + BUILD (4).
    void dataclass_data()
    {
        QTest::addColumn<QString>("hex");
        QTest::newRow("protocol 0") << k_dataclass0;
        QTest::newRow("protocol 2") << k_dataclass2;
        QTest::newRow("protocol 4") << k_dataclass4;
    }
    void dataclass()
    {
        QFETCH(QString, hex);
        const auto l = load(fromHex(hex.toLatin1().constData()));
        const PyObject *cfg = l.root->get("cfg");
        QVERIFY(cfg);
        QCOMPARE(cfg->type, T::Object);
        QCOMPARE(cfg->text, std::string("models.encoding.EncodingConfig"));
        QCOMPARE(json(cfg), ql::Json::parse(R"({"xy_scale": 0.05, "action_vocab": 400, "flag": false})"));
    }

    void newobjEx()
    {
        const auto l = load(fromHex(k_newobjex));
        QCOMPARE(l.root->type, T::Object);
        QCOMPARE(l.root->text, std::string("models.encoding.WithArgsEx"));
        QCOMPARE(json(l.root), ql::Json::parse(R"({"a": 7, "k": 9})"));
        // NEWOBJ of OrderedDict gives a dict.
        const auto d = load(Pk().proto(2).global("collections", "OrderedDict").op(')').op(0x81).binunicode("x")
                                .binint1(1).op('s').stop().s);
        QCOMPARE(d.root->type, T::Dict);
        QCOMPARE(json(d.root), ql::Json::parse(R"({"x": 1})"));
    }

    void orderedDict()
    {
        for (const char *hex : {k_odict2, k_odict0}) {
            const auto l = load(fromHex(hex));
            QCOMPARE(l.root->type, T::Dict);
            QCOMPARE(json(l.root).dump(), std::string(R"({"w":1,"b":2})")); // insertion order kept
        }
        // OrderedDict(list of pairs) REDUCE form, then BUILD with _metadata as a state_dict has: ignored.
        const auto l = load(Pk().proto(2).global("collections", "OrderedDict").op('(').op(']').binunicode("k")
                                .binint1(5).op(0x86).op('a').op('t').op('R').op('}').binunicode("_metadata").op('}')
                                .op('s').op('b').stop().s);
        QCOMPARE(json(l.root), ql::Json::parse(R"({"k": 5})"));
    }

    /// torch's tensor rebuild through persistent ids (BINPERSID) and _rebuild_tensor_v2 / _rebuild_parameter.
    void tensorRebuild()
    {
        auto tensorPickle = [](bool parameter) {
            Pk p;
            p.proto(2);
            if (parameter)
                p.global("torch._utils", "_rebuild_parameter");
            p.global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').binunicode("storage").global("torch", "FloatStorage").binunicode("7").binunicode("cpu").binint1(6)
                .op('t').op('Q');
            p.binint1(1).binint1(2).binint1(2).op(0x86).binint1(1).binint1(2).op(0x86).op(0x89)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
            if (parameter)
                p.op(0x88).global("collections", "OrderedDict").op(')').op('R').op(0x87).op('R');
            return p.stop().s;
        };
        for (bool parameter : {false, true}) {
            const auto l = load(tensorPickle(parameter), true);
            QCOMPARE(l.root->type, T::Tensor);
            QCOMPARE(l.root->tensor->storage->storage->key, std::string("7"));
            QCOMPARE(l.root->tensor->storageOffset, int64_t(1));
            QCOMPARE(l.root->tensor->shape, (std::vector<int64_t>{2, 2}));
            QCOMPARE(l.root->tensor->strides, (std::vector<int64_t>{1, 2})); // a transposed view
        }
        // Without a loader, a persistent id is an error, not a crash.
        QVERIFY(errorOf(tensorPickle(false)).find("persistent id without a storage loader") != std::string::npos);
        // PERSID (protocol 0 text id).
        const auto l = load(Pk().op('P').line("abc").stop().s, true);
        QCOMPARE(l.root->type, T::Storage);
        QCOMPARE(l.root->storage->key, std::string("abc"));
        // Bad rebuild arguments are errors naming the function.
        QVERIFY(errorOf(Pk().global("torch._utils", "_rebuild_tensor_v2").op('(').binint1(1).op('t').op('R').stop().s)
                    .find("_rebuild_tensor_v2") != std::string::npos);
        QVERIFY(errorOf(Pk().global("torch._utils", "_rebuild_tensor_v2").op('(').op('P').line("s").binint1(0).op('(')
                            .binint1(2).op('t').op('(').binint1(-1 & 0xff).op('t').op('t').op('R').stop().s,
                        true)
                    .empty());
        QVERIFY(errorOf(Pk().global("torch._utils", "_rebuild_tensor_v2").op('(').op('P').line("s").binint1(0).op('(')
                            .binint1(2).op('t').op('(').op('J').le(0xffffffffu, 4).op('t').op('t').op('R').stop().s,
                        true)
                    .find("negative") != std::string::npos);
    }

    /// A checkpoint that asks to call anything off the allow list is refused, naming the callable, in every
    /// protocol and through every calling opcode (REDUCE, INST, OBJ); nothing is called.
    void refusals_data()
    {
        QTest::addColumn<QString>("hex");
        QTest::addColumn<QString>("callable");
        QTest::newRow("posix.system p0") << k_evil_os0 << "posix.system";
        QTest::newRow("posix.system p2 GLOBAL") << k_evil_os2 << "posix.system";
        QTest::newRow("posix.system p4 STACK_GLOBAL") << k_evil_os4 << "posix.system";
        QTest::newRow("eval p2") << k_evil_eval2 << "__builtin__.eval";
        QTest::newRow("builtins.eval p4") << k_evil_eval4 << "builtins.eval";
        auto hex = [](const std::string &b) {
            QString h;
            for (unsigned char c : b)
                h += QString::asprintf("%02x", c);
            return h;
        };
        QTest::newRow("os.system p2 GLOBAL") << hex(Pk().proto(2).global("os", "system").binunicode("id").op(0x85).op('R').stop().s)
                                             << "os.system";
        QTest::newRow("os.system p4 STACK_GLOBAL")
            << hex(Pk().proto(4).stackGlobal("os", "system").shortBinunicode("id").op(0x85).op('R').stop().s) << "os.system";
        QTest::newRow("builtins.exec p4") << hex(Pk().proto(4).stackGlobal("builtins", "exec").shortBinunicode("1").op(0x85)
                                                     .op('R').stop().s)
                                          << "builtins.exec";
        QTest::newRow("INST os.system") << hex(Pk().op('(').binunicode("id").op('i').line("os").line("system").stop().s)
                                        << "os.system";
        QTest::newRow("OBJ subprocess.Popen")
            << hex(Pk().op('(').global("subprocess", "Popen").binunicode("id").op('o').stop().s) << "subprocess.Popen";
        QTest::newRow("rebuild_from_type_v2 wrapping posix.system")
            << hex(Pk().proto(2).global("torch._tensor", "_rebuild_from_type_v2").op('(').global("posix", "system")
                       .op('N').binunicode("id").op(0x85).op('}').op('t').op('R').stop().s)
            << "posix.system";
        QTest::newRow("copyreg._reconstructor of a non-object base")
            << hex(Pk().global("copy_reg", "_reconstructor").op('(').global("os", "system").global("posix", "system")
                       .op('N').op('t').op('R').stop().s)
            << "copy_reg._reconstructor";
    }
    void refusals()
    {
        QFETCH(QString, hex);
        QFETCH(QString, callable);
        const std::string e = errorOf(fromHex(hex.toLatin1().constData()));
        QVERIFY2(e.find("'" + callable.toStdString() + "'") != std::string::npos ||
                     e.find(callable.toStdString() + " is only accepted") != std::string::npos,
                 e.c_str());
    }

    /// Naming a callable is harmless; only calling it is refused. NEWOBJ of an unknown class builds data only.
    void globalsWithoutCallsLoad()
    {
        auto l = load(Pk().proto(4).stackGlobal("posix", "system").op(0x85).stop().s);
        QCOMPARE(json(l.root), ql::Json::parse(R"(["posix.system"])"));
        l = load(Pk().proto(2).global("os", "system").op(')').op(0x81).stop().s);
        QCOMPARE(l.root->type, T::Object);
        // ... but REDUCE on such an object (not a global) is an error.
        QVERIFY(!errorOf(Pk().proto(2).global("os", "system").op(')').op(0x81).op(')').op('R').stop().s).empty());
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("hex");
        QTest::addColumn<QString>("message");
        auto row = [](const char *name, const std::string &b, const char *msg) {
            QString h;
            for (unsigned char c : b)
                h += QString::asprintf("%02x", c);
            QTest::newRow(name) << h << msg;
        };
        row("unknown opcode 0xff", Pk().op(0xff).s, "unknown opcode 0xff");
        row("unknown opcode 'z'", Pk().op(']').op('z').s, "unknown opcode 0x7a");
        row("EXT1", Pk().op(0x82).op(1).s, "extension registry");
        row("NEXT_BUFFER", Pk().proto(5).op(0x97).s, "out-of-band");
        row("READONLY_BUFFER", Pk().proto(5).op(0x98).s, "out-of-band");
        row("protocol 6", Pk().proto(6).s, "unsupported pickle protocol 6");
        row("POP on empty stack", Pk().op('0').s, "stack underflow");
        row("APPEND on empty stack", Pk().op('a').s, "stack underflow");
        row("SETITEM with one value", Pk().op('}').binint1(1).op('s').s, "stack underflow");
        row("REDUCE on empty stack", Pk().op('R').s, "stack underflow");
        row("TUPLE3 with two values", Pk().binint1(1).binint1(2).op(0x87).s, "stack underflow");
        row("POP across a MARK", Pk().binint1(1).op('(').op('0').s, "stack underflow");
        row("DUP on empty stack", Pk().op('2').s, "stack underflow");
        row("BUILD on empty stack", Pk().op('b').s, "stack underflow");
        row("STACK_GLOBAL with one string", Pk().shortBinunicode("os").op(0x93).s, "stack underflow");
        row("TUPLE without MARK", Pk().binint1(1).op('t').s, "no MARK");
        row("POP_MARK without MARK", Pk().op('1').s, "no MARK");
        row("STOP on empty stack", Pk().op('.').s, "STOP with an empty stack");
        row("STOP on MARK only", Pk().op('(').op('.').s, "STOP");
        row("bad INT literal", Pk().op('I').line("12x").op('.').s, "bad integer literal");
        row("INT out of range", Pk().op('I').line("99999999999999999999999").op('.').s, "bad integer literal");
        row("bad FLOAT literal", Pk().op('F').line("abc").op('.').s, "bad float literal");
        row("bad STRING quote", Pk().op('S').line("abc").op('.').s, "bad STRING literal");
        row("SETITEMS odd", Pk().op('}').op('(').binint1(1).op('u').op('.').s, "odd number");
        row("APPEND to dict", Pk().op('}').binint1(1).op('a').op('.').s, "not a list");
        row("SETITEM on list", Pk().op(']').binint1(1).binint1(2).op('s').op('.').s, "not a dict");
        row("ADDITEMS to list", Pk().op(']').op('(').binint1(1).op(0x90).op('.').s, "not a set");
        row("STACK_GLOBAL of ints", Pk().binint1(1).binint1(2).op(0x93).op('.').s, "two strings");
        row("NEWOBJ on int", Pk().binint1(1).op(')').op(0x81).op('.').s, "not a class");
        row("BUILD on int", Pk().binint1(1).op('}').op('b').op('.').s, "BUILD on an unsupported value");
        row("REDUCE args not tuple", Pk().global("collections", "OrderedDict").binint1(1).op('R').op('.').s,
            "not a tuple");
        row("OBJ without class", Pk().op('(').op('o').op('.').s, "OBJ without a class");
        row("BINUNICODE longer than data", Pk().op('X').le(1000, 4).raw("ab").s, "truncated data");
        row("BINBYTES8 huge", Pk().op(0x8e).le(~0ull, 8).s, "truncated data");
        row("FRAME truncated", Pk().proto(4).op(0x95).le(5, 4).s, "truncated data");
        row("unterminated line", Pk().op('V').raw("abc").s, "unterminated text line");
        row("bad GET index", Pk().op('g').line("x").op('.').s, "bad GET index");
        row("bad PUT index", Pk().op(']').op('p').line("x").op('.').s, "bad PUT index");
        row("numpy scalar of unknown type",
            Pk().global("numpy.core.multiarray", "scalar").op('(').global("numpy", "dtype").op('(').binunicode("c16")
                .op('t').op('R').op('C').op(16).raw(std::string(16, '\0')).op('t').op('R').op('.').s,
            "unsupported numpy scalar type c16");
    }
    void malformed()
    {
        QFETCH(QString, hex);
        QFETCH(QString, message);
        const std::string e = errorOf(fromHex(hex.toLatin1().constData()));
        QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find("(at byte ") != std::string::npos, e.c_str());
    }

    void limits()
    {
        ql::PickleLimits lim;
        lim.maxStack = 4;
        Pk p;
        for (int i = 0; i < 5; ++i)
            p.binint1(i);
        QVERIFY(errorOf(p.op('.').s, false, lim).find("stack exceeds 4") != std::string::npos);
        lim = {};
        lim.maxMarks = 3;
        QVERIFY(errorOf(Pk().op('(').op('(').op('(').op('(').s, false, lim).find("MARKs nested deeper") != std::string::npos);
        lim = {};
        lim.maxMemo = 10;
        QVERIFY(errorOf(Pk().op(')').op('q').op(11).op('.').s, false, lim).find("exceeds the limit") != std::string::npos);
        lim = {};
        lim.maxObjects = 50;
        Pk many;
        many.op(']');
        for (int i = 0; i < 100; ++i)
            many.op(']').op('a');
        QVERIFY(errorOf(many.op('.').s, false, lim).find("more than 50 objects") != std::string::npos);
        // The default budget: a bomb of "]a" pairs (2 bytes per object) stops at maxObjects; their memory must stay
        // far below what a 1 GiB checkpoint costs the Python pipeline (a 40 MB bomb took 4.4 GB before the cap was
        // lowered and the storage/tensor references moved out of line; 565 MB after, measured with /usr/bin/time).
        const ql::PickleLimits defaults;
        QVERIFY2(defaults.maxObjects * sizeof(ql::PyObject) <= std::size_t(512) << 20,
                 qPrintable(QString("%1 objects x %2 bytes").arg(defaults.maxObjects).arg(sizeof(ql::PyObject))));
    }

    /// Legacy files chain pickles: consumed() says where the next one starts.
    void consumedChainsPickles()
    {
        const std::string a = Pk().proto(2).binint1(7).stop().s, b = Pk().proto(2).op('M').le(1001, 2).stop().s;
        const std::string both = a + b;
        ql::PickleArena arena;
        ql::Unpickler first(std::as_bytes(std::span(both.data(), both.size())), arena, kFile);
        QCOMPARE(first.load()->integer, int64_t(7));
        QCOMPARE(first.consumed(), a.size());
        ql::Unpickler second(std::as_bytes(std::span(both.data() + a.size(), b.size())), arena, kFile);
        QCOMPARE(second.load()->integer, int64_t(1001));
    }

    /// A list that contains itself is representable; converting it to JSON stops with an error, not a stack overflow.
    void cyclicValues()
    {
        const auto l = load(Pk().op(']').op('q').op(0).op('h').op(0).op('a').stop().s);
        QVERIFY(l.root->items[0] == l.root);
        try {
            json(l.root);
            QFAIL("no error for a cyclic value");
        } catch (const ql::Error &e) {
            QCOMPARE(e.kind(), ql::ErrorKind::Input);
            QVERIFY(std::string(e.what()).find("configuration") != std::string::npos);
        }
        QVERIFY(!ql::describe(l.root, 50).empty());
    }
};

QTEST_GUILESS_MAIN(TestUnpickler)
#include "tst_unpickler.moc"
