#include "trace.h"

#include "prefault.h"

#include <algorithm>

namespace ascope {

const char *taskPhaseName(TaskPhase p)
{
    switch (p) {
    case TaskPhase::NotCreated:
        return "not created";
    case TaskPhase::Scheduled:
        return "scheduled";
    case TaskPhase::Running:
        return "running";
    case TaskPhase::Waiting:
        return "waiting";
    case TaskPhase::Done:
        return "done";
    case TaskPhase::Failed:
        return "failed";
    case TaskPhase::Cancelled:
        return "cancelled";
    case TaskPhase::Destroyed:
        return "destroyed";
    }
    return "?";
}

void EventLog::addChunk()
{
    // From the second chunk on, the next one is made ahead and its pages populated on another
    // thread (prefault.h) while this one fills.
    std::unique_ptr<Chunk> c = m_spare ? std::move(m_spare) : std::make_unique_for_overwrite<Chunk>();
    if (!m_chunks.empty()) {
        m_spare = std::make_unique_for_overwrite<Chunk>();
        prefault(m_spare.get(), sizeof(Chunk));
    }
    c->anchorBase = m_anchors.size();
    c->valueBase = m_values.size();
    c->otherBase = m_others.size();
    c->flagBase = m_flags.size();
    c->stepBase = m_steps;
    m_tail = c.get();
    m_chunks.push_back(std::move(c));
}

size_t EventLog::memoryBytes() const
{
    return m_chunks.size() * sizeof(Chunk) + m_chunks.capacity() * sizeof(m_chunks[0]) + m_anchors.memoryBytes()
        + m_values.memoryBytes() + m_others.memoryBytes() + m_flags.memoryBytes();
}

std::vector<TaskStateAt> Trace::statesAt(double t, size_t taskCount) const
{
    // events are appended in time order: the prefix up to t is a binary search away
    auto end = std::upper_bound(m_events.begin(), m_events.end(), t, [](double v, const Event &e) { return v < e.t; });
    return statesAfter(size_t(end - m_events.begin()), taskCount);
}

std::vector<TaskStateAt> Trace::statesAfter(size_t n, size_t taskCount) const
{
    std::vector<TaskStateAt> s(taskCount);
    n = std::min(n, m_events.size());
    for (size_t i = 0; i < n; ++i) {
        const Event &e = m_events[i];
        if (e.subject < 0 || size_t(e.subject) >= taskCount)
            continue;
        if ((e.kind == EventKind::CancelRequested || e.kind == EventKind::Collected) && (e.flags & 1))
            continue; // a future's event: its subject is a future id, not a task
        TaskStateAt &st = s[size_t(e.subject)];
        switch (e.kind) {
        case EventKind::TaskCreated:
            st.phase = TaskPhase::Scheduled;
            break;
        case EventKind::StepBegan:
            st.phase = TaskPhase::Running;
            st.awaiting = -1;
            break;
        case EventKind::Suspended:
            st.phase = e.other < 0 ? TaskPhase::Scheduled : TaskPhase::Waiting;
            st.awaiting = e.other;
            break;
        case EventKind::CancelRequested:
            ++st.cancelRequests;
            break;
        case EventKind::TaskDone:
            st.phase = TaskPhase::Done;
            break;
        case EventKind::TaskFailed:
            st.phase = TaskPhase::Failed;
            break;
        case EventKind::TaskCancelled:
            st.phase = TaskPhase::Cancelled;
            break;
        case EventKind::Collected:
            st.phase = TaskPhase::Destroyed;
            break;
        default:
            break;
        }
    }
    return s;
}

} // namespace ascope
