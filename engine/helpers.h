// Internal state objects of asyncio's combinators (the closures and frames CPython keeps):
// wait's _on_completion, shield's callbacks, as_completed's queue, TaskGroup, Timeout.
#pragma once

#include "future.h"
#include "graph.h"

#include <deque>

namespace ascope {

enum HelperTag : int {
    TagWaitCompletion = TagFirstHelperTag,
    TagShieldInner,
    TagShieldOuter,
    TagAsCompletedDone,
    TagAsCompletedTimeout,
    TagTaskGroupChildDone,
    TagTimeoutExpired,
};

// tasks._wait's _on_completion closure (counter, waiter, timeout_handle, return_when).
class WaitState final : public Listener
{
public:
    WaitState()
        : Listener(ObjKind::Helper)
    {
    }
    void fire(Handle &h) override;
    void trace(Tracer &t) const override
    {
        t.visit(waiter);
        t.visit(timeoutHandle);
    }
    Loop *loop = nullptr;
    Future *waiter = nullptr;
    Handle *timeoutHandle = nullptr;
    int counter = 0;
    ReturnWhen returnWhen = ReturnWhen::AllCompleted;
};

// tasks.shield's _inner_done_callback / _outer_done_callback closures.
class ShieldState final : public Listener
{
public:
    ShieldState()
        : Listener(ObjKind::Helper)
    {
    }
    void fire(Handle &h) override;
    void trace(Tracer &t) const override
    {
        t.visit(inner);
        t.visit(outer);
    }
    Future *inner = nullptr;
    Future *outer = nullptr;
};

// tasks.as_completed's closures and its Queue (done), todo set and timeout handle.
class AsCompletedState final : public Listener
{
public:
    AsCompletedState()
        : Listener(ObjKind::Helper)
    {
    }
    void fire(Handle &h) override;
    void trace(Tracer &t) const override
    {
        t.visitAll(todo);
        t.visitAll(queue);
        t.visitAll(getters);
        t.visit(timeoutHandle);
    }
    void put(Future *item); // Queue.put_nowait
    void wakeupNext();      // Queue._wakeup_next(getters)

    Loop *loop = nullptr;
    std::vector<Future *> todo;
    std::deque<Future *> queue; // nullptr stands for the None _on_timeout puts
    // For diagnostics only, not traced (CPython's closures keep just todo): every awaitable it
    // was given and every getter a task waited on, so that orphans can be found after a timeout.
    std::vector<Future *> given;
    std::vector<Future *> gettersMade;
    std::deque<Future *> getters;
    Handle *timeoutHandle = nullptr;
};

// asyncio.TaskGroup.
class TaskGroupState final : public Listener
{
public:
    TaskGroupState()
        : Listener(ObjKind::Helper)
    {
    }
    void fire(Handle &h) override; // _on_task_done
    void trace(Tracer &t) const override
    {
        for (size_t i = 0; i < tasks.size(); ++i) {
            if (!removed[i])
                t.visit(tasks[i]);
        }
        t.visitAll(errors);
        t.visit(parentTask);
        t.visit(onCompletedFut);
    }
    void abort();

    // tg._tasks: the pending children, in creation order (asyncgraph/1 pins it). A child that
    // completes leaves a hole (removed) until the holes outnumber the rest: O(log n) a removal.
    void add(Task *t);
    void remove(Task *t);
    bool empty() const { return live == 0; }
    size_t size() const { return live; }
    std::vector<Task *> pending() const;

    Runtime *rt = nullptr;
    std::vector<Task *> tasks; // in creation order (ascending Task::index), holes included
    std::vector<char> removed;
    std::vector<int> indices; // tasks[i]->index, read instead of a hole's task (it may be freed)
    size_t live = 0;
    std::vector<ExcObj *> errors;
    Task *parentTask = nullptr;
    Future *onCompletedFut = nullptr;
    bool exiting = false;
    bool aborting = false;
    bool parentCancelRequested = false;
};

// asyncio.Timeout (timeouts.py).
class TimeoutState final : public Listener
{
public:
    enum class State : quint8 { Created, Entered, Expiring, Expired, Exited };
    TimeoutState()
        : Listener(ObjKind::Helper)
    {
    }
    void fire(Handle &h) override; // _on_timeout
    void trace(Tracer &t) const override
    {
        t.visit(task);
        t.visit(handler);
    }
    void reschedule(std::optional<double> when);

    Loop *loop = nullptr;
    Task *task = nullptr;
    Handle *handler = nullptr;
    State state = State::Created;
    int cancelling = 0;
};

} // namespace ascope
