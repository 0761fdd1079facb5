// IODEF observables (Address, DomainData, EmailData, FileData, WindowsRegistryKeysModified,
// CertificateData, BulkObservable, …) as STIX Cyber-observable Objects and as STIX patterns.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/iodef/detail/incident_mapper.hpp"
#include "formats/iodef/detail/object_builder.hpp"

namespace socmesh::formats::iodef::detail {

// An SCO without id, spec_version and markings (the mapper adds them).
struct ScoValue {
  std::string type;
  ObjectBuilder body;
};

struct ServiceTraffic {
  std::optional<int64_t> port;
  std::vector<std::string> protocols;  // never empty
};

struct SystemScos {
  std::vector<ScoValue> addresses;       // from Node/Address and Node/DomainData
  std::optional<size_t> first_ip_index;  // into `addresses`: the node's first IP address
  std::vector<ScoValue> others;          // e-mail addresses and messages of its services
  std::vector<ServiceTraffic> services;  // one per Service, for network-traffic objects
};

// SCOs of a Flow/System. Values that are not what their category says are reported in
// `warnings` (one line each) and left out.
SystemScos ScosOfSystem(const xmlNode* system, std::vector<std::string>& warnings);

// SCOs of a Record/RecordData: files (FileData), registry keys, certificates, URLs.
std::vector<ScoValue> ScosOfRecordData(const xmlNode* data, std::vector<std::string>& warnings);

// The STIX pattern for an Indicator (its Observable, ObservableReference or IndicatorExpression).
// "and"/"or" expressions become AND/OR of observation expressions; an "or" keeps the parts that
// can be expressed, an "and" (and "not"/"xor", which STIX patterns cannot say) gives nullopt
// when a part cannot be expressed: a broader pattern would raise false alarms.
std::optional<std::string> IndicatorPattern(const xmlNode* indicator,
                                            const ObservableIndex& observables,
                                            std::vector<std::string>& warnings);

// A string as a STIX pattern literal: quoted, with ' and \ escaped.
std::string PatternString(std::string_view value);

}  // namespace socmesh::formats::iodef::detail
