// One run of a graph: the loop, the graph's variables, every task and future made, naming,
// exceptions, collections and the diagnostics the outcome reports.
#pragma once

#include "chunked.h"
#include "future.h"
#include "graph.h"

#include <QHash>
#include <QJsonValue>

#include <memory>
#include <span>
#include <unordered_map>

namespace ascope {

// The k-th object named `base`: "base", "base#2", ...
QString numberedName(const QString &base, int k);

// The outcome's JSON form of a value (spec section 4).
QJsonValue valueToJson(const Value &v);

enum class Phase : quint8 { Run, Shutdown, Teardown };

// A budget of the run (Graph::taskLimit, stepLimit, iterationLimit) that has been spent.
enum class Budget : quint8 { None, Tasks, Steps, Iterations };
// "task_limit", "step_limit", "iteration_limit" (empty for None).
QString budgetStatus(Budget b);

// What the outcome and the snapshot read of a task, alive or freed by reclaim()
// (Runtime::taskRecord).
struct TaskRecord {
    double created = 0;
    double finished = 0;
    QJsonValue json; // done: its resultJson; failed: its exceptionJson (an object)
    qint32 node = 0;
    qint32 nameNumber = 1;
    Future::State state = Future::State::Pending;
    bool failed = false;
    bool logTraceback = false; // failed, and its exception never retrieved
};

struct CollectionRecord {
    double t = 0;
    std::vector<Task *> destroyed;
};

class Runtime
{
public:
    explicit Runtime(std::shared_ptr<const Graph> graph);
    ~Runtime();
    Runtime(const Runtime &) = delete;
    Runtime &operator=(const Runtime &) = delete;

    const Graph &graph() const { return *m_graph; }
    Loop &loop() { return m_loop; }
    const Loop &loop() const { return m_loop; }

    // Objects
    // A coroutine object's frame: n_node(**args), args as (param slot, value).
    Frame *newNodeFrame(int node, std::span<const std::pair<int, Value>> args);
    Task *createTask(int node, Frame *frame, int taskGroup = -1); // loop.create_task(coro) / tg.create_task
    Future *createFuture(const QString &namedAs = {}, FutureOrigin origin = FutureOrigin::Plain, double value = 0,
                         const Future *about = nullptr); // loop.create_future() (+ RT.future)
    void nameFuture(Future *f, const QString &base);     // RT.future_named
    ExcObj *newExc(const QString &type, const OptMsg &msg = std::nullopt);
    [[noreturn]] void raise(const QString &type, const OptMsg &msg = std::nullopt);
    Frame *newFrame() { return m_loop.make<Frame>(); }
    // A frame of asyncio's own code an exception passes through (result(), __wakeup, __aexit__):
    // it keeps its locals (the future, the task, the context manager) alive with the traceback.
    Frame *libFrame(Object *a, Object *b = nullptr)
    {
        Frame *f = newFrame();
        f->refs[0] = a;
        f->refs[1] = b;
        return f;
    }

    // Variables
    std::vector<Value> globals;
    std::vector<bool> globalBound;

    // Bookkeeping read by the outcome and the views
    // (in chunks: growing never copies them, nor holds twice their memory)
    ChunkedArray<Task *, 12> tasks;     // creation order (null: freed by reclaim(); see taskRecord())
    ChunkedArray<Future *, 12> futures; // every future and task, by id (null: freed by reclaim())
    std::vector<std::pair<QString, Future *>> namedFutures; // RT.future / future_named, in order
    Task *mainTask = nullptr;
    Phase phase = Phase::Run;
    std::vector<Task *> destroyedPending; // in the run phase
    std::vector<CollectionRecord> collections;
    std::vector<Object *> extraRoots; // held by the runner (shutdown's gather, alive list)
    // The frame of run_until_complete() for the current phase (it holds the awaited future).
    // Frames that outlive their call keep their callers (f_back): every traceback through
    // Task.__step or __wakeup reaches it.
    Frame *runFrame = nullptr;
    bool mainIsRoot = true;
    int taskGroupCount = 0; // TaskGroups entered so far (numbers them in the trace)
    QString excluded;       // why the reference would not judge this run

