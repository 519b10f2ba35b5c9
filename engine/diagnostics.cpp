#include "diagnostics.h"

#include "engine.h"
#include "helpers.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr double kEps = 1e-9;

QString seconds(double t)
{
    return QString::number(std::round(t * 1e6) / 1e6, 'g', 12) + u's';
}

QString excText(const QString &type, const QString &message)
{
    return message.isEmpty() ? type : type + u"('"_s + message + u"')"_s;
}

// How a waiting future depends on others (the combinator that made it).
enum class Via : quint8 { Gather, Wait, WaitFor, CancelAndWait, AsCompleted, Shield, TaskGroup };

struct Dep {
    Via via = Via::Gather;
    std::vector<const Future *> on;
    const Object *state = nullptr; // WaitState, AsCompletedState, GatherFuture...
};

// What every future of the run waits for, rebuilt from the objects the run made (they live until
// the run ends, so a finished wait still knows its awaitables) and the trace's FutureCreated events.
class DepIndex
{
public:
    explicit DepIndex(const Runtime &rt);

    const Dep *find(const Future *f) const
    {
        const auto it = m_deps.find(f);
        return it == m_deps.end() ? nullptr : &it->second;
    }
    // The tasks f's completion depends on (f itself for a task), first-seen order. With
    // resolvers, a plain future counts the tasks that may set or cancel it.
    std::vector<const Task *> targets(const Future *f, bool withResolvers) const
    {
        std::vector<const Task *> out;
        std::unordered_set<const Future *> seen;
        collect(f, withResolvers, out, seen);
        return out;
    }
    // Tasks not yet done whose code (their node and the nodes they await inline) sets, fails or
    // cancels a graph-level variable that holds f.
    std::vector<const Task *> resolvers(const Future *f) const;
    // "task fetch#2", "future 'gate'", "gather(a, b)", "sleep(2s)", ...
    QString describe(const Future *f) const;
    FutureOrigin origin(const Future *f) const
    {
        return size_t(f->id) < m_origin.size() ? m_origin[size_t(f->id)] : FutureOrigin::Plain;
    }
    double originValue(const Future *f) const
    {
        return size_t(f->id) < m_originValue.size() ? m_originValue[size_t(f->id)] : 0.0;
    }

private:
    void collect(const Future *f, bool withResolvers, std::vector<const Task *> &out,
                 std::unordered_set<const Future *> &seen) const;
    QString names(const std::vector<const Future *> &fs) const;
    void markSetters(int node, const std::vector<Step> &steps);

    const Runtime &m_rt;
    std::unordered_map<const Future *, Dep> m_deps;
    std::vector<FutureOrigin> m_origin; // by future id
    std::vector<double> m_originValue;
    std::vector<std::vector<char>> m_sets;  // per node: graph-level slots it may resolve (inline awaits included)
    std::vector<std::vector<int>> m_inline; // per node: nodes it awaits inline
};

