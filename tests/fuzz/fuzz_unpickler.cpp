// The restricted unpickler on raw bytes, with a storage loader like the zip reader's; then everything a
// checkpoint does with the result (toJson, describe) on the root.
#include "fuzz_common.h"
#include "readers/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    ql::PickleArena arena;
    auto loader = [](const ql::PyObject *pid, ql::PickleArena &a) -> const ql::PyObject * {
        if (!pid || pid->type != ql::PyObject::Type::Tuple || pid->items.size() < 5)
            throw ql::inputError("bad persistent id");
        auto s = a.make(ql::PyObject::Type::Storage);
        s->storage->key = pid->items[2] ? pid->items[2]->text : "";
        return s;
    };
    try {
        ql::Unpickler up(std::span(reinterpret_cast<const std::byte *>(data), size), arena, "fuzz.pkl", loader);
        const ql::PyObject *root = up.load();
        (void)ql::describe(root, 4);
        (void)ql::toJson(root, "fuzz.pkl").dump();
        if (root && root->type == ql::PyObject::Type::Dict)
            for (const auto &[k, v] : root->entries) {
                (void)ql::describe(k);
                (void)ql::toJson(v, "fuzz.pkl").dump();
            }
    } catch (const ql::Error &e) {
        if (e.kind() != ql::ErrorKind::Input)
            std::abort();
    }
    return 0;
}
