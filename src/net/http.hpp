// HTTP messages as the rest of socmesh sees them: plain structs, no Beast or Asio types, so API
// code compiles fast and stays testable without sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socmesh::net {

// Who is at the other end of a mutually authenticated TLS connection, from their verified
// certificate. The organisation (O) is the actor of every policy decision (E19).
struct PeerIdentity {
  std::string subject;       // one-line RFC 2253 form
  std::string organisation;  // O
  std::string country;       // C
  std::string common_name;   // CN
  std::string issuer;        // RFC 2253
  std::string serial_hex;    // certificate serial number
  std::string fingerprint;   // SHA-256 of the DER certificate, lower-case hex
};

// Header names are matched case-insensitively; order and repeats are kept.
class Headers {
 public:
  void Add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every field of that name.
  void Set(std::string_view name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // origin-form as received: path and query, e.g. /taxii2/?x=1
  Headers headers;
  std::string body;
  std::optional<PeerIdentity> peer;  // set when the client presented a verified certificate
  std::string remote_address;        // "127.0.0.1:53412"

  // The path part of the target and the decoded query parameters (repeats kept in order).
  std::string_view path() const;
  std::vector<std::pair<std::string, std::string>> query() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response Text(int status, std::string body, std::string content_type = "text/plain");
};

// Percent-decoding for query components ('+' is a space in forms); invalid escapes are kept
// verbatim rather than guessed at.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace socmesh::net
