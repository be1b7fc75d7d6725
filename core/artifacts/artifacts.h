#pragma once
#include "quantization/quantize.h"

#include <filesystem>

namespace ql {

/// Writes weights_int8.bin + manifest.json of an in-memory result into dir. When the run fails (an error, a file
/// that cannot be replaced, a full disk), the folder is left exactly as it was: both files are checked replaceable
/// before the first rename, and a failed rename puts the earlier file back (commitTogether()). A crash between the
/// two renames (power loss, SIGKILL) can leave the new bin with the old manifest: `quantlens-cli verify` detects
/// that through the manifest's shard sha256 (docs/robustness.md).
void writeArtifacts(const QuantizeResult &result, const std::filesystem::path &dir);

/// Quantizes straight to dir, streaming the INT8 bytes to disk (bounded memory for large checkpoints),
/// with the same guarantee; folders it created are removed again after a failure (never a symlink the user made).
QuantizeResult quantizeToDirectory(const Checkpoint &ck, const QuantizeOptions &options,
                                   const std::filesystem::path &dir);

/// SHA-256 of a byte range, lower-case hex (the WeightShard data_hash).
std::string sha256Hex(const void *data, std::size_t size);
/// Lower-case hex of n bytes (a digest).
std::string hexString(const unsigned char *bytes, std::size_t n);
/// SHA-256 of bytes [offset, offset + size) of an INT8 buffer (a shard), across its pieces without copying them.
std::string sha256Hex(const Int8Buffer &bytes, uint64_t offset, uint64_t size);
/// Frees the calling thread's OpenSSL state (its error queue, ~900 bytes). Call at the end of a task that hashed on
/// a pooled thread: the pool keeps the thread alive, and if it outlives OpenSSL's exit-time cleanup its state is
/// never freed (LeakSanitizer reported it intermittently in the ASan suite, depending on thread timing at exit).
void releaseHashThreadState();

} // namespace ql
