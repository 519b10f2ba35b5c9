// asyncio.Future and asyncio.Task (the pure-Python implementations of CPython 3.11, which the
// reference runs), with each task's body a QCoro coroutine interpreting its node's steps.
#pragma once

#include "co.h"
#include "loop.h"

#include <QCoroTask>
#include <QJsonObject>
#include <QJsonValue>

#include <coroutine>
#include <optional>

namespace ascope {

class Runtime;

// Unwinds a coroutine that will never resume (collected task, end of run) without running
// any of its Python cleanup code.
struct Teardown { };

using OptMsg = std::optional<QString>;

// Tags of the actions a Callback or Handle can name.
enum CallbackTag : int {
    TagTaskStep = 1,
    TagTaskWakeup,
    TagSetResultUnlessCancelled, // futures._set_result_unless_cancelled(fut, result)
    TagReleaseWaiter,            // tasks._release_waiter(waiter)
    TagFirstHelperTag = 100,     // helpers (gather, wait, ...) use tags from here
};

// A short list kept inline for its first element (nearly every such list has just one), the
// rest in a vector made for them. T{} is "no first element": no element equals T{}.
template<typename T> class FirstInline
{
public:
    bool empty() const { return m_first == T{}; }
    size_t size() const { return empty() ? 0 : 1 + (m_more ? m_more->size() : 0); }
    void push_back(const T &v)
    {
        if (empty()) {
            m_first = v;
            return;
        }
        if (!m_more)
            m_more = std::make_unique<std::vector<T>>();
        m_more->push_back(v);
    }
    // Keeps the first n (n <= size()).
    void resize(size_t n)
    {
        if (n >= size())
            return;
        if (m_more)
            m_more->resize(n > 0 ? n - 1 : 0);
        if (n == 0)
            m_first = T{};
    }
    void clear() { resize(0); }
    // Removes every element equal to v; how many there were.
    int erase(const T &v)
    {
        if (empty())
            return 0;
        int n = m_more ? int(std::erase(*m_more, v)) : 0;
        if (m_first == v) {
            ++n;
            if (m_more && !m_more->empty()) {
                m_first = m_more->front();
                m_more->erase(m_more->begin());
            } else {
                m_first = T{};
            }
        }
        return n;
    }
    const T &first() const { return m_first; }                                              // T{} when empty
    const T &last() const { return m_more && !m_more->empty() ? m_more->back() : m_first; } // T{} when empty
    template<typename F> void forEach(F &&f) const
    {
        if (empty())
            return;
        f(m_first);
        if (m_more)
            for (const T &x : *m_more)
                f(x);
    }

private:
    T m_first{};
    std::unique_ptr<std::vector<T>> m_more;
};

// A future's done callbacks, in the order added.
using CallbackList = FirstInline<Callback>;
// A task's live frames, outermost first.
using FrameStack = FirstInline<Frame *>;

class Future : public Listener
{
public:
    enum class State : quint8 { Pending, Cancelled, Finished };

    explicit Future(Runtime *rt, ObjKind k = ObjKind::Future);

    bool done() const { return m_state != State::Pending; }
    bool cancelled() const { return m_state == State::Cancelled; }
    State state() const { return m_state; }
    bool failed() const { return m_state == State::Finished && m_exc; }

    virtual bool cancel(const OptMsg &msg);
    void setResult(const Value &v); // raises InvalidStateError when done
    void setException(ExcObj *e);   // raises InvalidStateError when done
    Value result();                 // Future.result(): raises
    // Future.result() of a done future without the C++ throw: the exception it would raise
    // (its traceback as result() leaves it), or nullptr when resultValue() is the result.
    ExcObj *resultError();
    // Future.result() of a done future as a value: the exception it raises, or the result.
    Out<Value> resultOut()
    {
        if (ExcObj *e = resultError())
            return {e, {}};
        return {nullptr, m_result};
    }
    ExcObj *exception(); // Future.exception(): raises when cancelled
    ExcObj *makeCancelledError();

