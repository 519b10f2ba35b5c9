// The event trace: an append-only log of every transition the engine makes. Every view, chart,
// report and the outcome file are projections of it.
#pragma once

#include <QString>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ascope {

enum class EventKind : quint8 {
    TaskCreated,     // subject = task id, other = parent task id (or -1); flags 1: a TaskGroup's child,
                     // value = the group's number (Runtime::taskGroupCount order)
    StepBegan,       // subject = task
    Suspended,       // subject = task, other = future id awaited (-1: bare yield / sleep(0))
    Woken,           // subject = task, other = future id that completed
    CancelRequested, // subject = task or future id (flags: 1 = future)
    CancelDelivered, // subject = task (CancelledError thrown into its coroutine)
    TimerArmed,      // subject = timer seq, value = deadline
    TimerFired,      // subject = timer seq
    TimerCancelled,  // subject = timer seq
    TaskDone,        // subject = task
    TaskFailed,      // subject = task
    TaskCancelled,   // subject = task
    FutureCreated,   // subject = future id, flags = FutureOrigin, value and other: see FutureOrigin
    FutureDone,      // subject = future id, flags: 0 done, 1 failed, 2 cancelled; other = the future whose
                     // completion (done-callback) or the task whose step completed it, or -1 (a timer, outside)
    Collected,       // subject = task or future id (flags: 1 = future) destroyed by a collection
    Blocked,         // subject = task, value = seconds of blocking work
    Collection,      // a collection ran (subject = number destroyed)
    Phase,           // subject: 0 run, 1 snapshot, 2 shutdown, 3 end
    Injected,        // subject = target id, other = injection kind
};

// What made a future (FutureCreated's flags): how a view says what a task waiting on it awaits.
// value: Sleep seconds, Wait/AsCompleted/TaskGroup the number of awaitables, WaitFor the timeout;
// other: WaitFor/CancelAndWait/Shield the future id of the awaitable it is about (or -1).
enum class FutureOrigin : quint8 {
    Plain,         // loop.create_future(): the graph's futures, "future" and "hang" steps
    Sleep,         // asyncio.sleep(value)
    Gather,        // gather() of nothing (other gathers are _GatheringFuture objects)
    Wait,          // asyncio.wait()'s waiter
    WaitFor,       // asyncio.wait_for()'s waiter
    CancelAndWait, // _cancel_and_wait()'s waiter (wait_for cancelling its awaitable)
    Shield,        // shield()'s outer future
    AsCompleted,   // as_completed()'s queue getter
    TaskGroup,     // TaskGroup.__aexit__'s _on_completed_fut
};

struct Event {
    double t = 0;
    quint64 iteration = 0;
    double value = 0;
    qint32 subject = -1;
    qint32 other = -1;
    EventKind kind = EventKind::TaskCreated;
    quint8 flags = 0;
};

// What a task is doing at a moment, as the trace tells it.
enum class TaskPhase : quint8 { NotCreated, Scheduled, Running, Waiting, Done, Failed, Cancelled, Destroyed };

struct TaskStateAt {
    TaskPhase phase = TaskPhase::NotCreated;
    qint32 awaiting = -1;       // future id the task waits on (Waiting)
    quint16 cancelRequests = 0; // cancel() calls so far
    bool terminal() const
    {
        return phase == TaskPhase::Done || phase == TaskPhase::Failed || phase == TaskPhase::Cancelled;
    }
};

const char *taskPhaseName(TaskPhase p);

// The events, in chunks of fixed size: appending never moves what is recorded (no copy of the
// whole log when it grows, no doubling of its memory), and views index it like a vector.
class EventLog
{
public:
    static constexpr size_t kChunkBits = 14; // 16,384 events (640 KB) a chunk
    static constexpr size_t kChunk = size_t(1) << kChunkBits;

    class const_iterator
    {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Event;
        using difference_type = std::ptrdiff_t;
        using pointer = const Event *;
        using reference = const Event &;

        const_iterator() = default;
        const_iterator(const EventLog *log, size_t i)
            : m_log(log)
            , m_i(i)
        {
        }
        reference operator*() const { return (*m_log)[m_i]; }
        pointer operator->() const { return &(*m_log)[m_i]; }
        reference operator[](difference_type n) const { return (*m_log)[size_t(difference_type(m_i) + n)]; }
        const_iterator &operator++()
        {
            ++m_i;
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator r = *this;
            ++m_i;
            return r;
        }
        const_iterator &operator--()
        {
            --m_i;
            return *this;
        }
        const_iterator operator--(int)
        {
            const_iterator r = *this;
            --m_i;
            return r;
        }
        const_iterator &operator+=(difference_type n)
        {
            m_i = size_t(difference_type(m_i) + n);
            return *this;
        }
        const_iterator &operator-=(difference_type n) { return *this += -n; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator &a, const const_iterator &b)
        {
            return difference_type(a.m_i) - difference_type(b.m_i);
        }
        friend bool operator==(const const_iterator &a, const const_iterator &b) { return a.m_i == b.m_i; }
        friend auto operator<=>(const const_iterator &a, const const_iterator &b) { return a.m_i <=> b.m_i; }

    private:
        const EventLog *m_log = nullptr;
        size_t m_i = 0;
    };

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const Event &operator[](size_t i) const { return m_chunks[i >> kChunkBits][i & (kChunk - 1)]; }
    const Event &at(size_t i) const
    {
        if (i >= m_size)
            throw std::out_of_range("EventLog::at");
        return (*this)[i];
    }
    const Event &front() const { return (*this)[0]; }
    const Event &back() const { return (*this)[m_size - 1]; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, m_size}; }

    void push_back(const Event &e)
    {
        const size_t slot = m_size & (kChunk - 1);
        if (slot == 0)
            m_chunks.emplace_back(new Event[kChunk]);
        m_chunks.back()[slot] = e;
        ++m_size;
    }

private:
    std::vector<std::unique_ptr<Event[]>> m_chunks;
    size_t m_size = 0;
};

class Trace
{
public:
    void add(const Event &e) { m_events.push_back(e); }
    const EventLog &events() const { return m_events; }
    size_t size() const { return m_events.size(); }

    // The state of every task after all events at virtual time <= t (task ids 0..taskCount-1).
    std::vector<TaskStateAt> statesAt(double t, size_t taskCount) const;
    // The same, after the first n events.
    std::vector<TaskStateAt> statesAfter(size_t n, size_t taskCount) const;

private:
    EventLog m_events;
};

} // namespace ascope
