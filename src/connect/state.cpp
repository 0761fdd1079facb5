#include "connect/state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/canonical_json.hpp"

namespace socmesh::connect {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kStateVersion = 1;

// The fields of RunCounters and ConnectorState, by JSON name, so reading and writing stay in step.
struct CounterField {
  const char* name;
  int64_t RunCounters::*member;
};
constexpr CounterField kCounterFields[] = {
    {"bytes", &RunCounters::bytes},
    {"objects", &RunCounters::objects},
    {"inserted", &RunCounters::inserted},
    {"unchanged", &RunCounters::unchanged},
    {"rejected", &RunCounters::rejected},
    {"files_done", &RunCounters::files_done},
    {"files_failed", &RunCounters::files_failed},
    {"merged", &RunCounters::merged},
    {"dropped", &RunCounters::dropped},
};

struct TextField {
  const char* name;
  std::string ConnectorState::*member;
};
constexpr TextField kTextFields[] = {
    {"type", &ConnectorState::type},
    {"etag", &ConnectorState::etag},
    {"last_modified", &ConnectorState::last_modified},
    {"taxii_added_after", &ConnectorState::taxii_added_after},
    {"taxii_next", &ConnectorState::taxii_next},
    {"taxii_last_added", &ConnectorState::taxii_last_added},
    {"last_run", &ConnectorState::last_run},
    {"last_success", &ConnectorState::last_success},
    {"last_result", &ConnectorState::last_result},
    {"last_error", &ConnectorState::last_error},
};

struct IntField {
  const char* name;
  int64_t ConnectorState::*member;
};
constexpr IntField kIntFields[] = {
    {"last_duration_ms", &ConnectorState::last_duration_ms},
    {"runs", &ConnectorState::runs},
    {"failures", &ConnectorState::failures},
};

void WriteCounters(model::JsonWriter& w, const RunCounters& c) {
  w.BeginObject();
  for (const auto& f : kCounterFields) w.Key(f.name).Int(c.*f.member);
  w.EndObject();
}

void WriteState(model::JsonWriter& w, const ConnectorState& s) {
  w.BeginObject();
  for (const auto& f : kTextFields) w.Key(f.name).String(s.*f.member);
  for (const auto& f : kIntFields) w.Key(f.name).Int(s.*f.member);
  w.Key("last");
  WriteCounters(w, s.last);
  w.Key("total");
  WriteCounters(w, s.total);
  w.EndObject();
}

void ReadCounters(simdjson::dom::element e, RunCounters& c) {
  for (const auto& f : kCounterFields) {
    int64_t v = 0;
    if (e[f.name].get_int64().get(v) == simdjson::SUCCESS) c.*f.member = v;
  }
}

ConnectorState ReadState(simdjson::dom::element e) {
  ConnectorState s;
  for (const auto& f : kTextFields) {
    std::string_view v;
    if (e[f.name].get_string().get(v) == simdjson::SUCCESS) s.*f.member = std::string(v);
  }
  for (const auto& f : kIntFields) {
    int64_t v = 0;
    if (e[f.name].get_int64().get(v) == simdjson::SUCCESS) s.*f.member = v;
  }
  simdjson::dom::element c;
  if (e["last"].get(c) == simdjson::SUCCESS) ReadCounters(c, s.last);
  if (e["total"].get(c) == simdjson::SUCCESS) ReadCounters(c, s.total);
  return s;
}

Error SystemError(const std::string& what) {
  return Error{ErrorCode::kIo, what + ": " + std::strerror(errno)};
}

// Writes `data` to `path` so that a crash leaves the old or the new content: a temporary file in
// the same directory, fsync, rename over the target, fsync of the directory (the rename itself).
Result<void> WriteAtomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(SystemError(tmp));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = SystemError(tmp);
      ::close(fd);
      return std::unexpected(e);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = SystemError(tmp);
    ::close(fd);
    return std::unexpected(e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return std::unexpected(SystemError(path));
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace

RunCounters& RunCounters::operator+=(const RunCounters& o) {
  for (const auto& f : kCounterFields) this->*f.member += o.*f.member;
  return *this;
}

std::string StateToJson(std::string_view name, const ConnectorState& state) {
  model::JsonWriter w;
  w.BeginObject().Key("name").String(name).Key("state");
  WriteState(w, state);
  w.EndObject();
  return w.Take();
}

Result<std::unique_ptr<StateFile>> StateFile::Open(std::string path) {
  std::unique_ptr<StateFile> file(new StateFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (fs::exists(path)) return Fail(ErrorCode::kIo, path + ": cannot read");
    return file;
  }
  std::ostringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t version = 0;
  simdjson::dom::object connectors;
  if (parser.parse(text.str()).get(doc) != simdjson::SUCCESS ||
      doc["version"].get_int64().get(version) != simdjson::SUCCESS ||
      doc["connectors"].get_object().get(connectors) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, path + ": not a socmesh connector state file");
  }
  if (version != kStateVersion) {
    return Fail(ErrorCode::kUnsupported,
                path + ": state file version " + std::to_string(version) + " is not known");
  }
  for (auto [name, value] : connectors) {
    file->states_.emplace(std::string(name), ReadState(value));
  }
  return file;
}

ConnectorState StateFile::Get(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  return it == states_.end() ? ConnectorState{} : it->second;
}

std::map<std::string, ConnectorState, std::less<>> StateFile::All() const {
  std::lock_guard lock(mutex_);
  return states_;
}

Result<void> StateFile::Put(const std::string& name, const ConnectorState& state) {
  std::lock_guard lock(mutex_);
  states_[name] = state;
  return SaveLocked();
}

Result<void> StateFile::SaveLocked() {
  model::JsonWriter w;
  w.BeginObject().Key("version").Int(kStateVersion).Key("connectors").BeginObject();
  for (const auto& [name, state] : states_) {
    w.Key(name);
    WriteState(w, state);
  }
  w.EndObject().EndObject();
  std::string text = w.Take();
  text += '\n';
  return WriteAtomically(path_, text);
}

}  // namespace socmesh::connect
