#include "perfettoexport.h"

#include "engine.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr int kPid = 1;
constexpr int kLoopTid = 1; // the event loop's thread: instants, and the pid/tid every event needs

// What one task's track has open while the trace is replayed.
struct Track {
    bool alive = false;      // the task's lifetime slice is open
    QString state;           // the open state slice ("" = none)
    QString stateBase;       // its name without the cancelling prefix
    bool cancelling = false; // cancel() requested, CancelledError not thrown in yet
    qint32 waitingOn = -1;   // future id
    double finishedTs = -1;  // when it completed (the start of its wake-up arrows)
};

// Replays the engine's trace into Trace Event Format events.
class Writer
{
public:
    explicit Writer(const Runtime &rt)
        : m_rt(rt)
        , m_tracks(rt.tasks.size())
    {
    }

    QJsonArray write()
    {
        metadata();
        const EventLog &events = m_rt.loop().trace().events();
        for (size_t i = 0; i < events.size(); ++i) {
            const Event &e = events[i];
            const bool cancelThrownIn = i + 1 < events.size() && events[i + 1].kind == EventKind::CancelDelivered
                && events[i + 1].subject == e.subject;
            handle(e, timestamp(e), cancelThrownIn);
        }
        endBlocking(m_ts);
        for (size_t i = 0; i < m_tracks.size(); ++i) {
            if (m_tracks[i].alive)
                endTask(int(i), m_ts, QJsonObject{{u"state"_s, u"pending"_s}});
        }
        return m_out;
    }

private:
    // Virtual seconds -> microseconds; a new loop iteration at the same instant moves 1 us on.
    double timestamp(const Event &e)
    {
        const double raw = std::round(e.t * 1e9) / 1e3;
        m_ts = (m_started && e.iteration != m_iteration) ? std::max(raw, m_ts + 1) : std::max(raw, m_ts);
        m_started = true;
        m_iteration = e.iteration;
        return m_ts;
    }

    const Task *task(qint32 index) const
    {
        return index >= 0 && size_t(index) < m_rt.tasks.size() ? m_rt.tasks[size_t(index)] : nullptr;
    }

    const Future *future(qint32 id) const
    {
        return id >= 0 && size_t(id) < m_rt.futures.size() ? m_rt.futures[size_t(id)] : nullptr;
    }

    // What "waiting on X" names: a task, a named future, a gather, or an anonymous future.
    QString describe(qint32 futureId) const
    {
        const Future *f = future(futureId);
        if (!f)
            return u"?"_s;
        if (f->kind == ObjKind::Task)
            return static_cast<const Task *>(f)->name();
        if (f->named)
            return f->name();
        if (dynamic_cast<const GatherFuture *>(f))
            return u"gather"_s;
        return u"future #%1"_s.arg(futureId);
    }

    void metadata()
    {
        const QString process = m_rt.graph().name.isEmpty() ? u"asyncscope"_s : u"asyncscope: "_s + m_rt.graph().name;
        m_out.append(QJsonObject{{u"ph"_s, u"M"_s},
                                 {u"name"_s, u"process_name"_s},
                                 {u"pid"_s, kPid},
                                 {u"tid"_s, kLoopTid},
                                 {u"args"_s, QJsonObject{{u"name"_s, process}}}});
        m_out.append(QJsonObject{{u"ph"_s, u"M"_s},
                                 {u"name"_s, u"thread_name"_s},
                                 {u"pid"_s, kPid},
                                 {u"tid"_s, kLoopTid},
                                 {u"args"_s, QJsonObject{{u"name"_s, u"event loop"_s}}}});
    }

    QJsonObject base(const char *ph, const QString &cat, const QString &name, double ts) const
    {
        return QJsonObject{{u"ph"_s, QLatin1String(ph)}, {u"cat"_s, cat}, {u"name"_s, name}, {u"pid"_s, kPid},
                           {u"tid"_s, kLoopTid},         {u"ts"_s, ts}};
    }

    void async(const char *ph, int index, const QString &name, double ts, const QJsonObject &args = {})
    {
        QJsonObject o = base(ph, u"task"_s, name, ts);
        o.insert(u"id"_s, u"0x%1"_s.arg(index + 1, 0, 16));
        if (!args.isEmpty())
            o.insert(u"args"_s, args);
        m_out.append(o);
    }

    void instant(const QString &cat, const QString &name, double ts, const char *scope, const QJsonObject &args)
    {
        QJsonObject o = base("i", cat, name, ts);
        o.insert(u"s"_s, QLatin1String(scope));
        o.insert(u"args"_s, args);
        m_out.append(o);
    }

