#include "timelinedata.h"

#include "diagnostics.h"
#include "engine.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

bool terminal(TaskPhase p)
{
    return p == TaskPhase::Done || p == TaskPhase::Failed || p == TaskPhase::Cancelled || p == TaskPhase::Destroyed;
}

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

void TimelineData::clear()
{
    m_rows.clear();
    m_groups.clear();
    m_groupLinks.clear();
    m_firstRoot = m_lastRoot = kNone;
    m_futures.clear();
    m_futureNames.clear();
    m_wakes.clear();
    m_markers.clear();
    m_byName.clear();
    m_read = 0;
    m_end = 0;
    m_orphansRead = false;
}

void TimelineData::setEngine(const Engine *engine)
{
    clear();
    m_engine = engine;
    refresh();
}

bool TimelineData::refresh()
{
    if (!m_engine)
        return false;
    const Loop &loop = m_engine->runtime().loop();
    const EventLog &events = loop.trace().events();
    const size_t before = m_read;
    for (auto it = events.begin() + std::ptrdiff_t(m_read); m_read < events.size(); ++it, ++m_read)
        read(*it);
    const double end = std::max(m_end, loop.time());
    bool changed = m_read != before || end != m_end;
    m_end = end;
    if (m_engine->isFinished() && !m_orphansRead) {
        m_orphansRead = true;
        readOrphans();
        changed = true;
    }
    return changed;
}

void TimelineData::readOrphans()
{
    for (const Finding &f : diagnose(*m_engine)) {
        if (f.kind != Finding::Kind::Orphan)
            continue;
        const int task = taskByName(f.task);
        if (task >= 0)
            m_rows[size_t(task)].orphanSince = std::min(m_rows[size_t(task)].orphanSince, f.time);
    }
}

TimelineData::FutureInfo &TimelineData::info(qint32 futureId)
{
    if (size_t(futureId) >= m_futures.size())
        m_futures.resize(size_t(futureId) + 1);
    return m_futures[size_t(futureId)];
}

// Futures the trace does not describe (gather's outer, named ones) are read from the runtime the
// first time a task waits on them; the label then needs no engine.
void TimelineData::learnFuture(qint32 futureId)
{
    const Runtime &rt = m_engine->runtime();
    if (futureId < 0 || size_t(futureId) >= rt.futures.size())
        return;
    FutureInfo &fi = info(futureId);
    const Future *f = rt.futures[size_t(futureId)];
    if (f->named && !m_futureNames.contains(futureId)) {
        m_futureNames.insert(futureId, f->name());
        if (fi.origin == kUnknown || fi.origin == quint8(FutureOrigin::Plain))
            fi.origin = kNamedFuture;
    }
    if (fi.origin != kUnknown)
        return;
    if (const auto *g = dynamic_cast<const GatherFuture *>(f)) {
        fi.origin = kGatherFuture;
        fi.value = float(g->children.size());
    }
}

void TimelineData::push(Row &row, double t, TaskPhase phase, qint32 awaiting)
{
    const Segment s{t, awaiting, phase, row.cancelling && !terminal(phase)};
    std::vector<Segment> &segs = row.segments;
    if (!segs.empty() && segs.back().t0 == t) {
        // the same instant: only the state after the last event at t shows (as Trace::statesAt)
        segs.back() = s;
        if (segs.size() >= 2 && segs[segs.size() - 2].phase == phase && segs[segs.size() - 2].awaiting == awaiting
            && segs[segs.size() - 2].cancelling == s.cancelling)
            segs.pop_back();
        return;
    }
    if (!segs.empty() && segs.back().phase == phase && segs.back().awaiting == awaiting
        && segs.back().cancelling == s.cancelling)
        return;
    segs.push_back(s);
}

void TimelineData::appendChild(qint32 parentNode, qint32 child)
{
    qint32 *first;
    qint32 *last;
    if (parentNode == kNone) {
        first = &m_firstRoot;
        last = &m_lastRoot;
    } else if (parentNode >= 0) {
        first = &m_rows[size_t(parentNode)].firstChild;
        last = &m_rows[size_t(parentNode)].lastChild;
    } else {
        first = &m_groupLinks[size_t(-1 - parentNode)].firstChild;
        last = &m_groupLinks[size_t(-1 - parentNode)].lastChild;
    }
    if (*last == kNone)
        *first = child;
    else if (*last >= 0)
        m_rows[size_t(*last)].nextSibling = child;
    else
        m_groupLinks[size_t(-1 - *last)].nextSibling = child;
    *last = child;
}

