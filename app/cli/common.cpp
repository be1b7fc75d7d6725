// What the subcommands share: the common flags, the warnings, opening an input.
#include "command.h"
#include "base/errors.h"

#include <cstdio>

namespace ql::cli {

void Context::addCommon(CLI::App *sub)
{
    sub->add_flag("--json", json, "Machine-readable JSON on stdout");
    sub->add_flag("-q,--quiet", quiet, "Print nothing but errors");
    sub->footer(kExitCodes);
}

void printWarnings(const std::vector<std::string> &warnings, bool quiet)
{
    if (quiet)
        return;
    for (const auto &w : warnings)
        std::fprintf(stderr, "warning: %s\n", printable(w, true).c_str());
}

CLI::Option *addOverridesOption(CLI::App &sub, std::string &file, const char *help)
{
    return sub.add_option("--overrides", file, help);
}

CLI::Option *addThreadsOption(CLI::App &sub, unsigned &threads, const char *help)
{
    return sub.add_option("-j,--threads", threads, help);
}

void requireCheckpointFile(const std::string &path, const char *command, const char *what)
{
    if (isOutputFolder(path))
        throw Error(ErrorKind::Usage, std::string(command) + " needs " + what + ", not an output folder", path);
}

Session openForCommand(const std::string &path, const std::string &overridesFile, const std::string &label,
                       const Context &c)
{
    OpenOptions opt;
    opt.overrides = overridesFile.empty() ? Overrides {} : Overrides::load(overridesFile);
    opt.rowStats = false;
    ProgressBar bar(label, !c.quiet && !c.json);
    opt.progress = [&](uint64_t d, uint64_t t) { return bar.update(d, t); };
    return openSession(path, opt);
}

} // namespace ql::cli
