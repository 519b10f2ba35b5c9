// The asyncgraph/1 model: a validated, resolved task graph as the engine runs it.
// Produced by the loader (loader.h); read by the interpreter (task bodies) and the editor.
#pragma once

#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace ascope {

enum class Op : quint8 {
    Sleep,
    Block,
    Return,
    Raise,
    Reraise,
    Await,
    Spawn,
    Gather,
    Wait,
    WaitFor,
    Shield,
    AsCompleted,
    TaskGroup,
    Timeout,
    Try,
    Future,
    SetResult,
    SetException,
    Cancel,
    Drop,
    Gc,
    Hang,
    Repeat
};

// Spelling of an op in files ("wait_for"); nullptr-free for every Op.
const char *opName(Op op);

enum class ReturnWhen : quint8 { AllCompleted, FirstCompleted, FirstException };

// A variable reference: "$x" (local slot of the node) or "@x" (graph-level slot).
struct VarRef {
    bool global = false;
    int slot = -1; // index into Node::localNames or Graph::globalNames
    bool valid() const { return slot >= 0; }
};

// A value written in the file: JSON scalar, list, or reference.
struct ValueExpr {
    enum class Kind : quint8 { Null, Bool, Int, Double, String, List, Ref };
    Kind kind = Kind::Null;
    bool b = false;
    qint64 i = 0;
    double d = 0;
    QString s;
    std::vector<ValueExpr> list;
    VarRef ref;
    bool isNull() const { return kind == Kind::Null; }
};

// What a step awaits or starts: a fresh coroutine of a node (with args), or a reference.
struct ChildExpr {
    bool isRef = false;
    VarRef ref;                                  // when isRef
    int node = -1;                               // index into Graph::nodes, when !isRef
    std::vector<std::pair<int, ValueExpr>> args; // (param slot in that node, value), file order
    int count = -1;                              // -1: no "count" field (one child)
};

struct Step;

struct ExceptHandler {
    std::vector<QString> types; // exception type names, as written
    std::optional<VarRef> as;
    std::vector<Step> body;
};

struct Step {
    Op op = Op::Sleep;
    std::optional<VarRef> as;

    ValueExpr seconds;     // sleep, block, timeout (Null = no deadline for timeout)
    bool hasValue = false; // return "value", set_result "value", sleep "result"
    ValueExpr value;

    QString excType;         // raise, set_exception
    bool hasMessage = false; // raise, set_exception, cancel
    QString message;

    ChildExpr target; // await, wait_for, shield target; spawn: node + args
    VarRef targetRef; // set_result, set_exception, cancel, drop

    std::vector<ChildExpr> children; // gather, wait, as_completed, taskgroup
    bool returnExceptions = false;   // gather
    bool await = true;               // gather, shield
    ReturnWhen returnWhen = ReturnWhen::AllCompleted;
    ValueExpr timeout; // wait, wait_for, as_completed (Null = None)

    std::vector<Step> body;              // taskgroup, timeout, try, repeat
    std::vector<ExceptHandler> handlers; // try
    bool hasFinally = false;             // try: "finally" present, or no "except" (a bare finally)
    std::vector<Step> finallyBody;
    qint64 times = 0; // repeat

    QJsonObject source; // the step object as read (note, ui, ... kept for the editor)
};

struct Node {
    QString id;
    int paramCount = 0; // localNames[0..paramCount) are the parameters, in file order
    std::vector<ValueExpr> paramDefaults;
    std::vector<QString> localNames; // params, then every other $name the node mentions (sorted)
    std::vector<Step> steps;
    QJsonObject source; // the node object as read
};

struct Graph {
    QString name;
    QString description;
    int entry = 0;                    // index into nodes
    int futureCount = 0;              // globalNames[0..futureCount) are the "futures" list, in order
    std::vector<QString> globalNames; // futures, then every other @name mentioned (sorted)
    double timeLimit = 3600;
    // Budgets of one run (beyond asyncgraph/1's limits.time, so that no graph can run without
    // end or without bound in memory): reaching one stops the run like the time limit does,
    // with status task_limit / step_limit / iteration_limit (shutdown_... during shutdown).
    static constexpr qint64 kDefaultTaskLimit = 1'000'000;
    static constexpr qint64 kDefaultStepLimit = 2'000'000;
    static constexpr qint64 kDefaultIterationLimit = 10'000'000;
    qint64 taskLimit = kDefaultTaskLimit;           // limits.tasks: tasks created
    qint64 stepLimit = kDefaultStepLimit;           // limits.steps: steps executed
    qint64 iterationLimit = kDefaultIterationLimit; // limits.iterations: event loop iterations
    std::vector<Node> nodes;
    QJsonObject source; // the whole file as read

    int nodeIndex(const QString &id) const;
};

} // namespace ascope
