// The event trace: an append-only log of every transition the engine makes. Every view, chart,
// report and the outcome file are projections of it.
#pragma once

#include "chunked.h"

#include <QString>

#include <array>
#include <bit>
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

namespace detail {
// Bits set in x. Spelled out: the baseline x86-64 target has no popcnt instruction, and
// std::popcount would then call libgcc for every event looked up.
constexpr int popcount64(quint64 x)
{
#if defined(__POPCNT__)
    return std::popcount(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return int((x * 0x0101010101010101ULL) >> 56);
#endif
}
} // namespace detail

// The events, packed: about 8 bytes an event on the benchmark graphs, where sizeof(Event) is 40
// (tst_eventlog checks <= 9 on such traces). Each event keeps its subject and kind in fixed chunks
// of 16,384 (appending never moves what is recorded, no doubling of the memory); the rest is
// shared with its neighbours or kept only where it is not the usual:
//  - t and iteration: most events happen at the same instant and loop iteration as the one
//    before, or one iteration later. Only an "anchor" (t differs, bit for bit, or the iteration
//    moves other than by +1) stores {t, iteration - iteration steps so far}; a +1 step is one bit.
//  - value: non-zero for few kinds (timer deadlines, blocking seconds, origins' counts) and often
//    the same as the value before (a sleep's seconds, then its deadline at t = 0). An event whose
//    value is not +0.0 (bit for bit: -0.0 is kept) has a bit; a side table stores the values
//    that differ from the last one stored (a second bit).
//  - other and flags: most events have none (-1, 0); one that has has a bit, and a side table
//    stores it.
// The per-event bits live in bitmaps of 64 events with ranks, so event i is rebuilt in O(1) (a
// few popcounts) and views still index the log like a vector, by value; an iterator carries a
// cursor, so a scan front to back reads a few bits an event.
class EventLog
{
public:
    static constexpr size_t kChunkBits = 14; // 16,384 events (96 KB) a chunk
    static constexpr size_t kChunk = size_t(1) << kChunkBits;

    // operator-> of an iterator whose events are values
    class ArrowProxy
    {
    public:
        explicit ArrowProxy(const Event &e)
            : m_e(e)
        {
        }
        const Event *operator->() const { return &m_e; }

    private:
        Event m_e;
    };

private:
    struct Chunk;
    struct Block;
    // Where a scan is: what event i shares with its neighbours, so that stepping to i + 1 reads
    // three bits instead of ranking three bitmaps.
    struct Cursor {
        const Chunk *chunk = nullptr; // null: not at an event (the end, or beyond)
        const Block *block = nullptr;
        size_t anchor = 0; // index of event i's anchor
        double t = 0;      // its t and iterationBase
        quint64 iterationBase = 0;
        quint64 steps = 0; // step bits through event i
        size_t value = 0;  // values stored through event i (its value's index + 1, if it has one)
        size_t other = 0;  // others stored through event i (the same)
        size_t flag = 0;   // flags stored through event i
    };

public:
    class const_iterator
    {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Event;
        using difference_type = std::ptrdiff_t;
        using pointer = ArrowProxy;
        using reference = Event;

