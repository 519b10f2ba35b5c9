#include "awaitgraph.h"

#include "diagnostics.h"
#include "engine.h"
#include "trace.h"

#include <QHash>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <deque>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

struct Origin {
    FutureOrigin kind = FutureOrigin::Plain;
    double value = 0;
    int about = -1;
};

QString seconds(double s)
{
    return QString::number(s, 'g', QLocale::FloatingPointShortest) + u" s"_s;
}

// The edge label of a future a task waits on: the asyncio call that made it.
QString callOf(const Future *f, const Origin &o)
{
    if (f->kind == ObjKind::Task)
        return u"await"_s;
    if (dynamic_cast<const GatherFuture *>(f))
        return u"gather"_s;
    switch (o.kind) {
    case FutureOrigin::Plain: // resolved by whoever sets it
        return f->named ? u"future "_s + f->name() : u"future"_s;
    case FutureOrigin::Sleep:
        return u"sleep"_s;
    case FutureOrigin::Gather:
        return u"gather"_s;
    case FutureOrigin::Wait:
        return u"wait"_s;
    case FutureOrigin::WaitFor:
        return u"wait_for"_s;
    case FutureOrigin::CancelAndWait:
        return u"cancel and wait"_s;
    case FutureOrigin::Shield:
        return u"shield"_s;
    case FutureOrigin::AsCompleted:
        return u"as_completed"_s;
    case FutureOrigin::TaskGroup:
        return u"TaskGroup"_s;
    }
    return u"await"_s;
}

} // namespace

AwaitGraph AwaitGraph::build(const Engine &engine, double t)
{
    AwaitGraph g;
    const Runtime &rt = engine.runtime();
    const Trace &trace = rt.loop().trace();
    g.m_time = std::isfinite(t) ? t : rt.loop().time();
    const std::vector<TaskStateAt> states
        = std::isfinite(t) ? trace.statesAt(t, rt.tasks.size()) : trace.statesAfter(trace.size(), rt.tasks.size());

    std::vector<Origin> origins(rt.futures.size());
    for (const Event &e : trace.events()) {
        if (e.kind == EventKind::FutureCreated && e.subject >= 0 && size_t(e.subject) < origins.size())
            origins[size_t(e.subject)] = {FutureOrigin(e.flags), e.value, e.other};
    }

    std::vector<int> nodeOfTask(rt.tasks.size(), -1);
    for (size_t i = 0; i < rt.tasks.size(); ++i) {
        const TaskPhase p = states[i].phase;
        if (p != TaskPhase::Scheduled && p != TaskPhase::Running && p != TaskPhase::Waiting)
            continue;
        const Task *task = rt.tasks[i];
        Node n;
        n.name = task->name();
        n.node = rt.graph().nodes[size_t(task->node)].id;
        n.state = QString::fromLatin1(taskPhaseName(p));
        n.task = int(i);
        nodeOfTask[i] = int(g.m_nodes.size());
        if (task == rt.mainTask)
            g.m_entry = nodeOfTask[i];
        g.m_nodes.push_back(std::move(n));
    }

    QHash<int, int> nodeOfFuture;
    const size_t taskNodes = g.m_nodes.size();
    for (size_t ni = 0; ni < taskNodes; ++ni) {
        const TaskStateAt &st = states[size_t(g.m_nodes[ni].task)];
        if (st.phase != TaskPhase::Waiting || st.awaiting < 0 || size_t(st.awaiting) >= rt.futures.size())
            continue;
        const Future *f = rt.futures[size_t(st.awaiting)];
        const Origin &origin = origins[size_t(f->id)];
        const QString call = callOf(f, origin);
        const std::vector<int> targets = waitTargets(rt, f->id);

        QStringList names;
        for (int target : targets) {
            if (target >= 0 && size_t(target) < rt.tasks.size())
                names << rt.tasks[size_t(target)]->name();
        }
        QString awaits;
        if (f->kind == ObjKind::Task)
            awaits = u"task "_s + f->name();
        else if (origin.kind == FutureOrigin::Sleep)
            awaits = u"sleep "_s + seconds(origin.value);
        else if (call.startsWith(u"future"))
            awaits = names.isEmpty() ? call : call + u" (set by "_s + names.join(u", "_s) + u')';
        else
            awaits = names.isEmpty() ? call : call + u": "_s + names.join(u", "_s);
        if (origin.kind == FutureOrigin::WaitFor)
            awaits += u" (timeout "_s + seconds(origin.value) + u')';
        g.m_nodes[ni].awaits = awaits;

        for (int target : targets) {
            const int to = target >= 0 && size_t(target) < nodeOfTask.size() ? nodeOfTask[size_t(target)] : -1;
            if (to >= 0)
                g.m_edges.push_back({int(ni), to, call, false});
        }
        // A future no task resolves (a graph future, hang): the end of the chain, drawn too.
        if (targets.empty() && call.startsWith(u"future")) {
            int to = nodeOfFuture.value(f->id, -1);
            if (to < 0) {
                Node fn;
                fn.name = f->named ? f->name() : u"future"_s;
                fn.state = u"future"_s;
                fn.future = f->id;
                to = int(g.m_nodes.size());
                nodeOfFuture.insert(f->id, to);
                g.m_nodes.push_back(std::move(fn));
            }
            g.m_edges.push_back({int(ni), to, call, false});
        }
    }

    g.m_out.assign(g.m_nodes.size(), {});
    for (size_t e = 0; e < g.m_edges.size(); ++e)
        g.m_out[size_t(g.m_edges[e].from)].push_back(int(e));
    g.findCycles();
    g.layOut();
    return g;
}

