// SIGTERM / SIGINT for `socmesh node run`, taken synchronously: the signals are blocked in every
// thread and the main thread waits for them with sigwait, so shutdown runs as ordinary code (locks,
// I/O, audit writes) instead of inside an async-signal handler where almost nothing is allowed.
#pragma once

#include "core/error.hpp"

namespace socmesh::node {

// Blocks SIGTERM and SIGINT in the calling thread; threads created afterwards inherit the mask.
// Call before any thread starts (before Node::Start).
Result<void> BlockTerminationSignals();

// Waits until SIGTERM or SIGINT arrives (they must be blocked) and returns its number.
int WaitForTerminationSignal();

}  // namespace socmesh::node
