#pragma once
#include "base/dtype.h"
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace ql {

struct PyObject;

/// A storage reference from a persistent id: ('storage', type, key, location, numel).
struct StorageRef
{
    std::string key;
    DType dtype = DType::Float32;
    std::string location;
    int64_t numel = 0;
};

/// A tensor as rebuilt by torch._utils._rebuild_tensor_v2: a view into a storage.
struct TensorRef
{
    const PyObject *storage = nullptr; ///< a PyObject of type Storage
    int64_t storageOffset = 0;         ///< in elements
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;      ///< in elements
};

/// A value of the restricted unpickler. Objects live in a PickleArena and refer to each other by pointer,
/// so cyclic structures (a list that contains itself) are representable and freed with the arena.
struct PyObject
{
    enum class Type { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Set, Global, Object, Storage, Tensor };
    Type type = Type::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0.0;
    std::string text;                  ///< String, Bytes; Global/Object: "module.name"
    std::vector<const PyObject *> items; ///< List, Tuple, Set; Object: constructor args
    std::vector<std::pair<const PyObject *, const PyObject *>> entries; ///< Dict (insertion order); Object: attributes
    /// Storage / Tensor only (the arena allocates them with the object; nullptr for every other type). Kept out of
    /// line: inline they made every value 248 bytes, so a bomb of 1-byte opcodes cost ~125 bytes per file byte.
    StorageRef *storage = nullptr;
    TensorRef *tensor = nullptr;

    bool isString() const { return type == Type::String; }
    /// Dict lookup by string key; nullptr if absent or not a dict/object.
    const PyObject *get(const std::string &key) const;
};

/// Owns every object of one unpickled stream.
class PickleArena
{
public:
    PyObject *make(PyObject::Type t);
    std::size_t size() const { return m_objects.size(); }

private:
    std::deque<PyObject> m_objects;
    std::deque<StorageRef> m_storages;
    std::deque<TensorRef> m_tensors;
};

/// Limits that keep a hostile pickle from exhausting memory.
struct PickleLimits
{
    std::size_t maxStack = 1u << 20;     ///< values on the stack at once
    std::size_t maxMemo = 1u << 22;      ///< memo entries
    /// Objects created. 2^22 objects of ~100 bytes bound a pickle bomb at ~0.5 GB; torch writes ~20 objects per
    /// tensor, so this still allows ~200,000 tensors (optimizer state included).
    std::size_t maxObjects = 1u << 22;
    /// Objects per pickle byte: one load may create at most 65536 + size / minBytesPerObject objects.
    /// torch.save writes 4.6-7.5 bytes per object (measured on the fixtures); a run of 1-byte opcodes
    /// (EMPTY_LIST x 10^6) would otherwise turn each byte into a ~250-byte object.
    std::size_t minBytesPerObject = 2;
    std::size_t maxMarks = 1u << 16;     ///< open MARKs (nesting depth while loading)
};

/// Resolves a persistent id tuple into a Storage object (or throws).
using PersistentLoader = std::function<const PyObject *(const PyObject *pid, PickleArena &arena)>;

/// Restricted unpickler: understands protocols 0-5 but runs no code. What REDUCE/INST/OBJ may call is one table,
/// `Unpickler::Constructors::kTable` (pickleconstructors.cpp: collections.OrderedDict, the torch tensor and
/// parameter rebuild functions, _codecs.encode, sets, torch.Size/device, numpy scalars), each entry a handler that
/// builds data; classes instantiated with NEWOBJ/BUILD become attribute dicts; calling any other name throws an
/// Error naming the callable.
class Unpickler
{
public:
    Unpickler(std::span<const std::byte> data, PickleArena &arena, std::string fileForErrors,
              PersistentLoader loader = {}, PickleLimits limits = {});
    /// Reads one pickle; afterwards consumed() tells how many bytes it took (legacy files chain pickles).
    const PyObject *load();
    std::size_t consumed() const { return m_pos; }

private:
    [[noreturn]] void fail(const std::string &msg) const;
    uint8_t u8();
    uint16_t u16();
    uint32_t u32();
    uint64_t u64();
    std::span<const std::byte> take(uint64_t n);
    std::string line();
    void push(const PyObject *o);
    const PyObject *pop();
    const PyObject *top() const;
    std::vector<const PyObject *> popMark();
    const PyObject *makeInt(int64_t v);
    const PyObject *makeString(std::string s, PyObject::Type t = PyObject::Type::String);
    const PyObject *makeLong(std::span<const std::byte> bytes);
    const PyObject *makeBool(bool v);
    const PyObject *makeFloat(double v);
    /// A new tuple, list or set holding `items`.
    const PyObject *makeSequence(PyObject::Type t, std::vector<const PyObject *> items);
    /// APPENDS / ADDITEMS (`opcode`, for the error): `items` added to the list or set of type `t` on top of the stack.
    void extendTop(PyObject::Type t, const std::vector<const PyObject *> &items, const char *opcode);
    const PyObject *global(const std::string &module, const std::string &name);
    const PyObject *call(const PyObject *callable, const PyObject *args);
    const PyObject *rebuildTensor(const std::vector<const PyObject *> &args);
    struct Constructors; ///< the allow list: name -> handler (pickleconstructors.cpp)
    void setItems(const PyObject *dict, const std::vector<const PyObject *> &kv);
    void build(const PyObject *obj, const PyObject *state);
    /// The decimal memo index on the line of a protocol-0 PUT / GET (`opcode`, for the error).
    uint64_t memoIndexLine(const char *opcode);
    void memoPut(uint64_t idx, const PyObject *o);
    const PyObject *memoGet(uint64_t idx) const;

    std::span<const std::byte> m_data;
    PickleArena &m_arena;
    std::string m_file;
    PersistentLoader m_loader;
    PickleLimits m_limits;
    std::size_t m_pos = 0;
    std::vector<const PyObject *> m_stack;
    std::vector<std::size_t> m_marks;
    std::vector<const PyObject *> m_memo;
    std::unordered_map<const PyObject *, std::unordered_map<std::string, std::size_t>> m_dictKeys; ///< setItems()
};

/// Human-readable rendering of a value (for error messages), bounded in depth and length.
std::string describe(const PyObject *o, int depth = 2);

} // namespace ql
