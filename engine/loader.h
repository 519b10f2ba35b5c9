// Reads and validates asyncgraph/1 files. Every rejection is one message naming the place:
// "nodes[1].steps[3].target: no node 'fetch'" (the same places and wording as the reference oracle).
#pragma once

#include "graph.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace ascope {

struct LoadResult {
    std::shared_ptr<const Graph> graph; // null on error
    QString error;                      // "<where>: <what>" (no file name), empty on success
};

// Parse and validate a document. Never throws, never crashes on any input.
LoadResult loadGraph(const QByteArray &json);

// Parse and validate a document without building the runnable model: the document as read
// (Graph::source of a successful loadGraph) and an empty error, or an empty object and the
// error loadGraph would give. For editors, which keep the JSON and compile when they run.
struct SourceResult {
    QJsonObject source;
    QStringList keys; // its top-level keys in file order (QJsonObject forgets it)
    QString error;
};
SourceResult loadGraphSource(const QByteArray &json);

// Read a file and load it; error is "<path>: <where>: <what>" (including unreadable files).
LoadResult loadGraphFile(const QString &path);

} // namespace ascope
