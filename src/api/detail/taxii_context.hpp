// Internal to api/: the state of one TAXII request, shared by the files of TaxiiServer.
#pragma once

#include <string_view>
#include <vector>

#include "api/taxii_server.hpp"

namespace socmesh::api {

struct TaxiiServer::Context {
  const net::Request& request;
  Caller caller;
  const ApiRootConfig* root = nullptr;
  std::vector<std::string_view> segments;
};

}  // namespace socmesh::api
