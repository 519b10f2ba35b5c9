// The outcome comparison (outcomediff.h): what counts as a difference and how it is worded, row by
// row against the behaviour of the reference compare_outcomes.py.
#include "outcomediff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// Keys are in alphabetical order so that the reference (which prints objects in file order) and
// QJsonObject (which keeps them sorted) word differences identically.
const char kBase[] = R"({
 "diagnostics": {"collections": [{"destroyed": ["d", "e"], "t": 1.0}, {"destroyed": ["f"], "t": 2.0}],
                 "destroyed_pending": ["d"], "exception_never_retrieved": ["b"],
                 "pending_at_exit": ["c", "d"], "shutdown_errors": []},
 "end_time": 2.0,
 "events": [{"phase": "run", "state": "failed", "t": 1.0, "task": "b"},
            {"phase": "run", "state": "done", "t": 2.0, "task": "main"},
            {"phase": "shutdown", "state": "cancelled", "t": 2.0, "task": "c"}],
 "excluded": null,
 "format": "asyncgraph-outcome/1",
 "futures": [{"name": "gate", "state": "pending"}],
 "main": {"result": 1, "state": "done"},
 "scenario": "base",
 "status": "completed",
 "tasks": [
  {"created": 0.0, "final_state": "done", "finished": 2.0, "name": "main", "node": "main", "result": 1, "state": "done"},
  {"created": 0.0, "exception": {"message": "bad", "type": "ValueError"}, "final_state": "failed", "finished": 1.0,
   "name": "b", "node": "b", "state": "failed"},
  {"created": 0.5, "final_state": "cancelled", "name": "c", "node": "c", "state": "pending"}]
})";

QJsonObject base()
{
    return QJsonDocument::fromJson(QByteArray(kBase)).object();
}

QJsonValue parse(const char *json)
{
    return QJsonDocument::fromJson("[" + QByteArray(json) + "]").array().at(0);
}

// Sets (or with no value, removes) what a "a/0/b" path names inside a JSON value.
QJsonValue edited(QJsonValue v, QStringView path, const QJsonValue &value)
{
    const qsizetype slash = path.indexOf(u'/');
    const QStringView head = slash < 0 ? path : path.left(slash);
    const bool last = slash < 0;
    if (v.isArray()) {
        QJsonArray a = v.toArray();
        const int i = head.toInt();
        if (last && value.isUndefined())
            a.removeAt(i);
        else if (i >= a.size())
            a.append(last ? value : edited(QJsonValue(), path.mid(slash + 1), value));
        else
            a[i] = last ? value : edited(a.at(i), path.mid(slash + 1), value);
        return a;
    }
    QJsonObject o = v.toObject();
    const QString key = head.toString();
    if (last && value.isUndefined())
        o.remove(key);
    else
        o[key] = last ? value : edited(o.value(key), path.mid(slash + 1), value);
    return o;
}

// edits: [[path, value], ...]; a pair without value removes the path.
QJsonObject applyEdits(const QJsonArray &edits)
{
    QJsonValue out = base();
    for (const QJsonValue &e : edits) {
        const QJsonArray pair = e.toArray();
        out = edited(out, pair.at(0).toString(), pair.size() > 1 ? pair.at(1) : QJsonValue(QJsonValue::Undefined));
    }
    return out.toObject();
}

QJsonArray set(const QString &path, const QJsonValue &value)
{
    return QJsonArray{path, value};
}

QJsonArray removed(const QString &path)
{
    return QJsonArray{path};
}

} // namespace

class TestOutcomeDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void diff_data()
    {
        QTest::addColumn<QJsonArray>("expectedEdits");
        QTest::addColumn<QJsonArray>("actualEdits");
        QTest::addColumn<bool>("checkOrder");
        QTest::addColumn<QStringList>("lines");

        const QStringList none;
        QTest::newRow("identical") << QJsonArray{} << QJsonArray{} << true << none;
        QTest::newRow("times within 1e-6") << QJsonArray{}
                                           << QJsonArray{set(u"end_time"_s, 2.0000001), set(u"events/0/t"_s, 0.9999999),
                                                         set(u"tasks/1/finished"_s, 1.0000009)}
                                           << true << none;
        QTest::newRow("end_time beyond 1e-6") << QJsonArray{} << QJsonArray{set(u"end_time"_s, 2.00001)} << true
                                              << QStringList{u"end_time: expected 2.0, got 2.00001"_s};
        QTest::newRow("1 and 1.0 are the same number")
            << QJsonArray{} << QJsonArray{set(u"main/result"_s, parse("1.0")), set(u"tasks/0/result"_s, parse("1.0"))}
            << true << none;
        QTest::newRow("true is not 1")
            << QJsonArray{} << QJsonArray{set(u"main/result"_s, true), set(u"tasks/0/result"_s, true)} << true
            << QStringList{
                   u"main: expected {\"result\": 1, \"state\": \"done\"}, got {\"result\": true, \"state\": \"done\"}"_s,
                   u"task main.result: expected 1, got true"_s};
        QTest::newRow("false is not 0") << QJsonArray{set(u"tasks/0/result"_s, 0)}
                                        << QJsonArray{set(u"tasks/0/result"_s, false)} << true
                                        << QStringList{u"task main.result: expected 0, got false"_s};
        QTest::newRow("status") << QJsonArray{} << QJsonArray{set(u"status"_s, u"deadlock"_s)} << true
                                << QStringList{u"status: expected \"completed\", got \"deadlock\""_s};
        QTest::newRow("format missing: one line only")
            << QJsonArray{} << QJsonArray{removed(u"format"_s), set(u"status"_s, u"deadlock"_s)} << true
            << QStringList{u"format: expected 'asyncgraph-outcome/1', got None"_s};
        QTest::newRow("empty actual (the engine stub)")
            << QJsonArray{} << QJsonArray{removed(u"format"_s), removed(u"tasks"_s), removed(u"events"_s)} << true
            << QStringList{u"format: expected 'asyncgraph-outcome/1', got None"_s};
        QTest::newRow("swapped events")
            << QJsonArray{}
            << QJsonArray{set(u"events/0/task"_s, u"main"_s), set(u"events/0/state"_s, u"done"_s),
                          set(u"events/1/task"_s, u"b"_s), set(u"events/1/state"_s, u"failed"_s)}
            << true
            << QStringList{u"event order differs at #0: expected [('b', 'failed', 'run'), ('main', 'done', 'run'), "
                           u"('c', 'cancelled', 'shutdown')], got [('main', 'done', 'run'), ('b', 'failed', 'run'), "
                           u"('c', 'cancelled', 'shutdown')]"_s};
        QTest::newRow("swapped events, level states")
            << QJsonArray{} << QJsonArray{set(u"events/0/task"_s, u"main"_s), set(u"events/1/task"_s, u"b"_s)} << false
            << none;
        QTest::newRow("event missing at the end")
            << QJsonArray{} << QJsonArray{removed(u"events/2"_s)} << true
            << QStringList{u"event order differs at #2: expected [('c', 'cancelled', 'shutdown')], got []"_s};
        QTest::newRow("event without a phase")
            << QJsonArray{} << QJsonArray{removed(u"events/1/phase"_s)} << true
            << QStringList{u"event order differs at #1: expected [('main', 'done', 'run'), ('c', 'cancelled', "
                           u"'shutdown')], got [('main', 'done', None), ('c', 'cancelled', 'shutdown')]"_s};
        QTest::newRow("event time") << QJsonArray{} << QJsonArray{set(u"events/1/t"_s, 2.5), set(u"events/2/t"_s, 3)}
                                    << true << QStringList{u"event #1 time: expected 2.0, got 2.5"_s};
        QTest::newRow("event time, level states")
            << QJsonArray{} << QJsonArray{set(u"events/1/t"_s, 2.5)} << false << none;
        QTest::newRow("missing task") << QJsonArray{} << QJsonArray{removed(u"tasks/2"_s)} << true
                                      << QStringList{u"tasks missing: ['c']"_s};
        QTest::newRow("task not expected")
            << QJsonArray{}
            << QJsonArray{set(u"tasks/3"_s, parse(R"({"name": "x", "node": "x", "created": 0, "state": "done"})"))}
            << true << QStringList{u"tasks not expected: ['x']"_s};
        QTest::newRow("task creation order")
            << QJsonArray{}
            << QJsonArray{set(u"tasks/1"_s, base().value(u"tasks"_s).toArray().at(2)),
                          set(u"tasks/2"_s, base().value(u"tasks"_s).toArray().at(1))}
            << true
            << QStringList{u"task creation order: expected [\"main\", \"b\", \"c\"], got [\"main\", \"c\", \"b\"]"_s};
        QTest::newRow("task fields")
            << QJsonArray{}
            << QJsonArray{set(u"tasks/2/final_state"_s, u"pending"_s), set(u"tasks/2/created"_s, 0.25),
                          set(u"tasks/1/exception/message"_s, u"worse"_s)}
            << true
            << QStringList{u"task b.exception: expected {\"message\": \"bad\", \"type\": \"ValueError\"}, got "
                           u"{\"message\": \"worse\", \"type\": \"ValueError\"}"_s,
                           u"task c.created: expected 0.5, got 0.25"_s,
                           u"task c.final_state: expected \"cancelled\", got \"pending\""_s};
        QTest::newRow("field absent vs null")
            << QJsonArray{} << QJsonArray{set(u"tasks/2/result"_s, QJsonValue())} << true << none;
        QTest::newRow("field absent vs value") << QJsonArray{} << QJsonArray{set(u"tasks/2/finished"_s, 2.5)} << true
                                               << QStringList{u"task c.finished: expected null, got 2.5"_s};
        QTest::newRow("extra key in a value")
            << QJsonArray{}
            << QJsonArray{set(u"tasks/1/exception"_s,
                              parse(R"({"message": "bad", "type": "ValueError", "exceptions": []})"))}
            << true
            << QStringList{u"task b.exception: expected {\"message\": \"bad\", \"type\": \"ValueError\"}, got "
                           u"{\"exceptions\": [], \"message\": \"bad\", \"type\": \"ValueError\"}"_s};
        QTest::newRow("futures") << QJsonArray{} << QJsonArray{set(u"futures/0/state"_s, u"collected"_s)} << true
                                 << QStringList{
                                        u"futures: expected [{\"name\": \"gate\", \"state\": \"pending\"}], got "
                                        u"[{\"name\": \"gate\", \"state\": \"collected\"}]"_s};
        QTest::newRow("futures missing means none")
            << QJsonArray{removed(u"futures"_s)} << QJsonArray{set(u"futures"_s, QJsonArray{})} << true << none;
        QTest::newRow("diagnostics lists in another order")
            << QJsonArray{} << QJsonArray{set(u"diagnostics/pending_at_exit"_s, QJsonArray{u"d"_s, u"c"_s})} << true
            << none;
        QTest::newRow("diagnostics differ")
            << QJsonArray{}
            << QJsonArray{set(u"diagnostics/exception_never_retrieved"_s, QJsonArray{}),
                          set(u"diagnostics/pending_at_exit"_s, QJsonArray{u"d"_s, u"c"_s, u"b"_s})}
            << true
            << QStringList{u"diagnostics.pending_at_exit: expected [\"c\", \"d\"], got [\"b\", \"c\", \"d\"]"_s,
                           u"diagnostics.exception_never_retrieved: expected [\"b\"], got []"_s};
        QTest::newRow("diagnostics missing count as empty")
            << QJsonArray{}
            << QJsonArray{removed(u"diagnostics/shutdown_errors"_s), removed(u"diagnostics/destroyed_pending"_s)}
            << true << QStringList{u"diagnostics.destroyed_pending: expected [\"d\"], got []"_s};
        QTest::newRow("collection names in another order")
            << QJsonArray{} << QJsonArray{set(u"diagnostics/collections/0/destroyed"_s, QJsonArray{u"e"_s, u"d"_s})}
            << true << none;
        QTest::newRow("collections in another order")
            << QJsonArray{}
            << QJsonArray{set(u"diagnostics/collections"_s,
                              parse(R"([{"destroyed": ["f"], "t": 2.0}, {"destroyed": ["e", "d"], "t": 1.0}])"))}
            << true
            << QStringList{u"diagnostics.collections: expected [{\"destroyed\": [\"d\", \"e\"], \"t\": 1.0}, "
                           u"{\"destroyed\": [\"f\"], \"t\": 2.0}], got [{\"destroyed\": [\"f\"], \"t\": 2.0}, "
                           u"{\"destroyed\": [\"d\", \"e\"], \"t\": 1.0}]"_s};
        QTest::newRow("collection time within 1e-6")
            << QJsonArray{} << QJsonArray{set(u"diagnostics/collections/1/t"_s, 2.0000004)} << true << none;
        QTest::newRow("unicode and small numbers are quoted as Python does")
            << QJsonArray{set(u"main/result"_s, u"caf\u00e9 \"q\""_s)} << QJsonArray{set(u"main/result"_s, 1e-7)}
            << true
            << QStringList{u"main: expected {\"result\": \"caf\\u00e9 \\\"q\\\"\", \"state\": \"done\"}, got "
                           u"{\"result\": 1e-07, \"state\": \"done\"}"_s};
    }

    void diff()
    {
        QFETCH(QJsonArray, expectedEdits);
        QFETCH(QJsonArray, actualEdits);
        QFETCH(bool, checkOrder);
        QFETCH(QStringList, lines);
        QCOMPARE(ascope::test::diffOutcomes(applyEdits(expectedEdits), applyEdits(actualEdits), checkOrder), lines);
    }

    void pythonValues_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("asTime");
        QTest::addColumn<QString>("dumps");
        QTest::addColumn<QString>("repr");
        QTest::newRow("int") << QByteArray("3") << false << u"3"_s << u"3"_s;
        // Qt parses 3.0 as the integer 3: outside time fields it prints as Python prints an int.
        QTest::newRow("integral float") << QByteArray("3.0") << false << u"3"_s << u"3"_s;
        QTest::newRow("time") << QByteArray("3") << true << u"3.0"_s << u"3.0"_s;
        QTest::newRow("time inside objects")
            << QByteArray(R"({"t": 1, "n": 1})") << false << u"{\"n\": 1, \"t\": 1.0}"_s << u"{'n': 1, 't': 1.0}"_s;
        QTest::newRow("shortest") << QByteArray("0.30000000000000004") << false << u"0.30000000000000004"_s
                                  << u"0.30000000000000004"_s;
        QTest::newRow("small") << QByteArray("0.0001") << false << u"0.0001"_s << u"0.0001"_s;
        QTest::newRow("smaller") << QByteArray("0.00001") << false << u"1e-05"_s << u"1e-05"_s;
        QTest::newRow("large time") << QByteArray("1e16") << true << u"1e+16"_s << u"1e+16"_s;
        QTest::newRow("just below large")
            << QByteArray("1234567890123456.5") << false << u"1234567890123456.5"_s << u"1234567890123456.5"_s;
        QTest::newRow("negative") << QByteArray("-2.5e-9") << false << u"-2.5e-09"_s << u"-2.5e-09"_s;
        QTest::newRow("string") << QByteArray("\"it's\"") << false << u"\"it's\""_s << u"\"it's\""_s;
        QTest::newRow("list") << QByteArray("[null, true, \"a\"]") << false << u"[null, true, \"a\"]"_s
                              << u"[None, True, 'a']"_s;
    }

    void pythonValues()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, asTime);
        QFETCH(QString, dumps);
        QFETCH(QString, repr);
        const QJsonValue v = QJsonDocument::fromJson("[" + json + "]").array().at(0);
        QCOMPARE(ascope::test::pythonJsonDumps(v, asTime), dumps);
        QCOMPARE(ascope::test::pythonRepr(v, asTime), repr);
    }
};

QTEST_GUILESS_MAIN(TestOutcomeDiff)
#include "tst_outcomediff.moc"
