#pragma once
#include <cstddef>
#include <string>

namespace ql {

/// Element types of tensor storages, as named by torch's storage classes.
enum class DType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };

const char *dtypeName(DType t);            ///< "float32", "bfloat16", ...
std::size_t dtypeSize(DType t);
bool dtypeIsFloating(DType t);
const char *dtypeStorageClass(DType t);     ///< Float32 -> "FloatStorage" (the .pt writer)
const char *dtypeSafetensorsName(DType t);  ///< Float32 -> "F32" (the safetensors writer)
bool dtypeFromStorageClass(const std::string &cls, DType &out); ///< "FloatStorage" -> Float32
bool dtypeFromSafetensors(const std::string &name, DType &out); ///< "F32" -> Float32
bool dtypeFromTorchName(const std::string &name, DType &out);   ///< "float32" / "float" -> Float32

} // namespace ql