    void addDoneCallback(Callback cb);
    int removeDoneCallback(Callback cb);

    void fire(Handle &h) override;
    void trace(Tracer &t) const override;

    const Value &resultValue() const { return m_result; }
    ExcObj *storedException() const { return m_state == State::Finished ? m_exc : nullptr; }
    bool logTraceback() const { return m_logTraceback; }

    Runtime *rt;
    // A task's name ("node", "node#2", ...: made when asked for, a task keeps only its number),
    // or a named future's (future steps, hang, await:false gather/shield); empty otherwise.
    QString name() const;
    void setName(const QString &n) { cold().name = n; }
    // What running a handle of this future or task will touch first, asked for into the cache
    // (a long ready batch runs things last touched long ago): a task's suspended coroutine
    // frame and its innermost graph frame, or what a done future's first callback wakes.
    void prefetchRun() const;
    // After prefetchRun (its reads hit then): a task's innermost frame's locals and stack.
    void prefetchFrameData() const;
    int id = -1; // index in Runtime::futures (every future and task)
    bool named = false;
    bool pyFuture = true; // _PyFuture (vs the C Future of gather's outer): only naming differs

protected:
    bool futureCancel(const OptMsg &msg); // Future.cancel, bypassing subclass overrides
    void scheduleCallbacks();

    State m_state = State::Pending;
    bool m_logTraceback = false;
    Value m_result;
    // Finished: the exception set (none: a result); cancelled: the CancelledError the coroutine
    // ended with, for the first result() or exception() to raise (none: a new one).
    ExcObj *m_exc = nullptr;
    // What few futures need, made when first needed.
    struct Cold {
        QString name;    // a named future's (name())
        Traceback excTb; // _exception_tb
        OptMsg cancelMessage;
        std::vector<Handle **> deadlines; // Task::deadlines()
    };
    Cold &cold()
    {
        if (!m_cold)
            m_cold = std::make_unique<Cold>();
        return *m_cold;
    }
    const OptMsg &cancelMessage() const
    {
        static const OptMsg none;
        return m_cold ? m_cold->cancelMessage : none;
    }
    void setCancelMessage(const OptMsg &msg)
    {
        if (msg || m_cold)
            cold().cancelMessage = msg;
    }
    CallbackList m_callbacks;
    std::unique_ptr<Cold> m_cold;

    friend class Task;
    friend class GatherFuture;
};

class Task final : public Future
{
public:
    Task(Runtime *rt, int node, Frame *frame);
    ~Task() override;

    bool cancel(const OptMsg &msg) override;
    int cancelling() const { return m_numCancelsRequested; }
    int uncancel()
    {
        if (m_numCancelsRequested > 0)
            --m_numCancelsRequested;
        return m_numCancelsRequested;
    }

    void fire(Handle &h) override;
    void trace(Tracer &t) const override;

    // Interpreter side: suspend on a future (or a bare yield when f is null).
    void suspendOn(Future *f, std::coroutine_handle<> h)
    {
        m_yielded = f;
        m_yieldedBare = (f == nullptr);
        m_resumeAt = h;
    }
    // Interpreter side: the exception sent into the awaiting coroutine when resumed (taken;
    // nullptr when none). Throws Teardown when the coroutine is being unwound.
    ExcObj *takeSent();
    bool tearingDown() const { return m_teardown; }

    // Injection: stop waiting on the current future and have `e` raised at the await.
    bool throwIn(ExcObj *e);
    // Deadlines of the steps the task is inside (wait_for, timeout, wait, as_completed),
    // innermost last: what a forced timeout moves to now.
    std::vector<Handle **> &deadlines() { return cold().deadlines; }

    // Unwind the suspended coroutine (never resumed again); runs no Python code.
    void destroyCoroutine();
    void *resumeAddress() const { return m_resumeAt.address(); } // the suspended coroutine's frame

