// Stateful evaluation of observation operators over an event stream (see pattern_stream.hpp).
#include <algorithm>
#include <iterator>

#include "model/pattern_stream.hpp"

namespace socmesh::model {

struct PatternStream::KeyState {
  std::vector<std::vector<Partial>> history;  // per node, oldest first
  Timestamp last_time;
  uint64_t last_event_id = 0;
  bool has_event = false;
  std::list<std::string>::iterator lru;
};

namespace {

using Kind = PatternObservationNode::Kind;

bool Disjoint(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) return false;
    if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return true;
}

}  // namespace

PatternStream::PatternStream(Pattern pattern, PatternStreamOptions options)
    : pattern_(std::move(pattern)), options_(options) {
  const size_t n = pattern_.observation_nodes.size();
  horizon_micros_.assign(n, -1);
  keeps_history_.assign(n, 0);
  fresh_.resize(n);
  if (n == 0) return;
  // Children have smaller indexes than their parents (the parser creates them first), so one
  // pass from the root downwards (descending indexes) propagates the WITHIN horizons.
  for (size_t i = n; i-- > 0;) {
    const PatternObservationNode& node = pattern_.observation_nodes[i];
    int64_t horizon = horizon_micros_[i];
    if (node.kind == Kind::kWithin) {
      horizon = horizon < 0 ? node.within_micros : std::min(horizon, node.within_micros);
    }
    for (size_t c = 0; c < node.children.size(); ++c) {
      const uint32_t child = node.children[c];
      int64_t& h = horizon_micros_[child];
      h = h < 0 ? horizon : (horizon < 0 ? h : std::min(h, horizon));
      const bool combined = node.kind == Kind::kAnd || node.kind == Kind::kRepeats ||
                            (node.kind == Kind::kFollowedBy && c + 1 < node.children.size());
      if (combined) keeps_history_[child] = 1;
    }
  }
}

PatternStream::~PatternStream() = default;
PatternStream::PatternStream(PatternStream&&) noexcept = default;
PatternStream& PatternStream::operator=(PatternStream&&) noexcept = default;

PatternStream::KeyState& PatternStream::StateFor(std::string_view key) {
  auto it = keys_.find(std::string(key));
  if (it != keys_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second->lru);
    return *it->second;
  }
  if (keys_.size() >= options_.max_keys && !lru_.empty()) {
    keys_.erase(lru_.back());
    lru_.pop_back();
    ++stats_.keys_evicted;
  }
  auto state = std::make_unique<KeyState>();
  state->history.resize(pattern_.observation_nodes.size());
  lru_.emplace_front(key);
  state->lru = lru_.begin();
  KeyState& ref = *state;
  keys_.emplace(std::string(key), std::move(state));
  return ref;
}

std::vector<PatternStreamMatch> PatternStream::Feed(const Observation& event, std::string_view key,
                                                    uint64_t event_id) {
  std::vector<PatternStreamMatch> out;
  ++stats_.events;
  if (pattern_.observation_nodes.empty()) return out;
  // Only events that satisfy some observation expression can change any state.
  std::vector<uint8_t> hits(pattern_.observation_nodes.size(), 0);
  bool any = false;
  for (uint32_t leaf : pattern_.leaves) {
    if (MatchesObservationExpression(pattern_, leaf, event)) {
      hits[leaf] = 1;
      any = true;
    }
  }
  if (!any) return out;
  ++stats_.events_matching;
  KeyState& state = StateFor(key);
  if (state.has_event &&
      (event.first_observed < state.last_time || event_id <= state.last_event_id)) {
    ++stats_.out_of_order;
    return out;
  }
  state.has_event = true;
  state.last_time = event.first_observed;
  state.last_event_id = event_id;
  Process(state, event, event_id, hits, out, key);
  return out;
}