        const_iterator() = default;
        Q_ALWAYS_INLINE const_iterator(const EventLog *log, size_t i)
            : m_log(log)
            , m_i(i)
        {
            m_log->seek(m_cur, m_i);
        }
        Q_ALWAYS_INLINE reference operator*() const { return m_cur.chunk ? m_log->eventAt(m_cur, m_i) : (*m_log)[m_i]; }
        pointer operator->() const { return ArrowProxy(**this); }
        reference operator[](difference_type n) const { return (*m_log)[size_t(difference_type(m_i) + n)]; }
        Q_ALWAYS_INLINE const_iterator &operator++()
        {
            ++m_i;
            if (m_cur.chunk)
                m_log->next(m_cur, m_i);
            else
                m_log->seek(m_cur, m_i);
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator r = *this;
            ++*this;
            return r;
        }
        const_iterator &operator--() { return *this += -1; }
        const_iterator operator--(int)
        {
            const_iterator r = *this;
            --*this;
            return r;
        }
        const_iterator &operator+=(difference_type n)
        {
            m_i = size_t(difference_type(m_i) + n);
            m_log->seek(m_cur, m_i);
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
        Cursor m_cur;
    };

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    // always inlined: a loop reading some fields then computes only those
    Q_ALWAYS_INLINE Event operator[](size_t i) const
    {
        const Chunk &c = *m_chunks[i >> kChunkBits];
        const size_t j = i & (kChunk - 1);
        const Block &b = c.blocks[j >> kBlockBits];
        const quint64 upTo = ~quint64(0) >> (kBlockMask - (j & kBlockMask)); // bits 0..j of the block
        // the first event is an anchor: the rank of the latest one is >= 1
        const Anchor &a = m_anchors[c.anchorBase + b.anchorRank + size_t(detail::popcount64(b.anchors & upTo)) - 1];
        const quint64 steps = c.stepBase + b.stepRank + quint64(detail::popcount64(b.steps & upTo));
        const quint64 bit = upTo ^ (upTo >> 1);
        double value = 0;
        if (b.values & bit) // the latest value stored: it has one, so >= 1 stored
            value = m_values[c.valueBase + b.storedRank + size_t(detail::popcount64(b.stored & upTo)) - 1];
        qint32 other = -1;
        if (b.others & bit)
            other = m_others[c.otherBase + b.otherRank + size_t(detail::popcount64(b.others & upTo)) - 1];
        quint8 flags = 0;
        if (b.flagged & bit)
            flags = m_flags[c.flagBase + b.flagRank + size_t(detail::popcount64(b.flagged & upTo)) - 1];
        return {a.t, a.iterationBase + steps, value, c.subject[j], other, c.kind[j], flags};
    }
    Event at(size_t i) const
    {
        if (i >= m_size)
            throw std::out_of_range("EventLog::at");
        return (*this)[i];
    }
    Event front() const { return (*this)[0]; }
    Event back() const { return (*this)[m_size - 1]; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, m_size}; }

    Q_ALWAYS_INLINE void push_back(const Event &e)
    {
        const size_t j = m_size & (kChunk - 1);
        if (j == 0)
            addChunk();
        Chunk &c = *m_tail;
        Block &b = c.blocks[j >> kBlockBits];
        if ((j & kBlockMask) == 0) {
            b = Block{};
            b.anchorRank = quint16(m_anchors.size() - c.anchorBase);
            b.stepRank = quint16(m_steps - c.stepBase);
            b.storedRank = quint16(m_values.size() - c.valueBase);
            b.otherRank = quint16(m_others.size() - c.otherBase);
            b.flagRank = quint16(m_flags.size() - c.flagBase);
        }
        const quint64 bit = quint64(1) << (j & kBlockMask);
        const auto t = std::bit_cast<quint64>(e.t);
        if (t != m_lastT || e.iteration - m_lastIteration > 1 || m_size == 0) {
            b.anchors |= bit;
            m_anchors.push_back({e.t, e.iteration - m_steps});
        } else if (e.iteration != m_lastIteration) {
            b.steps |= bit;
            ++m_steps;
        }
        if (const auto value = std::bit_cast<quint64>(e.value); value != 0) {
            b.values |= bit;
            if (value != m_lastValue) { // also the first value: m_lastValue is 0 until then
                b.stored |= bit;
                m_values.push_back(e.value);
                m_lastValue = value;
            }
        }
        if (e.other != -1) {
            b.others |= bit;
            m_others.push_back(e.other);
        }
        if (e.flags != 0) {
            b.flagged |= bit;
            m_flags.push_back(e.flags);
        }
        c.subject[j] = e.subject;
        c.kind[j] = e.kind;
        m_lastT = t;
        m_lastIteration = e.iteration;
        ++m_size;
    }

    // Bytes allocated for the events (chunks and side tables), for measuring.
    size_t memoryBytes() const;

private:
    static constexpr size_t kBlockBits = 6; // bitmaps of 64 events
    static constexpr size_t kBlockMask = (size_t(1) << kBlockBits) - 1;

