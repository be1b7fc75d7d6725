#pragma once
// Enum -> text as one table per enum instead of a switch per name function. The table lists every enumerator once,
// in declaration order, so a lookup is an index; namesEveryEnumerator() checks that at compile time against the
// enum's `Last` alias, which stands where -Wswitch stood: a new enumerator without a name does not compile.
#include <cstddef>
#include <utility>

namespace ql {

/// One row of an enum's name table.
template <typename E>
using EnumName = std::pair<E, const char *>;

/// True when row i of `table` is enumerator i, for every enumerator of E up to E::Last: for a static_assert beside
/// each table.
template <typename E, std::size_t N>
constexpr bool namesEveryEnumerator(const EnumName<E> (&table)[N])
{
    for (std::size_t i = 0; i < N; ++i)
        if (static_cast<std::size_t>(table[i].first) != i)
            return false;
    return static_cast<std::size_t>(E::Last) + 1 == N;
}

/// The text of `value` in its table, or `fallback` for a value that is no enumerator (an integer cast to E).
template <typename E, std::size_t N>
constexpr const char *enumName(const EnumName<E> (&table)[N], E value, const char *fallback = "")
{
    const auto i = static_cast<std::size_t>(value);
    return i < N ? table[i].second : fallback;
}

} // namespace ql
