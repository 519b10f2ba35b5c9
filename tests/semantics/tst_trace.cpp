// The event trace every view reads (trace.h): its invariants over inline graphs and the whole
// conformance corpus. A task is created before it steps; it completes inside one of its own steps
// and at most once; Collected only hits a task still pending and nothing of it follows; a task
// suspended on a future is woken by that future; time and iterations never go back; the phase
// marks bracket the shutdown; the outcome's events are exactly the trace's completions. Also:
// runSync(), stepOnce() and start() on the Qt event loop produce the same trace.
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <map>

using namespace Qt::StringLiterals;
using namespace ascope;
using namespace ascope::test;

namespace {

// Events whose subject is a task index.
bool hasTaskSubject(const Event &e)
{
    switch (e.kind) {
    case EventKind::TaskCreated:
    case EventKind::StepBegan:
    case EventKind::Suspended:
    case EventKind::Woken:
    case EventKind::CancelDelivered:
    case EventKind::TaskDone:
    case EventKind::TaskFailed:
    case EventKind::TaskCancelled:
    case EventKind::Blocked:
        return true;
    case EventKind::CancelRequested:
    case EventKind::Collected:
        return e.flags == 0;
    default:
        return false;
    }
}

QString stateOf(EventKind k)
{
    switch (k) {
    case EventKind::TaskDone:
        return u"done"_s;
    case EventKind::TaskFailed:
        return u"failed"_s;
    case EventKind::TaskCancelled:
        return u"cancelled"_s;
    default:
        return {};
    }
}

QString eventText(const Event &e)
{
    return u"%1@%2#%3(%4,%5)"_s.arg(int(e.kind)).arg(e.t).arg(e.iteration).arg(e.subject).arg(e.other);
}

QStringList traceText(const Engine &engine)
{
    QStringList out;
    for (const Event &e : engine.runtime().loop().trace().events())
        out << eventText(e);
    return out;
}

QString corpusDir()
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance");
}

} // namespace

