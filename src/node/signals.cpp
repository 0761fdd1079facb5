#include "node/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstring>

namespace socmesh::node {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

Result<void> BlockTerminationSignals() {
  const sigset_t set = TerminationSignals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return Fail(ErrorCode::kInternal, std::string("pthread_sigmask: ") + std::strerror(rc));
  }
  return {};
}

int WaitForTerminationSignal() {
  const sigset_t set = TerminationSignals();
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {
  }
  return signal;
}

}  // namespace socmesh::node
