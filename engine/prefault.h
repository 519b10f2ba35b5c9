// Memory populated ahead of its first use, on a background thread. A page the engine touches for
// the first time costs a page fault (the kernel zeroes it); on the benchmark graphs those faults
// were 20-30% of a run. The arena and the trace hand the range they will fill next to
// prefault(), and the other core takes the faults while this one runs the loop.
#pragma once

#include <cstddef>

namespace ascope {

// Asks for [p, p + n) to be populated (writable) soon. Never changes the memory's content, so
// the range may be in use, or even freed, by the time it is done. Does nothing where the kernel
// cannot (MADV_POPULATE_WRITE is Linux 5.14+), or when ASYNCSCOPE_PREFAULT=0.
void prefault(void *p, size_t n);
// What the C heap (malloc's main arena) gained since the last call is populated ahead: a task's
// QCoro body frame comes from malloc, not from the arena. Cheap to call often (it reads the
// program break). The heap then grows by at least 1 MiB at a time (M_TOP_PAD), so that there
// is something ahead to populate.
void prefaultHeapGrowth();
// Waits until every range asked for so far is done (tests). False when prefault() does nothing.
bool prefaultWait();

} // namespace ascope
