// Headless runs: a graph to its asyncgraph-outcome/1 (spec section 4), on the virtual clock.
#pragma once

#include "engine.h"

#include <QJsonObject>
#include <QString>

#include <memory>
#include <vector>

class QIODevice;

namespace ascope {

struct Graph;

// Runs the graph to the end (snapshot, end-of-entry collection, shutdown) and returns the outcome.
// Spins its own event loop when none is running; works under QCoreApplication (no display).
QJsonObject runToOutcome(const Graph &graph);
// The same, streaming the outcome's JSON text to `out` (laid out as QJsonDocument::Indented);
// false when `out` refused a write.
bool runToOutcome(const Graph &graph, QIODevice &out);

struct FileRunResult {
    bool ok = false;
    QString error;        // "<path>: <where>: <what>" when the file is invalid or unreadable
    QJsonObject outcome;  // when ok (the overload without a device)
    bool written = false; // when ok (the overload with a device): every byte was accepted
    // What the run took (the overload with a device): wall seconds of each part, and its size.
    struct Stats {
        double loadSeconds = 0;
        double runSeconds = 0;   // begin to the end of shutdown (the whole trace recorded)
        double entrySeconds = 0; // begin to the end of the entry's run_until_complete (what the
                                 // oracle's bench times on CPython: no final collection, no shutdown)
        double writeSeconds = 0; // the outcome streamed to the device
        size_t tasks = 0;
        size_t events = 0; // trace events recorded
    } stats;
};

// A scenario file as every headless command takes it: loaded, and its injection script valid.
struct ScenarioFile {
    std::shared_ptr<const Graph> graph; // null when the file is unusable: see error
    std::vector<Injection> script;      // the graph's "injections", replayed by runScripted()
    QString error;                      // "<path>: <where>: <what>"
};
ScenarioFile loadScenario(const QString &path);
// The graph's run with its injection script, to the end, synchronously (no event loop needed).
std::unique_ptr<Engine> runScripted(const ScenarioFile &scenario);

// Load + run. The whole contract of `asyncscope run FILE`.
FileRunResult runScenarioFile(const QString &path);
// Load + run + stream the outcome to `out`: what `asyncscope run` does, without keeping the
// outcome as a QJsonObject tree in memory. With LeaveToExit the finished run is not taken
// apart (for a process that exits next: freeing millions of objects one by one costs
// seconds the kernel does at once); sanitizer builds always destroy it, to check it.
enum class AtEnd : quint8 { Destroy, LeaveToExit };
FileRunResult runScenarioFile(const QString &path, QIODevice &out, AtEnd atEnd = AtEnd::Destroy);

} // namespace ascope