DepIndex::DepIndex(const Runtime &rt)
    : m_rt(rt)
{
    m_origin.assign(rt.futures.size(), FutureOrigin::Plain);
    m_originValue.assign(rt.futures.size(), 0);
    for (const Event &e : rt.loop().trace().events()) {
        if (e.kind != EventKind::FutureCreated || e.subject < 0 || size_t(e.subject) >= rt.futures.size())
            continue;
        const auto o = FutureOrigin(e.flags);
        m_origin[size_t(e.subject)] = o;
        m_originValue[size_t(e.subject)] = e.value;
        if ((o == FutureOrigin::CancelAndWait || o == FutureOrigin::Shield) && e.other >= 0
            && size_t(e.other) < rt.futures.size())
            m_deps[rt.futures[size_t(e.subject)]] = {
                o == FutureOrigin::Shield ? Via::Shield : Via::CancelAndWait, {rt.futures[size_t(e.other)]}, nullptr};
    }
    for (const Object *obj : rt.loop().arena()) {
        if (const auto *g = dynamic_cast<const GatherFuture *>(obj)) {
            m_deps[g] = {Via::Gather, {g->children.begin(), g->children.end()}, g};
        } else if (const auto *a = dynamic_cast<const AsCompletedState *>(obj)) {
            for (const Future *getter : a->gettersMade)
                m_deps[getter] = {Via::AsCompleted, {a->given.begin(), a->given.end()}, a};
        } else if (const auto *tg = dynamic_cast<const TaskGroupState *>(obj)) {
            if (tg->onCompletedFut) {
                const std::vector<Task *> pending = tg->pending();
                m_deps[tg->onCompletedFut] = {Via::TaskGroup, {pending.begin(), pending.end()}, tg};
            }
        } else if (obj->kind == ObjKind::Frame) {
            // The frames of wait() and wait_for() hold their awaitables, the waiter and its state.
            const auto *fr = static_cast<const Frame *>(obj);
            const Future *waiter = nullptr;
            const Object *state = nullptr;
            Via via = Via::WaitFor;
            for (const Value &v : fr->held) {
                if (v.kind != Value::Kind::Obj)
                    continue;
                if (const auto *ws = dynamic_cast<const WaitState *>(v.obj)) {
                    waiter = ws->waiter;
                    state = ws;
                    via = Via::Wait;
                } else if (v.obj->kind == ObjKind::Handle && !waiter) {
                    const auto *h = static_cast<const Handle *>(v.obj);
                    if (h->cb.tag == TagReleaseWaiter && h->cb.target
                        && (h->cb.target->kind == ObjKind::Future || h->cb.target->kind == ObjKind::Task))
                        waiter = static_cast<const Future *>(h->cb.target);
                }
            }
            if (!waiter)
                continue;
            Dep d{via, {}, state};
            for (const Value &v : fr->held) {
                const Future *f = v.future();
                if (f && f != waiter)
                    d.on.push_back(f);
            }
            m_deps[waiter] = std::move(d);
        }
    }

    const Graph &g = rt.graph();
    m_sets.assign(g.nodes.size(), std::vector<char>(g.globalNames.size(), 0));
    m_inline.assign(g.nodes.size(), {});
    for (size_t n = 0; n < g.nodes.size(); ++n)
        markSetters(int(n), g.nodes[n].steps);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t n = 0; n < g.nodes.size(); ++n) {
            for (int m : m_inline[n]) {
                for (size_t s = 0; s < g.globalNames.size(); ++s) {
                    if (m_sets[size_t(m)][s] && !m_sets[n][s]) {
                        m_sets[n][s] = 1;
                        changed = true;
                    }
                }
            }
        }
    }
}

void DepIndex::markSetters(int node, const std::vector<Step> &steps)
{
    for (const Step &st : steps) {
        switch (st.op) {
        case Op::SetResult:
        case Op::SetException:
        case Op::Cancel:
            if (st.targetRef.global && st.targetRef.valid())
                m_sets[size_t(node)][size_t(st.targetRef.slot)] = 1;
            break;
        case Op::Await:
            if (!st.target.isRef && st.target.node >= 0)
                m_inline[size_t(node)].push_back(st.target.node);
            break;
        default:
            break;
        }
        markSetters(node, st.body);
        for (const ExceptHandler &h : st.handlers)
            markSetters(node, h.body);
        markSetters(node, st.finallyBody);
    }
}

std::vector<const Task *> DepIndex::resolvers(const Future *f) const
{
    std::vector<const Task *> out;
    for (size_t s = 0; s < m_rt.globals.size() && s < m_rt.globalBound.size(); ++s) {
        const Value &v = m_rt.globals[s];
        if (!m_rt.globalBound[s] || v.kind != Value::Kind::Obj || v.obj != f)
            continue;
        for (const Task *t : m_rt.tasks) {
            if (t->done() || t->destroyed || s >= m_sets[size_t(t->node)].size() || !m_sets[size_t(t->node)][s])
                continue;
            if (std::find(out.begin(), out.end(), t) == out.end())
                out.push_back(t);
        }
    }
    return out;
}

