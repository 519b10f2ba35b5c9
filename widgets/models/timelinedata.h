// What the timeline draws, as a projection of an Engine's trace: per task a row (name, node,
// the task that created it, its TaskGroup), its state segments (what it awaited while waiting,
// whether a cancel was pending), spawn and wake arrows, injection markers, orphans and the time
// extent. refresh() reads only the events added since the last call, so following a run costs
// what the run adds. Compact: a row is a few words plus its segments (100,000+ tasks).
// Qt6::Core only; the view (timelineview.h) paints it.
#pragma once

#include "engine.h"
#include "trace.h"

#include <QHash>
#include <QPointer>
#include <QString>

#include <limits>
#include <span>
#include <vector>

namespace ascope {

class TimelineData
{
public:
    // A state of a task from t0 to the next segment's t0 (or the row's end).
    struct Segment {
        double t0 = 0;
        qint32 awaiting = -1; // future id while Waiting
        TaskPhase phase = TaskPhase::Scheduled;
        bool cancelling = false; // cancel() was called and the task has not ended
        bool operator==(const Segment &o) const = default;
    };
    // The task whose completion woke `to` (through the futures in between: gather, wait, ...).
    struct Wake {
        double t = 0;
        qint32 from = -1;
        qint32 to = -1;
    };
    // A live injection (engine.h Injection::Kind): on a task (task >= 0) or a future / the loop.
    struct Marker {
        double t = 0;
        quint8 kind = 0;
        qint32 task = -1;
        qint32 future = -1;
    };
    // A TaskGroup: the task that entered it and when its first child was created.
    struct Group {
        qint32 owner = -1;
        double created = 0;
    };
    // A line of the tree (timelineview's rows): a task (node >= 0) or a TaskGroup (node = -1 - group).
    struct Line {
        qint32 node = 0;
        qint32 depth = 0;
    };
    static constexpr double kNoEnd = std::numeric_limits<double>::infinity();

    // Follows `engine` (nullptr: empty); reads everything it has traced so far. Not owned.
    void setEngine(const Engine *engine);
    const Engine *engine() const { return m_engine.data(); }
    // Reads the trace events added since the last refresh (call it on Engine::progressed/finished).
    // Returns whether anything changed.
    bool refresh();

    int taskCount() const { return int(m_rows.size()); }
    QString name(int task) const { return m_rows[size_t(task)].name; }
    QString node(int task) const;
    int parent(int task) const { return m_rows[size_t(task)].parent; }
    int group(int task) const { return m_rows[size_t(task)].group; } // TaskGroup number, -1: none
    double created(int task) const { return m_rows[size_t(task)].segments.front().t0; }
    double ended(int task) const { return m_rows[size_t(task)].ended; } // kNoEnd while pending
    int taskByName(const QString &name) const;                          // -1 when unknown
    std::span<const Segment> segments(int task) const { return m_rows[size_t(task)].segments; }
    // Where segment i of `task` ends: the next one's start, or the end of the data for the last.
    double segmentEnd(int task, size_t i) const;
    // The state after every event at time <= t (Trace::statesAt's phase for this task).
    TaskPhase phaseAt(int task, double t) const;
    // The segment at time t (nullptr before the task exists).
    const Segment *segmentAt(int task, double t) const;

    // What a task waiting on `futureId` awaits: "fetch#2", "sleep 0.5", "gather(3)",
    // "future gate", "wait(2)", "wait_for 1 s", "shield(fetch)", "as_completed(3)", "TaskGroup(2)".
    QString awaitLabel(qint32 futureId) const;

    const std::vector<Wake> &wakes() const { return m_wakes; } // in time order
    const std::vector<Marker> &markers() const { return m_markers; }
    const std::vector<Group> &groups() const { return m_groups; }
    QString groupLabel(int group) const;

    // Orphans (diagnostics.h Finding::Orphan): pending when the task waiting for them stopped.
    bool isOrphan(int task) const { return m_rows[size_t(task)].orphanSince != kNoEnd; }
    double orphanSince(int task) const { return m_rows[size_t(task)].orphanSince; }

    // The time the data covers: 0 to the last event (or the engine's clock, if later).
    double startTime() const { return 0; }
    double endTime() const { return m_end; }
    size_t eventsRead() const { return m_read; }

    // The tree in creation order (a task under the task that created it, a TaskGroup's children
    // under the group, the group under its owner), skipping what is under a collapsed line.
    // collapsedTasks/Groups are indexed by task / group number (shorter vectors: not collapsed).
    std::vector<Line> lines(const std::vector<char> &collapsedTasks, const std::vector<char> &collapsedGroups) const;
    bool hasChildren(qint32 node) const;

private:
    struct Row {
        QString name;
        qint32 node = -1;
        qint32 parent = -1;
        qint32 group = -1;
        qint32 firstChild = kNone; // tree links, as Line::node values
        qint32 lastChild = kNone;
        qint32 nextSibling = kNone;
        bool cancelling = false;
        double ended = kNoEnd;
        double orphanSince = kNoEnd;
        std::vector<Segment> segments;
    };
    struct GroupLinks {
        qint32 firstChild = kNone;
        qint32 lastChild = kNone;
        qint32 nextSibling = kNone;
    };
    // What made a future (trace.h FutureOrigin, or one of the kinds below) and what completed it.
    struct FutureInfo {
        float value = 0;
        qint32 related = -1; // the task's index for a task; the awaitable it is about otherwise
        qint32 cause = -1;   // future id of what completed it
        quint8 origin = kUnknown;
    };
    static constexpr qint32 kNone = std::numeric_limits<qint32>::min();
    static constexpr quint8 kUnknown = 0xff;
    static constexpr quint8 kTaskFuture = 0xfe;
    static constexpr quint8 kGatherFuture = 0xfd;
    static constexpr quint8 kNamedFuture = 0xfc;

    void clear();
    void read(const Event &e);
    void push(Row &row, double t, TaskPhase phase, qint32 awaiting);
    void addTask(const Event &e);
    void appendChild(qint32 parentNode, qint32 child);
    FutureInfo &info(qint32 futureId);
    void learnFuture(qint32 futureId);
    qint32 taskOfCause(qint32 futureId) const;
    void readOrphans();

    QPointer<const Engine> m_engine;
    std::vector<Row> m_rows;
    std::vector<Group> m_groups;
    std::vector<GroupLinks> m_groupLinks;
    qint32 m_firstRoot = kNone;
    qint32 m_lastRoot = kNone;
    std::vector<FutureInfo> m_futures;
    QHash<qint32, QString> m_futureNames; // named futures (few)
    std::vector<Wake> m_wakes;
    std::vector<Marker> m_markers;
    mutable QHash<QString, qint32> m_byName; // built on first use
    size_t m_read = 0;
    double m_end = 0;
    bool m_orphansRead = false;
};

} // namespace ascope
