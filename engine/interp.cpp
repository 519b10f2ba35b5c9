// Task bodies: every node's steps interpreted as the Python statement the spec says each one
// stands for: a QCoro coroutine per task, running the interpreter's Co coroutines (co.h).
// Awaiting a pending future suspends the coroutine and hands the future to the owning Task's
// __step, exactly where CPython's coroutine would yield it.
#include "helpers.h"
#include "runtime.h"

#include <unordered_map>
#include <unordered_set>

namespace ascope {

namespace {

struct Flow {
    bool returned = false;
    Value value;
};

// A coroutine object n_node(**args) not yet awaited or wrapped in a task.
struct Coro {
    int node = -1;
    Frame *frame = nullptr;
};

// A child as evaluated: a fresh coroutine or an existing value.
struct Item {
    bool isCoro = false;
    Coro coro;
    Value value;
};

// Frees a container a statement no longer needs before it suspends (its coroutine frame keeps
// every local until the statement ends: the 10,000 children of a gather among them).
template<typename C> void releaseNow(C &c)
{
    C().swap(c);
}

// Keeps a value on a frame's evaluation stack for the duration of a statement.
class Hold
{
public:
    Hold() = default; // holds nothing until hold()
    Hold(Frame *f, const Value &v) { hold(f, v); }
    ~Hold() { release(); }
    Hold(const Hold &) = delete;
    Hold &operator=(const Hold &) = delete;

    void hold(Frame *f, const Value &v)
    {
        m_f = f;
        m_n = f->held.size();
        f->held.push_back(v);
    }
    void release()
    {
        if (m_f)
            m_f->held.resize(m_n);
        m_f = nullptr;
    }

private:
    Frame *m_f = nullptr;
    size_t m_n = 0;
};

class Interp;
struct Ctx;

// What an awaiting statement waits on, set up before it suspends (Interp::prepareAwait): a
// future held on the frame's evaluation stack for the await (`await fut`; sleep()'s future,
// whose timer its `finally` cancels), a bare yield (sleep(0)), or the coroutine of a statement
// with more to do (gather, wait, wait_for, a node call, ...). An awaiter in the statement's
// coroutine frame, not a coroutine of its own: one frame less for every task waiting in a
// sleep or an await, and none made and freed for each of them.
class StepAwait
{
public:
    StepAwait(Interp &in, Ctx &c, const Step &st);
    ~StepAwait()
    {
        if (m_timer && !m_task->tearingDown()) {
            Loop &loop = m_task->rt->loop();
            loop.cancelHandle(m_timer); // sleep()'s finally: h.cancel()
            loop.release(m_timer);      // sleep() held the only reference to it
        }
        // in the order of a stack: the child's own holds go first, then the future this holds
        m_child = {};
        m_result.reset();
        m_hold.release();
    }
    StepAwait(const StepAwait &) = delete;
    StepAwait &operator=(const StepAwait &) = delete;

    void holdFuture(Future *f)
    {
        m_fut = f;
        m_hold.hold(m_frame, Value::object(f));
    }
    void cancelInFinally(Handle *timer) { m_timer = timer; }
    void yieldThen(Value result)
    {
        m_yield = true;
        if (!result.isNone())
            m_result = std::make_unique<PinnedValue>(result);
    }
    void child(Co<Value> co) { m_child = std::move(co); }

    // Awaits it in place (GCC 12 copies an awaiter named in a coroutine template's co_await).
    struct Ref {
        StepAwait &a;
        bool await_ready() const noexcept { return a.await_ready(); }
        bool await_suspend(std::coroutine_handle<> h) { return a.await_suspend(h); }
        Out<Value> await_resume() { return a.await_resume(); }
    };
    Ref operator co_await() & { return {*this}; }

    bool await_ready() const noexcept { return m_fut && m_fut->done(); } // Future.__await__
    bool await_suspend(std::coroutine_handle<> h)
    {
        if (m_child)
            return m_child.await_suspend(h);
        m_task->suspendOn(m_fut, h); // no future: a bare yield
        return true;
    }
    Out<Value> await_resume()
    {
        if (m_child)
            return m_child.await_resume();
        if (m_yield) {
            const Out<Unit> y = YieldAwaiter{m_task}.await_resume();
            return {y.exc, y.exc || !m_result ? Value() : m_result->value()};
        }
        return FutureAwaiter{m_task, m_fut}.await_resume();
    }

private:
    // Small: every task waiting in a statement keeps one in its coroutine frame.
    Task *m_task;
    Frame *m_frame;
    Future *m_fut = nullptr;
    Hold m_hold; // m_fut on the frame's evaluation stack
    Handle *m_timer = nullptr;
    std::unique_ptr<PinnedValue> m_result; // sleep(0)'s result, when it is not None
    Co<Value> m_child;
    bool m_yield = false;
};

// A library coroutine's frame (wait_for, wait, as_completed) on the task's frame stack.
class FramePush
{
public:
    FramePush(Task *t, Frame *f)
        : m_t(t)
        , m_n(t->frames.size())
    {
        t->frames.push_back(f);
    }
    ~FramePush()
    {
        if (m_t->frames.size() > m_n)
            m_t->frames.resize(m_n);
    }
    FramePush(const FramePush &) = delete;
    FramePush &operator=(const FramePush &) = delete;

private:
    Task *m_t;
    size_t m_n;
};

// Registers a deadline handle of the current step with the task (for forced timeouts).
class DeadlineScope
{
public:
    DeadlineScope(Task *t, Handle **h)
        : m_t(t)
        , m_n(t->deadlines().size())
    {
        t->deadlines().push_back(h);
    }
    ~DeadlineScope()
    {
        if (m_t->deadlines().size() > m_n)
            m_t->deadlines().resize(m_n);
    }
    DeadlineScope(const DeadlineScope &) = delete;
    DeadlineScope &operator=(const DeadlineScope &) = delete;

private:
    Task *m_t;
    size_t m_n;
};

bool isCancelledError(const ExcObj *e)
{
    return e && excIsSubclass(e->type, QStringLiteral("CancelledError"));
}

// An exception being handled (an except body, a finally in flight), innermost first: each is
// made by the statement that handles it (HandlingScope), in that statement's coroutine frame.
struct Handling {
    ExcObj *exc;
    const Handling *outer;
};

// What the statements of one node call run in. Kept small: every task has one in its body's
// coroutine frame, and every node call awaited inline another.
struct Ctx {
    Task *task;
    Frame *frame;
    const Node &node;
    int depth;
    const Handling *handling = nullptr; // the innermost exception being handled, or none
};

// Marks `exc` (when not null) as being handled while it lives.
class HandlingScope
{
public:
    HandlingScope(Ctx &c, ExcObj *exc)
        : m_c(c)
        , m_h{exc, c.handling}
        , m_pin(exc)
    {
        if (exc)
            c.handling = &m_h;
    }
    ~HandlingScope()
    {
        if (m_h.exc)
            m_c.handling = m_h.outer;
    }
    HandlingScope(const HandlingScope &) = delete;
    HandlingScope &operator=(const HandlingScope &) = delete;

private:
    Ctx &m_c;
    Handling m_h;
    Pin m_pin; // a new exception's context may be it, after a suspension
};

constexpr int kMaxDepth = 990; // CPython's recursion limit is 1000 frames

class Interp
{
    friend class StepAwait;

public:
    explicit Interp(Runtime &rt)
        : m_rt(rt)
        , m_loop(rt.loop())
    {
    }

