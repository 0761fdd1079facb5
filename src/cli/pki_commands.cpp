// `socmesh pki …`: the network's PKI from the command line (B10, E24). Composition only: every
// decision lives in crypto/ and pki/. See docs/cli.md, "socmesh pki".
//
// PINs never come from the command line (`ps` would show them): --pin-file / --ca-pin-file, or the
// environment ($SOCMESH_KEY_PIN, $SOCMESH_CA_PIN), the same convention as `socmesh audit`.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_trail.hpp"
#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "crypto/key.hpp"
#include "crypto/x509.hpp"
#include "pki/ca.hpp"
#include "pki/csr.hpp"
#include "pki/directory.hpp"
#include "pki/verify.hpp"

namespace socmesh::cli {

namespace {

namespace fs = std::filesystem;

constexpr char kKeyPinEnv[] = "SOCMESH_KEY_PIN";
constexpr char kCaPinEnv[] = "SOCMESH_CA_PIN";

struct PkiOptions {
  std::string dir;
  std::string root_dir;
  std::string ca;
  std::string name;
  std::string org;
  std::string country;
  int days = 0;
  std::string key;
  std::string pin_file;
  std::string module;
  std::string ca_pin_file;
  std::string directory_key;
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  std::vector<std::string> emails;
  std::string csr;
  std::string cert;
  std::string profile = "node";
  std::string serial;
  std::string reason = "unspecified";
  std::string output;
  std::string root_cert;
  std::vector<std::string> chain;
  std::vector<std::string> crls;
  std::string purpose = "any";
  std::vector<std::string> roles;
  std::vector<std::string> certs;
  std::string input;
  std::string directory;
};

// Errors the operator must act on (refused input) exit 3, missing things 4, the rest 1.
int Report(const Error& e) {
  PrintError(e);
  switch (e.code) {
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kConflict:
      return kExitRejected;
    default:
      return kExitFailure;
  }
}

Result<crypto::KeyOptions> KeyOpts(const std::string& pin_file, const char* env,
                                   const std::string& module) {
  auto pin = crypto::ResolvePin("", pin_file, env);
  if (!pin) return std::unexpected(pin.error());
  return crypto::KeyOptions{.pin = std::move(*pin), .module_path = module};
}

// Writes `text` to `path`, or to stdout when `path` is empty or "-".
Result<void> Emit(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return {};
  }
  return crypto::WriteFileAtomic(path, text);
}

pki::Validity DaysValidity(int days) {
  pki::Validity v;
  if (days > 0) v.days = days;
  return v;
}

int RunInitRoot(const PkiOptions& o) {
  pki::RootParams p;
  if (!o.name.empty()) p.common_name = o.name;
  p.organisation = o.org;
  if (o.days > 0) p.days = o.days;
  p.key_location = o.key;
  p.directory_key_location = o.directory_key;
  auto opts = KeyOpts(o.pin_file, kKeyPinEnv, o.module);
  if (!opts) return Report(opts.error());
  p.key_options = *opts;
  p.directory_key_options = *opts;
  auto ca = pki::CertificateAuthority::CreateRoot(o.dir, p);
  if (!ca) return Report(ca.error());
  std::cout << "root CA created in " << o.dir << "\n  certificate: " << (fs::path(o.dir) / "ca.pem")
            << "\n  key:         " << ca->key().location()
            << "\n  CRL:         " << (fs::path(o.dir) / "crl.pem") << "\n";
  return kExitOk;
}

int RunInitCountry(const PkiOptions& o) {
  auto root_opts = KeyOpts(o.ca_pin_file, kCaPinEnv, "");
  if (!root_opts) return Report(root_opts.error());
  auto root = pki::CertificateAuthority::Open(o.root_dir, *root_opts);
  if (!root) return Report(root.error());
  pki::CountryParams p;
  p.country = o.country;
  p.common_name = o.name;
  p.organisation = o.org;
  if (o.days > 0) p.days = o.days;
  p.key_location = o.key;
  auto opts = KeyOpts(o.pin_file, kKeyPinEnv, o.module);
  if (!opts) return Report(opts.error());
  p.key_options = *opts;
  auto ca = pki::CertificateAuthority::CreateCountry(o.dir, *root, p);
  if (!ca) return Report(ca.error());
  std::cout << "country CA " << o.country << " created in " << o.dir
            << "\n  certificate: " << (fs::path(o.dir) / "ca.pem")
            << "\n  chain:       " << (fs::path(o.dir) / "chain.pem")
            << "\n  key:         " << ca->key().location() << "\n";
  return kExitOk;
}

int RunKeygen(const PkiOptions& o) {
  auto opts = KeyOpts(o.pin_file, kKeyPinEnv, o.module);
  if (!opts) return Report(opts.error());
  auto key = crypto::Key::Generate(o.key, *opts);
  if (!key) return Report(key.error());
  auto pub = key->PublicKeyPem();
  if (!pub) return Report(pub.error());
  if (auto ok = Emit(o.output, *pub); !ok) return Report(ok.error());
  std::cerr << "P-256 key generated: " << key->location() << "\n";
  return kExitOk;
}

int RunCsr(const PkiOptions& o) {
  auto opts = KeyOpts(o.pin_file, kKeyPinEnv, o.module);
  if (!opts) return Report(opts.error());
  auto key = crypto::Key::Load(o.key, *opts);
  if (!key) return Report(key.error());
  pki::CsrRequest req;
  req.subject = {o.country, o.org, o.name};
  req.dns_names = o.dns;
  req.ip_addresses = o.ips;
  req.emails = o.emails;
  auto csr = pki::MakeCsr(*key, req);
  if (!csr) return Report(csr.error());
  if (auto ok = Emit(o.output, *csr); !ok) return Report(ok.error());
  return kExitOk;
}

Result<pki::CertificateAuthority> OpenCa(const PkiOptions& o) {
  auto opts = KeyOpts(o.ca_pin_file, kCaPinEnv, "");
  if (!opts) return std::unexpected(opts.error());
  return pki::CertificateAuthority::Open(o.ca, *opts);
}

int RunSign(const PkiOptions& o) {
  auto profile = pki::ParseProfile(o.profile);
  if (!profile) return Report(profile.error());
  auto csr = crypto::ReadFileBytes(o.csr, 1 << 20);
  if (!csr) return Report(csr.error());
  auto ca = OpenCa(o);
  if (!ca) return Report(ca.error());
  auto issued = ca->Sign(*csr, *profile, DaysValidity(o.days));
  if (!issued) return Report(issued.error().WithContext(o.csr));
  if (auto ok = Emit(o.output, issued->pem); !ok) return Report(ok.error());
  NoteAuditDetail("serial", issued->serial);
  std::cerr << "issued serial " << issued->serial << " (" << o.profile << ")\n";
  return kExitOk;
}

int RunRevoke(const PkiOptions& o) {
  auto reason = pki::ParseRevocationReason(o.reason);
  if (!reason) return Report(reason.error());
  std::string serial = o.serial;
  if (!o.cert.empty()) {
    auto cert = crypto::LoadCertificate(o.cert);
    if (!cert) return Report(cert.error());
    serial = crypto::SerialHex(cert->get());
  }
  if (serial.empty()) return Report(Error{ErrorCode::kInvalidArgument, "give --serial or --cert"});
  auto ca = OpenCa(o);
  if (!ca) return Report(ca.error());
  NoteAuditDetail("serial", serial);
  if (auto ok = ca->Revoke(serial, *reason); !ok) return Report(ok.error());
  std::cout << "revoked serial " << serial << " (" << o.reason << "); CRL published to "
            << (fs::path(o.ca) / "crl.pem") << "\n";
  return kExitOk;
}

int RunCrl(const PkiOptions& o) {
  auto ca = OpenCa(o);
  if (!ca) return Report(ca.error());
  auto crl = ca->PublishCrl(o.days > 0 ? o.days : 7);
  if (!crl) return Report(crl.error());
  if (!o.output.empty()) {
    if (auto ok = Emit(o.output, *crl); !ok) return Report(ok.error());
  }
  std::cerr << "CRL published to " << (fs::path(o.ca) / "crl.pem") << "\n";
  return kExitOk;
}

int RunRenew(const PkiOptions& o) {
  auto old = crypto::ReadFileBytes(o.cert, 1 << 20);
  if (!old) return Report(old.error());
  std::optional<std::string> csr;
  if (!o.csr.empty()) {
    auto text = crypto::ReadFileBytes(o.csr, 1 << 20);
    if (!text) return Report(text.error());
    csr = std::move(*text);
  }
  auto ca = OpenCa(o);
  if (!ca) return Report(ca.error());
  auto issued = ca->Renew(*old, csr, DaysValidity(o.days));
  if (!issued) return Report(issued.error().WithContext(o.cert));
  if (auto ok = Emit(o.output, issued->pem); !ok) return Report(ok.error());
  std::cerr << "renewed as serial " << issued->serial << "\n";
  return kExitOk;
}

int RunVerify(const PkiOptions& o) {
  pki::VerifyInput in;
  auto read = [](const std::string& path, std::string& out) -> Result<void> {
    auto text = crypto::ReadFileBytes(path, 16 << 20);
    if (!text) return std::unexpected(text.error());
    out = std::move(*text);
    return {};
  };
  if (auto ok = read(o.cert, in.certificate_pem); !ok) return Report(ok.error());
  if (auto ok = read(o.root_cert, in.root_pem); !ok) return Report(ok.error());
  for (const auto& path : o.chain) {
    if (auto ok = read(path, in.intermediates_pem.emplace_back()); !ok) return Report(ok.error());
  }
  for (const auto& path : o.crls) {
    if (auto ok = read(path, in.crls_pem.emplace_back()); !ok) return Report(ok.error());
  }
  if (!o.country.empty()) in.expected_country = o.country;
  if (o.purpose == "server") in.purpose = pki::Purpose::kTlsServer;
  if (o.purpose == "client") in.purpose = pki::Purpose::kTlsClient;
  if (o.purpose == "email") in.purpose = pki::Purpose::kEmail;
  auto result = pki::VerifyChain(in);
  if (!result) return Report(result.error());
  std::cout << o.cert << ": " << result->message << "\n";
  return result->ok() ? kExitOk : kExitRejected;
}

int RunDirectoryBuild(const PkiOptions& o) {
  pki::Directory directory;
  if (fs::exists(o.directory)) {
    auto text = crypto::ReadFileBytes(o.directory);
    if (!text) return Report(text.error());
    auto parsed = pki::ParseDirectory(*text);
    if (!parsed) return Report(parsed.error().WithContext(o.directory));
    if (!parsed->diagnostics.empty()) {
      return Report(Error{ErrorCode::kInvalidArgument, o.directory + ": " +
                                                           parsed->diagnostics[0].path + ": " +
                                                           parsed->diagnostics[0].message});
    }
    directory = std::move(parsed->directory);
  }
  pki::Organisation org{o.name, o.country, o.roles, {}};
  for (const auto& path : o.certs) {
    auto pem = crypto::ReadFileBytes(path, 1 << 20);
    if (!pem) return Report(pem.error());
    auto certs = crypto::ParseCertificatesPem(*pem, path);
    if (!certs) return Report(certs.error());
    for (auto& c : *certs) org.certificates_pem.push_back(crypto::CertificatePem(c.get()));
  }
  if (auto ok = pki::AddOrganisation(directory, std::move(org)); !ok) return Report(ok.error());
  if (auto ok = crypto::WriteFileAtomic(o.directory, pki::SerializeDirectory(directory)); !ok) {
    return Report(ok.error());
  }
  std::cout << o.directory << ": " << directory.organisations.size() << " organisation(s)\n";
  return kExitOk;
}

int RunDirectorySign(const PkiOptions& o) {
  auto text = crypto::ReadFileBytes(o.input);
  if (!text) return Report(text.error());
  auto parsed = pki::ParseDirectory(*text);
  if (!parsed) return Report(parsed.error().WithContext(o.input));
  if (!parsed->diagnostics.empty()) {
    // Never sign a directory with entries the verifier would drop.
    return Report(Error{ErrorCode::kInvalidArgument, o.input + ": " + parsed->diagnostics[0].path +
                                                         ": " + parsed->diagnostics[0].message});
  }
  auto opts = KeyOpts(o.pin_file, kKeyPinEnv, o.module);
  if (!opts) return Report(opts.error());
  auto signer = pki::CertificateAuthority::OpenDirectorySigner(o.ca, *opts);
  if (!signer) return Report(signer.error());
  auto cms = pki::SignDirectory(parsed->directory, signer->key, signer->certificate_pem);
  if (!cms) return Report(cms.error());
  if (auto ok = Emit(o.output, *cms); !ok) return Report(ok.error());
  return kExitOk;
}

int RunDirectoryVerify(const PkiOptions& o) {
  auto signed_text = crypto::ReadFileBytes(o.input);
  if (!signed_text) return Report(signed_text.error());
  auto root = crypto::ReadFileBytes(o.root_cert, 1 << 20);
  if (!root) return Report(root.error());
  auto verified = pki::VerifyDirectory(*signed_text, *root);
  if (!verified) return Report(verified.error().WithContext(o.input));
  for (const auto& d : verified->diagnostics) {
    std::cerr << "socmesh: dropped " << d.path << ": " << d.message << "\n";
  }
  const auto& dir = verified->directory;
  std::cout << o.input << ": signature ok, issued " << dir.issued << ", "
            << dir.organisations.size() << " organisation(s)\n";
  for (const auto& org : dir.organisations) {
    std::cout << "  " << org.country << "  " << org.name << "  [";
    for (size_t i = 0; i < org.roles.size(); ++i) std::cout << (i ? "," : "") << org.roles[i];
    std::cout << "]  " << org.certificates_pem.size() << " certificate(s)\n";
  }
  if (!o.output.empty()) {
    if (auto ok = crypto::WriteFileAtomic(o.output, pki::SerializeDirectory(dir)); !ok) {
      return Report(ok.error());
    }
  }
  return verified->diagnostics.empty() ? kExitOk : kExitRejected;
}

void KeyOptions(CLI::App* cmd, PkiOptions& o, bool required, const char* what) {
  auto* key = cmd->add_option("--key", o.key, std::string(what) + ": PEM file or pkcs11: URI");
  if (required) key->required();
  cmd->add_option("--pin-file", o.pin_file,
                  "File whose first line is the token PIN / key passphrase (else "
                  "$SOCMESH_KEY_PIN)");
  cmd->add_option("--module", o.module, "PKCS#11 module (default /usr/lib/softhsm/libsofthsm2.so)");
}

void CaOption(CLI::App* cmd, PkiOptions& o) {
  cmd->add_option("--ca", o.ca, "CA directory (made by init-root / init-country)")->required();
  cmd->add_option("--ca-pin-file", o.ca_pin_file,
                  "File with the CA key's PIN / passphrase (else $SOCMESH_CA_PIN)");
}

}  // namespace

