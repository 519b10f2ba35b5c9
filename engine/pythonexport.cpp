#include "pythonexport.h"

#include "graph.h"

#include <QJsonArray>

#include <cmath>
#include <set>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

// The part of the program that is the same for every graph: how it runs, not what it runs.
// Nothing in it changes what the graph's code does; it decides when time passes, names tasks
// and futures as asyncscope does, and records how each task ended.
const char kRunSupport[] = R"PY(
# ---------------------------------------------------------------- how it runs
# Nothing below changes what the code above does: it decides when time passes, names the tasks
# and futures as asyncscope does, and notes how each task ended.


class Deadlock(Exception):
    """Nothing is ready and no timer is armed: the loop would wait forever."""


class TimeLimitReached(Exception):
    """The next timer is due after the graph's time limit."""


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """asyncio's own event loop on a clock that jumps. When no callback is ready the loop asks
    its selector to wait until the next timer is due; this selector moves the clock instead."""

    def __init__(self, time_limit):
        super().__init__()
        self.now = 0.0
        self.time_limit = time_limit
        self._selector.select = self._wait

    def time(self):
        return self.now

    def _wait(self, timeout=None):
        if timeout is None:  # nothing ready and no timer armed
            raise Deadlock()
        if timeout > 0:
            if self.now + timeout > self.time_limit:
                raise TimeLimitReached()
            self.now += timeout
        return []  # no I/O events, ever

    def create_future(self):
        return _PyFuture(loop=self)  # the pure-Python Future, to go with the tasks (GraphTask)


def block(seconds):
    """Blocking work, like time.sleep(seconds): time passes and nothing else runs meanwhile."""
    loop = asyncio.get_running_loop()
    if isinstance(loop, VirtualClockLoop):
        loop.now += seconds
    else:
        time.sleep(seconds)


class OrderedTaskGroup(asyncio.TaskGroup):
    """asyncio.TaskGroup, except that it cancels its children in creation order: CPython keeps
    them in a set (an arbitrary order), asyncgraph/1 pins creation order."""

    class _CreationOrder(dict):
        add = lambda self, task: self.__setitem__(task, None)  # noqa: E731
        discard = lambda self, task: self.pop(task, None)  # noqa: E731
        __iter__ = lambda self: iter(list(self.keys()))  # noqa: E731

    def __init__(self):
        super().__init__()
        self._tasks = self._CreationOrder()


name_counts = {}
names = weakref.WeakKeyDictionary()  # task or named future -> its name
records = []  # one per task, in creation order
named_futures = []  # (name, weak reference), in creation order
shutting_down = False


def unique_name(base):
    """base, base#2, base#3...: tasks (named after their node) and named futures share counts."""
    name_counts[base] = name_counts.get(base, 0) + 1
    return base if name_counts[base] == 1 else f"{base}#{name_counts[base]}"


def named(base, future):
    """Names a future after the variable it is stored in, for the printed results."""
    name = unique_name(base)
    names[future] = name
    named_futures.append((name, weakref.ref(future)))
    return future


def new_future(base):
    """loop.create_future(), named."""
    return named(base, asyncio.get_running_loop().create_future())


def creation_index(future):
    record = getattr(future, "record", None)
    return record.index if record is not None else len(records)


def cancel(target, message=None):
    """target.cancel(message); for the result of asyncio.wait(), every task still in its
    pending set, in creation order."""
    if isinstance(target, tuple):
        for task in sorted(target[1], key=creation_index):
            task.cancel(message)
    else:
        target.cancel(message)


def exception_json(exc):
    out = {"type": type(exc).__name__, "message": str(exc.args[0]) if exc.args else ""}
    if isinstance(exc, BaseExceptionGroup):
        out["message"] = exc.message
        out["exceptions"] = [exception_json(e) for e in exc.exceptions]
    return out


