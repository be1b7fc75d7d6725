#include "base/dtype.h"

#include <utility>

namespace ql {

namespace {
struct DTypeInfo
{
    DType type;
    const char *name;
    std::size_t size;
    bool floating;
    const char *storage;
    const char *safetensors;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::Float32, "float32", 4, true, "FloatStorage", "F32"},
    {DType::Float64, "float64", 8, true, "DoubleStorage", "F64"},
    {DType::Float16, "float16", 2, true, "HalfStorage", "F16"},
    {DType::BFloat16, "bfloat16", 2, true, "BFloat16Storage", "BF16"},
    {DType::Int64, "int64", 8, false, "LongStorage", "I64"},
    {DType::Int32, "int32", 4, false, "IntStorage", "I32"},
    {DType::Int16, "int16", 2, false, "ShortStorage", "I16"},
    {DType::Int8, "int8", 1, false, "CharStorage", "I8"},
    {DType::UInt8, "uint8", 1, false, "ByteStorage", "U8"},
    {DType::Bool, "bool", 1, false, "BoolStorage", "BOOL"},
};
const DTypeInfo &info(DType t)
{
    for (const auto &i : kDTypes)
        if (i.type == t)
            return i;
    return kDTypes[0];
}
/// The type whose `field` spells `text` (one of the names above), into `out`; false when none does.
bool findBy(const char *DTypeInfo::*field, const std::string &text, DType &out)
{
    for (const auto &i : kDTypes)
        if (text == i.*field) {
            out = i.type;
            return true;
        }
    return false;
}
} // namespace

const char *dtypeName(DType t) { return info(t).name; }
std::size_t dtypeSize(DType t) { return info(t).size; }
bool dtypeIsFloating(DType t) { return info(t).floating; }
const char *dtypeStorageClass(DType t) { return info(t).storage; }
const char *dtypeSafetensorsName(DType t) { return info(t).safetensors; }
bool dtypeFromStorageClass(const std::string &cls, DType &out) { return findBy(&DTypeInfo::storage, cls, out); }
bool dtypeFromSafetensors(const std::string &name, DType &out) { return findBy(&DTypeInfo::safetensors, name, out); }
bool dtypeFromTorchName(const std::string &name, DType &out)
{
    static const std::pair<const char *, DType> aliases[] = {
        {"float", DType::Float32}, {"double", DType::Float64}, {"half", DType::Float16}, {"long", DType::Int64},
        {"int", DType::Int32},     {"short", DType::Int16},    {"uint8", DType::UInt8}, {"int8", DType::Int8}};
    if (findBy(&DTypeInfo::name, name, out))
        return true;
    for (const auto &[n, t] : aliases)
        if (name == n) {
            out = t;
            return true;
        }
    return false;
}

} // namespace ql