void PkiCommands(CLI::App& app, const GlobalOptions& /*global*/,
                 std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<PkiOptions>();
  auto* pki = app.add_subcommand("pki", "The network's PKI: CAs, keys, CSRs, CRLs, directory");
  pki->require_subcommand(1);

  auto* init_root = pki->add_subcommand("init-root", "Create the network's root CA in a directory");
  init_root->add_option("--dir", o->dir, "New CA directory")->required();
  init_root->add_option("--name", o->name, "Common name (default \"socmesh root CA\")");
  init_root->add_option("--org", o->org, "Organisation running the network (O=)");
  init_root->add_option("--days", o->days, "Validity in days (default 3650)");
  KeyOptions(init_root, *o, false, "Root key to create (default DIR/ca.key)");
  init_root->add_option("--directory-key", o->directory_key,
                        "Directory signer key to create (default DIR/directory.key)");

  auto* init_country =
      pki->add_subcommand("init-country", "Create a country's intermediate CA, issued by the root");
  init_country->add_option("--dir", o->dir, "New CA directory")->required();
  init_country->add_option("--root", o->root_dir, "Root CA directory")->required();
  init_country->add_option("--country", o->country, "ISO 3166-1 alpha-2 code, e.g. FR")->required();
  init_country->add_option("--name", o->name, "Common name (default \"socmesh <CC> CA\")");
  init_country->add_option("--org", o->org, "O= (default: the root's)");
  init_country->add_option("--days", o->days, "Validity in days (default 1825)");
  init_country->add_option("--ca-pin-file", o->ca_pin_file,
                           "File with the root key's PIN / passphrase (else $SOCMESH_CA_PIN)");
  KeyOptions(init_country, *o, false, "Country CA key to create (default DIR/ca.key)");

  auto* keygen = pki->add_subcommand("keygen", "Generate an ECDSA P-256 key in a file or a token");
  KeyOptions(keygen, *o, true, "Where: new PEM file (mode 0600) or pkcs11: URI with object=");
  keygen->add_option("-o,--output", o->output, "Write the public key here (default stdout)");

  auto* csr = pki->add_subcommand("csr", "Make a certificate signing request for a key");
  KeyOptions(csr, *o, true, "The node's or user's key");
  csr->add_option("--country", o->country, "C=, ISO 3166-1 alpha-2")->required();
  csr->add_option("--org", o->org, "O=, the organisation")->required();
  csr->add_option("--name", o->name, "CN=, host name of a node or name of a user")->required();
  csr->add_option("--dns", o->dns, "subjectAltName DNS name (repeatable)");
  csr->add_option("--ip", o->ips, "subjectAltName IP address (repeatable)");
  csr->add_option("--email", o->emails, "subjectAltName e-mail (repeatable)");
  csr->add_option("-o,--output", o->output, "Output file (default stdout)");

  auto* sign = pki->add_subcommand("sign", "Issue a certificate for a CSR (country CA)");
  CaOption(sign, *o);
  sign->add_option("--csr", o->csr, "CSR file (PEM)")->required();
  sign->add_option("--profile", o->profile, "node (TLS server+client) or user (client+e-mail)")
      ->check(CLI::IsMember({"node", "user"}));
  sign->add_option("--days", o->days, "Validity in days (default 397)");
  sign->add_option("-o,--output", o->output, "Output file (default stdout)");

  auto* revoke = pki->add_subcommand("revoke", "Revoke a certificate and publish the CRL");
  CaOption(revoke, *o);
  revoke->add_option("--serial", o->serial, "Serial number (hex)");
  revoke->add_option("--cert", o->cert, "Or the certificate file");
  revoke->add_option("--reason", o->reason,
                     "unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
                     "cessationOfOperation, certificateHold");

  auto* crl = pki->add_subcommand("crl", "Publish a fresh CRL (CA_DIR/crl.pem)");
  CaOption(crl, *o);
  crl->add_option("--days", o->days, "Until nextUpdate (default 7)");
  crl->add_option("-o,--output", o->output, "Also write it here");

  auto* renew =
      pki->add_subcommand("renew", "Re-issue a certificate: same subject, same or new key");
  CaOption(renew, *o);
  renew->add_option("--cert", o->cert, "Certificate to renew")->required();
  renew->add_option("--csr", o->csr, "CSR with the new key (same subject); default: same key");
  renew->add_option("--days", o->days, "Validity in days (default 397)");
  renew->add_option("-o,--output", o->output, "Output file (default stdout)");

  auto* verify = pki->add_subcommand("verify", "Verify a certificate chain with CRL checks");
  verify->add_option("cert", o->cert, "Certificate (PEM)")->required();
  verify->add_option("--root", o->root_cert, "Root CA certificate (the only trust anchor)")
      ->required();
  verify->add_option("--chain", o->chain, "Intermediate certificates, e.g. the country CA's");
  verify->add_option("--crl", o->crls, "CRLs of every CA in the chain (repeatable)");
  verify->add_option("--country", o->country, "Country the certificate must belong to");
  verify->add_option("--purpose", o->purpose, "any, server, client or email")
      ->check(CLI::IsMember({"any", "server", "client", "email"}));

  auto* directory = pki->add_subcommand("directory", "The signed directory of organisations");
  directory->require_subcommand(1);
  auto* build =
      directory->add_subcommand("build", "Add or replace an organisation (unsigned JSON)");
  build->add_option("--directory", o->directory, "Directory JSON (created if missing)")->required();
  build->add_option("--name", o->name, "Organisation name")->required();
  build->add_option("--country", o->country, "ISO 3166-1 alpha-2")->required();
  build->add_option("--role", o->roles, "Role (repeatable), e.g. national-soc, gateway")
      ->required();
  build->add_option("--cert", o->certs, "Certificate file (repeatable)")->required();
  auto* dsign = directory->add_subcommand("sign", "Sign with the root's directory signer (CMS)");
  dsign->add_option("--ca", o->ca, "Root CA directory")->required();
  dsign->add_option("--in", o->input, "Directory JSON")->required();
  dsign->add_option("-o,--output", o->output, "Signed directory, PEM CMS (default stdout)");
  dsign->add_option("--pin-file", o->pin_file,
                    "PIN / passphrase of the directory key (else $SOCMESH_KEY_PIN)");
  auto* dverify = directory->add_subcommand("verify", "Verify a signed directory with the root");
  dverify->add_option("--root", o->root_cert, "Root CA certificate")->required();
  dverify->add_option("--in", o->input, "Signed directory (PEM or DER CMS)")->required();
  dverify->add_option("-o,--output", o->output, "Write the verified JSON here");

  auto add = [&](CLI::App* cmd, int (*run)(const PkiOptions&)) {
    runners.push_back([cmd, run, o]() -> std::optional<int> {
      if (!*cmd) return std::nullopt;
      return run(*o);
    });
  };
  add(init_root, RunInitRoot);
  add(init_country, RunInitCountry);
  add(keygen, RunKeygen);
  add(csr, RunCsr);
  add(sign, RunSign);
  add(revoke, RunRevoke);
  add(crl, RunCrl);
  add(renew, RunRenew);
  add(verify, RunVerify);
  add(build, RunDirectoryBuild);
  add(dsign, RunDirectorySign);
  add(dverify, RunDirectoryVerify);
}

}  // namespace socmesh::cli
