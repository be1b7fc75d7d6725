#include "base/namematch.h"

#include "base/errors.h"
#include "base/utf8.h"

#include <re2/re2.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace ql {

namespace {

// A character of a name or pattern: a code point, or 0x80000000 | byte for a byte that is not valid UTF-8 there.
using Unit = uint32_t;
constexpr Unit kRawByte = 0x80000000u;

Unit unitAt(std::string_view s, std::size_t &i)
{
    uint32_t cp = 0;
    const std::size_t n = utf8SequenceAt(s, i, cp);
    if (n == 0)
        return kRawByte | static_cast<unsigned char>(s[i++]);
    i += n;
    return cp;
}

Unit fold(Unit u, bool ci) { return ci && u >= 'A' && u <= 'Z' ? u + ('a' - 'A') : u; }

bool inClass(std::string_view name, Unit u)
{
    if (u >= 0x80)
        return false;
    const int c = static_cast<int>(u);
    if (name == "alnum") return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (name == "alpha") return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (name == "blank") return c == ' ' || c == '\t';
    if (name == "cntrl") return c < 0x20 || c == 0x7f;
    if (name == "digit") return c >= '0' && c <= '9';
    if (name == "graph") return c > 0x20 && c < 0x7f;
    if (name == "lower") return c >= 'a' && c <= 'z';
    if (name == "print") return c >= 0x20 && c < 0x7f;
    if (name == "punct") return c > 0x20 && c < 0x7f && !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
    if (name == "space") return c == ' ' || (c >= '\t' && c <= '\r');
    if (name == "upper") return c >= 'A' && c <= 'Z';
    if (name == "xdigit") return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    return false;
}

bool knownClass(std::string_view name)
{
    static const char *const kNames[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                         "lower", "print", "punct", "space", "upper", "xdigit"};
    for (const char *n : kNames)
        if (name == n)
            return true;
    return false;
}

// One element of a compiled glob.
struct Token
{
    enum Kind { Literal, AnyOne, Star, Set } kind;
    Unit unit = 0;                              // Literal
    bool negated = false;                       // Set
    std::vector<std::pair<Unit, Unit>> ranges;  // Set: inclusive ranges (a single character is [c, c])
    std::vector<std::string_view> classes;      // Set: [:name:]
};

// Whether p[i..] is a class name as glibc reads one: letters 'a' to 'y' (its test is c < 'z') up to ":]".
bool looksLikeClass(std::string_view p, std::size_t i)
{
    for (; i + 1 < p.size(); ++i) {
        if (p[i] == ':' && p[i + 1] == ']')
            return true;
        if (p[i] < 'a' || p[i] >= 'z')
            return false;
    }
    return false;
}

// Parses the bracket expression whose '[' is at pattern[i]; on success `i` is past its ']'. Returns false when it
// has no closing ']' (then fnmatch takes the '[' literally) and sets `invalid` for an unknown class name.
bool parseSet(std::string_view p, std::size_t &i, Token &t, bool &invalid)
{
    std::size_t j = i + 1;
    if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
        t.negated = true;
        ++j;
    }
    bool first = true;
    while (j < p.size()) {
        if (p[j] == ']' && !first) {
            i = j + 1;
            return true;
        }
        first = false;
        Unit lo;
        if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':' && !looksLikeClass(p, j + 2)) {
            lo = '['; // glibc: "[:" not followed by a lower-case name and ":]" is a plain '['
            ++j;
        } else if (p[j] == '[' && j + 1 < p.size() && (p[j + 1] == ':' || p[j + 1] == '=' || p[j + 1] == '.')) {
            const char delim = p[j + 1];
            const std::size_t end = p.find(std::string{delim, ']'}, j + 2);
            if (end == std::string_view::npos)
                return false;
            const std::string_view inner = p.substr(j + 2, end - j - 2);
            j = end + 2;
            if (delim == ':') {
                if (!knownClass(inner))
                    invalid = true;
                t.classes.push_back(inner);
                continue;
            }
            std::size_t k = 0; // [=c=] and [.c.]: one character stands for itself
            if (inner.empty())
                return false;
            lo = unitAt(inner, k);
            if (k != inner.size())
                invalid = true;
        } else {
            if (p[j] == '\\' && j + 1 < p.size())
                ++j;
            lo = unitAt(p, j);
        }
        Unit hi = lo;
        if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
            ++j;
            if (p[j] == '\\' && j + 1 < p.size())
                ++j;
            hi = unitAt(p, j);
        }
        t.ranges.emplace_back(lo, hi);
    }
    return false;
}

std::vector<Token> compileGlob(std::string_view p, bool &invalid)
{
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < p.size()) {
        Token t{Token::Literal};
        if (p[i] == '*') {
            ++i;
            if (out.empty() || out.back().kind != Token::Star) // "**" is "*": keeps the backtracking bound tight
                out.push_back({Token::Star});
            continue;
        }
        if (p[i] == '?') {
            ++i;
            out.push_back({Token::AnyOne});
            continue;
        }
        if (p[i] == '[') {
            Token s{Token::Set};
            std::size_t j = i;
            if (parseSet(p, j, s, invalid)) {
                i = j;
                out.push_back(std::move(s));
                continue;
            }
            t.unit = '[';
            ++i;
        } else if (p[i] == '\\') {
            if (++i == p.size()) {
                invalid = true; // fnmatch: a pattern ending in a lone '\' matches nothing
                break;
            }
            t.unit = unitAt(p, i);
        } else {
            t.unit = unitAt(p, i);
        }
        out.push_back(std::move(t));
    }
    return out;
}