    Co<Value> callNode(Task *task, Coro coro, int depth);
    Co<Flow> execBlock(Ctx &c, const std::vector<Step> &steps);
    // The statements of a block, in order, in one coroutine of type R: a nested block's
    // Co<Flow> (I = Interp &, C = Ctx &), or a task's whole body, a QCoro coroutine that owns
    // its interpreter and context (I = Interp, C = Ctx) and ends the task with the block's
    // outcome: a task at its top level keeps one coroutine frame, not two.
    template<typename R, typename I, typename C> static R runSteps(I in, C c, const std::vector<Step> &steps);

private:
    Co<Flow> execCompound(Ctx &c, const Step &st);
    Co<Value> execAwaiting(Ctx &c, const Step &st);
    // A statement that never suspends: true for `return`; *raised is set for raise/reraise.
    bool execSimple(Ctx &c, const Step &st, ExcObj **raised);
    Co<Value> opHang(Ctx &c);
    Co<Value> opGather(Ctx &c, const Step &st);
    Co<Value> opWait(Ctx &c, const Step &st);
    Co<Value> opWaitFor(Ctx &c, const Step &st);
    Co<Value> waitForTimed(Ctx &c, Item item, double timeout, Frame *lf);
    Co<Value> opShield(Ctx &c, const Step &st);
    Co<Value> opAsCompleted(Ctx &c, const Step &st);
    Co<Future *> queueGet(Ctx &c, AsCompletedState *st);
    Co<Flow> opTaskGroup(Ctx &c, const Step &st);
    Co<Unit> taskGroupExit(Ctx &c, TaskGroupState *tg, ExcObj *exc);
    Co<Flow> opTimeout(Ctx &c, const Step &st);
    Co<Flow> opTry(Ctx &c, const Step &st);
    Co<Unit> cancelAndWait(Ctx &c, Future *fut);
    Co<Value> awaitItem(Ctx &c, Item item);
    // The future `await v` waits on; TypeError when v is not awaitable.
    Future *awaitable(const Value &v);
    // A spent budget: the task waits for good (the loop has halted; nothing resumes it).
    Co<Unit> park(Ctx &c);

    Value eval(Ctx &c, const ValueExpr &e);
    Value read(Ctx &c, const VarRef &r);
    void write(Ctx &c, const VarRef &r, const Value &v);
    double number(Ctx &c, const ValueExpr &e);
    std::optional<double> optNumber(Ctx &c, const ValueExpr &e)
    {
        if (e.isNull())
            return std::nullopt;
        return number(c, e);
    }
    QString varName(Ctx &c, const VarRef &r) const
    {
        return r.global ? m_rt.graph().globalNames[size_t(r.slot)] : c.node.localNames[size_t(r.slot)];
    }
    Coro makeCoro(Ctx &c, const ChildExpr &ch);
    std::vector<Item> evalChildren(Ctx &c, const std::vector<ChildExpr> &children, bool asTasks);
    Item evalTarget(Ctx &c, const ChildExpr &ch);
    // Sets up what an awaiting statement waits on (see StepAwait).
    void prepareAwait(StepAwait &a, Ctx &c, const Step &st);
    Future *ensureFuture(Item &item);
    ExcObj *makeException(Ctx &c, const QString &type, const OptMsg &msg);
    [[noreturn]] void raiseNoAttribute(const Value &v, const char *attr);

