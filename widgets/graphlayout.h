// Layered (Sugiyama-style) layout of a directed graph as a plain value-type function: node
// sizes and edges in, box positions out. No widgets, so the graph editor's auto-layout is
// testable headless and deterministic (same input, same output).
#pragma once

#include <QList>
#include <QPointF>
#include <QSizeF>
#include <QString>

namespace ascope {

struct GraphLayoutInput {
    struct Edge {
        int from = -1; // index into sizes
        int to = -1;
    };
    QList<QSizeF> sizes;      // one box per node; the index is the node's identity
    QList<Edge> edges;        // directed; self-loops, duplicates and bad indices are ignored
    int entry = 0;            // the root of layering and of cycle breaking (-1: none)
    bool leftToRight = false; // layers go down (default) or to the right
    qreal layerSpacing = 70;  // gap between consecutive layers
    qreal nodeSpacing = 40;   // gap between neighbouring boxes of one layer
    qreal dummyWidth = 16;    // room kept in a layer for an edge that passes through it
    int sweeps = 6;           // barycenter crossing-reduction sweeps (down + up = 2)
};

struct GraphLayoutResult {
    QList<QPointF> positions; // top-left corner of each box; the drawing starts at (0, 0)
    QList<int> layers;        // layer of each node (0 = first)
    QList<int> order;         // position of each node inside its layer
    QList<int> backEdges;     // indices into input.edges reversed to break cycles
    int layerCount = 0;
    int crossings = 0; // edge crossings of the final ordering (dummy segments included)
};

GraphLayoutResult layoutGraph(const GraphLayoutInput &input);

} // namespace ascope
