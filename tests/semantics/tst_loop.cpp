// The Loop on its own (base_events.py BaseEventLoop._run_once): the timer heap pops equal
// deadlines in CPython heapq's order, cancelled timers at the head are dropped before the clock
// moves, the clock jumps to the earliest live timer, timers within the clock resolution (1e-9)
// are due together, the heap is rebuilt when most of it is cancelled, callbacks scheduled during an
// iteration wait for the next one, an empty loop is a deadlock and the time limit stops the run.
// Expected orders come from CPython's own asyncio loop with a virtual clock (call_at + _run_once);
// the whole-run rows (deadlock, time limit, timer order seen as task completions) from the
// reference oracle (tests/semantics/oracle_rows.py).
#include "loop.h"
#include "testutil.h"

#include <QHash>
#include <QList>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

QString timeText(double t)
{
    return QString::number(t, 'g', 10);
}

// Records "tag@time#iteration" for each callback the loop runs; may schedule more when fired.
class Recorder final : public Listener
{
public:
    explicit Recorder(Loop *loop)
        : Listener(ObjKind::Helper)
        , m_loop(loop)
    {
    }

    void fire(Handle &h) override
    {
        log << u"%1@%2#%3"_s.arg(h.cb.tag).arg(timeText(m_loop->time())).arg(m_loop->iteration());
        const auto laters = later.value(h.cb.tag);
        for (const auto &[delay, tag] : laters)
            m_loop->callLater(delay, {this, tag});
        const auto soons = soon.value(h.cb.tag);
        for (int tag : soons)
            m_loop->callSoon({this, tag});
    }
    void trace(Tracer &) const override { }

    QStringList log;
    QHash<int, QList<std::pair<double, int>>> later; // tag -> timers (delay, tag) armed when it runs
    QHash<int, QList<int>> soon;                     // tag -> callbacks call_soon'ed when it runs

private:
    Loop *m_loop;
};

// Runs the loop until it would block forever; returns the status that ended it.
RunStatus drain(Loop &loop, int maxIterations = 10000)
{
    for (int i = 0; i < maxIterations; ++i) {
        const RunStatus st = loop.runOnce();
        if (st != RunStatus::Running)
            return st;
    }
    return RunStatus::Running;
}

} // namespace

