// Export of a run's event trace as Chrome Trace Event Format JSON, which Perfetto's UI
// (ui.perfetto.dev) and chrome://tracing open: one async track per task with nested slices for
// its states, flow arrows for spawn / await / wake-up, instants for injections, collections and
// the run's phases. A projection of the trace like every other view.
#pragma once

#include <QByteArray>

namespace ascope {

class Engine;

// The whole trace of `engine` (run or not, finished or not) as a JSON object with "traceEvents"
// and "displayTimeUnit". Virtual seconds become microseconds; loop iterations that run at the
// same virtual instant are spread 1 us apart so that what happened at t=0 is visible, and every
// slice carries its exact virtual time in args.t.
QByteArray perfettoTrace(const Engine &engine);

} // namespace ascope