class TestTrace : public QObject
{
    Q_OBJECT

private:
    static void addGraphs()
    {
        QTest::addColumn<QByteArray>("graph");
        QTest::newRow("inline_cancel_and_swallow") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"b","as":"$b"},{"op":"cancel","target":"$a"},
    {"op":"sleep","seconds":1},{"op":"cancel","target":"$b"},{"op":"await","target":"$b"},{"op":"return","value":"ok"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":0},{"op":"block","seconds":1}]}]}]}]})json"_ba;
        QTest::newRow("inline_gc_and_shutdown") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"spawn","node":"s"},{"op":"spawn","node":"h"},{"op":"sleep","seconds":1},
    {"op":"drop","target":"$h"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]},
  {"id":"s","steps":[{"op":"try","body":[{"op":"sleep","seconds":10}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1},{"op":"reraise"}]}]}]}]})json"_ba;
        QTest::newRow("inline_taskgroup_timeout") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":3,"body":[{"op":"taskgroup","children":[{"node":"c","count":3},"bad"]}]}],
      "except":[{"types":["ExceptionGroup","TimeoutError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"c","steps":[{"op":"sleep","seconds":2}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"x"}]}]})json"_ba;
        QTest::newRow("inline_deadlock") << R"json({"futures":["never"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w"},{"op":"await","target":"@never"}]},
  {"id":"w","steps":[{"op":"await","target":"@never"}]}]})json"_ba;
        QTest::newRow("inline_time_limit") << R"json({"limits":{"time":5},"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w"},{"op":"sleep","seconds":100}]},
  {"id":"w","steps":[{"op":"sleep","seconds":2},{"op":"return","value":1}]}]})json"_ba;
        QTest::newRow("inline_self_await_and_wait_for") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"selfish","as":"@t"},
    {"op":"try","body":[{"op":"wait_for","target":"slow","timeout":1}],"except":[{"types":["TimeoutError"]}]},
    {"op":"as_completed","children":["slow","slow"],"timeout":0.5}]},
  {"id":"selfish","steps":[{"op":"await","target":"@t"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":2}]}]})json"_ba;

        const QStringList files = QDir(corpusDir()).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        for (const QString &f : files) {
            if (f.endsWith(u".outcome.json"_s))
                continue;
            QFile file(QDir(corpusDir()).filePath(f));
            if (file.open(QIODevice::ReadOnly))
                QTest::newRow(qPrintable(u"corpus/"_s + f)) << file.readAll();
        }
    }

private Q_SLOTS:
    void invariants_data() { addGraphs(); }

    void invariants()
    {
        QFETCH(QByteArray, graph);
        auto engine = runEngine(graph);
        QVERIFY(engine);
        QVERIFY(engine->isFinished());
        const Runtime &rt = engine->runtime();
        const EventLog &events = rt.loop().trace().events();
        const size_t ntasks = rt.tasks.size();
        QVERIFY(!events.empty());

        std::vector<int> created(ntasks, -1), firstStep(ntasks, -1), terminal(ntasks, -1), collected(ntasks, -1);
        std::vector<int> terminals(ntasks, 0), lastStep(ntasks, -1);
        std::vector<int> suspendedOn(ntasks, -2); // future id of the pending Suspended, -2: none
        std::vector<char> futureDone(rt.futures.size(), 0);
        int shutdownMark = -1, endMark = -1;
        QStringList completions;
        double lastT = 0;
        quint64 lastIteration = 0;
        int armed = 0, fired = 0;

        for (size_t i = 0; i < events.size(); ++i) {
            const Event &e = events[i];
            const QString where = u"event #%1 %2"_s.arg(i).arg(eventText(e));
            QVERIFY2(e.t >= lastT - 1e-12, qPrintable(where + u": time went back"_s));
            QVERIFY2(e.iteration >= lastIteration, qPrintable(where + u": iteration went back"_s));
            lastT = e.t;
            lastIteration = e.iteration;
            armed += e.kind == EventKind::TimerArmed;
            fired += e.kind == EventKind::TimerFired;
            if (e.kind == EventKind::Phase) {
                if (e.subject == 2) {
                    QCOMPARE(shutdownMark, -1);
                    shutdownMark = int(i);
                } else if (e.subject == 3) {
                    QCOMPARE(endMark, -1);
                    endMark = int(i);
                }
            }
            if (e.kind == EventKind::FutureDone) {
                QVERIFY2(e.subject >= 0 && size_t(e.subject) < futureDone.size(), qPrintable(where));
                QVERIFY2(!futureDone[size_t(e.subject)], qPrintable(where + u": future completed twice"_s));
                futureDone[size_t(e.subject)] = 1;
            }
            if (!hasTaskSubject(e))
                continue;
            QVERIFY2(e.subject >= 0 && size_t(e.subject) < ntasks, qPrintable(where + u": no such task"_s));
            const size_t t = size_t(e.subject);
            if (e.kind == EventKind::TaskCreated) {
                QVERIFY2(created[t] == -1, qPrintable(where + u": created twice"_s));
                created[t] = int(i);
                QVERIFY2(e.other < e.subject, qPrintable(where + u": parent created after the child"_s));
                continue;
            }
            QVERIFY2(created[t] >= 0, qPrintable(where + u": before TaskCreated"_s));
            QVERIFY2(collected[t] == -1, qPrintable(where + u": after the task was collected"_s));
            // Task.cancel() on a done task returns before counting: no request after completion.
            QVERIFY2(terminal[t] == -1, qPrintable(where + u": after the task completed"_s));
            switch (e.kind) {
            case EventKind::StepBegan:
                if (firstStep[t] == -1)
                    firstStep[t] = int(i);
                lastStep[t] = int(i);
                if (suspendedOn[t] >= 0)
                    QFAIL(qPrintable(
                        where + u": stepped while suspended on future %1 without a wakeup"_s.arg(suspendedOn[t])));
                suspendedOn[t] = -2;
                break;
            case EventKind::Suspended:
                QVERIFY2(lastStep[t] >= 0 && events[size_t(lastStep[t])].iteration == e.iteration,
                         qPrintable(where + u": suspended outside its own step"_s));
                suspendedOn[t] = e.other;
                break;
            case EventKind::Woken:
                QVERIFY2(
                    suspendedOn[t] == e.other,
                    qPrintable(where + u": woken by future %1, suspended on %2"_s.arg(e.other).arg(suspendedOn[t])));
                if (e.other >= 0) {
                    const Future *f = rt.futures[size_t(e.other)];
                    const bool done = f->kind == ObjKind::Task
                        ? terminal[size_t(static_cast<const Task *>(f)->index)] >= 0
                        : futureDone[size_t(e.other)] != 0;
                    QVERIFY2(done, qPrintable(where + u": woken by a future not done yet"_s));
                }
                suspendedOn[t] = -1;
                break;
            case EventKind::TaskDone:
            case EventKind::TaskFailed:
            case EventKind::TaskCancelled:
                ++terminals[t];
                terminal[t] = int(i);
                QVERIFY2(lastStep[t] >= 0 && events[size_t(lastStep[t])].iteration == e.iteration,
                         qPrintable(where + u": completed outside its own step"_s));
                QCOMPARE(int(e.flags), shutdownMark >= 0 ? 1 : 0);
                completions << rt.tasks[t]->name() + u':' + stateOf(e.kind);
                break;
            case EventKind::Collected:
                collected[t] = int(i);
                QVERIFY2(!rt.tasks[t]->done(), qPrintable(where + u": a collected task completed"_s));
                break;
            default:
                break;
            }
        }

        QVERIFY(fired <= armed);
        QVERIFY2(endMark == int(events.size()) - 1, "the end mark is not the last event");
        QVERIFY2(shutdownMark >= 0 && shutdownMark < endMark, "no shutdown mark before the end");

        const QJsonObject o = engine->outcome();
        const QString status = o.value(u"status"_s).toString();
        for (size_t t = 0; t < ntasks; ++t) {
            const Task *task = rt.tasks[t];
            const QString name = task->name();
            QVERIFY2(created[t] >= 0, qPrintable(name + u": never created in the trace"_s));
            QVERIFY2(terminals[t] <= 1, qPrintable(name + u": more than one completion"_s));
            if (task->done()) {
                QVERIFY2(terminals[t] == 1, qPrintable(name + u": done without a completion event"_s));
                QVERIFY2(firstStep[t] >= 0 && firstStep[t] > created[t],
                         qPrintable(name + u": completed without a step"_s));
                QCOMPARE(stateOf(events[size_t(terminal[t])].kind), finalState(o, name));
            } else {
                QCOMPARE(terminals[t], 0);
                // Only a collection or a run that stopped early (deadlock, time limit) leaves a
                // task pending.
                QVERIFY2(collected[t] >= 0 || status != u"completed"_s,
                         qPrintable(name + u": pending at the end of a completed run, not collected"_s));
            }
            QCOMPARE(task->destroyed, collected[t] >= 0);
        }

        // The outcome's events are the trace's completions, in order.
        QStringList fromOutcome;
        for (const QJsonValue &v : o.value(u"events"_s).toArray())
            fromOutcome << v.toObject().value(u"task"_s).toString() + u':' + v.toObject().value(u"state"_s).toString();
        QCOMPARE(completions, fromOutcome);
    }

    // stepOnce() one iteration at a time and start() on the Qt event loop give the trace runSync()
    // gives, event for event.
    void drivingModesAgree_data() { addGraphs(); }

    void drivingModesAgree()
    {
        QFETCH(QByteArray, graph);
        auto g = loadInline(graph);
        QVERIFY(g);

        Engine sync(g);
        sync.runSync();
        const QStringList expected = traceText(sync);

        Engine stepped(g);
        int steps = 0;
        while (stepped.stepOnce())
            QVERIFY2(++steps < 10'000'000, "stepOnce never finished");
        QVERIFY(stepped.isFinished());
        QCOMPARE(traceText(stepped), expected);

        Engine async(g);
        QSignalSpy finished(&async, &Engine::finished);
        async.start();
        if (!async.isFinished())
            QVERIFY(finished.wait(10000));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(traceText(async), expected);
        QCOMPARE(async.outcome(), sync.outcome());
    }
};

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
