// EventLog, the packed event trace: random access, iteration and iterator arithmetic give back
// exactly the events appended, bit for bit (across chunk and 64-event block boundaries, time
// changing inside a loop iteration, iterations jumping, every kind with values and flags,
// extreme doubles and -0.0, values repeating), Trace::statesAt agrees with a plain scan, and an
// event costs at most 9 bytes on traces shaped like the benchmarks'.
#include "engine.h"
#include "loader.h"
#include "trace.h"

#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

using namespace Qt::StringLiterals;
using namespace ascope;

using Events = std::vector<Event>;
Q_DECLARE_METATYPE(Events)

namespace {

constexpr size_t kChunk = EventLog::kChunk;

bool same(const Event &a, const Event &b)
{
    return std::bit_cast<quint64>(a.t) == std::bit_cast<quint64>(b.t) && a.iteration == b.iteration
        && std::bit_cast<quint64>(a.value) == std::bit_cast<quint64>(b.value) && a.subject == b.subject
        && a.other == b.other && a.kind == b.kind && a.flags == b.flags;
}

QString text(const Event &e)
{
    return u"{t=%1 (%2) it=%3 value=%4 (%5) subject=%6 other=%7 kind=%8 flags=%9}"_s.arg(e.t)
        .arg(std::bit_cast<quint64>(e.t), 16, 16, QChar(u'0'))
        .arg(e.iteration)
        .arg(e.value)
        .arg(std::bit_cast<quint64>(e.value), 16, 16, QChar(u'0'))
        .arg(e.subject)
        .arg(e.other)
        .arg(int(e.kind))
        .arg(int(e.flags));
}

constexpr int kKinds = int(EventKind::Injected) + 1;

// A trace shaped like the engine's: steps of ~3 events, one iteration later each; time moving on
// every `timeEvery` events (0: never), inside the iteration or with it; a value on every
// `valueEvery` events (0: never), one of `distinct` values.
Events shaped(size_t n, size_t timeEvery, size_t valueEvery, quint64 seed, quint64 distinct = 1000)
{
    std::mt19937_64 rng(seed);
    Events out;
    out.reserve(n);
    double t = 0;
    quint64 iteration = 0;
    for (size_t i = 0; i < n; ++i) {
        if (rng() % 3 == 0)
            ++iteration;
        if (timeEvery && rng() % timeEvery == 0) {
            t += 0.25 * double(1 + rng() % 8);
            if (rng() % 2)
                ++iteration; // a timer's iteration; else a blocking step: same iteration
        }
        const double value = valueEvery && rng() % valueEvery == 0 ? double(1 + rng() % distinct) / 8 : 0.0;
        out.push_back({t, iteration, value, qint32(rng() % 200000), qint32(rng() % 200001) - 1,
                       EventKind(rng() % kKinds), quint8(rng() % 9)});
    }
    return out;
}

// Anything at all: random bits for every field, iterations and times going back.
Events noise(size_t n, quint64 seed)
{
    std::mt19937_64 rng(seed);
    Events out;
    for (size_t i = 0; i < n; ++i) {
        const quint64 r = rng();
        Event e;
        e.t = r % 4 == 0 ? std::bit_cast<double>(rng()) : (i ? out.back().t : 0);
        e.iteration = r % 5 == 0 ? rng() : (i ? out.back().iteration + (r >> 8) % 3 : 0);
        e.value = r % 3 == 0 ? std::bit_cast<double>(rng()) : 0.0;
        e.subject = qint32(quint32(rng()));
        // other and flags are kept apart when they are not -1 / 0: both ways, in runs and mixed
        e.other = (r >> 20) % 3 == 0 ? -1 : qint32(quint32(rng()));
        e.kind = EventKind(quint8(rng()));
        e.flags = (r >> 24) % 3 == 0 ? 0 : quint8(rng());
        out.push_back(e);
    }
    return out;
}

EventLog logOf(const Events &events)
{
    EventLog log;
    for (const Event &e : events)
        log.push_back(e);
    return log;
}

#define COMPARE_EVENT(actual, expected, where)                                                                         \
    do {                                                                                                               \
        const Event a_ = (actual);                                                                                     \
        const Event e_ = (expected);                                                                                   \
        if (!same(a_, e_))                                                                                             \
            QFAIL(qPrintable(u"%1: %2, expected %3"_s.arg(where, text(a_), text(e_))));                                \
    } while (false)

std::shared_ptr<const Graph> conformance(const QString &name)
{
    const LoadResult r = loadGraphFile(QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance/") + name + u".json"_s);
    if (!r.graph)
        qFatal("conformance graph invalid: %s", qPrintable(r.error));
    return r.graph;
}

} // namespace

class TestEventLog : public QObject
{
    Q_OBJECT

private:
    static void addCases()
    {
        QTest::addColumn<Events>("events");

        QTest::newRow("empty") << Events{};
        QTest::newRow("one event") << Events{{0.5, 7, 2.5, 3, 4, EventKind::TimerArmed, 1}};
        QTest::newRow("defaults") << Events(3, Event{});
        for (const size_t n : {size_t(63), size_t(64), size_t(65), kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 70})
            QTest::newRow(qPrintable(u"%1 events, chunk boundary"_s.arg(n))) << shaped(n, 50, 4, n);

        // time moves on inside one iteration (blocking steps: Loop::advance), then with it
        Events blocking;
        for (int i = 0; i < 300; ++i)
            blocking.push_back({0.1 * (i / 3), quint64(i / 90), i % 5 == 0 ? 0.1 : 0.0, i % 7, -1,
                                i % 3 ? EventKind::Blocked : EventKind::StepBegan, 0});
        QTest::newRow("time changes inside an iteration") << blocking;

        Events jumps;
        const quint64 its[] = {0,
                               0,
                               1,
                               3,
                               4,
                               4,
                               5,
                               1000,
                               1001,
                               1001,
                               quint64(1) << 40,
                               (quint64(1) << 40) + 1,
                               std::numeric_limits<quint64>::max() - 1,
                               std::numeric_limits<quint64>::max(),
                               0,
                               1,
                               1};
        for (const quint64 it : its)
            jumps.push_back({1.0, it, 0, 0, -1, EventKind::StepBegan, 0});
        QTest::newRow("iterations jump, wrap and go back") << jumps;

        // every kind, each with a value and with every flag value
        Events kinds;
        for (int k = 0; k < kKinds; ++k) {
            for (int f = 0; f < 256; f += 15)
                kinds.push_back({double(k), quint64(k), k + f / 256.0, k, f - 1, EventKind(k), quint8(f)});
            kinds.push_back({double(k), quint64(k), 0, k, -1, EventKind(k), 255});
        }
        QTest::newRow("every kind, values and flags") << kinds;

        const double inf = std::numeric_limits<double>::infinity();
        const double extremes[] = {0.0,
                                   -0.0,
                                   1e300,
                                   -1e300,
                                   std::numeric_limits<double>::max(),
                                   std::numeric_limits<double>::lowest(),
                                   std::numeric_limits<double>::min(),
                                   std::numeric_limits<double>::denorm_min(),
                                   -std::numeric_limits<double>::denorm_min(),
                                   inf,
                                   -inf,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   0.0,
                                   0.0,
                                   -0.0,
                                   -0.0,
                                   1e-300};
        Events doubles;
        for (const double t : extremes) {
            for (const double v : extremes)
                doubles.push_back({t, 2, v, std::numeric_limits<qint32>::max(), std::numeric_limits<qint32>::min(),
                                   EventKind::TimerArmed, 0});
        }
        QTest::newRow("extreme doubles, -0.0 and 0.0") << doubles;

        QTest::newRow("deep-chain shape (one instant)") << shaped(2 * kChunk + 1000, 0, 0, 1);
        QTest::newRow("fan-out shape (values, timers)") << shaped(2 * kChunk + 1000, 5000, 4, 2);
        QTest::newRow("blocking shape (time every few events)") << shaped(2 * kChunk, 4, 2, 3);
        QTest::newRow("values repeating across blocks and chunks") << shaped(2 * kChunk + 7, 100, 2, 5, 2);
        QTest::newRow("one value, repeated") << shaped(kChunk + 300, 0, 3, 6, 1);
        QTest::newRow("noise") << noise(2 * kChunk + 5, 4);
    }

private Q_SLOTS:
    void randomAccess_data() { addCases(); }
    void randomAccess()
    {
        QFETCH(Events, events);
        const EventLog log = logOf(events);
        QCOMPARE(log.size(), events.size());
        QCOMPARE(log.empty(), events.empty());
        for (size_t i = 0; i < events.size(); ++i)
            COMPARE_EVENT(log[i], events[i], u"log[%1]"_s.arg(i));
        // in random order (no state carried from one lookup to the next)
        std::vector<size_t> order(events.size());
        std::iota(order.begin(), order.end(), size_t(0));
        std::shuffle(order.begin(), order.end(), std::mt19937_64(events.size()));
        for (const size_t i : order)
            COMPARE_EVENT(log.at(i), events[i], u"log.at(%1)"_s.arg(i));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, log.at(events.size()));
        if (!events.empty()) {
            COMPARE_EVENT(log.front(), events.front(), u"front()"_s);
            COMPARE_EVENT(log.back(), events.back(), u"back()"_s);
        }
    }