void DepIndex::collect(const Future *f, bool withResolvers, std::vector<const Task *> &out,
                       std::unordered_set<const Future *> &seen) const
{
    if (!f || !seen.insert(f).second)
        return;
    if (f->kind == ObjKind::Task) {
        out.push_back(static_cast<const Task *>(f));
        return;
    }
    if (const Dep *d = find(f)) {
        for (const Future *x : d->on)
            collect(x, withResolvers, out, seen);
        return;
    }
    if (withResolvers) {
        for (const Task *t : resolvers(f)) {
            if (std::find(out.begin(), out.end(), t) == out.end())
                out.push_back(t);
        }
    }
}

QString DepIndex::names(const std::vector<const Future *> &fs) const
{
    QStringList l;
    for (const Future *f : fs)
        l << (f->kind == ObjKind::Task || f->named ? f->name() : describe(f));
    return l.join(u", "_s);
}

QString DepIndex::describe(const Future *f) const
{
    if (!f)
        return u"nothing"_s;
    if (f->kind == ObjKind::Task)
        return u"task "_s + f->name();
    if (const Dep *d = find(f)) {
        switch (d->via) {
        case Via::Gather:
            return u"gather("_s + names(d->on) + u')';
        case Via::Wait:
            return u"wait("_s + names(d->on) + u')';
        case Via::WaitFor:
            return u"wait_for("_s + names(d->on) + u')';
        case Via::CancelAndWait:
            return names(d->on) + u" to finish after cancelling it"_s;
        case Via::AsCompleted:
            return u"as_completed("_s + names(d->on) + u')';
        case Via::Shield:
            return u"shield("_s + names(d->on) + u')';
        case Via::TaskGroup:
            return u"its TaskGroup's children ("_s + names(d->on) + u')';
        }
    }
    if (origin(f) == FutureOrigin::Sleep)
        return u"sleep("_s + seconds(originValue(f)) + u')';
    if (f->named && f->name().startsWith(u"hang"_s))
        return u"a future nobody else holds ("_s + f->name() + u')';
    if (f->named)
        return u"future '"_s + f->name() + u'\'';
    return u"a future"_s;
}

// Why a waiter stopped waiting before the tasks it stood for were done.
QString stopReason(const DepIndex &idx, const Future *waited, double t1)
{
    const Dep *d = idx.find(waited);
    if (!d)
        return u"the await was interrupted"_s;
    switch (d->via) {
    case Via::Gather: {
        const auto *g = static_cast<const GatherFuture *>(d->state);
        if (g && g->failed())
            return u"gather() raised "_s + g->storedException()->type + u" from another child"_s;
        return u"gather() ended early"_s;
    }
    case Via::Wait: {
        const auto *ws = static_cast<const WaitState *>(d->state);
        if (ws && ws->returnWhen == ReturnWhen::FirstCompleted)
            return u"wait(return_when=FIRST_COMPLETED) returned it as pending"_s;
        if (ws && ws->returnWhen == ReturnWhen::FirstException)
            return u"wait(return_when=FIRST_EXCEPTION) returned it as pending"_s;
        return u"wait() timed out and returned it as pending"_s;
    }
    case Via::WaitFor:
        return u"wait_for() timed out"_s;
    case Via::CancelAndWait:
        return u"the await was interrupted"_s;
    case Via::AsCompleted: {
        const auto *a = static_cast<const AsCompletedState *>(d->state);
        if (a && a->timeoutHandle && a->timeoutHandle->when < t1 + kEps)
            return u"as_completed() timed out"_s;
        return u"as_completed() stopped early (a result raised)"_s;
    }
    case Via::Shield:
        return u"the shield() was cancelled"_s;
    case Via::TaskGroup:
        return u"the TaskGroup exited"_s;
    }
    return {};
}

// One task's wait on a future, from its Suspended event to the StepBegan that ended it.
struct WaitInterval {
    int task = -1;
    const Future *on = nullptr;
    size_t begin = 0;
    size_t end = SIZE_MAX; // index of the StepBegan; SIZE_MAX while still waiting
    double t1 = 0;
};

