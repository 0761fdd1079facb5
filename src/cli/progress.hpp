// A progress bar for long imports, drawn on standard error only when it is a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace socmesh::cli {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op (pipes, CI logs, --quiet).
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Sets the number of items done; redraws at most ten times a second.
  void Update(size_t done);
  // Draws the final state and ends the line.
  void Finish();

  // True when standard error is a terminal.
  static bool StderrIsTerminal();

 private:
  void Draw(size_t done);
  std::string label_;
  size_t total_;
  bool enabled_;
  bool finished_ = false;
  size_t last_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace socmesh::cli