    void iteration_data() { addCases(); }
    void iteration()
    {
        QFETCH(Events, events);
        const EventLog log = logOf(events);
        size_t i = 0;
        for (const Event &e : log) {
            QVERIFY(i < events.size());
            COMPARE_EVENT(e, events[i], u"range-for #%1"_s.arg(i));
            ++i;
        }
        QCOMPARE(i, events.size());
        QCOMPARE(size_t(log.end() - log.begin()), events.size());
        QCOMPARE(size_t(std::distance(log.begin(), log.end())), events.size());

        // backwards, and post-increments from the middle across the following boundaries
        i = events.size();
        for (auto it = log.end(); it != log.begin();) {
            --it;
            --i;
            COMPARE_EVENT(*it, events[i], u"backwards #%1"_s.arg(i));
            QCOMPARE(it->subject, events[i].subject);
        }
        for (size_t start : {size_t(0), events.size() / 3, kChunk - 2}) {
            if (start >= events.size())
                continue;
            auto it = log.begin() + std::ptrdiff_t(start);
            for (size_t k = start; k < std::min(events.size(), start + 200); ++k)
                COMPARE_EVENT(*it++, events[k], u"from %1, #%2"_s.arg(start).arg(k));
        }
        // jumps: +=, -=, it[n], an iterator outliving appends made after it was at the end
        std::mt19937_64 rng(7);
        auto it = log.begin();
        for (int k = 0; k < 500 && !events.empty(); ++k) {
            const auto to = std::ptrdiff_t(rng() % events.size());
            it += to - (it - log.begin());
            COMPARE_EVENT(*it, events[size_t(to)], u"+= to %1"_s.arg(to));
            COMPARE_EVENT(log.begin()[to], events[size_t(to)], u"begin()[%1]"_s.arg(to));
            if (to > 0)
                COMPARE_EVENT(*(it - 1), events[size_t(to) - 1], u"- 1 from %1"_s.arg(to));
        }
        EventLog growing = logOf(events);
        auto atEnd = growing.end();
        const Event extra{9.5, 12345, -0.0, 1, 2, EventKind::Injected, 3};
        growing.push_back(extra);
        COMPARE_EVENT(*atEnd, extra, u"the end iterator, after an append"_s);
        QVERIFY(++atEnd == growing.end());
    }

