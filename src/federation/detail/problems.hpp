// Collects validation problems of a topology file as "SOURCE:LINE: KEY: reason" lines, so that
// one run reports every mistake of a hand-written file rather than the first one only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace socmesh::federation::detail {

class Problems {
 public:
  static constexpr size_t kMax = 50;

  explicit Problems(std::string_view source) : source_(source.empty() ? "topology" : source) {}

  void Add(int line, std::string_view key, std::string_view reason) {
    ++count_;
    if (list_.size() >= kMax) return;
    std::string text = source_;
    if (line > 0) text += ":" + std::to_string(line);
    text += ": ";
    if (!key.empty()) text.append(key).append(": ");
    text.append(reason);
    list_.push_back(std::move(text));
  }

  bool empty() const { return count_ == 0; }

  // All problems, one per line; a last line says how many were left out.
  Error ToError(ErrorCode code) const {
    std::string message;
    for (const auto& p : list_) message += (message.empty() ? "" : "\n") + p;
    if (count_ > list_.size()) {
      message += "\n" + source_ + ": " + std::to_string(count_ - list_.size()) + " more problems";
    }
    return Error{code, std::move(message)};
  }

 private:
  std::string source_;
  std::vector<std::string> list_;
  size_t count_ = 0;
};

}  // namespace socmesh::federation::detail
