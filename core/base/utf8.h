#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ql {

/// Length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), with its code point in `cp`; 0 when the bytes
/// there are not UTF-8 (a stray continuation byte, a truncated sequence, an overlong form, a surrogate, or a code
/// point beyond U+10FFFF).
inline std::size_t utf8SequenceAt(std::string_view s, std::size_t i, uint32_t &cp)
{
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t j = 1; j < n; ++j) {
        const auto cc = static_cast<unsigned char>(s[i + j]);
        if ((cc & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/// `s` as valid UTF-8, keeping at most `maxBytes` bytes of it (cut before a code point, never inside one); every byte
/// that is not part of a well-formed sequence becomes U+FFFD. Text that reaches JSON output goes through this, since
/// nlohmann's dump() throws (type_error.316) on invalid UTF-8.
inline std::string validUtf8Prefix(std::string_view s, std::size_t maxBytes = std::string::npos)
{
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        const std::size_t n = utf8SequenceAt(s, i, cp);
        const std::string_view piece = n ? s.substr(i, n) : std::string_view("\xef\xbf\xbd");
        if (out.size() + piece.size() > maxBytes)
            break;
        out += piece;
        i += n ? n : 1;
    }
    return out;
}

/// `s` cut to at most `maxBytes` bytes before a UTF-8 code point and marked "..." when cut: quoting in a message.
inline std::string clipUtf8(const std::string &s, std::size_t maxBytes)
{
    if (s.size() <= maxBytes)
        return s;
    std::size_t n = maxBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
        --n;
    return s.substr(0, n) + "...";
}

/// Text made valid UTF-8 for JSON output (no length limit).
inline std::string toValidUtf8(std::string_view s) { return validUtf8Prefix(s); }

} // namespace ql
