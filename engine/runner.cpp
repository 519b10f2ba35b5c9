#include "runner.h"

#include "engine.h"
#include "jsonwriter.h"
#include "loader.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>

namespace ascope {

namespace {

const QEvent::Type kBatchEvent = QEvent::Type(QEvent::User + 417);

// base_events.py _run_until_complete_cb: retrieves the exception, stops the loop.
class Stopper final : public Listener
{
public:
    explicit Stopper(Loop *l)
        : Listener(ObjKind::Helper)
        , m_loop(l)
    {
    }
    void fire(Handle &h) override
    {
        auto *f = static_cast<Future *>(h.arg);
        if (!f->cancelled())
            f->exception();
        m_loop->stop();
    }
    void trace(Tracer &) const override { }

private:
    Loop *m_loop;
};

QString stateName(const Future *f)
{
    if (!f->done())
        return QStringLiteral("pending");
    if (f->cancelled())
        return QStringLiteral("cancelled");
    return f->failed() ? QStringLiteral("failed") : QStringLiteral("done");
}

// Python's json.dumps(x, sort_keys=True) text, used to order sets as the reference does.
QString pyJsonText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (d == std::floor(d) && std::abs(d) < 1e15 && v.toVariant().typeId() != QMetaType::Double)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::String: {
        QString out = QStringLiteral("\"");
        for (QChar ch : v.toString()) {
            const ushort u = ch.unicode();
            if (u == '"')
                out += QStringLiteral("\\\"");
            else if (u == '\\')
                out += QStringLiteral("\\\\");
            else if (u == '\n')
                out += QStringLiteral("\\n");
            else if (u < 0x20 || u > 0x7e)
                out += QStringLiteral("\\u%1").arg(u, 4, 16, QLatin1Char('0'));
            else
                out += ch;
        }
        return out + u'"';
    }
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &x : v.toArray())
            parts << pyJsonText(x);
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        QStringList keys = o.keys();
        std::sort(keys.begin(), keys.end());
        QStringList parts;
        for (const QString &k : keys)
            parts << pyJsonText(QJsonValue(k)) + QStringLiteral(": ") + pyJsonText(o.value(k));
        return u'{' + parts.join(QStringLiteral(", ")) + u'}';
    }
    default:
        return QStringLiteral("null");
    }
}

QJsonObject excJson(const ExcObj *e)
{
    QJsonObject o{{QStringLiteral("type"), e->type}, {QStringLiteral("message"), e->hasArg ? e->message : QString()}};
    if (e->type == QLatin1String("ExceptionGroup") || e->type == QLatin1String("BaseExceptionGroup")) {
        QJsonArray members;
        for (const ExcObj *m : e->members)
            members.append(excJson(m));
        o.insert(QStringLiteral("exceptions"), members);
    }
    return o;
}

double round9(double t)
{
    return std::round(t * 1e9) / 1e9;
}

} // namespace

QJsonValue valueToJson(const Value &v)
{
    switch (v.kind) {
    case Value::Kind::None:
        return QJsonValue::Null;
    case Value::Kind::Bool:
        return v.b;
    case Value::Kind::Int:
        return QJsonValue(v.i);
    case Value::Kind::Double:
        return v.d;
    case Value::Kind::Str:
        return v.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        QJsonArray a;
        for (const Value &x : *v.items)
            a.append(valueToJson(x));
        return a;
    }
    case Value::Kind::Set: {
        std::vector<std::pair<QString, QJsonValue>> items;
        for (const Value &x : *v.items) {
            QJsonValue j = valueToJson(x);
            items.emplace_back(pyJsonText(j), j);
        }
        std::stable_sort(items.begin(), items.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
        QJsonArray a;
        for (const auto &p : items)
            a.append(p.second);
        return a;
    }
    case Value::Kind::Obj:
        if (const ExcObj *e = v.exception())
            return QJsonObject{{QStringLiteral("exception"), excJson(e)}};
        if (v.obj->kind == ObjKind::Task)
            return QJsonObject{{QStringLiteral("task"), static_cast<Task *>(v.obj)->name()}};
        if (const Future *f = v.future())
            return QJsonObject{{QStringLiteral("future"), f->named ? QJsonValue(f->name()) : QJsonValue()}};
        return QStringLiteral("<object>");
    }
    return QJsonValue::Null;
}

