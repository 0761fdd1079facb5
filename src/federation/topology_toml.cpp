// The topology file: TOML read with toml++ (format in docs/cli.md, "Topology file"). Reading is
// strict — unknown keys are errors — because a misspelt `gatway` silently ignored would change
// who talks to whom.
#include <toml++/toml.h>

#include <exception>
#include <sstream>

#include "federation/detail/problems.hpp"
#include "federation/topology.hpp"

namespace socmesh::federation {
namespace {

using detail::Problems;

int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

// Reads one table's keys into a spec, reporting wrong types and unknown keys.
class Reader {
 public:
  Reader(Problems& problems, std::string prefix)
      : problems_(problems), prefix_(std::move(prefix)) {}

  void String(const toml::node& v, const std::string& key, std::string& out) {
    if (auto s = v.as_string()) {
      out = s->get();
    } else {
      WrongType(v, key, "a string");
    }
  }

  void Strings(const toml::node& v, const std::string& key, std::vector<std::string>& out) {
    const toml::array* a = v.as_array();
    if (!a) return WrongType(v, key, "an array of strings");
    for (const toml::node& e : *a) {
      if (auto s = e.as_string()) {
        out.push_back(s->get());
      } else {
        WrongType(e, key, "an array of strings");
      }
    }
  }

  void WrongType(const toml::node& v, const std::string& key, std::string_view expected) {
    problems_.Add(LineOf(v), prefix_ + key,
                  "must be " + std::string(expected) + ", not " + std::string(TypeName(v.type())));
  }

  void Unknown(const toml::key& k, const toml::node& v) {
    problems_.Add(LineOf(v), prefix_ + std::string(k.str()), "unknown key");
  }

  void Missing(const toml::table& t, std::string_view key) {
    problems_.Add(LineOf(t), prefix_ + std::string(key), "missing");
  }

  Problems& problems() { return problems_; }
  const std::string& prefix() const { return prefix_; }

 private:
  Problems& problems_;
  std::string prefix_;
};

// Each [[array]] entry must be a table; others are reported.
template <typename F>
void ForEachTable(const toml::node& v, std::string_view key, Problems& problems, F&& each) {
  const toml::array* a = v.as_array();
  if (!a || !a->is_array_of_tables()) {
    problems.Add(LineOf(v), key, "must be an array of tables ([[" + std::string(key) + "]])");
    return;
  }
  size_t i = 0;
  for (const toml::node& e : *a) each(*e.as_table(), i++);
}

void ReadNetwork(const toml::table& t, TopologySpec& spec, Problems& problems) {
  Reader r(problems, "network.");
  spec.network_line = LineOf(t);
  bool has_upper = false;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (key == "name") {
      r.String(v, key, spec.name);
    } else if (key == "upper") {
      has_upper = true;
      std::string name;
      r.String(v, key, name);
      if (auto kind = ParseUpperLayer(name)) {
        spec.upper = *kind;
      } else if (v.is_string()) {
        problems.Add(LineOf(v), "network.upper",
                     "\"" + name + "\" is not an upper-layer kind (centralised, distributed)");
      }
    } else if (key == "awareness") {
      r.String(v, key, spec.awareness);
    } else {
      r.Unknown(k, v);
    }
  }
  if (!has_upper) r.Missing(t, "upper");
}

void ReadNode(const toml::table& t, size_t index, TopologySpec& spec, Problems& problems) {
  NodeSpec n;
  n.line = LineOf(t);
  Reader r(problems, "node[" + std::to_string(index) + "].");
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    n.lines[key] = LineOf(v);
    if (key == "name") {
      r.String(v, key, n.name);
    } else if (key == "organisation") {
      r.String(v, key, n.organisation);
    } else if (key == "country") {
      r.String(v, key, n.country);
    } else if (key == "roles") {
      std::vector<std::string> names;
      r.Strings(v, key, names);
      for (const auto& name : names) {
        if (auto role = ParseNodeRole(name)) {
          n.roles.push_back(*role);
        } else {
          problems.Add(LineOf(v), r.prefix() + key,
                       "\"" + name + "\" is not a role (national, platform, gateway, awareness)");
        }
      }
    } else if (key == "sharing_groups") {
      r.Strings(v, key, n.sharing_groups);
    } else {
      r.Unknown(k, v);
    }
  }
  for (const char* required : {"name", "organisation", "country", "roles"}) {
    if (!n.lines.contains(required)) r.Missing(t, required);
  }
  spec.nodes.push_back(std::move(n));
}

