#pragma once
#include <cstdio>
#include <string>

namespace ql {

/// One number through a printf format ("%.2f", "%.3g", ...): the text the reports and advice print.
inline std::string fmt(const char *format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

} // namespace ql
