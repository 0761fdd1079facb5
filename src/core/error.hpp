// Errors as values at module boundaries (see docs/architecture.md, "Errors").
//
// Every public function that can fail returns socmesh::Result<T>. An Error carries a code that
// callers branch on, and a message for humans that names the input and the position (file, object
// index, id, property) and never contains secrets (keys, tokens, passwords).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace socmesh {

enum class ErrorCode {
  kInvalidArgument,  // the caller passed something unusable (bad option, bad id syntax)
  kParse,            // input is not well-formed (JSON syntax, encoding)
  kInvalidStix,      // well-formed JSON that breaks a STIX 2.1 MUST
  kTooLarge,         // input exceeds a configured limit (size, depth, count)
  kNotFound,         // the requested thing does not exist
  kConflict,         // the same version exists with different content
  kIo,               // file system or stream failure
  kStorage,          // the storage engine failed (SQLite, PostgreSQL)
  kUnsupported,      // valid but not supported by this build or version
  kPermission,       // credentials refused (wrong or locked token PIN, no access to a key)
  kVerification,     // a signature, inclusion proof, certificate chain or AEAD tag does not check
  kInternal,         // a bug: an invariant did not hold
};

// Returns a stable lower-case name ("invalid-stix") for reports and JSON output.
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Returns a copy whose message is prefixed with `context` and ": " (e.g. a file name).
  Error WithContext(std::string_view context) const;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for `return std::unexpected(Error{code, message})`.
inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace socmesh
