// The exports: the Perfetto / Chrome trace of a run (structure a viewer relies on), the Python
// program of a graph (run on python3, it must print what the engine's outcome says, for every
// conformance scenario) and `asyncscope export` through the built binary.
#include "engine.h"
#include "loader.h"
#include "perfettoexport.h"
#include "pythonexport.h"
#include "runner.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString kConformanceDir = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance");
const QString kLeakScenario = kConformanceDir + u"/07-as-completed-timeout-leak.json"_s;

std::shared_ptr<const ascope::Graph> loadOrFail(const QString &path)
{
    const ascope::LoadResult r = ascope::loadGraphFile(path);
    if (!r.graph)
        qWarning("%s", qPrintable(r.error));
    return r.graph;
}

QJsonObject finishedRunTrace(const std::shared_ptr<const ascope::Graph> &g, std::unique_ptr<ascope::Engine> *keep)
{
    auto engine = std::make_unique<ascope::Engine>(g);
    engine->runSync();
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(ascope::perfettoTrace(*engine), &err);
    if (err.error != QJsonParseError::NoError)
        qWarning("perfetto JSON does not parse: %s", qPrintable(err.errorString()));
    *keep = std::move(engine);
    return doc.object();
}

// Checks what Perfetto and chrome://tracing need from the trace; returns "" or what is wrong.
QString structureProblem(const QJsonObject &doc)
{
    if (!doc.value(u"traceEvents"_s).isArray())
        return u"no traceEvents array"_s;
    if (doc.value(u"displayTimeUnit"_s).toString() != u"ms")
        return u"displayTimeUnit is not ms"_s;
    static const QStringList phases{u"b"_s, u"e"_s, u"s"_s, u"f"_s, u"i"_s, u"M"_s};
    QHash<QString, QStringList> open;  // async id -> stack of open slice names
    QHash<QString, double> lastTs;     // async id -> last timestamp
    QHash<qint64, QString> flowStarts; // flow id -> cat
    QHash<qint64, int> flowEnds;
    for (const QJsonValue &v : doc.value(u"traceEvents"_s).toArray()) {
        const QJsonObject e = v.toObject();
        const QString ph = e.value(u"ph"_s).toString();
        if (!phases.contains(ph))
            return u"unexpected ph '%1'"_s.arg(ph);
        if (!e.value(u"pid"_s).isDouble() || !e.value(u"tid"_s).isDouble() || !e.value(u"name"_s).isString())
            return u"event without pid/tid/name"_s;
        if (ph == u"M")
            continue;
        if (!e.value(u"ts"_s).isDouble() || e.value(u"ts"_s).toDouble() < 0)
            return u"event without a timestamp"_s;
        const double ts = e.value(u"ts"_s).toDouble();
        const QString name = e.value(u"name"_s).toString();
        if (ph == u"b" || ph == u"e") {
            const QString id = e.value(u"id"_s).toString();
            if (id.isEmpty() || e.value(u"cat"_s).toString() != u"task")
                return u"async event without id or cat"_s;
            if (ts < lastTs.value(id, 0))
                return u"time goes back on track %1 at %2"_s.arg(id).arg(ts);
            lastTs[id] = ts;
            if (ph == u"b") {
                open[id].append(name);
            } else {
                if (open[id].isEmpty() || open[id].last() != name)
                    return u"'e' %1 on %2 closes nothing open"_s.arg(name, id);
                open[id].removeLast();
            }
        } else if (ph == u"s") {
            flowStarts.insert(e.value(u"id"_s).toInteger(), e.value(u"cat"_s).toString());
        } else if (ph == u"f") {
            if (e.value(u"bp"_s).toString() != u"e")
                return u"flow end not bound to its enclosing slice"_s;
            ++flowEnds[e.value(u"id"_s).toInteger()];
        } else if (ph == u"i" && !QStringList{u"g"_s, u"p"_s, u"t"_s}.contains(e.value(u"s"_s).toString())) {
            return u"instant without scope"_s;
        }
    }
    for (auto it = open.cbegin(); it != open.cend(); ++it) {
        if (!it.value().isEmpty())
            return u"track %1 left open: %2"_s.arg(it.key(), it.value().join(u", "_s));
    }
    for (auto it = flowStarts.cbegin(); it != flowStarts.cend(); ++it) {
        if (flowEnds.value(it.key()) != 1)
            return u"flow %1 has %2 ends"_s.arg(it.key()).arg(flowEnds.value(it.key()));
    }
    if (flowEnds.size() != flowStarts.size())
        return u"flow ends without a start"_s;
    return {};
}

QList<QJsonObject> eventsWith(const QJsonObject &doc, const QString &ph, const QString &cat = {})
{
    QList<QJsonObject> out;
    for (const QJsonValue &v : doc.value(u"traceEvents"_s).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value(u"ph"_s).toString() == ph && (cat.isEmpty() || e.value(u"cat"_s).toString() == cat))
            out.append(e);
    }
    return out;
}