// Tarjan's strongly connected components, iterative (wait chains can be long).
void AwaitGraph::findCycles()
{
    const size_t n = m_nodes.size();
    std::vector<int> index(n, -1);
    std::vector<int> low(n, 0);
    std::vector<char> onStack(n, 0);
    std::vector<int> stack;
    std::vector<int> component(n, -1);
    std::vector<std::vector<int>> components;
    int counter = 0;
    struct Frame {
        int v;
        size_t next; // next out-edge to look at
    };
    for (size_t root = 0; root < n; ++root) {
        if (index[root] >= 0)
            continue;
        std::vector<Frame> calls{{int(root), 0}};
        index[root] = low[root] = counter++;
        stack.push_back(int(root));
        onStack[root] = 1;
        while (!calls.empty()) {
            Frame &f = calls.back();
            const auto v = size_t(f.v);
            if (f.next < m_out[v].size()) {
                const auto w = size_t(m_edges[size_t(m_out[v][f.next++])].to);
                if (index[w] < 0) {
                    index[w] = low[w] = counter++;
                    stack.push_back(int(w));
                    onStack[w] = 1;
                    calls.push_back({int(w), 0});
                } else if (onStack[w]) {
                    low[v] = std::min(low[v], index[w]);
                }
                continue;
            }
            if (low[v] == index[v]) {
                std::vector<int> members;
                int w = -1;
                do {
                    w = stack.back();
                    stack.pop_back();
                    onStack[size_t(w)] = 0;
                    component[size_t(w)] = int(components.size());
                    members.push_back(w);
                } while (w != f.v);
                components.push_back(std::move(members));
            }
            calls.pop_back();
            if (!calls.empty()) {
                const auto parent = size_t(calls.back().v);
                low[parent] = std::min(low[parent], low[v]);
            }
        }
    }

    for (Edge &e : m_edges) {
        // in a cycle: both ends in one component of two or more, or a task waiting on itself
        const bool same = component[size_t(e.from)] == component[size_t(e.to)];
        e.inCycle = same && (e.from == e.to || components[size_t(component[size_t(e.from)])].size() > 1);
        if (e.inCycle) {
            m_nodes[size_t(e.from)].inCycle = true;
            m_nodes[size_t(e.to)].inCycle = true;
        }
    }
    // Each cyclic component as a cycle in wait order: from its first node, follow edges inside it.
    std::vector<char> done(components.size(), 0);
    for (size_t v = 0; v < n; ++v) {
        const auto c = size_t(component[v]);
        if (!m_nodes[v].inCycle || done[c])
            continue;
        done[c] = 1;
        std::vector<int> cycle{int(v)};
        std::vector<char> seen(n, 0);
        seen[v] = 1;
        int at = int(v);
        for (;;) {
            int next = -1;
            for (int e : m_out[size_t(at)]) {
                const Edge &edge = m_edges[size_t(e)];
                if (edge.inCycle && component[size_t(edge.to)] == int(c)
                    && (!seen[size_t(edge.to)] || edge.to == int(v))) {
                    next = edge.to;
                    if (edge.to == int(v))
                        break; // closing the cycle wins
                }
            }
            if (next < 0 || next == int(v))
                break;
            seen[size_t(next)] = 1;
            cycle.push_back(next);
            at = next;
        }
        m_cycles.push_back(std::move(cycle));
    }
}

