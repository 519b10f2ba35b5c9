// Export of a graph as the plain asyncio program it stands for: one `async def n_<node>` per
// node, each step as ordinary asyncio code, plus a small virtual-clock event loop so that long
// sleeps take no time. `python3 FILE.py` runs it on CPython 3.11 and prints what every task did,
// in the same words as outcomeLines(): a user can check asyncscope's model against CPython.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace ascope {

struct Graph;

// The program's source (UTF-8 when written). `python3 FILE.py --real-time` runs it on the
// normal asyncio loop instead of the virtual clock.
QString pythonProgram(const Graph &graph);

// The lines the exported program prints, computed from an outcome (asyncgraph-outcome/1):
//   status: <status>
//   <task>: <state>[ <result or exception as JSON>][, then <final_state> at shutdown]
//   <task>: created at shutdown, <final_state>
//   future <name>: <state>
// JSON as Python's json.dumps(value, sort_keys=True, ensure_ascii=False).
QStringList outcomeLines(const QJsonObject &outcome);

// Python's json.dumps(value, sort_keys=True, ensure_ascii=False) of a JSON value; integers
// (as the outcome stores them) print without a fraction, other numbers as Python's repr(float).
QString pythonJson(const QJsonValue &value);

} // namespace ascope
