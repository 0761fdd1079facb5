// Directory connector (B2a): an inbox where analysts and tools drop files. Every regular file in
// the directory (at start, and whenever inotify reports IN_CLOSE_WRITE or IN_MOVED_TO) is imported
// — format detected or configured — then moved to done/ or to failed/ beside a `<name>.error`
// report naming the problems (a file stored with some rejected objects also gets one, in done/).
// A file still open for writing by anyone is never read: the check is a read lease (fcntl
// F_SETLEASE), which the kernel grants only when no writer holds the file; where leases are not
// available the file must have stayed unchanged for `settle`. Names starting with '.' and ending
// in .part / .tmp are left alone (the usual write-then-rename convention).
#pragma once

#include <memory>
#include <string>

#include "connect/connector.hpp"

namespace socmesh::connect {

class DirectoryConnector : public Connector {
 public:
  // Creates the inbox, done/ and failed/ if missing, and starts watching. Errors: kIo.
  static Result<std::unique_ptr<Connector>> Create(const ConnectorConfig& config, StoreSink& sink);
  ~DirectoryConnector() override;

  // Imports every file ready now. kIdle when there was none.
  RunReport Run(RunContext& ctx) override;
  // Returns when inotify reports a finished file, after `duration`, or on stop.
  void WaitForWork(std::chrono::milliseconds duration, const StopSignal& stop) override;

 private:
  DirectoryConnector(const ConnectorConfig& config, StoreSink& sink, int inotify_fd)
      : Connector(config), sink_(sink), inotify_fd_(inotify_fd) {}

  StoreSink& sink_;
  int inotify_fd_ = -1;
};

}  // namespace socmesh::connect