    Runtime &m_rt;
    Loop &m_loop;
};

// ---------------------------------------------------------------- values and variables

Value Interp::read(Ctx &c, const VarRef &r)
{
    if (r.global) {
        if (!m_rt.globalBound[size_t(r.slot)])
            m_rt.raise(QStringLiteral("KeyError"), m_rt.graph().globalNames[size_t(r.slot)]);
        return m_rt.globals[size_t(r.slot)];
    }
    if (!c.frame->bound[size_t(r.slot)])
        m_rt.raise(QStringLiteral("NameError"),
                   QStringLiteral("name 'v_%1' is not defined").arg(c.node.localNames[size_t(r.slot)]));
    return c.frame->locals[size_t(r.slot)];
}

void Interp::write(Ctx &c, const VarRef &r, const Value &v)
{
    if (r.global) {
        m_rt.globals[size_t(r.slot)] = v;
        m_rt.globalBound[size_t(r.slot)] = true;
        return;
    }
    c.frame->locals[size_t(r.slot)] = v;
    c.frame->bound.set(size_t(r.slot));
}

Value Interp::eval(Ctx &c, const ValueExpr &e)
{
    switch (e.kind) {
    case ValueExpr::Kind::Null:
        return Value::none();
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
        items.reserve(e.list.size());
        for (const ValueExpr &x : e.list)
            items.push_back(eval(c, x));
        return Value::seq(Value::Kind::List, std::move(items));
    }
    case ValueExpr::Kind::Ref:
        return read(c, e.ref);
    }
    return Value::none();
}

double Interp::number(Ctx &c, const ValueExpr &e)
{
    Value v = eval(c, e);
    if (v.kind == Value::Kind::Bool)
        return v.b ? 1 : 0;
    if (!v.isNumber())
        m_rt.raise(QStringLiteral("TypeError"),
                   QStringLiteral("'<=' not supported between instances of '%1' and 'int'").arg(v.typeName()));
    return v.number();
}

Coro Interp::makeCoro(Ctx &c, const ChildExpr &ch)
{
    QVarLengthArray<std::pair<int, Value>, 4> args; // a coroutine per child: no allocation
    args.reserve(qsizetype(ch.args.size()));
    for (const auto &[slot, expr] : ch.args)
        args.emplace_back(slot, eval(c, expr));
    return {ch.node, m_rt.newNodeFrame(ch.node, {args.data(), size_t(args.size())})};
}

std::vector<Item> Interp::evalChildren(Ctx &c, const std::vector<ChildExpr> &children, bool asTasks)
{
    std::vector<Item> out;
    for (const ChildExpr &ch : children) {
        if (ch.isRef) {
            Item it;
            it.value = read(c, ch.ref);
            out.push_back(std::move(it));
            continue;
        }
        const qint64 n = ch.count < 0 ? 1 : ch.count;
        for (qint64 k = 0; k < n && m_rt.exhausted() == Budget::None; ++k) {
            // Each coroutine becomes a task: past the task budget, stop making them.
            if (!asTasks && qint64(m_rt.tasks.size() + out.size()) >= m_rt.graph().taskLimit) {
                m_rt.exhaust(Budget::Tasks);
                break;
            }
            Coro co = makeCoro(c, ch);
            Item it;
            if (asTasks) {
                it.value = Value::object(m_rt.createTask(co.node, co.frame));
            } else {
                it.isCoro = true;
                it.coro = co;
            }
            out.push_back(std::move(it));
        }
    }
    return out;
}

Item Interp::evalTarget(Ctx &c, const ChildExpr &ch)
{
    Item it;
    if (ch.isRef) {
        it.value = read(c, ch.ref);
    } else {
        it.isCoro = true;
        it.coro = makeCoro(c, ch);
    }
    return it;
}

Future *Interp::ensureFuture(Item &item)
{
    if (item.isCoro) {
        Task *t = m_rt.createTask(item.coro.node, item.coro.frame);
        item.isCoro = false;
        item.value = Value::object(t);
        return t;
    }
    if (Future *f = item.value.future())
        return f;
    m_rt.raise(QStringLiteral("TypeError"),
               QStringLiteral("An asyncio.Future, a coroutine or an awaitable is required"));
}

ExcObj *Interp::makeException(Ctx &c, const QString &type, const OptMsg &msg)
{
    ExcObj *e;
    if (type == QLatin1String("ExceptionGroup") || type == QLatin1String("BaseExceptionGroup")) {
        // ExceptionGroup(msg or '', [Exception()])
        e = m_rt.newExc(type, msg.value_or(QString()));
        e->members.push_back(m_rt.newExc(type == QLatin1String("ExceptionGroup") ? QStringLiteral("Exception")
                                                                                 : QStringLiteral("BaseException")));
    } else {
        e = m_rt.newExc(type, msg);
    }
    if (c.handling)
        e->context = c.handling->exc;
    return e;
}

void Interp::raiseNoAttribute(const Value &v, const char *attr)
{
    m_rt.raise(QStringLiteral("AttributeError"),
               QStringLiteral("'%1' object has no attribute '%2'").arg(v.typeName(), QLatin1String(attr)));
}

// ---------------------------------------------------------------- calls

Co<Value> Interp::callNode(Task *task, Coro coro, int depth)
{
    const Node &node = m_rt.graph().nodes[size_t(coro.node)];
    Ctx c{task, coro.frame, node, depth};
    if (depth > kMaxDepth) {
        ExcObj *e = m_rt.newExc(QStringLiteral("RecursionError"), QStringLiteral("maximum recursion depth exceeded"));
        e->addFrame(coro.frame);
        co_return Raise{e};
    }
    FramePush fp(task, coro.frame);
    Out<Flow> f = co_await execBlock(c, node.steps);
    if (f.exc) {
        f.exc->addFrame(coro.frame);
        co_return Raise{f.exc};
    }
    co_return f.value.returned ? std::move(f.value.value) : Value::none();
}

Co<Value> Interp::awaitItem(Ctx &c, Item item)
{
    if (item.isCoro)
        co_return co_await callNode(c.task, item.coro, c.depth + 1);
    Future *f = awaitable(item.value);
    Hold h(c.frame, item.value);
    co_return co_await FutureAwaiter{c.task, f};
}

Future *Interp::awaitable(const Value &v)
{
    Future *f = v.future();
    if (!f)
        m_rt.raise(QStringLiteral("TypeError"),
                   QStringLiteral("object %1 can't be used in 'await' expression").arg(v.typeName()));
    return f;
}

Co<Unit> Interp::park(Ctx &c)
{
    Future *f = m_rt.parkingFuture();
    const Out<Value> r = co_await FutureAwaiter{c.task, f};
    if (r.exc)
        co_return Raise{r.exc};
    co_return Unit{};
}

// ---------------------------------------------------------------- the statements

Co<Flow> Interp::execBlock(Ctx &c, const std::vector<Step> &steps)
{
    return runSteps<Co<Flow>, Interp &, Ctx &>(*this, c, steps);
}

template<typename R, typename I, typename C> R Interp::runSteps(I in, C c, const std::vector<Step> &steps)
{
    // Kept small: a coroutine frame holds every local and temporary of every suspension point,
    // and each task has one of these alive per nested block. The statements live elsewhere.
    constexpr bool kTaskBody = !std::is_reference_v<C>;
    Out<Flow> out;
    std::optional<FramePush> body; // a task's body: its coroutine's frame on the frame stack
    if constexpr (kTaskBody)
        body.emplace(c.task, c.frame);
    bool tornDown = false;
    try {
        for (const Step &st : steps) {
            if (in.m_rt.countStep()) {
                const Out<Unit> p = co_await in.park(c);
                if (p.exc) {
                    out = {p.exc, {}};
                    goto finished;
                }
            }
            switch (st.op) {
            case Op::TaskGroup:
            case Op::Timeout:
            case Op::Try:
            case Op::Repeat: {
                out = co_await in.execCompound(c, st);
                if (out.exc || out.value.returned)
                    goto finished;
                break;
            }
            case Op::Sleep:
            case Op::Await:
            case Op::Gather:
            case Op::Wait:
            case Op::WaitFor:
            case Op::Shield:
            case Op::AsCompleted:
            case Op::Hang: {
                Out<Value> v;
                {
                    StepAwait a(in, c, st); // undone (held value, sleep's timer) before the result is stored
                    v = co_await a;
                }
                if (v.exc) {
                    out = {v.exc, {}};
                    goto finished;
                }
                if (st.as && st.op != Op::Hang)
                    in.write(c, *st.as, v.value);
                break;
            }
            default: {
                ExcObj *raised = nullptr;
                const bool returned = in.execSimple(c, st, &raised);
                if (raised) {
                    out = {raised, {}};
                    goto finished;
                }
                if (returned) {
                    out = {nullptr, Flow{true, st.hasValue ? in.eval(c, st.value) : Value::none()}};
                    goto finished;
                }
                break;
            }
            }
        }
    } catch (const PyRaise &r) {
        out = {r.exc, {}};
    } catch (const Teardown &) {
        if constexpr (!kTaskBody)
            throw;
        body.reset();
        tornDown = true; // unwound at the end of the run: no Python code runs, the task stays as it is
    }
finished:
    if constexpr (kTaskBody) {
        if (!tornDown) {
            body.reset();
            Task *t = c.task;
            if (out.exc) {
                out.exc->addFrame(c.frame);
                t->bodyRaised(out.exc);
            } else {
                t->bodyReturned(out.value.returned ? out.value.value : Value::none());
            }
        }
        co_return;
    } else {
        co_return std::move(out);
    }
}

Co<Value> Interp::execAwaiting(Ctx &c, const Step &st)
{
    // Not a coroutine: hands out the statement's own coroutine (what evaluating its arguments
    // raises is raised here, at the statement, as before it suspends).
    switch (st.op) {
    case Op::Gather:
        return opGather(c, st);
    case Op::Wait:
        return opWait(c, st);
    case Op::WaitFor:
        return opWaitFor(c, st);
    case Op::Shield:
        return opShield(c, st);
    case Op::AsCompleted:
        return opAsCompleted(c, st);
    default:
        return opHang(c);
    }
}

Co<Value> Interp::opHang(Ctx &c)
{
    Future *f = m_rt.createFuture(QStringLiteral("hang"));
    Hold h(c.frame, Value::object(f));
    const Out<Value> r = co_await FutureAwaiter{c.task, f};
    if (r.exc)
        co_return Raise{r.exc};
    co_return Value::none();
}

bool Interp::execSimple(Ctx &c, const Step &st, ExcObj **raised)
{
    // The statements that never suspend; true for `return` (its value is evaluated by the caller).
    // raise and reraise hand their exception back in *raised (no C++ throw).
    Value v;
    bool assign = true;
    switch (st.op) {
    case Op::Block: {
        // RT.block(seconds) is a Python call: one frame more than the node's own. (How deep the
        // reference gets also depends on the stack it is called from: `asyncgraph_oracle.py
        // run` reaches 988 levels of block + self-await, conformance.py's import of it 973.)
        if (c.depth + 1 > kMaxDepth) {
            ExcObj *e
                = m_rt.newExc(QStringLiteral("RecursionError"), QStringLiteral("maximum recursion depth exceeded"));
            e->addFrame(c.frame);
            *raised = e;
            return false;
        }
        const double s = number(c, st.seconds);
        m_loop.trace().add({m_loop.time(), m_loop.iteration(), s, c.task->index, -1, EventKind::Blocked, 0});
        m_loop.advance(s);
        assign = false;
        break;
    }
    case Op::Return:
        return true;
    case Op::Raise: {
        ExcObj *e = makeException(c, st.excType, st.hasMessage ? OptMsg(st.message) : std::nullopt);
        e->addFrame(c.frame);
        *raised = e;
        return false;
    }
    case Op::Reraise: {
        if (!c.handling)
            m_rt.raise(QStringLiteral("RuntimeError"), QStringLiteral("No active exception to reraise"));
        *raised = c.handling->exc;
        return false;
    }
    case Op::Spawn: {
        Coro co = makeCoro(c, st.target);
        v = Value::object(m_rt.createTask(co.node, co.frame));
        break;
    }
    case Op::Future:
        v = Value::object(m_rt.createFuture(varName(c, *st.as)));
        break;
    case Op::SetResult: {
        Value t = read(c, st.targetRef);
        Value val = st.hasValue ? eval(c, st.value) : Value::none();
        Future *f = t.future();
        if (!f)
            raiseNoAttribute(t, "set_result");
        if (f->kind == ObjKind::Task)
            m_rt.raise(QStringLiteral("RuntimeError"), QStringLiteral("Task does not support set_result operation"));
        f->setResult(val);
        assign = false;
        break;
    }
    case Op::SetException: {
        Value t = read(c, st.targetRef);
        Future *f = t.future();
        if (!f)
            raiseNoAttribute(t, "set_exception");
        ExcObj *e = makeException(c, st.excType, st.hasMessage ? OptMsg(st.message) : std::nullopt);
        if (f->kind == ObjKind::Task)
            m_rt.raise(QStringLiteral("RuntimeError"), QStringLiteral("Task does not support set_exception operation"));
        f->setException(e);
        assign = false;
        break;
    }
    case Op::Cancel: {
        Value t = read(c, st.targetRef);
        const OptMsg msg = st.hasMessage ? OptMsg(st.message) : std::nullopt;
        if (t.kind == Value::Kind::Tuple && t.items->size() == 2 && (*t.items)[1].isSeq()) {
            // a wait() result: cancel what is still in its pending set, in creation order
            std::vector<Future *> pending;
            for (const Value &x : *(*t.items)[1].items) {
                if (Future *f = x.future())
                    pending.push_back(f);
            }
            std::stable_sort(pending.begin(), pending.end(), [this](Future *a, Future *b) {
                auto order = [this](Future *f) {
                    return f->kind == ObjKind::Task ? static_cast<Task *>(f)->index : int(m_rt.tasks.size());
                };
                return order(a) < order(b);
            });
            for (Future *f : pending)
                f->cancel(msg);
        } else if (Future *f = t.future()) {
            f->cancel(msg);
        } else {
            raiseNoAttribute(t, "cancel");
        }
        assign = false;
        break;
    }
    case Op::Drop:
        if (st.targetRef.global) {
            m_rt.globals[size_t(st.targetRef.slot)] = Value::none();
            m_rt.globalBound[size_t(st.targetRef.slot)] = false;
        } else {
            write(c, st.targetRef, Value::none());
        }
        assign = false;
        break;
    case Op::Gc:
        m_rt.collect();
        assign = false;
        break;
    default:
        assign = false;
        break;
    }
    if (assign && st.as)
        write(c, *st.as, v);
    return false;
}

Co<Flow> Interp::execCompound(Ctx &c, const Step &st)
{
    switch (st.op) {
    case Op::TaskGroup:
        co_return co_await opTaskGroup(c, st);
    case Op::Timeout:
        co_return co_await opTimeout(c, st);
    case Op::Try:
        co_return co_await opTry(c, st);
    case Op::Repeat:
        for (qint64 i = 0; i < st.times; ++i) {
            if (m_rt.countStep()) { // an empty body still costs an iteration
                const Out<Unit> p = co_await park(c);
                if (p.exc)
                    co_return Raise{p.exc};
            }
            Out<Flow> f = co_await execBlock(c, st.body);
            if (f.exc || f.value.returned)
                co_return std::move(f);
        }
        co_return Flow{};
    default:
        co_return Flow{};
    }
}

StepAwait::StepAwait(Interp &in, Ctx &c, const Step &st)
    : m_task(c.task)
    , m_frame(c.frame)
{
    in.prepareAwait(*this, c, st);
}

void Interp::prepareAwait(StepAwait &a, Ctx &c, const Step &st)
{
    // What evaluating the arguments raises is raised at the statement, before anything is held.
    if (st.op == Op::Sleep) {
        // as tasks.py sleep
        const double delay = number(c, st.seconds);
        Value result = st.hasValue ? eval(c, st.value) : Value::none();
        if (delay <= 0) {
            a.yieldThen(std::move(result));
            return;
        }
        Future *fut = m_rt.createFuture({}, FutureOrigin::Sleep, delay);
        Handle *h = m_loop.callLater(delay, {fut, TagSetResultUnlessCancelled}, fut, std::move(result));
        a.holdFuture(fut);
        a.cancelInFinally(h);
        return;
    }
    if (st.op == Op::Await) {
        Item item = evalTarget(c, st.target);
        if (item.isCoro) {
            a.child(callNode(c.task, item.coro, c.depth + 1));
            return;
        }
        a.holdFuture(awaitable(item.value));
        return;
    }
    a.child(execAwaiting(c, st));
}

Co<Value> Interp::opGather(Ctx &c, const Step &st)
{
    // as tasks.py gather
    std::vector<Item> items = evalChildren(c, st.children, false);
    Future *outer;
    if (items.empty()) {
        outer = m_rt.createFuture({}, FutureOrigin::Gather);
        outer->setResult(Value::seq(Value::Kind::List, {}));
    } else {
        auto *g = m_loop.make<GatherFuture>(&m_rt, st.returnExceptions);
        g->id = int(m_rt.futures.size());
        m_rt.futures.push_back(g);
        // arg_to_fut: an awaitable given twice is awaited once (a fresh coroutine never repeats)
        std::unordered_map<const Object *, Future *> seen;
        g->children.reserve(items.size());
        for (Item &it : items) {
            const Object *key = it.isCoro ? nullptr : it.value.obj;
            Future *fut = nullptr;
            if (key) {
                if (auto found = seen.find(key); found != seen.end())
                    fut = found->second;
            }
            if (!fut) {
                const bool wasCoro = it.isCoro;
                fut = ensureFuture(it);
                if (wasCoro)
                    static_cast<Task *>(fut)->logDestroyPending = false;
                ++g->nfuts;
                if (key)
                    seen.emplace(key, fut);
                fut->addDoneCallback({g, 0});
            }
            g->children.push_back(fut);
        }
        g->outerReady = true;
        outer = g;
    }
    releaseNow(items);
    if (!st.await) {
        m_rt.nameFuture(outer, st.as ? varName(c, *st.as) : QStringLiteral("gather"));
        co_return Value::object(outer);
    }
    Hold h(c.frame, Value::object(outer));
    co_return co_await FutureAwaiter{c.task, outer};
}

Co<Value> Interp::opWait(Ctx &c, const Step &st)
{
    // as tasks.py wait / _wait
    std::vector<Item> items = evalChildren(c, st.children, true);
    const std::optional<double> timeout = optNumber(c, st.timeout);
    if (items.empty())
        m_rt.raise(QStringLiteral("ValueError"), QStringLiteral("Set of Tasks/Futures is empty."));
    std::vector<Value> fs; // set(fs), first-occurrence order
    std::unordered_set<const Object *> inSet;
    for (const Item &it : items) {
        if (it.value.kind != Value::Kind::Obj || inSet.insert(it.value.obj).second)
            fs.push_back(it.value);
    }
    releaseNow(items);
    releaseNow(inSet);
    Frame *lf = m_rt.newFrame();
    FramePush fp(c.task, lf);
    Future *waiter = m_rt.createFuture({}, FutureOrigin::Wait, double(fs.size()));
    Handle *th = timeout ? m_loop.callLater(*timeout, {waiter, TagReleaseWaiter}, waiter) : nullptr;
    auto *ws = m_loop.make<WaitState>();
    ws->loop = &m_loop;
    ws->waiter = waiter;
    ws->timeoutHandle = th;
    ws->counter = int(fs.size());
    ws->returnWhen = st.returnWhen;
    DeadlineScope deadline(c.task, &ws->timeoutHandle);
    lf->held.assign(fs.begin(), fs.end());
    lf->held.push_back(Value::object(waiter));
    lf->held.push_back(Value::object(ws));
    for (const Value &f : fs) {
        Future *fut = f.future();
        if (!fut)
            raiseNoAttribute(f, "add_done_callback");
        fut->addDoneCallback({ws, TagWaitCompletion});
    }
    const Out<Value> r = co_await FutureAwaiter{c.task, waiter};
    if (th)
        m_loop.cancelHandle(th);
    for (const Value &f : fs)
        f.future()->removeDoneCallback({ws, TagWaitCompletion});
    if (r.exc) {
        r.exc->addFrame(lf);
        co_return Raise{r.exc};
    }
    std::vector<Value> done, pending;
    for (const Value &f : fs)
        (f.future()->done() ? done : pending).push_back(f);
    co_return Value::seq(
        Value::Kind::Tuple,
        {Value::seq(Value::Kind::Set, std::move(done)), Value::seq(Value::Kind::Set, std::move(pending))});
}

Co<Unit> Interp::cancelAndWait(Ctx &c, Future *fut)
{
    // as tasks.py _cancel_and_wait
    Future *waiter = m_rt.createFuture({}, FutureOrigin::CancelAndWait, 0, fut);
    const Pin pinFut(fut);
    const Callback cb{waiter, TagReleaseWaiter};
    fut->addDoneCallback(cb);
    try {
        fut->cancel(std::nullopt);
    } catch (const PyRaise &) {
        fut->removeDoneCallback(cb);
        throw;
    }
    const Out<Value> r = co_await FutureAwaiter{c.task, waiter};
    fut->removeDoneCallback(cb);
    if (r.exc)
        co_return Raise{r.exc};
    co_return Unit{};
}

Co<Value> Interp::opWaitFor(Ctx &c, const Step &st)
{
    // as tasks.py wait_for (3.11)
    Item item = evalTarget(c, st.target);
    const std::optional<double> timeout = optNumber(c, st.timeout);
    if (!timeout)
        co_return co_await awaitItem(c, item);
    Frame *lf = m_rt.newFrame();
    FramePush fp(c.task, lf);
    Out<Value> r = co_await waitForTimed(c, item, *timeout, lf);
    if (r.exc)
        r.exc->addFrame(lf);
    co_return std::move(r);
}

Co<Value> Interp::waitForTimed(Ctx &c, Item item, double timeout, Frame *lf)
{
    auto timeoutFrom = [this](ExcObj *cause) {
        ExcObj *te = m_rt.newExc(QStringLiteral("TimeoutError"));
        te->cause = cause;
        te->context = cause;
        return te;
    };
    if (timeout <= 0) {
        Future *fut = ensureFuture(item);
        lf->held.push_back(Value::object(fut));
        if (fut->done())
            co_return fut->resultOut();
        const Out<Unit> k = co_await cancelAndWait(c, fut);
        if (k.exc)
            co_return Raise{k.exc};
        if (ExcObj *e = fut->resultError())
            co_return Raise{isCancelledError(e) ? timeoutFrom(e) : e};
        co_return fut->resultValue();
    }
    Future *waiter = m_rt.createFuture({}, FutureOrigin::WaitFor, timeout);
    Handle *th = m_loop.callLater(timeout, {waiter, TagReleaseWaiter}, waiter);
    DeadlineScope deadline(c.task, &th);
    const Callback cb{waiter, TagReleaseWaiter};
    Future *fut = ensureFuture(item);
    fut->addDoneCallback(cb);
    lf->held.reserve(3);
    lf->held.push_back(Value::object(fut));
    lf->held.push_back(Value::object(waiter));
    lf->held.push_back(Value::object(th));
    struct CancelTimer {
        Loop &loop;
        Handle *h;
        Task *t;
        ~CancelTimer()
        {
            if (!t->tearingDown())
                loop.cancelHandle(h);
            loop.unpin(h); // wait_for's frame (lf) may still refer to it
        }
    } finallyCancel{m_loop, th, c.task};

    const Out<Value> w = co_await FutureAwaiter{c.task, waiter};
    if (w.exc && !isCancelledError(w.exc))
        co_return Raise{w.exc};
    ExcObj *cancelled = w.exc;
    const Pin pinCancelled(cancelled); // re-raised after _cancel_and_wait
    if (fut->done())
        co_return fut->resultOut();
    fut->removeDoneCallback(cb);
    const Out<Unit> k = co_await cancelAndWait(c, fut);
    if (k.exc)
        co_return Raise{k.exc};
    if (cancelled)
        co_return Raise{cancelled};
    if (ExcObj *e = fut->resultError())
        co_return Raise{isCancelledError(e) ? timeoutFrom(e) : e};
    co_return fut->resultValue();
}

Co<Value> Interp::opShield(Ctx &c, const Step &st)
{
    // as tasks.py shield
    Item item = evalTarget(c, st.target);
    Future *inner = ensureFuture(item);
    Future *outer = inner;
    if (!inner->done()) {
        outer = m_rt.createFuture({}, FutureOrigin::Shield, 0, inner);
        auto *s = m_loop.make<ShieldState>();
        s->inner = inner;
        s->outer = outer;
        inner->addDoneCallback({s, TagShieldInner});
        outer->addDoneCallback({s, TagShieldOuter});
    }
    if (!st.await) {
        m_rt.nameFuture(outer, st.as ? varName(c, *st.as) : QStringLiteral("shield"));
        co_return Value::object(outer);
    }
    Hold h(c.frame, Value::object(outer));
    co_return co_await FutureAwaiter{c.task, outer};
}

Co<Future *> Interp::queueGet(Ctx &c, AsCompletedState *st)
{
    // as queues.py Queue.get
    while (st->queue.empty()) {
        Future *getter = m_rt.createFuture({}, FutureOrigin::AsCompleted, double(st->todo.size()));
        const Pin pinGetter(getter);
        st->getters.push_back(getter);
        st->gettersMade.push_back(getter);
        const Out<Value> r = co_await FutureAwaiter{c.task, getter};
        if (r.exc) {
            getter->cancel(std::nullopt);
            std::erase(st->getters, getter);
            if (!st->queue.empty() && !getter->cancelled())
                st->wakeupNext();
            co_return Raise{r.exc};
        }
    }
    Future *item = st->queue.front();
    st->queue.pop_front();
    co_return item;
}

Co<Value> Interp::opAsCompleted(Ctx &c, const Step &st)
{
    // `for f in asyncio.as_completed(tasks, timeout=...): r.append(await f)`
    std::vector<Item> items = evalChildren(c, st.children, true);
    const std::optional<double> timeout = optNumber(c, st.timeout);
    auto *s = m_loop.make<AsCompletedState>();
    s->loop = &m_loop;
    std::unordered_set<const Future *> inTodo;
    for (Item &it : items) {
        Future *f = ensureFuture(it);
        if (inTodo.insert(f).second)
            s->todo.push_back(f);
    }
    releaseNow(items);
    releaseNow(inTodo);
    for (Future *f : s->todo)
        f->addDoneCallback({s, TagAsCompletedDone});
    s->given = s->todo;
    if (!s->todo.empty() && timeout)
        s->timeoutHandle = m_loop.callLater(*timeout, {s, TagAsCompletedTimeout});
    const size_t n = s->todo.size();
    DeadlineScope deadline(c.task, &s->timeoutHandle);
    Frame *lf = m_rt.newFrame();
    lf->held.push_back(Value::object(s));
    FramePush fp(c.task, lf);
    std::vector<Value> results;
    for (size_t i = 0; i < n; ++i) {
        const Out<Future *> got = co_await queueGet(c, s);
        Out<Value> r;
        if (got.exc)
            r.exc = got.exc;
        else if (!got.value)
            r.exc = m_rt.newExc(QStringLiteral("TimeoutError"));
        else
            r = got.value->resultOut();
        if (r.exc) {
            r.exc->addFrame(lf);
            co_return Raise{r.exc}; // `_r` stays bound in the frame
        }
        results.push_back(std::move(r.value));
        c.frame->setTemp(&st, Value::seq(Value::Kind::List, results)); // `_r`
    }
    c.frame->clearTemp(&st); // del _r
    co_return Value::seq(Value::Kind::List, std::move(results));
}

Co<Flow> Interp::opTaskGroup(Ctx &c, const Step &st)
{
    // async with TaskGroup() as tg: ts = [tg.create_task(...)...]; body
    auto *tg = m_loop.make<TaskGroupState>();
    const int group = m_rt.taskGroupCount++;
    tg->rt = &m_rt;
    tg->parentTask = c.task;
    Hold holdTg(c.frame, Value::object(tg));
    c.frame->setTemp(&st.body, Value::object(tg)); // `_tg` stays bound after the with block
    std::vector<Value> ts;
    {
        std::vector<Item> items = evalChildren(c, st.children, false);
        for (Item &it : items) {
            Task *t = m_rt.createTask(it.coro.node, it.coro.frame, group);
            t->addDoneCallback({tg, TagTaskGroupChildDone});
            tg->add(t);
            ts.push_back(Value::object(t));
        }
    }
    const Value tsList = Value::seq(Value::Kind::List, std::move(ts));
    releaseNow(ts);
    c.frame->setTemp(&st, tsList); // `_ts`
    Out<Flow> body = co_await execBlock(c, st.body);
    ExcObj *bodyExc = body.exc;
    if (bodyExc)
        bodyExc->addFrame(c.frame);
    const PinnedValue pinReturned(body.value.value); // returned after __aexit__
    Out<Unit> exit;
    {
        const HandlingScope handlingBody(c, bodyExc);
        exit = co_await taskGroupExit(c, tg, bodyExc);
    }
    if (exit.exc) {
        exit.exc->addFrame(m_rt.libFrame(tg, bodyExc)); // TaskGroup.__aexit__
        co_return Raise{exit.exc};
    }
    if (bodyExc)
        co_return Raise{bodyExc};
    if (body.value.returned)
        co_return std::move(body.value);
    if (st.as) {
        std::vector<Value> results;
        for (const Value &t : *tsList.items)
            results.push_back(t.future()->result());
        write(c, *st.as, Value::seq(Value::Kind::List, std::move(results)));
    }
    c.frame->clearTemp(&st); // del _ts
    co_return Flow{};
}

Co<Unit> Interp::taskGroupExit(Ctx &c, TaskGroupState *tg, ExcObj *exc)
{
    // as taskgroups.py TaskGroup.__aexit__
    tg->exiting = true;
    const bool etIsCancelled = exc && exc->type == QLatin1String("CancelledError");
    ExcObj *propagate = etIsCancelled ? exc : nullptr;
    const Pin pinExc(exc);
    Pin pinPropagate;
    if (tg->parentCancelRequested) {
        if (c.task->uncancel() == 0)
            propagate = nullptr;
    }
    if (exc && !tg->aborting)
        tg->abort();
    while (!tg->empty()) {
        if (!tg->onCompletedFut)
            tg->onCompletedFut = m_rt.createFuture({}, FutureOrigin::TaskGroup, double(tg->size()));
        const Out<Value> r = co_await FutureAwaiter{c.task, tg->onCompletedFut};
        if (r.exc) {
            if (!isCancelledError(r.exc))
                co_return Raise{r.exc};
            if (!tg->aborting) {
                propagate = r.exc;
                pinPropagate.pin(propagate);
                tg->abort();
            }
        }
        tg->onCompletedFut = nullptr;
    }
    if (propagate && tg->errors.empty())
        co_return Raise{propagate};
    if (exc && !etIsCancelled)
        tg->errors.push_back(exc);
    if (!tg->errors.empty()) {
        bool allExceptions = true;
        for (ExcObj *e : tg->errors)
            allExceptions = allExceptions && excIsSubclass(e->type, QStringLiteral("Exception"));
        ExcObj *me
            = m_rt.newExc(allExceptions ? QStringLiteral("ExceptionGroup") : QStringLiteral("BaseExceptionGroup"),
                          QStringLiteral("unhandled errors in a TaskGroup"));
        me->members = tg->errors;
        me->context = exc;
        tg->errors.clear();
        co_return Raise{me};
    }
    co_return Unit{};
}

Co<Flow> Interp::opTimeout(Ctx &c, const Step &st)
{
    // async with asyncio.timeout(seconds): body
    const std::optional<double> delay = optNumber(c, st.seconds);
    std::optional<double> when;
    if (delay)
        when = m_loop.time() + *delay;
    auto *to = m_loop.make<TimeoutState>();
    to->loop = &m_loop;
    to->task = c.task;
    to->state = TimeoutState::State::Entered;
    to->cancelling = c.task->cancelling();
    to->reschedule(when);
    DeadlineScope deadline(c.task, &to->handler);
    Hold hold(c.frame, Value::object(to));
    Out<Flow> body = co_await execBlock(c, st.body);
    ExcObj *exc = body.exc;
    if (exc)
        exc->addFrame(c.frame);
    // __aexit__
    if (to->handler) {
        m_loop.cancelHandle(to->handler);
        to->handler = nullptr;
    }
    if (to->state == TimeoutState::State::Expiring) {
        to->state = TimeoutState::State::Expired;
        if (c.task->uncancel() <= to->cancelling && exc && exc->type == QLatin1String("CancelledError")) {
            ExcObj *te = m_rt.newExc(QStringLiteral("TimeoutError"));
            te->cause = exc;
            te->context = exc;
            te->addFrame(m_rt.libFrame(to, exc)); // Timeout.__aexit__
            te->addFrame(c.frame);
            co_return Raise{te};
        }
    } else if (to->state == TimeoutState::State::Entered) {
        to->state = TimeoutState::State::Exited;
    }
    if (exc)
        co_return Raise{exc};
    co_return std::move(body.value);
}

Co<Flow> Interp::opTry(Ctx &c, const Step &st)
{
    Out<Flow> body = co_await execBlock(c, st.body);
    Flow flow = std::move(body.value);
    PinnedValue pinFlow(flow.value); // returned after the handler or the finally
    ExcObj *pending = body.exc;
    if (pending) {
        pending->addFrame(c.frame);
        for (const ExceptHandler &h : st.handlers) {
            bool match = false;
            for (const QString &t : h.types)
                match = match || excIsSubclass(pending->type, t);
            if (!match)
                continue;
            ExcObj *handled = pending;
            pending = nullptr;
            Hold holdE(c.frame, Value::object(handled));
            const HandlingScope handlingE(c, handled);
            if (h.as)
                write(c, *h.as, Value::object(handled));
            Out<Flow> hb = co_await execBlock(c, h.body);
            if (hb.exc) {
                pending = hb.exc;
                pending->addFrame(c.frame);
                if (pending != handled)
                    pending->context = handled;
            } else {
                flow = std::move(hb.value);
                pinFlow.set(flow.value);
            }
            break;
        }
    }
    if (st.hasFinally && !st.finallyBody.empty()) {
        Hold holdP(c.frame, Value::object(pending));
        const HandlingScope handlingP(c, pending);
        Out<Flow> fb = co_await execBlock(c, st.finallyBody);
        ExcObj *fexc = fb.exc;
        if (fexc) {
            fexc->addFrame(c.frame);
            if (pending && fexc != pending)
                fexc->context = pending;
        }
        if (fexc)
            co_return Raise{fexc};
        if (fb.value.returned)
            co_return std::move(fb.value);
    }
    if (pending)
        co_return Raise{pending};
    co_return flow;
}

} // namespace

QCoro::Task<> Runtime::runBody(Task *t)
{
    const Node &node = graph().nodes[size_t(t->node)];
    return Interp::runSteps<QCoro::Task<>, Interp, Ctx>(Interp(*this), Ctx{t, t->initialFrame, node, 1}, node.steps);
}

} // namespace ascope