    int node;
    int nameNumber = 1;            // the k of "node#k" (1: plain "node")
    int index = -1;                // creation order
    int parent = -1;               // task that created it (-1: the runner)
    bool logDestroyPending = true; // gather's own children have it off
    bool destroyed = false;        // collected while pending
    bool createdInShutdown = false;

private: // next to the flags above, where they fill what would be padding
    bool m_mustCancel = false;
    bool m_started = false;
    bool m_coroDone = false;
    bool m_teardown = false;
    bool m_yieldedBare = false;
    int m_numCancelsRequested = 0;

public:
    Future *futWaiter() const { return m_futWaiter; }
    Frame *initialFrame = nullptr; // the coroutine's frame (arguments) before it first runs
    FrameStack frames;             // the coroutine's live frames, outermost first
    double created = 0;
    double finished = 0;
    QJsonValue resultJson; // the result / exception as the outcome shows it, when it completed
    QJsonObject exceptionJson;

    // Set by the body coroutine when it ends.
    void bodyReturned(const Value &v)
    {
        m_coroDone = true;
        m_result = v; // kept where the result goes (Task::step completes the future with it)
        m_coroExc = nullptr;
    }
    void bodyRaised(ExcObj *e)
    {
        m_coroDone = true;
        m_coroExc = e;
    }

private:
    void step(ExcObj *exc);
    void wakeup(Future *f);

    Future *m_futWaiter = nullptr;

    QCoro::Task<> m_body;
    std::coroutine_handle<> m_resumeAt;
    ExcObj *m_coroExc = nullptr;
    Future *m_yielded = nullptr;
    ExcObj *m_sendExc = nullptr;
    Future *m_wokenBy = nullptr; // the future whose __wakeup called the running __step
};

inline void Future::prefetchRun() const
{
    if (kind == ObjKind::Task) {
        const auto *task = static_cast<const Task *>(this);
        if (const auto *p = static_cast<const char *>(task->resumeAddress())) {
            // the whole frame (about 600 bytes) and the next chunk's header, which free() reads
            for (int line = 0; line < 11; ++line)
                __builtin_prefetch(p + 64 * line);
        }
        if (const auto *f = reinterpret_cast<const char *>(task->frames.last())) {
            __builtin_prefetch(f); // its locals' and its stack's places, what is bound
            __builtin_prefetch(f + 64);
        }
    } else if (const Object *t = m_callbacks.first().target) {
        __builtin_prefetch(t);
    }
}

inline void Future::prefetchFrameData() const
{
    if (kind != ObjKind::Task)
        return;
    if (const Frame *f = static_cast<const Task *>(this)->frames.last()) {
        __builtin_prefetch(f->locals.data());
        __builtin_prefetch(f->held.data());
    }
}

// tasks._GatheringFuture
class GatherFuture final : public Future
{
public:
    GatherFuture(Runtime *rt, bool returnExceptions);
    bool cancel(const OptMsg &msg) override;
    void fire(Handle &h) override; // _done_callback of a child
    void trace(Tracer &t) const override;

    std::vector<Future *> children;
    int nfuts = 0;
    int nfinished = 0;
    bool returnExceptions;
    bool cancelRequested = false;
    bool outerReady = false; // `outer` assigned (bpo-46672)
};

// Awaits a future the way Future.__await__ does: no suspension when it is done already.
struct FutureAwaiter {
    Task *task;
    Future *fut;
    bool await_ready() const noexcept { return fut->done(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { task->suspendOn(fut, h); }
    Out<Value> await_resume()
    {
        if (ExcObj *e = task->takeSent())
            return {e, {}};
        return fut->resultOut();
    }
};

// A bare `yield` (asyncio.sleep(0)): the task reschedules itself.
struct YieldAwaiter {
    Task *task;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { task->suspendOn(nullptr, h); }
    Out<Unit> await_resume() { return {task->takeSent(), {}}; }
};

} // namespace ascope
