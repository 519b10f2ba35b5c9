// Properties of every run, on random graphs under random injections (#7). A deterministic generator
// seeded by the row makes a valid asyncgraph/1 graph; the engine runs it with stepOnce(), injecting
// at random iterations (cancel, force timeout, resolve, fail, drop, collect); then:
//   - every task ends in exactly one terminal state (done, failed, cancelled) or stays pending, and
//     the trace says the same as the task;
//   - no event about a task follows its terminal event except `collected` (and the outside world's
//     drop/collect injections, which act on references, not on the task);
//   - replaying the injections that were applied, as a script, gives the identical trace and outcome,
//     also when what nothing reaches is freed after every iteration (Engine::setReclaim).
// ASYNCSCOPE_PROPERTY_CASES=N runs N cases instead of 1,000 (e.g. fewer under a sanitizer).
#include "engine.h"
#include "loader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cstring>
#include <memory>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

constexpr int kCasesPerRow = 5;

// splitmix64: the same sequence on every platform and standard library.
class Rng
{
public:
    explicit Rng(quint64 seed)
        : m_state(seed)
    {
    }
    quint64 next()
    {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % quint64(n)); }
    bool chance(int percent) { return below(100) < percent; }
    template<typename T> const T &pick(std::initializer_list<T> items)
    {
        return items.begin()[below(int(items.size()))];
    }

private:
    quint64 m_state;
};

// Random valid graphs: nodes n0 (the entry) .. n<k-1>; a node only names nodes after it, so
// inline awaits never recurse; budgets keep every run small.
class GraphGen
{
public:
    explicit GraphGen(quint64 seed)
        : m_rng(seed)
    {
    }

    QByteArray make()
    {
        m_nodes = 2 + m_rng.below(4);
        QJsonArray nodes;
        for (int i = 0; i < m_nodes; ++i) {
            m_node = i;
            QJsonObject n{{u"id"_s, name(i)}, {u"steps"_s, steps(0, 1 + m_rng.below(5))}};
            if (i > 0 && m_rng.chance(30))
                n.insert(u"params"_s, QJsonObject{{u"d"_s, 0.5}});
            nodes.append(n);
        }
        QJsonObject g{{u"format"_s, u"asyncgraph/1"_s},
                      {u"name"_s, u"random"_s},
                      {u"entry"_s, name(0)},
                      {u"futures"_s, QJsonArray{u"g"_s}},
                      {u"limits"_s, QJsonObject{{u"time"_s, 50}, {u"tasks"_s, 300}, {u"steps"_s, 5000}}},
                      {u"nodes"_s, nodes}};
        return QJsonDocument(g).toJson(QJsonDocument::Compact);
    }

private:
    static QString name(int i) { return u"n"_s + QString::number(i); }

    bool hasLater() const { return m_node + 1 < m_nodes; }
    QString later() { return name(m_node + 1 + m_rng.below(m_nodes - m_node - 1)); }
    QString taskVar() { return m_rng.pick({u"$t1"_s, u"$t2"_s}); }
    QString futureVar() { return m_rng.pick({u"@g"_s, u"$f"_s}); }
    QJsonValue seconds() { return m_rng.pick({0.0, 0.0, 0.5, 1.0, 1.5, 3.0}); }
    QJsonValue timeout() { return m_rng.chance(20) ? QJsonValue() : QJsonValue(m_rng.pick({0.0, 0.5, 1.0, 2.5})); }
    QString excType()
    {
        return m_rng.pick({u"ValueError"_s, u"Exception"_s, u"CancelledError"_s, u"TimeoutError"_s, u"KeyError"_s,
                           u"BaseException"_s});
    }

    QJsonValue child()
    {
        if (!hasLater() || m_rng.chance(25))
            return taskVar();
        if (m_rng.chance(30))
            return QJsonObject{{u"node"_s, later()}, {u"count"_s, 1 + m_rng.below(3)}};
        return later();
    }
    QJsonArray children()
    {
        QJsonArray a;
        const int n = 1 + m_rng.below(3);
        for (int k = 0; k < n; ++k)
            a.append(child());
        return a;
    }
    QJsonArray nodeChildren()
    {
        QJsonArray a;
        const int n = 1 + m_rng.below(3);
        for (int k = 0; k < n; ++k)
            a.append(later());
        return a;
    }
    QJsonValue target() { return hasLater() && m_rng.chance(60) ? QJsonValue(later()) : QJsonValue(taskVar()); }

    QJsonArray steps(int depth, int count)
    {
        QJsonArray a;
        for (int k = 0; k < count; ++k)
            a.append(step(depth));
        return a;
    }

