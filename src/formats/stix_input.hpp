// Reading STIX input from files, directories and standard input.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/bundle.hpp"

namespace socmesh::formats {

// The name under which standard input is read.
inline constexpr const char* kStdinName = "-";

// Reads a whole file, or standard input for "-". Refuses files larger than `max_bytes` before
// reading them (kTooLarge) and stops reading standard input at the same limit.
// Errors: kIo naming the path and the system error, kTooLarge.
Result<std::string> ReadInput(const std::string& path, size_t max_bytes);

// Expands command-line inputs: files stay as given, directories become their files with one of
// `extensions` (recursively, sorted, so runs are reproducible), "-" stays stdin.
// Errors: kIo for a path that does not exist or cannot be listed.
Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs,
                                              const std::vector<std::string>& extensions = {
                                                  ".json"});

// ReadInput + model::ParseBundle; errors are prefixed with the path.
Result<model::ParsedBundle> ReadStixFile(const std::string& path,
                                         const model::BundleOptions& options);

}  // namespace socmesh::formats