void TimelineData::addTask(const Event &e)
{
    const Runtime &rt = m_engine->runtime();
    const qint32 index = e.subject;
    if (index != qint32(m_rows.size()) || size_t(index) >= rt.tasks.size())
        return; // tasks are traced in creation order
    const Task *task = rt.tasks[size_t(index)];
    Row row;
    row.name = task->name();
    row.node = task->node;
    row.parent = e.other >= 0 && e.other < index ? e.other : -1;
    row.group = (e.flags & 1) ? int(e.value) : -1;
    row.segments.push_back({e.t, -1, TaskPhase::Scheduled, false});
    m_rows.push_back(std::move(row));
    FutureInfo &fi = info(task->id);
    fi.origin = kTaskFuture;
    fi.related = index;
    if (!m_byName.isEmpty())
        m_byName.insert(task->name(), index);

    qint32 treeParent = m_rows.back().parent >= 0 ? m_rows.back().parent : kNone;
    if (const int g = m_rows.back().group; g >= 0) {
        if (size_t(g) >= m_groups.size()) {
            m_groups.resize(size_t(g) + 1);
            m_groupLinks.resize(size_t(g) + 1);
            m_groups[size_t(g)] = {m_rows.back().parent, e.t};
            appendChild(treeParent, -1 - g);
        }
        treeParent = -1 - g;
    }
    appendChild(treeParent, index);
}

qint32 TimelineData::taskOfCause(qint32 futureId) const
{
    for (int hops = 0; hops < 32 && futureId >= 0 && size_t(futureId) < m_futures.size(); ++hops) {
        const FutureInfo &fi = m_futures[size_t(futureId)];
        if (fi.origin == kTaskFuture)
            return fi.related;
        futureId = fi.cause;
    }
    return -1;
}

void TimelineData::read(const Event &e)
{
    m_end = std::max(m_end, e.t);
    const bool onTask = e.subject >= 0 && size_t(e.subject) < m_rows.size();
    switch (e.kind) {
    case EventKind::TaskCreated:
        addTask(e);
        break;
    case EventKind::StepBegan:
        if (onTask)
            push(m_rows[size_t(e.subject)], e.t, TaskPhase::Running, -1);
        break;
    case EventKind::Suspended:
        if (onTask) {
            if (e.other >= 0)
                learnFuture(e.other);
            push(m_rows[size_t(e.subject)], e.t, e.other < 0 ? TaskPhase::Scheduled : TaskPhase::Waiting, e.other);
        }
        break;
    case EventKind::Woken:
        if (onTask) {
            const qint32 from = taskOfCause(e.other);
            if (from >= 0 && from != e.subject)
                m_wakes.push_back({e.t, from, e.subject});
        }
        break;
    case EventKind::CancelRequested:
        if (onTask && !(e.flags & 1)) {
            Row &row = m_rows[size_t(e.subject)];
            if (row.ended == kNoEnd) {
                row.cancelling = true;
                const Segment last = row.segments.back();
                push(row, e.t, last.phase, last.awaiting);
            }
        }
        break;
    case EventKind::TaskDone:
    case EventKind::TaskFailed:
    case EventKind::TaskCancelled:
    case EventKind::Collected:
        if (onTask && !(e.kind == EventKind::Collected && (e.flags & 1))) {
            Row &row = m_rows[size_t(e.subject)];
            row.cancelling = false;
            row.ended = e.t;
            const TaskPhase p = e.kind == EventKind::TaskDone ? TaskPhase::Done
                : e.kind == EventKind::TaskFailed             ? TaskPhase::Failed
                : e.kind == EventKind::TaskCancelled          ? TaskPhase::Cancelled
                                                              : TaskPhase::Destroyed;
            push(row, e.t, p, -1);
        }
        break;
    case EventKind::FutureCreated: {
        FutureInfo &fi = info(e.subject);
        fi.origin = e.flags;
        fi.value = float(e.value);
        fi.related = e.other;
        break;
    }
    case EventKind::FutureDone:
        if (e.subject >= 0)
            info(e.subject).cause = e.other;
        break;
    case EventKind::Injected:
        if (e.flags & 1)
            m_markers.push_back({e.t, quint8(e.other), -1, e.subject});
        else
            m_markers.push_back({e.t, quint8(e.other), e.subject, -1});
        break;
    default:
        break;
    }
}

QString TimelineData::node(int task) const
{
    const qint32 n = m_rows[size_t(task)].node;
    if (!m_engine || n < 0)
        return {};
    return m_engine->runtime().graph().nodes[size_t(n)].id;
}

int TimelineData::taskByName(const QString &name) const
{
    if (m_byName.isEmpty()) {
        m_byName.reserve(qsizetype(m_rows.size()));
        for (size_t i = 0; i < m_rows.size(); ++i)
            m_byName.insert(m_rows[i].name, qint32(i));
    }
    return m_byName.value(name, -1);
}

