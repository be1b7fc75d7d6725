#include "readers/pickle.h"

#include "base/errors.h"
#include "base/utf8.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace ql {

namespace {
/// The unsigned integer of sizeof(T) little-endian bytes (pickle's binary lengths and indices).
template <typename T>
T littleEndian(std::span<const std::byte> b)
{
    T v = 0;
    for (std::size_t i = sizeof(T); i-- > 0;)
        v = static_cast<T>((v << 8) | T(b[i]));
    return v;
}
} // namespace

const PyObject *PyObject::get(const std::string &key) const
{
    if (type != Type::Dict && type != Type::Object)
        return nullptr;
    for (const auto &[k, v] : entries)
        if (k && k->type == Type::String && k->text == key)
            return v;
    return nullptr;
}

PyObject *PickleArena::make(PyObject::Type t)
{
    auto &o = m_objects.emplace_back();
    o.type = t;
    if (t == PyObject::Type::Storage)
        o.storage = &m_storages.emplace_back();
    else if (t == PyObject::Type::Tensor)
        o.tensor = &m_tensors.emplace_back();
    return &o;
}

Unpickler::Unpickler(std::span<const std::byte> data, PickleArena &arena, std::string fileForErrors,
                     PersistentLoader loader, PickleLimits limits)
    : m_data(data)
    , m_arena(arena)
    , m_file(std::move(fileForErrors))
    , m_loader(std::move(loader))
    , m_limits(limits)
{
}

void Unpickler::fail(const std::string &msg) const
{
    throw inputError("pickle: " + msg + " (at byte " + std::to_string(m_pos) + ")", m_file);
}

std::span<const std::byte> Unpickler::take(uint64_t n)
{
    if (n > m_data.size() - m_pos)
        fail("truncated data: needs " + std::to_string(n) + " more bytes, " + std::to_string(m_data.size() - m_pos) +
             " left");
    auto s = m_data.subspan(m_pos, n);
    m_pos += n;
    return s;
}
uint8_t Unpickler::u8() { return static_cast<uint8_t>(take(1)[0]); }
uint16_t Unpickler::u16() { return littleEndian<uint16_t>(take(2)); }
uint32_t Unpickler::u32() { return littleEndian<uint32_t>(take(4)); }
uint64_t Unpickler::u64() { return littleEndian<uint64_t>(take(8)); }
std::string Unpickler::line()
{
    std::string s;
    while (true) {
        if (m_pos >= m_data.size())
            fail("truncated data: unterminated text line");
        const char c = static_cast<char>(m_data[m_pos++]);
        if (c == '\n')
            return s;
        if (s.size() > (1u << 20))
            fail("text line longer than 1 MiB");
        s.push_back(c);
    }
}

void Unpickler::push(const PyObject *o)
{
    if (m_stack.size() >= m_limits.maxStack)
        fail("stack exceeds " + std::to_string(m_limits.maxStack) + " entries");
    m_stack.push_back(o);
}
const PyObject *Unpickler::pop()
{
    if (m_stack.empty() || (!m_marks.empty() && m_stack.size() <= m_marks.back()))
        fail("stack underflow");
    auto o = m_stack.back();
    m_stack.pop_back();
    return o;
}
const PyObject *Unpickler::top() const
{
    if (m_stack.empty() || (!m_marks.empty() && m_stack.size() <= m_marks.back()))
        fail("stack underflow");
    return m_stack.back();
}
std::vector<const PyObject *> Unpickler::popMark()
{
    if (m_marks.empty())
        fail("no MARK on the stack");
    const std::size_t at = m_marks.back();
    m_marks.pop_back();
    std::vector<const PyObject *> out(m_stack.begin() + static_cast<std::ptrdiff_t>(at), m_stack.end());
    m_stack.resize(at);
    return out;
}

