#include "loop.h"

#include "future.h"

namespace ascope {

namespace {
constexpr double kClockResolution = 1e-9; // time.get_clock_info('monotonic').resolution
constexpr double kMaximumSelectTimeout = 24 * 3600;
constexpr size_t kMinScheduledTimerHandles = 100;
constexpr double kMinCancelledTimerHandlesFraction = 0.5;
constexpr size_t kTaskLines = (sizeof(Task) + 63) / 64; // cache lines a task spans

// heapq compares TimerHandles with __lt__ on the deadline only.
inline bool lessThan(const TimerEntry &a, const TimerEntry &b)
{
    return a.when < b.when;
}
} // namespace

void Handle::trace(Tracer &t) const
{
    if (cancelled)
        return; // Handle.cancel() drops the callback and its arguments
    t.visit(cb.target);
    t.visit(arg);
    t.visit(exc);
    t.visit(val());
}

Loop::Loop(double timeLimit)
    : m_limit(timeLimit)
{
}

Loop::~Loop()
{
    for (Object *o : m_arena) {
        o->~Object();
        if constexpr (kEachOwnMemory)
            ::operator delete(o);
    }
}

Handle *Loop::newHandle()
{
    if (m_freeHandles.empty())
        return make<Handle>();
    Handle *h = m_freeHandles.back();
    m_freeHandles.pop_back();
    h->free = false;
    h->dead = false;
    h->diedInCycle = false;
    h->markEpoch = 0;
    h->scratch = -1;
    return h;
}

void Loop::recycle(Handle *h)
{
    if (h->free)
        return;
    // nothing refers to it any more: what it held is let go (a garbage object with no edges)
    dropReferences(h);
    h->when = 0;
    h->cancelled = false;
    h->scheduled = false;
    h->isTimer = false;
    h->seq = -1;
    h->free = true;
    m_freeHandles.push_back(h);
}

Handle *Loop::callSoon(Callback cb, Object *arg, ExcObj *exc, Value val)
{
    Handle *h = newHandle();
    h->cb = cb;
    h->arg = arg;
    h->exc = exc;
    h->setVal(std::move(val));
    h->queued = true;
    m_ready.push_back(h);
    return h;
}

Handle *Loop::callAt(double when, Callback cb, Object *arg, Value val)
{
    Handle *h = newHandle();
    h->cb = cb;
    h->arg = arg;
    h->setVal(std::move(val));
    h->when = when;
    h->isTimer = true;
    h->pinned = true; // the caller keeps it to cancel it
    h->seq = m_timerSeq++;
    heapPush(h);
    h->scheduled = true;
    h->queued = true;
    m_trace.add({m_now, m_iteration, when, h->seq, -1, EventKind::TimerArmed, 0});
    return h;
}

void Loop::cancelHandle(Handle *h)
{
    if (!h || h->cancelled)
        return;
    if (h->isTimer && h->scheduled) {
        ++m_timerCancelledCount;
        m_trace.add({m_now, m_iteration, h->when, h->seq, -1, EventKind::TimerCancelled, 0});
    }
    h->cancelled = true;
    h->arg = nullptr;
    h->exc = nullptr;
    h->setVal({});
}

void Loop::rescheduleTimer(Handle *h, double when)
{
    if (!h || h->cancelled || !h->scheduled)
        return;
    h->when = when;
    for (TimerEntry &e : m_heap) {
        if (e.h == h)
            e.when = when;
    }
    heapify();
    m_trace.add({m_now, m_iteration, when, h->seq, -1, EventKind::TimerArmed, 1});
}

// heapq._siftdown / _siftup, as CPython implements them (the C accelerator is the same algorithm).
static void siftDown(std::vector<TimerEntry> &heap, size_t startpos, size_t pos)
{
    const TimerEntry newitem = heap[pos];
    while (pos > startpos) {
        size_t parentpos = (pos - 1) >> 1;
        const TimerEntry parent = heap[parentpos];
        if (lessThan(newitem, parent)) {
            heap[pos] = parent;
            pos = parentpos;
            continue;
        }
        break;
    }
    heap[pos] = newitem;
}

static void siftUp(std::vector<TimerEntry> &heap, size_t pos)
{
    const size_t endpos = heap.size();
    const size_t startpos = pos;
    const TimerEntry newitem = heap[pos];
    size_t childpos = 2 * pos + 1;
    while (childpos < endpos) {
        size_t rightpos = childpos + 1;
        if (rightpos < endpos && !lessThan(heap[childpos], heap[rightpos]))
            childpos = rightpos;
        heap[pos] = heap[childpos];
        pos = childpos;
        childpos = 2 * pos + 1;
    }
    heap[pos] = newitem;
    siftDown(heap, startpos, pos);
}

void Loop::heapPush(Handle *h)
{
    m_heap.push_back({h->when, h});
    siftDown(m_heap, 0, m_heap.size() - 1);
}

Handle *Loop::heapPop()
{
    const TimerEntry last = m_heap.back();
    m_heap.pop_back();
    if (!m_heap.empty()) {
        Handle *ret = m_heap[0].h;
        m_heap[0] = last;
        siftUp(m_heap, 0);
        return ret;
    }
    return last.h;
}

void Loop::heapify()
{
    const size_t n = m_heap.size();
    for (size_t i = n / 2; i-- > 0;)
        siftUp(m_heap, i);
}

RunStatus Loop::runOnce()
{
    // as base_events.py BaseEventLoop._run_once
    if (m_halted)
        return RunStatus::Halted;
    const size_t schedCount = m_heap.size();
    if (schedCount > kMinScheduledTimerHandles
        && double(m_timerCancelledCount) / double(schedCount) > kMinCancelledTimerHandlesFraction) {
        std::vector<TimerEntry> kept;
        kept.reserve(schedCount);
        for (const TimerEntry &e : m_heap) {
            Handle *h = e.h;
            if (h->cancelled) {
                h->scheduled = false;
                h->queued = false;
                if (!h->pinned)
                    recycle(h);
            } else {
                kept.push_back(e);
            }
        }
        m_heap = std::move(kept);
        heapify();
        m_timerCancelledCount = 0;
    } else {
        while (!m_heap.empty() && m_heap[0].h->cancelled) {
            --m_timerCancelledCount;
            Handle *h = heapPop();
            h->scheduled = false;
            h->queued = false;
            if (!h->pinned)
                recycle(h);
        }
    }

    std::optional<double> timeout;
    if (!m_ready.empty() || m_stopping)
        timeout = 0.0;
    else if (!m_heap.empty())
        timeout = std::min(std::max(0.0, m_heap[0].when - m_now), kMaximumSelectTimeout);

    if (!timeout)
        return RunStatus::Deadlock;
    if (*timeout > 0) {
        if (m_now + *timeout > m_limit)
            return RunStatus::TimeLimit;
        m_now += *timeout;
    }

    ++m_iteration;
    const double endTime = m_now + kClockResolution;
    while (!m_heap.empty()) {
        if (m_heap[0].when >= endTime)
            break;
        Handle *h = heapPop();
        // the handles popped next, in heapq's order, scattered over memory
        for (size_t k = 0; k < std::min<size_t>(m_heap.size(), 3); ++k)
            __builtin_prefetch(m_heap[k].h);
        h->scheduled = false;
        if (!h->cancelled)
            m_trace.add({m_now, m_iteration, h->when, h->seq, -1, EventKind::TimerFired, 0});
        m_ready.push_back(h);
    }
    const size_t ntodo = m_ready.size();
    for (size_t i = 0; i < ntodo; ++i) {
        // A long batch (a fan-out's timers firing) runs handles, tasks and futures that were
        // last touched long ago, in heapq's order (scattered over memory): fetch ahead in
        // stages, each two handles after the one it needs (10/6/4/2 measured best on
        // fanout-100k, against 8/4/2/1 and 12/8/5/3).
        if (ntodo - i > 10) {
            __builtin_prefetch(m_ready[10]);
            // The target's lines a run reads (a task's span its object), and the argument (the
            // future a __wakeup reads); then what the target's fields point to, once those
            // fields are in; then what that points to.
            const Handle *ahead = m_ready[6];
            const auto *target = reinterpret_cast<const char *>(ahead->cb.target);
            for (size_t line = 0; line < kTaskLines; ++line)
                __builtin_prefetch(target + 64 * line);
            if (ahead->arg) {
                __builtin_prefetch(ahead->arg);
                __builtin_prefetch(reinterpret_cast<const char *>(ahead->arg) + 64);
            }
            const Object *next = m_ready[4]->cb.target;
            if (next->kind == ObjKind::Future || next->kind == ObjKind::Task)
                static_cast<const Future *>(next)->prefetchRun();
            const Object *soon = m_ready[2]->cb.target;
            if (soon->kind == ObjKind::Task)
                static_cast<const Future *>(soon)->prefetchFrameData();
        }
        Handle *h = m_ready.front();
        m_ready.pop_front();
        if (!h->cancelled) {
            m_currentHandle = h;
            h->cb.target->fire(*h);
            m_currentHandle = nullptr;
        }
        h->queued = false;
        if (!h->pinned)
            recycle(h);
        if (m_halted)
            return RunStatus::Halted;
    }
    return RunStatus::Running;
}

} // namespace ascope
