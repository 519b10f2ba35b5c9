// Helpers of the semantics tests: run an inline asyncgraph/1 graph with the engine and read its
// outcome as short, comparable text (the same text tests/semantics/oracle_rows.py prints from the
// reference oracle's outcome, which is where every expected line in these tests comes from).
//
//   tasksLine   "main=done:\"ok\" a=cancelled b=failed:ValueError(bad) c=pending->cancelled"
//               every task in creation order: snapshot state, ':' + result or exception when
//               done/failed, '->' + final state when shutdown changed it; "a=shutdown->done" for a
//               task created during shutdown.
//   eventsLine  "1:a:cancelled 2:b:failed 3:c:cancelled/shutdown": completion events in order.
//   diagLine    "completed end=3 futures=[f=pending] collected=[2:a,b] never=[x] shutdown_errors=[y]"
//               status, end time and the non-empty parts of futures and diagnostics.
#pragma once

#include "engine.h"
#include "loader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QTest>

#include <memory>

namespace ascope::test {

using namespace Qt::StringLiterals;

// Loads a graph written inline; "format" is added when the text leaves it out. Fails the test
// (and returns null) when the graph does not load.
inline std::shared_ptr<const Graph> loadInline(const QByteArray &json)
{
    QJsonParseError pe;
    QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        qWarning().noquote() << u"inline graph is not a JSON object:"_s << pe.errorString() << u"at"_s << pe.offset;
        return {};
    }
    QJsonObject o = doc.object();
    if (!o.contains(u"format"_s))
        o.insert(u"format"_s, u"asyncgraph/1"_s);
    if (!o.contains(u"name"_s))
        o.insert(u"name"_s, QTest::currentDataTag() ? QString::fromUtf8(QTest::currentDataTag()) : u"inline"_s);
    const LoadResult lr = loadGraph(QJsonDocument(o).toJson(QJsonDocument::Compact));
    if (!lr.graph)
        qWarning().noquote() << u"inline graph rejected:"_s << lr.error;
    return lr.graph;
}

// Runs the graph to the end with Engine::runSync(); null when it does not load.
inline std::unique_ptr<Engine> runEngine(const QByteArray &json)
{
    auto graph = loadInline(json);
    if (!graph)
        return {};
    auto engine = std::make_unique<Engine>(graph);
    engine->runSync();
    return engine;
}

// The outcome of a run (empty object when the graph does not load).
inline QJsonObject runOutcome(const QByteArray &json)
{
    auto engine = runEngine(json);
    return engine ? engine->outcome() : QJsonObject();
}

inline QJsonObject taskObject(const QJsonObject &outcome, const QString &name)
{
    const QJsonArray tasks = outcome.value(u"tasks"_s).toArray();
    for (const QJsonValue &t : tasks) {
        if (t.toObject().value(u"name"_s).toString() == name)
            return t.toObject();
    }
    return {};
}

inline QString taskState(const QJsonObject &outcome, const QString &name)
{
    return taskObject(outcome, name).value(u"state"_s).toString();
}

inline QString finalState(const QJsonObject &outcome, const QString &name)
{
    return taskObject(outcome, name).value(u"final_state"_s).toString();
}

inline QJsonValue taskResult(const QJsonObject &outcome, const QString &name)
{
    return taskObject(outcome, name).value(u"result"_s);
}

inline QJsonObject taskException(const QJsonObject &outcome, const QString &name)
{
    return taskObject(outcome, name).value(u"exception"_s).toObject();
}

inline double taskFinished(const QJsonObject &outcome, const QString &name)
{
    return taskObject(outcome, name).value(u"finished"_s).toDouble(-1);
}

// Number as the reference's summary prints it: format(x, '.10g').
inline QString numText(double d)
{
    QString s = QString::number(d, 'g', 10);
    if (s == u"-0"_s)
        s = u"0"_s;
    return s;
}

inline QString excText(const QJsonObject &e)
{
    QString s = e.value(u"type"_s).toString();
    const QString msg = e.value(u"message"_s).toString();
    if (!msg.isEmpty())
        s += u'(' + msg + u')';
    if (e.contains(u"exceptions"_s)) {
        QStringList members;
        for (const QJsonValue &m : e.value(u"exceptions"_s).toArray())
            members << excText(m.toObject());
        s += u'[' + members.join(u',') + u']';
    }
    return s;
}

// A value of the outcome as compact text: JSON, but tasks, futures and exceptions spelled
// task:a, future:f and exc:ValueError(bad).
inline QString valueText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double:
        return numText(v.toDouble());
    case QJsonValue::String: {
        QString s = v.toString();
        s.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
        return u'"' + s + u'"';
    }
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &x : v.toArray())
            parts << valueText(x);
        return u'[' + parts.join(u',') + u']';
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        if (o.size() == 1 && o.contains(u"task"_s))
            return u"task:"_s + o.value(u"task"_s).toString();
        if (o.size() == 1 && o.contains(u"future"_s))
            return u"future:"_s + (o.value(u"future"_s).isNull() ? u"?"_s : o.value(u"future"_s).toString());
        if (o.size() == 1 && o.contains(u"exception"_s))
            return u"exc:"_s + excText(o.value(u"exception"_s).toObject());
        QStringList parts;
        for (auto it = o.begin(); it != o.end(); ++it) // QJsonObject keeps keys sorted
            parts << valueText(QJsonValue(it.key())) + u':' + valueText(it.value());
        return u'{' + parts.join(u',') + u'}';
    }
    default:
        return u"undefined"_s;
    }
}

