#include "base/program.h"

#include "base/errors.h"
#include "base/utf8.h"

#include <cerrno>
#include <malloc.h>
#include <cstdio>
#include <cstring>
#include <new>
#include <unistd.h>

namespace ql {

std::string printable(std::string_view text, bool keepLines)
{
    std::string out;
    out.reserve(text.size());
    const auto hex = [&out](unsigned char c) {
        static const char digits[] = "0123456789abcdef";
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
    };
    for (std::size_t i = 0; i < text.size();) {
        uint32_t cp = 0;
        const std::size_t n = utf8SequenceAt(text, i, cp);
        const bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); // C0, DEL, C1
        if (n == 0 || (control && !(keepLines && (cp == '\n' || cp == '\t')))) {
            hex(static_cast<unsigned char>(text[i])); // a C1 control prints as its two bytes, one at a time
            ++i;
            continue;
        }
        out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

int runGuarded(const char *program, const std::function<int()> &body)
{
    try {
        return body();
    } catch (const Error &e) {
        std::fprintf(stderr, "%s: error: %s\n", program, printable(e.what(), true).c_str());
        return exitCodeOf(e.kind());
    } catch (const std::bad_alloc &) {
        std::fprintf(stderr, "%s: error: out of memory\n", program);
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: internal error: %s\n", program, printable(e.what(), true).c_str());
        return 1;
    }
}

std::filesystem::path siblingProgram(const std::string &name)
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw Error(ErrorKind::Internal, "cannot find this program's own folder (/proc/self/exe): " + ec.message());
    return self.parent_path() / name;
}

void execProgram(const std::filesystem::path &exe, const std::vector<std::string> &args, const std::string &missingHint)
{
    if (::access(exe.c_str(), X_OK) != 0)
        throw Error(ErrorKind::Internal, exe.filename().string() + " is not installed next to this program (" +
                                             exe.string() + "): " + missingHint);
    std::vector<std::string> owned{exe.string()};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &s : owned)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execv(exe.c_str(), argv.data());
    throw Error(ErrorKind::Internal, "cannot run " + exe.string() + ": " + std::strerror(errno));
}

void returnLargeBlocksWhenFreed()
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 1 << 20); // a fixed value also turns glibc's dynamic threshold off
#endif
}

} // namespace ql
