#include "detect/detail/tables.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace socmesh::detect::detail {

namespace {

using model::ObservableKind;

constexpr auto kIpv4Tag = static_cast<char>(ObservableKind::kIpv4);
constexpr auto kIpv6Tag = static_cast<char>(ObservableKind::kIpv6);
constexpr auto kDomainTag = static_cast<char>(ObservableKind::kDomain);

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void Store32(char* p, uint32_t v) { std::memcpy(p, &v, sizeof v); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsIpv4Address(std::string_view key) {
  return key.size() == kIpv4KeySize && key[0] == kIpv4Tag && key[1] == 32;
}

uint32_t AddressOfIpv4Key(std::string_view key) {
  return (uint32_t{static_cast<uint8_t>(key[2])} << 24) |
         (uint32_t{static_cast<uint8_t>(key[3])} << 16) |
         (uint32_t{static_cast<uint8_t>(key[4])} << 8) | uint32_t{static_cast<uint8_t>(key[5])};
}

// Slots for `keys` keys at `load_factor`, with at least one always empty (probes terminate).
uint32_t Capacity(size_t keys, double load_factor) {
  if (keys == 0) return 0;
  return static_cast<uint32_t>(std::ceil(static_cast<double>(keys) / load_factor)) + 1;
}

}  // namespace

std::optional<Uuid> ParseIndicatorId(std::string_view id) {
  constexpr std::string_view kPrefix = "indicator--";
  if (!id.starts_with(kPrefix) || id.size() != kPrefix.size() + 36) return std::nullopt;
  const std::string_view u = id.substr(kPrefix.size());
  Uuid out{};
  size_t byte = 0;
  for (size_t i = 0; i < u.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (u[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = HexValue(u[i]);
    const int lo = HexValue(u[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

uint32_t CeilSeconds(model::Timestamp t) {
  if (t.micros <= 0) return 1;  // expired since before the epoch: "expires at 1 s"
  const int64_t s = (t.micros + 999'999) / 1'000'000;
  return static_cast<uint32_t>(std::min<int64_t>(s, 0xFFFFFFFF));
}

// --- Tables: lookups ---

uint32_t Tables::PostingAt(uint32_t offset) const { return Load32(arena_.data() + offset); }

std::string_view Tables::KeyAt(uint32_t offset) const {
  const char* p = arena_.data() + offset + 4;
  size_t length = static_cast<uint8_t>(*p++);
  if (length == 0xFF) {
    uint16_t l16;
    std::memcpy(&l16, p, 2);
    length = l16;
    p += 2;
  }
  return {p, length};
}

uint32_t Tables::FindKey(std::string_view key, uint64_t hash) const {
  const auto capacity = static_cast<uint32_t>(slots_.size());
  if (capacity == 0) return kEmpty;
  const uint32_t fingerprint = static_cast<uint32_t>(hash) & fingerprint_mask_;
  uint32_t i = FastRange(static_cast<uint32_t>(hash >> 32), capacity);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.offset == kEmpty) return kEmpty;
    if (s.fingerprint == fingerprint && KeyAt(s.offset) == key) return s.offset;
    if (++i == capacity) i = 0;
  }
}

std::span<const uint32_t> Tables::Numbers(uint32_t posting, uint32_t& one) const {
  if ((posting & kMultiBit) == 0) {
    one = posting;
    return {&one, 1};
  }
  const uint32_t at = posting & ~kMultiBit;
  return {multi_.data() + at + 1, multi_[at]};
}

void Tables::Emit(uint32_t posting, const Probe& p, uint16_t specificity,
                  const std::vector<uint32_t>* hidden, std::vector<Match>& out) const {
  uint32_t one;
  for (uint32_t n : Numbers(posting, one)) {
    if (hidden != nullptr && std::binary_search(hidden->begin(), hidden->end(), n)) continue;
    out.push_back(Match{&side_[n], p.kind, specificity, p.query});
  }
}

uint32_t Tables::FindAddress(uint32_t address, uint64_t hash) const {
  const auto capacity = static_cast<uint32_t>(v4_.size());
  for (uint32_t i = FastRange(static_cast<uint32_t>(hash >> 32), capacity);;) {
    const V4Slot& s = v4_[i];
    if (s.posting == kEmpty) return kEmpty;
    if (s.address == address) return s.posting;
    if (++i == capacity) i = 0;
  }
}

void Tables::RunNetworks4(const Probe& p, const std::vector<uint32_t>* hidden,
                          std::vector<Match>& out) const {
  // Only addresses inside some network get here (the /24 bitmap): probe the lengths present, no
  // longer than the event's own prefix, longest first.
  IpNetwork net;
  net.bytes = {static_cast<uint8_t>(p.address >> 24), static_cast<uint8_t>(p.address >> 16),
               static_cast<uint8_t>(p.address >> 8), static_cast<uint8_t>(p.address)};
  uint64_t lengths = masks_.v4_lengths & ((uint64_t{2} << std::min<int>(p.prefix, 31)) - 1);
  char key[kIpv4KeySize];
  while (lengths != 0) {
    const int length = 63 - std::countl_zero(lengths);
    lengths &= ~(uint64_t{1} << length);
    const std::string_view k(key, WriteIpKey(net, length, key));
    const uint32_t at = FindKey(k, HashKey(k));
    if (at != kEmpty) Emit(PostingAt(at), p, static_cast<uint16_t>(length), hidden, out);
  }
}

void Tables::Prefetch(const LookupPlan& plan) const {
  for (const Probe& p : plan.probes()) {
    if (p.type == Probe::Type::kIpv4Networks) {
      if (!cover4_.empty()) __builtin_prefetch(&cover4_[p.address >> 14]);
    } else if (p.type != Probe::Type::kAlias) {
      bloom_.Prefetch(p.bloom_hash);
    }
  }
}

void Tables::Load(const LookupPlan& plan) const {
  // Real loads whose values are not waited for: the core keeps executing past them while they
  // are in flight. Measured on the 2-vCPU VM (docs/benchmarks.md), prefetch instructions issued
  // one event ahead still left the later reads waiting on memory, loads did not as much: a
  // prefetch that misses the TLB (guest huge pages may be split by the host) can be dropped.
  uint64_t sink = 0;
  for (const Probe& p : plan.probes()) {
    if (p.type == Probe::Type::kIpv4Networks) {
      if (!cover4_.empty()) sink += cover4_[p.address >> 14];
    } else if (p.type != Probe::Type::kAlias) {
      sink += bloom_.Touch(p.bloom_hash);
    }
  }
  asm volatile("" : : "r"(sink));  // keep the loads
}

void Tables::Run(LookupPlan& plan, const std::vector<uint32_t>* hidden,
                 std::vector<Match>& out) const {
  const std::span<Probe> probes = plan.probes();
  // 1. Filters: a Bloom block per key probe, a bitmap word per network probe (again, when
  // Prefetch ran earlier: lines already in cache cost little).
  Prefetch(plan);
  // 2. Filter answers; the first slot of each survivor is fetched.
  for (Probe& p : probes) {
    switch (p.type) {
      case Probe::Type::kIpv4Networks:
        p.pass = masks_.v4_lengths != 0 && Covered4(p.address);
        break;
      case Probe::Type::kIpv4Address:
        p.pass = !v4_.empty() && bloom_.MayContain(p.bloom_hash);
        if (p.pass) {
          __builtin_prefetch(&v4_[FastRange(static_cast<uint32_t>(p.hash >> 32),
                                            static_cast<uint32_t>(v4_.size()))]);
        }
        break;
      case Probe::Type::kKey:
        p.pass = !slots_.empty() && bloom_.MayContain(p.bloom_hash);
        if (p.pass) {
          __builtin_prefetch(&slots_[FastRange(static_cast<uint32_t>(p.hash >> 32),
                                               static_cast<uint32_t>(slots_.size()))]);
        }
        break;
      case Probe::Type::kAlias:
        p.pass = true;
        break;
    }
  }
  // 3. The tables, in probe order (so matches keep the order of queries and of specificity).
  // A query's probes are consecutive: the range of `out` each query filled is kept so that an
  // alias (a repeated value) copies its original's matches in its own place.
  std::vector<std::pair<size_t, size_t>>& ranges = plan.ranges();
  ranges.assign(plan.query_count(), {out.size(), out.size()});
  uint32_t current = UINT32_MAX;
  for (const Probe& p : probes) {
    if (p.query != current) {
      if (current != UINT32_MAX) ranges[current].second = out.size();
      current = p.query;
      ranges[current].first = out.size();
    }
    if (!p.pass) continue;
    switch (p.type) {
      case Probe::Type::kAlias: {
        const auto [first, last] = ranges[p.address];
        for (size_t i = first; i < last; ++i) {
          Match m = out[i];
          m.query = p.query;
          out.push_back(m);
        }
        break;
      }
      case Probe::Type::kIpv4Networks:
        RunNetworks4(p, hidden, out);
        break;
      case Probe::Type::kIpv4Address:
        if (const uint32_t posting = FindAddress(p.address, p.hash); posting != kEmpty) {
          Emit(posting, p, p.specificity, hidden, out);
        }
        break;
      case Probe::Type::kKey:
        if (const uint32_t at = FindKey(plan.key(p), p.hash); at != kEmpty) {
          Emit(PostingAt(at), p, p.specificity, hidden, out);
        }
        break;
    }
  }
  if (current != UINT32_MAX) ranges[current].second = out.size();
}

// --- LookupPlan ---

void LookupPlan::AddKey(uint32_t query, model::ObservableKind kind, uint16_t specificity,
                        std::string_view key) {
  Probe p;
  p.type = Probe::Type::kKey;
  p.kind = kind;
  p.specificity = specificity;
  p.query = query;
  p.key_offset = static_cast<uint32_t>(keys_.size());
  p.key_size = static_cast<uint32_t>(key.size());
  p.hash = HashKey(key);
  p.bloom_hash = kind == ObservableKind::kDomain ? DomainBloomHash(key.substr(1), p.hash) : p.hash;
  keys_.append(key);
  probes_.push_back(p);
}

void LookupPlan::AddAlias(uint32_t query, uint32_t same_as) {
  queries_ = std::max(queries_, query + 1);
  Probe p;
  p.type = Probe::Type::kAlias;
  p.query = query;
  p.address = same_as;
  probes_.push_back(p);
}

void LookupPlan::AddIp(uint32_t query, const IpNetwork& net, const TableMasks& masks) {
  char key[kIpv6KeySize];
  if (!net.v6) {
    Probe p;
    p.kind = ObservableKind::kIpv4;
    p.query = query;
    p.address = Ipv4Word(net);
    p.prefix = static_cast<uint8_t>(net.prefix);
    if (net.prefix == 32) {
      p.type = Probe::Type::kIpv4Address;
      p.specificity = 32;
      p.hash = HashKey({key, WriteIpKey(net, 32, key)});
      p.bloom_hash = p.hash;
      probes_.push_back(p);
    }
    if (masks.v4_lengths != 0) {
      p.type = Probe::Type::kIpv4Networks;
      probes_.push_back(p);
    }
    return;
  }
  for (int word = std::min(net.prefix, 128) / 64; word >= 0; --word) {
    uint64_t lengths = masks.v6_lengths[static_cast<size_t>(word)];
    const int top = net.prefix - word * 64;  // bits above it are longer than the event prefix
    if (top < 63) lengths &= (uint64_t{2} << top) - 1;
    while (lengths != 0) {
      const int bit = 63 - std::countl_zero(lengths);
      lengths &= ~(uint64_t{1} << bit);
      const int length = word * 64 + bit;
      AddKey(query, ObservableKind::kIpv6, static_cast<uint16_t>(length),
             {key, WriteIpKey(net, length, key)});
    }
  }
}

void LookupPlan::Add(uint32_t query, ObservableKind kind, std::string_view value,
                     const TableMasks& masks) {
  queries_ = std::max(queries_, query + 1);
  switch (kind) {
    case ObservableKind::kIpv4:
    case ObservableKind::kIpv6: {
      const std::optional<IpNetwork> net = ParseIpNetwork(value, kind == ObservableKind::kIpv6);
      if (!net) return;
      AddIp(query, *net, masks);
      // ::ffff:a.b.c.d is how dual-stack sockets report IPv4 peers: match it as the IPv4 too.
      constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
      if (net->v6 && net->prefix >= 96 && std::memcmp(net->bytes.data(), kMapped, 12) == 0) {
        IpNetwork v4;
        v4.prefix = net->prefix - 96;
        std::memcpy(v4.bytes.data(), net->bytes.data() + 12, 4);
        AddIp(query, v4, masks);
      }
      return;
    }
    case ObservableKind::kDomain: {
      // The name and each of its label suffixes with a label count some indicator has, longest
      // first ("a.b.evil.example": "a.b.evil.example", "b.evil.example", "evil.example", …).
      if (masks.domain_labels == 0 || value.empty()) return;
      thread_local std::string key;
      size_t labels = LabelCount(value);
      for (size_t start = 0;;) {
        if ((masks.domain_labels >> std::min<size_t>(labels, 63) & 1) != 0) {
          key.assign(1, kDomainTag);
          key.append(value.substr(start));
          AddKey(query, kind, static_cast<uint16_t>(std::min<size_t>(labels, 0xFFFF)), key);
        }
        const size_t dot = value.find('.', start);
        if (dot == std::string_view::npos) return;
        start = dot + 1;
        --labels;
      }
    }
    default: {
      // No table holds a key of this kind: nothing to hash or probe.
      if ((masks.kinds >> static_cast<unsigned>(kind) & 1) == 0) return;
      thread_local std::string key;
      if (EncodeTextKey(kind, value, key)) AddKey(query, kind, 0, key);
      return;
    }
  }
}

std::optional<uint32_t> Tables::Find(const Uuid& uuid) const {
  auto it = std::lower_bound(side_.begin(), side_.end(), uuid,
                             [](const IndicatorRef& r, const Uuid& u) { return r.uuid < u; });
  if (it == side_.end() || it->uuid != uuid) return std::nullopt;
  return static_cast<uint32_t>(it - side_.begin());
}

void Tables::ForEachKey(
    const std::function<void(std::string_view, std::span<const uint32_t>)>& visit) const {
  uint32_t one;
  for (const V4Slot& s : v4_) {
    if (s.posting == kEmpty) continue;
    char key[kIpv4KeySize] = {kIpv4Tag,
                              32,
                              static_cast<char>(s.address >> 24),
                              static_cast<char>(s.address >> 16),
                              static_cast<char>(s.address >> 8),
                              static_cast<char>(s.address)};
    visit({key, sizeof key}, Numbers(s.posting, one));
  }
  for (size_t at = 0; at < arena_.size();) {
    const std::string_view key = KeyAt(static_cast<uint32_t>(at));
    visit(key, Numbers(PostingAt(static_cast<uint32_t>(at)), one));
    at = static_cast<size_t>(key.data() + key.size() - arena_.data());
  }
}

size_t Tables::MemoryBytes() const {
  auto bytes = [](const auto& v) { return AllocatedBytes(v.capacity() * sizeof(v[0])); };
  return sizeof(*this) + bytes(side_) + bytes(v4_) + bytes(slots_) + bytes(arena_) + bytes(multi_) +
         bloom_.MemoryBytes() + bytes(cover4_);
}

// --- TablesBuilder ---

TablesBuilder::TablesBuilder(const MatcherOptions& options, uint32_t fingerprint_mask)
    : options_(options), fingerprint_mask_(fingerprint_mask) {}

std::optional<uint32_t> TablesBuilder::AddIndicator(std::string_view id, model::Timestamp version,
                                                    std::optional<model::Timestamp> valid_until) {
  const std::optional<Uuid> uuid = ParseIndicatorId(id);
  if (!uuid) return std::nullopt;
  IndicatorRef ref;
  ref.uuid = *uuid;
  ref.version_low = static_cast<uint32_t>(static_cast<uint64_t>(version.micros));
  ref.version_high = static_cast<uint32_t>(static_cast<uint64_t>(version.micros) >> 32);
  ref.valid_until_s = valid_until ? CeilSeconds(*valid_until) : 0;
  return AddIndicator(ref);
}

uint32_t TablesBuilder::AddIndicator(const IndicatorRef& ref) {
  side_.push_back(ref);
  return static_cast<uint32_t>(side_.size() - 1);
}

void TablesBuilder::AddObservable(uint32_t number, const model::Observable& observable) {
  const bool v6 = observable.kind == ObservableKind::kIpv6;
  if (v6 || observable.kind == ObservableKind::kIpv4) {
    const std::optional<IpNetwork> net = ParseIpNetwork(observable.value, v6);
    if (!net) {
      ++stats_.invalid;
      return;
    }
    if (net->prefix < (v6 ? options_.min_ipv6_prefix : options_.min_ipv4_prefix)) {
      ++stats_.broad_prefixes;
      return;
    }
    char key[kIpv6KeySize];
    AddKey(number, {key, WriteIpKey(*net, net->prefix, key)});
    return;
  }
  if (observable.value.empty()) {
    ++stats_.invalid;
    return;
  }
  thread_local std::string key;
  if (!EncodeTextKey(observable.kind, observable.value, key)) {
    ++stats_.oversized;
    return;
  }
  AddKey(number, key);
}

void TablesBuilder::AddKey(uint32_t number, std::string_view key) {
  char header[6];
  Store32(header, number);
  const auto length = static_cast<uint16_t>(key.size());
  std::memcpy(header + 4, &length, 2);
  raw_.append(header, sizeof header);
  raw_.append(key);
}

Result<std::shared_ptr<const Tables>> TablesBuilder::Build(BuildStats* stats) {
  if (side_.size() >= Tables::kMultiBit) {
    return Fail(ErrorCode::kTooLarge, "more than 2^31 indicators for one matcher index");
  }
  auto t = std::make_shared<Tables>();
  t->fingerprint_mask_ = fingerprint_mask_;

  // Number indicators in UUID order (ids are then found by binary search); of several versions of
  // one UUID the newest is kept and the others' keys are dropped below.
  std::vector<uint32_t> order(side_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const IndicatorRef& x = side_[a];
    const IndicatorRef& y = side_[b];
    if (x.uuid != y.uuid) return x.uuid < y.uuid;
    return x.Version() > y.Version() || (x.Version() == y.Version() && a > b);
  });
  std::vector<uint32_t> number(side_.size(), Tables::kEmpty);
  t->side_.reserve(side_.size());
  for (uint32_t i : order) {
    if (!t->side_.empty() && t->side_.back().uuid == side_[i].uuid) {
      ++stats_.superseded;
      continue;
    }
    number[i] = static_cast<uint32_t>(t->side_.size());
    t->side_.push_back(side_[i]);
  }
  t->side_.shrink_to_fit();
  std::vector<IndicatorRef>().swap(side_);

  // First pass: sizes, so every table is allocated (and its pages touched) once.
  size_t v4_keys = 0, other_keys = 0, bloom_keys = 0, arena_bytes = 0;
  bool any_cidr4 = false;
  for (size_t at = 0; at < raw_.size();) {
    uint16_t length;
    std::memcpy(&length, raw_.data() + at + 4, 2);
    const std::string_view key(raw_.data() + at + 6, length);
    at += 6 + length;
    if (IsIpv4Address(key)) {
      ++v4_keys;
      ++bloom_keys;
    } else if (key[0] == kIpv4Tag) {
      ++other_keys;
      any_cidr4 = true;
      arena_bytes += 5 + key.size();
    } else {
      ++other_keys;
      ++bloom_keys;
      arena_bytes += (key.size() < 0xFF ? 5 : 7) + key.size();
    }
  }
  if (arena_bytes >= Tables::kEmpty) {  // offsets are 32-bit
    return Fail(ErrorCode::kTooLarge, "matcher index arena would exceed 4 GiB");
  }
  t->v4_.assign(Capacity(v4_keys, options_.load_factor), Tables::V4Slot{0, Tables::kEmpty});
  t->slots_.assign(Capacity(other_keys, options_.load_factor), Tables::Slot{0, Tables::kEmpty});
  t->arena_.reserve(arena_bytes);
  if (bloom_keys > 0) t->bloom_ = BlockedBloom(bloom_keys, options_.bloom_bits_per_key);
  if (any_cidr4) t->cover4_.assign((size_t{1} << 24) / 64, 0);

  // Second pass: insert. A key met again adds a number to its posting; postings of several
  // numbers go to temporary lists first (few keys have them) and into multi_ at the end.
  std::vector<std::vector<uint32_t>> lists;
  auto add_number = [&](uint32_t& posting, uint32_t n) {
    if ((posting & Tables::kMultiBit) == 0) {
      if (posting == n) return;
      lists.push_back({posting, n});
      posting = Tables::kMultiBit | static_cast<uint32_t>(lists.size() - 1);
    } else {
      lists[posting & ~Tables::kMultiBit].push_back(n);
    }
  };
  for (size_t at = 0; at < raw_.size();) {
    const uint32_t n = number[Load32(raw_.data() + at)];
    uint16_t length;
    std::memcpy(&length, raw_.data() + at + 4, 2);
    const std::string_view key(raw_.data() + at + 6, length);
    at += 6 + length;
    if (n == Tables::kEmpty) continue;  // an older version's key
    ++stats_.postings;
    const uint64_t hash = HashKey(key);
    if (IsIpv4Address(key)) {
      const uint32_t address = AddressOfIpv4Key(key);
      const auto capacity = static_cast<uint32_t>(t->v4_.size());
      for (uint32_t i = FastRange(static_cast<uint32_t>(hash >> 32), capacity);;) {
        Tables::V4Slot& s = t->v4_[i];
        if (s.posting == Tables::kEmpty) {
          s = {address, n};
          t->bloom_.Insert(hash);
          t->masks_.kinds |= uint64_t{1} << static_cast<unsigned>(ObservableKind::kIpv4);
          ++t->key_count_;
          break;
        }
        if (s.address == address) {
          add_number(s.posting, n);
          break;
        }
        if (++i == capacity) i = 0;
      }
      continue;
    }
    const uint32_t found = t->FindKey(key, hash);
    if (found != Tables::kEmpty) {
      uint32_t posting = t->PostingAt(found);
      add_number(posting, n);
      Store32(t->arena_.data() + found, posting);
      continue;
    }
    // A new key: record in the arena, slot, filters.
    const auto offset = static_cast<uint32_t>(t->arena_.size());
    char header[7];
    Store32(header, n);
    size_t header_size = 5;
    if (key.size() < 0xFF) {
      header[4] = static_cast<char>(key.size());
    } else {
      header[4] = static_cast<char>(0xFF);
      std::memcpy(header + 5, &length, 2);
      header_size = 7;
    }
    t->arena_.insert(t->arena_.end(), header, header + header_size);
    t->arena_.insert(t->arena_.end(), key.begin(), key.end());
    const auto capacity = static_cast<uint32_t>(t->slots_.size());
    for (uint32_t i = FastRange(static_cast<uint32_t>(hash >> 32), capacity);;) {
      Tables::Slot& s = t->slots_[i];
      if (s.offset == Tables::kEmpty) {
        s = {static_cast<uint32_t>(hash) & fingerprint_mask_, offset};
        break;
      }
      if (++i == capacity) i = 0;
    }
    ++t->key_count_;
    const auto tag = key[0];
    t->masks_.kinds |= uint64_t{1} << (static_cast<uint8_t>(tag) & 0x3F);
    const int prefix = key.size() > 1 ? static_cast<uint8_t>(key[1]) : 0;
    if (tag == kIpv4Tag) {
      // A network: mark every /24 it overlaps (a /8 marks 65536 bits, a /30 one).
      t->masks_.v4_lengths |= uint64_t{1} << prefix;
      const uint32_t first = AddressOfIpv4Key(key) >> 8;
      const uint32_t count = prefix >= 24 ? 1 : uint32_t{1} << (24 - prefix);
      for (uint32_t b = first; b < first + count; ++b)
        t->cover4_[b >> 6] |= uint64_t{1} << (b & 63);
      continue;
    }
    t->bloom_.Insert(tag == kDomainTag ? DomainBloomHash(key.substr(1), hash) : hash);
    if (tag == kIpv6Tag) {
      t->masks_.v6_lengths[static_cast<size_t>(prefix / 64)] |= uint64_t{1} << (prefix % 64);
    } else if (tag == kDomainTag) {
      t->masks_.domain_labels |= uint64_t{1} << std::min<size_t>(LabelCount(key.substr(1)), 63);
    }
  }
  std::string().swap(raw_);

  // Postings of several indicators, numbers ascending (UUID order), each list used once.
  auto finish = [&](uint32_t posting) {
    if ((posting & Tables::kMultiBit) == 0) return posting;
    std::vector<uint32_t>& list = lists[posting & ~Tables::kMultiBit];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (list.size() == 1) return list[0];
    const auto at = static_cast<uint32_t>(t->multi_.size());
    t->multi_.push_back(static_cast<uint32_t>(list.size()));
    t->multi_.insert(t->multi_.end(), list.begin(), list.end());
    return Tables::kMultiBit | at;
  };
  if (!lists.empty()) {
    for (Tables::V4Slot& s : t->v4_) {
      if (s.posting != Tables::kEmpty) s.posting = finish(s.posting);
    }
    for (size_t at = 0; at < t->arena_.size();) {
      const std::string_view key = t->KeyAt(static_cast<uint32_t>(at));
      Store32(t->arena_.data() + at, finish(t->PostingAt(static_cast<uint32_t>(at))));
      at = static_cast<size_t>(key.data() + key.size() - t->arena_.data());
    }
    t->multi_.shrink_to_fit();
  }

  stats_.indicators = t->side_.size();
  stats_.keys = t->key_count_;
  if (stats != nullptr) *stats = stats_;
  stats_ = {};
  return std::shared_ptr<const Tables>(std::move(t));
}

}  // namespace socmesh::detect::detail