    struct Block {
        quint64 anchors; // bit k: event k of the block starts an anchor
        quint64 steps;   // bit k: event k is one loop iteration after event k-1, same t
        quint64 values;  // bit k: event k has a value (not +0.0), the latest in m_values
        quint64 stored;  // bit k: event k's value is a new entry of m_values
        quint64 others;  // bit k: event k's other is not -1, the next entry of m_others
        quint64 flagged; // bit k: event k's flags are not 0, the next entry of m_flags
        // the bits of the chunk's blocks before this one
        quint16 anchorRank;
        quint16 stepRank;
        quint16 storedRank;
        quint16 otherRank;
        quint16 flagRank;
    };
    struct Anchor {
        double t;
        quint64 iterationBase; // iteration - the steps before: iteration of a later event = this + its steps
    };
    struct Chunk {
        std::array<qint32, kChunk> subject;
        std::array<EventKind, kChunk> kind;
        std::array<Block, (kChunk >> kBlockBits)> blocks;
        // the side tables' sizes and the steps before the chunk's first event
        size_t anchorBase;
        size_t valueBase;
        size_t otherBase;
        size_t flagBase;
        quint64 stepBase;
    };
    void addChunk();

    // The cursor at event i, by rank (O(1)); i >= size(): at no event.
    Q_ALWAYS_INLINE void seek(Cursor &c, size_t i) const
    {
        if (i >= m_size) {
            c.chunk = nullptr;
            return;
        }
        c.chunk = m_chunks[i >> kChunkBits].get();
        const size_t j = i & (kChunk - 1);
        c.block = &c.chunk->blocks[j >> kBlockBits];
        const quint64 upTo = ~quint64(0) >> (kBlockMask - (j & kBlockMask));
        c.anchor = c.chunk->anchorBase + c.block->anchorRank + size_t(detail::popcount64(c.block->anchors & upTo)) - 1;
        const Anchor &a = m_anchors[c.anchor];
        c.t = a.t;
        c.iterationBase = a.iterationBase;
        c.steps = c.chunk->stepBase + c.block->stepRank + quint64(detail::popcount64(c.block->steps & upTo));
        c.value = c.chunk->valueBase + c.block->storedRank + size_t(detail::popcount64(c.block->stored & upTo));
        c.other = c.chunk->otherBase + c.block->otherRank + size_t(detail::popcount64(c.block->others & upTo));
        c.flag = c.chunk->flagBase + c.block->flagRank + size_t(detail::popcount64(c.block->flagged & upTo));
    }
    // The cursor at event i - 1 moved to event i.
    Q_ALWAYS_INLINE void next(Cursor &c, size_t i) const
    {
        const size_t k = i & kBlockMask;
        if (k == 0 || i >= m_size) {
            seek(c, i);
            return;
        }
        const Block &b = *c.block;
        c.value += (b.stored >> k) & 1;
        c.other += (b.others >> k) & 1;
        c.flag += (b.flagged >> k) & 1;
        c.steps += (b.steps >> k) & 1;
        if ((b.anchors >> k) & 1) {
            const Anchor &a = m_anchors[++c.anchor];
            c.t = a.t;
            c.iterationBase = a.iterationBase;
        }
    }
    Q_ALWAYS_INLINE Event eventAt(const Cursor &c, size_t i) const
    {
        const size_t j = i & (kChunk - 1);
        const size_t k = j & kBlockMask;
        const double value = (c.block->values >> k) & 1 ? m_values[c.value - 1] : 0;
        const qint32 other = (c.block->others >> k) & 1 ? m_others[c.other - 1] : -1;
        const quint8 flags = (c.block->flagged >> k) & 1 ? m_flags[c.flag - 1] : 0;
        return {c.t, c.iterationBase + c.steps, value, c.chunk->subject[j], other, c.chunk->kind[j], flags};
    }

    std::vector<std::unique_ptr<Chunk>> m_chunks;
    std::unique_ptr<Chunk> m_spare;     // the next chunk, made ahead (addChunk)
    Chunk *m_tail = nullptr;            // m_chunks.back()
    ChunkedArray<Anchor, 12> m_anchors; // 64 KB chunks
    ChunkedArray<double, 13> m_values;  // 64 KB chunks
    ChunkedArray<qint32, 14> m_others;  // 64 KB chunks
    ChunkedArray<quint8, 14> m_flags;   // 16 KB chunks
    size_t m_size = 0;
    quint64 m_steps = 0;         // step bits so far
    quint64 m_lastT = 0;         // the last event's t, bits
    quint64 m_lastIteration = 0; // the last event's iteration
    quint64 m_lastValue = 0;     // the last value stored, bits
};

class Trace
{
public:
    Q_ALWAYS_INLINE void add(const Event &e) { m_events.push_back(e); }
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