    // Hooks from futures/tasks
    void onDone(Future *f);

    // Budgets: the first one spent halts the loop after the running handle; the interpreter
    // then parks every task that tries to go on (parkingFuture) and creates no more children.
    Budget exhausted() const { return m_exhausted; }
    void exhaust(Budget b);
    // One step executed (or one iteration of a repeat); true when the run is out of budget.
    bool countStep()
    {
        if (++m_stepsRun > m_graph->stepLimit)
            exhaust(Budget::Steps);
        return m_exhausted != Budget::None;
    }
    qint64 stepsRun() const { return m_stepsRun; }
    // A pending future nobody completes, held as a root: what a task stopped by a spent budget
    // waits on (it stays pending and reachable, as at a time limit).
    Future *parkingFuture();

    // gc.collect(): destroys pending tasks nothing reachable can resume.
    void collect(bool endOfEntry = false);
    bool isReachableForSnapshot(Future *f) const; // after the last collection

    // Frees what nothing can reach any more (frames, futures, exceptions, helpers and done
    // tasks), the way reference counting frees it in CPython the moment its last reference goes;
    // what it frees is what no later collection, step or outcome can tell apart from freed. The
    // slot of what it frees in `futures` and `tasks` becomes null; a freed task leaves its
    // TaskRecord. Only for a run nothing inspects afterwards but the outcome: the views read past
    // states from the objects. `cppRoots`: what the caller's C++ refers to. Call it between loop
    // iterations. Returns the number of objects freed.
    size_t reclaim(const std::vector<Object *> &cppRoots);
    // Task i (creation order) as the outcome reads it, alive or freed.
    TaskRecord taskRecord(size_t i) const;
    // Whether a collection has found task i (freed or not) among the garbage.
    bool taskDead(size_t i) const;
    QString taskName(size_t i) const;

    // Unwind every suspended coroutine (end of the run).
    void teardown();

    // Interpreter entry: the body of a task (a QCoro coroutine).
    QCoro::Task<> runBody(Task *t);

private:
    QString uniqueName(const QString &base);
    void markRoots(Tracer &tr, bool endOfEntry);
    void markGarbage();

    std::shared_ptr<const Graph> m_graph;
    Loop m_loop;
    std::unordered_map<QString, int> m_nameCounts; // node-based: a node's counter stays put
    std::vector<int *> m_nodeNameCount;            // by node: its entry of m_nameCounts
    uint32_t m_epoch = 0;
    std::vector<char> m_reachable;             // by future id, from the last collection
    std::vector<std::vector<char>> m_assigned; // per node: locals bound (to None) at entry
    Budget m_exhausted = Budget::None;
    qint64 m_stepsRun = 0;
    Future *m_parking = nullptr;
    // A freed task's TaskRecord, packed in 32 bytes: a scalar result inline, any other in
    // m_freedJson. Its node index and number take 24 bits (the loader's limits keep them below,
    // but for a number named futures pushed up: such a task is not freed).
    struct FreedTask {
        static bool fits(const Task &t) { return quint32(t.node) < (1u << 24) && quint32(t.nameNumber) < (1u << 24); }
        enum Json : quint8 { Null, False, True, Integer, Double, Other };
        double created;
        double finished;
        quint64 payload; // Integer: the value; Double: its bits; Other: index in m_freedJson
        quint32 node : 24;
        quint32 json : 3;
        quint32 state : 2;
        quint32 failed : 1;
        quint32 logTraceback : 1;
        quint32 dead : 1; // Object::dead when it was freed (Runtime::taskDead)
        quint32 nameNumber : 24;
    };
    static_assert(sizeof(FreedTask) == 32);
    void recordFreed(const Task &t);
    const FreedTask &freed(size_t task) const { return m_freed[size_t(m_freedOf[task])]; }
    ChunkedArray<FreedTask, 11> m_freed;
    ChunkedArray<QJsonValue, 8> m_freedJson;
    std::vector<qint32> m_freedOf; // by task index: its entry in m_freed, or -1
    // After each reclaim() that freed tasks: m_freed.size(), and collections.size() then.
    std::vector<std::pair<size_t, size_t>> m_reclaims;
};

} // namespace ascope