void ReadExport(const toml::node& v, ConsortiumSpec& c, Reader& outer) {
  const toml::table* t = v.as_table();
  if (!t) return outer.WrongType(v, "export", "a table");
  Reader r(outer.problems(), outer.prefix() + "export.");
  for (auto&& [k, e] : *t) {
    const std::string key(k.str());
    if (key == "max_tlp") {
      std::string name;
      r.String(e, key, name);
      if (auto tlp = model::ParseTlpName(name)) {
        c.export_rule.max_tlp = *tlp;
      } else if (e.is_string()) {
        outer.problems().Add(
            LineOf(e), r.prefix() + key,
            "\"" + name + "\" is not a TLP (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)");
      }
    } else if (key == "object_types") {
      r.Strings(e, key, c.export_rule.object_types);
    } else {
      r.Unknown(k, e);
    }
  }
}

void ReadConsortium(const toml::table& t, size_t index, TopologySpec& spec, Problems& problems) {
  ConsortiumSpec c;
  c.line = LineOf(t);
  Reader r(problems, "consortium[" + std::to_string(index) + "].");
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    c.lines[key] = LineOf(v);
    if (key == "name") {
      r.String(v, key, c.name);
    } else if (key == "kind") {
      std::string name;
      r.String(v, key, name);
      if (auto kind = ParseLowerLayer(name)) {
        c.kind = *kind;
      } else if (v.is_string()) {
        problems.Add(
            LineOf(v), r.prefix() + key,
            "\"" + name + "\" is not a lower-layer kind (centralised, decentralised, distributed)");
      }
    } else if (key == "members") {
      r.Strings(v, key, c.members);
    } else if (key == "gateway") {
      r.String(v, key, c.gateway);
    } else if (key == "platform") {
      r.String(v, key, c.platform);
    } else if (key == "core") {
      r.Strings(v, key, c.core);
    } else if (key == "satellites") {
      // satellites = { "soc-hr" = "soc-it", … }: each satellite and the core node it hangs on.
      if (const toml::table* s = v.as_table()) {
        for (auto&& [sk, sv] : *s) {
          std::string core;
          r.String(sv, "satellites." + std::string(sk.str()), core);
          c.satellites.emplace_back(std::string(sk.str()), core);
        }
      } else {
        r.WrongType(v, key, "a table of satellite = core node");
      }
    } else if (key == "export") {
      ReadExport(v, c, r);
    } else {
      r.Unknown(k, v);
    }
  }
  for (const char* required : {"name", "kind", "members"}) {
    if (!c.lines.contains(required)) r.Missing(t, required);
  }
  spec.consortia.push_back(std::move(c));
}

void ReadLink(const toml::table& t, size_t index, TopologySpec& spec, Problems& problems) {
  Reader r(problems, "link[" + std::to_string(index) + "].");
  LinkSpec l;
  l.line = LineOf(t);
  bool has_between = false;
  for (auto&& [k, v] : t) {
    if (k.str() == "between") {
      has_between = true;
      std::vector<std::string> ends;
      r.Strings(v, "between", ends);
      if (ends.size() == 2) {
        l.a = ends[0];
        l.b = ends[1];
        spec.links.push_back(l);
      } else if (v.is_array()) {
        problems.Add(LineOf(v), r.prefix() + "between", "must name exactly two nodes");
      }
    } else {
      r.Unknown(k, v);
    }
  }
  if (!has_between) r.Missing(t, "between");
}

toml::array StringArray(const std::vector<std::string>& values) {
  toml::array a;
  for (const auto& v : values) a.push_back(v);
  return a;
}

}  // namespace

