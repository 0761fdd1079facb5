// libFuzzer target for curation's pattern shortcut (curate/consolidate.hpp,
// IsSingleComparisonPattern): importers' `[type:path = 'value']` patterns are recognised without
// the pattern parser. Invariant, beyond "no crash": on any text the answer is the parser's — a
// single equality comparison in one observation expression, without qualifiers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "curate/consolidate.hpp"
#include "model/pattern.hpp"

#define CHECK(condition)                                                                   \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "pattern_shortcut_fuzz: line %d: %s does not hold\n", __LINE__, \
                   #condition);                                                            \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (false)

namespace {

bool ParserSaysSingleComparison(std::string_view text) {
  auto parsed = socmesh::model::ParsePattern(text);
  if (!parsed) return false;
  const auto& root = parsed->observation_nodes[parsed->root];
  if (root.kind != socmesh::model::PatternObservationNode::Kind::kLeaf ||
      parsed->comparisons.size() != 1) {
    return false;
  }
  const auto& c = parsed->comparisons.front();
  return c.op == socmesh::model::PatternOperator::kEqual && !c.negated && c.values.size() == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CHECK(socmesh::curate::IsSingleComparisonPattern(input) == ParserSaysSingleComparison(input));
  return 0;
}
