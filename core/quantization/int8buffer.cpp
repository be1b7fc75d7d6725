#include "quantization/int8buffer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace ql {

Int8Buffer Int8Buffer::copyOf(std::span<const int8_t> bytes, std::vector<uint64_t> cuts)
{
    cuts.push_back(0);
    cuts.push_back(bytes.size());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    Int8Buffer b;
    for (std::size_t i = 0; i + 1 < cuts.size() && cuts[i + 1] <= bytes.size(); ++i)
        b.append(std::make_shared<const std::vector<int8_t>>(bytes.begin() + std::ptrdiff_t(cuts[i]),
                                                             bytes.begin() + std::ptrdiff_t(cuts[i + 1])));
    return b;
}

void Int8Buffer::append(Piece piece)
{
    if (!piece || piece->empty())
        return;
    const uint64_t n = piece->size();
    m_pieces.push_back({m_size, std::move(piece)});
    m_size += n;
}

std::size_t Int8Buffer::indexOf(uint64_t offset) const
{
    auto it = std::upper_bound(m_pieces.begin(), m_pieces.end(), offset,
                               [](uint64_t o, const Entry &e) { return o < e.offset; });
    return std::size_t(it - m_pieces.begin()) - 1; // the first piece starts at 0, so it != begin() for any offset
}

Int8Buffer::Piece Int8Buffer::pieceAt(uint64_t offset) const
{
    return offset < m_size ? m_pieces[indexOf(offset)].bytes : nullptr;
}

std::span<const int8_t> Int8Buffer::span(uint64_t offset, uint64_t size) const
{
    if (size == 0 || offset >= m_size || size > m_size - offset)
        return {};
    const Entry &e = m_pieces[indexOf(offset)];
    if (offset + size > e.offset + e.bytes->size())
        return {};
    return {e.bytes->data() + (offset - e.offset), std::size_t(size)};
}

int8_t Int8Buffer::operator[](uint64_t offset) const
{
    const Entry &e = m_pieces[indexOf(offset)];
    return (*e.bytes)[std::size_t(offset - e.offset)];
}

void Int8Buffer::forEachSegment(uint64_t offset, uint64_t size, const std::function<void(const Segment &)> &f) const
{
    if (offset > m_size || size > m_size - offset)
        throw std::out_of_range("INT8 bytes [" + std::to_string(offset) + ", +" + std::to_string(size) +
                                ") past the end of the buffer (" + std::to_string(m_size) + " bytes)");
    if (size == 0)
        return;
    for (std::size_t i = indexOf(offset); size > 0; ++i) {
        const Entry &e = m_pieces[i];
        const uint64_t skip = offset - e.offset;
        const uint64_t n = std::min<uint64_t>(size, e.bytes->size() - skip);
        f({offset, {e.bytes->data() + skip, std::size_t(n)}});
        offset += n;
        size -= n;
    }
}

void Int8Buffer::copyRange(uint64_t offset, uint64_t size, int8_t *out) const
{
    forEachSegment(offset, size, [&](const Segment &s) {
        std::memcpy(out, s.bytes.data(), s.bytes.size());
        out += s.bytes.size();
    });
}

std::vector<int8_t> Int8Buffer::flat() const
{
    std::vector<int8_t> v(m_size);
    copyRange(0, m_size, v.data());
    return v;
}

void Int8Buffer::replace(uint64_t offset, std::vector<int8_t> bytes)
{
    if (!bytes.empty()) // an empty tensor has no piece
        replace(offset, std::make_shared<const std::vector<int8_t>>(std::move(bytes)));
}

void Int8Buffer::replace(uint64_t offset, Piece piece)
{
    if (!piece || piece->empty())
        return;
    const std::size_t i = offset < m_size ? indexOf(offset) : m_pieces.size();
    if (i == m_pieces.size() || m_pieces[i].offset != offset || m_pieces[i].bytes->size() != piece->size())
        throw std::invalid_argument("no INT8 piece spans [" + std::to_string(offset) + ", +" +
                                    std::to_string(piece->size()) + ")");
    m_pieces[i].bytes = std::move(piece);
}

uint64_t Int8Buffer::storageOf(std::initializer_list<const Int8Buffer *> buffers)
{
    std::unordered_set<const void *> seen;
    uint64_t n = 0;
    for (const Int8Buffer *b : buffers)
        if (b)
            for (const Entry &e : b->m_pieces)
                if (seen.insert(e.bytes.get()).second)
                    n += e.bytes->size();
    return n;
}

bool operator==(const Int8Buffer &a, const Int8Buffer &b)
{
    if (a.m_size != b.m_size)
        return false;
    bool same = true;
    a.forEachSegment(0, a.m_size, [&](const Int8Buffer::Segment &s) {
        if (!same)
            return;
        b.forEachSegment(s.offset, s.bytes.size(), [&](const Int8Buffer::Segment &t) {
            same = same && std::memcmp(t.bytes.data(), s.bytes.data() + (t.offset - s.offset), t.bytes.size()) == 0;
        });
    });
    return same;
}

} // namespace ql