inline QString tasksLine(const QJsonObject &outcome)
{
    QStringList parts;
    for (const QJsonValue &tv : outcome.value(u"tasks"_s).toArray()) {
        const QJsonObject t = tv.toObject();
        QString s = t.value(u"name"_s).toString() + u'=';
        const QString finalSt = t.value(u"final_state"_s).toString();
        if (t.contains(u"created_in"_s)) {
            s += u"shutdown->"_s + finalSt;
        } else {
            const QString st = t.value(u"state"_s).toString();
            s += st;
            if (st == u"done"_s)
                s += u':' + valueText(t.value(u"result"_s));
            else if (st == u"failed"_s)
                s += u':' + excText(t.value(u"exception"_s).toObject());
            if (finalSt != st)
                s += u"->"_s + finalSt;
        }
        parts << s;
    }
    return parts.join(u' ');
}

inline QString eventsLine(const QJsonObject &outcome)
{
    QStringList parts;
    for (const QJsonValue &ev : outcome.value(u"events"_s).toArray()) {
        const QJsonObject e = ev.toObject();
        QString s = numText(e.value(u"t"_s).toDouble()) + u':' + e.value(u"task"_s).toString() + u':'
            + e.value(u"state"_s).toString();
        if (e.value(u"phase"_s).toString() != u"run"_s)
            s += u'/' + e.value(u"phase"_s).toString();
        parts << s;
    }
    return parts.join(u' ');
}

// Task names in the order they completed.
inline QStringList eventOrder(const QJsonObject &outcome)
{
    QStringList out;
    for (const QJsonValue &ev : outcome.value(u"events"_s).toArray())
        out << ev.toObject().value(u"task"_s).toString();
    return out;
}

inline QString namesText(const QJsonArray &a)
{
    QStringList names;
    for (const QJsonValue &v : a)
        names << v.toString();
    return names.join(u',');
}

inline QString diagLine(const QJsonObject &outcome)
{
    QStringList parts{outcome.value(u"status"_s).toString(),
                      u"end="_s + numText(outcome.value(u"end_time"_s).toDouble())};
    QStringList futures;
    for (const QJsonValue &fv : outcome.value(u"futures"_s).toArray())
        futures << fv.toObject().value(u"name"_s).toString() + u'=' + fv.toObject().value(u"state"_s).toString();
    if (!futures.isEmpty())
        parts << u"futures=["_s + futures.join(u',') + u']';
    const QJsonObject d = outcome.value(u"diagnostics"_s).toObject();
    QStringList collections;
    for (const QJsonValue &cv : d.value(u"collections"_s).toArray()) {
        const QJsonObject c = cv.toObject();
        collections << numText(c.value(u"t"_s).toDouble()) + u':' + namesText(c.value(u"destroyed"_s).toArray());
    }
    if (!collections.isEmpty())
        parts << u"collected=["_s + collections.join(u' ') + u']';
    for (const QString &key : {u"exception_never_retrieved"_s, u"shutdown_errors"_s}) {
        const QJsonArray a = d.value(key).toArray();
        if (!a.isEmpty())
            parts << (key == u"exception_never_retrieved"_s ? u"never"_s : key) + u"=["_s + namesText(a) + u']';
    }
    const QJsonValue excluded = outcome.value(u"excluded"_s);
    if (!excluded.isNull() && !excluded.isUndefined())
        parts << u"excluded"_s;
    return parts.join(u' ');
}

// The usual row of a semantics test: a graph and the reference's three summary lines.
inline void addOutcomeColumns()
{
    QTest::addColumn<QByteArray>("graph");
    QTest::addColumn<QString>("tasks");
    QTest::addColumn<QString>("events");
    QTest::addColumn<QString>("diag");
}

// A line of a row on which the engine is known to disagree with the reference (the lead fixes
// the engine; the row keeps the reference's answer and is reported as an expected failure).
struct KnownDisagreement {
    const char *row;  // data tag
    const char *line; // "tasks", "events" or "diag"
    const char *why;
};

// Runs the row's graph and compares the three lines (each QCOMPARE names what differs).
inline void verifyOutcomeRow(std::initializer_list<KnownDisagreement> known = {})
{
    QFETCH(QByteArray, graph);
    QFETCH(QString, tasks);
    QFETCH(QString, events);
    QFETCH(QString, diag);
    const QJsonObject outcome = runOutcome(graph);
    QVERIFY2(!outcome.isEmpty(), "the graph did not load");
    const auto expectFail = [&known](const char *line) {
        for (const KnownDisagreement &k : known) {
            if (qstrcmp(k.line, line) == 0 && qstrcmp(k.row, QTest::currentDataTag()) == 0)
                QTest::qExpectFail(k.row, k.why, QTest::Continue, __FILE__, __LINE__);
        }
    };
    expectFail("tasks");
    QCOMPARE(tasksLine(outcome), tasks);
    expectFail("events");
    QCOMPARE(eventsLine(outcome), events);
    expectFail("diag");
    QCOMPARE(diagLine(outcome), diag);
}

} // namespace ascope::test
