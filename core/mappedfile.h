#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace ql {

/// A read-only memory map of a whole file; the bytes stay valid while any copy of the shared_ptr lives.
class MappedFile
{
public:
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path &path);
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const std::byte *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    const std::filesystem::path &path() const { return m_path; }

    /// Tells the kernel the given range will not be needed again, so its pages (all it touches) leave our RSS; a later
    /// read of them, or of data sharing them, maps them again from the page cache.
    void release(const std::byte *begin, std::size_t length) const;

private:
    MappedFile() = default;
    std::filesystem::path m_path;
    const std::byte *m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace ql
