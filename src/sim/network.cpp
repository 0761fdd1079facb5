#include "sim/network.hpp"

#include <map>
#include <set>

#include "crypto/key.hpp"
#include "crypto/x509.hpp"
#include "pki/ca.hpp"
#include "pki/csr.hpp"
#include "pki/directory.hpp"

namespace socmesh::sim {
namespace {

namespace fs = std::filesystem;
using federation::Topology;

// A TOML basic string.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Quoted(items[i]);
  return out + "]";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A fresh P-256 key file and a certificate for it from `ca`; writes KEY and CHAIN (cert + CA).
Result<std::string> Issue(pki::CertificateAuthority& ca, const fs::path& key_file,
                          const fs::path& chain_file, const pki::CsrRequest& request,
                          pki::Profile profile) {
  auto key = crypto::Key::Generate(key_file.string(), {});
  if (!key) return std::unexpected(key.error().WithContext(key_file.string()));
  auto csr = pki::MakeCsr(*key, request);
  if (!csr) return std::unexpected(csr.error());
  pki::Validity validity;
  validity.days = 30;
  auto cert = ca.Sign(*csr, profile, validity);
  if (!cert) return std::unexpected(cert.error().WithContext(request.subject.common_name));
  if (auto ok = crypto::WriteFileAtomic(chain_file, cert->pem + ca.CertificatePem()); !ok) {
    return std::unexpected(ok.error());
  }
  return cert->pem;
}

std::string ConfigText(const Topology& topology, federation::NodeIndex self,
                       const NetworkOptions& o, const Network& net,
                       const std::vector<std::string>& crls) {
  const federation::Node& n = topology.nodes()[self];
  std::vector<std::string> roles;
  for (auto r : n.roles) roles.emplace_back(federation::NodeRoleName(r));
  std::string t;
  t += "# written by `socmesh sim` for network " + topology.name() + "\n\n";
  t += "[node]\nname = " + Quoted(n.name) + "\norganisation = " + Quoted(n.organisation) +
       "\ncountry = " + Quoted(n.country) + "\nroles = " + List(roles) + "\n\n";
  t += "[store]\nlocation = \"store.db\"\ndurability = " +
       std::string(o.durable ? "\"full\"" : "\"normal\"") + "\n\n";
  t += "[audit]\ndir = \"audit\"\nkey = \"audit.key\"\nsync = " +
       std::string(o.durable ? "\"every-append\"" : "\"on-checkpoint\"") + "\n\n";
  t += "[[listen]]\naddress = \"127.0.0.1\"\nport = 0\n\n";
  t += "[tls]\ncertificate = \"node.pem\"\nkey = \"node.key\"\nca = " +
       Quoted(net.root_ca.string()) + "\ncrls = " + List(crls) + "\n\n";
  t += "[limits]\nshutdown_grace_ms = 2000\n\n";
  t += "[access]\ndefault_role = \"reader\"\n\n";
  t += "[access.organisation_roles]\n" + Quoted(n.organisation) + " = \"analyst\"\n\n";
  t += "[taxii]\ntitle = " + Quoted("sim " + n.name) + "\ndefault_api_root = \"api1\"\n\n";
  t += "[[taxii.api_roots]]\npath = \"api1\"\ntitle = " + Quoted(n.organisation) + "\n\n";
  t += "[[taxii.api_roots.collections]]\nid = " + Quoted(kCollectionId) +
       "\ntitle = \"Shared intelligence\"\ncan_read = true\ncan_write = true\n\n";
  t += "[federation]\nsigning_certificate = \"origin.pem\"\nstate = \"federation.db\"\n";
  if (auto c = topology.ConsortiumName(self); !c.empty()) {
    t += "consortium = " + Quoted(c) + "\n";
  }
  t += "sharing_groups = " + List(n.sharing_groups) + "\n";
  t += "feed_interval_ms = " + std::to_string(o.feed_interval_ms) + "\n";
  // Topology routing and end-to-end envelopes (B12): every node reads the same topology file and
  // the signed directory of envelope recipients.
  t += "topology = " + Quoted(o.topology_file.string()) + "\n";
  t += "directory = " + Quoted(net.directory.string()) + "\n";
  t += "\n[federation.signing_key]\nkey = \"origin.key\"\n";
  for (federation::NodeIndex p : topology.Peers(self)) {
    const federation::Node& peer = topology.nodes()[p];
    t += "\n[[peers]]\nname = " + Quoted(peer.name) + "\nurl = " +
         Quoted("https://127.0.0.1:" + std::to_string(o.link_port(n.name, peer.name))) +
         "\norganisation = " + Quoted(peer.organisation) + "\ncountry = " + Quoted(peer.country) +
         "\n";
    if (auto c = topology.ConsortiumName(p); !c.empty()) t += "consortium = " + Quoted(c) + "\n";
    t += "sharing_groups = " + List(peer.sharing_groups) + "\n";
    t += "mode = \"push\"\npush_interval_ms = " + std::to_string(o.push_interval_ms) + "\n";
  }
  return t;
}

}  // namespace

Result<Network> BuildNetwork(const Topology& topology, const NetworkOptions& o) {
  Network net;
  const fs::path pki_dir = o.workdir / "pki";
  std::error_code ec;
  fs::create_directories(pki_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, pki_dir.string() + ": " + ec.message());

  pki::RootParams root_params;
  root_params.organisation = "socmesh sim " + topology.name();
  auto root = pki::CertificateAuthority::CreateRoot(pki_dir / "root", root_params);
  if (!root) return std::unexpected(root.error().WithContext("root CA"));
  net.root_ca = pki_dir / "root" / "ca.pem";
  std::vector<std::string> crls{(pki_dir / "root" / "crl.pem").string()};

  std::map<std::string, pki::CertificateAuthority> countries;
  for (const auto& n : topology.nodes()) {
    if (countries.contains(n.country)) continue;
    const fs::path dir = pki_dir / Lower(n.country);
    pki::CountryParams params;
    params.country = n.country;
    auto ca = pki::CertificateAuthority::CreateCountry(dir, *root, params);
    if (!ca) return std::unexpected(ca.error().WithContext("CA " + n.country));
    crls.push_back((dir / "crl.pem").string());
    countries.emplace(n.country, std::move(*ca));
  }

  pki::Directory directory;
  for (const auto& n : topology.nodes()) {
    SimNode s;
    s.name = n.name;
    s.organisation = n.organisation;
    s.country = n.country;
    s.dir = o.workdir / "nodes" / n.name;
    fs::create_directories(s.dir, ec);
    if (ec) return Fail(ErrorCode::kIo, s.dir.string() + ": " + ec.message());
    s.config = s.dir / "node.toml";
    s.client_chain = s.dir / "origin.pem";
    s.client_key = s.dir / "origin.key";
    s.store = s.dir / "store.db";
    pki::CertificateAuthority& ca = countries.at(n.country);

    pki::CsrRequest tls;
    tls.subject = {n.country, n.organisation, n.name};
    tls.dns_names = {"localhost"};
    tls.ip_addresses = {"127.0.0.1"};
    if (auto ok = Issue(ca, s.dir / "node.key", s.dir / "node.pem", tls, pki::Profile::kNode);
        !ok) {
      return std::unexpected(ok.error());
    }
    pki::CsrRequest origin;
    origin.subject = {n.country, n.organisation, n.name + "-origin"};
    auto origin_pem = Issue(ca, s.client_key, s.client_chain, origin, pki::Profile::kUser);
    if (!origin_pem) return std::unexpected(origin_pem.error());
    if (auto k = crypto::Key::Generate((s.dir / "audit.key").string(), {}); !k) {
      return std::unexpected(k.error().WithContext("audit key"));
    }

    pki::Organisation org;
    org.name = n.organisation;
    org.country = n.country;
    for (auto r : n.roles) org.roles.emplace_back(federation::NodeRoleName(r));
    org.certificates_pem = {*origin_pem};
    if (auto ok = pki::AddOrganisation(directory, std::move(org)); !ok) {
      return std::unexpected(ok.error().WithContext("directory"));
    }
    net.nodes.push_back(std::move(s));
  }

  auto signer = pki::CertificateAuthority::OpenDirectorySigner(pki_dir / "root", {});
  if (!signer) return std::unexpected(signer.error().WithContext("directory signer"));
  auto signed_directory =
      pki::SignDirectory(std::move(directory), signer->key, signer->certificate_pem);
  if (!signed_directory) return std::unexpected(signed_directory.error());
  net.directory = pki_dir / "directory.cms";
  if (auto ok = crypto::WriteFileAtomic(net.directory, *signed_directory); !ok) {
    return std::unexpected(ok.error());
  }

  for (federation::NodeIndex i = 0; i < topology.size(); ++i) {
    const std::string text = ConfigText(topology, i, o, net, crls);
    if (auto ok = crypto::WriteFileAtomic(net.nodes[i].config, text, 0600); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return net;
}

}  // namespace socmesh::sim
