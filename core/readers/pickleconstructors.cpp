// The unpickler's allow list: every callable a checkpoint may REDUCE, as one table of name -> handler.
// A name not in the table is refused with an error naming it; nothing else in the reader calls anything.
#include "readers/pickle.h"

#include "base/errors.h"

#include <cstring>
#include <string_view>

namespace ql {

using Items = std::vector<const PyObject *>;

// A nested class of Unpickler, so the handlers reach its arena and fail() without widening its interface.
struct Unpickler::Constructors
{
    using Handler = const PyObject *(*)(Unpickler &u, const std::string &name, const Items &args);
    struct Entry
    {
        std::string_view name;
        Handler handler;
    };

    static const PyObject *orderedDict(Unpickler &u, const std::string &, const Items &a)
    {
        auto d = u.m_arena.make(PyObject::Type::Dict);
        if (!a.empty() && a[0] && (a[0]->type == PyObject::Type::List || a[0]->type == PyObject::Type::Tuple))
            for (auto pair : a[0]->items)
                if (pair && pair->type == PyObject::Type::Tuple && pair->items.size() == 2)
                    d->entries.emplace_back(pair->items[0], pair->items[1]);
        return d;
    }

    static const PyObject *rebuildTensorV2(Unpickler &u, const std::string &, const Items &a)
    {
        return u.rebuildTensor(a);
    }

    /// _rebuild_parameter(tensor, requires_grad, backward_hooks[, state]): the tensor itself.
    static const PyObject *rebuildParameter(Unpickler &u, const std::string &name, const Items &a)
    {
        if (a.empty() || !a[0] || a[0]->type != PyObject::Type::Tensor)
            u.fail(name + " expects a tensor");
        return a[0];
    }

    /// _rebuild_from_type_v2(func, type, args, state): torch's wrapper around one rebuild function.
    static const PyObject *rebuildFromType(Unpickler &u, const std::string &name, const Items &a)
    {
        if (a.size() < 3 || !a[2] || a[2]->type != PyObject::Type::Tuple)
            u.fail(name + " expects (func, type, args, state)");
        // torch wraps a rebuild function once; a chain of wrappers would recurse once per level (10^5 levels
        // overflowed the stack of a Debug build).
        if (a[0] && a[0]->type == PyObject::Type::Global && a[0]->text == name)
            u.fail(name + " wrapping itself");
        return u.call(a[0], a[2]);
    }

    /// _codecs.encode(text, 'latin1'): how protocol 2 spells bytes. Each code point < 256 becomes one byte.
    static const PyObject *codecsEncode(Unpickler &u, const std::string &, const Items &a)
    {
        if (a.empty() || !a[0] || a[0]->type != PyObject::Type::String)
            u.fail("_codecs.encode expects a string");
        std::string out;
        const std::string &s = a[0]->text; // UTF-8 here
        for (std::size_t i = 0; i < s.size(); ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c < 0x80)
                out.push_back(static_cast<char>(c));
            else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) {
                out.push_back(static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3f)));
                ++i;
            } else
                u.fail("_codecs.encode: text is not latin1");
        }
        return u.makeString(std::move(out), PyObject::Type::Bytes);
    }

    /// A new tuple or set of the items of the first argument (none without one).
    static const PyObject *itemsOfFirst(Unpickler &u, PyObject::Type t, const Items &a)
    {
        return u.makeSequence(t, !a.empty() && a[0] ? a[0]->items : Items{});
    }

    static const PyObject *set(Unpickler &u, const std::string &, const Items &a)
    {
        return itemsOfFirst(u, PyObject::Type::Set, a);
    }

    /// copyreg._reconstructor(cls, object, None): a plain object whose state BUILD fills in.
    static const PyObject *reconstructor(Unpickler &u, const std::string &name, const Items &a)
    {
        // Protocols 0-1 spell the base class '__builtin__.object' (pickle's Python 2 import mapping).
        if (a.size() < 2 || !a[0] || a[0]->type != PyObject::Type::Global || !a[1] ||
            (a[1]->text != "builtins.object" && a[1]->text != "__builtin__.object"))
            u.fail(name + " is only accepted for plain objects");
        auto o = u.m_arena.make(PyObject::Type::Object);
        o->text = a[0]->text;
        return o;
    }

    static const PyObject *device(Unpickler &u, const std::string &, const Items &a)
    {
        if (a.empty() || !a[0] || a[0]->type != PyObject::Type::String)
            u.fail("torch.device expects a string");
        return a[0];
    }

    static const PyObject *size(Unpickler &u, const std::string &, const Items &a)
    {
        return itemsOfFirst(u, PyObject::Type::Tuple, a);
    }

    static const PyObject *numpyDtype(Unpickler &u, const std::string &name, const Items &a)
    {
        auto o = u.m_arena.make(PyObject::Type::Object);
        o->text = name;
        o->items = a;
        return o;
    }

    /// numpy.core.multiarray.scalar(dtype, bytes): a numpy scalar such as a float64 val_loss.
    static const PyObject *numpyScalar(Unpickler &u, const std::string &name, const Items &a)
    {
        if (a.size() < 2 || !a[0] || a[0]->type != PyObject::Type::Object || a[0]->items.empty() || !a[0]->items[0] ||
            !a[1] || a[1]->type != PyObject::Type::Bytes)
            u.fail(name + " expects (dtype, bytes)");
        const std::string code = a[0]->items[0]->text;
        const std::string &raw = a[1]->text;
        auto num = [&](auto v) {
            if (raw.size() != sizeof(v))
                u.fail("numpy scalar of " + code + " has " + std::to_string(raw.size()) + " bytes");
            std::memcpy(&v, raw.data(), sizeof(v));
            return v;
        };
        auto o = u.m_arena.make(PyObject::Type::Float);
        if (code == "f8")
            o->real = num(double{});
        else if (code == "f4")
            o->real = num(float{});
        else if (code == "i8" || code == "i4" || code == "b1") {
            o->type = PyObject::Type::Int;
            o->integer = code == "i8" ? num(int64_t{}) : code == "i4" ? num(int32_t{}) : num(uint8_t{});
        } else
            u.fail("unsupported numpy scalar type " + code);
        return o;
    }

    // The whole allow list. Adding a name here is a security decision: its handler must build data only.
    static constexpr Entry kTable[] = {
        {"collections.OrderedDict", orderedDict},
        {"torch._utils._rebuild_tensor_v2", rebuildTensorV2},
        {"torch._utils._rebuild_tensor", rebuildTensorV2}, // same leading (storage, offset, size, stride)
        {"torch._utils._rebuild_parameter", rebuildParameter},
        {"torch._utils._rebuild_parameter_with_state", rebuildParameter},
        {"torch._tensor._rebuild_from_type_v2", rebuildFromType},
        {"_codecs.encode", codecsEncode},
        {"builtins.set", set},
        {"builtins.frozenset", set},
        {"__builtin__.set", set},
        {"__builtin__.frozenset", set},
        {"copyreg._reconstructor", reconstructor},
        {"copy_reg._reconstructor", reconstructor},
        {"torch.device", device},
        {"torch.Size", size},
        {"numpy.dtype", numpyDtype},
        {"numpy.core.multiarray.scalar", numpyScalar},
        {"numpy._core.multiarray.scalar", numpyScalar},
    };

    static Handler find(std::string_view name)
    {
        for (const auto &e : kTable)
            if (e.name == name)
                return e.handler;
        return nullptr;
    }
};