// ---------------------------------------------------------------- injections

namespace {
struct KindName {
    Injection::Kind kind;
    const char *name;
};
constexpr KindName kKinds[] = {
    {Injection::Kind::Cancel, "cancel"},   {Injection::Kind::ForceTimeout, "force_timeout"},
    {Injection::Kind::Resolve, "resolve"}, {Injection::Kind::Fail, "fail"},
    {Injection::Kind::Drop, "drop"},       {Injection::Kind::Collect, "collect"},
};

Value valueFromJson(const QJsonValue &j)
{
    switch (j.type()) {
    case QJsonValue::Bool:
        return Value::boolean(j.toBool());
    case QJsonValue::Double: {
        const double d = j.toDouble();
        if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15)
            return Value::integer(qint64(d));
        return Value::real(d);
    }
    case QJsonValue::String:
        return Value::str(j.toString());
    case QJsonValue::Array: {
        std::vector<Value> items;
        for (const QJsonValue &x : j.toArray())
            items.push_back(valueFromJson(x));
        return Value::seq(Value::Kind::List, std::move(items));
    }
    default:
        return Value::none();
    }
}
} // namespace

const char *Injection::kindName(Kind k)
{
    for (const KindName &kn : kKinds) {
        if (kn.kind == k)
            return kn.name;
    }
    return "?";
}

QJsonObject Injection::toJson() const
{
    QJsonObject o{{QStringLiteral("iteration"), qint64(iteration)},
                  {QStringLiteral("op"), QLatin1String(kindName(kind))}};
    if (time)
        o.insert(QStringLiteral("time"), *time);
    if (kind != Kind::Collect)
        o.insert(QStringLiteral("target"), target);
    if (hasMessage)
        o.insert(QStringLiteral("message"), message);
    if (kind == Kind::Resolve)
        o.insert(QStringLiteral("value"), value);
    if (kind == Kind::Fail)
        o.insert(QStringLiteral("type"), excType);
    return o;
}

std::optional<Injection> Injection::fromJson(const QJsonObject &o, QString *error)
{
    auto fail = [error](const QString &m) {
        if (error)
            *error = m;
        return std::nullopt;
    };
    Injection in;
    const QString op = o.value(QStringLiteral("op")).toString();
    bool found = false;
    for (const KindName &kn : kKinds) {
        if (op == QLatin1String(kn.name)) {
            in.kind = kn.kind;
            found = true;
        }
    }
    if (!found)
        return fail(QStringLiteral("op: unknown injection '%1'").arg(op));
    const QJsonValue it = o.value(QStringLiteral("iteration"));
    if (!it.isDouble() || it.toDouble() < 0 || it.toDouble() != std::floor(it.toDouble()) || it.toDouble() > 1e15)
        return fail(QStringLiteral("iteration: expected a whole number >= 0"));
    in.iteration = quint64(it.toDouble());
    if (o.contains(QStringLiteral("time"))) {
        const QJsonValue t = o.value(QStringLiteral("time"));
        if (!t.isDouble() || !std::isfinite(t.toDouble()) || t.toDouble() < 0)
            return fail(QStringLiteral("time: expected a number >= 0"));
        in.time = t.toDouble();
    }
    if (in.kind != Kind::Collect) {
        in.target = o.value(QStringLiteral("target")).toString();
        if (in.target.isEmpty())
            return fail(QStringLiteral("target: expected a task or future name"));
    }
    if (o.contains(QStringLiteral("message"))) {
        if (!o.value(QStringLiteral("message")).isString())
            return fail(QStringLiteral("message: expected a string"));
        in.hasMessage = true;
        in.message = o.value(QStringLiteral("message")).toString();
    }
    in.value = o.value(QStringLiteral("value"));
    if (in.kind == Kind::Fail) {
        in.excType = o.value(QStringLiteral("type")).toString(QStringLiteral("Exception"));
        if (!excIsKnownType(in.excType))
            return fail(QStringLiteral("type: unknown exception type '%1'").arg(in.excType));
    }
    return in;
}

