// Whole-file reads and writes for the tests (no Qt): fixtures in, generated inputs out.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace qltest {

/// The bytes of `p`; empty when it cannot be read.
inline std::string readFile(const std::filesystem::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// `bytes` as the whole of `p`.
inline void writeFile(const std::filesystem::path &p, const std::string &bytes)
{
    // Replace rather than truncate: ext4 flushes a truncated-and-rewritten file on close (auto_da_alloc), which
    // makes loops over thousands of rewrites take minutes.
    std::error_code ec;
    std::filesystem::remove(p, ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace qltest