def to_json(value):
    """A value as asyncscope's outcome shows it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, BaseException):
        return {"exception": exception_json(value)}
    if isinstance(value, (asyncio.Task, _PyTask)):
        return {"task": names.get(value)}
    if isinstance(value, (asyncio.Future, _PyFuture)):
        return {"future": names.get(value)}
    if isinstance(value, (set, frozenset)):
        return sorted((to_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return repr(value)


class Record:
    """How one task ended, noted the moment it completed. It holds the task only weakly, so a
    collection can still destroy a task nothing else can reach."""

    def __init__(self, task, index):
        self.name = task.get_name()
        self.index = index
        self.task = weakref.ref(task)
        self.created_at_shutdown = shutting_down
        self.state = "pending"
        self.value = None


class GraphTask(_PyTask):
    """asyncio's pure-Python Task (the implementation asyncscope models), noting how it ends."""

    def _Future__schedule_callbacks(self):  # Future calls it the moment it becomes done
        if self.cancelled():
            self.record.state = "cancelled"
        elif self._exception is not None:
            self.record.state, self.record.value = "failed", exception_json(self._exception)
        else:
            self.record.state, self.record.value = "done", to_json(self._result)
        super()._Future__schedule_callbacks()


def task_factory(loop, coro, **kwargs):
    """Every task is named after its node (n_fetch -> fetch, fetch#2, ...) and recorded."""
    task = GraphTask(coro, loop=loop, name=unique_name(coro.__name__.removeprefix("n_")), **kwargs)
    task.record = Record(task, len(records))
    records.append(task.record)
    names[task] = task.get_name()
    return task


def future_state(future):
    if future is None:
        return "collected"
    if future.cancelled():
        return "cancelled"
    if not future.done():
        return "pending"
    return "failed" if future.exception() is not None else "done"


def json_text(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def run(entry):
    """asyncio.run(entry()), step by step, printing what every task did."""
    global shutting_down
    real_time = "--real-time" in sys.argv[1:]
    loop = asyncio.new_event_loop() if real_time else VirtualClockLoop(TIME_LIMIT)
    asyncio.set_event_loop(loop)
    loop.set_task_factory(task_factory)
    # "Task was destroyed but it is pending!" and the like are asyncscope's diagnostics;
    # here they would only interleave with the results.
    loop.set_exception_handler(lambda loop, context: None)
    for name in GRAPH_FUTURES:
        G[name] = named(name, loop.create_future())
    gc.disable()  # collections happen where the graph says gc, and once after the entry task

    status = "completed"
    main = loop.create_task(entry())
    try:
        loop.run_until_complete(main)
    except Deadlock:
        status = "deadlock"
    except TimeLimitReached:
        status = "time_limit"
    except BaseException:
        pass  # the entry task failed or was cancelled: its record says how
    del main
    gc.collect()  # the end of the entry task: tasks nothing can resume are destroyed

    # The results are those of this moment; shutdown only adds what became of the rest.
    snapshot = {record: (record.state, record.value) for record in records}
    futures = [(name, future_state(ref())) for name, ref in named_futures]

    # asyncio.run()'s shutdown: cancel every task still pending (in creation order) and run
    # the loop until they have all finished.
    shutting_down = True
    if status == "completed":
        pending = [r.task() for r in records if r.task() is not None and not r.task().done()]
        if pending:
            for task in pending:
                task.cancel()
            try:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            except Deadlock:
                status = "shutdown_deadlock"
            except TimeLimitReached:
                status = "shutdown_time_limit"
        del pending

    print(f"status: {status}")
    for record in records:
        if record not in snapshot:
            print(f"{record.name}: created at shutdown, {record.state}")
            continue
        state, value = snapshot[record]
        line = f"{record.name}: {state}"
        if state in ("done", "failed"):
            line += " " + json_text(value)
        if record.state != state:
            line += f", then {record.state} at shutdown"
        print(line)
    for name, state in futures:
        print(f"future {name}: {state}")
    sys.stdout.flush()
    # At exit Python closes the coroutines still suspended, running their cleanup code: what
    # that raises is not part of the graph's run.
    sys.unraisablehook = lambda unraisable: None
    return 0
)PY";

