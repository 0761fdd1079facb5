// Fuzzes the TAXII request handling end to end (without sockets): the request target (path,
// query filters, cursors), headers and body (envelopes) of an arbitrary request go through
// TaxiiServer::Handle against an in-memory-sized store. Input layout: "METHOD TARGET\n" then
// "Header: value" lines, an empty line, and the body. Every answer must be a TAXII status code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <unistd.h>

#include "api/taxii_server.hpp"

namespace {

struct Harness {
  std::unique_ptr<socmesh::store::Store> store;
  socmesh::api::Authenticator auth;
  std::unique_ptr<socmesh::api::TaxiiServer> taxii;
  std::filesystem::path path;
  ~Harness() {
    taxii.reset();
    store.reset();
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path.string() + suffix, ignored);
    }
  }
  Harness() {
    path = std::filesystem::temp_directory_path() /
           ("taxii_fuzz_" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    store = std::move(*socmesh::store::OpenStore(
        {path.string(), false, true, socmesh::store::Durability::kNormal}));
    auth.SetOrganisationRole("FUZZ", socmesh::api::Role::kAnalyst);
    socmesh::api::TaxiiConfig config;
    socmesh::api::ApiRootConfig root{"api1", "fuzz", "", 1 << 20, {}};
    root.collections.push_back(
        {"91a7b528-80eb-42ed-a74d-c6fbd5a26116", "all", "", true, true, {}, std::nullopt});
    root.collections.push_back({"64993447-4d7e-4f70-b94d-d7f33742ee63",
                                "green",
                                "",
                                true,
                                true,
                                {"indicator"},
                                socmesh::model::Tlp::kGreen});
    config.api_roots.push_back(std::move(root));
    taxii = std::make_unique<socmesh::api::TaxiiServer>(*store, auth, std::move(config));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  socmesh::net::Request r;
  r.peer = socmesh::net::PeerIdentity{};
  r.peer->organisation = "FUZZ";
  size_t eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  in = eol == std::string_view::npos ? std::string_view{} : in.substr(eol + 1);
  size_t space = line.find(' ');
  r.method = std::string(line.substr(0, space));
  r.target = space == std::string_view::npos ? "/" : std::string(line.substr(space + 1));
  while (!in.empty()) {
    eol = in.find('\n');
    std::string_view header = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view{} : in.substr(eol + 1);
    if (header.empty()) break;
    size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.Add(std::string(header.substr(0, colon)), std::string(value));
  }
  r.body = std::string(in);
  auto response = h.taxii->Handle(r);
  switch (response.status) {
    case 200:
    case 202:
    case 400:
    case 401:
    case 403:
    case 404:
    case 405:
    case 406:
    case 413:
    case 415:
    case 422:
    case 500:
      break;
    default:
      std::abort();
  }
  return 0;
}
