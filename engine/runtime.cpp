#include "runtime.h"

#include <QCborValue>

#include <algorithm>
#include <bit>

namespace ascope {

Runtime::Runtime(std::shared_ptr<const Graph> graph)
    : m_graph(std::move(graph))
    , m_loop(m_graph->timeLimit)
{
    globals.resize(m_graph->globalNames.size());
    globalBound.assign(m_graph->globalNames.size(), false);
    m_nodeNameCount.assign(m_graph->nodes.size(), nullptr);
}

Runtime::~Runtime()
{
    teardown();
}

// The k-th object named `base`: "base", "base#2", ...
QString numberedName(const QString &base, int k)
{
    return k == 1 ? base : base + u'#' + QString::number(k);
}

QString Runtime::uniqueName(const QString &base)
{
    return numberedName(base, ++m_nameCounts[base]);
}

static void collectAssigned(const std::vector<Step> &steps, std::vector<char> &out)
{
    for (const Step &st : steps) {
        if (st.as && !st.as->global)
            out[size_t(st.as->slot)] = 1;
        collectAssigned(st.body, out);
        collectAssigned(st.finallyBody, out);
        for (const ExceptHandler &h : st.handlers) {
            if (h.as && !h.as->global)
                out[size_t(h.as->slot)] = 1;
            collectAssigned(h.body, out);
        }
    }
}

static Value literal(const ValueExpr &e)
{
    switch (e.kind) {
    case ValueExpr::Kind::Bool:
        return Value::boolean(e.b);
    case ValueExpr::Kind::Int:
        return Value::integer(e.i);
    case ValueExpr::Kind::Double:
        return Value::real(e.d);
    case ValueExpr::Kind::String:
        return Value::str(e.s);
    case ValueExpr::Kind::List: {
        std::vector<Value> items;
        for (const ValueExpr &x : e.list)
            items.push_back(literal(x));
        return Value::seq(Value::Kind::List, std::move(items));
    }
    default:
        return Value::none();
    }
}

Frame *Runtime::newNodeFrame(int node, std::span<const std::pair<int, Value>> args)
{
    const Node &n = m_graph->nodes[size_t(node)];
    if (m_assigned.empty()) {
        m_assigned.resize(m_graph->nodes.size());
        for (size_t i = 0; i < m_graph->nodes.size(); ++i) {
            const Node &ni = m_graph->nodes[i];
            m_assigned[i].assign(ni.localNames.size(), 0);
            for (int p = 0; p < ni.paramCount; ++p)
                m_assigned[i][size_t(p)] = 1;
            collectAssigned(ni.steps, m_assigned[i]);
        }
    }
    Frame *frame = newFrame();
    frame->locals.resize(n.localNames.size());
    frame->bound.assign(m_assigned[size_t(node)]);
    for (int i = 0; i < n.paramCount && size_t(i) < n.paramDefaults.size(); ++i)
        frame->locals[size_t(i)] = literal(n.paramDefaults[size_t(i)]);
    for (const auto &[slot, v] : args) {
        if (slot >= 0 && size_t(slot) < frame->locals.size())
            frame->locals[size_t(slot)] = v;
    }
    return frame;
}

Task *Runtime::createTask(int node, Frame *frame, int taskGroup)
{
    const Node &n = m_graph->nodes[size_t(node)];
    auto *t = m_loop.make<Task>(this, node, frame);
    t->created = m_loop.time();
    // uniqueName(n.id), its counter looked up once per node
    int *&count = m_nodeNameCount[size_t(node)];
    if (!count)
        count = &m_nameCounts[n.id];
    t->nameNumber = ++*count;
    t->index = int(tasks.size());
    t->id = int(futures.size());
    t->createdInShutdown = (phase != Phase::Run);
    Task *cur = m_loop.currentTask();
    t->parent = cur ? cur->index : -1;
    tasks.push_back(t);
    futures.push_back(t);
    m_loop.trace().add({m_loop.time(), m_loop.iteration(), taskGroup < 0 ? 0 : double(taskGroup), t->index, t->parent,
                        EventKind::TaskCreated, quint8(taskGroup < 0 ? 0 : 1)});
    m_loop.callSoon({t, TagTaskStep});
    // The task beyond the limit is made (callers need one) and the run stops with it pending.
    if (qint64(tasks.size()) > m_graph->taskLimit)
        exhaust(Budget::Tasks);
    return t;
}

QString budgetStatus(Budget b)
{
    switch (b) {
    case Budget::None:
        break;
    case Budget::Tasks:
        return QStringLiteral("task_limit");
    case Budget::Steps:
        return QStringLiteral("step_limit");
    case Budget::Iterations:
        return QStringLiteral("iteration_limit");
    }
    return {};
}

void Runtime::exhaust(Budget b)
{
    if (m_exhausted != Budget::None)
        return;
    m_exhausted = b;
    m_loop.halt();
}

Future *Runtime::parkingFuture()
{
    if (!m_parking) {
        m_parking = createFuture();
        extraRoots.push_back(m_parking);
    }
    return m_parking;
}

Future *Runtime::createFuture(const QString &namedAs, FutureOrigin origin, double value, const Future *about)
{
    auto *f = m_loop.make<Future>(this);
    f->id = int(futures.size());
    futures.push_back(f);
    m_loop.trace().add({m_loop.time(), m_loop.iteration(), value, f->id, about ? about->id : -1,
                        EventKind::FutureCreated, quint8(origin)});
    if (!namedAs.isEmpty())
        nameFuture(f, namedAs);
    return f;
}

void Runtime::nameFuture(Future *f, const QString &base)
{
    if (f->id < 0) {
        f->id = int(futures.size());
        futures.push_back(f);
    }
    const QString n = uniqueName(base);
    if (!f->named && f->kind != ObjKind::Task) {
        f->setName(n);
        f->named = true;
    }
    namedFutures.push_back({n, f});
}

ExcObj *Runtime::newExc(const QString &type, const OptMsg &msg)
{
    auto *e = m_loop.make<ExcObj>();
    e->type = type;
    if (msg) {
        e->hasArg = true;
        e->message = *msg;
    }
    return e;
}

void Runtime::raise(const QString &type, const OptMsg &msg)
{
    throw PyRaise{newExc(type, msg)};
}

void Runtime::onDone(Future *f)
{
    Loop &l = m_loop;
    const quint8 ph = quint8(phase == Phase::Run ? 0 : 1);
    if (f->kind == ObjKind::Task) {
        auto *t = static_cast<Task *>(f);
        t->finished = l.time();
        if (t->failed())
            t->exceptionJson = valueToJson(Value::object(t->storedException()))
                                   .toObject()
                                   .value(QStringLiteral("exception"))
                                   .toObject();
        else if (!t->cancelled())
            t->resultJson = valueToJson(t->resultValue());
        EventKind k = t->cancelled() ? EventKind::TaskCancelled
                                     : (t->storedException() ? EventKind::TaskFailed : EventKind::TaskDone);
        l.trace().add({l.time(), l.iteration(), 0, t->index, -1, k, ph});
    } else {
        quint8 st = f->cancelled() ? 2 : (f->storedException() ? 1 : 0);
        // What completed it: the running task's step, or the future a done-callback reports
        // (a timer's callback reports the future itself: no cause).
        qint32 cause = -1;
        if (const Task *cur = l.currentTask())
            cause = cur->id;
        else if (const Handle *h = l.currentHandle();
                 h && h->arg && h->arg != f && (h->arg->kind == ObjKind::Future || h->arg->kind == ObjKind::Task))
            cause = static_cast<const Future *>(h->arg)->id;
        l.trace().add({l.time(), l.iteration(), 0, f->id, cause, EventKind::FutureDone, st});
    }
}

void Runtime::markRoots(Tracer &tr, bool endOfEntry)
{
    for (size_t i = 0; i < globals.size(); ++i) {
        if (globalBound[i])
            tr.visit(globals[i]);
    }
    for (Handle *h : m_loop.ready())
        tr.visit(h);
    for (const TimerEntry &e : m_loop.timers())
        tr.visit(e.h);
    tr.visit(m_loop.currentHandle());
    tr.visit(m_loop.currentTask());
    if (mainIsRoot && !endOfEntry)
        tr.visit(mainTask);
    for (Object *o : extraRoots)
        tr.visit(o);
}

namespace {
void drain(std::vector<Object *> &stack, Tracer &tr)
{
    while (!stack.empty()) {
        Object *o = stack.back();
        stack.pop_back();
        o->trace(tr);
    }
}
} // namespace

void Runtime::collect(bool endOfEntry)
{
    ++m_epoch;
    std::vector<Object *> stack;
    Tracer tr(stack, m_epoch);
    markRoots(tr, endOfEntry);
    drain(stack, tr);

    markGarbage();

    // One pass over every future (tasks among them, in creation order): what is reachable for
    // the snapshot, and the pending tasks this collection destroys.
    CollectionRecord rec;
    rec.t = m_loop.time();
    std::vector<Task *> destroyedNow;
    m_reachable.assign(futures.size(), 0);
    for (Future *f : futures) {
        if (!f) // reclaimed: unreachable since then
            continue;
        const bool reached = f->markEpoch == m_epoch;
        m_reachable[size_t(f->id)] = reached ? 1 : 0;
        if (f->kind != ObjKind::Task || reached)
            continue;
        auto *t = static_cast<Task *>(f);
        if (t->done() || t->destroyed)
            continue;
        t->destroyed = true;
        destroyedNow.push_back(t);
        m_loop.trace().add({m_loop.time(), m_loop.iteration(), 0, t->index, -1, EventKind::Collected, 0});
        if (phase == Phase::Run && t->logDestroyPending) {
            rec.destroyed.push_back(t);
            destroyedPending.push_back(t);
        }
    }
    m_loop.trace().add({m_loop.time(), m_loop.iteration(), 0, int(rec.destroyed.size()), -1, EventKind::Collection, 0});
    collections.push_back(std::move(rec));
    // Destroyed tasks never resume: release their C++ coroutine frames now.
    for (Task *t : destroyedNow)
        t->destroyCoroutine();
}

size_t Runtime::reclaim(const std::vector<Object *> &cppRoots)
{
    // A named future still pending, or failed with its exception unretrieved, may yet be in a
    // collection's garbage, where the reference cycles around it decide how it is reported:
    // nothing is freed while there is one.
    for (const auto &[name, f] : namedFutures) {
        if (!f->done() || (f->failed() && f->logTraceback()))
            return 0;
    }
    ++m_epoch;
    std::vector<Object *> stack;
    Tracer tr(stack, m_epoch);
    // What a collection starts from, and what only the engine's C++ refers to.
    markRoots(tr, false);
    tr.visit(mainTask);
    tr.visit(runFrame);
    tr.visit(m_parking);
    for (Object *o : cppRoots)
        tr.visit(o);
    for (const auto &nf : namedFutures)
        tr.visit(nf.second);
    // What a later collection or the outcome still looks at: pending tasks (a collection
    // reports them; their coroutines' C++ frames refer to what they hold), failed futures whose
    // exception is never retrieved, the garbage collections found (C++ may still hold it), and
    // what the interpreter pinned. Handles are the loop's to reuse: none is freed, and one
    // neither queued nor reachable runs no more (what it refers to may go).
    for (Object *o : m_loop.arena()) {
        bool keep = o->pins != 0 || o->dead;
        if (o->kind == ObjKind::Task) {
            const auto *t = static_cast<const Task *>(o);
            keep = keep || !t->done() || !FreedTask::fits(*t);
        } else if (o->kind == ObjKind::Future)
            keep = keep || (static_cast<const Future *>(o)->failed() && static_cast<const Future *>(o)->logTraceback());
        if (keep) { // marked through at once, while what it refers to is in the cache
            tr.visit(o);
            drain(stack, tr);
        }
    }
    drain(stack, tr); // the roots, when nothing was kept
    const size_t freedBefore = m_freed.size();
    const size_t n = m_loop.compactArena([this](Object *o) {
        if (o->markEpoch == m_epoch)
            return true;
        switch (o->kind) {
        case ObjKind::Handle:
            m_loop.reclaimHandle(static_cast<Handle *>(o));
            return true;
        case ObjKind::Task: {
            auto *t = static_cast<Task *>(o);
            recordFreed(*t);
            tasks[size_t(t->index)] = nullptr;
            futures[size_t(t->id)] = nullptr;
            return false;
        }
        case ObjKind::Future:
            futures[size_t(static_cast<const Future *>(o)->id)] = nullptr;
            return false;
        default:
            return false;
        }
    });
    if (m_freed.size() > freedBefore)
        m_reclaims.emplace_back(m_freed.size(), collections.size());
    return n;
}

void Runtime::recordFreed(const Task &t)
{
    FreedTask f{};
    f.created = t.created;
    f.finished = t.finished;
    const QJsonValue &json = t.failed() ? QJsonValue(t.exceptionJson) : t.resultJson;
    const QCborValue c = json.isDouble() ? QCborValue::fromJsonValue(json) : QCborValue();
    if (json.isNull() || json.isUndefined() || t.cancelled()) {
        f.json = FreedTask::Null;
    } else if (json.isBool()) {
        f.json = json.toBool() ? FreedTask::True : FreedTask::False;
    } else if (c.isInteger()) {
        f.json = FreedTask::Integer;
        f.payload = quint64(c.toInteger());
    } else if (json.isDouble()) {
        f.json = FreedTask::Double;
        f.payload = std::bit_cast<quint64>(json.toDouble());
    } else {
        f.json = FreedTask::Other;
        f.payload = m_freedJson.size();
        m_freedJson.push_back(json);
    }
    f.node = quint32(t.node);
    f.state = quint32(t.state());
    f.failed = t.failed();
    f.logTraceback = t.logTraceback();
    f.nameNumber = quint32(t.nameNumber);
    f.dead = t.dead;
    if (m_freedOf.size() < tasks.size())
        m_freedOf.resize(tasks.size(), -1);
    m_freedOf[size_t(t.index)] = qint32(m_freed.size());
    m_freed.push_back(f);
}

TaskRecord Runtime::taskRecord(size_t i) const
{
    const Task *t = tasks[i];
    if (!t) {
        const FreedTask &f = freed(i);
        TaskRecord r;
        r.created = f.created;
        r.finished = f.finished;
        switch (f.json) {
        case FreedTask::False:
        case FreedTask::True:
            r.json = f.json == FreedTask::True;
            break;
        case FreedTask::Integer:
            r.json = qint64(f.payload);
            break;
        case FreedTask::Double:
            r.json = std::bit_cast<double>(f.payload);
            break;
        case FreedTask::Other:
            r.json = m_freedJson[size_t(f.payload)];
            break;
        default:
            break;
        }
        r.node = qint32(f.node);
        r.nameNumber = qint32(f.nameNumber);
        r.state = Future::State(f.state);
        r.failed = f.failed;
        r.logTraceback = f.logTraceback;
        return r;
    }
    TaskRecord r;
    r.created = t->created;
    r.finished = t->finished;
    if (t->failed())
        r.json = t->exceptionJson;
    else if (t->done() && !t->cancelled())
        r.json = t->resultJson;
    r.node = t->node;
    r.nameNumber = t->nameNumber;
    r.state = t->state();
    r.failed = t->failed();
    r.logTraceback = t->logTraceback();
    return r;
}

bool Runtime::taskDead(size_t i) const
{
    if (const Task *t = tasks[i])
        return t->dead;
    if (freed(i).dead)
        return true;
    // it stayed unreachable: any collection since it was freed found it
    const auto k = size_t(m_freedOf[i]);
    const auto r = std::upper_bound(m_reclaims.begin(), m_reclaims.end(), k,
                                    [](size_t x, const std::pair<size_t, size_t> &b) { return x < b.first; });
    return r->second < collections.size();
}

QString Runtime::taskName(size_t i) const
{
    if (const Task *t = tasks[i])
        return t->name();
    const FreedTask &f = freed(i);
    return numberedName(m_graph->nodes[f.node].id, int(f.nameNumber));
}

namespace {
// Which of a collection's garbage the cycle collector frees: what a reference cycle among it
// reaches (inCycle[i] for garbage[i], whose scratch is i); the rest reference counting frees.
std::vector<char> reachedFromCycles(const std::vector<Object *> &garbage, uint32_t epoch)
{
    const size_t n = garbage.size();
    // The edges among the garbage, in one array: adjacency of i is edges[first[i] .. first[i + 1])
    std::vector<size_t> first(n + 1, 0);
    std::vector<int32_t> edges;
    std::vector<Object *> out;
    for (size_t i = 0; i < n; ++i) {
        first[i] = edges.size();
        out.clear();
        Tracer tr = Tracer::edges(out);
        garbage[i]->trace(tr);
        for (Object *x : out) {
            if (!x->dead && x->markEpoch != epoch && x->scratch >= 0 && size_t(x->scratch) < n
                && garbage[size_t(x->scratch)] == x)
                edges.push_back(x->scratch);
        }
    }
    first[n] = edges.size();
    auto degree = [&first](int32_t v) { return first[size_t(v) + 1] - first[size_t(v)]; };
    auto edge = [&first, &edges](int32_t v, size_t k) { return edges[first[size_t(v)] + k]; };
    // Tarjan's strongly connected components, iteratively.
    std::vector<int32_t> index(n, -1), low(n, 0), comp(n, -1);
    std::vector<char> onStack(n, 0);
    std::vector<int32_t> stack;
    std::vector<std::pair<int32_t, size_t>> work;
    int32_t counter = 0, comps = 0;
    std::vector<char> cyclic(n, 0);
    for (size_t s = 0; s < n; ++s) {
        if (index[s] >= 0)
            continue;
        work.emplace_back(int32_t(s), 0);
        while (!work.empty()) {
            auto &[v, ei] = work.back();
            if (ei == 0 && index[size_t(v)] < 0) {
                index[size_t(v)] = low[size_t(v)] = counter++;
                stack.push_back(v);
                onStack[size_t(v)] = 1;
            }
            if (ei < degree(v)) {
                const int32_t w = edge(v, ei++);
                if (w == v)
                    cyclic[size_t(v)] = 1;
                if (index[size_t(w)] < 0)
                    work.emplace_back(w, 0);
                else if (onStack[size_t(w)])
                    low[size_t(v)] = std::min(low[size_t(v)], index[size_t(w)]);
                continue;
            }
            if (low[size_t(v)] == index[size_t(v)]) {
                // the component is the top of the stack down to v
                size_t bottom = stack.size();
                do {
                    --bottom;
                } while (stack[bottom] != v);
                const bool cycle = stack.size() - bottom > 1;
                for (size_t k = bottom; k < stack.size(); ++k) {
                    const int32_t w = stack[k];
                    onStack[size_t(w)] = 0;
                    comp[size_t(w)] = comps;
                    if (cycle)
                        cyclic[size_t(w)] = 1;
                }
                stack.resize(bottom);
                ++comps;
            }
            const int32_t done = v;
            work.pop_back();
            if (!work.empty()) {
                const int32_t parent = work.back().first;
                low[size_t(parent)] = std::min(low[size_t(parent)], low[size_t(done)]);
            }
        }
    }
    // Everything a cycle reaches dies with it, in the collector.
    std::vector<int32_t> queue;
    for (size_t i = 0; i < n; ++i) {
        if (cyclic[i])
            queue.push_back(int32_t(i));
    }
    std::vector<char> inCycle(n, 0);
    for (int32_t q : queue)
        inCycle[size_t(q)] = 1;
    while (!queue.empty()) {
        const int32_t v = queue.back();
        queue.pop_back();
        for (size_t k = 0; k < degree(v); ++k) {
            const int32_t w = edge(v, k);
            if (!inCycle[size_t(w)]) {
                inCycle[size_t(w)] = 1;
                queue.push_back(w);
            }
        }
    }
    return inCycle;
}
} // namespace

void Runtime::markGarbage()
{
    // The garbage of this collection: what no root reaches and no earlier collection found.
    // CPython frees most of it by reference counting the moment it becomes unreachable; only
    // what a reference cycle keeps alive waits for the cycle collector. Which one freed a
    // future decides how its "exception was never retrieved" is reported.
    // One pass over the arena in the common case: the garbage is marked dead as it is found.
    std::vector<Object *> garbage;
    bool namedFuture = false;
    for (Object *o : m_loop.arena()) {
        if (!o->dead && o->markEpoch != m_epoch) {
            o->dead = true;
            o->diedInCycle = false;
            garbage.push_back(o);
            namedFuture = namedFuture || (o->kind == ObjKind::Future && static_cast<const Future *>(o)->named);
        }
    }
    // Which of them the cycle collector frees matters only for a named future (how its
    // "exception was never retrieved" names it); without one, the cycles need not be found.
    if (!namedFuture)
        return;
    for (size_t i = 0; i < garbage.size(); ++i) {
        garbage[i]->dead = false; // what reachedFromCycles tells from earlier collections' garbage
        garbage[i]->scratch = int32_t(i);
    }
    const std::vector<char> inCycle = reachedFromCycles(garbage, m_epoch);
    for (size_t i = 0; i < garbage.size(); ++i) {
        garbage[i]->dead = true;
        garbage[i]->diedInCycle = inCycle[i] != 0;
        garbage[i]->scratch = -1;
    }
}

bool Runtime::isReachableForSnapshot(Future *f) const
{
    return size_t(f->id) < m_reachable.size() ? m_reachable[size_t(f->id)] != 0 : true;
}

void Runtime::teardown()
{
    for (Task *t : tasks) {
        if (t) // null: freed by reclaim(), done
            t->destroyCoroutine();
    }
}

} // namespace ascope