bool tokenMatches(const Token &t, Unit u, bool ci)
{
    switch (t.kind) {
    case Token::Literal:
        return fold(t.unit, ci) == fold(u, ci);
    case Token::AnyOne:
        return true;
    case Token::Set: {
        bool hit = false;
        const Unit f = fold(u, ci);
        for (const auto &[lo, hi] : t.ranges)
            if ((u >= lo && u <= hi) || (ci && f >= fold(lo, ci) && f <= fold(hi, ci)))
                hit = true;
        for (const auto &c : t.classes)
            if (inClass(c, u) || (ci && (c == "lower" || c == "upper") && inClass("alpha", u)))
                hit = true;
        return hit != t.negated;
    }
    case Token::Star:
        break;
    }
    return false;
}

} // namespace

bool globMatch(std::string_view pattern, std::string_view name, bool caseInsensitive)
{
    bool invalid = false;
    const std::vector<Token> toks = compileGlob(pattern, invalid);
    if (invalid)
        return false;
    std::vector<Unit> units;
    units.reserve(name.size());
    for (std::size_t i = 0; i < name.size();)
        units.push_back(unitAt(name, i));

    // Greedy match with one backtrack point, the last '*' seen: since every other token takes exactly one character,
    // retrying from the latest star alone is complete (an earlier star could only absorb what this one can).
    std::size_t t = 0, n = 0;
    std::size_t starTok = SIZE_MAX, starName = 0;
    while (n < units.size()) {
        if (t < toks.size() && toks[t].kind == Token::Star) {
            starTok = t++;
            starName = n;
        } else if (t < toks.size() && tokenMatches(toks[t], units[n], caseInsensitive)) {
            ++t;
            ++n;
        } else if (starTok != SIZE_MAX) {
            t = starTok + 1;
            n = ++starName;
        } else {
            return false;
        }
    }
    while (t < toks.size() && toks[t].kind == Token::Star)
        ++t;
    return t == toks.size();
}

struct NameMatcher::Regex
{
    explicit Regex(const std::string &pattern, bool ci)
        : re(pattern, options(ci))
    {
    }
    static RE2::Options options(bool ci)
    {
        RE2::Options o;
        o.set_log_errors(false);
        o.set_case_sensitive(!ci);
        o.set_max_mem(64 << 20); // a pattern whose automaton needs more is refused, not built
        return o;
    }
    RE2 re;
};

NameMatcher::NameMatcher(std::string pattern, Syntax syntax, bool caseInsensitive)
    : m_pattern(std::move(pattern))
    , m_syntax(syntax)
    , m_caseInsensitive(caseInsensitive)
{
    if (syntax != Syntax::Regex)
        return;
    m_regex = std::make_unique<Regex>(m_pattern, caseInsensitive);
    if (!m_regex->re.ok())
        throw Error(ErrorKind::Usage, "not a valid regular expression (RE2 syntax): " + m_regex->re.error());
}

NameMatcher::NameMatcher(NameMatcher &&) noexcept = default;
NameMatcher &NameMatcher::operator=(NameMatcher &&) noexcept = default;
NameMatcher::~NameMatcher() = default;

bool NameMatcher::matches(std::string_view name) const
{
    switch (m_syntax) {
    case Syntax::Glob:
        return globMatch(m_pattern, name, m_caseInsensitive);
    case Syntax::Substring: {
        if (!m_caseInsensitive)
            return name.find(m_pattern) != std::string_view::npos;
        auto lower = [](std::string_view s) {
            std::string o(s);
            for (char &c : o)
                c = static_cast<char>(fold(static_cast<unsigned char>(c), true));
            return o;
        };
        return lower(name).find(lower(m_pattern)) != std::string::npos;
    }
    case Syntax::Regex: {
        // RE2 reads the text as UTF-8: a name with bytes that are not is matched with each such byte as U+FFFD, so
        // '.' still steps over it.
        std::string repaired;
        std::size_t i = 0;
        bool valid = true;
        for (uint32_t cp; i < name.size();) {
            const std::size_t n = utf8SequenceAt(name, i, cp);
            if (n == 0) {
                valid = false;
                break;
            }
            i += n;
        }
        if (!valid) {
            repaired.reserve(name.size() + 8);
            for (std::size_t k = 0; k < name.size();) {
                uint32_t cp;
                const std::size_t n = utf8SequenceAt(name, k, cp);
                if (n == 0) {
                    repaired += "\xEF\xBF\xBD";
                    ++k;
                } else {
                    repaired.append(name.substr(k, n));
                    k += n;
                }
            }
            name = repaired;
        }
        return RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), m_regex->re);
    }
    }
    return false;
}

} // namespace ql
