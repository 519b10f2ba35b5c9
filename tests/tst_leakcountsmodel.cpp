// LeakCountsModel over engines: cumulative counts that agree with diagnose() at every row's
// time, refreshes while stepping that end with the rows of one refresh at the end (no reset),
// 07's two orphans destroyed while pending, 14's exception never retrieved.
#include "diagnostics.h"
#include "engine.h"
#include "leakcountsmodel.h"
#include "loader.h"

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

QString text(const LeakCounts &c)
{
    return u"t=%1 destroyed=%2 never_retrieved=%3 orphans=%4"_s.arg(c.time)
        .arg(c.destroyedPending)
        .arg(c.neverRetrieved)
        .arg(c.orphans);
}

QStringList texts(const std::vector<LeakCounts> &rows)
{
    QStringList out;
    for (const LeakCounts &c : rows)
        out << text(c);
    return out;
}

// The counts of the findings at or before t.
LeakCounts fromFindings(const std::vector<Finding> &findings, double t)
{
    LeakCounts c;
    c.time = t;
    for (const Finding &f : findings) {
        if (f.time > t)
            continue;
        c.destroyedPending += f.kind == Finding::Kind::DestroyedPending;
        c.neverRetrieved += f.kind == Finding::Kind::ExceptionNeverRetrieved;
        c.orphans += f.kind == Finding::Kind::Orphan;
    }
    return c;
}

} // namespace

class TestLeakCountsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void agreesWithDiagnose_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("destroyed");
        QTest::addColumn<int>("neverRetrieved");
        QTest::addColumn<int>("orphans");
        QTest::newRow("07 as_completed timeout leak") << u"07-as-completed-timeout-leak"_s << 2 << 0 << 2;
        QTest::newRow("14 deadlock") << u"14-deadlock"_s << 0 << 1 << 0;
        QTest::newRow("01 no leak") << u"01-create-task-concurrency"_s << 0 << 0 << 0;
        QTest::newRow("02 gather return_exceptions") << u"02-gather-return-exceptions"_s << -1 << -1 << -1;
        QTest::newRow("110 gather children destroyed") << u"110-gather-children-destroyed-silently"_s << -1 << -1 << -1;
        QTest::newRow("15 fire and forget") << u"15-fire-and-forget"_s << -1 << -1 << -1;
    }
    void agreesWithDiagnose()
    {
        QFETCH(QString, scenario);
        QFETCH(int, destroyed);
        QFETCH(int, neverRetrieved);
        QFETCH(int, orphans);

        Engine engine(conformance(scenario));
        LeakCountsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEngine(&engine);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        while (engine.stepOnce())
            model.refresh();
        model.refresh();
        QCOMPARE(resets.count(), 0);

        const std::vector<Finding> findings = diagnose(engine);
        for (const LeakCounts &row : model.rows())
            QCOMPARE(text(row), text(fromFindings(findings, row.time)));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.rows()[size_t(r)].time > model.rows()[size_t(r) - 1].time);
        const LeakCounts total = fromFindings(findings, 1e300);
        QCOMPARE(model.countsAt(1e300).orphans, total.orphans);
        QCOMPARE(model.countsAt(1e300).destroyedPending, total.destroyedPending);
        QCOMPARE(model.countsAt(1e300).neverRetrieved, total.neverRetrieved);
        if (destroyed >= 0) {
            QCOMPARE(total.destroyedPending, destroyed);
            QCOMPARE(total.neverRetrieved, neverRetrieved);
            QCOMPARE(total.orphans, orphans);
        }

        // one refresh at the end gives the same rows
        Engine once(conformance(scenario));
        once.runSync();
        LeakCountsModel atEnd;
        atEnd.setEngine(&once);
        QCOMPARE(texts(atEnd.rows()), texts(model.rows()));
        for (int r = 0; r < model.rowCount(); ++r) {
            QCOMPARE(model.index(r, LeakCountsModel::TimeColumn).data().toDouble(), model.rows()[size_t(r)].time);
            QCOMPARE(model.index(r, LeakCountsModel::OrphanColumn).data().toInt(), model.rows()[size_t(r)].orphans);
        }
    }

    void asCompletedOrphansOverTime()
    {
        Engine engine(conformance(u"07-as-completed-timeout-leak"_s));
        engine.runSync();
        LeakCountsModel model;
        model.setEngine(&engine);
        // nothing leaks before the timeout at 1 s; then both stuck subs are orphans and collected
        QCOMPARE(text(model.countsAt(0.5)), u"t=0.5 destroyed=0 never_retrieved=0 orphans=0"_s);
        QCOMPARE(text(model.countsAt(1)), u"t=1 destroyed=2 never_retrieved=0 orphans=2"_s);
        QCOMPARE(model.headerData(LeakCountsModel::OrphanColumn, Qt::Horizontal).toString(), u"Orphans"_s);
    }

    void followsTheEngine()
    {
        LeakCountsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        {
            Engine engine(conformance(u"14-deadlock"_s));
            model.setEngine(&engine);
            QSignalSpy finished(&engine, &Engine::finished);
            engine.start();
            QVERIFY(finished.wait(10000));
            QCOMPARE(model.countsAt(1e9).neverRetrieved, 1);
        }
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestLeakCountsModel)
#include "tst_leakcountsmodel.moc"
