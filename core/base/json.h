#pragma once
#include <nlohmann/json.hpp>

namespace ql {

/// JSON as the core reads and writes it: objects keep their insertion order (manifest keys stay in file order).
using Json = nlohmann::ordered_json;

} // namespace ql