// Python's repr() of a float: the shortest text that reads back, "1.0" rather than "1".
QString pyFloat(double d)
{
    if (std::isnan(d))
        return u"float('nan')"_s;
    if (std::isinf(d))
        return d > 0 ? u"float('inf')"_s : u"-float('inf')"_s;
    if (d == 0)
        return std::signbit(d) ? u"-0.0"_s : u"0.0"_s;
    const QString e = QString::number(d, 'e', QLocale::FloatingPointShortest); // "-1.25e+02"
    const qsizetype ePos = e.indexOf(u'e');
    const int exp = e.mid(ePos + 1).toInt();
    const bool negative = e.startsWith(u'-');
    QString digits = e.left(ePos);
    digits.remove(u'-');
    digits.remove(u'.');
    QString out;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            if (digits.size() <= exp + 1)
                out = digits + QString(exp + 1 - digits.size(), u'0') + u".0"_s;
            else
                out = digits.left(exp + 1) + u'.' + digits.mid(exp + 1);
        } else {
            out = u"0."_s + QString(-exp - 1, u'0') + digits;
        }
    } else {
        out = digits.left(1);
        if (digits.size() > 1)
            out += u'.' + digits.mid(1);
        out += (exp < 0 ? u"e-"_s : u"e+"_s) + QString::number(std::abs(exp)).rightJustified(2, u'0');
    }
    return negative ? u'-' + out : out;
}

bool isInteger(const QJsonValue &v)
{
    return v.toVariant().typeId() != QMetaType::Double;
}

// A string literal valid in both Python and JSON.
QString quoted(const QString &s)
{
    QString out = u"\""_s;
    for (const char32_t c : s.toUcs4()) {
        switch (c) {
        case U'"':
            out += u"\\\""_s;
            break;
        case U'\\':
            out += u"\\\\"_s;
            break;
        case U'\n':
            out += u"\\n"_s;
            break;
        case U'\r':
            out += u"\\r"_s;
            break;
        case U'\t':
            out += u"\\t"_s;
            break;
        case U'\b':
            out += u"\\b"_s;
            break;
        case U'\f':
            out += u"\\f"_s;
            break;
        default:
            if (c < 0x20)
                out += u"\\u%1"_s.arg(uint(c), 4, 16, QChar(u'0'));
            else
                out += QString::fromUcs4(&c, 1);
        }
    }
    return out + u'"';
}

// A string literal for the program: like JSON, but no raw line or paragraph separators either.
QString pyString(const QString &s)
{
    QString out = quoted(s);
    out.replace(QChar(0x2028), u"\\u2028"_s);
    out.replace(QChar(0x2029), u"\\u2029"_s);
    out.replace(QChar(0x7f), u"\\x7f"_s);
    return out;
}

const char *exceptionClass(const QString &type)
{
    if (type == u"CancelledError")
        return "asyncio.CancelledError";
    if (type == u"InvalidStateError")
        return "asyncio.InvalidStateError";
    return nullptr;
}

// Writes the graph's code, one line at a time, at the current indentation.
class ProgramWriter
{
public:
    explicit ProgramWriter(const Graph &g)
        : m_g(g)
    {
    }

    QString program()
    {
        header();
        for (const Node &n : m_g.nodes)
            node(n);
        QString text = m_lines.join(u'\n') + u'\n';
        text += QString::fromUtf8(kRunSupport);
        text += u"\n\nif __name__ == \"__main__\":\n    sys.exit(run(n_%1))\n"_s.arg(m_g.nodes[size_t(m_g.entry)].id);
        return text;
    }

private:
    void line(const QString &s) { m_lines.append(QString(m_indent * 4, u' ') + s); }

    void comment(const QString &text)
    {
        for (const QString &l : text.split(u'\n'))
            line(QString(u"# "_s + l).trimmed());
    }