    // Trace::statesAt finds the prefix by binary search over the log: the same states as a plain
    // scan counting the events at time <= t.
    void statesAt_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::newRow("01 create_task") << u"01-create-task-concurrency"_s;
        QTest::newRow("05 wait_for timeout") << u"05-wait-for-timeout"_s;
        QTest::newRow("09 cancel all") << u"09-cancel-all-on-interrupt"_s;
        QTest::newRow("10 TaskGroup failure") << u"10-taskgroup-failure"_s;
        QTest::newRow("17 blocking vs sleep(0)") << u"17-blocking-vs-sleep0"_s;
    }
    void statesAt()
    {
        QFETCH(QString, scenario);
        Engine engine(conformance(scenario));
        engine.runSync();
        const Trace &trace = engine.runtime().loop().trace();
        const EventLog &log = trace.events();
        const size_t tasks = engine.runtime().tasks.size();
        QVERIFY(log.size() > 0);

        // random access and iteration agree on the engine's own trace, and a copy made of the
        // events read back is the same log
        Events read;
        for (const Event &e : log)
            read.push_back(e);
        QCOMPARE(read.size(), log.size());
        const EventLog copy = logOf(read);
        for (size_t i = 0; i < read.size(); ++i) {
            COMPARE_EVENT(log[i], read[i], u"log[%1]"_s.arg(i));
            COMPARE_EVENT(copy[i], read[i], u"copy[%1]"_s.arg(i));
        }

        std::vector<double> times{-1, 0, 1e-9};
        for (const Event &e : read) {
            times.push_back(e.t);
            times.push_back(std::nextafter(e.t, -1.0));
            times.push_back(e.t + 0.0005);
        }
        times.push_back(1e300);
        for (const double t : times) {
            size_t n = 0;
            while (n < read.size() && read[n].t <= t)
                ++n;
            const std::vector<TaskStateAt> at = trace.statesAt(t, tasks);
            const std::vector<TaskStateAt> after = trace.statesAfter(n, tasks);
            QCOMPARE(at.size(), tasks);
            for (size_t k = 0; k < tasks; ++k) {
                const QString where = u"t=%1 task %2"_s.arg(t).arg(k);
                QVERIFY2(at[k].phase == after[k].phase, qPrintable(where));
                QVERIFY2(at[k].awaiting == after[k].awaiting, qPrintable(where));
                QVERIFY2(at[k].cancelRequests == after[k].cancelRequests, qPrintable(where));
            }
        }
        // the states after everything: every task's final phase is terminal or pending-at-exit
        const std::vector<TaskStateAt> end = trace.statesAfter(log.size(), tasks);
        QCOMPARE(end.size(), tasks);
    }

    // The task states a hand-made trace gives at chosen times (statesAt's meaning, fixed).
    void statesOfHandMadeTrace_data()
    {
        QTest::addColumn<double>("t");
        QTest::addColumn<QString>("expected"); // per task: phase letter + awaited future or '-'
        QTest::newRow("before anything") << -1.0 << u"N- N-"_s;
        QTest::newRow("t=0: both created, 0 waits on future 7") << 0.0 << u"W7 S-"_s;
        QTest::newRow("t=1: 0 woken, 1 running a blocking step") << 1.0 << u"R- R-"_s;
        QTest::newRow("t=1.5: inside the blocking step's iteration") << 1.5 << u"R- C-"_s;
        QTest::newRow("t=2: 0 done, 1 destroyed") << 2.0 << u"D- X-"_s;
    }
    void statesOfHandMadeTrace()
    {
        QFETCH(double, t);
        QFETCH(QString, expected);
        Trace trace;
        trace.add({0, 0, 0, 0, -1, EventKind::TaskCreated, 0});
        trace.add({0, 0, 0, 1, 0, EventKind::TaskCreated, 0});
        trace.add({0, 1, 0, 0, -1, EventKind::StepBegan, 0});
        trace.add({0, 1, 0, 7, -1, EventKind::FutureCreated, quint8(FutureOrigin::Plain)});
        trace.add({0, 1, 0, 0, 7, EventKind::Suspended, 0});
        trace.add({0, 1, 0, 1, -1, EventKind::CancelRequested, 0});
        trace.add({1, 2, 0, 0, 7, EventKind::Woken, 0});
        trace.add({1, 3, 0, 0, -1, EventKind::StepBegan, 0});
        trace.add({1, 3, 0, 1, -1, EventKind::StepBegan, 0});
        trace.add({1, 3, 0.5, 1, -1, EventKind::Blocked, 0});
        trace.add({1.5, 3, 0, 1, -1, EventKind::TaskCancelled, 0}); // time moved inside iteration 3
        trace.add({2, 4, 0, 0, -1, EventKind::TaskDone, 0});
        trace.add({2, 4, 0, 1, -1, EventKind::Collected, 0});
        trace.add({2, 4, 0, 1, -1, EventKind::Collected, 1}); // future 1, not task 1
        QStringList got;
        for (const TaskStateAt &s : trace.statesAt(t, 2)) {
            const char *letters = "NSRWDFCX";
            got << QChar(QLatin1Char(letters[int(s.phase)])) + (s.awaiting < 0 ? u"-"_s : QString::number(s.awaiting));
        }
        QCOMPARE(got.join(u' '), expected);
        QCOMPARE(trace.statesAt(10, 2)[1].cancelRequests, quint16(1));
    }

    // The memory an event costs (chunks and side tables / events), on traces shaped like the
    // benchmarks': <= 9 bytes, where sizeof(Event) is 40.
    void bytesPerEvent_data()
    {
        QTest::addColumn<QString>("graph");
        QTest::addColumn<double>("atMost");
        const auto fanOut = [](int batches, int leaves) {
            return uR"({"format": "asyncgraph/1", "nodes": [
              {"id": "main", "steps": [{"op": "gather", "children": [{"node": "batch", "count": %1}]}]},
              {"id": "batch", "steps": [{"op": "gather", "children": [{"node": "leaf", "args": {"d": 0.5}, "count": %2},
                                                                       {"node": "leaf", "args": {"d": 1}, "count": %2}]}]},
              {"id": "leaf", "params": {"d": 1}, "steps": [{"op": "sleep", "seconds": "$d"}, {"op": "sleep", "seconds": 0},
                                                           {"op": "return", "value": "$d"}]}]})"_s.arg(batches)
                .arg(leaves);
        };
        QTest::newRow("fan-out of 20,000 (timers, values)") << fanOut(10, 1000) << 9.0;
        QTest::newRow("deep chain: 10,000 sequential awaits (one instant)") << uR"({"format": "asyncgraph/1", "nodes": [
              {"id": "main", "steps": [{"op": "repeat", "times": 10000, "body": [
                {"op": "spawn", "node": "step", "as": "$t"}, {"op": "await", "target": "$t"}]}]},
              {"id": "step", "steps": [{"op": "sleep", "seconds": 0}, {"op": "return", "value": 1}]}]})"_s
                                                                            << 9.0;
    }
    void bytesPerEvent()
    {
        QFETCH(QString, graph);
        QFETCH(double, atMost);
        const LoadResult r = loadGraph(graph.toUtf8());
        QVERIFY2(r.graph, qPrintable(r.error));
        Engine engine(r.graph);
        engine.runSync();
        const EventLog &log = engine.runtime().loop().trace().events();
        QVERIFY2(log.size() > 4 * kChunk, qPrintable(QString::number(log.size())));
        const double bytes = double(log.memoryBytes()) / double(log.size());
        qInfo("%zu events, %.2f bytes an event", log.size(), bytes);
        QVERIFY2(bytes <= atMost, qPrintable(QString::number(bytes)));
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "tst_eventlog.moc"