std::optional<std::vector<Injection>> Engine::scriptFromGraph(const Graph &g, QString *error)
{
    std::vector<Injection> script;
    const QJsonValue v = g.source.value(QStringLiteral("injections"));
    if (!v.isArray())
        return script; // absent (or not ours): nothing to replay
    const QJsonArray a = v.toArray();
    for (int i = 0; i < a.size(); ++i) {
        QString why;
        auto in = a.at(i).isObject() ? Injection::fromJson(a.at(i).toObject(), &why) : std::nullopt;
        if (!in) {
            if (error)
                *error = QStringLiteral("injections[%1]%2")
                             .arg(i)
                             .arg(why.isEmpty() ? QStringLiteral(": expected an object") : u'.' + why);
            return std::nullopt;
        }
        script.push_back(*in);
    }
    return script;
}

bool Engine::inject(Injection in, QString *error)
{
    auto fail = [error](const QString &m) {
        if (error)
            *error = m;
        return false;
    };
    if (m_stage == Stage::NotStarted)
        begin();
    if (m_stage == Stage::Finished)
        return fail(QStringLiteral("the run is over"));
    Runtime &rt = *m_rt;
    Loop &loop = rt.loop();
    if (!m_paused)
        catchUpRealTime();
    in.iteration = loop.iteration();
    in.time = loop.time();
    Future *target = nullptr;
    if (in.kind != Injection::Kind::Collect) {
        for (size_t i = 0; i < rt.tasks.size(); ++i) {
            if (rt.taskName(i) != in.target)
                continue;
            if (!rt.tasks[i]) // freed by Runtime::reclaim(): done, and nothing refers to it
                return injectIntoFreed(std::move(in), i, error);
            target = rt.tasks[i];
        }
        for (const auto &[name, f] : rt.namedFutures) {
            if (!target && name == in.target)
                target = f;
        }
        if (!target)
            return fail(QStringLiteral("no task or future named '%1'").arg(in.target));
    }
    Task *task = target && target->kind == ObjKind::Task ? static_cast<Task *>(target) : nullptr;
    if (task && task->destroyed)
        return fail(QStringLiteral("task '%1' was destroyed by a collection").arg(in.target));
    // Garbage a collection found no longer exists in the program: nothing can act on it (its
    // done-callbacks would wake tasks that were destroyed).
    if (target && target->dead)
        return fail(QStringLiteral("'%1' was freed by a collection").arg(in.target));
    const OptMsg msg = in.hasMessage ? OptMsg(in.message) : std::nullopt;
    try {
        switch (in.kind) {
        case Injection::Kind::Cancel:
            if (target->done())
                return fail(QStringLiteral("'%1' is already done").arg(in.target));
            target->cancel(msg);
            break;
        case Injection::Kind::ForceTimeout: {
            if (!task)
                return fail(QStringLiteral("'%1' is a future: only a task can time out").arg(in.target));
            if (task->done())
                return fail(QStringLiteral("'%1' is already done").arg(in.target));
            bool moved = false;
            for (auto it = task->deadlines().rbegin(); it != task->deadlines().rend() && !moved; ++it) {
                Handle *h = **it;
                if (!h || h->cancelled)
                    continue;
                if (h->isTimer && h->scheduled)
                    loop.rescheduleTimer(h, loop.time());
                moved = true; // a call_soon deadline is due already
            }
            if (!moved) {
                ExcObj *e = rt.newExc(QStringLiteral("TimeoutError"), msg);
                if (!task->throwIn(e))
                    return fail(
                        QStringLiteral("'%1' is not waiting on anything (or is about to resume)").arg(in.target));
            }
            break;
        }
        case Injection::Kind::Resolve:
            if (task)
                return fail(QStringLiteral("'%1' is a task: only a future can be resolved").arg(in.target));
            if (target->done())
                return fail(QStringLiteral("future '%1' is already done").arg(in.target));
            target->setResult(valueFromJson(in.value));
            break;
        case Injection::Kind::Fail:
            if (task)
                return fail(QStringLiteral("'%1' is a task: only a future can be failed").arg(in.target));
            if (target->done())
                return fail(QStringLiteral("future '%1' is already done").arg(in.target));
            target->setException(rt.newExc(in.excType, msg));
            break;
        case Injection::Kind::Drop: {
            for (size_t i = 0; i < rt.globals.size(); ++i) {
                if (rt.globals[i].kind == Value::Kind::Obj && rt.globals[i].obj == target)
                    rt.globals[i] = Value::none();
            }
            for (Object *o : loop.arena()) {
                if (o->kind != ObjKind::Frame)
                    continue;
                for (Value &v : static_cast<Frame *>(o)->locals) {
                    if (v.kind == Value::Kind::Obj && v.obj == target)
                        v = Value::none();
                }
            }
            break;
        }
        case Injection::Kind::Collect:
            rt.collect();
            break;
        }
    } catch (const PyRaise &r) {
        return fail(r.exc->type + u": " + r.exc->message);
    }
    const qint32 subject = task ? task->index : (target ? target->id : -1);
    loop.trace().add(
        {loop.time(), loop.iteration(), 0, subject, int(in.kind), EventKind::Injected, quint8(task ? 0 : 1)});
    m_injections.push_back(std::move(in));
    return true;
}

