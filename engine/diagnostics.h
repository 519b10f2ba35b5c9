// Diagnostics of a run: the problems asyncio's debug mode and its warnings would point at
// (destroyed pending tasks, exceptions never retrieved, tasks pending at exit and orphans,
// deadlocks with their wait-for chain, swallowed cancellations, blocking steps, fire-and-forget
// tasks, errors during shutdown), each tied to a task, its node and a virtual time. A projection
// of the engine's trace and objects: the diagnostics panel, `asyncscope check` and the charts read it.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>
#include <vector>

namespace ascope {

class Engine;
class Runtime;

struct Finding {
    enum class Kind : quint8 {
        DestroyedPending,        // "Task was destroyed but it is pending!"
        ExceptionNeverRetrieved, // "Task exception was never retrieved"
        PendingAtExit,           // still pending when the entry task ended (asyncio.run cancels it)
        Orphan,                  // pending when the task waiting for it finished or stopped waiting
        Deadlock,                // nothing ready, no timer: the wait-for chain or cycle
        SwallowedCancel,         // cancel requested, the task caught it and kept running
        BlockingStep,            // a step blocked the loop >= 100 ms (slow_callback_duration)
        FireAndForget,           // create_task() result not kept anywhere
        ShutdownError,           // a task failed while asyncio.run() cancelled it at shutdown
    };
    enum class Severity : quint8 { Info, Warning, Error };

    Kind kind = Kind::DestroyedPending;
    Severity severity = Severity::Warning;
    QString task;      // task name as in the outcome ("fetch#2"), or a named future; may be empty
    QString node;      // node id of the task ("" when none)
    double time = 0;   // virtual time the problem became true (collection time, awaiter's end, ...)
    QString message;   // one line a user understands, with the reason
    QStringList chain; // deadlock: the wait-for chain/cycle as task names; destroyed: what it waited on
};

// "destroyed_pending", "exception_never_retrieved", "pending_at_exit", "orphan", "deadlock",
// "swallowed_cancel", "blocking_step", "fire_and_forget", "shutdown_error"
const char *findingKindName(Finding::Kind k);
std::optional<Finding::Kind> findingKindFromName(QStringView name);
// "info", "warning", "error"
const char *severityName(Finding::Severity s);
std::optional<Finding::Severity> severityFromName(QStringView name);
// {"kind", "severity", "task", "node", "time", "message", "chain"}
QJsonObject findingToJson(const Finding &f);

// Blocking work at least this long (virtual seconds) is a finding, as asyncio's debug mode
// logs callbacks slower than loop.slow_callback_duration.
inline constexpr double kSlowStepSeconds = 0.1;

// The findings of a run so far (call it at any time; complete once engine.isFinished()), by time.
std::vector<Finding> diagnose(const Engine &engine);

// Who a future's completion depends on: for a task, itself; for gather/wait/shield/... the tasks
// it waits for; empty for a plain future nobody in the graph resolves. By future id; task ids
// (Task::index) in the result.
std::vector<int> waitTargets(const Runtime &rt, int futureId);

} // namespace ascope
