// The diagnostics of a run (engine/diagnostics.h): on every conformance scenario the findings that
// the outcome also reports (destroyed_pending, exception_never_retrieved, pending_at_exit,
// shutdown_errors) agree exactly with the oracle's golden outcome; on the public scenarios also with
// the oracle run live (skipped without ../shared); and each kind of finding on small inline graphs,
// with its task, node, time, reason and chain.
#include "diagnostics.h"
#include "semantics/testutil.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>

using namespace Qt::StringLiterals;
using namespace ascope;
using ascope::test::runEngine;

namespace {

const QString kConformanceDir = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance");
const QString kSharedDir = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/../shared");

// The outcome's diagnostic lists that findings must reproduce, by outcome key.
const std::vector<std::pair<QString, Finding::Kind>> &reportedKinds()
{
    static const std::vector<std::pair<QString, Finding::Kind>> kinds = {
        {u"destroyed_pending"_s, Finding::Kind::DestroyedPending},
        {u"exception_never_retrieved"_s, Finding::Kind::ExceptionNeverRetrieved},
        {u"pending_at_exit"_s, Finding::Kind::PendingAtExit},
        {u"shutdown_errors"_s, Finding::Kind::ShutdownError},
    };
    return kinds;
}

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

QStringList namesOf(const std::vector<Finding> &findings, Finding::Kind kind)
{
    QStringList out;
    for (const Finding &f : findings) {
        if (f.kind == kind)
            out << f.task;
    }
    return sorted(out);
}

QStringList jsonNames(const QJsonObject &diagnostics, const QString &key)
{
    QStringList out;
    for (const QJsonValue &v : diagnostics.value(key).toArray())
        out << v.toString();
    return sorted(out);
}

std::unique_ptr<Engine> runFile(const QString &path)
{
    const LoadResult lr = loadGraphFile(path);
    if (!lr.graph)
        return {};
    auto engine = std::make_unique<Engine>(lr.graph);
    if (auto script = Engine::scriptFromGraph(*lr.graph, nullptr))
        engine->setScript(std::move(*script));
    engine->runSync();
    return engine;
}

// Compares the findings with an outcome's diagnostics; also checks every finding's task and node.
void compareWithOutcome(const Engine &engine, const QJsonObject &expected)
{
    const std::vector<Finding> findings = diagnose(engine);
    const QJsonObject diagnostics = expected.value(u"diagnostics"_s).toObject();
    for (const auto &[key, kind] : reportedKinds()) {
        const QStringList got = namesOf(findings, kind);
        const QStringList want = jsonNames(diagnostics, key);
        if (got != want)
            qWarning().noquote() << key << u"got"_s << got.join(u',') << u"want"_s << want.join(u',');
        QCOMPARE(got, want);
    }
    const Runtime &rt = engine.runtime();
    double last = -1;
    for (const Finding &f : findings) {
        QVERIFY2(f.time >= last, "findings come in time order");
        last = f.time;
        QVERIFY(!f.message.isEmpty());
        if (f.node.isEmpty())
            continue;
        const auto it
            = std::find_if(rt.tasks.begin(), rt.tasks.end(), [&](const Task *t) { return t->name() == f.task; });
        QVERIFY2(it != rt.tasks.end(), qPrintable(f.task));
        QCOMPARE(f.node, rt.graph().nodes[size_t((*it)->node)].id);
    }
}

const Finding *findOne(const std::vector<Finding> &findings, Finding::Kind kind, const QString &task)
{
    for (const Finding &f : findings) {
        if (f.kind == kind && f.task == task)
            return &f;
    }
    return nullptr;
}

int countOf(const std::vector<Finding> &findings, Finding::Kind kind)
{
    return int(std::count_if(findings.begin(), findings.end(), [&](const Finding &f) { return f.kind == kind; }));
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestDiagnostics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void names()
    {
        for (int k = 0; k <= int(Finding::Kind::ShutdownError); ++k) {
            const auto kind = Finding::Kind(k);
            const QString name = QLatin1String(findingKindName(kind));
            QVERIFY(!name.isEmpty());
            QCOMPARE(findingKindFromName(name), std::optional<Finding::Kind>(kind));
        }
        QCOMPARE(QLatin1String(findingKindName(Finding::Kind::DestroyedPending)), "destroyed_pending"_L1);
        QCOMPARE(QLatin1String(findingKindName(Finding::Kind::FireAndForget)), "fire_and_forget"_L1);
        QCOMPARE(severityFromName(u"warning"), std::optional<Finding::Severity>(Finding::Severity::Warning));
        QCOMPARE(severityFromName(u"error"), std::optional<Finding::Severity>(Finding::Severity::Error));
        QCOMPARE(severityFromName(u"info"), std::optional<Finding::Severity>(Finding::Severity::Info));
        QVERIFY(!severityFromName(u"fatal"));
        QVERIFY(!findingKindFromName(u"leak"));

        const Finding f{
            Finding::Kind::Deadlock, Finding::Severity::Error, u"main"_s, u"main"_s, 2.0000000001, u"stuck"_s,
            {u"main"_s, u"gate"_s}};
        const QJsonObject o = findingToJson(f);
        QCOMPARE(o.value(u"kind"_s).toString(), u"deadlock"_s);
        QCOMPARE(o.value(u"severity"_s).toString(), u"error"_s);
        QCOMPARE(o.value(u"task"_s).toString(), u"main"_s);
        QCOMPARE(o.value(u"time"_s).toDouble(), 2.0);
        QCOMPARE(o.value(u"chain"_s).toArray(), QJsonArray({u"main"_s, u"gate"_s}));
        QVERIFY(!findingToJson(Finding{}).contains(u"chain"_s));
    }

    // Every conformance scenario: the findings reproduce the oracle's golden diagnostics.
    void conformance_data()
    {
        QTest::addColumn<QString>("scenario");
        const QStringList files = QDir(kConformanceDir).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        int rows = 0;
        for (const QString &f : files) {
            if (f.endsWith(u".outcome.json"_s))
                continue;
            QTest::newRow(qPrintable(f.chopped(5))) << kConformanceDir + u'/' + f;
            ++rows;
        }
        QVERIFY(rows >= 79);
    }
    void conformance()
    {
        QFETCH(QString, scenario);
        const QJsonObject golden = QJsonDocument::fromJson(readFile(scenario.chopped(5) + u".outcome.json"_s)).object();
        QVERIFY(!golden.isEmpty());
        if (!golden.value(u"excluded"_s).isNull() && !golden.value(u"excluded"_s).isUndefined())
            QSKIP("excluded by the oracle");
        auto engine = runFile(scenario);
        QVERIFY(engine);
        compareWithOutcome(*engine, golden);
        // the engine's own outcome says the same
        compareWithOutcome(*engine, engine->outcome());
    }

    // The public scenarios against the oracle run now (needs ../shared and python3).
    void publicScenarios_data()
    {
        QTest::addColumn<QString>("scenario");
        const QDir dir(kSharedDir + u"/scenarios"_s);
        const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        for (const QString &f : files)
            QTest::newRow(qPrintable(f.chopped(5))) << dir.filePath(f);
        if (files.isEmpty())
            QTest::newRow("absent") << QString();
    }
    void publicScenarios()
    {
        QFETCH(QString, scenario);
        const QString python = QStandardPaths::findExecutable(u"python3"_s);
        const QString oracle = kSharedDir + u"/oracle/asyncgraph_oracle.py"_s;
        if (scenario.isEmpty() || python.isEmpty() || !QFile::exists(oracle))
            QSKIP("the oracle (../shared) or python3 is not available");
        QProcess p;
        p.start(python, {oracle, u"run"_s, scenario});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject expected = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QVERIFY(expected.contains(u"diagnostics"_s));
        auto engine = runFile(scenario);
        QVERIFY(engine);
        compareWithOutcome(*engine, expected);
    }

    // One row per kind of finding: the task it names, node, time, severity, reason and chain.
    void kinds_data()
    {
        QTest::addColumn<QByteArray>("graph");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("task");
        QTest::addColumn<QString>("node");
        QTest::addColumn<double>("time");
        QTest::addColumn<int>("severity");
        QTest::addColumn<QString>("messageHas");
        QTest::addColumn<QStringList>("chain");
        QTest::addColumn<int>("count"); // findings of that kind in the run

        const QByteArray asCompletedLeak = readFile(kConformanceDir + u"/07-as-completed-timeout-leak.json"_s);
        QTest::newRow("orphan after as_completed timeout")
            << asCompletedLeak << int(Finding::Kind::Orphan) << u"sub_stuck"_s << u"sub_stuck"_s << 1.0
            << int(Finding::Severity::Warning) << u"as_completed() timed out"_s
            << QStringList{u"main"_s, u"sub_stuck"_s} << 2;
        QTest::newRow("second orphan after as_completed timeout")
            << asCompletedLeak << int(Finding::Kind::Orphan) << u"sub_stuck#2"_s << u"sub_stuck"_s << 1.0
            << int(Finding::Severity::Warning) << u"a future nobody else holds (hang"_s
            << QStringList{u"main"_s, u"sub_stuck#2"_s} << 2;
        QTest::newRow("orphans destroyed by the collection")
            << asCompletedLeak << int(Finding::Kind::DestroyedPending) << u"sub_stuck#2"_s << u"sub_stuck"_s << 1.0
            << int(Finding::Severity::Error) << u"nothing reachable can complete it"_s << QStringList{u"hang#2"_s} << 2;
        QTest::newRow("deadlock on a future nobody sets")
            << readFile(kConformanceDir + u"/14-deadlock.json"_s) << int(Finding::Kind::Deadlock) << u"main"_s
            << u"main"_s << 2.0 << int(Finding::Severity::Error)
            << u"main waits on future 'gate', which nothing can complete"_s << QStringList{u"main"_s, u"gate"_s} << 1;
        QTest::newRow("deadlock cycle through two futures")
            << readFile(kConformanceDir + u"/74-deadlock-mutual-wait.json"_s) << int(Finding::Kind::Deadlock)
            << u"main"_s << u"main"_s << 1.0 << int(Finding::Severity::Error) << u"(set by pong)"_s
            << QStringList{u"main"_s, u"ping"_s, u"pong"_s, u"ping"_s} << 1;
        QTest::newRow("never retrieved in a deadlocked run")
            << readFile(kConformanceDir + u"/14-deadlock.json"_s) << int(Finding::Kind::ExceptionNeverRetrieved)
            << u"worker"_s << u"worker"_s << 2.0 << int(Finding::Severity::Error) << u"ConnectionError('lost')"_s
            << QStringList{} << 1;
        QTest::newRow("swallowed cancel keeps running")
            << readFile(kConformanceDir + u"/62-swallowed-cancel-continues.json"_s)
            << int(Finding::Kind::SwallowedCancel) << u"worker"_s << u"worker"_s << 1.0
            << int(Finding::Severity::Warning) << u"until 2s, and ended done"_s << QStringList{} << 1;
        QTest::newRow("swallowed cancel outlives wait_for")
            << readFile(kConformanceDir + u"/13-swallowed-cancel.json"_s) << int(Finding::Kind::SwallowedCancel)
            << u"stubborn"_s << u"stubborn"_s << 1.0 << int(Finding::Severity::Warning) << u"until 3s"_s
            << QStringList{} << 1;
        QTest::newRow("blocking step") << readFile(kConformanceDir + u"/17-blocking-vs-sleep0.json"_s)
                                       << int(Finding::Kind::BlockingStep) << u"greedy"_s << u"greedy"_s << 0.0
                                       << int(Finding::Severity::Warning) << u"blocked the loop for 2s"_s
                                       << QStringList{} << 9; // greedy once, polite's eight 0.25 s steps
        QTest::newRow("blocks of one step add up")
            << QByteArray(R"({"nodes": [{"id": "main", "steps": [
                   {"op": "block", "seconds": 0.06}, {"op": "block", "seconds": 0.06}, {"op": "sleep", "seconds": 1},
                   {"op": "block", "seconds": 0.09}]}]})")
            << int(Finding::Kind::BlockingStep) << u"main"_s << u"main"_s << 0.0 << int(Finding::Severity::Warning)
            << u"for 0.12s"_s << QStringList{} << 1;
        QTest::newRow("fire and forget") << readFile(kConformanceDir + u"/15-fire-and-forget.json"_s)
                                         << int(Finding::Kind::FireAndForget) << u"stuck"_s << u"stuck"_s << 0.0
                                         << int(Finding::Severity::Info) << u"no reference was kept"_s << QStringList{}
                                         << 3;
        QTest::newRow("pending at exit") << readFile(kConformanceDir + u"/15-fire-and-forget.json"_s)
                                         << int(Finding::Kind::PendingAtExit) << u"sleeper"_s << u"sleeper"_s << 1.0
                                         << int(Finding::Severity::Warning) << u"asyncio.run() cancels it at shutdown"_s
                                         << QStringList{} << 2;
        QTest::newRow("orphans of a failed gather")
            << QByteArray(R"({"nodes": [
                   {"id": "main", "steps": [
                     {"op": "try", "body": [{"op": "gather", "children": ["bad", "slow"]}],
                      "except": [{"types": ["ValueError"]}]},
                     {"op": "sleep", "seconds": 5}]},
                   {"id": "bad", "steps": [{"op": "sleep", "seconds": 1}, {"op": "raise", "type": "ValueError"}]},
                   {"id": "slow", "steps": [{"op": "sleep", "seconds": 3}]}]})")
            << int(Finding::Kind::Orphan) << u"slow"_s << u"slow"_s << 1.0 << int(Finding::Severity::Warning)
            << u"gather() raised ValueError from another child"_s << QStringList{u"main"_s, u"slow"_s} << 1;
        QTest::newRow("orphan of wait FIRST_COMPLETED")
            << QByteArray(R"({"nodes": [
                   {"id": "main", "steps": [
                     {"op": "wait", "children": ["fast", "slow"], "return_when": "FIRST_COMPLETED", "as": "$r"},
                     {"op": "return", "value": 1}]},
                   {"id": "fast", "steps": [{"op": "sleep", "seconds": 1}]},
                   {"id": "slow", "steps": [{"op": "sleep", "seconds": 3}]}]})")
            << int(Finding::Kind::Orphan) << u"slow"_s << u"slow"_s << 1.0 << int(Finding::Severity::Warning)
            << u"FIRST_COMPLETED"_s << QStringList{u"main"_s, u"slow"_s} << 1;
        QTest::newRow("no orphan when the pending set is cancelled")
            << QByteArray(R"({"nodes": [
                   {"id": "main", "steps": [
                     {"op": "wait", "children": ["fast", "slow"], "return_when": "FIRST_COMPLETED", "as": "$r"},
                     {"op": "cancel", "target": "$r"}, {"op": "sleep", "seconds": 1}]},
                   {"id": "fast", "steps": [{"op": "sleep", "seconds": 1}]},
                   {"id": "slow", "steps": [{"op": "sleep", "seconds": 3}]}]})")
            << int(Finding::Kind::Orphan) << QString() << QString() << 0.0 << 0 << QString() << QStringList{} << 0;
        QTest::newRow("shutdown error") << QByteArray(R"({"nodes": [
                   {"id": "main", "steps": [{"op": "spawn", "node": "w", "as": "$w"}, {"op": "sleep", "seconds": 1}]},
                   {"id": "w", "steps": [{"op": "try", "body": [{"op": "sleep", "seconds": 9}],
                                          "except": [{"types": ["CancelledError"],
                                                      "body": [{"op": "raise", "type": "OSError", "message": "bye"}]}]}]}]})")
                                        << int(Finding::Kind::ShutdownError) << u"w"_s << u"w"_s << 1.0
                                        << int(Finding::Severity::Error)
                                        << u"raised OSError('bye') while asyncio.run() cancelled it"_s << QStringList{}
                                        << 1;
        QTest::newRow("asyncio.timeout is no swallowed cancel") << QByteArray(R"({"nodes": [{"id": "main", "steps": [
                   {"op": "try", "body": [{"op": "timeout", "seconds": 1, "body": [{"op": "sleep", "seconds": 5}]}],
                    "except": [{"types": ["TimeoutError"]}]},
                   {"op": "sleep", "seconds": 1}]}]})") << int(Finding::Kind::SwallowedCancel)
                                                                << QString() << QString() << 0.0 << 0 << QString()
                                                                << QStringList{} << 0;
        QTest::newRow("clean run: no deadlock")
            << readFile(ASYNCSCOPE_SOURCE_DIR "/resources/examples/gather.json"_L1) << int(Finding::Kind::Deadlock)
            << QString() << QString() << 0.0 << 0 << QString() << QStringList{} << 0;
    }
    void kinds()
    {
        QFETCH(QByteArray, graph);
        QFETCH(int, kind);
        QFETCH(QString, task);
        QFETCH(QString, node);
        QFETCH(double, time);
        QFETCH(int, severity);
        QFETCH(QString, messageHas);
        QFETCH(QStringList, chain);
        QFETCH(int, count);
        QVERIFY(!graph.isEmpty());
        auto engine = runEngine(graph);
        QVERIFY(engine);
        QVERIFY(engine->isFinished());
        const std::vector<Finding> findings = diagnose(*engine);
        for (const Finding &f : findings)
            qDebug().noquote() << findingKindName(f.kind) << f.task << f.time << f.message << f.chain;
        QCOMPARE(countOf(findings, Finding::Kind(kind)), count);
        if (task.isEmpty())
            return;
        const Finding *f = findOne(findings, Finding::Kind(kind), task);
        QVERIFY2(f, qPrintable(task));
        QCOMPARE(f->node, node);
        QCOMPARE(f->time, time);
        QCOMPARE(int(f->severity), severity);
        QVERIFY2(f->message.contains(messageHas), qPrintable(f->message));
        QCOMPARE(f->chain, chain);
    }

    // Called during a run, diagnose() reports what is true so far and nothing about the exit.
    void midRun()
    {
        auto graph = ascope::test::loadInline(readFile(kConformanceDir + u"/07-as-completed-timeout-leak.json"_s));
        QVERIFY(graph);
        Engine engine(graph);
        while (engine.runtime().loop().time() < 1.0 && engine.stepOnce()) { }
        QVERIFY(!engine.isFinished());
        std::vector<Finding> findings = diagnose(engine);
        QCOMPARE(countOf(findings, Finding::Kind::PendingAtExit), 0);
        QCOMPARE(countOf(findings, Finding::Kind::DestroyedPending), 0);
        engine.runSync();
        findings = diagnose(engine);
        QCOMPARE(countOf(findings, Finding::Kind::PendingAtExit), 2);
        QCOMPARE(countOf(findings, Finding::Kind::DestroyedPending), 2);
    }

    // waitTargets: which tasks a future's completion depends on.
    void waitTargets_data()
    {
        QTest::addColumn<QByteArray>("graph");
        QTest::addColumn<QString>("waiter");   // the task whose awaited future is asked about
        QTest::addColumn<QStringList>("want"); // task names
        QTest::newRow("gather: its children") << readFile(kConformanceDir + u"/74-deadlock-mutual-wait.json"_s)
                                              << u"main"_s << QStringList{u"ping"_s, u"pong"_s, u"tick"_s};
        QTest::newRow("named future: the tasks that set it")
            << readFile(kConformanceDir + u"/74-deadlock-mutual-wait.json"_s) << u"ping"_s << QStringList{u"pong"_s};
        QTest::newRow("future nobody sets: none")
            << readFile(kConformanceDir + u"/14-deadlock.json"_s) << u"main"_s << QStringList{};
        QTest::newRow("a task: itself") << QByteArray(R"({"futures": ["g"], "nodes": [
                   {"id": "main", "steps": [{"op": "spawn", "node": "w", "as": "$w"}, {"op": "await", "target": "$w"}]},
                   {"id": "w", "steps": [{"op": "await", "target": "@g"}]}]})")
                                        << u"main"_s << QStringList{u"w"_s};
        QTest::newRow("wait: its awaitables") << QByteArray(R"({"futures": ["g"], "nodes": [
                   {"id": "main", "steps": [{"op": "wait", "children": ["w", "w"]}]},
                   {"id": "w", "steps": [{"op": "await", "target": "@g"}]}]})")
                                              << u"main"_s << QStringList{u"w"_s, u"w#2"_s};
        QTest::newRow("shield inside wait_for") << QByteArray(R"({"futures": ["g"], "nodes": [
                   {"id": "main", "steps": [{"op": "spawn", "node": "w", "as": "$w"},
                                            {"op": "shield", "target": "$w"}]},
                   {"id": "w", "steps": [{"op": "await", "target": "@g"}]}]})")
                                                << u"main"_s << QStringList{u"w"_s};
    }
    void waitTargets()
    {
        QFETCH(QByteArray, graph);
        QFETCH(QString, waiter);
        QFETCH(QStringList, want);
        auto engine = runEngine(graph);
        QVERIFY(engine);
        const Runtime &rt = engine->runtime();
        const auto it
            = std::find_if(rt.tasks.begin(), rt.tasks.end(), [&](const Task *t) { return t->name() == waiter; });
        QVERIFY(it != rt.tasks.end());
        const Future *awaited = (*it)->futWaiter();
        QVERIFY(awaited);
        QStringList got;
        for (int id : ascope::waitTargets(rt, awaited->id))
            got << rt.tasks[size_t(id)]->name();
        QCOMPARE(got, want);
        // a task stands for itself; out-of-range ids have no targets
        QCOMPARE(ascope::waitTargets(rt, (*it)->id), std::vector<int>{(*it)->index});
        QVERIFY(ascope::waitTargets(rt, -1).empty());
        QVERIFY(ascope::waitTargets(rt, int(rt.futures.size())).empty());
    }
};

QTEST_GUILESS_MAIN(TestDiagnostics)
#include "tst_diagnostics.moc"
