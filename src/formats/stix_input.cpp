#include "formats/stix_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace socmesh::formats {

namespace fs = std::filesystem;

Result<std::string> ReadInput(const std::string& path, size_t max_bytes) {
  std::string data;
  if (path == kStdinName) {
    char buf[1 << 16];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      if (data.size() + n > max_bytes) {
        return Fail(ErrorCode::kTooLarge,
                    "standard input exceeds the limit of " + std::to_string(max_bytes) + " bytes");
      }
      data.append(buf, n);
    }
    if (std::ferror(stdin)) {
      return Fail(ErrorCode::kIo,
                  std::string("cannot read standard input: ") + std::strerror(errno));
    }
    return data;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Fail(ErrorCode::kIo, path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo, path + ": cannot open: " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Fail(ErrorCode::kIo, path + ": cannot determine size");
  if (static_cast<size_t>(size) > max_bytes) {
    return Fail(ErrorCode::kTooLarge, path + ": " + std::to_string(size) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(max_bytes));
  }
  in.seekg(0);
  data.resize(static_cast<size_t>(size));
  if (!in.read(data.data(), size)) {
    return Fail(ErrorCode::kIo, path + ": read failed: " + std::strerror(errno));
  }
  return data;
}

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs,
                                              const std::vector<std::string>& extensions) {
  std::vector<std::string> out;
  for (const std::string& input : inputs) {
    if (input == kStdinName) {
      out.push_back(input);
      continue;
    }
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (ec || !fs::exists(status)) {
      return Fail(ErrorCode::kIo, input + ": no such file or directory");
    }
    if (!fs::is_directory(status)) {
      out.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(input, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file() && std::find(extensions.begin(), extensions.end(),
                                             it->path().extension().string()) != extensions.end()) {
        found.push_back(it->path().string());
      }
    }
    if (ec) return Fail(ErrorCode::kIo, input + ": cannot list: " + ec.message());
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

Result<model::ParsedBundle> ReadStixFile(const std::string& path,
                                         const model::BundleOptions& options) {
  auto data = ReadInput(path, options.max_bytes);
  if (!data) return std::unexpected(data.error());
  auto parsed = model::ParseBundle(*data, options);
  if (!parsed) return std::unexpected(parsed.error().WithContext(path));
  return parsed;
}

}  // namespace socmesh::formats