    void flow(const QString &cat, double fromTs, double toTs, const QJsonObject &args)
    {
        ++m_flowId;
        QJsonObject s = base("s", cat, cat, fromTs);
        s.insert(u"id"_s, m_flowId);
        s.insert(u"args"_s, args);
        QJsonObject f = base("f", cat, cat, toTs);
        f.insert(u"id"_s, m_flowId);
        f.insert(u"bp"_s, u"e"_s);
        m_out.append(s);
        m_out.append(f);
    }

    void endBlocking(double ts)
    {
        if (m_blocking >= 0)
            async("e", m_blocking, u"blocking"_s, ts);
        m_blocking = -1;
    }

    void setState(int index, const QString &stateBase, double ts)
    {
        Track &tr = m_tracks[size_t(index)];
        if (!tr.alive)
            return;
        const QString name = tr.cancelling ? u"cancelling: "_s + stateBase : stateBase;
        if (!tr.state.isEmpty())
            async("e", index, tr.state, ts);
        tr.state = name;
        tr.stateBase = stateBase;
        async("b", index, name, ts);
    }

    void endTask(int index, double ts, const QJsonObject &args)
    {
        Track &tr = m_tracks[size_t(index)];
        if (!tr.state.isEmpty())
            async("e", index, tr.state, ts);
        tr.state.clear();
        async("e", index, m_rt.tasks[size_t(index)]->name(), ts, args);
        tr.alive = false;
        tr.cancelling = false;
        tr.waitingOn = -1;
    }

    // The tasks waiting on `futureId` are ready once it completes (their wake-up is scheduled).
    void readyWaiters(qint32 futureId, double ts)
    {
        const auto it = m_waiters.find(futureId);
        if (it == m_waiters.end())
            return;
        for (int index : it.value()) {
            if (m_tracks[size_t(index)].alive && m_tracks[size_t(index)].waitingOn == futureId)
                setState(index, u"scheduled (woken by %1)"_s.arg(describe(futureId)), ts);
        }
        m_waiters.erase(it);
    }