    QJsonObject step(int depth)
    {
        const bool nest = depth < 2;
        switch (m_rng.below(nest ? 24 : 17)) {
        case 0:
        case 1:
            return {{u"op"_s, u"sleep"_s}, {u"seconds"_s, seconds()}};
        case 2:
            return {{u"op"_s, u"block"_s}, {u"seconds"_s, m_rng.pick({0.1, 1.0})}};
        case 3:
            if (hasLater())
                return {{u"op"_s, u"spawn"_s}, {u"node"_s, later()}, {u"as"_s, taskVar()}};
            return {{u"op"_s, u"return"_s}, {u"value"_s, m_rng.below(10)}};
        case 4:
            return {{u"op"_s, u"await"_s}, {u"target"_s, target()}, {u"as"_s, u"$r"_s}};
        case 5:
            return {{u"op"_s, u"gather"_s},
                    {u"children"_s, children()},
                    {u"return_exceptions"_s, m_rng.chance(50)},
                    {u"as"_s, u"$r"_s}};
        case 6: {
            QJsonObject s{
                {u"op"_s, u"wait"_s},
                {u"children"_s, children()},
                {u"timeout"_s, timeout()},
                {u"return_when"_s, m_rng.pick({u"ALL_COMPLETED"_s, u"FIRST_COMPLETED"_s, u"FIRST_EXCEPTION"_s})},
                {u"as"_s, u"$w"_s}};
            return s;
        }
        case 7:
            return {{u"op"_s, u"wait_for"_s}, {u"target"_s, target()}, {u"timeout"_s, timeout()}};
        case 8:
            return {{u"op"_s, u"shield"_s}, {u"target"_s, target()}, {u"as"_s, u"$r"_s}};
        case 9:
            return {{u"op"_s, u"as_completed"_s}, {u"children"_s, children()}, {u"timeout"_s, timeout()}};
        case 10:
            return {{u"op"_s, u"future"_s}, {u"as"_s, futureVar()}};
        case 11:
            return {{u"op"_s, u"set_result"_s}, {u"target"_s, futureVar()}, {u"value"_s, m_rng.below(5)}};
        case 12:
            return {{u"op"_s, u"set_exception"_s}, {u"target"_s, futureVar()}, {u"type"_s, excType()}};
        case 13:
            return {{u"op"_s, u"cancel"_s},
                    {u"target"_s, m_rng.pick({u"$t1"_s, u"$t2"_s, u"$w"_s, u"@g"_s})},
                    {u"message"_s, u"stop"_s}};
        case 14:
            return m_rng.chance(50) ? QJsonObject{{u"op"_s, u"raise"_s}, {u"type"_s, excType()}}
                                    : QJsonObject{{u"op"_s, u"return"_s}, {u"value"_s, u"$r"_s}};
        case 15:
            return m_rng.chance(30) ? QJsonObject{{u"op"_s, u"hang"_s}} : QJsonObject{{u"op"_s, u"gc"_s}};
        case 16:
            return {{u"op"_s, u"drop"_s}, {u"target"_s, m_rng.pick({u"$t1"_s, u"$t2"_s, u"$f"_s})}};
        case 17:
        case 18:
            return {{u"op"_s, u"try"_s},
                    {u"body"_s, steps(depth + 1, 1 + m_rng.below(3))},
                    {u"except"_s,
                     QJsonArray{QJsonObject{{u"types"_s, QJsonArray{excType()}},
                                            {u"as"_s, u"$e"_s},
                                            {u"body"_s, steps(depth + 1, m_rng.below(2))}}}},
                    {u"finally"_s, steps(depth + 1, m_rng.below(2))}};
        case 19:
            return {
                {u"op"_s, u"timeout"_s}, {u"seconds"_s, timeout()}, {u"body"_s, steps(depth + 1, 1 + m_rng.below(3))}};
        case 20:
            if (hasLater())
                return {{u"op"_s, u"taskgroup"_s},
                        {u"children"_s, nodeChildren()},
                        {u"body"_s, steps(depth + 1, m_rng.below(3))},
                        {u"as"_s, u"$r"_s}};
            return {{u"op"_s, u"sleep"_s}, {u"seconds"_s, 1}};
        case 21:
            return {{u"op"_s, u"repeat"_s},
                    {u"times"_s, 1 + m_rng.below(3)},
                    {u"body"_s, steps(depth + 1, 1 + m_rng.below(2))}};
        case 22:
            return {{u"op"_s, u"await"_s}, {u"target"_s, u"@g"_s}};
        default:
            return {{u"op"_s, u"cancel"_s}, {u"target"_s, u"$w"_s}};
        }
    }

