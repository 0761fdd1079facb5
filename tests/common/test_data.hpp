// Locating test inputs. Third-party data is read in place from ../shared/data (never copied into
// the repository: part of it is AGPL/GPL). A missing data directory fails the test that needs it.
#pragma once

#include <filesystem>
#include <string>

namespace socmesh::testing {

// The shared data directory ($SOCMESH_TEST_DATA, else the path configured at build time).
// Fails the calling test (ADD_FAILURE) when the directory does not exist.
std::filesystem::path DataDir();

// DataDir() / relative.
std::filesystem::path DataPath(const std::string& relative);

// The whole content of a file; fails the calling test when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace socmesh::testing