struct TaskTrack {
    size_t createdAt = SIZE_MAX;
    size_t endedAt = SIZE_MAX; // terminal or collected
    qint32 awaiting = -1;
    qint32 awaitingAtSnapshot = -1;
    qint32 awaitingAtCollect = -1;
    double collectedAt = -1;
    bool pendingAtSnapshot = false;
    bool terminal = false; // done, failed or cancelled (a destroyed task stays pending)
    bool failedInShutdown = false;
    double deliveredAt = -1; // first CancelDelivered
    bool suspendedAfterDelivery = false;
    std::vector<size_t> cancelRequests;                 // event indexes
    std::vector<std::pair<size_t, qint32>> suspensions; // (event index, future id awaited)
    double stepStart = 0;
    double blocked = 0;
};

} // namespace

const char *findingKindName(Finding::Kind k)
{
    switch (k) {
    case Finding::Kind::DestroyedPending:
        return "destroyed_pending";
    case Finding::Kind::ExceptionNeverRetrieved:
        return "exception_never_retrieved";
    case Finding::Kind::PendingAtExit:
        return "pending_at_exit";
    case Finding::Kind::Orphan:
        return "orphan";
    case Finding::Kind::Deadlock:
        return "deadlock";
    case Finding::Kind::SwallowedCancel:
        return "swallowed_cancel";
    case Finding::Kind::BlockingStep:
        return "blocking_step";
    case Finding::Kind::FireAndForget:
        return "fire_and_forget";
    case Finding::Kind::ShutdownError:
        return "shutdown_error";
    }
    return "";
}

std::optional<Finding::Kind> findingKindFromName(QStringView name)
{
    for (int k = 0; k <= int(Finding::Kind::ShutdownError); ++k) {
        if (name == QLatin1String(findingKindName(Finding::Kind(k))))
            return Finding::Kind(k);
    }
    return std::nullopt;
}

const char *severityName(Finding::Severity s)
{
    switch (s) {
    case Finding::Severity::Info:
        return "info";
    case Finding::Severity::Warning:
        return "warning";
    case Finding::Severity::Error:
        return "error";
    }
    return "";
}

std::optional<Finding::Severity> severityFromName(QStringView name)
{
    for (int s = 0; s <= int(Finding::Severity::Error); ++s) {
        if (name == QLatin1String(severityName(Finding::Severity(s))))
            return Finding::Severity(s);
    }
    return std::nullopt;
}

QJsonObject findingToJson(const Finding &f)
{
    QJsonObject o{{u"kind"_s, QLatin1String(findingKindName(f.kind))},
                  {u"severity"_s, QLatin1String(severityName(f.severity))},
                  {u"task"_s, f.task},
                  {u"node"_s, f.node},
                  {u"time"_s, std::round(f.time * 1e9) / 1e9},
                  {u"message"_s, f.message}};
    if (!f.chain.isEmpty())
        o.insert(u"chain"_s, QJsonArray::fromStringList(f.chain));
    return o;
}

std::vector<int> waitTargets(const Runtime &rt, int futureId)
{
    if (futureId < 0 || size_t(futureId) >= rt.futures.size())
        return {};
    const DepIndex idx(rt);
    std::vector<int> out;
    for (const Task *t : idx.targets(rt.futures[size_t(futureId)], true))
        out.push_back(t->index);
    return out;
}

