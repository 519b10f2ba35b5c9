// The event loop: asyncio's BaseEventLoop._run_once reproduced (ready FIFO batches, a timer heap
// ordered exactly like CPython's heapq, virtual or real time), driven by the Qt event loop.
#pragma once

#include "arena.h"
#include "chunked.h"
#include "objects.h"
#include "trace.h"

#include <QObject>

#include <array>
#include <deque>
#include <optional>
#include <type_traits>

namespace ascope {

class Listener;

// What a handle or done-callback calls: a target object and an action tag.
struct Callback {
    Listener *target = nullptr;
    int tag = 0;
    bool operator==(const Callback &o) const { return target == o.target && tag == o.tag; }
};

// asyncio.Handle / TimerHandle.
struct Handle final : Object {
    Handle()
        : Object(ObjKind::Handle)
    {
    }
    qint32 seq = -1; // timers: creation number, names the timer in the trace (first: it fills
                     // what would be the padding after Object's fields)
    Callback cb;
    Object *arg = nullptr; // the future a done-callback reports, or another argument
    ExcObj *exc = nullptr; // Task.__step(exc)
    double when = 0;
    bool cancelled = false;
    bool scheduled = false; // in the timer heap
    bool isTimer = false;
    // Someone other than the loop keeps a pointer to it (timers, a Timeout's handler): it is
    // only reused once its holder let it go (Loop::release). The loop reuses every other handle
    // as soon as it has run, as CPython frees it.
    bool pinned = false;
    bool queued = false; // in the ready queue or the timer heap
    bool free = false;   // on the loop's free list
    // e.g. the result of sleep(): made only when it is not None (nearly every handle has none)
    const Value &val() const
    {
        static const Value none;
        return m_val ? *m_val : none;
    }
    void setVal(Value v)
    {
        if (v.isNone())
            m_val.reset();
        else if (m_val)
            *m_val = std::move(v);
        else
            m_val = std::make_unique<Value>(std::move(v));
    }
    void trace(Tracer &t) const override;

private:
    std::unique_ptr<Value> m_val;
};

// An entry of the timer heap: the deadline beside the handle, so that sifting compares
// entries of one array and does not visit 100,000 handles scattered over the arena.
struct TimerEntry {
    double when;
    Handle *h;
};

// Anything a handle can run.
class Listener : public Object
{
public:
    using Object::Object;
    virtual void fire(Handle &h) = 0;
};

// Halted: a budget of the run is spent (Runtime::exhaust); the iteration was cut short.
enum class RunStatus : quint8 { Running, Stopped, Deadlock, TimeLimit, Halted };

class Loop final
{
public:
    explicit Loop(double timeLimit = 3600);
    ~Loop();
    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    // Objects are carved out of large blocks (no malloc and free per task, future, handle or
    // frame) and live until the run ends, or until Runtime::reclaim() frees them: their memory
    // then goes to a free list of their size, which make() takes from first.
    template<typename T, typename... A> T *make(A &&...a)
    {
        static_assert(std::is_base_of_v<Object, T>);
        constexpr size_t sizeClass
            = sizeof(T) % 8 == 0 && alignof(T) <= 8 && sizeof(T) / 8 < kSizeClasses ? sizeof(T) / 8 : 0;
        void *mem;
        if constexpr (kEachOwnMemory) {
            mem = ::operator new(sizeof(T));
        } else if (sizeClass != 0 && !m_free[sizeClass].empty()) {
            mem = m_free[sizeClass].back();
            m_free[sizeClass].pop_back();
        } else {
            mem = m_pool.allocate(sizeof(T), alignof(T));
        }
        T *raw = new (mem) T(std::forward<A>(a)...);
        raw->sizeClass = quint8(sizeClass);
        m_arena.push_back(raw);
        ++m_madeSinceCompact;
        return raw;
    }
    // Keeps the objects keep(o) is true for, in order, and destroys the others (their memory is
    // reused).
    template<typename F> size_t compactArena(F &&keep)
    {
        size_t kept = 0;
        const size_t n = m_arena.size();
        for (size_t i = 0; i < n; ++i) {
            Object *o = m_arena[i];
            if (keep(o)) {
                m_arena[kept++] = o;
                continue;
            }
            const size_t c = o->sizeClass;
            o->~Object();
            if constexpr (kEachOwnMemory)
                ::operator delete(o);
            else if (c != 0)
                m_free[c].push_back(o);
        }
        m_arena.truncate(kept);
        m_madeSinceCompact = 0;
        return n - kept;
    }
    size_t madeSinceCompact() const { return m_madeSinceCompact; }

