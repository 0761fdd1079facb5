// Cost of checking an API token in the identity registry (identity/registry.hpp), the work every
// token-carrying request does, against the floor measured in the same run: the HMAC-SHA256 of the
// secret alone (what any salted-hash check must compute). Also the whole per-request lookup of
// api::Authenticator with a registry: organisation, sharing groups, token.
//
// Usage: identity_bench [--reps N] [--smoke]
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "identity/registry.hpp"

namespace {

using socmesh::identity::Registry;
using socmesh::identity::Role;

using socmesh::bench::Median;
using socmesh::bench::Seconds;

}  // namespace

int main(int argc, char** argv) {
  int reps = 3;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) smoke = true;
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = std::atoi(argv[++i]);
  }
  const int tokens = smoke ? 200 : 5000;
  const int checks = smoke ? 2000 : 200000;
  const auto dir = std::filesystem::temp_directory_path() / "socmesh_identity_bench";
  std::filesystem::remove_all(dir);
  socmesh::identity::RegistryOptions o;
  o.path = (dir / "identity.db").string();
  auto opened = Registry::Open(o);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  Registry& registry = **opened;
  (void)registry.AddOrganisation("ANSSI", "FR", Role::kAnalyst);
  (void)registry.CreateGroup("fr-de", "ANSSI");
  std::vector<std::string> issued;
  const int users = 100;
  for (int u = 0; u < users; ++u)
    (void)registry.AddUser("ANSSI", "u" + std::to_string(u), Role::kAnalyst);
  const double issue_s = Seconds([&] {
    for (int i = 0; i < tokens; ++i) {
      auto t = registry.IssueToken("ANSSI", "u" + std::to_string(i % users));
      if (t) issued.push_back(t->token);
    }
  });

  std::vector<double> verify, lookup, floor;
  size_t ok = 0;
  for (int r = 0; r < reps; ++r) {
    floor.push_back(Seconds([&] {
      unsigned char salt[16] = {1}, out[32];
      unsigned int len = 0;
      for (int i = 0; i < checks; ++i) {
        const std::string& t = issued[static_cast<size_t>(i) % issued.size()];
        HMAC(EVP_sha256(), salt, sizeof salt, reinterpret_cast<const unsigned char*>(t.data() + 17),
             64, out, &len);
        ok += out[0] & 1;
      }
    }));
    verify.push_back(Seconds([&] {
      for (int i = 0; i < checks; ++i) {
        ok += registry.VerifyToken(issued[static_cast<size_t>(i) % issued.size()]).has_value();
      }
    }));
    lookup.push_back(Seconds([&] {
      for (int i = 0; i < checks; ++i) {
        ok += registry.FindOrganisation("ANSSI").has_value();
        ok += registry.GroupsOf("ANSSI").has_value();
        ok += registry.VerifyToken(issued[static_cast<size_t>(i) % issued.size()]).has_value();
      }
    }));
  }
  const double f = checks / Median(floor), v = checks / Median(verify), l = checks / Median(lookup);
  std::printf("identity registry: %d tokens (issued at %.0f/s, durable), %d checks, median of %d\n",
              tokens, tokens / issue_s, checks, reps);
  std::printf("  HMAC-SHA256 alone (floor)      %10.0f /s\n", f);
  std::printf("  VerifyToken                    %10.0f /s  (%.1f us, %.1fx the floor)\n", v,
              1e6 / v, f / v);
  std::printf("  org + groups + token (request) %10.0f /s  (%.1f us)\n", l, 1e6 / l);
  std::filesystem::remove_all(dir);
  return ok > 0 ? 0 : 1;
}