bool Engine::injectIntoFreed(Injection in, size_t task, QString *error)
{
    // What inject() does with a task that is done and that nothing refers to.
    Runtime &rt = *m_rt;
    QString why;
    if (rt.taskDead(task))
        why = QStringLiteral("'%1' was freed by a collection");
    else if (in.kind == Injection::Kind::Cancel || in.kind == Injection::Kind::ForceTimeout)
        why = QStringLiteral("'%1' is already done");
    else if (in.kind == Injection::Kind::Resolve)
        why = QStringLiteral("'%1' is a task: only a future can be resolved");
    else if (in.kind == Injection::Kind::Fail)
        why = QStringLiteral("'%1' is a task: only a future can be failed");
    if (!why.isEmpty()) {
        if (error)
            *error = why.arg(in.target);
        return false;
    }
    Loop &loop = rt.loop(); // a drop: no reference to let go of
    loop.trace().add({loop.time(), loop.iteration(), 0, qint32(task), int(in.kind), EventKind::Injected, 0});
    m_injections.push_back(std::move(in));
    return true;
}

void Engine::setScript(std::vector<Injection> script)
{
    std::stable_sort(script.begin(), script.end(),
                     [](const Injection &a, const Injection &b) { return a.iteration < b.iteration; });
    m_script = std::move(script);
    m_scriptPos = 0;
}

void Engine::catchUpRealTime()
{
    // While playing in real time the clock runs between events too: let the idle time pass
    // (never up to the next deadline, which the loop itself reaches as in virtual time).
    if (!m_realTime || m_stage == Stage::NotStarted || m_stage == Stage::Finished)
        return;
    Loop &loop = m_rt->loop();
    const double allowed = m_virtualBase + double(m_wall.nsecsElapsed()) * 1e-9 * m_speed;
    const std::optional<double> next = loop.nextDeadline();
    if (next && allowed > loop.time() && allowed < *next)
        loop.advanceTo(allowed);
}

void Engine::applyScript()
{
    while (m_scriptPos < m_script.size() && m_script[m_scriptPos].iteration <= m_rt->loop().iteration()) {
        const Injection &in = m_script[m_scriptPos];
        Loop &loop = m_rt->loop();
        const std::optional<double> next = loop.nextDeadline();
        if (in.time && next && *in.time > loop.time() && *in.time < *next)
            loop.advanceTo(*in.time); // the idle time that passed before it, in real time
        inject(in);                   // a step that no longer applies is skipped
        ++m_scriptPos;
    }
}

Engine::Engine(std::shared_ptr<const Graph> graph, QObject *parent)
    : QObject(parent)
    , m_rt(std::make_unique<Runtime>(std::move(graph)))
{
    m_sinceMade.start();
}

Engine::~Engine() = default;

void Engine::begin()
{
    Runtime &rt = *m_rt;
    const Graph &g = rt.graph();
    for (int i = 0; i < g.futureCount; ++i) {
        rt.globals[size_t(i)] = Value::object(rt.createFuture(g.globalNames[size_t(i)]));
        rt.globalBound[size_t(i)] = true;
    }
    rt.mainTask = rt.createTask(g.entry, rt.newNodeFrame(g.entry, {}));
    m_stopper = rt.loop().make<Stopper>(&rt.loop());
    m_awaited = rt.mainTask;
    rt.runFrame = rt.libFrame(rt.mainTask);
    m_awaited->addDoneCallback({m_stopper, 0});
    m_stage = Stage::Run;
}