const PyObject *Unpickler::makeInt(int64_t v)
{
    auto o = m_arena.make(PyObject::Type::Int);
    o->integer = v;
    return o;
}
const PyObject *Unpickler::makeString(std::string s, PyObject::Type t)
{
    auto o = m_arena.make(t);
    o->text = std::move(s);
    return o;
}
const PyObject *Unpickler::makeBool(bool v)
{
    auto o = m_arena.make(PyObject::Type::Bool);
    o->boolean = v;
    return o;
}
const PyObject *Unpickler::makeFloat(double v)
{
    auto o = m_arena.make(PyObject::Type::Float);
    o->real = v;
    return o;
}
const PyObject *Unpickler::makeSequence(PyObject::Type t, std::vector<const PyObject *> items)
{
    auto o = m_arena.make(t);
    o->items = std::move(items);
    return o;
}
void Unpickler::extendTop(PyObject::Type t, const std::vector<const PyObject *> &items, const char *opcode)
{
    const PyObject *target = top();
    if (target->type != t)
        fail(std::string(opcode) + " to a value that is not a " + (t == PyObject::Type::Set ? "set" : "list") + ": " +
             describe(target));
    auto &to = const_cast<PyObject *>(target)->items;
    to.insert(to.end(), items.begin(), items.end());
}
const PyObject *Unpickler::makeLong(std::span<const std::byte> b)
{
    if (b.empty())
        return makeInt(0);
    // Two's complement little endian; beyond 64 bits it must still be a sign extension.
    const bool negative = (uint8_t(b.back()) & 0x80) != 0;
    for (std::size_t i = 8; i < b.size(); ++i)
        if (uint8_t(b[i]) != (negative ? 0xff : 0x00))
            fail("integer does not fit in 64 bits");
    uint64_t v = negative ? ~uint64_t(0) : 0;
    const std::size_t n = std::min<std::size_t>(b.size(), 8);
    for (std::size_t i = 0; i < n; ++i) {
        v &= ~(uint64_t(0xff) << (8 * i));
        v |= uint64_t(uint8_t(b[i])) << (8 * i);
    }
    return makeInt(static_cast<int64_t>(v));
}

uint64_t Unpickler::memoIndexLine(const char *opcode)
{
    const std::string s = line();
    char *end = nullptr;
    const unsigned long long idx = std::strtoull(s.c_str(), &end, 10);
    if (end == s.c_str())
        fail(std::string("bad ") + opcode + " index");
    return idx;
}

void Unpickler::memoPut(uint64_t idx, const PyObject *o)
{
    if (idx >= m_limits.maxMemo)
        fail("memo index " + std::to_string(idx) + " exceeds the limit");
    if (idx >= m_memo.size()) {
        if (idx > m_memo.size() + 65536)
            fail("memo index " + std::to_string(idx) + " is far beyond the memo size");
        m_memo.resize(idx + 1, nullptr);
    }
    m_memo[idx] = o;
}
const PyObject *Unpickler::memoGet(uint64_t idx) const
{
    if (idx >= m_memo.size() || !m_memo[idx])
        fail("memo key " + std::to_string(idx) + " was never stored");
    return m_memo[idx];
}

const PyObject *Unpickler::global(const std::string &module, const std::string &name)
{
    if (module.size() > 256 || name.size() > 256)
        fail("global name too long");
    auto o = m_arena.make(PyObject::Type::Global);
    o->text = module + "." + name;
    return o;
}

namespace {
void appendUtf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80)
        out.push_back(static_cast<char>(cp));
    else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/// Protocol 0's UNICODE argument is raw-unicode-escape: bytes are Latin-1 code points, and \uXXXX / \UXXXXXXXX