    void handle(const Event &e, double ts, bool cancelThrownIn)
    {
        endBlocking(ts); // a block advanced the clock to this event
        const double t = std::round(e.t * 1e9) / 1e9;
        const bool onFuture = (e.flags & 1) != 0;
        switch (e.kind) {
        case EventKind::TaskCreated: {
            const Task *tk = task(e.subject);
            if (!tk)
                return;
            const Task *parent = task(e.other);
            QJsonObject args{{u"node"_s, m_rt.graph().nodes[size_t(tk->node)].id}, {u"t"_s, t}};
            if (parent)
                args.insert(u"parent"_s, parent->name());
            m_tracks[size_t(e.subject)].alive = true;
            async("b", e.subject, tk->name(), ts, args);
            setState(e.subject, u"scheduled"_s, ts);
            if (parent)
                flow(u"spawn"_s, ts, ts, {{u"parent"_s, parent->name()}, {u"child"_s, tk->name()}});
            return;
        }
        case EventKind::StepBegan:
            if (!task(e.subject))
                return;
            m_tracks[size_t(e.subject)].waitingOn = -1;
            if (cancelThrownIn)
                m_tracks[size_t(e.subject)].cancelling = false;
            setState(e.subject, cancelThrownIn ? u"running (CancelledError thrown in)"_s : u"running"_s, ts);
            return;
        case EventKind::Suspended: {
            if (!task(e.subject))
                return;
            if (e.other < 0) {
                setState(e.subject, u"scheduled (yield)"_s, ts);
                return;
            }
            m_tracks[size_t(e.subject)].waitingOn = e.other;
            m_waiters[e.other].push_back(e.subject);
            setState(e.subject, u"waiting on "_s + describe(e.other), ts);
            const Future *f = future(e.other);
            if (f && f->kind == ObjKind::Task)
                flow(u"await"_s, ts, ts,
                     {{u"waiter"_s, task(e.subject)->name()}, {u"awaited"_s, static_cast<const Task *>(f)->name()}});
            return;
        }
        case EventKind::Woken: {
            const Future *f = future(e.other);
            if (!task(e.subject) || !f || f->kind != ObjKind::Task)
                return;
            const auto *done = static_cast<const Task *>(f);
            const double from = m_tracks[size_t(done->index)].finishedTs;
            flow(u"wake"_s, from < 0 ? ts : from, ts,
                 {{u"done"_s, done->name()}, {u"woken"_s, task(e.subject)->name()}});
            return;
        }
        case EventKind::CancelRequested:
            if (onFuture || !task(e.subject) || !m_tracks[size_t(e.subject)].alive)
                return;
            if (!m_tracks[size_t(e.subject)].cancelling) {
                m_tracks[size_t(e.subject)].cancelling = true;
                setState(e.subject, m_tracks[size_t(e.subject)].stateBase, ts);
            }
            return;
        case EventKind::Blocked:
            if (!task(e.subject))
                return;
            async("b", e.subject, u"blocking"_s, ts, {{u"seconds"_s, e.value}, {u"t"_s, t}});
            m_blocking = e.subject;
            return;
        case EventKind::TaskDone:
        case EventKind::TaskFailed:
        case EventKind::TaskCancelled: {
            const Task *tk = task(e.subject);
            if (!tk || !m_tracks[size_t(e.subject)].alive)
                return;
            QJsonObject args{{u"t"_s, t}, {u"phase"_s, e.flags ? u"shutdown"_s : u"run"_s}};
            if (e.kind == EventKind::TaskDone) {
                args.insert(u"state"_s, u"done"_s);
                args.insert(u"result"_s, tk->resultJson);
            } else if (e.kind == EventKind::TaskFailed) {
                args.insert(u"state"_s, u"failed"_s);
                args.insert(u"exception"_s, tk->exceptionJson);
            } else {
                args.insert(u"state"_s, u"cancelled"_s);
            }
            endTask(e.subject, ts, args);
            m_tracks[size_t(e.subject)].finishedTs = ts;
            readyWaiters(tk->id, ts);
            return;
        }
        case EventKind::FutureDone:
            readyWaiters(e.subject, ts);
            return;
        case EventKind::Collected:
            if (onFuture || !task(e.subject))
                return;
            m_collected.append(task(e.subject)->name());
            if (m_tracks[size_t(e.subject)].alive)
                endTask(e.subject, ts, {{u"state"_s, u"destroyed while pending"_s}, {u"t"_s, t}});
            return;
        case EventKind::Collection:
            instant(u"gc"_s, u"gc.collect(): %1 destroyed"_s.arg(e.subject), ts, "t",
                    {{u"destroyed"_s, QJsonArray::fromStringList(m_collected)}, {u"t"_s, t}});
            m_collected.clear();
            return;
        case EventKind::Phase: {
            static const char *const names[] = {"run", "snapshot", "shutdown", "end"};
            const QString name = e.subject >= 0 && e.subject < 4 ? QLatin1String(names[e.subject]) : u"phase"_s;
            instant(u"phase"_s, name, ts, "g", {{u"t"_s, t}});
            return;
        }
        case EventKind::Injected: {
            const QString kind = QLatin1String(Injection::kindName(Injection::Kind(e.other)));
            QString target;
            if (!onFuture && task(e.subject))
                target = task(e.subject)->name();
            else if (onFuture && future(e.subject))
                target = describe(e.subject);
            instant(u"injection"_s, target.isEmpty() ? u"inject "_s + kind : u"inject %1 %2"_s.arg(kind, target), ts,
                    "g", {{u"kind"_s, kind}, {u"target"_s, target}, {u"t"_s, t}});
            return;
        }
        case EventKind::CancelDelivered:
        case EventKind::TimerArmed:
        case EventKind::TimerFired:
        case EventKind::TimerCancelled:
        case EventKind::FutureCreated:
            return;
        }
    }

    const Runtime &m_rt;
    std::vector<Track> m_tracks;
    QJsonArray m_out;
    QStringList m_collected;                   // tasks destroyed by the collection being recorded
    QHash<qint32, std::vector<int>> m_waiters; // future id -> tasks that suspended on it
    int m_blocking = -1;                       // the task inside a "blocking" slice
    double m_ts = 0;
    quint64 m_iteration = 0;
    bool m_started = false;
    qint64 m_flowId = 0;
};

} // namespace

QByteArray perfettoTrace(const Engine &engine)
{
    Writer w(engine.runtime());
    const QJsonObject doc{{u"traceEvents"_s, w.write()},
                          {u"displayTimeUnit"_s, u"ms"_s},
                          {u"otherData"_s,
                           QJsonObject{{u"generator"_s, u"asyncscope"_s},
                                       {u"scenario"_s, engine.runtime().graph().name},
                                       {u"status"_s, engine.status()}}}};
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

} // namespace ascope