bool Engine::stepOnce()
{
    if (m_stage == Stage::NotStarted)
        begin();
    if (m_stage == Stage::Finished)
        return false;
    Loop &loop = m_rt->loop();
    if (m_scriptPos < m_script.size()) // live injections may come in shutdown too
        applyScript();
    Runtime &rt = *m_rt;
    if (qint64(loop.iteration()) >= rt.graph().iterationLimit)
        rt.exhaust(Budget::Iterations);
    const RunStatus st = loop.runOnce();
    if (m_reclaim)
        maybeReclaim();
    const bool shutdown = (m_stage == Stage::Shutdown);
    if (st == RunStatus::Deadlock || st == RunStatus::TimeLimit || st == RunStatus::Halted) {
        m_status = st == RunStatus::Deadlock ? QStringLiteral("deadlock")
            : st == RunStatus::TimeLimit     ? QStringLiteral("time_limit")
                                             : budgetStatus(rt.exhausted());
        if (shutdown)
            m_status = u"shutdown_" + m_status;
    } else if (!loop.stopping()) {
        return true;
    }
    loop.clearStopping();
    m_awaited->removeDoneCallback({m_stopper, 0});
    if (shutdown)
        finish();
    else
        endOfEntry();
    return m_stage != Stage::Finished;
}

void Engine::maybeReclaim()
{
    // Once twice as many objects were made as survived the last time (at least kMin): a
    // reclaim marks what is live, so this costs at most half a mark an object made, and the
    // memory between two reclaims is at most three times what is live.
    constexpr size_t kMin = 2048;
    Loop &loop = m_rt->loop();
    if (loop.madeSinceCompact() < (m_reclaimEvery > 0 ? m_reclaimEvery : std::max(kMin, m_reclaimAfter)))
        return;
    std::vector<Object *> roots{m_awaited, m_stopper};
    roots.insert(roots.end(), m_alive.begin(), m_alive.end());
    m_rt->reclaim(roots);
    m_reclaimAfter = 2 * loop.arena().size(); // twice what survived
}

void Engine::endOfEntry()
{
    m_entryNs = m_sinceMade.nsecsElapsed();
    Runtime &rt = *m_rt;
    m_endTime = rt.loop().time();
    if (rt.mainTask->done()) {
        // run_until_complete() returns future.result(): it raises the entry task's exception,
        // whose traceback then holds the task (a cycle the collector has to break).
        try {
            rt.mainTask->result();
        } catch (const PyRaise &) {
        }
    }
    rt.mainIsRoot = false;
    rt.collect(true);
    // One pass over the tasks: their states at the snapshot, and those shutdown will cancel.
    m_snapshot.clear();
    m_snapshot.reserve(rt.tasks.size());
    std::vector<Task *> alive;
    for (size_t i = 0; i < rt.tasks.size(); ++i) {
        Task *t = rt.tasks[i];
        if (!t) { // freed by reclaim(): done
            const TaskRecord r = rt.taskRecord(i);
            m_snapshot.push_back(r.state == Future::State::Cancelled ? 3 : (r.failed ? 2 : 1));
        } else if (!t->done()) {
            m_snapshot.push_back(0);
            if (!t->destroyed)
                alive.push_back(t);
        } else {
            m_snapshot.push_back(t->cancelled() ? 3 : (t->failed() ? 2 : 1));
        }
    }
    m_futureSnapshot.clear();
    for (const auto &[name, f] : rt.namedFutures)
        m_futureSnapshot.push_back(rt.isReachableForSnapshot(f) ? stateName(f) : QStringLiteral("collected"));
    rt.phase = Phase::Shutdown;
    rt.loop().trace().add({rt.loop().time(), rt.loop().iteration(), 0, 2, -1, EventKind::Phase, 0});
    if (m_status != QLatin1String("completed")) {
        finish();
        return;
    }
    m_alive = std::move(alive);
    if (m_alive.empty()) {
        finish();
        return;
    }
    for (Task *t : m_alive)
        t->cancel(std::nullopt);
    auto *g = rt.loop().make<GatherFuture>(&rt, true);
    g->id = int(rt.futures.size());
    rt.futures.push_back(g);
    for (Task *t : m_alive) {
        ++g->nfuts;
        t->addDoneCallback({g, 0});
        g->children.push_back(t);
    }
    g->outerReady = true;
    rt.extraRoots.assign(m_alive.begin(), m_alive.end());
    rt.extraRoots.push_back(g);
    m_awaited = g;
    rt.runFrame = rt.libFrame(g);
    g->addDoneCallback({m_stopper, 0});
    m_stage = Stage::Shutdown;
}

