#pragma once
#include <stdexcept>
#include <string>

namespace ql {

/// What went wrong, so that front ends can map it to an exit code or a dialog title.
enum class ErrorKind { Usage, Input, Output, Internal, Cancelled };

/// Exception carrying the file and tensor an error is about; the message says what to do.
class Error : public std::runtime_error
{
public:
    Error(ErrorKind kind, std::string message, std::string file = {}, std::string tensor = {})
        : std::runtime_error(compose(message, file, tensor))
        , m_kind(kind)
        , m_file(std::move(file))
        , m_tensor(std::move(tensor))
        , m_detail(std::move(message))
    {
    }
    ErrorKind kind() const { return m_kind; }
    const std::string &file() const { return m_file; }
    const std::string &tensor() const { return m_tensor; }
    /// The message without the file/tensor prefix.
    const std::string &detail() const { return m_detail; }

private:
    static std::string compose(const std::string &msg, const std::string &file, const std::string &tensor)
    {
        std::string out;
        if (!file.empty())
            out += file + ": ";
        if (!tensor.empty())
            out += "tensor '" + tensor + "': ";
        return out + msg;
    }
    ErrorKind m_kind;
    std::string m_file;
    std::string m_tensor;
    std::string m_detail;
};

/// The exit code every QuantLens program (quantlens-cli, quantlens-report, quantlens-eval) returns for an error of
/// this kind: 1 internal, 2 usage, 3 input, 4 output, 130 cancelled.
inline int exitCodeOf(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Usage:
        return 2;
    case ErrorKind::Input:
        return 3;
    case ErrorKind::Output:
        return 4;
    case ErrorKind::Cancelled:
        return 130;
    case ErrorKind::Internal:
        break;
    }
    return 1;
}

inline Error inputError(std::string msg, std::string file = {}, std::string tensor = {})
{
    return Error(ErrorKind::Input, std::move(msg), std::move(file), std::move(tensor));
}
inline Error outputError(std::string msg, std::string file = {})
{
    return Error(ErrorKind::Output, std::move(msg), std::move(file));
}

} // namespace ql