/// (after an odd run of backslashes) are escapes; CPython writes '\n' and '\\' that way. Returns UTF-8, or
/// nullopt for a malformed escape.
std::optional<std::string> decodeRawUnicodeEscape(const std::string &in)
{
    std::string out;
    for (std::size_t i = 0; i < in.size();) {
        if (in[i] != '\\') {
            appendUtf8(out, static_cast<unsigned char>(in[i++]));
            continue;
        }
        std::size_t run = 0;
        while (i < in.size() && in[i] == '\\') {
            ++run;
            ++i;
        }
        const bool escape = (run & 1) && i < in.size() && (in[i] == 'u' || in[i] == 'U');
        out.append(escape ? run - 1 : run, '\\');
        if (!escape)
            continue;
        const std::size_t digits = in[i] == 'u' ? 4 : 8;
        ++i;
        if (in.size() - i < digits)
            return std::nullopt;
        uint32_t cp = 0;
        for (std::size_t k = 0; k < digits; ++k) {
            const int d = hexDigit(in[i + k]);
            if (d < 0)
                return std::nullopt;
            cp = cp << 4 | uint32_t(d);
        }
        if (cp > 0x10ffff)
            return std::nullopt;
        appendUtf8(out, cp);
        i += digits;
    }
    return out;
}

/// Protocol 0's STRING argument is repr() of a (Python 2) str: quoted, with backslash escapes.
std::optional<std::string> decodeStringLiteral(const std::string &s)
{
    if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
        return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] != '\\' || i + 2 >= s.size()) {
            out.push_back(s[i]);
            continue;
        }
        const char c = s[++i];
        switch (c) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '\\': case '\'': case '"': out.push_back(c); break;
        case 'x': {
            const int h = i + 2 < s.size() - 1 ? hexDigit(s[i + 1]) : -1, l = h >= 0 ? hexDigit(s[i + 2]) : -1;
            if (l < 0)
                return std::nullopt;
            out.push_back(static_cast<char>(h << 4 | l));
            i += 2;
            break;
        }
        default:
            if (c >= '0' && c <= '7') { // up to three octal digits
                int v = 0, n = 0;
                for (; n < 3 && i + 1 < s.size() && s[i] >= '0' && s[i] <= '7'; ++n, ++i)
                    v = v * 8 + (s[i] - '0');
                --i;
                out.push_back(static_cast<char>(v & 0xff));
            } else { // unknown escapes stay as written
                out.push_back('\\');
                out.push_back(c);
            }
        }
    }
    return out;
}

/// The container an opcode makes: EMPTY_TUPLE / TUPLE, EMPTY_LIST / LIST, EMPTY_DICT, EMPTY_SET / FROZENSET.
PyObject::Type containerType(uint8_t op)
{
    switch (op) {
    case ')':
    case 't':
        return PyObject::Type::Tuple;
    case ']':
    case 'l':
        return PyObject::Type::List;
    case '}':
        return PyObject::Type::Dict;
    default:
        return PyObject::Type::Set;
    }
}

} // namespace

void Unpickler::setItems(const PyObject *dict, const std::vector<const PyObject *> &kv)
{
    if (!dict || (dict->type != PyObject::Type::Dict && dict->type != PyObject::Type::Object))
        fail("SETITEM on a value that is not a dict: " + describe(dict));
    if (kv.size() % 2)
        fail("SETITEMS with an odd number of values");
    auto d = const_cast<PyObject *>(dict);
    // Keys index per dict, so that a dict of n keys costs O(n) and not O(n^2) (a scan of all keys per insert took
    // 4 minutes on 100,000 keys). Built on the first SETITEM from what the dict already holds; only string and int
    // keys replace an earlier value (as Python would), every other key is appended.
    auto keyOf = [](const PyObject *k, std::string &out) {
        if (!k || (k->type != PyObject::Type::String && k->type != PyObject::Type::Int))
            return false;
        out.assign(1, k->type == PyObject::Type::String ? 's' : 'i');
        if (k->type == PyObject::Type::String)
            out += k->text;
        else
            out.append(reinterpret_cast<const char *>(&k->integer), sizeof k->integer);
        return true;
    };
    auto [it, fresh] = m_dictKeys.try_emplace(dict);
    auto &index = it->second;
    std::string key;
    if (fresh)
        for (std::size_t i = 0; i < d->entries.size(); ++i)
            if (keyOf(d->entries[i].first, key))
                index.try_emplace(key, i);
    for (std::size_t i = 0; i < kv.size(); i += 2) {
        if (!keyOf(kv[i], key)) {
            d->entries.emplace_back(kv[i], kv[i + 1]);
            continue;
        }
        auto [at, added] = index.try_emplace(key, d->entries.size());
        if (added)
            d->entries.emplace_back(kv[i], kv[i + 1]);
        else
            d->entries[at->second].second = kv[i + 1];
    }
}