void Engine::finish()
{
    Runtime &rt = *m_rt;
    for (Task *t : m_alive) {
        if (t->done() && !t->cancelled() && t->exception())
            m_shutdownErrors.push_back(t->name());
    }
    rt.phase = Phase::Teardown;
    rt.loop().trace().add({rt.loop().time(), rt.loop().iteration(), 0, 3, -1, EventKind::Phase, 0});
    m_stage = Stage::Finished;
    Q_EMIT finished();
}

void Engine::runSync()
{
    while (stepOnce()) { }
}

void Engine::start()
{
    if (m_stage == Stage::NotStarted)
        begin();
    m_paused = false;
    if (m_realTime) {
        m_virtualBase = m_rt->loop().time();
        m_wall.restart();
    }
    postBatch();
}

void Engine::pause()
{
    if (!m_paused)
        catchUpRealTime();
    m_paused = true;
    if (m_wakeTimer)
        m_wakeTimer->stop();
}

void Engine::setRealTime(bool on, double speed)
{
    m_realTime = on;
    m_speed = std::clamp(speed, 0.1, 100.0);
    m_virtualBase = m_rt->loop().time();
    m_wall.restart();
}

void Engine::postBatch()
{
    if (m_batchPosted || m_stage == Stage::Finished)
        return;
    m_batchPosted = true;
    QCoreApplication::postEvent(this, new QEvent(kBatchEvent));
}

void Engine::customEvent(QEvent *e)
{
    if (e->type() != kBatchEvent)
        return QObject::customEvent(e);
    m_batchPosted = false;
    if (m_paused)
        return;
    QElapsedTimer clock;
    clock.start();
    bool more = true;
    unsigned n = 0;
    // 8 ms a batch; the clock read every 32 iterations (reading it was 5% of a run)
    while (more && ((++n & 31) != 0 || clock.elapsed() < 8)) {
        if (m_realTime) {
            // Virtual time may not run ahead of the wall clock (times the speed factor).
            const double allowed = m_virtualBase + double(m_wall.nsecsElapsed()) * 1e-9 * m_speed;
            const std::optional<double> next = m_rt->loop().nextDeadline();
            if (next && *next > allowed) {
                const double waitMs = (*next - allowed) / m_speed * 1000.0;
                if (!m_wakeTimer) {
                    m_wakeTimer = new QTimer(this);
                    m_wakeTimer->setSingleShot(true);
                    m_wakeTimer->setTimerType(Qt::PreciseTimer);
                    connect(m_wakeTimer, &QTimer::timeout, this, &Engine::postBatch);
                }
                m_wakeTimer->start(int(std::clamp(std::ceil(waitMs), 1.0, 3600000.0)));
                Q_EMIT progressed();
                return;
            }
        }
        more = stepOnce();
    }
    Q_EMIT progressed();
    if (more)
        postBatch();
}

QJsonObject Engine::outcome() const
{
    JsonWriter w;
    writeOutcome(w);
    return QJsonDocument::fromJson(w.buffer()).object();
}

