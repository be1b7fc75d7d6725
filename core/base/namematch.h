#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace ql {

/// Shell-style glob on a whole tensor name, with fnmatch(3)'s semantics and no flags: '*' any run (also '.' and
/// '/'), '?' one character, "[a-z]", "[!x]"/"[^x]", "[[:digit:]]" (ASCII classes), '\' quotes the next character.
/// Characters are UTF-8 code points; a byte that is not part of valid UTF-8 is one character of its own. An invalid
/// pattern (a trailing '\', an unknown class) matches nothing. Iterative: O(|pattern| x |name|) time, no recursion.
bool globMatch(std::string_view pattern, std::string_view name, bool caseInsensitive = false);

/// A user-given tensor-name filter (CLI --filter/--glob, the GUI's filter box): one matcher for every front end, so
/// no pattern can crash or hang the program on any name (std::regex recursed once per character and overflowed the
/// stack on 50 kB names). Regular expressions use RE2's syntax and engine: linear time in the name, bounded memory.
class NameMatcher
{
public:
    enum class Syntax {
        Substring, ///< the name contains the text
        Glob,      ///< globMatch() on the whole name, as the overrides' "match"
        Regex,     ///< RE2 regular expression found anywhere in the name (anchor with ^...$)
    };
    /// Throws a usage Error saying what is wrong when a regular expression does not compile.
    NameMatcher(std::string pattern, Syntax syntax, bool caseInsensitive = false);
    NameMatcher(NameMatcher &&) noexcept;
    NameMatcher &operator=(NameMatcher &&) noexcept;
    ~NameMatcher();

    bool matches(std::string_view name) const;
    const std::string &pattern() const { return m_pattern; }
    Syntax syntax() const { return m_syntax; }

private:
    struct Regex;
    std::string m_pattern;
    Syntax m_syntax;
    bool m_caseInsensitive;
    std::unique_ptr<Regex> m_regex;
};

} // namespace ql