void Unpickler::build(const PyObject *obj, const PyObject *state)
{
    if (!obj)
        fail("BUILD on nothing");
    if (obj->type == PyObject::Type::Object) {
        const PyObject *dictState = state;
        if (state && state->type == PyObject::Type::Tuple && state->items.size() == 2)
            dictState = state->items[0] ? state->items[0] : state->items[1];
        if (dictState && dictState->type == PyObject::Type::Dict)
            setItems(obj, [&] {
                std::vector<const PyObject *> kv;
                for (auto &[k, v] : dictState->entries) {
                    kv.push_back(k);
                    kv.push_back(v);
                }
                return kv;
            }());
        return;
    }
    // OrderedDict._metadata, tensor state and the like carry nothing QuantLens needs.
    if (obj->type == PyObject::Type::Dict || obj->type == PyObject::Type::Tensor)
        return;
    fail("BUILD on an unsupported value " + describe(obj));
}

const PyObject *Unpickler::load()
{
    m_stack.clear();
    m_marks.clear();
    m_memo.clear();
    const std::size_t maxObjects =
        std::min(m_limits.maxObjects,
                 m_arena.size() + 65536 + m_data.size() / std::max<std::size_t>(1, m_limits.minBytesPerObject));
    while (true) {
        if (m_arena.size() > maxObjects)
            fail("creates more than " + std::to_string(maxObjects) + " objects from " + std::to_string(m_data.size()) +
                 " bytes (a pickle bomb, or a limit to raise in PickleLimits)");
        const uint8_t op = u8();
        switch (op) {
        case 0x80: { // PROTO
            const uint8_t v = u8();
            if (v > 5)
                fail("unsupported pickle protocol " + std::to_string(v));
            break;
        }
        case 0x95: // FRAME: a length prefix only, frames are read transparently
            u64();
            break;
        case '.': { // STOP
            if (m_stack.empty())
                fail("STOP with an empty stack");
            return m_stack.back();
        }
        case '(':
            if (m_marks.size() >= m_limits.maxMarks)
                fail("MARKs nested deeper than " + std::to_string(m_limits.maxMarks));
            m_marks.push_back(m_stack.size());
            break;
        case '0':
            pop();
            break;
        case '1':
            popMark();
            break;
        case '2':
            push(top());
            break;
        case 'N':
            push(m_arena.make(PyObject::Type::None));
            break;
        case 0x88:
        case 0x89:
            push(makeBool(op == 0x88));
            break;
        case 'J': // BININT: signed 4 bytes; BININT1, BININT2: unsigned 1 and 2 bytes
        case 'K':
        case 'M':
            push(makeInt(op == 'J' ? int64_t(static_cast<int32_t>(u32())) : op == 'K' ? u8() : u16()));
            break;
        case 0x8a: {
            const uint8_t n = u8();
            push(makeLong(take(n)));
            break;
        }
        case 0x8b: {
            const uint32_t n = u32();
            push(makeLong(take(n)));
            break;
        }
        case 'I':
        case 'L': {
            std::string s = line();
            if (op == 'I' && (s == "00" || s == "01")) {
                push(makeBool(s == "01"));
                break;
            }
            if (!s.empty() && s.back() == 'L')
                s.pop_back();
            try {
                std::size_t used = 0;
                const long long v = std::stoll(s, &used, 10);
                if (used != s.size())
                    fail("bad integer literal '" + s + "'");
                push(makeInt(v));
            } catch (const std::logic_error &) {
                fail("bad integer literal '" + s.substr(0, 40) + "'");
            }
            break;
        }
        case 'F': {
            const std::string s = line();
            // from_chars, not strtod: strtod follows LC_NUMERIC, which the GUI sets to the user's locale
            // (a German locale would read "0.5" as 0).
            double v = 0.0;
            const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || end != s.data() + s.size())
                fail("bad float literal '" + s.substr(0, 40) + "'");
            push(makeFloat(v));
            break;
        }
        case 'G': {
            auto b = take(8);
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i)
                bits = (bits << 8) | uint64_t(b[i]); // big endian
            double v;
            std::memcpy(&v, &bits, 8);
            push(makeFloat(v));
            break;
        }
        case 'X':
        case 0x8c:
        case 0x8d: {
            const uint64_t n = op == 'X' ? u32() : op == 0x8c ? u8() : u64();
            auto b = take(n);
            push(makeString(std::string(reinterpret_cast<const char *>(b.data()), b.size())));
            break;
        }
        case 'V': { // raw-unicode-escape
            auto s = decodeRawUnicodeEscape(line());
            if (!s)
                fail("bad \\u escape in a UNICODE literal");
            push(makeString(std::move(*s)));
            break;
        }
        case 'S': { // repr of a str, quoted
            auto s = decodeStringLiteral(line());
            if (!s)
                fail("bad STRING literal");
            push(makeString(std::move(*s)));
            break;
        }
        case 'T':
        case 'U':
        case 'B':
        case 'C':
        case 0x8e:
        case 0x96: {
            const uint64_t n = (op == 'U' || op == 'C') ? u8() : (op == 'T' || op == 'B') ? u32() : u64();
            auto b = take(n);
            push(makeString(std::string(reinterpret_cast<const char *>(b.data()), b.size()),
                            (op == 'T' || op == 'U') ? PyObject::Type::String : PyObject::Type::Bytes));
            break;
        }
        case ')':  // EMPTY_TUPLE
        case ']':  // EMPTY_LIST
        case '}':  // EMPTY_DICT
        case 0x8f: // EMPTY_SET
            push(m_arena.make(containerType(op)));
            break;
        case 't':  // TUPLE
        case 'l':  // LIST
        case 0x91: // FROZENSET
            push(makeSequence(containerType(op), popMark()));
            break;
        case 0x85:
        case 0x86:
        case 0x87: {
            std::vector<const PyObject *> items(op - 0x84);
            for (auto it = items.rbegin(); it != items.rend(); ++it)
                *it = pop();
            push(makeSequence(PyObject::Type::Tuple, std::move(items)));
            break;
        }
        case 'a': {
            auto v = pop();
            auto l = top();
            if (l->type != PyObject::Type::List)
                fail("APPEND to a value that is not a list: " + describe(l));
            const_cast<PyObject *>(l)->items.push_back(v);
            break;
        }
        case 'e': {
            const auto items = popMark();
            extendTop(PyObject::Type::List, items, "APPENDS");
            break;
        }
        case 'd': {
            auto kv = popMark();
            auto d = m_arena.make(PyObject::Type::Dict);
            setItems(d, kv);
            push(d);
            break;
        }
        case 's': {
            auto v = pop();
            auto k = pop();
            setItems(top(), {k, v});
            break;
        }
        case 'u': {
            auto kv = popMark();
            setItems(top(), kv);
            break;
        }
        case 0x90: {
            const auto items = popMark();
            extendTop(PyObject::Type::Set, items, "ADDITEMS");
            break;
        }
        case 'p':
            memoPut(memoIndexLine("PUT"), top());
            break;
        case 'q':
            memoPut(u8(), top());
            break;
        case 'r':
            memoPut(u32(), top());
            break;
        case 0x94:
            memoPut(m_memo.size(), top());
            break;
        case 'g':
            push(memoGet(memoIndexLine("GET")));
            break;
        case 'h': // BINGET, LONG_BINGET: 1- and 4-byte memo index
        case 'j':
            push(memoGet(op == 'h' ? u8() : u32()));
            break;
        case 'c': {
            const std::string module = line();
            const std::string name = line();
            push(global(module, name));
            break;
        }
        case 0x93: {
            auto name = pop();
            auto module = pop();
            if (!module->isString() || !name->isString())
                fail("STACK_GLOBAL needs two strings");
            push(global(module->text, name->text));
            break;
        }
        case 'R': {
            auto args = pop();
            auto callable = pop();
            push(call(callable, args));
            break;
        }
        case 0x81:   // NEWOBJ: cls.__new__(cls, *args) -- creates, runs no __init__
        case 0x92: { // NEWOBJ_EX
            const PyObject *kwargs = op == 0x92 ? pop() : nullptr;
            (void)kwargs;
            auto args = pop();
            auto cls = pop();
            if (cls->type != PyObject::Type::Global)
                fail("NEWOBJ on a value that is not a class: " + describe(cls));
            if (cls->text == "collections.OrderedDict") {
                push(m_arena.make(PyObject::Type::Dict));
                break;
            }
            auto o = m_arena.make(PyObject::Type::Object);
            o->text = cls->text;
            if (args && args->type == PyObject::Type::Tuple)
                o->items = args->items;
            push(o);
            break;
        }
        case 'i': { // INST module name: calls the class
            const std::string module = line();
            const std::string name = line();
            push(call(global(module, name), makeSequence(PyObject::Type::Tuple, popMark())));
            break;
        }
        case 'o': { // OBJ: calls the class
            auto items = popMark();
            if (items.empty())
                fail("OBJ without a class");
            push(call(items[0], makeSequence(PyObject::Type::Tuple, {items.begin() + 1, items.end()})));
            break;
        }
        case 'b': {
            auto state = pop();
            build(top(), state);
            break;
        }
        case 'P':
        case 'Q': {
            const PyObject *pid = op == 'Q' ? pop() : makeString(line());
            if (!m_loader)
                fail("persistent id without a storage loader: " + describe(pid));
            push(m_loader(pid, m_arena));
            break;
        }
        case 0x82:
        case 0x83:
        case 0x84:
            fail("extension registry opcodes (EXT1/2/4) are not supported");
        case 0x97:
        case 0x98:
            fail("out-of-band buffers (protocol 5) are not supported");
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            --m_pos;
            fail(std::string("unknown opcode ") + hex + " (not a pickle, or a corrupt one)");
        }
        }
    }
}