class TestLoop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void timerOrder_data()
    {
        QTest::addColumn<QList<double>>("deadlines"); // call_at(deadlines[i], tag i), in order
        QTest::addColumn<QList<int>>("cancelled");    // handles cancelled before the loop runs
        QTest::addColumn<QString>("expected");        // tag@time#iteration, as CPython runs them

        QTest::newRow("equal_deadlines_5")
            << QList<double>{1, 1, 1, 1, 1} << QList<int>{} << u"0@1#1 2@1#1 4@1#1 1@1#1 3@1#1"_s;
        QTest::newRow("equal_deadlines_12")
            << QList<double>(12, 2.5) << QList<int>{}
            << u"0@2.5#1 2@2.5#1 6@2.5#1 11@2.5#1 10@2.5#1 9@2.5#1 8@2.5#1 5@2.5#1 7@2.5#1 4@2.5#1 1@2.5#1 3@2.5#1"_s;
        QTest::newRow("mixed_deadlines") << QList<double>{3, 1, 2, 1, 3, 2, 1, 0.5, 3, 1, 2} << QList<int>{}
                                         << u"7@0.5#1 6@1#2 1@1#2 9@1#2 3@1#2 2@2#3 5@2#3 10@2#3 8@3#4 4@3#4 0@3#4"_s;
        QTest::newRow("descending_then_ascending") << QList<double>{5, 4, 3, 2, 1, 1, 2, 3, 4, 5} << QList<int>{}
                                                   << u"4@1#1 5@1#1 6@2#2 3@2#2 2@3#3 7@3#3 1@4#4 8@4#4 9@5#5 0@5#5"_s;
        // Cancelled timers stay in the heap (and shape it) but never run.
        QTest::newRow("equal_deadlines_some_cancelled")
            << QList<double>(10, 1) << QList<int>{0, 3, 4} << u"2@1#1 6@1#1 9@1#1 8@1#1 5@1#1 7@1#1 1@1#1"_s;
        // The cancelled head is popped before the select timeout is computed: the clock goes
        // straight to 2, and that is the first iteration.
        QTest::newRow("cancelled_head_dropped") << QList<double>{1, 2, 3} << QList<int>{0} << u"1@2#1 2@3#2"_s;
        // Due means when < now + 1e-9: 1+5e-10 and 1+9e-10 run with 1; 1+2e-9 waits.
        QTest::newRow("within_clock_resolution") << QList<double>{1, 1 + 5e-10, 1 + 2e-9, 1 + 0.9e-9} << QList<int>{}
                                                 << u"0@1#1 1@1#1 3@1#1 2@1.000000002#2"_s;

        // More than 100 timers, more than half cancelled: _run_once rebuilds the heap with
        // heapify(), which reorders equal deadlines differently from successive pops.
        QList<double> many;
        QList<int> cancelledMany;
        for (int i = 0; i < 150; ++i) {
            many << double(i % 5) + 1;
            if (i % 3 != 2 && i < 130)
                cancelledMany << i;
        }
        QTest::newRow("heap_rebuilt_when_mostly_cancelled")
            << many << cancelledMany
            << u"140@1#1 145@1#1 65@1#1 5@1#1 135@1#1 125@1#1 130@1#1 110@1#1 50@1#1 20@1#1 95@1#1 35@1#1 80@1#1 "
               "146@2#2 71@2#2 141@2#2 136@2#2 131@2#2 56@2#2 116@2#2 26@2#2 101@2#2 11@2#2 41@2#2 86@2#2 "
               "147@3#3 142@3#3 32@3#3 137@3#3 132@3#3 62@3#3 122@3#3 107@3#3 2@3#3 47@3#3 92@3#3 77@3#3 17@3#3 "
               "8@4#4 128@4#4 23@4#4 138@4#4 68@4#4 148@4#4 113@4#4 38@4#4 98@4#4 143@4#4 83@4#4 133@4#4 53@4#4 "
               "29@5#5 14@5#5 74@5#5 139@5#5 44@5#5 89@5#5 149@5#5 104@5#5 144@5#5 134@5#5 119@5#5 59@5#5"_s;
    }

    void timerOrder()
    {
        QFETCH(QList<double>, deadlines);
        QFETCH(QList<int>, cancelled);
        QFETCH(QString, expected);
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        std::vector<Handle *> handles;
        for (int i = 0; i < deadlines.size(); ++i)
            handles.push_back(loop.callAt(deadlines[i], {rec, i}));
        for (int c : cancelled)
            loop.cancelHandle(handles[size_t(c)]);
        QCOMPARE(drain(loop), RunStatus::Deadlock);
        QCOMPARE(rec->log.join(u' '), expected);
        QVERIFY(loop.timers().empty());
    }

    // Timers armed by running callbacks join the heap between pops (call_later(0) is a timer too,
    // due in the next iteration, not this one).
    void timersArmedWhileRunning()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        rec->later[0] = {{1, 10}, {0, 11}, {1, 12}};
        rec->later[1] = {{1, 13}};
        rec->later[11] = {{0, 14}};
        loop.callAt(1, {rec, 0});
        loop.callAt(1, {rec, 1});
        loop.callAt(2, {rec, 2});
        QCOMPARE(drain(loop), RunStatus::Deadlock);
        QCOMPARE(rec->log.join(u' '), u"0@1#1 1@1#1 11@1#2 14@1#3 13@2#4 10@2#4 2@2#4 12@2#4"_s);
    }

    // One iteration runs exactly the callbacks ready when it began; call_soon from inside a
    // callback runs in the next iteration, and the clock does not move while anything is ready.
    void readyBatches()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        rec->soon[0] = {2, 3};
        rec->soon[2] = {4};
        loop.callSoon({rec, 0});
        loop.callSoon({rec, 1});
        loop.callAt(0.5, {rec, 5});
        QCOMPARE(drain(loop), RunStatus::Deadlock);
        QCOMPARE(rec->log.join(u' '), u"0@0#1 1@0#1 2@0#2 3@0#2 4@0#3 5@0.5#4"_s);
    }

    // A cancelled ready handle is skipped; cancelling twice is harmless.
    void cancelledReadyHandleSkipped()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        Handle *h = loop.callSoon({rec, 0});
        loop.callSoon({rec, 1});
        loop.cancelHandle(h);
        loop.cancelHandle(h);
        QCOMPARE(loop.runOnce(), RunStatus::Running);
        QCOMPARE(rec->log.join(u' '), u"1@0#1"_s);
    }

    // When nothing is ready, the clock moves to the earliest live timer, and only then.
    void timeAdvancesToEarliestTimer()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        loop.callAt(7, {rec, 1});
        loop.callAt(5, {rec, 0});
        QCOMPARE(loop.time(), 0.0);
        QCOMPARE(loop.runOnce(), RunStatus::Running);
        QCOMPARE(loop.time(), 5.0);
        QCOMPARE(rec->log.join(u' '), u"0@5#1"_s);
        QCOMPARE(loop.runOnce(), RunStatus::Running);
        QCOMPARE(loop.time(), 7.0);
        QCOMPARE(loop.runOnce(), RunStatus::Deadlock);
        QCOMPARE(loop.time(), 7.0);
    }

    // A blocking step moves the clock past a deadline: the timer is overdue and runs at once,
    // at the later time (the timeout is max(0, when - now)).
    void overdueTimerRunsAtOnce()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        loop.callAt(1, {rec, 0});
        loop.advance(3);
        QCOMPARE(loop.runOnce(), RunStatus::Running);
        QCOMPARE(rec->log.join(u' '), u"0@3#1"_s);
    }

    // Nothing ready and no live timer: the selector would block forever. Nothing runs, the clock
    // and the iteration count stay. A loop that only holds cancelled timers is the same.
    void deadlock()
    {
        Loop empty;
        QCOMPARE(empty.runOnce(), RunStatus::Deadlock);
        QCOMPARE(empty.time(), 0.0);
        QCOMPARE(empty.iteration(), quint64(0));

        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        Handle *a = loop.callAt(1, {rec, 0});
        Handle *b = loop.callAt(2, {rec, 1});
        loop.cancelHandle(b);
        loop.cancelHandle(a);
        QCOMPARE(loop.runOnce(), RunStatus::Deadlock);
        QCOMPARE(loop.time(), 0.0);
        QVERIFY(loop.timers().empty());
        QVERIFY(rec->log.isEmpty());

        // stop() makes the select timeout 0: not a deadlock even with nothing to run.
        Loop stopping;
        stopping.stop();
        QCOMPARE(stopping.runOnce(), RunStatus::Running);
    }

    void timeLimit_data()
    {
        QTest::addColumn<double>("limit");
        QTest::addColumn<QList<double>>("deadlines");
        QTest::addColumn<int>("status"); // RunStatus that ends the drain
        QTest::addColumn<double>("endTime");
        QTest::addColumn<QString>("expected");

        QTest::newRow("next_timer_beyond_limit")
            << 10.0 << QList<double>{5, 12} << int(RunStatus::TimeLimit) << 5.0 << u"0@5#1"_s;
        QTest::newRow("timer_exactly_at_limit_runs")
            << 10.0 << QList<double>{5, 10} << int(RunStatus::Deadlock) << 10.0 << u"0@5#1 1@10#2"_s;
        QTest::newRow("first_timer_beyond_limit")
            << 1.0 << QList<double>{2} << int(RunStatus::TimeLimit) << 0.0 << u""_s;
    }

    void timeLimit()
    {
        QFETCH(double, limit);
        QFETCH(QList<double>, deadlines);
        QFETCH(int, status);
        QFETCH(double, endTime);
        QFETCH(QString, expected);
        Loop loop(limit);
        auto *rec = loop.make<Recorder>(&loop);
        for (int i = 0; i < deadlines.size(); ++i)
            loop.callAt(deadlines[i], {rec, i});
        QCOMPARE(int(drain(loop)), status);
        QCOMPARE(loop.time(), endTime);
        QCOMPARE(rec->log.join(u' '), expected);
        // The limit only stops the clock; a callback made ready still runs.
        if (status == int(RunStatus::TimeLimit)) {
            loop.callSoon({rec, 99});
            QCOMPARE(loop.runOnce(), RunStatus::Running);
            QVERIFY(rec->log.last().startsWith(u"99@"_s));
        }
    }

    // The same rules seen from whole runs: the run's status and end time when the loop blocks
    // forever or passes the limit, and equal deadlines completing tasks in heap order.
    void runs_data()
    {
        test::addOutcomeColumns();

        // Nothing ready, no timer, the entry task pending: deadlock, snapshot taken then, no
        // shutdown (the pending tasks stay pending).
        QTest::newRow("deadlock") << R"json({"futures":["never"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w"},{"op":"sleep","seconds":2},{"op":"await","target":"@never"}]},
  {"id":"w","steps":[{"op":"await","target":"@never"}]}]})json"_ba
                                  << u"main=pending w=pending"_s << u""_s
                                  << u"deadlock end=2 futures=[never=pending]"_s;

        // A cancelled timer is no reason to wait: still a deadlock, at the time of the cancel.
        QTest::newRow("deadlock_with_cancelled_timer_only")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s","as":"$s"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$s"},{"op":"hang"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":10}]}]})json"_ba
            << u"main=pending s=cancelled"_s << u"1:s:cancelled"_s
            << u"deadlock end=1 futures=[hang=collected] collected=[1:main]"_s;

        // The next timer lies beyond limits.time: time_limit, the clock stays at the last event.
        QTest::newRow("time_limit") << R"json({"limits":{"time":5},"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w"},{"op":"sleep","seconds":100}]},
  {"id":"w","steps":[{"op":"sleep","seconds":2},{"op":"return","value":1}]}]})json"_ba
                                    << u"main=pending w=done:1"_s << u"2:w:done"_s << u"time_limit end=2"_s;

        // A timer exactly at the limit still runs.
        QTest::newRow("timer_at_limit_runs") << R"json({"limits":{"time":5},"nodes":[
  {"id":"main","steps":[{"op":"sleep","seconds":5},{"op":"return","value":"in time"}]}]})json"_ba
                                             << u"main=done:\"in time\""_s << u"5:main:done"_s << u"completed end=5"_s;

        // Shutdown itself can deadlock: a task that swallows the shutdown's cancel and hangs.
        QTest::newRow("shutdown_deadlock") << R"json({"futures":["never"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"stubborn"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"stubborn","steps":[{"op":"try","body":[{"op":"sleep","seconds":10}],"except":[{"types":["CancelledError"],"body":[{"op":"await","target":"@never"}]}]}]}]})json"_ba
                                           << u"main=done:\"end\" stubborn=pending"_s << u"1:main:done"_s
                                           << u"shutdown_deadlock end=1 futures=[never=pending]"_s;

        // Eight tasks sleeping until the same deadline complete in heapq order, not creation order.
        QTest::newRow("equal_deadlines_complete_in_heap_order")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":[{"node":"c","count":8}]},{"op":"return","value":"end"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":1}]}]})json"_ba
            << u"main=done:\"end\" c=done:null c#2=done:null c#3=done:null c#4=done:null c#5=done:null c#6=done:null c#7=done:null c#8=done:null"_s
            << u"1:c:done 1:c#3:done 1:c#7:done 1:c#6:done 1:c#8:done 1:c#5:done 1:c#2:done 1:c#4:done 1:main:done"_s
            << u"completed end=1"_s;

        // Within 1e-9 of each other the deadlines are due in the same iteration.
        QTest::newRow("deadlines_within_resolution")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":[{"node":"c","args":{"d":1.0000000005}},{"node":"c","args":{"d":1}},{"node":"c","args":{"d":1.000000002}}]},{"op":"return","value":"end"}]},
  {"id":"c","params":{"d":1},"steps":[{"op":"sleep","seconds":"$d"}]}]})json"_ba
            << u"main=done:\"end\" c=done:null c#2=done:null c#3=done:null"_s
            << u"1:c#2:done 1:c:done 1.000000002:c#3:done 1.000000002:main:done"_s << u"completed end=1.000000002"_s;
    }

    void runs() { test::verifyOutcomeRow(); }

    // The trace sees armed, fired and cancelled timers (a cancelled timer never fires).
    void timerEventsInTrace()
    {
        Loop loop;
        auto *rec = loop.make<Recorder>(&loop);
        loop.callAt(1, {rec, 0});
        Handle *h = loop.callAt(2, {rec, 1});
        loop.callAt(3, {rec, 2});
        loop.cancelHandle(h);
        drain(loop);
        int armed = 0, fired = 0, cancelled = 0;
        for (const Event &e : loop.trace().events()) {
            armed += e.kind == EventKind::TimerArmed;
            fired += e.kind == EventKind::TimerFired;
            cancelled += e.kind == EventKind::TimerCancelled;
        }
        QCOMPARE(armed, 3);
        QCOMPARE(fired, 2);
        QCOMPARE(cancelled, 1);
    }
};

QTEST_GUILESS_MAIN(TestLoop)
#include "tst_loop.moc"
