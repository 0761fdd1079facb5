#include "core/error.hpp"

namespace socmesh {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid-argument";
    case ErrorCode::kParse:
      return "parse-error";
    case ErrorCode::kInvalidStix:
      return "invalid-stix";
    case ErrorCode::kTooLarge:
      return "too-large";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kIo:
      return "io-error";
    case ErrorCode::kStorage:
      return "storage-error";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kPermission:
      return "permission-denied";
    case ErrorCode::kVerification:
      return "verification-failed";
    case ErrorCode::kInternal:
      return "internal-error";
  }
  return "unknown";
}

Error Error::WithContext(std::string_view context) const {
  Error e = *this;
  e.message = std::string(context) + ": " + message;
  return e;
}

}  // namespace socmesh
