// Headless runs: a graph to its asyncgraph-outcome/1 (spec section 4), on the virtual clock.
#pragma once

#include <QJsonObject>
#include <QString>

namespace ascope {

struct Graph;

// Runs the graph to the end (snapshot, end-of-entry collection, shutdown) and returns the outcome.
// Spins its own event loop when none is running; works under QCoreApplication (no display).
QJsonObject runToOutcome(const Graph &graph);

struct FileRunResult {
    bool ok = false;
    QString error;       // "<path>: <where>: <what>" when the file is invalid or unreadable
    QJsonObject outcome; // when ok
};

// Load + run. The whole contract of `asyncscope run FILE`.
FileRunResult runScenarioFile(const QString &path);

} // namespace ascope