namespace {
std::vector<int64_t> intTuple(const PyObject *o, bool &ok)
{
    std::vector<int64_t> out;
    if (!o || (o->type != PyObject::Type::Tuple && o->type != PyObject::Type::List)) {
        ok = false;
        return out;
    }
    for (auto i : o->items) {
        if (!i || i->type != PyObject::Type::Int) {
            ok = false;
            return {};
        }
        out.push_back(i->integer);
    }
    return out;
}
} // namespace

const PyObject *Unpickler::rebuildTensor(const Items &a)
{
    if (a.size() < 4)
        fail("_rebuild_tensor_v2 expects (storage, offset, size, stride, ...), got " + std::to_string(a.size()) +
             " arguments");
    const PyObject *storage = a[0];
    if (!storage || storage->type != PyObject::Type::Storage)
        fail("_rebuild_tensor_v2: first argument is not a storage but " + describe(storage));
    if (!a[1] || a[1]->type != PyObject::Type::Int || a[1]->integer < 0)
        fail("_rebuild_tensor_v2: bad storage offset " + describe(a[1]));
    bool ok = true;
    auto shape = intTuple(a[2], ok);
    auto strides = intTuple(a[3], ok);
    if (!ok || shape.size() != strides.size() || shape.size() > 32)
        fail("_rebuild_tensor_v2: bad size/stride " + describe(a[2]) + " / " + describe(a[3]));
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] < 0 || strides[i] < 0)
            fail("_rebuild_tensor_v2: negative size or stride");
    auto t = m_arena.make(PyObject::Type::Tensor);
    t->tensor->storage = storage;
    t->tensor->storageOffset = a[1]->integer;
    t->tensor->shape = std::move(shape);
    t->tensor->strides = std::move(strides);
    return t;
}

const PyObject *Unpickler::call(const PyObject *callable, const PyObject *args)
{
    if (!callable || callable->type != PyObject::Type::Global)
        fail("REDUCE on a value that is not a global: " + describe(callable));
    const std::string &n = callable->text;
    const auto handler = Constructors::find(n);
    if (!handler)
        throw inputError("refusing to call '" + n +
                             "': the checkpoint asks to run code that is not on QuantLens' allow list of "
                             "data-only constructors. Do not load this file with torch.load.",
                         m_file);
    if (!args || args->type != PyObject::Type::Tuple)
        fail("arguments of " + n + " are not a tuple");
    return handler(*this, n, args->items);
}

} // namespace ql