std::vector<int> AwaitGraph::roots() const
{
    std::vector<char> awaited(m_nodes.size(), 0);
    for (const Edge &e : m_edges) {
        if (e.from != e.to)
            awaited[size_t(e.to)] = 1;
    }
    std::vector<int> out;
    if (m_entry >= 0)
        out.push_back(m_entry);
    for (size_t v = 0; v < m_nodes.size(); ++v) {
        if (!awaited[v] && int(v) != m_entry)
            out.push_back(int(v));
    }
    return out;
}

// Layers by breadth-first depth from the roots; nodes only reachable through a cycle start a
// new search of their own.
void AwaitGraph::layOut()
{
    const size_t n = m_nodes.size();
    std::vector<char> placed(n, 0);
    std::deque<int> queue;
    auto place = [&](int v, int layer) {
        placed[size_t(v)] = 1;
        m_nodes[size_t(v)].layer = layer;
        queue.push_back(v);
    };
    auto spread = [&] {
        while (!queue.empty()) {
            const int v = queue.front();
            queue.pop_front();
            for (int e : m_out[size_t(v)]) {
                const int w = m_edges[size_t(e)].to;
                if (!placed[size_t(w)])
                    place(w, m_nodes[size_t(v)].layer + 1);
            }
        }
    };
    for (int r : roots()) {
        if (!placed[size_t(r)])
            place(r, 0);
    }
    spread();
    for (size_t v = 0; v < n; ++v) {
        if (!placed[v]) {
            place(int(v), 0);
            spread();
        }
    }
    std::vector<int> width(size_t(layerCount()), 0);
    for (Node &node : m_nodes)
        node.slot = width[size_t(node.layer)]++;
}

int AwaitGraph::indexOf(const QString &name) const
{
    for (size_t i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes[i].name == name)
            return int(i);
    }
    return -1;
}

int AwaitGraph::layerCount() const
{
    int layers = 0;
    for (const Node &node : m_nodes)
        layers = std::max(layers, node.layer + 1);
    return layers;
}

QStringList AwaitGraph::cycleTexts() const
{
    QStringList out;
    for (const std::vector<int> &cycle : m_cycles) {
        QStringList names;
        for (int v : cycle)
            names << m_nodes[size_t(v)].name;
        names << m_nodes[size_t(cycle.front())].name;
        out << names.join(u" -> "_s);
    }
    return out;
}

QString AwaitGraph::toText() const
{
    QString out;
    std::vector<char> printed(m_nodes.size(), 0);
    std::vector<char> onPath(m_nodes.size(), 0);

    auto line = [this](int v) -> QString {
        const Node &n = m_nodes[size_t(v)];
        if (n.isFuture())
            return u"(F) "_s + n.name;
        QString text = u"(T) "_s + n.name + u" ["_s + n.node + u"] "_s + n.state;
        if (!n.awaits.isEmpty())
            text += u": "_s + n.awaits;
        return text;
    };
    // Depth first, as pstree draws it; a node met again is named, not expanded.
    auto visit = [&](auto &&self, int v, const QString &prefix, bool last) -> void {
        const QString branch = last ? u"└── "_s : u"├── "_s;
        QString text = prefix + branch + line(v);
        if (onPath[size_t(v)]) {
            out += prefix + branch + u"(cycle) "_s + m_nodes[size_t(v)].name + u'\n';
            return;
        }
        if (printed[size_t(v)]) {
            out += prefix + branch + u"(see above) "_s + m_nodes[size_t(v)].name + u'\n';
            return;
        }
        if (m_nodes[size_t(v)].inCycle)
            text += u"  [in a cycle]"_s;
        out += text + u'\n';
        printed[size_t(v)] = 1;
        onPath[size_t(v)] = 1;
        const QString childPrefix = prefix + (last ? u"    "_s : u"│   "_s);
        const std::vector<int> &edges = m_out[size_t(v)];
        for (size_t i = 0; i < edges.size(); ++i)
            self(self, m_edges[size_t(edges[i])].to, childPrefix, i + 1 == edges.size());
        onPath[size_t(v)] = 0;
    };
    std::vector<int> starts = roots();
    for (size_t v = 0; v < m_nodes.size(); ++v) {
        if (std::find(starts.begin(), starts.end(), int(v)) == starts.end())
            starts.push_back(int(v)); // only reachable through a cycle: printed once reached, else here
    }
    for (int r : starts) {
        if (!printed[size_t(r)])
            visit(visit, r, QString(), true);
    }
    const QStringList cycles = cycleTexts();
    for (const QString &c : cycles)
        out += u"cycle: "_s + c + u'\n';
    return out;
}

} // namespace ascope
