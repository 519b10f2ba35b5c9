// The engine driver: runs on the Qt event loop in batches, in virtual or real time, and can be
// paused and stepped; every way of running gives the same outcome.
#include "engine.h"
#include "loader.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

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
        QTest::newRow("before start") << -1.0 << QStringList{QStringLiteral("not created"), QStringLiteral("not created"), QStringLiteral("not created")};
        QTest::newRow("t=0") << 0.0 << QStringList{QStringLiteral("waiting"), QStringLiteral("waiting"), QStringLiteral("waiting")};
        QTest::newRow("t=0.5") << 0.5 << QStringList{QStringLiteral("waiting"), QStringLiteral("waiting"), QStringLiteral("waiting")};
        QTest::newRow("t=1") << 1.0 << QStringList{QStringLiteral("waiting"), QStringLiteral("done"), QStringLiteral("waiting")};
        QTest::newRow("t=2") << 2.0 << QStringList{QStringLiteral("done"), QStringLiteral("done"), QStringLiteral("done")};
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
        while (e.stepOnce()) {
        }
        QVERIFY(e.isFinished());
        QCOMPARE(e.outcome().value(QStringLiteral("main")).toObject().value(QStringLiteral("result")).toArray().size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