    Rng m_rng;
    int m_nodes = 0;
    int m_node = 0;
};

// Runs with random live injections; returns the engine (finished).
std::unique_ptr<Engine> runWithRandomInjections(const std::shared_ptr<const Graph> &g, quint64 seed)
{
    Rng rng(seed);
    auto engine = std::make_unique<Engine>(g);
    const int every = 2 + rng.below(8);
    int budget = 1 + rng.below(8);
    while (engine->stepOnce()) {
        if (budget == 0 || !rng.chance(100 / every))
            continue;
        Runtime &rt = engine->runtime();
        QStringList targets;
        for (const Task *t : rt.tasks)
            targets << t->name();
        for (const auto &[name, f] : rt.namedFutures)
            targets << name;
        // a few tries: many picks do not apply (a task already done, a future resolved twice)
        for (int attempt = 0; attempt < 4; ++attempt) {
            Injection in;
            in.kind = Injection::Kind(rng.below(6));
            if (in.kind != Injection::Kind::Collect) {
                if (targets.isEmpty())
                    continue;
                in.target = targets.at(rng.below(int(targets.size())));
            }
            if (rng.chance(30)) {
                in.hasMessage = true;
                in.message = u"injected"_s;
            }
            in.value = rng.below(100);
            in.excType = rng.chance(50) ? u"ValueError"_s : u"CancelledError"_s;
            if (engine->inject(in)) {
                --budget;
                if (qEnvironmentVariableIsSet("ASYNCSCOPE_PROPERTY_VERBOSE"))
                    qInfo().noquote()
                        << QJsonDocument(engine->injections().back().toJson()).toJson(QJsonDocument::Compact);
                break;
            }
        }
    }
    return engine;
}

QString eventText(const Event &e)
{
    return u"t=%1 it=%2 v=%3 s=%4 o=%5 k=%6 f=%7"_s.arg(e.t, 0, 'g', 17)
        .arg(e.iteration)
        .arg(e.value, 0, 'g', 17)
        .arg(e.subject)
        .arg(e.other)
        .arg(int(e.kind))
        .arg(int(e.flags));
}

bool sameEvent(const Event &a, const Event &b)
{
    // bitwise for the doubles: identical means identical, NaN included
    return std::memcmp(&a.t, &b.t, sizeof a.t) == 0 && a.iteration == b.iteration
        && std::memcmp(&a.value, &b.value, sizeof a.value) == 0 && a.subject == b.subject && a.other == b.other
        && a.kind == b.kind && a.flags == b.flags;
}

// The subject of an event when it is a task (index), else -1.
int taskSubject(const Event &e)
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
        return e.subject;
    case EventKind::CancelRequested:
    case EventKind::Collected:
    case EventKind::Injected:
        return (e.flags & 1) ? -1 : e.subject;
    default:
        return -1;
    }
}

bool isTerminal(EventKind k)
{
    return k == EventKind::TaskDone || k == EventKind::TaskFailed || k == EventKind::TaskCancelled;
}

int casesWanted()
{
    bool ok = false;
    const int n = qEnvironmentVariableIntValue("ASYNCSCOPE_PROPERTY_CASES", &ok);
    return ok && n > 0 ? n : 1000;
}

} // namespace

class TestProperties : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void generatorIsValidAndDeterministic();
    void runs_data();
    void runs();
    void cleanupTestCase();

private:
    int m_cases = 0;
    int m_injections = 0;
    int m_terminated = 0;
    int m_pending = 0;
};

void TestProperties::generatorIsValidAndDeterministic()
{
    for (quint64 seed = 0; seed < 50; ++seed) {
        const QByteArray a = GraphGen(seed).make();
        QCOMPARE(GraphGen(seed).make(), a);
        const LoadResult r = loadGraph(a);
        QVERIFY2(r.graph, qPrintable(r.error + u" in "_s + QString::fromUtf8(a)));
    }
}

void TestProperties::runs_data()
{
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<int>("cases");
    const int total = casesWanted();
    for (int row = 0; row * kCasesPerRow < total; ++row) {
        const int cases = std::min(kCasesPerRow, total - row * kCasesPerRow);
        QTest::addRow("graph %d", row) << quint64(row) << cases;
    }
}