std::vector<Finding> diagnose(const Engine &engine)
{
    const Runtime &rt = engine.runtime();
    const Graph &graph = rt.graph();
    const EventLog &events = rt.loop().trace().events();
    const size_t taskCount = rt.tasks.size();
    const DepIndex idx(rt);
    auto nodeOf = [&](const Task *t) { return graph.nodes[size_t(t->node)].id; };
    auto futureAt = [&](qint32 id) -> const Future * {
        return id >= 0 && size_t(id) < rt.futures.size() ? rt.futures[size_t(id)] : nullptr;
    };

    std::vector<Finding> out;
    auto add = [&](Finding::Kind k, Finding::Severity s, const Task *t, double time, const QString &message,
                   const QStringList &chain = {}) {
        out.push_back({k, s, t ? t->name() : QString(), t ? nodeOf(t) : QString(), time, message, chain});
    };

    // One pass over the trace: waits, snapshot states, blocking steps, cancellations.
    std::vector<TaskTrack> track(taskCount);
    std::vector<WaitInterval> waits;
    std::vector<size_t> openWait(taskCount, SIZE_MAX);
    size_t snapshotAt = SIZE_MAX;
    double snapshotTime = 0;
    double endTime = 0;
    size_t i = 0; // a scan by iterator: O(1) a step (EventLog's cursor), cheaper than events[i]
    for (auto it = events.begin(), last = events.end(); it != last; ++it, ++i) {
        const Event e = *it;
        if (e.kind == EventKind::Phase) {
            if (e.subject == 2) {
                snapshotAt = i;
                snapshotTime = e.t;
                for (size_t k = 0; k < taskCount; ++k) {
                    TaskTrack &tt = track[k];
                    tt.pendingAtSnapshot = tt.createdAt != SIZE_MAX && !tt.terminal;
                    tt.awaitingAtSnapshot = tt.awaiting;
                }
            } else if (e.subject == 3) {
                endTime = e.t;
            }
            continue;
        }
        const bool futureSubject
            = (e.kind == EventKind::CancelRequested || e.kind == EventKind::Collected) && (e.flags & 1);
        if (futureSubject || e.subject < 0 || size_t(e.subject) >= taskCount)
            continue;
        switch (e.kind) {
        case EventKind::TaskCreated:
        case EventKind::StepBegan:
        case EventKind::Suspended:
        case EventKind::CancelRequested:
        case EventKind::CancelDelivered:
        case EventKind::TaskDone:
        case EventKind::TaskFailed:
        case EventKind::TaskCancelled:
        case EventKind::Collected:
        case EventKind::Blocked:
            break;
        default:
            continue; // subject is not a task
        }
        const auto ti = size_t(e.subject);
        TaskTrack &tt = track[ti];
        auto flushBlocked = [&] {
            if (tt.blocked >= kSlowStepSeconds - kEps) {
                add(Finding::Kind::BlockingStep, Finding::Severity::Warning, rt.tasks[ti], tt.stepStart,
                    u"a step of %1 blocked the loop for %2 without yielding; every other task and timer waited "
                    "(asyncio's debug mode logs steps slower than %3)"_s.arg(rt.tasks[ti]->name(), seconds(tt.blocked),
                                                                             seconds(kSlowStepSeconds)));
            }
            tt.blocked = 0;
        };
        auto closeWait = [&](double t) {
            if (openWait[ti] != SIZE_MAX) {
                waits[openWait[ti]].end = i;
                waits[openWait[ti]].t1 = t;
                openWait[ti] = SIZE_MAX;
            }
        };
        switch (e.kind) {
        case EventKind::TaskCreated:
            tt.createdAt = i;
            break;
        case EventKind::StepBegan:
            closeWait(e.t);
            tt.awaiting = -1;
            tt.stepStart = e.t;
            tt.blocked = 0;
            break;
        case EventKind::Suspended:
            flushBlocked();
            tt.awaiting = e.other;
            tt.suspensions.emplace_back(i, e.other);
            if (tt.deliveredAt >= 0)
                tt.suspendedAfterDelivery = true;
            if (const Future *f = futureAt(e.other)) {
                openWait[ti] = waits.size();
                waits.push_back({int(ti), f, i, SIZE_MAX, 0});
            }
            break;
        case EventKind::CancelRequested:
            tt.cancelRequests.push_back(i);
            break;
        case EventKind::CancelDelivered:
            if (tt.deliveredAt < 0)
                tt.deliveredAt = e.t;
            break;
        case EventKind::TaskDone:
        case EventKind::TaskFailed:
        case EventKind::TaskCancelled:
            flushBlocked();
            tt.endedAt = i;
            tt.terminal = true;
            tt.failedInShutdown = e.kind == EventKind::TaskFailed && e.flags == 1;
            break;
        case EventKind::Collected:
            if (tt.endedAt == SIZE_MAX)
                tt.endedAt = i;
            tt.collectedAt = e.t;
            tt.awaitingAtCollect = tt.awaiting;
            break;
        case EventKind::Blocked:
            tt.blocked += e.value;
            break;
        default:
            break;
        }
    }
    auto pendingAt = [&](size_t task, size_t at) {
        const TaskTrack &tt = track[task];
        return tt.createdAt < at && (tt.endedAt == SIZE_MAX || tt.endedAt > at);
    };

    // Destroyed while pending ("Task was destroyed but it is pending!"), as the outcome reports them.
    for (const Task *t : rt.destroyedPending) {
        const TaskTrack &tt = track[size_t(t->index)];
        const Future *f = futureAt(tt.awaitingAtCollect);
        const QString what = idx.describe(f);
        add(Finding::Kind::DestroyedPending, Finding::Severity::Error, t, tt.collectedAt,
            u"%1 was destroyed while pending by the collection at %2: it waits on %3, and nothing reachable can "
            "complete it (no variable, timer, ready callback or running task leads to it)"_s.arg(
                t->name(), seconds(tt.collectedAt), what),
            QStringList{f && (f->named || f->kind == ObjKind::Task) ? f->name() : what});
    }

    // Exceptions never retrieved: the outcome's names (a future the cycle collector freed is "?").
    QStringList neverNames;
    for (const Task *t : rt.tasks) {
        if (!t->failed() || !t->logTraceback() || neverNames.contains(t->name()))
            continue;
        neverNames << t->name();
        const QString exc
            = excText(t->exceptionJson.value(u"type"_s).toString(), t->exceptionJson.value(u"message"_s).toString());
        add(Finding::Kind::ExceptionNeverRetrieved, Finding::Severity::Error, t, t->finished,
            u"%1 failed with %2 and nobody retrieved it: no await, result(), exception(), gather or TaskGroup "
            "looked at the task (\"Task exception was never retrieved\")"_s.arg(t->name(), exc));
    }
    for (const Future *f : rt.futures) {
        if (f->kind == ObjKind::Task || !f->failed() || !f->logTraceback())
            continue;
        const QString name = f->named && !f->diedInCycle ? f->name() : u"?"_s;
        if (neverNames.contains(name))
            continue;
        neverNames << name;
        double when = 0;
        for (const Event &e : events) {
            if (e.kind == EventKind::FutureDone && e.subject == f->id)
                when = e.t;
        }
        const ExcObj *x = f->storedException();
        const QString label = f->named ? u"future '"_s + f->name() + u'\'' : idx.describe(f);
        out.push_back({Finding::Kind::ExceptionNeverRetrieved,
                       Finding::Severity::Error,
                       name,
                       QString(),
                       when,
                       u"%1 was given %2 and nobody retrieved it (\"Future exception was never retrieved\")%3"_s.arg(
                           label, excText(x->type, x->message),
                           name == u"?"_s ? u"; a reference cycle freed it, so asyncio cannot name it"_s : QString()),
                       {}});
    }

    // Pending at exit, and errors raised while asyncio.run() cancelled them.
    const QString status = engine.status();
    if (snapshotAt != SIZE_MAX) {
        const QString moment = status == u"deadlock"_s ? u"when the run deadlocked at %1"_s.arg(seconds(snapshotTime))
            : status == u"time_limit"_s ? u"when the run hit its time limit at %1"_s.arg(seconds(snapshotTime))
            : status == u"task_limit"_s || status == u"step_limit"_s || status == u"iteration_limit"_s
            ? u"when the run spent its %1 budget (limits.%2) at %3"_s.arg(status.chopped(6), status.chopped(6) + u's',
                                                                          seconds(snapshotTime))
            : u"when %1 ended at %2"_s.arg(rt.mainTask ? rt.mainTask->name() : u"main"_s, seconds(snapshotTime));
        for (size_t k = 0; k < taskCount; ++k) {
            const Task *t = rt.tasks[k];
            const TaskTrack &tt = track[k];
            if (!tt.pendingAtSnapshot)
                continue;
            QString message = t->name() + u" was still pending "_s + moment;
            if (tt.collectedAt >= 0 && tt.collectedAt <= snapshotTime + kEps)
                message += u" (destroyed by the collection at %1)"_s.arg(seconds(tt.collectedAt));
            else if (const Future *f = futureAt(tt.awaitingAtSnapshot))
                message += u", waiting on "_s + idx.describe(f);
            if (status == u"completed"_s && !t->destroyed)
                message += u"; asyncio.run() cancels it at shutdown"_s;
            add(Finding::Kind::PendingAtExit, Finding::Severity::Warning, t, snapshotTime, message);
            if (tt.failedInShutdown && !t->destroyed && !t->createdInShutdown) {
                add(Finding::Kind::ShutdownError, Finding::Severity::Error, t, t->finished,
                    u"%1 raised %2 while asyncio.run() cancelled it at shutdown"_s.arg(
                        t->name(),
                        excText(t->exceptionJson.value(u"type"_s).toString(),
                                t->exceptionJson.value(u"message"_s).toString())));
            }
        }
    }

    // Deadlock: follow what the stuck task waits on until a cycle or a future nothing can complete.
    if (engine.isFinished() && (status == u"deadlock"_s || status == u"shutdown_deadlock"_s)) {
        const Task *start = status == u"deadlock"_s ? rt.mainTask : nullptr;
        for (size_t k = 0; !start && k < taskCount; ++k) {
            if (!rt.tasks[k]->done() && !rt.tasks[k]->destroyed)
                start = rt.tasks[k];
        }
        if (start) {
            QStringList chain{start->name()};
            QStringList steps;
            std::vector<const Task *> seen{start};
            for (const Task *cur = start;;) {
                const Future *f = cur->futWaiter();
                if (!f) {
                    steps << cur->name() + u" is not waiting on anything"_s;
                    break;
                }
                std::vector<const Task *> next;
                for (const Task *x : idx.targets(f, true)) {
                    if (x != cur && !x->done() && !x->destroyed)
                        next.push_back(x);
                }
                QString step = cur->name() + u" waits on "_s + idx.describe(f);
                if (!idx.find(f) && f->kind != ObjKind::Task && !next.empty()) {
                    QStringList by;
                    for (const Task *x : next)
                        by << x->name();
                    step += u" (set by "_s + by.join(u", "_s) + u')';
                }
                if (next.empty()) {
                    steps << step + u", which nothing can complete"_s;
                    if (f->named)
                        chain << f->name();
                    break;
                }
                steps << step;
                const Task *n = next.front();
                chain << n->name();
                if (std::find(seen.begin(), seen.end(), n) != seen.end()) {
                    steps.last() += u": a cycle"_s;
                    break;
                }
                seen.push_back(n);
                cur = n;
            }
            const double at = status == u"deadlock"_s ? snapshotTime : endTime;
            add(Finding::Kind::Deadlock, Finding::Severity::Error, start, at,
                u"%1 at %2: nothing is ready and no timer is live; "_s.arg(
                    status == u"deadlock"_s ? u"deadlock"_s : u"deadlock during shutdown"_s, seconds(at))
                    + steps.join(u" -> "_s),
                chain);
        }
    }

    // Orphans: still pending when the task waiting for them stopped waiting, and nobody waits for
    // or cancels them afterwards (shutdown's cancellations do not count).
    {
        std::vector<std::vector<const Task *>> targetsOf(waits.size());
        for (size_t w = 0; w < waits.size(); ++w)
            targetsOf[w] = idx.targets(waits[w].on, false);
        std::vector<char> reported(taskCount, 0);
        for (size_t w = 0; w < waits.size(); ++w) {
            const WaitInterval &wi = waits[w];
            if (wi.end == SIZE_MAX || wi.end > snapshotAt)
                continue;
            for (const Task *x : targetsOf[w]) {
                const auto xi = size_t(x->index);
                if (int(xi) == wi.task || reported[xi] || !pendingAt(xi, wi.end))
                    continue;
                const TaskTrack &xt = track[xi];
                const bool cancelled = std::any_of(xt.cancelRequests.begin(), xt.cancelRequests.end(),
                                                   [&](size_t at) { return at >= wi.begin && at < snapshotAt; });
                if (cancelled)
                    continue;
                bool awaitedLater = false;
                for (size_t j = 0; j < waits.size() && !awaitedLater; ++j) {
                    if (j == w || waits[j].end <= wi.end || waits[j].begin > snapshotAt)
                        continue;
                    awaitedLater = std::find(targetsOf[j].begin(), targetsOf[j].end(), x) != targetsOf[j].end();
                }
                if (awaitedLater)
                    continue;
                reported[xi] = 1;
                const Task *waiter = rt.tasks[size_t(wi.task)];
                QString message = u"%1 was still pending when %2 stopped waiting for it at %3 (%4); nothing "
                                  "awaits or cancels it afterwards"_s.arg(x->name(), waiter->name(), seconds(wi.t1),
                                                                          stopReason(idx, wi.on, wi.t1));
                // what it waits on then: its last suspension before the waiter resumed
                const auto s = std::lower_bound(xt.suspensions.begin(), xt.suspensions.end(),
                                                std::make_pair(wi.end, qint32(-1)));
                if (s != xt.suspensions.begin()) {
                    if (const Future *f = futureAt(std::prev(s)->second))
                        message += u"; it waits on "_s + idx.describe(f);
                }
                add(Finding::Kind::Orphan, Finding::Severity::Warning, x, wi.t1, message, {waiter->name(), x->name()});
            }
        }
    }

    // Swallowed cancellations: CancelledError delivered, caught, and the task went on running with
    // the request still counted (asyncio.timeout and TaskGroup uncancel() what they requested).
    for (size_t k = 0; k < taskCount; ++k) {
        const Task *t = rt.tasks[k];
        const TaskTrack &tt = track[k];
        if (tt.deliveredAt < 0 || t->cancelled() || t->cancelling() == 0 || !tt.suspendedAfterDelivery)
            continue;
        const QString until = t->done() ? u"until %1, and ended %2 instead of cancelled"_s.arg(
                                  seconds(t->finished), t->failed() ? u"failed"_s : u"done"_s)
                                        : u"and is still pending"_s;
        add(Finding::Kind::SwallowedCancel, Finding::Severity::Warning, t, tt.deliveredAt,
            u"%1 caught the CancelledError delivered at %2 and kept running %3; whoever called cancel() "
            "expected it to stop"_s.arg(t->name(), seconds(tt.deliveredAt), until));
    }

    // Fire-and-forget: tasks of nodes only ever started by a spawn step that keeps no reference.
    {
        std::vector<int> forgotten(graph.nodes.size(), 0), kept(graph.nodes.size(), 0);
        auto visit = [&](auto &&self, const std::vector<Step> &steps) -> void {
            for (const Step &st : steps) {
                if (st.op == Op::Spawn && st.target.node >= 0)
                    ++(st.as ? kept : forgotten)[size_t(st.target.node)];
                if ((st.op == Op::WaitFor || st.op == Op::Shield) && !st.target.isRef && st.target.node >= 0)
                    ++kept[size_t(st.target.node)];
                for (const ChildExpr &c : st.children) {
                    if (!c.isRef && c.node >= 0)
                        ++kept[size_t(c.node)];
                }
                self(self, st.body);
                for (const ExceptHandler &h : st.handlers)
                    self(self, h.body);
                self(self, st.finallyBody);
            }
        };
        for (const Node &n : graph.nodes)
            visit(visit, n.steps);
        for (const Task *t : rt.tasks) {
            const auto n = size_t(t->node);
            if (t == rt.mainTask || t->createdInShutdown || !forgotten[n] || kept[n])
                continue;
            add(Finding::Kind::FireAndForget, Finding::Severity::Info, t, t->created,
                u"%1 was started with create_task() and no reference was kept: nothing can await or cancel it, "
                "its result or error is lost, and a collection may destroy it while pending"_s.arg(t->name()));
        }
    }

    std::stable_sort(out.begin(), out.end(), [](const Finding &a, const Finding &b) { return a.time < b.time; });
    return out;
}

} // namespace ascope