void Engine::writeOutcome(JsonWriter &w) const
{
    // Members in the order QJsonObject sorts its keys, so that the text is the one
    // QJsonDocument(outcome).toJson(Indented) would give.
    const Runtime &rt = *m_rt;
    static const char *const kStates[] = {"pending", "done", "failed", "cancelled"};
    auto sortedNames = [&w](QStringList l) {
        std::sort(l.begin(), l.end());
        w.beginArray();
        for (const QString &n : l)
            w.string(n);
        w.endArray();
    };
    // -1: created in shutdown (after the snapshot: beyond it; Runtime::createTask)
    auto snapshotOf = [this](size_t i) { return i < m_snapshot.size() ? int(m_snapshot[i]) : -1; };

    w.beginObject();
    w.key("diagnostics");
    {
        w.beginObject();
        w.key("collections");
        w.beginArray();
        for (const CollectionRecord &c : rt.collections) {
            if (c.destroyed.empty())
                continue;
            QStringList names;
            for (const Task *t : c.destroyed)
                names << t->name();
            w.beginObject();
            w.key("destroyed");
            sortedNames(names);
            w.key("t");
            w.number(round9(c.t));
            w.endObject();
        }
        w.endArray();
        QStringList destroyed;
        for (const Task *t : rt.destroyedPending)
            destroyed << t->name();
        w.key("destroyed_pending");
        sortedNames(destroyed);
        QStringList never;
        for (size_t i = 0; i < rt.tasks.size(); ++i) {
            const Task *t = rt.tasks[i];
            if (t ? t->failed() && t->logTraceback() : rt.taskRecord(i).logTraceback)
                never << rt.taskName(i);
        }
        for (const Future *f : rt.futures) {
            if (!f || f->kind == ObjKind::Task || !f->failed() || !f->logTraceback())
                continue;
            // A named future freed by refcounting is reported by name; one the cycle collector
            // freed has lost its weak references first, so the reference reports "?".
            never << (f->named && !f->diedInCycle ? f->name() : QStringLiteral("?"));
        }
        never.removeDuplicates();
        w.key("exception_never_retrieved");
        sortedNames(never);
        w.key("pending_at_exit");
        w.beginArray();
        for (size_t i = 0; i < rt.tasks.size(); ++i) {
            if (snapshotOf(i) == 0)
                w.string(rt.taskName(i));
        }
        w.endArray();
        w.key("shutdown_errors");
        sortedNames(QStringList(m_shutdownErrors.begin(), m_shutdownErrors.end()));
        w.endObject();
    }
    w.key("end_time");
    w.number(round9(m_endTime));

    w.key("events");
    w.beginArray();
    for (const Event &e : rt.loop().trace().events()) {
        const char *st = nullptr;
        switch (e.kind) {
        case EventKind::TaskDone:
            st = "done";
            break;
        case EventKind::TaskFailed:
            st = "failed";
            break;
        case EventKind::TaskCancelled:
            st = "cancelled";
            break;
        default:
            break;
        }
        if (!st)
            continue;
        w.beginObject();
        w.key("phase");
        w.ascii(e.flags == 0 ? "run" : "shutdown");
        w.key("state");
        w.ascii(st);
        w.key("t");
        w.number(round9(e.t));
        w.key("task");
        w.string(rt.taskName(size_t(e.subject)));
        w.endObject();
    }
    w.endArray();

    w.key("excluded");
    if (rt.excluded.isEmpty())
        w.null();
    else
        w.string(rt.excluded);
    w.key("format");
    w.ascii("asyncgraph-outcome/1");

    w.key("futures");
    w.beginArray();
    for (size_t i = 0; i < m_futureSnapshot.size(); ++i) { // named futures as of the snapshot
        w.beginObject();
        w.key("name");
        w.string(rt.namedFutures[i].first);
        w.key("state");
        w.string(m_futureSnapshot[i]);
        w.endObject();
    }
    w.endArray();

    w.key("main");
    w.beginObject();
    if (rt.mainTask) {
        const int s = snapshotOf(size_t(rt.mainTask->index));
        if (s == 2) {
            w.key("exception");
            w.value(rt.mainTask->exceptionJson);
        } else if (s == 1) {
            w.key("result");
            w.value(rt.mainTask->resultJson);
        }
        if (s >= 0) {
            w.key("state");
            w.ascii(kStates[s]);
        }
    }
    w.endObject();

    w.key("scenario");
    w.string(rt.graph().name);
    w.key("status");
    w.string(m_status);

    w.key("tasks");
    w.beginArray();
    for (size_t i = 0; i < rt.tasks.size(); ++i) {
        const TaskRecord t = rt.taskRecord(i);
        const int s = snapshotOf(i);
        w.beginObject();
        w.key("created");
        w.number(round9(t.created));
        if (s < 0) {
            w.key("created_in");
            w.ascii("shutdown");
        }
        if (s == 2) {
            w.key("exception");
            w.value(t.json);
        }
        w.key("final_state");
        w.ascii(t.state == Future::State::Pending         ? "pending"
                    : t.state == Future::State::Cancelled ? "cancelled"
                    : t.failed                            ? "failed"
                                                          : "done");
        if (s > 0) {
            w.key("finished");
            w.number(round9(t.finished));
        }
        w.key("name");
        w.string(numberedName(rt.graph().nodes[size_t(t.node)].id, t.nameNumber));
        w.key("node");
        w.string(rt.graph().nodes[size_t(t.node)].id);
        if (s == 1) {
            w.key("result");
            w.value(t.json);
        }
        if (s >= 0) {
            w.key("state");
            w.ascii(kStates[s]);
        }
        w.endObject();
    }
    w.endArray();
    w.endObject();
    w.flush();
}