Result<TopologySpec> ParseTopologySpec(std::string_view toml_text, std::string_view source) {
  const std::string name = source.empty() ? "topology" : std::string(source);
  if (toml_text.size() > kMaxTopologyBytes) {
    return Fail(ErrorCode::kTooLarge,
                name + ": larger than " + std::to_string(kMaxTopologyBytes) + " bytes");
  }
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kParse, name + ":" + std::to_string(e.source().begin.line) + ":" +
                                       std::to_string(e.source().begin.column) + ": " +
                                       std::string(e.description()));
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kParse, name + ": " + e.what());
  }

  TopologySpec spec;
  spec.source = name;
  Problems problems(name);
  bool has_network = false;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "network") {
      has_network = true;
      if (const toml::table* t = v.as_table()) {
        ReadNetwork(*t, spec, problems);
      } else {
        problems.Add(LineOf(v), key, "must be a table ([network])");
      }
    } else if (key == "node") {
      ForEachTable(v, key, problems,
                   [&](const toml::table& t, size_t i) { ReadNode(t, i, spec, problems); });
    } else if (key == "consortium") {
      ForEachTable(v, key, problems,
                   [&](const toml::table& t, size_t i) { ReadConsortium(t, i, spec, problems); });
    } else if (key == "link") {
      ForEachTable(v, key, problems,
                   [&](const toml::table& t, size_t i) { ReadLink(t, i, spec, problems); });
    } else {
      problems.Add(LineOf(v), key, "unknown key (expected network, node, consortium, link)");
    }
  }
  if (!has_network) problems.Add(0, "network", "missing ([network] with upper = …)");
  if (spec.nodes.empty()) problems.Add(0, "node", "no nodes ([[node]])");
  if (!problems.empty()) return std::unexpected(problems.ToError(ErrorCode::kInvalidArgument));
  return spec;
}

std::string FormatTopologySpec(const TopologySpec& spec) {
  toml::table root;
  toml::table network;
  if (!spec.name.empty()) network.insert("name", spec.name);
  network.insert("upper", std::string(UpperLayerName(spec.upper)));
  if (!spec.awareness.empty()) network.insert("awareness", spec.awareness);
  root.insert("network", std::move(network));

  toml::array nodes;
  for (const NodeSpec& n : spec.nodes) {
    toml::table t;
    t.insert("name", n.name);
    t.insert("organisation", n.organisation);
    t.insert("country", n.country);
    toml::array roles;
    for (NodeRole r : n.roles) roles.push_back(std::string(NodeRoleName(r)));
    t.insert("roles", std::move(roles));
    if (!n.sharing_groups.empty()) t.insert("sharing_groups", StringArray(n.sharing_groups));
    nodes.push_back(std::move(t));
  }
  root.insert("node", std::move(nodes));

  toml::array consortia;
  for (const ConsortiumSpec& c : spec.consortia) {
    toml::table t;
    t.insert("name", c.name);
    t.insert("kind", std::string(LowerLayerName(c.kind)));
    t.insert("members", StringArray(c.members));
    if (!c.gateway.empty()) t.insert("gateway", c.gateway);
    if (!c.platform.empty()) t.insert("platform", c.platform);
    if (!c.core.empty()) t.insert("core", StringArray(c.core));
    if (!c.satellites.empty()) {
      toml::table s;
      for (const auto& [sat, core] : c.satellites) s.insert(sat, core);
      s.is_inline(true);
      t.insert("satellites", std::move(s));
    }
    if (c.export_rule != ExportRule{}) {
      toml::table e;
      e.insert("max_tlp", std::string(model::TlpName(c.export_rule.max_tlp)));
      if (!c.export_rule.object_types.empty()) {
        e.insert("object_types", StringArray(c.export_rule.object_types));
      }
      t.insert("export", std::move(e));
    }
    consortia.push_back(std::move(t));
  }
  if (!consortia.empty()) root.insert("consortium", std::move(consortia));

  toml::array links;
  for (const LinkSpec& l : spec.links) {
    toml::table t;
    t.insert("between", StringArray({l.a, l.b}));
    links.push_back(std::move(t));
  }
  if (!links.empty()) root.insert("link", std::move(links));

  std::ostringstream out;
  out << root << "\n";
  return out.str();
}

}  // namespace socmesh::federation
