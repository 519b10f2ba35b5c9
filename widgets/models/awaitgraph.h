// The wait-for graph of a run at a moment: who waits on whom, what `python -m asyncio pstree`
// prints, from the engine's trace (Trace::statesAt) and waitTargets(). Nodes are the tasks
// pending at t, plus the futures a task waits on that no task will resolve (graph futures,
// `hang`); edges go from a waiting task to each pending task (or such future) it waits for,
// labelled with what it awaits. Cycles (Tarjan's strongly connected components) are marked.
// Carries its own layered top-down layout (layer, slot) so that the view only paints.
// A value type, Qt6::Core only.
#pragma once

#include <QString>
#include <QStringList>

#include <limits>
#include <vector>

namespace ascope {

class Engine;

class AwaitGraph
{
public:
    struct Node {
        QString name;    // task name ("fetch#2") or future name ("gate")
        QString node;    // the task's node id (empty for a future)
        QString state;   // "scheduled", "running", "waiting"; "future" for a future
        QString awaits;  // what it waits on, as text ("gather: fetch, fetch#2", "future gate", "sleep 2 s")
        int task = -1;   // task index, -1 for a future
        int future = -1; // future id of a future node
        bool inCycle = false;
        int layer = 0; // layout: depth from the roots (the entry task first)
        int slot = 0;  // layout: position within the layer
        bool isFuture() const { return task < 0; }
    };
    struct Edge {
        int from = -1; // node index of the waiting task
        int to = -1;   // node index of what it waits for
        QString label; // "await", "gather", "wait", "wait_for", "shield", "as_completed", "TaskGroup", ...
        bool inCycle = false;
    };

    // The graph at virtual time t (after every event at time <= t); the default is now.
    static AwaitGraph build(const Engine &engine, double t = std::numeric_limits<double>::infinity());

    double time() const { return m_time; }
    const std::vector<Node> &nodes() const { return m_nodes; }
    const std::vector<Edge> &edges() const { return m_edges; }
    // Each cycle as node indices in wait order (a waits for b waits for ... the first again).
    const std::vector<std::vector<int>> &cycles() const { return m_cycles; }
    int indexOf(const QString &name) const; // -1 when not in the graph
    int layerCount() const;
    // Cycles as text: "a -> b -> a".
    QStringList cycleTexts() const;

    // A tree from the entry task down what each task awaits, like `python -m asyncio pstree`;
    // then the other roots, then the cycles.
    QString toText() const;

private:
    void findCycles();
    void layOut();
    std::vector<int> roots() const;

    double m_time = 0;
    int m_entry = -1; // node index of the entry task when pending
    std::vector<Node> m_nodes;
    std::vector<Edge> m_edges;
    std::vector<std::vector<int>> m_out; // node -> edge indices, in order
    std::vector<std::vector<int>> m_cycles;
};

} // namespace ascope
