#include "future.h"

#include "prefault.h"
#include "runtime.h"

namespace ascope {

// ---------------------------------------------------------------- Future (futures.py Future)

QString Future::name() const
{
    if (kind != ObjKind::Task)
        return m_cold ? m_cold->name : QString();
    const auto *t = static_cast<const Task *>(this);
    return numberedName(rt->graph().nodes[size_t(t->node)].id, t->nameNumber);
}

Future::Future(Runtime *r, ObjKind k)
    : Listener(k)
    , rt(r)
{
}

bool Future::cancel(const OptMsg &msg)
{
    return futureCancel(msg);
}

bool Future::futureCancel(const OptMsg &msg)
{
    m_logTraceback = false;
    if (m_state != State::Pending)
        return false;
    m_state = State::Cancelled;
    setCancelMessage(msg);
    scheduleCallbacks();
    return true;
}

// Python's repr() of a string: single quotes unless the text has a single quote and no double.
static QString pyStrRepr(const QString &s)
{
    const bool dq = s.contains(u'\'') && !s.contains(u'"');
    const QChar q = dq ? u'"' : u'\'';
    QString out(q);
    for (QChar c : s) {
        if (c == u'\\')
            out += QStringLiteral("\\\\");
        else if (c == q)
            out += u'\\' + QString(c);
        else if (c == u'\n')
            out += QStringLiteral("\\n");
        else
            out += c;
    }
    return out + q;
}

QString pyRepr(const Value &v, int level)
{
    // reprlib.repr's limits: maxlevel 6, maxlist 6, maxstring 30
    switch (v.kind) {
    case Value::Kind::None:
        return QStringLiteral("None");
    case Value::Kind::Bool:
        return v.b ? QStringLiteral("True") : QStringLiteral("False");
    case Value::Kind::Int:
        return QString::number(v.i);
    case Value::Kind::Double: {
        QString t = QString::number(v.d, 'g', 17);
        for (int p = 1; p <= 17; ++p) { // shortest text that reads back the same, as repr(float)
            t = QString::number(v.d, 'g', p);
            if (t.toDouble() == v.d)
                break;
        }
        if (!t.contains(u'.') && !t.contains(u'e') && !t.contains(u'n') && !t.contains(u'i'))
            t += QStringLiteral(".0");
        return t;
    }
    case Value::Kind::Str: {
        QString r = pyStrRepr(v.s);
        if (level >= 0 && r.size() > 30) // reprlib: keep the ends
            r = r.left(13) + QStringLiteral("...") + r.right(14);
        return r;
    }
    case Value::Kind::List:
    case Value::Kind::Tuple:
    case Value::Kind::Set: {
        const bool list = v.kind == Value::Kind::List;
        const QString open
            = list ? QStringLiteral("[") : (v.kind == Value::Kind::Tuple ? QStringLiteral("(") : QStringLiteral("{"));
        const QString close
            = list ? QStringLiteral("]") : (v.kind == Value::Kind::Tuple ? QStringLiteral(")") : QStringLiteral("}"));
        if (v.items->empty())
            return v.kind == Value::Kind::Set ? QStringLiteral("set()") : open + close;
        if (level >= 6)
            return open + QStringLiteral("...") + close;
        QStringList parts;
        for (size_t i = 0; i < v.items->size() && i < 6; ++i)
            parts << pyRepr((*v.items)[i], level + 1);
        if (v.items->size() > 6)
            parts << QStringLiteral("...");
        QString body = parts.join(QStringLiteral(", "));
        if (v.kind == Value::Kind::Tuple && v.items->size() == 1)
            body += u',';
        return open + body + close;
    }
    case Value::Kind::Obj:
        if (const ExcObj *e = v.exception())
            return e->type + u'(' + (e->hasArg ? pyStrRepr(e->message) : QString()) + u')';
        if (v.obj->kind == ObjKind::Task)
            return QStringLiteral("<Task name='%1'>").arg(static_cast<Task *>(v.obj)->name());
        return QStringLiteral("<Future>");
    }
    return {};
}

static QString futureRepr(const Future &f)
{
    const QString cls = f.pyFuture ? QStringLiteral("Future") : QStringLiteral("_GatheringFuture");
    if (f.cancelled())
        return u'<' + cls + u" cancelled>";
    if (!f.done())
        return u'<' + cls + u" pending>";
    if (ExcObj *e = f.storedException())
        return u'<' + cls + u" finished exception=" + pyRepr(Value::object(e), 0) + u'>';
    return u'<' + cls + u" finished result=" + pyRepr(f.resultValue(), 0) + u'>';
}

static QString stateName(Future::State s)
{
    switch (s) {
    case Future::State::Pending:
        return QStringLiteral("PENDING");
    case Future::State::Cancelled:
        return QStringLiteral("CANCELLED");
    case Future::State::Finished:
        return QStringLiteral("FINISHED");
    }
    return {};
}

void Future::setResult(const Value &v)
{
    if (m_state != State::Pending)
        rt->raise(QStringLiteral("InvalidStateError"), stateName(m_state) + u": " + futureRepr(*this));
    m_result = v;
    m_state = State::Finished;
    scheduleCallbacks();
}

void Future::setException(ExcObj *e)
{
    if (m_state != State::Pending)
        rt->raise(QStringLiteral("InvalidStateError"), stateName(m_state) + u": " + futureRepr(*this));
    m_exc = e;
    if (!e->traceback.empty() || m_cold)
        cold().excTb = e->traceback;
    m_state = State::Finished;
    scheduleCallbacks();
    m_logTraceback = true;
}

ExcObj *Future::makeCancelledError()
{
    if (m_state == State::Cancelled && m_exc)
        return std::exchange(m_exc, nullptr);
    return rt->newExc(QStringLiteral("CancelledError"), cancelMessage());
}

Value Future::result()
{
    if (ExcObj *e = resultError())
        throw PyRaise{e};
    return m_result;
}

ExcObj *Future::resultError()
{
    if (m_state == State::Cancelled) {
        ExcObj *e = makeCancelledError();
        e->addFrame(rt->libFrame(this));
        return e;
    }
    if (m_state != State::Finished)
        rt->raise(QStringLiteral("InvalidStateError"), QStringLiteral("Result is not ready."));
    m_logTraceback = false;
    if (m_exc) {
        // raise exc.with_traceback(self._exception_tb)
        if (m_cold)
            m_exc->traceback = m_cold->excTb;
        else
            m_exc->traceback.clear();
        m_exc->addFrame(rt->libFrame(this));
        return m_exc;
    }
    return nullptr;
}

ExcObj *Future::exception()
{
    if (m_state == State::Cancelled) {
        ExcObj *e = makeCancelledError();
        e->addFrame(rt->libFrame(this));
        throw PyRaise{e};
    }
    if (m_state != State::Finished)
        rt->raise(QStringLiteral("InvalidStateError"), QStringLiteral("Exception is not set."));
    m_logTraceback = false;
    return m_exc;
}

void Future::scheduleCallbacks()
{
    rt->onDone(this);
    if (m_callbacks.empty())
        return;
    const CallbackList callbacks = std::exchange(m_callbacks, {});
    callbacks.forEach([this](const Callback &cb) { rt->loop().callSoon(cb, this); });
}

void Future::addDoneCallback(Callback cb)
{
    if (m_state != State::Pending)
        rt->loop().callSoon(cb, this);
    else
        m_callbacks.push_back(cb);
}

int Future::removeDoneCallback(Callback cb)
{
    return m_callbacks.erase(cb);
}

void Future::fire(Handle &h)
{
    switch (h.cb.tag) {
    case TagSetResultUnlessCancelled:
        if (!cancelled())
            setResult(h.val());
        break;
    case TagReleaseWaiter:
        if (!done())
            setResult(Value::none());
        break;
    default:
        break;
    }
}

void Future::trace(Tracer &t) const
{
    m_callbacks.forEach([&t](const Callback &cb) { t.visit(cb.target); });
    t.visit(m_result);
    t.visit(m_exc);
    if (m_cold)
        t.visitAll(m_cold->excTb);
}

// ---------------------------------------------------------------- Task (tasks.py Task)

Task::Task(Runtime *r, int nodeIndex, Frame *frame)
    : Future(r, ObjKind::Task)
    , node(nodeIndex)
    , initialFrame(frame)
{
}

Task::~Task()
{
    // A coroutine that never finished is unwound by Runtime::teardown() before the arena dies.
}

bool Task::cancel(const OptMsg &msg)
{
    m_logTraceback = false;
    if (done())
        return false;
    ++m_numCancelsRequested;
    rt->loop().trace().add({rt->loop().time(), rt->loop().iteration(), 0, index, -1, EventKind::CancelRequested, 0});
    if (m_futWaiter && m_futWaiter->cancel(msg))
        return true;
    m_mustCancel = true;
    setCancelMessage(msg);
    return true;
}

ExcObj *Task::takeSent()
{
    if (m_teardown)
        throw Teardown{};
    return std::exchange(m_sendExc, nullptr);
}

void Task::step(ExcObj *exc)
{
    // as tasks.py Task.__step
    if (done())
        return;
    // A collected task never resumes (nothing reachable can wake it; this guards the engine
    // against a wakeup that would reach it anyway, e.g. from an injection).
    if (destroyed || (m_started && !m_coroDone && !m_resumeAt))
        return;
    if (m_mustCancel) {
        if (!exc || !excIsSubclass(exc->type, QStringLiteral("CancelledError")))
            exc = makeCancelledError();
        m_mustCancel = false;
    }
    m_futWaiter = nullptr;
    Loop &loop = rt->loop();
    Task *prev = loop.currentTask();
    loop.setCurrentTask(this);
    loop.trace().add({loop.time(), loop.iteration(), 0, index, -1, EventKind::StepBegan, 0});
    if (exc && excIsSubclass(exc->type, QStringLiteral("CancelledError")))
        loop.trace().add({loop.time(), loop.iteration(), 0, index, -1, EventKind::CancelDelivered, 0});
    m_yielded = nullptr;
    m_yieldedBare = false;
    if (!m_started) {
        m_started = true;
        if (exc) {
            // coro.throw() on a coroutine that never ran: raised at its first line
            exc->addFrame(initialFrame);
            m_coroDone = true;
            m_coroExc = exc;
        } else {
            m_body = rt->runBody(this);
            prefaultHeapGrowth(); // the body's frame came from malloc
        }
    } else {
        m_sendExc = exc;
        auto h = m_resumeAt;
        m_resumeAt = {};
        h.resume();
    }

    if (m_coroDone) {
        m_body = QCoro::Task<>();
        frames.clear();
        if (m_coroExc) // caught in __step: its frame (self = None on exit) and its callers join the
                       // traceback: __wakeup's (holding the future) when it called __step, up to run_until_complete
            m_coroExc->addFrame(rt->libFrame(m_wokenBy, rt->runFrame));
        if (!m_coroExc) {
            Value result = std::exchange(m_result, Value::none());
            if (m_mustCancel) {
                m_mustCancel = false;
                futureCancel(cancelMessage());
            } else {
                Future::setResult(result);
            }
        } else if (excIsSubclass(m_coroExc->type, QStringLiteral("CancelledError"))) {
            futureCancel(std::nullopt);
            m_exc = m_coroExc;
        } else {
            Future::setException(m_coroExc);
        }
    } else if (m_yieldedBare) {
        loop.trace().add({loop.time(), loop.iteration(), 0, index, -1, EventKind::Suspended, 0});
        loop.callSoon({this, TagTaskStep});
    } else if (m_yielded) {
        Future *r = m_yielded;
        m_yielded = nullptr;
        if (r == this) {
            ExcObj *e = rt->newExc(QStringLiteral("RuntimeError"),
                                   QStringLiteral("Task cannot await on itself: <Task pending name='%1'>").arg(name()));
            loop.callSoon({this, TagTaskStep}, nullptr, e);
        } else {
            loop.trace().add({loop.time(), loop.iteration(), 0, index, r->id, EventKind::Suspended, 0});
            r->addDoneCallback({this, TagTaskWakeup});
            m_futWaiter = r;
            if (m_mustCancel) {
                if (m_futWaiter->cancel(cancelMessage()))
                    m_mustCancel = false;
            }
        }
    }
    loop.setCurrentTask(prev);
}

void Task::wakeup(Future *f)
{
    // as tasks.py Task.__wakeup
    rt->loop().trace().add({rt->loop().time(), rt->loop().iteration(), 0, index, f->id, EventKind::Woken, 0});
    m_wokenBy = f;
    ExcObj *exc = f->resultError();
    if (exc) // __wakeup's frame (self = None on exit, future) and, through f_back, its callers up to run_until_complete
        exc->addFrame(rt->libFrame(f, rt->runFrame));
    step(exc);
    m_wokenBy = nullptr;
}

void Task::fire(Handle &h)
{
    switch (h.cb.tag) {
    case TagTaskStep:
        step(h.exc);
        break;
    case TagTaskWakeup:
        wakeup(static_cast<Future *>(h.arg));
        break;
    default:
        Future::fire(h);
        break;
    }
}

bool Task::throwIn(ExcObj *e)
{
    // A done future has scheduled this task's __wakeup already: a second step would resume the
    // coroutine twice (the throw would land on a later await, or after the task's end).
    if (done() || !m_futWaiter || m_futWaiter->done())
        return false;
    m_futWaiter->removeDoneCallback({this, TagTaskWakeup});
    m_futWaiter = nullptr;
    rt->loop().callSoon({this, TagTaskStep}, nullptr, e);
    return true;
}

void Task::destroyCoroutine()
{
    if (m_started && !m_coroDone && m_resumeAt) {
        m_teardown = true;
        auto h = m_resumeAt;
        m_resumeAt = {};
        h.resume();
    }
    m_body = QCoro::Task<>();
}

void Task::trace(Tracer &t) const
{
    Future::trace(t);
    if (!m_started)
        t.visit(initialFrame);
    else if (!m_coroDone)
        frames.forEach([&t](Frame *f) { t.visit(f); });
    t.visit(m_futWaiter);
    t.visit(m_sendExc);
}

// ---------------------------------------------------------------- _GatheringFuture

GatherFuture::GatherFuture(Runtime *r, bool re)
    : Future(r)
    , returnExceptions(re)
{
    pyFuture = false;
}

bool GatherFuture::cancel(const OptMsg &msg)
{
    if (done())
        return false;
    bool ret = false;
    for (Future *child : children) {
        if (child->cancel(msg))
            ret = true;
    }
    if (ret)
        cancelRequested = true;
    return ret;
}

void GatherFuture::fire(Handle &h)
{
    // as tasks.py gather._done_callback
    auto *fut = static_cast<Future *>(h.arg);
    ++nfinished;
    if (!outerReady || done()) {
        if (!fut->cancelled())
            fut->exception();
        return;
    }
    if (!returnExceptions) {
        if (fut->cancelled()) {
            setException(fut->makeCancelledError());
            return;
        }
        if (ExcObj *exc = fut->exception()) {
            setException(exc);
            return;
        }
    }
    if (nfinished == nfuts) {
        std::vector<Value> results;
        results.reserve(children.size());
        Future *last = nullptr;
        for (Future *c : children) {
            last = c;
            if (c->cancelled()) {
                results.push_back(Value::object(
                    rt->newExc(QStringLiteral("CancelledError"), c->cancelMessage().value_or(QString()))));
            } else if (ExcObj *e = c->exception()) {
                results.push_back(Value::object(e));
            } else {
                results.push_back(c->result());
            }
        }
        if (cancelRequested)
            setException(last->makeCancelledError());
        else
            setResult(Value::seq(Value::Kind::List, std::move(results)));
    }
}

void GatherFuture::trace(Tracer &t) const
{
    Future::trace(t);
    t.visitAll(children);
}

} // namespace ascope
