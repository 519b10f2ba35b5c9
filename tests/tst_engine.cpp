// The engine driver: runs on the Qt event loop in batches, in virtual or real time, and can be
// paused and stepped; every way of running gives the same outcome.
#include "engine.h"
#include "loader.h"
#include "runner.h"
#include "runtime.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace ascope;

namespace {

std::shared_ptr<const Graph> graphFrom(const char *json)
{
    LoadResult r = loadGraph(QByteArray(json));
    if (!r.graph)
        qFatal("test graph invalid: %s", qPrintable(r.error));
    return r.graph;
}

const char *const kSleepers = R"({"format": "asyncgraph/1", "nodes": [
  {"id": "main", "steps": [{"op": "gather", "children": [{"node": "nap", "args": {"d": 1}}, {"node": "nap", "args": {"d": 2}}], "as": "$r"},
                            {"op": "return", "value": "$r"}]},
  {"id": "nap", "params": {"d": 0}, "steps": [{"op": "sleep", "seconds": "$d"}, {"op": "return", "value": "$d"}]}]})";

const char *const kDeadlock = R"({"format": "asyncgraph/1", "futures": ["gate"], "nodes": [
  {"id": "main", "steps": [{"op": "await", "target": "@gate"}]}]})";

const char *const kInject = R"({"format": "asyncgraph/1", "futures": ["gate"], "nodes": [
  {"id": "main", "steps": [
    {"op": "spawn", "node": "sleeper", "as": "$s"},
    {"op": "spawn", "node": "guarded", "as": "$g"},
    {"op": "spawn", "node": "waiter", "as": "$w"},
    {"op": "spawn", "node": "orphan", "as": "$o"},
    {"op": "drop", "target": "$o"},
    {"op": "sleep", "seconds": 10},
    {"op": "return", "value": "end"}]},
  {"id": "sleeper", "steps": [{"op": "sleep", "seconds": 5}, {"op": "return", "value": "slept"}]},
  {"id": "guarded", "steps": [{"op": "try", "body": [{"op": "wait_for", "target": "sleeper", "timeout": 8, "as": "$r"}],
                               "except": [{"types": ["TimeoutError"], "body": [{"op": "return", "value": "timed out"}]}]},
                              {"op": "return", "value": "$r"}]},
  {"id": "waiter", "steps": [{"op": "await", "target": "@gate", "as": "$v"}, {"op": "return", "value": "$v"}]},
  {"id": "orphan", "steps": [{"op": "future", "as": "$f"}, {"op": "await", "target": "$f"}]}]})";