void PatternStream::Process(KeyState& state, const Observation& event, uint64_t event_id,
                            const std::vector<uint8_t>& leaf_hits,
                            std::vector<PatternStreamMatch>& out, std::string_view key) {
  const size_t n = pattern_.observation_nodes.size();
  auto merge = [](Partial& into, const Partial& other) {
    into.first = std::min(into.first, other.first);
    into.last = std::max(into.last, other.last);
    std::vector<uint64_t> events;
    events.reserve(into.events.size() + other.events.size());
    std::merge(into.events.begin(), into.events.end(), other.events.begin(), other.events.end(),
               std::back_inserter(events));
    into.events = std::move(events);
  };

  for (size_t i = 0; i < n; ++i) {
    const PatternObservationNode& node = pattern_.observation_nodes[i];
    std::vector<Partial>& fresh = fresh_[i];
    fresh.clear();
    switch (node.kind) {
      case Kind::kLeaf:
        if (leaf_hits[i]) fresh.push_back({event.first_observed, event.last_observed, {event_id}});
        break;
      case Kind::kOr:
        for (uint32_t child : node.children) {
          fresh.insert(fresh.end(), fresh_[child].begin(), fresh_[child].end());
        }
        break;
      case Kind::kAnd:
        for (uint32_t child : node.children) {
          for (const Partial& m : fresh_[child]) {
            Partial cur = m;
            bool complete = true;
            for (uint32_t other : node.children) {
              if (other == child) continue;
              const std::vector<Partial>& past = state.history[other];
              auto it = std::find_if(past.rbegin(), past.rend(), [&](const Partial& p) {
                return Disjoint(p.events, cur.events);
              });
              if (it == past.rend()) {
                complete = false;
                break;
              }
              merge(cur, *it);
            }
            if (complete) fresh.push_back(std::move(cur));
          }
        }
        break;
      case Kind::kFollowedBy:
        for (const Partial& m : fresh_[node.children.back()]) {
          Partial cur = m;
          bool complete = true;
          for (size_t k = node.children.size() - 1; k-- > 0;) {
            const std::vector<Partial>& past = state.history[node.children[k]];
            auto it = std::find_if(past.rbegin(), past.rend(), [&](const Partial& p) {
              return p.events.back() < cur.events.front() && p.last <= cur.first;
            });
            if (it == past.rend()) {
              complete = false;
              break;
            }
            merge(cur, *it);
          }
          if (complete) fresh.push_back(std::move(cur));
        }
        break;
      case Kind::kWithin:
        for (const Partial& m : fresh_[node.children[0]]) {
          if (m.last.micros - m.first.micros <= node.within_micros) fresh.push_back(m);
        }
        break;
      case Kind::kRepeats: {
        const uint32_t child = node.children[0];
        const std::vector<Partial>& past = state.history[child];
        for (const Partial& m : fresh_[child]) {
          Partial cur = m;
          uint32_t count = 1;
          for (auto it = past.rbegin(); it != past.rend() && count < node.repeats; ++it) {
            if (Disjoint(it->events, cur.events)) {
              merge(cur, *it);
              ++count;
            }
          }
          if (count == node.repeats) fresh.push_back(std::move(cur));
        }
        break;
      }
      case Kind::kStartStop:
        for (const Partial& m : fresh_[node.children[0]]) {
          if (m.first >= node.start && m.last < node.stop) fresh.push_back(m);
        }
        break;
    }
  }

  // Remember what parents combine later; expire by WITHIN horizon, then bound the count.
  for (size_t i = 0; i < n; ++i) {
    if (!keeps_history_[i]) continue;
    std::vector<Partial>& past = state.history[i];
    past.insert(past.end(), fresh_[i].begin(), fresh_[i].end());
    size_t drop = 0;
    if (horizon_micros_[i] >= 0) {
      const int64_t oldest = event.last_observed.micros - horizon_micros_[i];
      while (drop < past.size() && past[drop].first.micros < oldest) ++drop;
    }
    if (past.size() - drop > options_.max_partial_matches) {
      const size_t over = past.size() - drop - options_.max_partial_matches;
      stats_.partials_evicted += over;
      drop += over;
    }
    if (drop > 0) past.erase(past.begin(), past.begin() + static_cast<std::ptrdiff_t>(drop));
  }

  for (Partial& m : fresh_[pattern_.root]) {
    ++stats_.matches;
    out.push_back({std::string(key), m.first, m.last, std::move(m.events)});
  }
}

}  // namespace socmesh::model