    double time() const { return m_now; }
    void advance(double seconds) { m_now += seconds; } // a blocking step
    void advanceTo(double t)
    {
        if (t > m_now)
            m_now = t;
    } // idle real time passing
    quint64 iteration() const { return m_iteration; }

    Handle *callSoon(Callback cb, Object *arg = nullptr, ExcObj *exc = nullptr, Value val = {});
    Handle *callAt(double when, Callback cb, Object *arg = nullptr, Value val = {});
    Handle *callLater(double delay, Callback cb, Object *arg = nullptr, Value val = {})
    {
        return callAt(m_now + delay, cb, arg, std::move(val));
    }
    void cancelHandle(Handle *h);
    // The holder of a pinned handle no longer needs it: reused once the loop is done with it.
    void release(Handle *h)
    {
        if (!h)
            return;
        h->pinned = false;
        if (!h->queued)
            recycle(h);
    }
    // The holder lets go of it, but something the program reaches may still refer to it: it is
    // reused once nothing does (Runtime::reclaim).
    void unpin(Handle *h)
    {
        if (h)
            h->pinned = false;
    }
    // Runtime::reclaim() found nothing referring to it: reused unless a holder keeps it, and
    // what it refers to may be freed.
    void reclaimHandle(Handle *h)
    {
        if (h->queued)
            return;
        if (!h->pinned) {
            recycle(h);
            return;
        }
        dropReferences(h);
    }
    // Moves a scheduled timer to a new deadline (a forced timeout).
    void rescheduleTimer(Handle *h, double when);

    // One iteration of _run_once. Returns Deadlock/TimeLimit when the selector would block
    // forever / past the limit (nothing is run then); Running otherwise.
    RunStatus runOnce();
    void stop() { m_stopping = true; }
    // Stops the loop for good after the handle now running (the rest stay ready, never run).
    void halt() { m_halted = true; }
    bool halted() const { return m_halted; }
    bool stopping() const { return m_stopping; }
    void clearStopping() { m_stopping = false; }

    // The deadline the loop would advance to next (nullopt: something is ready, or nothing is
    // scheduled). Cancelled timers at the head do not count.
    std::optional<double> nextDeadline() const
    {
        if (!m_ready.empty() || m_stopping || m_heap.empty())
            return std::nullopt;
        if (!m_heap[0].h->cancelled)
            return m_heap[0].when;
        return earliestLive();
    }

    Task *currentTask() const { return m_current; }
    void setCurrentTask(Task *t) { m_current = t; }
    Handle *currentHandle() const { return m_currentHandle; }

    const std::deque<Handle *> &ready() const { return m_ready; }
    const std::vector<TimerEntry> &timers() const { return m_heap; }
    Trace &trace() { return m_trace; }
    const Trace &trace() const { return m_trace; }

    // The objects alive (for the collector's sweep).
    const ChunkedArray<Object *, 14> &arena() const { return m_arena; }

    double timeLimit() const { return m_limit; }

private:
    std::optional<double> earliestLive() const
    {
        std::optional<double> best;
        for (const TimerEntry &e : m_heap) {
            if (!e.h->cancelled && (!best || e.when < *best))
                best = e.when;
        }
        return best;
    }
    Handle *newHandle();
    void recycle(Handle *h);
    static void dropReferences(Handle *h) // what it would call, and with what
    {
        h->cb = {};
        h->arg = nullptr;
        h->exc = nullptr;
        h->setVal({});
    }
    void heapPush(Handle *h);
    Handle *heapPop();
    void heapify();

    double m_now = 0;
    double m_limit;
    bool m_stopping = false;
    bool m_halted = false;
    quint64 m_iteration = 0;
    int m_timerCancelledCount = 0;
    qint32 m_timerSeq = 0;
    std::deque<Handle *> m_ready;
    std::vector<TimerEntry> m_heap;
    Task *m_current = nullptr;
    Handle *m_currentHandle = nullptr;
    Trace m_trace;
    BlockArena m_pool;
    ChunkedArray<Object *, 14> m_arena;        // every object alive, in creation order (128 KB chunks)
    static constexpr size_t kSizeClasses = 64; // free lists of objects up to 504 bytes
#if defined(ASCOPE_ASAN)
    static constexpr bool kEachOwnMemory = true; // AddressSanitizer sees every use after a free
#else
    static constexpr bool kEachOwnMemory = false;
#endif
    std::array<std::vector<void *>, kSizeClasses> m_free;
    size_t m_madeSinceCompact = 0;
    std::vector<Handle *> m_freeHandles; // in the arena, ready for reuse
};

} // namespace ascope