QJsonObject taskOf(const QJsonObject &outcome, const QString &name)
{
    for (const QJsonValue &t : outcome.value(QStringLiteral("tasks")).toArray()) {
        if (t.toObject().value(QStringLiteral("name")).toString() == name)
            return t.toObject();
    }
    return {};
}

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void eventLoopMatchesSync_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("status");
        QTest::newRow("sleepers") << QByteArray(kSleepers) << QStringLiteral("completed");
        QTest::newRow("deadlock") << QByteArray(kDeadlock) << QStringLiteral("deadlock");
    }
    void eventLoopMatchesSync()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, status);
        auto g = graphFrom(json.constData());
        Engine sync(g);
        sync.runSync();
        QCOMPARE(sync.status(), status);

        Engine async(g);
        QSignalSpy done(&async, &Engine::finished);
        async.start();
        QVERIFY(done.count() == 1 || done.wait(5000));
        QCOMPARE(async.outcome(), sync.outcome());
    }

    void realTimeRespectsSpeed_data()
    {
        QTest::addColumn<double>("speed");
        QTest::newRow("x10") << 10.0;
        QTest::newRow("x40") << 40.0;
    }
    void realTimeRespectsSpeed()
    {
        QFETCH(double, speed);
        auto g = graphFrom(kSleepers);
        Engine virt(g);
        virt.runSync();

        Engine real(g);
        real.setRealTime(true, speed);
        QSignalSpy done(&real, &Engine::finished);
        QElapsedTimer wall;
        wall.start();
        real.start();
        QVERIFY(done.wait(10000));
        // 2 virtual seconds may not pass in less than 2 / speed wall seconds
        QVERIFY2(wall.elapsed() >= qint64(2000 / speed) - 1, qPrintable(QString::number(wall.elapsed())));
        QCOMPARE(real.outcome(), virt.outcome());
        QCOMPARE(real.runtime().loop().time(), 2.0);
    }

    void pauseStopsAndStartResumes()
    {
        auto g = graphFrom(kSleepers);
        Engine e(g);
        e.setRealTime(true, 20.0);
        QSignalSpy progressed(&e, &Engine::progressed);
        e.start();
        QVERIFY(progressed.wait(5000));
        e.pause();
        const double t = e.runtime().loop().time();
        QVERIFY(t < 2.0);
        // paused: processing events does not advance the run
        QCoreApplication::processEvents();
        QCOMPARE(e.runtime().loop().time(), t);
        QVERIFY(!e.isFinished());
        QSignalSpy done(&e, &Engine::finished);
        e.start();
        QVERIFY(done.wait(10000));
        QCOMPARE(e.status(), QStringLiteral("completed"));
    }

    void statesAtTime_data()
    {
        QTest::addColumn<double>("t");
        QTest::addColumn<QStringList>("phases"); // main, nap(1), nap(2)
        QTest::newRow("before start") << -1.0
                                      << QStringList{QStringLiteral("not created"), QStringLiteral("not created"),
                                                     QStringLiteral("not created")};
        QTest::newRow("t=0") << 0.0
                             << QStringList{QStringLiteral("waiting"), QStringLiteral("waiting"),
                                            QStringLiteral("waiting")};
        QTest::newRow("t=0.5") << 0.5
                               << QStringList{QStringLiteral("waiting"), QStringLiteral("waiting"),
                                              QStringLiteral("waiting")};
        QTest::newRow("t=1") << 1.0
                             << QStringList{QStringLiteral("waiting"), QStringLiteral("done"),
                                            QStringLiteral("waiting")};
        QTest::newRow("t=2") << 2.0
                             << QStringList{QStringLiteral("done"), QStringLiteral("done"), QStringLiteral("done")};
    }
    void statesAtTime()
    {
        QFETCH(double, t);
        QFETCH(QStringList, phases);
        Engine e(graphFrom(kSleepers));
        e.runSync();
        const auto &rt = e.runtime();
        const auto states = rt.loop().trace().statesAt(t, rt.tasks.size());
        QStringList got;
        for (const auto &s : states)
            got << QLatin1String(taskPhaseName(s.phase));
        QCOMPARE(got, phases);
        // a waiting task names the future it waits on
        for (const auto &s : states)
            QCOMPARE(s.phase == TaskPhase::Waiting, s.awaiting >= 0);
    }

    void injections_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("checkTask");
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("result");
        QTest::newRow("cancel a sleeping task") << "cancel"
                                                << "sleeper"
                                                << "sleeper"
                                                << "cancelled"
                                                << "";
        QTest::newRow("force timeout of wait_for") << "force_timeout"
                                                   << "guarded"
                                                   << "guarded"
                                                   << "done"
                                                   << "timed out";
        QTest::newRow("force timeout of a plain await") << "force_timeout"
                                                        << "waiter"
                                                        << "waiter"
                                                        << "failed"
                                                        << "TimeoutError";
        QTest::newRow("resolve a future") << "resolve"
                                          << "gate"
                                          << "waiter"
                                          << "done"
                                          << "42";
        QTest::newRow("fail a future") << "fail"
                                       << "gate"
                                       << "waiter"
                                       << "failed"
                                       << "ValueError";
    }
    void injections()
    {
        QFETCH(QString, op);
        QFETCH(QString, target);
        QFETCH(QString, checkTask);
        QFETCH(QString, state);
        QFETCH(QString, result);
        auto g = graphFrom(kInject);
        Engine e(g);
        // three iterations: every task has started and waits, virtual time is still 0
        for (int i = 0; i < 3; ++i)
            QVERIFY(e.stepOnce());
        QCOMPARE(e.runtime().loop().time(), 0.0);
        QString why;
        auto in = Injection::fromJson(QJsonObject{{QStringLiteral("op"), op},
                                                  {QStringLiteral("iteration"), 0},
                                                  {QStringLiteral("target"), target},
                                                  {QStringLiteral("value"), 42},
                                                  {QStringLiteral("type"), QStringLiteral("ValueError")}},
                                      &why);
        QVERIFY2(in, qPrintable(why));
        QVERIFY2(e.inject(*in, &why), qPrintable(why));
        e.runSync();
        const QJsonObject out = e.outcome();
        const QJsonObject t = taskOf(out, checkTask);
        QCOMPARE(t.value(QStringLiteral("state")).toString(), state);
        if (state == QLatin1String("done"))
            QCOMPARE(t.value(QStringLiteral("result")).toVariant().toString(), result);
        if (state == QLatin1String("failed"))
            QCOMPARE(t.value(QStringLiteral("exception")).toObject().value(QStringLiteral("type")).toString(), result);
        // the injection is in the trace and in the script, and a replay reproduces the run
        QCOMPARE(e.injections().size(), size_t(1));
        int injected = 0;
        for (const Event &ev : e.runtime().loop().trace().events())
            injected += ev.kind == EventKind::Injected;
        QCOMPARE(injected, 1);
        Engine replay(g);
        replay.setScript(e.injections());
        replay.runSync();
        QCOMPARE(replay.outcome(), out);
        QCOMPARE(replay.runtime().loop().trace().size(), e.runtime().loop().trace().size());
    }

    void dropAndCollectDestroyOrphan()
    {
        Engine e(graphFrom(kInject));
        for (int i = 0; i < 3; ++i)
            QVERIFY(e.stepOnce());
        Injection collect;
        collect.kind = Injection::Kind::Collect;
        QVERIFY(e.inject(collect));
        e.runSync();
        const QJsonObject diag = e.outcome().value(QStringLiteral("diagnostics")).toObject();
        QCOMPARE(diag.value(QStringLiteral("destroyed_pending")).toArray(), QJsonArray{QStringLiteral("orphan")});
        QCOMPARE(diag.value(QStringLiteral("collections"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QStringLiteral("t"))
                     .toDouble(),
                 0.0);
    }

    void badInjectionsAreRefused_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown target") << "cancel"
                                        << "nobody"
                                        << "no task or future named 'nobody'";
        QTest::newRow("resolve a task") << "resolve"
                                        << "sleeper"
                                        << "'sleeper' is a task: only a future can be resolved";
        QTest::newRow("timeout a future") << "force_timeout"
                                          << "gate"
                                          << "'gate' is a future: only a task can time out";
    }
    void badInjectionsAreRefused()
    {
        QFETCH(QString, op);
        QFETCH(QString, target);
        QFETCH(QString, error);
        Engine e(graphFrom(kInject));
        e.stepOnce();
        auto in = Injection::fromJson(
            {{QStringLiteral("op"), op}, {QStringLiteral("iteration"), 0}, {QStringLiteral("target"), target}},
            nullptr);
        QVERIFY(in);
        QString why;
        QVERIFY(!e.inject(*in, &why));
        QCOMPARE(why, error);
        QVERIFY(e.injections().empty());
    }

    void scriptInGraphFile()
    {
        // "injections" saved with the graph are replayed by a plain headless run
        QByteArray json(kInject);
        json.chop(1);
        json += R"(, "injections": [{"iteration": 3, "op": "cancel", "target": "sleeper"}]})";
        auto g = graphFrom(json.constData());
        const QJsonObject out = runToOutcome(*g);
        QCOMPARE(taskOf(out, QStringLiteral("sleeper")).value(QStringLiteral("state")).toString(),
                 QStringLiteral("cancelled"));
        QString why;
        QByteArray bad(kInject);
        bad.chop(1);
        bad += R"(, "injections": [{"iteration": -1, "op": "cancel", "target": "sleeper"}]})";
        QVERIFY(!Engine::scriptFromGraph(*graphFrom(bad.constData()), &why));
        QCOMPARE(why, QStringLiteral("injections[0].iteration: expected a whole number >= 0"));
    }

    void realTimeInjectionKeepsItsTime()
    {
        // Paused while playing in real time, idle time has passed: an injection happens then,
        // is recorded with that time, and a (virtual-time) replay reproduces it exactly.
        auto g = graphFrom(kSleepers);
        Engine e(g);
        e.setRealTime(true, 20.0);
        QSignalSpy progressed(&e, &Engine::progressed);
        e.start();
        QVERIFY(progressed.wait(5000));
        QTRY_VERIFY_WITH_TIMEOUT(e.runtime().tasks.size() == 3, 5000);
        e.pause();
        const double t = e.runtime().loop().time();
        QVERIFY(t > 0.0 && t < 1.0);
        Injection cancel;
        cancel.kind = Injection::Kind::Cancel;
        cancel.target = QStringLiteral("nap#2");
        QVERIFY(e.inject(cancel));
        QCOMPARE(*e.injections().front().time, t);
        e.runSync();
        QCOMPARE(taskOf(e.outcome(), QStringLiteral("nap#2")).value(QStringLiteral("finished")).toDouble(), t);

        Engine replay(g);
        replay.setScript(e.injections());
        replay.runSync();
        QCOMPARE(replay.outcome(), e.outcome());
        // the script survives its JSON form
        auto back = Injection::fromJson(e.injections().front().toJson(), nullptr);
        QVERIFY(back && back->time && *back->time == t);
    }

    void stepOnceAdvancesOneIteration()
    {
        auto g = graphFrom(kSleepers);
        Engine e(g);
        QVERIFY(e.stepOnce()); // main runs: creates the two naps
        QCOMPARE(e.runtime().loop().iteration(), quint64(1));
        QCOMPARE(e.runtime().tasks.size(), size_t(3));
        QVERIFY(e.stepOnce());
        QCOMPARE(e.runtime().loop().iteration(), quint64(2));
        QCOMPARE(e.runtime().loop().time(), 0.0);
        QVERIFY(e.stepOnce()); // the first timer: time jumps to 1
        QCOMPARE(e.runtime().loop().time(), 1.0);
        while (e.stepOnce()) { }
        QVERIFY(e.isFinished());
        QCOMPARE(e.outcome().value(QStringLiteral("main")).toObject().value(QStringLiteral("result")).toArray().size(),
                 2);
    }

    // Reclaiming: what nothing reaches is freed between iterations, and the run is the same.
    void reclaimFreesWhatNothingReaches_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<size_t>("every");
        const QByteArray churn = R"({"format": "asyncgraph/1", "nodes": [
  {"id": "main", "steps": [{"op": "taskgroup", "children": [{"node": "worker", "count": 20}]}, {"op": "return", "value": "ok"}]},
  {"id": "worker", "steps": [{"op": "repeat", "times": 50, "body": [
     {"op": "try", "body": [{"op": "wait_for", "target": "slow", "timeout": 0.5}], "except": [{"types": ["TimeoutError"]}]}]}]},
  {"id": "slow", "steps": [{"op": "try", "body": [{"op": "sleep", "seconds": 1}], "finally": [{"op": "sleep", "seconds": 0}]}]}]})";
        const QByteArray chain = R"({"format": "asyncgraph/1", "nodes": [
  {"id": "main", "steps": [{"op": "repeat", "times": 500, "body": [{"op": "spawn", "node": "step", "as": "$t"},
                              {"op": "try", "body": [{"op": "await", "target": "$t"}], "except": [{"types": ["ValueError"]}]}]},
                            {"op": "return", "value": "$t"}]},
  {"id": "step", "steps": [{"op": "sleep", "seconds": 0}, {"op": "raise", "type": "ValueError", "message": "kept"}]}]})";
        QTest::newRow("wait_for timeouts, after every iteration") << churn << size_t(1);
        QTest::newRow("wait_for timeouts, every 100 objects") << churn << size_t(100);
        QTest::newRow("a chain of failing tasks, after every iteration") << chain << size_t(1);
    }
    void reclaimFreesWhatNothingReaches()
    {
        QFETCH(QByteArray, json);
        QFETCH(size_t, every);
        const LoadResult lr = loadGraph(json);
        QVERIFY2(lr.graph, qPrintable(lr.error));
        Engine keep(lr.graph);
        keep.runSync();
        Engine lean(lr.graph);
        lean.setReclaim(true, every);
        lean.runSync();
        QCOMPARE(lean.outcome(), keep.outcome());
        QCOMPARE(lean.runtime().loop().trace().size(), keep.runtime().loop().trace().size());
        const Runtime &rt = lean.runtime();
        // most tasks were freed (a freed task leaves its record), and a fraction of the objects live
        const auto freed = std::count(rt.tasks.begin(), rt.tasks.end(), nullptr);
        QVERIFY2(freed * 10 > qsizetype(rt.tasks.size()) * 9, qPrintable(QString::number(freed)));
        QCOMPARE(std::count(rt.futures.begin(), rt.futures.end(), nullptr) >= freed, true);
        QVERIFY(rt.loop().arena().size() * 5 < keep.runtime().loop().arena().size());
        for (size_t i = 0; i < rt.tasks.size(); ++i)
            QCOMPARE(rt.taskName(i), keep.runtime().tasks[i]->name());
    }

    // What only C++ holds across a suspension survives while pinned, and is freed after.
    void reclaimKeepsPinned()
    {
        Runtime rt(graphFrom(kSleepers));
        Future *f = rt.createFuture();
        const int id = f->id;
        {
            const Pin pin(f);
            QCOMPARE(rt.reclaim({}), size_t(0));
            QCOMPARE(rt.futures[size_t(id)], f);
            QCOMPARE(f->pins, 1u);
        }
        QCOMPARE(rt.reclaim({}), size_t(1));
        QVERIFY(!rt.futures[size_t(id)]);
        // what the caller names as its own is kept too, and what it reaches
        Future *g = rt.createFuture();
        ExcObj *e = rt.newExc(QStringLiteral("ValueError"));
        g->setException(e);
        (void)g->exception(); // retrieved: nothing reports it
        QCOMPARE(rt.reclaim({g}), size_t(0));
        QCOMPARE(rt.reclaim({}), size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
