#pragma once
#include "base/errors.h"

#include <exception>
#include <string>
#include <string_view>

namespace ql {

/// Nesting accepted in JSON read from files. nlohmann's parser is iterative, but dump(), copies and comparisons
/// recurse: a 10^6-deep document that parses fine would overflow the stack when the manifest is written.
constexpr int kMaxJsonDepth = 256;

/// Throws an input Error naming `file` when `text` nests arrays/objects deeper than kMaxJsonDepth.
/// A linear scan that skips strings; call it before parsing.
inline void checkJsonDepth(std::string_view text, const std::string &file)
{
    int depth = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"')
            inString = true;
        else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                throw inputError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", file);
        } else if (c == ']' || c == '}')
            --depth;
    }
}

/// nlohmann's exception text without its "[json.exception.parse_error.101] " prefix (a library detail, not the user's
/// business): "parse error at line 1, column 2: syntax error ...". Callers put the file and the field around it.
inline std::string jsonErrorText(const std::exception &e)
{
    std::string what = e.what();
    if (what.rfind("[json.exception.", 0) == 0)
        if (const auto close = what.find("] "); close != std::string::npos)
            return what.substr(close + 2);
    return what;
}

} // namespace ql
