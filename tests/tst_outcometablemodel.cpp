// OutcomeTableModel and TaskTableView over a hand-written asyncgraph-outcome/1 document:
// model consistency (QAbstractItemModelTester), cell texts, summary, and numeric sorting.
#include "outcometablemodel.h"
#include "tasktableview.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Qt::StringLiterals;
using ascope::OutcomeTableModel;

namespace {

// A hand-written outcome with every shape the table has to show: each snapshot state, a task
// created during shutdown, values of each kind, an exception group, and one malformed row
// ("not a task") that must be skipped.
QJsonObject outcome()
{
    QFile file(QStringLiteral(ASYNCSCOPE_TEST_DATA "/tasktable.outcome.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("test fixture is not JSON: %s", qPrintable(error.errorString()));
    return doc.object();
}

QStringList namesInViewOrder(const QAbstractItemModel &m)
{
    QStringList names;
    for (int r = 0; r < m.rowCount(); ++r)
        names << m.index(r, OutcomeTableModel::NameColumn).data().toString();
    return names;
}

} // namespace

class TestOutcomeTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void consistentThroughResets()
    {
        OutcomeTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setOutcome(outcome());
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.columnCount(), int(OutcomeTableModel::ColumnCount));
        QCOMPARE(model.rowCount(model.index(0, 0)), 0); // a table: no children
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.hasOutcome());
        model.setOutcome(outcome());
        QCOMPARE(model.rowCount(), 6);
    }

    void cells_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("text");

        QTest::newRow("task name") << 0 << int(OutcomeTableModel::NameColumn) << u"main"_s;
        QTest::newRow("node of a second task") << 2 << int(OutcomeTableModel::NodeColumn) << u"worker"_s;
        QTest::newRow("created time") << 2 << int(OutcomeTableModel::CreatedColumn) << u"0.25"_s;
        QTest::newRow("time zero keeps its fraction") << 0 << int(OutcomeTableModel::CreatedColumn) << u"0.0"_s;
        QTest::newRow("snapshot state") << 1 << int(OutcomeTableModel::StateColumn) << u"failed"_s;
        QTest::newRow("pending task has no finish time") << 3 << int(OutcomeTableModel::FinishedColumn) << QString();
        QTest::newRow("pending task has no result") << 3 << int(OutcomeTableModel::ResultColumn) << QString();
        QTest::newRow("final state differs from snapshot")
            << 3 << int(OutcomeTableModel::FinalStateColumn) << u"cancelled"_s;
        QTest::newRow("exception") << 1 << int(OutcomeTableModel::ResultColumn) << u"ValueError: bad input"_s;
        QTest::newRow("cancelled task has no result") << 2 << int(OutcomeTableModel::ResultColumn) << QString();
        QTest::newRow("list of every value kind") << 0 << int(OutcomeTableModel::ResultColumn)
                                                  << u"['a', 1, 2.5, None, True, <Task worker>, <Future gate>]"_s;
        QTest::newRow("exception group as a value")
            << 4 << int(OutcomeTableModel::ResultColumn)
            << u"ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('it\\'s bad')])"_s;
        QTest::newRow("malformed row skipped") << 5 << int(OutcomeTableModel::NameColumn) << u"late"_s;
        QTest::newRow("None result") << 5 << int(OutcomeTableModel::ResultColumn) << u"None"_s;
        QTest::newRow("created during shutdown")
            << 5 << int(OutcomeTableModel::StateColumn) << u"created in shutdown"_s;
    }

    void cells()
    {
        QFETCH(int, row);
        QFETCH(int, column);
        QFETCH(QString, text);
        OutcomeTableModel model;
        model.setOutcome(outcome());
        QCOMPARE(model.index(row, column).data().toString(), text);
    }

    void exceptionText()
    {
        const QJsonObject group{{u"type"_s, u"ExceptionGroup"_s},
                                {u"message"_s, u"two"_s},
                                {u"exceptions"_s,
                                 QJsonArray{QJsonObject{{u"type"_s, u"ValueError"_s}, {u"message"_s, u"a"_s}},
                                            QJsonObject{{u"type"_s, u"CancelledError"_s}, {u"message"_s, u""_s}}}}};
        QCOMPARE(OutcomeTableModel::exceptionText(group), u"ExceptionGroup: two [ValueError: a; CancelledError]"_s);
    }

    void rolesBesideText()
    {
        OutcomeTableModel model;
        model.setOutcome(outcome());
        const QVariant created = model.index(2, OutcomeTableModel::CreatedColumn).data(OutcomeTableModel::SortRole);
        QCOMPARE(created.typeId(), int(QMetaType::Double));
        QCOMPARE(created.toDouble(), 0.25);
        QVERIFY(model.index(1, OutcomeTableModel::StateColumn).data(Qt::ForegroundRole).isValid());
        QVERIFY(!model.index(0, OutcomeTableModel::StateColumn).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.index(1, 0).data(OutcomeTableModel::TaskRole).toJsonObject().value(u"name").toString(),
                 u"worker"_s);
        QCOMPARE(model.headerData(OutcomeTableModel::ResultColumn, Qt::Horizontal).toString(), u"Result / exception"_s);
    }

    void summary()
    {
        OutcomeTableModel model;
        QCOMPARE(model.summaryText(), u"Not run yet"_s);

        model.setOutcome(QJsonObject());
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.summaryText(), u"The engine returned an empty outcome"_s);

        model.setOutcome(outcome());
        QCOMPARE(model.status(), u"completed"_s);
        QCOMPARE(model.endTime(), 10.5);
        const QMap<QString, int> counts = model.stateCounts();
        QCOMPARE(counts.value(u"done"_s), 2);
        QCOMPARE(counts.value(u"failed"_s), 1);
        QCOMPARE(counts.value(u"cancelled"_s), 1);
        QCOMPARE(counts.value(u"pending"_s), 1);
        QCOMPARE(counts.value(u"shutdown"_s), 1);
        QCOMPARE(model.summaryText(),
                 u"completed at 10.5 s · 6 tasks: 1 pending, 2 done, 1 failed, 1 cancelled, 1 created in shutdown"_s);
    }

    void viewSortsTimesAsNumbers()
    {
        OutcomeTableModel model;
        ascope::TaskTableView view;
        view.setOutcomeModel(&model);
        QAbstractItemModelTester tester(view.proxyModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setOutcome(outcome());

        const QStringList creationOrder{u"main"_s, u"worker"_s, u"worker#2"_s, u"sleeper"_s, u"group"_s, u"late"_s};
        QCOMPARE(namesInViewOrder(*view.model()), creationOrder);

        // As text, "10.0" < "3.0"; as numbers 3 < 9.5 < 10. Tasks without a finish time go last.
        view.sortByColumn(OutcomeTableModel::FinishedColumn, Qt::AscendingOrder);
        QCOMPARE(namesInViewOrder(*view.model()),
                 (QStringList{u"group"_s, u"worker"_s, u"worker#2"_s, u"main"_s, u"late"_s, u"sleeper"_s}));

        view.resetSorting();
        QCOMPARE(namesInViewOrder(*view.model()), creationOrder);
    }
};

QTEST_MAIN(TestOutcomeTableModel)
#include "tst_outcometablemodel.moc"