// The outermost slice of every task track, in order: the task names.
QStringList trackNames(const QJsonObject &doc)
{
    QStringList names;
    QHash<QString, int> depth;
    for (const QJsonValue &v : doc.value(u"traceEvents"_s).toArray()) {
        const QJsonObject e = v.toObject();
        const QString ph = e.value(u"ph"_s).toString();
        const QString id = e.value(u"id"_s).toString();
        if (ph == u"b" && depth[id]++ == 0)
            names.append(e.value(u"name"_s).toString());
        else if (ph == u"e")
            --depth[id];
    }
    return names;
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runProcess(const QString &program, const QStringList &args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"QT_QPA_PLATFORM"_s);
    env.remove(u"DISPLAY"_s);
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(30000) || !p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = "did not start or finish: " + p.errorString().toUtf8();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestExport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_python;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_python = QStandardPaths::findExecutable(u"python3"_s);
    }

    void perfettoStructure_data()
    {
        QTest::addColumn<QString>("file");
        const QStringList files = QDir(kConformanceDir).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        for (const QString &f : files) {
            if (!f.endsWith(u".outcome.json"))
                QTest::newRow(qPrintable(f.chopped(5))) << kConformanceDir + u'/' + f;
        }
    }

    // Every conformance scenario: valid JSON, known phases, balanced nested slices per task
    // track in time order, one track per task named after it, flows with both ends.
    void perfettoStructure()
    {
        QFETCH(QString, file);
        const auto g = loadOrFail(file);
        QVERIFY(g);
        std::unique_ptr<ascope::Engine> engine;
        const QJsonObject doc = finishedRunTrace(g, &engine);
        QCOMPARE(structureProblem(doc), QString());
        QStringList tasks;
        for (const QJsonValue &t : engine->outcome().value(u"tasks"_s).toArray())
            tasks.append(t[u"name"_s].toString());
        QCOMPARE(trackNames(doc), tasks);
        const QStringList phases = [&] {
            QStringList names;
            for (const QJsonObject &e : eventsWith(doc, u"i"_s, u"phase"_s))
                names.append(e.value(u"name"_s).toString());
            return names;
        }();
        QVERIFY2(phases.contains(u"end"_s), qPrintable(phases.join(u", "_s)));
    }

    // The as_completed leak by hand: five children spawned by main, two destroyed by the gc
    // step at t=1, main waiting on the as_completed getter until the timeout.
    void perfettoLeakScenario()
    {
        const auto g = loadOrFail(kLeakScenario);
        QVERIFY(g);
        std::unique_ptr<ascope::Engine> engine;
        const QJsonObject doc = finishedRunTrace(g, &engine);
        QCOMPARE(structureProblem(doc), QString());
        QCOMPARE(trackNames(doc),
                 (QStringList{u"main"_s, u"sub_ok"_s, u"sub_stuck"_s, u"sub_ok#2"_s, u"sub_ok#3"_s, u"sub_stuck#2"_s}));

        const QList<QJsonObject> spawns = eventsWith(doc, u"s"_s, u"spawn"_s);
        QCOMPARE(spawns.size(), 5);
        for (const QJsonObject &s : spawns)
            QCOMPARE(s.value(u"args"_s)[u"parent"_s].toString(), u"main"_s);

        // the collection: an instant at t=1 s naming both stuck tasks, whose tracks end there
        const QList<QJsonObject> gcs = eventsWith(doc, u"i"_s, u"gc"_s);
        QCOMPARE(gcs.size(), 2); // the gc step and the end-of-entry collection
        QCOMPARE(gcs.first().value(u"args"_s)[u"destroyed"_s].toArray(),
                 (QJsonArray{u"sub_stuck"_s, u"sub_stuck#2"_s}));
        QCOMPARE(gcs.first().value(u"args"_s)[u"t"_s].toDouble(), 1.0);
        QVERIFY(gcs.first().value(u"ts"_s).toDouble() >= 1e6);
        int destroyed = 0;
        for (const QJsonObject &e : eventsWith(doc, u"e"_s)) {
            if (e.value(u"args"_s)[u"state"_s].toString() == u"destroyed while pending") {
                ++destroyed;
                QVERIFY(e.value(u"name"_s).toString().startsWith(u"sub_stuck"));
            }
        }
        QCOMPARE(destroyed, 2);

        // main's last state before it returns: waiting (on the as_completed getter) from t=0 to t=1
        bool waitedForASecond = false;
        double waitStart = -1;
        for (const QJsonObject &e : eventsWith(doc, u"b"_s) + eventsWith(doc, u"e"_s)) {
            if (e.value(u"id"_s).toString() != u"0x1" || !e.value(u"name"_s).toString().startsWith(u"waiting on"))
                continue;
            if (e.value(u"ph"_s).toString() == u"b")
                waitStart = e.value(u"ts"_s).toDouble();
            else if (waitStart >= 0 && e.value(u"ts"_s).toDouble() - waitStart >= 1e6 - 100)
                waitedForASecond = true;
        }
        QVERIFY(waitedForASecond);
    }

    // An injection shows as an instant naming its kind and target.
    void perfettoInjection()
    {
        const auto g = loadOrFail(kLeakScenario);
        QVERIFY(g);
        ascope::Engine engine(g);
        for (int i = 0; i < 3; ++i)
            QVERIFY(engine.stepOnce());
        ascope::Injection in;
        in.kind = ascope::Injection::Kind::Cancel;
        in.target = u"sub_stuck"_s;
        QString why;
        QVERIFY2(engine.inject(in, &why), qPrintable(why));
        engine.runSync();
        const QJsonObject doc = QJsonDocument::fromJson(ascope::perfettoTrace(engine)).object();
        QCOMPARE(structureProblem(doc), QString());
        const QList<QJsonObject> injections = eventsWith(doc, u"i"_s, u"injection"_s);
        QCOMPARE(injections.size(), 1);
        QCOMPARE(injections.first().value(u"name"_s).toString(), u"inject cancel sub_stuck"_s);
        // the cancelled task's track shows it cancelling, then ends cancelled
        bool cancelling = false;
        for (const QJsonObject &e : eventsWith(doc, u"b"_s))
            cancelling
                |= e.value(u"id"_s).toString() == u"0x3" && e.value(u"name"_s).toString().startsWith(u"cancelling");
        QVERIFY(cancelling);
    }

    void pythonJson_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("int") << QByteArray("[3]") << u"3"_s;
        // No row for an integral float ([1.0]): Qt's JSON reader keeps it as an int, and the
        // outcome comparison (outcomediff.cpp) reads both spellings as equal.
        QTest::newRow("float") << QByteArray("[0.1]") << u"0.1"_s;
        QTest::newRow("small float") << QByteArray("[1.5e-05]") << u"1.5e-05"_s;
        QTest::newRow("large float") << QByteArray("[1.5e+300]") << u"1.5e+300"_s;
        QTest::newRow("negative") << QByteArray("[-2.5]") << u"-2.5"_s;
        QTest::newRow("string") << QByteArray("[\"a\\\"b\\\\c\\nd \xc3\xa9\"]") << u"\"a\\\"b\\\\c\\nd é\""_s;
        QTest::newRow("object sorted") << QByteArray("[{\"type\": \"E\", \"message\": \"m\"}]")
                                       << u"{\"message\": \"m\", \"type\": \"E\"}"_s;
        QTest::newRow("nested") << QByteArray("[[null, true, {\"task\": \"a#2\"}]]")
                                << u"[null, true, {\"task\": \"a#2\"}]"_s;
    }

    // The C++ side of the comparison prints values exactly as Python's json.dumps does.
    void pythonJson()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QCOMPARE(ascope::pythonJson(QJsonDocument::fromJson(json).array().first()), expected);
        if (m_python.isEmpty())
            return;
        const Run r = runProcess(m_python,
                                 {u"-c"_s,
                                  u"import json,sys; print(json.dumps(json.loads(sys.argv[1])[0], "
                                  "sort_keys=True, ensure_ascii=False))"_s,
                                  QString::fromUtf8(json)});
        QCOMPARE(QString::fromUtf8(r.out).trimmed(), expected);
    }

    void pythonProgram_data()
    {
        QTest::addColumn<QString>("file");
        const QStringList files = QDir(kConformanceDir).entryList({u"*.outcome.json"_s}, QDir::Files, QDir::Name);
        for (const QString &f : files) {
            QFile golden(kConformanceDir + u'/' + f);
            if (!golden.open(QIODevice::ReadOnly))
                continue;
            // scenarios the reference leaves out (cleanup code of collected tasks) prove nothing
            if (!QJsonDocument::fromJson(golden.readAll()).object().value(u"excluded"_s).isNull())
                continue;
            const QString scenario = f.chopped(int(qstrlen(".outcome.json")));
            QTest::newRow(qPrintable(scenario)) << kConformanceDir + u'/' + scenario + u".json"_s;
        }
    }

    // The exported program, run by CPython, prints what the engine's outcome says.
    void pythonProgram()
    {
        QFETCH(QString, file);
        if (m_python.isEmpty())
            QSKIP("python3 is not installed");
        const auto g = loadOrFail(file);
        QVERIFY(g);
        const QString path = m_dir.filePath(QFileInfo(file).completeBaseName() + u".py"_s);
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(ascope::pythonProgram(*g).toUtf8());
        out.close();
        const Run r = runProcess(m_python, {path});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QStringList lines = QString::fromUtf8(r.out).split(u'\n');
        if (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
        QCOMPARE(lines, ascope::outcomeLines(ascope::runToOutcome(*g)));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