std::string describe(const PyObject *o, int depth)
{
    if (!o)
        return "<null>";
    using T = PyObject::Type;
    auto seq = [&](const char *open, const char *close) {
        std::string s = open;
        if (depth <= 0)
            return s + "..." + close;
        for (std::size_t i = 0; i < o->items.size() && i < 6; ++i)
            s += (i ? ", " : "") + describe(o->items[i], depth - 1);
        if (o->items.size() > 6)
            s += ", ...";
        return s + close;
    };
    switch (o->type) {
    case T::None:
        return "None";
    case T::Bool:
        return o->boolean ? "True" : "False";
    case T::Int:
        return std::to_string(o->integer);
    case T::Float:
        return std::to_string(o->real);
    case T::String: {
        // Cut on a code point and repaired: the text lands in warnings that --json prints.
        std::string quoted(1, '\''); // not "'" + substr: GCC 12 warns -Wrestrict on that (a false positive)
        quoted += validUtf8Prefix(o->text, 60);
        return quoted += '\'';
    }
    case T::Bytes:
        return "bytes[" + std::to_string(o->text.size()) + "]";
    case T::List:
        return seq("[", "]");
    case T::Tuple:
        return seq("(", ")");
    case T::Set:
        return seq("{", "}");
    case T::Dict:
        return "dict[" + std::to_string(o->entries.size()) + "]";
    case T::Global:
        return o->text;
    case T::Object:
        return o->text + "(...)";
    case T::Storage:
        return "storage '" + o->storage->key + "'";
    case T::Tensor:
        return "tensor";
    }
    return "?";
}

} // namespace ql
