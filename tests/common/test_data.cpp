#include "common/test_data.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace socmesh::testing {

std::filesystem::path DataDir() {
  const char* env = std::getenv("SOCMESH_TEST_DATA");
  std::filesystem::path dir = env != nullptr && *env != '\0' ? env : SOCMESH_TEST_DATA;
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << "shared test data not found at " << dir
                  << " (set SOCMESH_TEST_DATA to the shared/data directory)";
  }
  return dir;
}

std::filesystem::path DataPath(const std::string& relative) { return DataDir() / relative; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("socmesh-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace socmesh::testing
