// The event trace: an append-only log of every transition the engine makes. Every view, chart,
// report and the outcome file are projections of it.
#pragma once

#include <QString>

#include <cstdint>
#include <vector>

namespace ascope {

enum class EventKind : quint8 {
    TaskCreated,     // subject = task id, other = parent task id (or -1)
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
    FutureCreated,   // subject = future id
    FutureDone,      // subject = future id, flags: 0 done, 1 failed, 2 cancelled
    Collected,       // subject = task or future id (flags: 1 = future) destroyed by a collection
    Blocked,         // subject = task, value = seconds of blocking work
    Collection,      // a collection ran (subject = number destroyed)
    Phase,           // subject: 0 run, 1 snapshot, 2 shutdown, 3 end
    Injected,        // subject = target id, other = injection kind
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

class Trace
{
public:
    void add(const Event &e) { m_events.push_back(e); }
    const std::vector<Event> &events() const { return m_events; }
    size_t size() const { return m_events.size(); }

private:
    std::vector<Event> m_events;
};

} // namespace ascope
