#include "helpers.h"

#include "runtime.h"

#include <algorithm>

namespace ascope {

void WaitState::fire(Handle &h)
{
    // as tasks.py _wait._on_completion
    auto *f = static_cast<Future *>(h.arg);
    --counter;
    if (counter <= 0 || returnWhen == ReturnWhen::FirstCompleted
        || (returnWhen == ReturnWhen::FirstException && !f->cancelled() && f->exception() != nullptr)) {
        if (timeoutHandle)
            loop->cancelHandle(timeoutHandle);
        if (!waiter->done())
            waiter->setResult(Value::none());
    }
}

void ShieldState::fire(Handle &h)
{
    if (h.cb.tag == TagShieldInner) {
        // as tasks.py shield._inner_done_callback
        if (outer->cancelled()) {
            if (!inner->cancelled())
                inner->exception();
            return;
        }
        if (inner->cancelled()) {
            outer->cancel(std::nullopt);
        } else if (ExcObj *exc = inner->exception()) {
            outer->setException(exc);
        } else {
            outer->setResult(inner->result());
        }
    } else {
        // _outer_done_callback
        if (!inner->done())
            inner->removeDoneCallback({this, TagShieldInner});
    }
}

void AsCompletedState::wakeupNext()
{
    while (!getters.empty()) {
        Future *w = getters.front();
        getters.pop_front();
        if (!w->done()) {
            w->setResult(Value::none());
            break;
        }
    }
}

void AsCompletedState::put(Future *item)
{
    queue.push_back(item);
    wakeupNext();
}

void AsCompletedState::fire(Handle &h)
{
    if (h.cb.tag == TagAsCompletedDone) {
        // as tasks.py as_completed._on_completion
        auto *f = static_cast<Future *>(h.arg);
        if (todo.empty())
            return;
        std::erase(todo, f);
        put(f);
        if (todo.empty() && timeoutHandle)
            loop->cancelHandle(timeoutHandle);
    } else {
        // _on_timeout
        for (Future *f : todo) {
            f->removeDoneCallback({this, TagAsCompletedDone});
            put(nullptr);
        }
        todo.clear();
    }
}

void TaskGroupState::add(Task *t)
{
    tasks.push_back(t);
    removed.push_back(0);
    indices.push_back(t->index);
    ++live;
}

void TaskGroupState::remove(Task *t)
{
    // children are added in creation order: indices ascend
    const auto it = std::lower_bound(indices.begin(), indices.end(), t->index);
    const auto i = size_t(it - indices.begin());
    if (it == indices.end() || *it != t->index || removed[i])
        return;
    removed[i] = 1;
    --live;
    if (tasks.size() > 64 && tasks.size() - live > live) {
        size_t out = 0;
        for (size_t k = 0; k < tasks.size(); ++k) {
            if (!removed[k]) {
                tasks[out] = tasks[k];
                indices[out] = indices[k];
                ++out;
            }
        }
        tasks.resize(out);
        indices.resize(out);
        removed.assign(out, 0);
    }
}

std::vector<Task *> TaskGroupState::pending() const
{
    std::vector<Task *> out;
    out.reserve(live);
    for (size_t i = 0; i < tasks.size(); ++i) {
        if (!removed[i])
            out.push_back(tasks[i]);
    }
    return out;
}

void TaskGroupState::abort()
{
    aborting = true;
    for (Task *t : pending()) {
        if (!t->done())
            t->cancel(std::nullopt);
    }
}

void TaskGroupState::fire(Handle &h)
{
    // as taskgroups.py TaskGroup._on_task_done
    auto *task = static_cast<Task *>(h.arg);
    remove(task);
    if (onCompletedFut && empty()) {
        if (!onCompletedFut->done())
            onCompletedFut->setResult(Value::boolean(true));
    }
    if (task->cancelled())
        return;
    ExcObj *exc = task->exception();
    if (!exc)
        return;
    errors.push_back(exc);
    if (parentTask->done())
        return; // "has errored out but its parent task is already completed"
    if (!aborting && !parentCancelRequested) {
        abort();
        parentCancelRequested = true;
        parentTask->cancel(std::nullopt);
    }
}

void TimeoutState::reschedule(std::optional<double> when)
{
    if (handler)
        loop->cancelHandle(handler);
    if (!when)
        handler = nullptr;
    else if (*when <= loop->time())
        handler = loop->callSoon({this, TagTimeoutExpired});
    else
        handler = loop->callAt(*when, {this, TagTimeoutExpired});
}

void TimeoutState::fire(Handle &)
{
    // as timeouts.py Timeout._on_timeout
    task->cancel(std::nullopt);
    state = State::Expiring;
    handler = nullptr;
}

} // namespace ascope
