#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace ql {

/// nlohmann's ordered_map (a vector of pairs in insertion order, so written JSON keeps its key order) with a hash
/// index of positions once an object has kIndexFrom keys: ordered_map searched every key linearly, so parsing or
/// building an object of n keys cost O(n^2) (a safetensors header of 200,000 entries took 8 minutes, a manifest of
/// 100,000 tensors more than 20 s). Every mutator basic_json calls keeps the index complete, so const lookups
/// never write (a Json may be read from several threads). Iteration, and so every byte written, is unchanged.
template <class Key, class T, class IgnoredLess = std::less<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>>
struct IndexedOrderedMap : std::vector<std::pair<const Key, T>, Allocator>
{
    using key_type = Key;
    using mapped_type = T;
    using Container = std::vector<std::pair<const Key, T>, Allocator>;
    using iterator = typename Container::iterator;
    using const_iterator = typename Container::const_iterator;
    using size_type = typename Container::size_type;
    using value_type = typename Container::value_type;
    using key_compare = std::equal_to<>;
    /// Objects smaller than this are searched linearly (cheaper than hashing, and no index memory for the many
    /// small objects of a manifest).
    static constexpr size_type kIndexFrom = 12;

    IndexedOrderedMap() noexcept(noexcept(Container())) : Container{} {}
    explicit IndexedOrderedMap(const Allocator &alloc) noexcept(noexcept(Container(alloc))) : Container{alloc} {}
    template <class It>
    IndexedOrderedMap(It first, It last, const Allocator &alloc = Allocator())
        : Container{alloc}
    {
        insert(first, last);
    }
    IndexedOrderedMap(std::initializer_list<value_type> init, const Allocator &alloc = Allocator())
        : Container{alloc}
    {
        insert(init.begin(), init.end());
    }

    template <class K>
    std::pair<iterator, bool> emplace(K &&key, T &&t)
    {
        if (const size_type i = position(std::string_view(key)); i != npos)
            return {this->begin() + i, false};
        Container::emplace_back(std::forward<K>(key), std::forward<T>(t));
        indexLast();
        return {std::prev(this->end()), true};
    }
    template <class K>
    T &operator[](K &&key)
    {
        return emplace(std::forward<K>(key), T{}).first->second;
    }
    template <class K>
    const T &operator[](K &&key) const
    {
        return at(std::forward<K>(key));
    }
    template <class K>
    T &at(K &&key)
    {
        const size_type i = position(std::string_view(key));
        if (i == npos)
            throw std::out_of_range("key not found");
        return (*this)[i].second;
    }
    template <class K>
    const T &at(K &&key) const
    {
        const size_type i = position(std::string_view(key));
        if (i == npos)
            throw std::out_of_range("key not found");
        return Container::operator[](i).second;
    }
    template <class K>
    size_type count(K &&key) const
    {
        return position(std::string_view(key)) == npos ? 0 : 1;
    }
    template <class K>
    iterator find(K &&key)
    {
        const size_type i = position(std::string_view(key));
        return i == npos ? this->end() : this->begin() + i;
    }
    template <class K>
    const_iterator find(K &&key) const
    {
        const size_type i = position(std::string_view(key));
        return i == npos ? this->end() : this->begin() + i;
    }
    template <class K, std::enable_if_t<!std::is_same_v<std::decay_t<K>, iterator> &&
                                            !std::is_same_v<std::decay_t<K>, const_iterator>, int> = 0>
    size_type erase(K &&key)
    {
        const size_type i = position(std::string_view(key));
        if (i == npos)
            return 0;
        erase(this->begin() + i);
        return 1;
    }
    iterator erase(iterator pos) { return erase(pos, std::next(pos)); }
    iterator erase(iterator first, iterator last)
    {
        if (first == last)
            return first;
        const auto affected = std::distance(first, last);
        const auto offset = std::distance(Container::begin(), first);
        // Keys are const: re-construct the following elements in place, as ordered_map does.
        for (auto it = first; std::next(it, affected) != Container::end(); ++it) {
            it->~value_type();
            new (&*it) value_type{std::move(*std::next(it, affected))};
        }
        Container::resize(this->size() - static_cast<size_type>(affected));
        reindex();
        return Container::begin() + offset;
    }
    void clear() noexcept
    {
        Container::clear();
        m_slots.clear();
    }
    std::pair<iterator, bool> insert(value_type &&value) { return emplace(value.first, std::move(value.second)); }
    std::pair<iterator, bool> insert(const value_type &value)
    {
        if (const size_type i = position(std::string_view(value.first)); i != npos)
            return {this->begin() + i, false};
        Container::push_back(value);
        indexLast();
        return {std::prev(this->end()), true};
    }
    template <typename InputIt,
              typename = std::enable_if_t<std::is_convertible_v<
                  typename std::iterator_traits<InputIt>::iterator_category, std::input_iterator_tag>>>
    void insert(InputIt first, InputIt last)
    {
        for (auto it = first; it != last; ++it)
            insert(*it);
    }

private:
    static constexpr size_type npos = size_type(-1);

    static std::size_t hashOf(std::string_view k) { return std::hash<std::string_view>{}(k); }

    size_type position(std::string_view key) const
    {
        if (m_slots.empty()) {
            for (size_type i = 0; i < this->size(); ++i)
                if (std::string_view(Container::operator[](i).first) == key)
                    return i;
            return npos;
        }
        const std::size_t mask = m_slots.size() - 1;
        for (std::size_t s = hashOf(key) & mask;; s = (s + 1) & mask) {
            const uint32_t v = m_slots[s];
            if (v == 0)
                return npos;
            if (std::string_view(Container::operator[](v - 1).first) == key)
                return v - 1;
        }
    }
    void place(size_type i)
    {
        const std::size_t mask = m_slots.size() - 1;
        std::size_t s = hashOf(Container::operator[](i).first) & mask;
        while (m_slots[s] != 0)
            s = (s + 1) & mask;
        m_slots[s] = static_cast<uint32_t>(i + 1);
    }
    // After an append: start the index at kIndexFrom keys, grow it at half load.
    void indexLast()
    {
        const size_type n = this->size();
        if (n < kIndexFrom)
            return;
        if (m_slots.empty() || 2 * n > m_slots.size()) {
            reindex();
            return;
        }
        place(n - 1);
    }
    void reindex()
    {
        m_slots.clear();
        const size_type n = this->size();
        if (n < kIndexFrom)
            return;
        std::size_t cap = 32;
        while (cap < 4 * n)
            cap *= 2;
        m_slots.assign(cap, 0);
        for (size_type i = 0; i < n; ++i)
            place(i);
    }

    std::vector<uint32_t> m_slots; ///< position + 1 of each key, 0 = empty; empty below kIndexFrom keys
};

/// JSON as the core reads and writes it: objects keep their insertion order (manifest keys stay in file order)
/// and find keys in constant time.
using Json = nlohmann::basic_json<IndexedOrderedMap>;

} // namespace ql