namespace {
// Runs the graph to its end in `engine`; spins an event loop when the application has one.
void runEngine(Engine &engine, const Graph &graph)
{
    if (auto script = Engine::scriptFromGraph(graph, nullptr))
        engine.setScript(std::move(*script));
    if (QCoreApplication::instance()) {
        QEventLoop wait;
        QObject::connect(&engine, &Engine::finished, &wait, &QEventLoop::quit);
        engine.start();
        if (!engine.isFinished())
            wait.exec();
    } else {
        engine.runSync();
    }
}

std::shared_ptr<const Graph> borrowed(const Graph &graph)
{
    // The engine keeps a shared reference; the caller's graph outlives the engine.
    return std::shared_ptr<const Graph>(&graph, [](const Graph *) {});
}
} // namespace

QJsonObject runToOutcome(const Graph &graph)
{
    Engine engine(borrowed(graph));
    engine.setReclaim(true); // only the outcome is read
    runEngine(engine, graph);
    return engine.outcome();
}

namespace {
bool runAndWrite(const Graph &graph, QIODevice &out, FileRunResult::Stats *stats, AtEnd atEnd = AtEnd::Destroy)
{
    QElapsedTimer clock;
    clock.start();
    auto engine = std::make_unique<Engine>(borrowed(graph));
    // only the outcome is read; ASYNCSCOPE_RECLAIM_EVERY=n: see setReclaim (a stress test)
    engine->setReclaim(true, size_t(std::max(0, qEnvironmentVariableIntValue("ASYNCSCOPE_RECLAIM_EVERY"))));
    runEngine(*engine, graph);
    const qint64 ran = clock.nsecsElapsed();
    JsonWriter w(&out);
    engine->writeOutcome(w);
    if (stats) {
        stats->runSeconds = double(ran) * 1e-9;
        stats->entrySeconds = double(std::max<qint64>(0, engine->entryNanoseconds())) * 1e-9;
        stats->writeSeconds = double(clock.nsecsElapsed() - ran) * 1e-9;
        stats->tasks = engine->runtime().tasks.size();
        stats->events = engine->runtime().loop().trace().size();
    }
    const bool ok = w.ok(); // writeOutcome flushed it
#if !defined(ASCOPE_ASAN)
    if (atEnd == AtEnd::LeaveToExit)
        (void)engine.release(); // the process exits next (runner.h)
#else
    (void)atEnd;
#endif
    return ok;
}
} // namespace

bool runToOutcome(const Graph &graph, QIODevice &out)
{
    return runAndWrite(graph, out, nullptr);
}

ScenarioFile loadScenario(const QString &path)
{
    ScenarioFile f;
    LoadResult lr = loadGraphFile(path);
    if (!lr.graph) {
        f.error = lr.error;
        return f;
    }
    QString why;
    std::optional<std::vector<Injection>> script = Engine::scriptFromGraph(*lr.graph, &why);
    if (!script) {
        f.error = path + u": " + why;
        return f;
    }
    f.graph = std::move(lr.graph);
    f.script = std::move(*script);
    return f;
}

std::unique_ptr<Engine> runScripted(const ScenarioFile &scenario)
{
    auto engine = std::make_unique<Engine>(scenario.graph);
    engine->setScript(scenario.script);
    engine->runSync();
    return engine;
}

namespace {
std::shared_ptr<const Graph> loadForRun(const QString &path, FileRunResult &r)
{
    ScenarioFile f = loadScenario(path);
    r.error = f.error;
    r.ok = f.graph != nullptr;
    return f.graph;
}
} // namespace

FileRunResult runScenarioFile(const QString &path)
{
    FileRunResult r;
    if (auto graph = loadForRun(path, r))
        r.outcome = runToOutcome(*graph);
    return r;
}

FileRunResult runScenarioFile(const QString &path, QIODevice &out, AtEnd atEnd)
{
    FileRunResult r;
    QElapsedTimer clock;
    clock.start();
    auto graph = loadForRun(path, r);
    r.stats.loadSeconds = double(clock.nsecsElapsed()) * 1e-9;
    if (graph)
        r.written = runAndWrite(*graph, out, &r.stats, atEnd);
    return r;
}

} // namespace ascope
