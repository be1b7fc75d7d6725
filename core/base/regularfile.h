#pragma once
// Bounded reads of files the user points at: only regular files (a FIFO would block forever, /dev/zero or
// /dev/urandom never end, a folder has no bytes), and only up to a stated size, checked before anything is read.
#include <cstdint>
#include <filesystem>
#include <string>

namespace ql {

/// Size of `path` if it is a regular file (symlinks followed); otherwise throws an input Error naming the file and
/// what it is instead ("is a FIFO", "is a directory", ...). Never opens the file, so it cannot block.
uint64_t regularFileSize(const std::filesystem::path &path);

/// The whole of a regular file of at most `maxBytes` (else an input Error naming the file, its size and the limit,
/// called `what` in the message, e.g. "manifest.json limit"). Opened non-blocking and checked again after opening,
/// so a file swapped for a FIFO in between cannot hang the read either.
std::string readRegularFile(const std::filesystem::path &path, uint64_t maxBytes, const std::string &what);

} // namespace ql