    void header()
    {
        m_lines.append(u"#!/usr/bin/env python3"_s);
        if (!m_g.name.isEmpty())
            comment(m_g.name);
        if (!m_g.description.isEmpty()) {
            line(u"#"_s);
            comment(m_g.description);
        }
        m_lines.append(QString::fromUtf8(R"PY(#
# Exported by asyncscope from an asyncgraph/1 graph: each node is an `async def n_<node>`,
# each step one line (or block) of asyncio code. Runs on CPython 3.11:
#   python3 FILE.py              on a virtual clock: sleeps and timeouts take no real time
#   python3 FILE.py --real-time  on asyncio's normal event loop, in real time
# It prints the run's status, then one line per task ("name: state result") and per named
# future, in the words of asyncscope's outcome.
import asyncio
import gc
import json
import sys
import time
import weakref
from asyncio.futures import _PyFuture
from asyncio.tasks import _PyTask
)PY"));
        line(u"TIME_LIMIT = %1  # virtual seconds: the run stops when the next timer is later"_s.arg(
            pyFloat(m_g.timeLimit)));
        QStringList futures;
        for (int i = 0; i < m_g.futureCount; ++i)
            futures.append(quoted(m_g.globalNames[size_t(i)]));
        line(u"GRAPH_FUTURES = [%1]  # created (pending) before the entry task"_s.arg(futures.join(u", "_s)));
        line(u"G = {}  # the graph-level variables: @name is G[\"name\"]"_s);
        line({});
        line({});
        line(u"# ---------------------------------------------------------------- the graph"_s);
    }

    void node(const Node &n)
    {
        line({});
        line({});
        QStringList params;
        for (int i = 0; i < n.paramCount; ++i)
            params.append(u"v_%1=%2"_s.arg(n.localNames[size_t(i)], value(n, n.paramDefaults[size_t(i)])));
        line(u"async def n_%1(%2):"_s.arg(n.id, params.join(u", "_s)));
        ++m_indent;
        const QString note = n.source.value(u"note"_s).toString();
        if (!note.isEmpty())
            comment(note);
        // Every variable the body assigns exists from the start (None), as the graph says.
        std::set<int> assigned;
        collectAssigned(n.steps, assigned);
        for (int slot : assigned) {
            if (slot >= n.paramCount)
                line(u"v_%1 = None"_s.arg(n.localNames[size_t(slot)]));
        }
        m_temp = 0;
        block(n, n.steps);
        --m_indent;
    }

    static void collectAssigned(const std::vector<Step> &steps, std::set<int> &out)
    {
        for (const Step &st : steps) {
            if (st.as && !st.as->global)
                out.insert(st.as->slot);
            collectAssigned(st.body, out);
            collectAssigned(st.finallyBody, out);
            for (const ExceptHandler &h : st.handlers) {
                if (h.as && !h.as->global)
                    out.insert(h.as->slot);
                collectAssigned(h.body, out);
            }
        }
    }

    QString ref(const Node &n, const VarRef &r) const
    {
        if (r.global)
            return u"G[%1]"_s.arg(quoted(m_g.globalNames[size_t(r.slot)]));
        return u"v_"_s + n.localNames[size_t(r.slot)];
    }

    QString refName(const Node &n, const VarRef &r) const
    {
        return r.global ? m_g.globalNames[size_t(r.slot)] : n.localNames[size_t(r.slot)];
    }

    QString value(const Node &n, const ValueExpr &v) const
    {
        switch (v.kind) {
        case ValueExpr::Kind::Null:
            return u"None"_s;
        case ValueExpr::Kind::Bool:
            return v.b ? u"True"_s : u"False"_s;
        case ValueExpr::Kind::Int:
            return QString::number(v.i);
        case ValueExpr::Kind::Double:
            return pyFloat(v.d);
        case ValueExpr::Kind::String:
            return pyString(v.s);
        case ValueExpr::Kind::List: {
            QStringList items;
            for (const ValueExpr &x : v.list)
                items.append(value(n, x));
            return u'[' + items.join(u", "_s) + u']';
        }
        case ValueExpr::Kind::Ref:
            return ref(n, v.ref);
        }
        return u"None"_s;
    }

    // A fresh coroutine n_node(v_arg=...) or a reference.
    QString call(const Node &n, const ChildExpr &c) const
    {
        if (c.isRef)
            return ref(n, c.ref);
        const Node &callee = m_g.nodes[size_t(c.node)];
        QStringList args;
        for (const auto &[slot, expr] : c.args)
            args.append(u"v_%1=%2"_s.arg(callee.localNames[size_t(slot)], value(n, expr)));
        return u"n_%1(%2)"_s.arg(callee.id, args.join(u", "_s));
    }

    // The children of gather/wait/as_completed, in order; `count` repeats one in place.
    QString children(const Node &n, const std::vector<ChildExpr> &cs, const QString &wrap) const
    {
        QStringList parts;
        for (const ChildExpr &c : cs) {
            QString e = call(n, c);
            if (!c.isRef && !wrap.isEmpty())
                e = wrap + u'(' + e + u')';
            if (c.count >= 0)
                parts.append(u"*[%1 for _ in range(%2)]"_s.arg(e).arg(c.count));
            else
                parts.append(e);
        }
        return parts.join(u", "_s);
    }

    QString exception(const QString &type, bool hasMessage, const QString &message) const
    {
        if (type == u"ExceptionGroup" || type == u"BaseExceptionGroup")
            return u"%1(%2, [%3()])"_s.arg(type, pyString(hasMessage ? message : QString()),
                                           type == u"ExceptionGroup" ? u"Exception"_s : u"BaseException"_s);
        const char *cls = exceptionClass(type);
        const QString name = cls ? QLatin1String(cls) : type;
        return hasMessage ? u"%1(%2)"_s.arg(name, pyString(message)) : name + u"()"_s;
    }

    QString optionalNumber(const Node &n, const ValueExpr &v) const { return v.isNull() ? u"None"_s : value(n, v); }

    void block(const Node &n, const std::vector<Step> &steps)
    {
        if (steps.empty())
            line(u"pass"_s);
        for (const Step &st : steps)
            step(n, st);
    }

    void step(const Node &n, const Step &st)
    {
        const QString note = st.source.value(u"note"_s).toString();
        if (!note.isEmpty())
            comment(note);
        const QString a = st.as ? ref(n, *st.as) + u" = "_s : QString();
        switch (st.op) {
        case Op::Sleep:
            line(a
                 + u"await asyncio.sleep(%1%2)"_s.arg(value(n, st.seconds),
                                                      st.hasValue ? u", "_s + value(n, st.value) : QString()));
            return;
        case Op::Block:
            line(u"block(%1)  # blocking work: no other task runs meanwhile"_s.arg(value(n, st.seconds)));
            return;
        case Op::Return:
            line(u"return "_s + (st.hasValue ? value(n, st.value) : u"None"_s));
            return;
        case Op::Raise:
            line(u"raise "_s + exception(st.excType, st.hasMessage, st.message));
            return;
        case Op::Reraise:
            line(u"raise"_s);
            return;
        case Op::Await:
            line(a + u"await "_s + call(n, st.target));
            return;
        case Op::Spawn:
            line(a + u"asyncio.create_task(%1)"_s.arg(call(n, st.target)));
            return;
        case Op::Gather: {
            QString g = u"asyncio.gather(%1)"_s.arg(children(n, st.children, {}));
            if (st.returnExceptions)
                g.insert(g.size() - 1,
                         st.children.empty() ? u"return_exceptions=True"_s : u", return_exceptions=True"_s);
            if (st.await)
                line(a + u"await "_s + g);
            else
                line(a + u"named(%1, %2)"_s.arg(quoted(st.as ? refName(n, *st.as) : u"gather"_s), g));
            return;
        }
        case Op::Wait: {
            QString w = u"await asyncio.wait([%1]"_s.arg(children(n, st.children, u"asyncio.create_task"_s));
            if (!st.timeout.isNull())
                w += u", timeout="_s + value(n, st.timeout);
            if (st.returnWhen == ReturnWhen::FirstCompleted)
                w += u", return_when=asyncio.FIRST_COMPLETED"_s;
            else if (st.returnWhen == ReturnWhen::FirstException)
                w += u", return_when=asyncio.FIRST_EXCEPTION"_s;
            line(a + w + u')');
            return;
        }
        case Op::WaitFor:
            line(a + u"await asyncio.wait_for(%1, %2)"_s.arg(call(n, st.target), optionalNumber(n, st.timeout)));
            return;
        case Op::Shield: {
            const QString s = u"asyncio.shield(%1)"_s.arg(call(n, st.target));
            if (st.await)
                line(a + u"await "_s + s);
            else
                line(a + u"named(%1, %2)"_s.arg(quoted(st.as ? refName(n, *st.as) : u"shield"_s), s));
            return;
        }
        case Op::AsCompleted: {
            const int k = ++m_temp;
            line(u"_results%1 = []  # in the order they finish"_s.arg(k));
            QString timeout = st.timeout.isNull() ? QString() : u", timeout="_s + value(n, st.timeout);
            line(u"for _next%1 in asyncio.as_completed([%2]%3):"_s.arg(k).arg(
                children(n, st.children, u"asyncio.create_task"_s), timeout));
            line(u"    _results%1.append(await _next%1)"_s.arg(k));
            if (st.as)
                line(u"%1 = _results%2"_s.arg(ref(n, *st.as)).arg(k));
            line(u"del _results%1"_s.arg(k));
            return;
        }
        case Op::TaskGroup: {
            const int k = ++m_temp;
            line(u"async with OrderedTaskGroup() as _tg%1:"_s.arg(k));
            QStringList parts;
            for (const ChildExpr &c : st.children) {
                const QString e = u"_tg%1.create_task(%2)"_s.arg(k).arg(call(n, c));
                parts.append(c.count >= 0 ? u"*[%1 for _ in range(%2)]"_s.arg(e).arg(c.count) : e);
            }
            ++m_indent;
            line(u"_tasks%1 = [%2]"_s.arg(k).arg(parts.join(u", "_s)));
            for (const Step &s : st.body)
                step(n, s);
            --m_indent;
            if (st.as)
                line(u"%1 = [t.result() for t in _tasks%2]"_s.arg(ref(n, *st.as)).arg(k));
            line(u"del _tasks%1"_s.arg(k));
            return;
        }
        case Op::Timeout:
            line(u"async with asyncio.timeout(%1):"_s.arg(optionalNumber(n, st.seconds)));
            ++m_indent;
            block(n, st.body);
            --m_indent;
            return;
        case Op::Try:
            line(u"try:"_s);
            ++m_indent;
            block(n, st.body);
            --m_indent;
            for (const ExceptHandler &h : st.handlers) {
                QStringList types;
                for (const QString &t : h.types) {
                    const char *cls = exceptionClass(t);
                    types.append(cls ? QLatin1String(cls) : t);
                }
                QString clause = types.size() == 1 ? types.first() : u'(' + types.join(u", "_s) + u')';
                int k = 0;
                if (h.as) {
                    k = ++m_temp;
                    clause += u" as _e%1"_s.arg(k);
                }
                line(u"except %1:"_s.arg(clause));
                ++m_indent;
                if (h.as) // Python unbinds `as` names after the handler: keep it in the graph's variable
                    line(u"%1 = _e%2"_s.arg(ref(n, *h.as)).arg(k));
                if (!h.as || !h.body.empty())
                    block(n, h.body);
                --m_indent;
            }
            if (st.hasFinally) {
                line(u"finally:"_s);
                ++m_indent;
                block(n, st.finallyBody);
                --m_indent;
            }
            return;
        case Op::Future:
            line(u"%1 = new_future(%2)"_s.arg(ref(n, *st.as), quoted(refName(n, *st.as))));
            return;
        case Op::SetResult:
            line(u"%1.set_result(%2)"_s.arg(ref(n, st.targetRef), st.hasValue ? value(n, st.value) : u"None"_s));
            return;
        case Op::SetException:
            line(u"%1.set_exception(%2)"_s.arg(ref(n, st.targetRef), exception(st.excType, st.hasMessage, st.message)));
            return;
        case Op::Cancel:
            line(u"cancel(%1%2)"_s.arg(ref(n, st.targetRef),
                                       st.hasMessage ? u", "_s + pyString(st.message) : QString()));
            return;
        case Op::Drop:
            if (st.targetRef.global)
                line(u"G.pop(%1, None)  # the reference is gone"_s.arg(quoted(refName(n, st.targetRef))));
            else
                line(u"%1 = None  # the reference is gone"_s.arg(ref(n, st.targetRef)));
            return;
        case Op::Gc:
            line(u"gc.collect()"_s);
            return;
        case Op::Hang:
            line(u"await new_future(\"hang\")  # nobody else holds it: waits forever"_s);
            return;
        case Op::Repeat:
            line(u"for _ in range(%1):"_s.arg(st.times));
            ++m_indent;
            block(n, st.body);
            --m_indent;
            return;
        }
    }

    const Graph &m_g;
    QStringList m_lines;
    int m_indent = 0;
    int m_temp = 0; // numbers the temporaries (_results1, _tg2, _e3) within one node
};

QString stateLine(const QJsonObject &t)
{
    const QString name = t.value(u"name"_s).toString();
    const QString finalState = t.value(u"final_state"_s).toString();
    if (!t.contains(u"state"_s))
        return u"%1: created at shutdown, %2"_s.arg(name, finalState);
    const QString state = t.value(u"state"_s).toString();
    QString line = name + u": "_s + state;
    if (state == u"done")
        line += u' ' + pythonJson(t.value(u"result"_s));
    else if (state == u"failed")
        line += u' ' + pythonJson(t.value(u"exception"_s));
    if (finalState != state)
        line += u", then %1 at shutdown"_s.arg(finalState);
    return line;
}

} // namespace

