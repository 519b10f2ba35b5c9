// StateCountsModel over engines: every row agrees with Trace::statesAt at its time, refreshing
// after every loop iteration gives the same rows as one refresh at the end (appends and last-row
// updates only, never a reset), the row cap keeps rows exact, and 07's two destroyed tasks.
#include "engine.h"
#include "loader.h"
#include "statecountsmodel.h"
#include "trace.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

std::shared_ptr<const Graph> conformance(const QString &name)
{
    const LoadResult r = loadGraphFile(QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance/") + name + u".json"_s);
    if (!r.graph)
        qFatal("conformance graph invalid: %s", qPrintable(r.error));
    return r.graph;
}

// Spawns `count` workers, one every 0.01 s, each sleeping a different time; every 7th fails and
// every 5th is cancelled by main while it sleeps.
std::shared_ptr<const Graph> manyTasks(int count)
{
    const QByteArray json = R"({"format": "asyncgraph/1", "nodes": [
      {"id": "main", "steps": [{"op": "repeat", "times": )"
        + QByteArray::number(count) + R"(, "body": [
          {"op": "spawn", "node": "work", "as": "$w"}, {"op": "sleep", "seconds": 0.01},
          {"op": "spawn", "node": "boom", "as": "$b"}, {"op": "spawn", "node": "work", "as": "$c"},
          {"op": "sleep", "seconds": 0}, {"op": "cancel", "target": "$c"}]},
        {"op": "sleep", "seconds": 1}]},
      {"id": "work", "steps": [{"op": "sleep", "seconds": 0.5}]},
      {"id": "boom", "steps": [{"op": "sleep", "seconds": 0.003}, {"op": "raise", "type": "ValueError"}]}]})";
    const LoadResult r = loadGraph(json);
    if (!r.graph)
        qFatal("test graph invalid: %s", qPrintable(r.error));
    return r.graph;
}

StateCounts fromStates(const std::vector<TaskStateAt> &states)
{
    StateCounts c;
    for (const TaskStateAt &s : states) {
        switch (s.phase) {
        case TaskPhase::NotCreated:
            break;
        case TaskPhase::Scheduled:
        case TaskPhase::Running:
        case TaskPhase::Waiting:
            ++c.pending;
            break;
        case TaskPhase::Done:
            ++c.done;
            break;
        case TaskPhase::Failed:
            ++c.failed;
            break;
        case TaskPhase::Cancelled:
            ++c.cancelled;
            break;
        case TaskPhase::Destroyed:
            ++c.destroyed;
            break;
        }
    }
    return c;
}

QString text(const StateCounts &c)
{
    return u"t=%1 pending=%2 done=%3 failed=%4 cancelled=%5 destroyed=%6"_s.arg(c.time)
        .arg(c.pending)
        .arg(c.done)
        .arg(c.failed)
        .arg(c.cancelled)
        .arg(c.destroyed);
}

QStringList texts(const std::vector<StateCounts> &rows)
{
    QStringList out;
    for (const StateCounts &c : rows)
        out << text(c);
    return out;
}

// Every row equals what the trace says at its time, and the model's cells show the rows.
void checkAgainstTrace(const StateCountsModel &model, const Engine &engine)
{
    const Trace &trace = engine.runtime().loop().trace();
    const size_t tasks = engine.runtime().tasks.size();
    QCOMPARE(size_t(model.rowCount()), model.rows().size());
    for (int r = 0; r < model.rowCount(); ++r) {
        const StateCounts &row = model.rows()[size_t(r)];
        StateCounts expected = fromStates(trace.statesAt(row.time, tasks));
        expected.time = row.time;
        QCOMPARE(text(row), text(expected));
        QCOMPARE(model.index(r, StateCountsModel::TimeColumn).data().toDouble(), row.time);
        QCOMPARE(model.index(r, StateCountsModel::PendingColumn).data().toInt(), row.pending);
        QCOMPARE(model.index(r, StateCountsModel::DestroyedColumn).data().toInt(), row.destroyed);
        if (r > 0) {
            QVERIFY(row.time > model.rows()[size_t(r) - 1].time);
            QVERIFY(!row.sameCounts(model.rows()[size_t(r) - 1]));
        }
    }
    // the last row is the final count
    if (model.rowCount() > 0) {
        StateCounts last = fromStates(trace.statesAfter(trace.size(), tasks));
        last.time = model.rows().back().time;
        QCOMPARE(text(model.rows().back()), text(last));
    }
}

} // namespace

class TestStateCountsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void incrementalEqualsOneRefresh_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const char *name :
             {"01-create-task-concurrency", "02-gather-return-exceptions", "07-as-completed-timeout-leak",
              "09-cancel-all-on-interrupt", "10-taskgroup-failure", "13-swallowed-cancel", "14-deadlock",
              "108-task-created-during-shutdown", "110-gather-children-destroyed-silently"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }
    void incrementalEqualsOneRefresh()
    {
        QFETCH(QString, scenario);
        const auto graph = conformance(scenario);

        Engine live(graph);
        StateCountsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&live);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        while (live.stepOnce())
            model.refresh();
        model.refresh();
        QCOMPARE(resets.count(), 0);
        QVERIFY(inserted.count() > 0);
        checkAgainstTrace(model, live);

        Engine once(graph);
        once.runSync();
        StateCountsModel atEnd;
        QAbstractItemModelTester endTester(&atEnd, QAbstractItemModelTester::FailureReportingMode::QtTest);
        atEnd.setEngine(&once);
        QCOMPARE(texts(atEnd.rows()), texts(model.rows()));
        checkAgainstTrace(atEnd, once);
    }

    void asCompletedTimeoutLeak()
    {
        Engine engine(conformance(u"07-as-completed-timeout-leak"_s));
        engine.runSync();
        StateCountsModel model;
        model.setEngine(&engine);
        // six tasks made at 0, three subs done at 0; at 1 s main ends and the collection destroys
        // the two stuck subs
        QCOMPARE(texts(model.rows()),
                 QStringList({u"t=0 pending=3 done=3 failed=0 cancelled=0 destroyed=0"_s,
                              u"t=1 pending=0 done=4 failed=0 cancelled=0 destroyed=2"_s}));
        QCOMPARE(text(model.countsAt(-1)), u"t=-1 pending=0 done=0 failed=0 cancelled=0 destroyed=0"_s);
        QCOMPARE(text(model.countsAt(0.5)), u"t=0.5 pending=3 done=3 failed=0 cancelled=0 destroyed=0"_s);
        QCOMPARE(model.countsAt(7).destroyed, 2);
        QCOMPARE(StateCountsModel::stateOfColumn(StateCountsModel::PendingColumn), u"pending"_s);
        QCOMPARE(model.headerData(StateCountsModel::FailedColumn, Qt::Horizontal).toString(), u"Failed"_s);
    }

    void rowCapKeepsRowsExact_data()
    {
        QTest::addColumn<int>("maxRows");
        QTest::addColumn<int>("stepsPerRefresh");
        QTest::newRow("uncapped, every step") << 1000000 << 1;
        QTest::newRow("cap 40, every step") << 40 << 1;
        QTest::newRow("cap 40, every 97 steps") << 40 << 97;
        QTest::newRow("cap 10, every step") << 10 << 1;
    }
    void rowCapKeepsRowsExact()
    {
        QFETCH(int, maxRows);
        QFETCH(int, stepsPerRefresh);
        const auto graph = manyTasks(300);

        Engine engine(graph);
        StateCountsModel model;
        model.setMaxRows(maxRows);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&engine);
        for (int n = 1; engine.stepOnce(); ++n) {
            if (n % stepsPerRefresh == 0)
                model.refresh();
        }
        model.refresh();
        checkAgainstTrace(model, engine);
        QCOMPARE(engine.runtime().tasks.size(), size_t(901));

        // the same rows as one refresh at the end
        Engine once(graph);
        once.runSync();
        StateCountsModel atEnd;
        atEnd.setMaxRows(maxRows);
        atEnd.setEngine(&once);
        QCOMPARE(texts(atEnd.rows()), texts(model.rows()));

        // 300 spawn moments over 3.5 s: the cap bounds the rows (a few times maxRows, growing
        // with the log of the extent), uncapped every moment has its row
        if (maxRows < 1000)
            QVERIFY2(model.rowCount() <= 4 * maxRows, qPrintable(QString::number(model.rowCount())));
        else
            QVERIFY(model.rowCount() > 600);
    }

    void followsTheEngine()
    {
        StateCountsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        {
            Engine engine(conformance(u"14-deadlock"_s));
            model.setEngine(&engine);
            QCOMPARE(model.engine(), &engine);
            QSignalSpy finished(&engine, &Engine::finished);
            engine.start();
            QVERIFY(finished.wait(10000));
            QCOMPARE(texts(model.rows()),
                     QStringList({u"t=0 pending=2 done=0 failed=0 cancelled=0 destroyed=0"_s,
                                  u"t=2 pending=1 done=0 failed=1 cancelled=0 destroyed=0"_s}));
        }
        QCOMPARE(model.rowCount(), 0); // the engine went away
        QCOMPARE(model.engine(), nullptr);
    }
};

QTEST_GUILESS_MAIN(TestStateCountsModel)
#include "tst_statecountsmodel.moc"