void TestProperties::runs()
{
    QFETCH(quint64, seed);
    QFETCH(int, cases);
    const QByteArray json = GraphGen(seed).make();
    const LoadResult lr = loadGraph(json);
    QVERIFY2(lr.graph, qPrintable(lr.error));
    const bool verbose = qEnvironmentVariableIsSet("ASYNCSCOPE_PROPERTY_VERBOSE");
    if (verbose)
        qInfo().noquote() << json;
    for (int c = 0; c < cases; ++c) {
        const quint64 injectionSeed = seed * 1000 + quint64(c);
        if (verbose)
            qInfo("injection seed %llu", injectionSeed);
        const QString where
            = u"graph seed %1, injection seed %2: %3"_s.arg(seed).arg(injectionSeed).arg(QString::fromUtf8(json));
        auto live = runWithRandomInjections(lr.graph, injectionSeed);
        QVERIFY(live->isFinished());
        const Runtime &rt = live->runtime();
        const auto &events = rt.loop().trace().events();
        const size_t n = rt.tasks.size();

        // exactly one terminal state, or pending; the trace agrees with the task
        std::vector<int> terminalAt(n, -1);
        for (size_t i = 0; i < events.size(); ++i) {
            const Event &e = events[i];
            const int task = taskSubject(e);
            if (task < 0)
                continue;
            QVERIFY2(size_t(task) < n, qPrintable(where));
            if (terminalAt[size_t(task)] >= 0) {
                const bool outside = e.kind == EventKind::Injected
                    && (e.other == int(Injection::Kind::Drop) || e.other == int(Injection::Kind::Collect));
                QVERIFY2(
                    e.kind == EventKind::Collected || outside,
                    qPrintable(u"event after the end of task %1: %2 (event %3); "_s.arg(rt.tasks[size_t(task)]->name())
                                   .arg(eventText(e))
                                   .arg(i)
                               + where));
                QVERIFY2(
                    e.kind != EventKind::Collected,
                    qPrintable(u"a finished task was collected: "_s + rt.tasks[size_t(task)]->name() + u"; " + where));
            }
            if (isTerminal(e.kind))
                terminalAt[size_t(task)] = int(i);
        }
        for (size_t i = 0; i < n; ++i) {
            const Task *t = rt.tasks[i];
            if (!t->done()) {
                QVERIFY2(terminalAt[i] < 0,
                         qPrintable(u"pending task with a terminal event: "_s + t->name() + u"; " + where));
                ++m_pending;
                continue;
            }
            QVERIFY2(terminalAt[i] >= 0,
                     qPrintable(u"finished task without a terminal event: "_s + t->name() + u"; " + where));
            const EventKind k = events[size_t(terminalAt[i])].kind;
            const EventKind expected = t->cancelled() ? EventKind::TaskCancelled
                                                      : (t->failed() ? EventKind::TaskFailed : EventKind::TaskDone);
            QVERIFY2(k == expected, qPrintable(u"terminal event disagrees with task "_s + t->name() + u"; " + where));
            ++m_terminated;
        }

        // the same script replayed: the identical trace and outcome
        Engine replay(lr.graph);
        replay.setScript(live->injections());
        replay.runSync();
        const auto &again = replay.runtime().loop().trace().events();
        for (size_t i = 0; i < std::min(events.size(), again.size()); ++i) {
            QVERIFY2(sameEvent(events[i], again[i]),
                     qPrintable(u"replay differs at event %1: %2 vs %3; "_s.arg(i).arg(eventText(events[i]),
                                                                                       eventText(again[i]))
                                + where));
        }
        QVERIFY2(events.size() == again.size(),
                 qPrintable(u"replay has %1 events, the run %2; "_s.arg(again.size()).arg(events.size()) + where));
        QCOMPARE(replay.outcome(), live->outcome());
        QCOMPARE(replay.injections().size(), live->injections().size());

        // the same, freeing what nothing reaches after every iteration: nothing that mattered
        Engine reclaimed(lr.graph);
        reclaimed.setScript(live->injections());
        reclaimed.setReclaim(true, 1);
        reclaimed.runSync();
        const auto &lean = reclaimed.runtime().loop().trace().events();
        QVERIFY2(lean.size() == events.size(),
                 qPrintable(u"reclaiming, %1 events, the run %2; "_s.arg(lean.size()).arg(events.size()) + where));
        for (size_t i = 0; i < events.size(); ++i) {
            QVERIFY2(sameEvent(events[i], lean[i]),
                     qPrintable(u"reclaiming, the trace differs at event %1: %2 vs %3; "_s.arg(i).arg(
                                    eventText(events[i]), eventText(lean[i]))
                                + where));
        }
        QCOMPARE(reclaimed.outcome(), live->outcome());
        m_injections += int(live->injections().size());
        ++m_cases;
    }
}

void TestProperties::cleanupTestCase()
{
    qInfo("%d cases, %d injections applied, %d tasks finished, %d left pending", m_cases, m_injections, m_terminated,
          m_pending);
}

QTEST_GUILESS_MAIN(TestProperties)
#include "tst_properties.moc"
