// TaskTableModel and TaskTableFilter over live engines: model consistency under
// QAbstractItemModelTester while tasks appear and change (inserts and dataChanged, no resets),
// states agreeing with the outcome for every bundled example, the awaited-object column, the
// text and state filters, and what the inspector and the editor get from the model.
#include "engine.h"
#include "loader.h"
#include "tasktablefilter.h"
#include "tasktablemodel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

std::shared_ptr<const Graph> graphFrom(const QByteArray &json)
{
    LoadResult r = loadGraph(json);
    if (!r.graph)
        qFatal("test graph invalid: %s", qPrintable(r.error));
    return r.graph;
}

std::shared_ptr<const Graph> example(const QString &file)
{
    LoadResult r = loadGraphFile(QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/resources/examples/") + file);
    if (!r.graph)
        qFatal("example invalid: %s", qPrintable(r.error));
    return r.graph;
}

// Three children in a TaskGroup, sleeping 1, 2 and 3 s; one more task spawned at 1.5 s.
const QByteArray kGroup = R"({"format": "asyncgraph/1", "nodes": [
  {"id": "main", "steps": [
    {"op": "taskgroup", "as": "$r", "children": [{"node": "nap", "args": {"d": 1}}, {"node": "nap", "args": {"d": 2}}, {"node": "nap", "args": {"d": 3}}],
     "body": [{"op": "sleep", "seconds": 1.5}, {"op": "spawn", "node": "late", "as": "$late"}]},
    {"op": "await", "target": "$late"},
    {"op": "return", "value": "$r"}]},
  {"id": "nap", "params": {"d": 0}, "steps": [{"op": "sleep", "seconds": "$d"}, {"op": "return", "value": "$d"}]},
  {"id": "late", "steps": [{"op": "sleep", "seconds": 0.1}, {"op": "raise", "type": "ValueError", "message": "late"}]}]})";

QString cell(const QAbstractItemModel &m, int row, int column)
{
    return m.index(row, column).data().toString();
}

QStringList column(const QAbstractItemModel &m, int c)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << cell(m, r, c);
    return out;
}

// Steps until the loop's clock reaches t (or the run ends).
void stepTo(Engine &engine, double t)
{
    while (!engine.isFinished() && engine.runtime().loop().time() < t)
        engine.stepOnce();
}

// Runs every iteration that happens at virtual time <= t: the engine is then in the state the
// trace gives for t (Trace::statesAt).
void runThrough(Engine &engine, double t)
{
    const Loop &loop = engine.runtime().loop();
    while (!engine.isFinished()) {
        const std::optional<double> next = loop.nextDeadline();
        if (engine.stage() != Engine::Stage::NotStarted && loop.ready().empty() && (!next || *next > t))
            break;
        engine.stepOnce();
    }
}

} // namespace

class TestTaskTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void consistentWhileRunningOnTheEventLoop()
    {
        TaskTableModel model;
        TaskTableFilter filter;
        filter.setSourceModel(&model);
        filter.sort(TaskTableModel::FinishedColumn, Qt::DescendingOrder);
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester filterTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);

        Engine engine(graphFrom(kGroup));
        model.setEngine(&engine);
        QCOMPARE(model.rowCount(), 0); // not started: no task yet
        QCOMPARE(model.columnCount(), int(TaskTableModel::ColumnCount));

        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy finished(&engine, &Engine::finished);
        engine.start();
        QVERIFY(finished.wait(10000));

        QCOMPARE(resets.count(), 0);
        QVERIFY(inserts.count() >= 1);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(filter.rowCount(), 5);
        QCOMPARE(column(model, TaskTableModel::TaskColumn),
                 (QStringList{u"main"_s, u"nap"_s, u"nap#2"_s, u"nap#3"_s, u"late"_s}));
        // late fails at 1.6 s: the group is already past its body, so main fails with it
        // (awaiting $late raises) and nothing is cancelled.
        QCOMPARE(column(model, TaskTableModel::StateColumn),
                 (QStringList{u"failed"_s, u"done"_s, u"done"_s, u"done"_s, u"failed"_s}));
        QCOMPARE(cell(model, 1, TaskTableModel::ResultColumn), u"1"_s);
        QCOMPARE(cell(model, 4, TaskTableModel::ResultColumn), u"ValueError('late')"_s);
        QCOMPARE(cell(model, 4, TaskTableModel::CreatedColumn), u"1.500"_s);
        QCOMPARE(cell(model, 4, TaskTableModel::FinishedColumn), u"1.600"_s);
        Q_UNUSED(changes);
    }

    void rowsArriveAndChangeStepByStep()
    {
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        Engine engine(graphFrom(kGroup));
        model.setEngine(&engine);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        engine.stepOnce(); // main runs: creates the three children
        model.refresh();
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(inserts.at(0).at(1).toInt(), 0);
        QCOMPARE(inserts.at(0).at(2).toInt(), 3);
        QCOMPARE(model.stateOf(0), u"waiting"_s);
        QCOMPARE(model.stateOf(1), u"scheduled"_s);

        changes.clear();
        model.refresh(); // nothing happened: no signal at all
        QCOMPARE(changes.count(), 0);

        engine.stepOnce(); // the children start their sleeps
        model.refresh();
        QCOMPARE(changes.count(), 1);
        const QModelIndex first = changes.at(0).at(0).value<QModelIndex>();
        const QModelIndex last = changes.at(0).at(1).value<QModelIndex>();
        QCOMPARE(first.row(), 1);
        QCOMPARE(last.row(), 3);
        QCOMPARE(model.stateOf(1), u"waiting"_s);
        QCOMPARE(cell(model, 1, TaskTableModel::AwaitingColumn), u"sleep until 1.000 s"_s);
        QCOMPARE(cell(model, 3, TaskTableModel::AwaitingColumn), u"sleep until 3.000 s"_s);

        stepTo(engine, 1.5);
        model.refresh();
        QCOMPARE(model.stateOf(1), u"done"_s);
        QCOMPARE(cell(model, 1, TaskTableModel::FinishedColumn), u"1.000"_s);
        QVERIFY(cell(model, 2, TaskTableModel::FinishedColumn).isEmpty());
        QCOMPARE(resets.count(), 0);

        engine.runSync();
        model.refresh();
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(resets.count(), 0);
    }

    void statesAgreeWithTheOutcome_data()
    {
        QTest::addColumn<QString>("file");
        const QStringList files = QDir(QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/resources/examples"))
                                      .entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        for (const QString &f : files)
            QTest::newRow(qPrintable(f)) << f;
    }

    void statesAgreeWithTheOutcome()
    {
        QFETCH(QString, file);
        Engine engine(example(file));
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&engine);
        engine.runSync();
        model.refresh();
        const QJsonObject outcome = engine.outcome();
        const QJsonArray tasks = outcome.value(u"tasks").toArray();
        const QJsonArray destroyed = outcome.value(u"diagnostics").toObject().value(u"destroyed_pending").toArray();
        QCOMPARE(model.rowCount(), int(tasks.size()));
        for (int row = 0; row < model.rowCount(); ++row) {
            const QJsonObject t = tasks.at(row).toObject();
            QCOMPARE(model.taskName(row), t.value(u"name").toString());
            QCOMPARE(model.nodeOf(row), t.value(u"node").toString());
            // After shutdown: the final state. A task collected while pending stays pending in
            // the outcome and shows as destroyed; one left pending (a deadlock) still waits.
            QString expected = t.value(u"final_state").toString();
            if (expected == u"pending")
                expected = destroyed.contains(t.value(u"name")) ? u"destroyed"_s : u"waiting"_s;
            QCOMPARE(model.stateOf(row), expected);
        }
    }

    void awaitingColumn_data()
    {
        QTest::addColumn<QString>("file"); // a bundled example
        QTest::addColumn<double>("time");
        QTest::addColumn<QString>("task");
        QTest::addColumn<QString>("awaiting");
        QTest::newRow("TaskGroup exit waits on its children")
            << u"taskgroup-cancel-child.json"_s << 0.0 << u"main"_s << u"TaskGroup (3)"_s;
        QTest::newRow("a child's sleep") << u"taskgroup-cancel-child.json"_s << 0.0 << u"upload"_s
                                         << u"sleep until 2.500 s"_s;
        QTest::newRow("later, the same wait")
            << u"taskgroup-cancel-child.json"_s << 2.2 << u"main"_s << u"TaskGroup (3)"_s;
        QTest::newRow("gather") << u"gather.json"_s << 0.5 << u"main"_s << u"gather"_s;
        QTest::newRow("wait_for") << u"wait-for.json"_s << 0.5 << u"main"_s << u"wait_for (timeout 1 s)"_s;
        QTest::newRow("as_completed") << u"as-completed.json"_s << 0.3 << u"main"_s << u"as_completed (3)"_s;
        QTest::newRow("as_completed, one left fewer")
            << u"as-completed.json"_s << 0.5 << u"main"_s << u"as_completed (2)"_s;
    }

    // The Awaiting column names the asyncio call that made the awaited future (with the number of
    // awaitables it had then, or its timeout), live and as of a past moment (scrubbing) alike.
    void awaitingColumn()
    {
        QFETCH(QString, file);
        QFETCH(double, time);
        QFETCH(QString, task);
        QFETCH(QString, awaiting);
        Engine engine(example(file));
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&engine);
        runThrough(engine, time);
        model.refresh();
        QCOMPARE(cell(model, model.rowForTask(task), TaskTableModel::AwaitingColumn), awaiting);
        engine.runSync();
        model.refresh();
        model.setTime(time);
        QCOMPARE(cell(model, model.rowForTask(task), TaskTableModel::AwaitingColumn), awaiting);
        model.followLive();
        QVERIFY(model.isLive());
    }

    void filters_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("state");
        QTest::addColumn<QStringList>("names");
        QTest::newRow("everything") << QString() << QString()
                                    << QStringList{u"main"_s, u"nap"_s, u"nap#2"_s, u"nap#3"_s};
        QTest::newRow("text matches node") << u"NAP"_s << QString() << QStringList{u"nap"_s, u"nap#2"_s, u"nap#3"_s};
        QTest::newRow("text matches task name") << u"#3"_s << QString() << QStringList{u"nap#3"_s};
        QTest::newRow("text matches awaited object") << u"until 2.000"_s << QString() << QStringList{u"nap#2"_s};
        QTest::newRow("text matches result") << u"'"_s << QString() << QStringList();
        QTest::newRow("state done") << QString() << u"done"_s << QStringList{u"nap"_s};
        QTest::newRow("state active") << QString() << TaskTableFilter::activeStates()
                                      << QStringList{u"main"_s, u"nap#2"_s, u"nap#3"_s};
        QTest::newRow("state and text") << u"nap"_s << u"waiting"_s << QStringList{u"nap#2"_s, u"nap#3"_s};
        QTest::newRow("no match") << u"zzz"_s << QString() << QStringList();
    }

    void filters()
    {
        QFETCH(QString, text);
        QFETCH(QString, state);
        QFETCH(QStringList, names);
        Engine engine(graphFrom(kGroup));
        TaskTableModel model;
        TaskTableFilter filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&engine);
        stepTo(engine, 1.2); // nap done; nap#2, nap#3 sleeping; main in the group's body
        model.refresh();
        filter.setTextFilter(text);
        filter.setStateFilter(state);
        filter.sort(TaskTableModel::TaskColumn, Qt::AscendingOrder);
        QCOMPARE(column(filter, TaskTableModel::TaskColumn), names);
        // Rows arriving later are filtered too.
        engine.runSync();
        model.refresh();
        filter.setTextFilter(QString());
        filter.setStateFilter(QString());
        QCOMPARE(filter.rowCount(), 5);
    }

    void sortsTimesNumerically()
    {
        Engine engine(example(u"as-completed.json"_s));
        TaskTableModel model;
        TaskTableFilter filter;
        filter.setSourceModel(&model);
        model.setEngine(&engine);
        engine.runSync();
        model.refresh();
        filter.sort(TaskTableModel::FinishedColumn, Qt::AscendingOrder);
        QCOMPARE(column(filter, TaskTableModel::TaskColumn),
                 (QStringList{u"download#2"_s, u"download#3"_s, u"main"_s, u"download"_s}));
        filter.sort(TaskTableModel::TaskColumn, Qt::AscendingOrder); // creation order
        QCOMPARE(column(filter, TaskTableModel::TaskColumn),
                 (QStringList{u"main"_s, u"download"_s, u"download#2"_s, u"download#3"_s}));
    }

    void inspectorAndEditorViews()
    {
        Engine engine(example(u"taskgroup-failure.json"_s));
        TaskTableModel model;
        model.setEngine(&engine);
        stepTo(engine, 0.3);
        model.refresh();
        const QJsonObject cart = model.taskInfo(model.rowForTask(u"load_cart"_s));
        QCOMPARE(cart.value(u"name").toString(), u"load_cart"_s);
        QCOMPARE(cart.value(u"node").toString(), u"load_cart"_s);
        QCOMPARE(cart.value(u"state").toString(), u"waiting"_s);
        QCOMPARE(cart.value(u"awaiting").toString(), u"sleep until 2.200 s"_s);
        QVERIFY(!cart.contains(u"finished"));
        QCOMPARE(model.nodeStates().value(u"load_cart"_s), u"waiting"_s);
        QCOMPARE(model.firstRowForNode(u"charge_card"_s), 2);
        QCOMPARE(model.firstRowForNode(u"nowhere"_s), -1);

        engine.runSync();
        model.refresh();
        const QJsonObject charge = model.taskInfo(model.rowForTask(u"charge_card"_s));
        QCOMPARE(charge.value(u"state").toString(), u"failed"_s);
        QCOMPARE(charge.value(u"exception").toObject().value(u"type").toString(), u"ConnectionError"_s);
        QCOMPARE(charge.value(u"finished").toDouble(), 0.5);
        const QJsonObject main = model.taskInfo(0);
        QCOMPARE(main.value(u"result").toObject().value(u"exception").toObject().value(u"type").toString(),
                 u"ExceptionGroup"_s);
        const QHash<QString, QString> nodes = model.nodeStates();
        QCOMPARE(nodes.value(u"main"_s), u"done"_s);
        QCOMPARE(nodes.value(u"charge_card"_s), u"failed"_s);
        QCOMPARE(nodes.value(u"send_receipt"_s), u"cancelled"_s);
        QCOMPARE(model.stateCounts().value(u"cancelled"_s), 2);
        QVERIFY(model.index(2, TaskTableModel::StateColumn).data(Qt::ForegroundRole).value<QColor>().isValid());
    }

    void theMostRecentTaskOfANodeColoursIt()
    {
        Engine engine(example(u"as-completed.json"_s));
        TaskTableModel model;
        model.setEngine(&engine);
        stepTo(engine, 0.6); // download#2 (0.5 s) done, download and download#3 still sleeping
        model.refresh();
        QCOMPARE(model.stateOf(model.rowForTask(u"download#2"_s)), u"done"_s);
        QCOMPARE(model.nodeStates().value(u"download"_s), u"waiting"_s); // download#3 is the last
    }

    void followsTheEngine()
    {
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        auto engine = std::make_unique<Engine>(graphFrom(kGroup));
        engine->runSync();
        model.setEngine(engine.get()); // an engine that already ran: every row at once
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(resets.count(), 1);
        engine.reset(); // destroyed: the table empties instead of dangling
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.engine());
        QCOMPARE(resets.count(), 2);
        model.refresh(); // harmless without an engine
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestTaskTableModel)
#include "tst_tasktablemodel.moc"
