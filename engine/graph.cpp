#include "graph.h"

namespace ascope {

const char *opName(Op op)
{
    switch (op) {
    case Op::Sleep:
        return "sleep";
    case Op::Block:
        return "block";
    case Op::Return:
        return "return";
    case Op::Raise:
        return "raise";
    case Op::Reraise:
        return "reraise";
    case Op::Await:
        return "await";
    case Op::Spawn:
        return "spawn";
    case Op::Gather:
        return "gather";
    case Op::Wait:
        return "wait";
    case Op::WaitFor:
        return "wait_for";
    case Op::Shield:
        return "shield";
    case Op::AsCompleted:
        return "as_completed";
    case Op::TaskGroup:
        return "taskgroup";
    case Op::Timeout:
        return "timeout";
    case Op::Try:
        return "try";
    case Op::Future:
        return "future";
    case Op::SetResult:
        return "set_result";
    case Op::SetException:
        return "set_exception";
    case Op::Cancel:
        return "cancel";
    case Op::Drop:
        return "drop";
    case Op::Gc:
        return "gc";
    case Op::Hang:
        return "hang";
    case Op::Repeat:
        return "repeat";
    }
    return "?";
}

int Graph::nodeIndex(const QString &id) const
{
    for (int i = 0; i < int(nodes.size()); ++i) {
        if (nodes[size_t(i)].id == id)
            return i;
    }
    return -1;
}

} // namespace ascope