double TimelineData::segmentEnd(int task, size_t i) const
{
    const Row &row = m_rows[size_t(task)];
    if (i + 1 < row.segments.size())
        return row.segments[i + 1].t0;
    return terminal(row.segments[i].phase) ? std::max(m_end, row.segments[i].t0) : m_end;
}

const TimelineData::Segment *TimelineData::segmentAt(int task, double t) const
{
    const std::vector<Segment> &segs = m_rows[size_t(task)].segments;
    auto it = std::upper_bound(segs.begin(), segs.end(), t, [](double v, const Segment &s) { return v < s.t0; });
    return it == segs.begin() ? nullptr : &*(it - 1);
}

TaskPhase TimelineData::phaseAt(int task, double t) const
{
    const Segment *s = segmentAt(task, t);
    return s ? s->phase : TaskPhase::NotCreated;
}

QString TimelineData::awaitLabel(qint32 futureId) const
{
    if (futureId < 0 || size_t(futureId) >= m_futures.size())
        return {};
    const FutureInfo &fi = m_futures[size_t(futureId)];
    auto about = [this, &fi] {
        const qint32 task = taskOfCause(fi.related);
        return task >= 0 ? m_rows[size_t(task)].name : u"future"_s;
    };
    switch (fi.origin) {
    case kTaskFuture:
        return m_rows[size_t(fi.related)].name;
    case kNamedFuture:
        return u"future "_s + m_futureNames.value(futureId);
    case kGatherFuture:
        return u"gather(%1)"_s.arg(int(fi.value));
    case quint8(FutureOrigin::Sleep):
        return u"sleep "_s + number(double(fi.value));
    case quint8(FutureOrigin::Gather):
        return u"gather()"_s;
    case quint8(FutureOrigin::Wait):
        return u"wait(%1)"_s.arg(int(fi.value));
    case quint8(FutureOrigin::WaitFor):
        return u"wait_for "_s + number(double(fi.value)) + u" s"_s;
    case quint8(FutureOrigin::CancelAndWait):
        return u"cancel "_s + about();
    case quint8(FutureOrigin::Shield):
        return u"shield("_s + about() + u')';
    case quint8(FutureOrigin::AsCompleted):
        return u"as_completed(%1)"_s.arg(int(fi.value));
    case quint8(FutureOrigin::TaskGroup):
        return u"TaskGroup(%1)"_s.arg(int(fi.value));
    default:
        return u"future"_s;
    }
}

QString TimelineData::groupLabel(int group) const
{
    const Group &g = m_groups[size_t(group)];
    return u"TaskGroup #%1"_s.arg(group + 1) + (g.owner >= 0 ? u" of "_s + m_rows[size_t(g.owner)].name : QString());
}

bool TimelineData::hasChildren(qint32 node) const
{
    if (node >= 0)
        return size_t(node) < m_rows.size() && m_rows[size_t(node)].firstChild != kNone;
    return size_t(-1 - node) < m_groupLinks.size() && m_groupLinks[size_t(-1 - node)].firstChild != kNone;
}

std::vector<TimelineData::Line> TimelineData::lines(const std::vector<char> &collapsedTasks,
                                                    const std::vector<char> &collapsedGroups) const
{
    std::vector<Line> out;
    out.reserve(m_rows.size() + m_groups.size());
    auto collapsed = [&](qint32 node) {
        if (node >= 0)
            return size_t(node) < collapsedTasks.size() && collapsedTasks[size_t(node)];
        return size_t(-1 - node) < collapsedGroups.size() && collapsedGroups[size_t(-1 - node)];
    };
    auto firstChild = [this](qint32 node) {
        return node >= 0 ? m_rows[size_t(node)].firstChild : m_groupLinks[size_t(-1 - node)].firstChild;
    };
    auto nextSibling = [this](qint32 node) {
        return node >= 0 ? m_rows[size_t(node)].nextSibling : m_groupLinks[size_t(-1 - node)].nextSibling;
    };
    // depth-first, iterative: a 1,000,000-task chain must not overflow the stack
    std::vector<qint32> stack; // the next sibling to visit at each depth
    qint32 cur = m_firstRoot;
    while (cur != kNone || !stack.empty()) {
        if (cur == kNone) {
            cur = stack.back();
            stack.pop_back();
            continue;
        }
        out.push_back({cur, qint32(stack.size())});
        const qint32 child = collapsed(cur) ? kNone : firstChild(cur);
        if (child != kNone) {
            stack.push_back(nextSibling(cur));
            cur = child;
        } else {
            cur = nextSibling(cur);
        }
    }
    return out;
}

} // namespace ascope