QString pythonJson(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"null"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double:
        if (isInteger(v))
            return QString::number(v.toInteger());
        if (std::isnan(v.toDouble()))
            return u"NaN"_s;
        if (std::isinf(v.toDouble()))
            return v.toDouble() > 0 ? u"Infinity"_s : u"-Infinity"_s;
        return pyFloat(v.toDouble());
    case QJsonValue::String:
        return quoted(v.toString());
    case QJsonValue::Array: {
        QStringList items;
        for (const QJsonValue &x : v.toArray())
            items.append(pythonJson(x));
        return u'[' + items.join(u", "_s) + u']';
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        QStringList items;
        for (auto it = o.begin(); it != o.end(); ++it) // QJsonObject keeps its keys sorted
            items.append(quoted(it.key()) + u": "_s + pythonJson(it.value()));
        return u'{' + items.join(u", "_s) + u'}';
    }
    }
    return u"null"_s;
}

QString pythonProgram(const Graph &graph)
{
    return ProgramWriter(graph).program();
}

QStringList outcomeLines(const QJsonObject &outcome)
{
    QStringList lines{u"status: "_s + outcome.value(u"status"_s).toString()};
    for (const QJsonValue &t : outcome.value(u"tasks"_s).toArray())
        lines.append(stateLine(t.toObject()));
    for (const QJsonValue &f : outcome.value(u"futures"_s).toArray())
        lines.append(u"future %1: %2"_s.arg(f[u"name"_s].toString(), f[u"state"_s].toString()));
    return lines;
}

} // namespace ascope
