// Tests of the asyncgraph/1 loader (engine/loader.h): the conformance scenarios load into a
// consistent model, names resolve to the documented slots, and invalid input of every kind is
// rejected with one message naming the place -- the reference oracle's exact message wherever
// the oracle has one (rows added with row(); rows with ownRow() cover our own limits and inputs
// Python reads differently).
#include "loader.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace ascope;
using namespace Qt::StringLiterals;

namespace {

QString conformanceDir()
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance");
}

// The 18 public scenarios of the specification; tests/conformance holds them (and more).
const char *const kPublicScenarios[] = {
    "01-create-task-concurrency",   "02-gather-return-exceptions",
    "03-wait-return-when",          "04-as-completed-order",
    "05-wait-for-timeout",          "06-shield",
    "07-as-completed-timeout-leak", "08-future-set-by-task",
    "09-cancel-all-on-interrupt",   "10-taskgroup-failure",
    "11-taskgroup-terminate",       "12-concurrent-loops",
    "13-swallowed-cancel",          "14-deadlock",
    "15-fire-and-forget",           "16-timeout-context",
    "17-blocking-vs-sleep0",        "18-gather-cancel-children",
};

// An invalid document and the message the oracle prints for it (after "error: FILE: ").
void row(const char *name, const QByteArray &json, const char *error)
{
    QTest::newRow(name) << json << QString::fromUtf8(error);
}

// An invalid document beyond the oracle: our own limits, or where the oracle crashes or differs.
void ownRow(const char *name, const QByteArray &json, const char *error)
{
    QTest::newRow(name) << json << QString::fromUtf8(error);
}

// A graph whose node "main" has the given steps, plus a node "w" with parameters d and n.
QByteArray withSteps(const QByteArray &steps)
{
    return R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": )" + steps
        + R"(}, {"id": "w", "params": {"d": 1, "n": null}, "steps": []}]})";
}

std::shared_ptr<const Graph> mustLoad(const QByteArray &json)
{
    const LoadResult r = loadGraph(json);
    if (!r.graph)
        qWarning("unexpected error: %s", qPrintable(r.error));
    return r.graph;
}

// Every reference, node index and parameter slot of the model points inside the model.
class ModelChecker
{
public:
    explicit ModelChecker(const Graph &g)
        : m_g(g)
    {
    }

    bool check()
    {
        if (m_g.entry < 0 || m_g.entry >= int(m_g.nodes.size()))
            return fail("entry out of range");
        if (m_g.futureCount > int(m_g.globalNames.size()))
            return fail("futureCount out of range");
        for (const Node &n : m_g.nodes) {
            m_node = &n;
            if (n.paramCount != int(n.paramDefaults.size()) || n.paramCount > int(n.localNames.size()))
                return fail("parameters inconsistent");
            for (const ValueExpr &v : n.paramDefaults) {
                if (!value(v))
                    return false;
            }
            if (!steps(n.steps))
                return false;
        }
        return true;
    }

    QString error;

private:
    bool fail(const char *what)
    {
        error = QString::fromLatin1(what) + u" in node " + (m_node ? m_node->id : QString());
        return false;
    }

    bool ref(const VarRef &r)
    {
        const int size = r.global ? int(m_g.globalNames.size()) : int(m_node->localNames.size());
        return (r.slot >= 0 && r.slot < size) || fail("reference out of range");
    }

    bool value(const ValueExpr &v)
    {
        if (v.kind == ValueExpr::Kind::Ref)
            return ref(v.ref);
        for (const ValueExpr &x : v.list) {
            if (!value(x))
                return false;
        }
        return true;
    }

    bool child(const ChildExpr &c)
    {
        if (c.isRef)
            return ref(c.ref);
        if (c.node < 0 || c.node >= int(m_g.nodes.size()))
            return fail("node out of range");
        for (const auto &[slot, v] : c.args) {
            if (slot < 0 || slot >= m_g.nodes[size_t(c.node)].paramCount)
                return fail("argument slot out of range");
            if (!value(v))
                return false;
        }
        return true;
    }

    bool steps(const std::vector<Step> &list)
    {
        for (const Step &s : list) {
            if (s.as && !ref(*s.as))
                return false;
            if (!value(s.seconds) || !value(s.value) || !value(s.timeout))
                return false;
            switch (s.op) {
            case Op::Await:
            case Op::WaitFor:
            case Op::Shield:
            case Op::Spawn:
                if (!child(s.target))
                    return false;
                break;
            case Op::SetResult:
            case Op::SetException:
            case Op::Cancel:
            case Op::Drop:
                if (!ref(s.targetRef))
                    return false;
                break;
            default:
                break;
            }
            for (const ChildExpr &c : s.children) {
                if (!child(c))
                    return false;
            }
            if (!steps(s.body) || !steps(s.finallyBody))
                return false;
            for (const ExceptHandler &h : s.handlers) {
                if ((h.as && !ref(*h.as)) || !steps(h.body))
                    return false;
            }
            if (s.source.value(u"op"_s).toString() != QLatin1StringView(opName(s.op)))
                return fail("source does not match the step");
        }
        return true;
    }

    const Graph &m_g;
    const Node *m_node = nullptr;
};

QByteArray nestedSteps(int levels)
{
    QByteArray json = R"([{"op": "gc"}])";
    for (int k = 0; k < levels; ++k)
        json = R"([{"op": "repeat", "times": 1, "body": )" + json + "}]";
    return R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": )" + json + "}]}";
}

} // namespace

class TestLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void publicScenariosPresent();
    void validFiles_data();
    void validFiles();
    void invalid_data();
    void invalid();
    void valueLimit();
    void nestingLimit();
    void nonFiniteWhereUnused();
    void budgets();
    void resolution();
    void numbers_data();
    void numbers();
    void stepFields();
    void duplicateKeys();
    void files();
    void damagedInput();
};

// The definitions stay out of the class: moc misreads raw strings holding quotes ("it's").

void TestLoader::publicScenariosPresent()
{
    for (const char *name : kPublicScenarios)
        QVERIFY2(QFile::exists(conformanceDir() + u'/' + QLatin1StringView(name) + u".json"), name);
}

void TestLoader::validFiles_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(conformanceDir());
    const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    int rows = 0;
    for (const QString &file : files) {
        QFile f(dir.filePath(file));
        if (file.endsWith(u".outcome.json") || !f.open(QIODevice::ReadOnly)
            || !f.readAll().contains("\"asyncgraph/1\""))
            continue; // golden outcomes and other fixtures
        QTest::newRow(qPrintable(file)) << dir.filePath(file);
        ++rows;
    }
    QVERIFY(rows >= 18);
}

void TestLoader::validFiles()
{
    QFETCH(QString, path);
    const LoadResult r = loadGraphFile(path);
    QVERIFY2(r.graph, qPrintable(r.error));
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.graph->nodes[size_t(r.graph->entry)].id, r.graph->source.value(u"entry"_s).toString(u"main"_s));
    QVERIFY(!r.graph->name.isEmpty());
    ModelChecker checker(*r.graph);
    QVERIFY2(checker.check(), qPrintable(checker.error));
}

void TestLoader::invalid_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    // top level, in the order the oracle checks it
    row("top-level list", "[1, 2]", "top level: expected a JSON object");
    row("top-level number", "5", "top level: expected a JSON object");
    row("top-level string", R"("asyncgraph/1")", "top level: expected a JSON object");
    row("format missing", R"({"nodes": []})", "format: expected 'asyncgraph/1', got None");
    row("format wrong", R"({"format": "asyncgraph/2"})", "format: expected 'asyncgraph/1', got 'asyncgraph/2'");
    row("format number", R"({"format": 1})", "format: expected 'asyncgraph/1', got 1");
    row("nodes missing", R"({"format": "asyncgraph/1"})", "nodes: expected a non-empty list");
    row("nodes empty", R"({"format": "asyncgraph/1", "nodes": []})", "nodes: expected a non-empty list");
    row("node not object", R"({"format": "asyncgraph/1", "nodes": [5]})", "nodes[0].id: expected an identifier");
    row("node id bad", R"({"format": "asyncgraph/1", "nodes": [{"id": "1x", "steps": []}]})",
        "nodes[0].id: expected an identifier");
    row("node id number", R"({"format": "asyncgraph/1", "nodes": [{"id": 7, "steps": []}]})",
        "nodes[0].id: expected an identifier");
    row("node id duplicate",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": []}, {"id": "main", "steps": []}]})",
        "nodes[1].id: duplicate id 'main'");
    row("params not object", R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": [1], "steps": []}]})",
        "nodes[0].params: expected an object of identifier -> value");
    row("params null", R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": null, "steps": []}]})",
        "nodes[0].params: expected an object of identifier -> value");
    row("param name bad", R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": {"a-b": 1}, "steps": []}]})",
        "nodes[0].params: expected an object of identifier -> value");
    row("param bad reference",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": {"a": 1, "d": "$"}, "steps": []}]})",
        "nodes[0].params.d: bad variable reference '$'");
    row("param dict",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": {"d": {"x": 1}}, "steps": []}]})",
        "nodes[0].params.d: values are JSON scalars, lists or $/@ references, not dict");
    row("param order is file order",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": {"z": "$1", "a": "@2"}, "steps": []}]})",
        "nodes[0].params.z: bad variable reference '$1'");
    row("steps missing", R"({"format": "asyncgraph/1", "nodes": [{"id": "main"}]})", "nodes[0].steps: expected a list");
    row("node checks before steps",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "fly"}]}, {"id": "b", "steps": {}}]})",
        "nodes[1].steps: expected a list");
    row("entry default missing", R"({"format": "asyncgraph/1", "nodes": [{"id": "start", "steps": []}]})",
        "entry: no node 'main'");
    row("entry unknown", R"({"format": "asyncgraph/1", "entry": "go", "nodes": [{"id": "main", "steps": []}]})",
        "entry: no node 'go'");
    row("entry number", R"({"format": "asyncgraph/1", "entry": 5, "nodes": [{"id": "main", "steps": []}]})",
        "entry: no node 5");
    row("entry before futures",
        R"({"format": "asyncgraph/1", "entry": null, "futures": 1, "nodes": [{"id": "main", "steps": []}]})",
        "entry: no node None");
    row("futures not list", R"({"format": "asyncgraph/1", "futures": "f", "nodes": [{"id": "main", "steps": []}]})",
        "futures: expected a list of identifiers");
    row("futures bad name",
        R"({"format": "asyncgraph/1", "futures": ["ok", "@f"], "nodes": [{"id": "main", "steps": []}]})",
        "futures: expected a list of identifiers");
    row("limits not object", R"({"format": "asyncgraph/1", "limits": [], "nodes": [{"id": "main", "steps": []}]})",
        "limits: expected an object");
    row("limits.time reference",
        R"({"format": "asyncgraph/1", "limits": {"time": "@t"}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: expected a number, got '@t'");
    row("limits.time null",
        R"({"format": "asyncgraph/1", "limits": {"time": null}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: expected a number, got None");
    row("limits.time bool",
        R"({"format": "asyncgraph/1", "limits": {"time": true}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: expected a number, got True");
    row("limits.time negative",
        R"({"format": "asyncgraph/1", "limits": {"time": -1}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: must not be negative, got -1");
    row("limits.time tiny negative",
        R"({"format": "asyncgraph/1", "limits": {"time": -1e-7}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: must not be negative, got -1e-07");
    row("limits.time huge negative",
        R"({"format": "asyncgraph/1", "limits": {"time": -2.5E20}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: must not be negative, got -2.5e+20");
    row("limits.time negative float",
        R"({"format": "asyncgraph/1", "limits": {"time": -1E2}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.time: must not be negative, got -100.0");
    row("limits before steps",
        R"({"format": "asyncgraph/1", "limits": {"time": -0.0001}, "nodes": [{"id": "main", "steps": [5]}]})",
        "limits.time: must not be negative, got -0.0001");

    // steps: op and fields
    row("step not object", withSteps("[5]"), "nodes[0].steps[0].op: unknown operation 5");
    row("step list", withSteps(R"([["a", 1.5, null, true]])"),
        "nodes[0].steps[0].op: unknown operation ['a', 1.5, None, True]");
    row("op missing", withSteps(R"([{"seconds": 1}])"), "nodes[0].steps[0].op: unknown operation None");
    row("op unknown", withSteps(R"([{"op": "gc"}, {"op": "fly"}])"), "nodes[0].steps[1].op: unknown operation 'fly'");
    row("op repr quotes", withSteps(R"([{"op": "it's"}])"), R"(nodes[0].steps[0].op: unknown operation "it's")");
    row("op repr escapes", withSteps(R"([{"op": "\u00e9\n\u0001\\"}])"),
        R"(nodes[0].steps[0].op: unknown operation 'é\n\x01\\')");
    row("missing field", withSteps(R"([{"op": "sleep"}])"), "nodes[0].steps[0] (sleep): missing field(s) ['seconds']");
    row("missing fields sorted", withSteps(R"([{"op": "wait_for", "as": "$x"}])"),
        "nodes[0].steps[0] (wait_for): missing field(s) ['target', 'timeout']");
    row("unknown fields sorted", withSteps(R"([{"op": "gc", "x": 1, "b": 2, "note": "kept", "ui": {"x": 1}}])"),
        "nodes[0].steps[0] (gc): unknown field(s) ['b', 'x']");
    row("missing before unknown", withSteps(R"([{"op": "repeat", "times": 1, "x": 1}])"),
        "nodes[0].steps[0] (repeat): missing field(s) ['body']");
    row("as not allowed", withSteps(R"([{"op": "block", "seconds": 1, "as": "$x"}])"),
        "nodes[0].steps[0] (block): unknown field(s) ['as']");
    row("as bad", withSteps(R"([{"op": "future", "as": "x"}])"), "nodes[0].steps[0].as: expected $name or @name");
    row("as bad name", withSteps(R"([{"op": "future", "as": "$1"}])"), "nodes[0].steps[0].as: expected $name or @name");

    // times
    row("sleep negative", withSteps(R"([{"op": "sleep", "seconds": -1}])"),
        "nodes[0].steps[0].seconds: must not be negative, got -1");
    row("sleep string", withSteps(R"([{"op": "sleep", "seconds": "1"}])"),
        "nodes[0].steps[0].seconds: expected a number, got '1'");
    row("sleep null", withSteps(R"([{"op": "sleep", "seconds": null}])"),
        "nodes[0].steps[0].seconds: expected a number, got None");
    row("block bool", withSteps(R"([{"op": "block", "seconds": false}])"),
        "nodes[0].steps[0].seconds: expected a number, got False");
    row("timeout seconds list", withSteps(R"([{"op": "timeout", "seconds": [1], "body": []}])"),
        "nodes[0].steps[0].seconds: expected a number, got [1]");
    row("wait timeout negative", withSteps(R"([{"op": "wait", "children": ["w"], "timeout": -0.25}])"),
        "nodes[0].steps[0].timeout: must not be negative, got -0.25");
    row("as_completed timeout bad ref", withSteps(R"([{"op": "as_completed", "children": ["w"], "timeout": "$"}])"),
        "nodes[0].steps[0].timeout: expected a number, got '$'");
    row("wait_for timeout bool", withSteps(R"([{"op": "wait_for", "target": "w", "timeout": true}])"),
        "nodes[0].steps[0].timeout: expected a number, got True");
    row("return_when", withSteps(R"([{"op": "wait", "children": ["w"], "return_when": "FIRST"}])"),
        "nodes[0].steps[0].return_when: one of ['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION']");
    row("return_when null", withSteps(R"([{"op": "wait", "children": ["w"], "return_when": null}])"),
        "nodes[0].steps[0].return_when: one of ['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION']");

    // exceptions
    row("raise unknown type", withSteps(R"([{"op": "raise", "type": "Boom"}])"),
        "nodes[0].steps[0].type: unknown exception type 'Boom'");
    row("set_exception type null", withSteps(R"([{"op": "set_exception", "target": "$f", "type": null}])"),
        "nodes[0].steps[0].type: unknown exception type None");
    row("raise message number", withSteps(R"([{"op": "raise", "type": "ValueError", "message": 5}])"),
        "nodes[0].steps[0].message: expected a string");
    row("set_exception message null",
        withSteps(R"([{"op": "set_exception", "target": "$f", "type": "KeyError", "message": null}])"),
        "nodes[0].steps[0].message: expected a string");
    row("reraise outside except", withSteps(R"([{"op": "reraise"}])"),
        "nodes[0].steps[0]: reraise is only allowed inside an except body");
    row("reraise in try body",
        withSteps(R"([{"op": "try", "body": [{"op": "reraise"}], "except": [{"types": ["Exception"]}]}])"),
        "nodes[0].steps[0].body[0]: reraise is only allowed inside an except body");
    row("reraise in finally", withSteps(R"([{"op": "try", "body": [], "finally": [{"op": "gc"}, {"op": "reraise"}]}])"),
        "nodes[0].steps[0].finally[1]: reraise is only allowed inside an except body");

    // values
    row("value bad reference", withSteps(R"([{"op": "return", "value": "$1x"}])"),
        "nodes[0].steps[0].value: bad variable reference '$1x'");
    row("value dict in list", withSteps(R"([{"op": "return", "value": [1, [2, {"a": 2}]]}])"),
        "nodes[0].steps[0].value[1][1]: values are JSON scalars, lists or $/@ references, not dict");
    row("sleep result bad reference", withSteps(R"([{"op": "sleep", "seconds": 0, "result": "@"}])"),
        "nodes[0].steps[0].result: bad variable reference '@'");
    row("set_result value dict", withSteps(R"([{"op": "set_result", "target": "@f", "value": {}}])"),
        "nodes[0].steps[0].value: values are JSON scalars, lists or $/@ references, not dict");

    // children and targets
    row("await unknown node",
        R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": []}, {"id": "b", "steps": [{"op": "gc"}, {"op": "hang"}, {"op": "sleep", "seconds": 0}, {"op": "await", "target": "fetch"}]}]})",
        "nodes[1].steps[3].target: no node 'fetch'");
    row("await bad reference is a node name", withSteps(R"([{"op": "await", "target": "$-x"}])"),
        "nodes[0].steps[0].target: no node '$-x'");
    row("await number", withSteps(R"([{"op": "await", "target": 5}])"),
        "nodes[0].steps[0].target: expected a node id, a $/@ reference or {node, args, count}");
    row("await object without node", withSteps(R"([{"op": "await", "target": {"args": {}}}])"),
        "nodes[0].steps[0].target: expected a node id, a $/@ reference or {node, args, count}");
    row("target node unknown", withSteps(R"([{"op": "shield", "target": {"node": "zz"}}])"),
        "nodes[0].steps[0].target.node: no node 'zz'");
    row("target node not string", withSteps(R"([{"op": "shield", "target": {"node": null}}])"),
        "nodes[0].steps[0].target.node: no node None");
    row("target unknown field",
        withSteps(R"([{"op": "wait_for", "target": {"node": "w", "x": 1, "a": 2}, "timeout": 1}])"),
        "nodes[0].steps[0].target: unknown field(s) ['a', 'x']");
    row("target count not allowed", withSteps(R"([{"op": "await", "target": {"node": "w", "count": 2}}])"),
        "nodes[0].steps[0].target.count: not allowed here");
    row("target args not object", withSteps(R"([{"op": "await", "target": {"node": "w", "args": 1}}])"),
        "nodes[0].steps[0].target.args: expected an object");
    row("target unknown arg", withSteps(R"([{"op": "await", "target": {"node": "w", "args": {"d": 2, "e": 3}}}])"),
        "nodes[0].steps[0].target.args.e: node 'w' has no parameter 'e'");
    row("spawn unknown node", withSteps(R"([{"op": "spawn", "node": "zz"}])"), "nodes[0].steps[0].node: no node 'zz'");
    row("spawn args not object", withSteps(R"([{"op": "spawn", "node": "w", "args": [1]}])"),
        "nodes[0].steps[0].args: expected an object");
    row("spawn unknown arg", withSteps(R"([{"op": "spawn", "node": "main", "args": {"d": 1}}])"),
        "nodes[0].steps[0].args.d: node 'main' has no parameter 'd'");
    row("spawn arg bad reference", withSteps(R"([{"op": "spawn", "node": "w", "args": {"n": "$-"}}])"),
        "nodes[0].steps[0].args.n: bad variable reference '$-'");
    row("children not list", withSteps(R"([{"op": "gather", "children": "w"}])"),
        "nodes[0].steps[0].children: expected a list");
    row("child unknown node", withSteps(R"([{"op": "as_completed", "children": ["w", "v"]}])"),
        "nodes[0].steps[0].children[1]: no node 'v'");
    row("child neither", withSteps(R"([{"op": "gather", "children": [["w"]]}])"),
        "nodes[0].steps[0].children[0]: expected a node id, a $/@ reference or {node, args, count}");
    row("count negative", withSteps(R"([{"op": "gather", "children": ["w", {"node": "w", "count": -1}]}])"),
        "nodes[0].steps[0].children[1].count: expected a whole number >= 0");
    row("count float", withSteps(R"([{"op": "wait", "children": [{"node": "w", "count": 2.0}]}])"),
        "nodes[0].steps[0].children[0].count: expected a whole number >= 0");
    row("count bool", withSteps(R"([{"op": "taskgroup", "children": [{"node": "w", "count": true}]}])"),
        "nodes[0].steps[0].children[0].count: expected a whole number >= 0");
    row("count checked before args",
        withSteps(R"([{"op": "gather", "children": [{"node": "w", "count": "2", "args": 5}]}])"),
        "nodes[0].steps[0].children[0].count: expected a whole number >= 0");
    row("taskgroup reference", withSteps(R"([{"op": "taskgroup", "children": ["w", "$t"]}])"),
        "nodes[0].steps[0].children[1]: taskgroup children are nodes, not references");
    row("wait empty", withSteps(R"([{"op": "wait", "children": []}])"),
        "nodes[0].steps[0].children: wait needs at least one child");
    row("set_result target node", withSteps(R"([{"op": "set_result", "target": "main"}])"),
        "nodes[0].steps[0].target: expected $name or @name");
    row("set_exception target", withSteps(R"([{"op": "set_exception", "target": 1, "type": "KeyError"}])"),
        "nodes[0].steps[0].target: expected $name or @name");
    row("cancel target", withSteps(R"([{"op": "cancel", "target": {"node": "w"}}])"),
        "nodes[0].steps[0].target: expected $name or @name");
    row("drop target", withSteps(R"([{"op": "drop", "target": "$"}])"),
        "nodes[0].steps[0].target: expected $name or @name");

    // repeat, bodies, try
    row("repeat negative", withSteps(R"([{"op": "repeat", "times": -1, "body": []}])"),
        "nodes[0].steps[0].times: expected a whole number >= 0");
    row("repeat float", withSteps(R"([{"op": "repeat", "times": 1.5, "body": []}])"),
        "nodes[0].steps[0].times: expected a whole number >= 0");
    row("repeat reference", withSteps(R"([{"op": "repeat", "times": "$n", "body": []}])"),
        "nodes[0].steps[0].times: expected a whole number >= 0");
    row("body not list", withSteps(R"([{"op": "timeout", "seconds": null, "body": 5}])"),
        "nodes[0].steps[0].body: expected a list of steps");
    row("taskgroup body nested error",
        withSteps(R"([{"op": "taskgroup", "children": [], "body": [{"op": "sleep", "seconds": -2}]}])"),
        "nodes[0].steps[0].body[0].seconds: must not be negative, got -2");
    row("except not list", withSteps(R"([{"op": "try", "body": [], "except": {"types": ["Exception"]}}])"),
        "nodes[0].steps[0].except: expected a list of handlers");
    row("handler not object", withSteps(R"([{"op": "try", "body": [], "except": ["ValueError"]}])"),
        "nodes[0].steps[0].except[0].types: expected a non-empty list of exception types");
    row("handler types empty", withSteps(R"([{"op": "try", "body": [], "except": [{"types": []}]}])"),
        "nodes[0].steps[0].except[0].types: expected a non-empty list of exception types");
    row("handler unknown type",
        withSteps(
            R"([{"op": "try", "body": [], "except": [{"types": ["Exception"]}, {"types": ["OSError", "Oops"]}]}])"),
        "nodes[0].steps[0].except[1].types: unknown exception type 'Oops'");
    row("handler as bad", withSteps(R"([{"op": "try", "body": [], "except": [{"types": ["Exception"], "as": "e"}]}])"),
        "nodes[0].steps[0].except[0].as: expected $name or @name");
    row("handler unknown field",
        withSteps(R"([{"op": "try", "body": [], "except": [{"types": ["Exception"], "finally": [], "note": ""}]}])"),
        "nodes[0].steps[0].except[0]: unknown field(s) ['finally', 'note']");
    row("handler body not list",
        withSteps(R"([{"op": "try", "body": [], "except": [{"types": ["Exception"], "body": {}}]}])"),
        "nodes[0].steps[0].except[0].body: expected a list of steps");
    row("finally before except", withSteps(R"([{"op": "try", "body": [], "except": 1, "finally": [{"op": "fly"}]}])"),
        "nodes[0].steps[0].finally[0].op: unknown operation 'fly'");
    row("deep place",
        withSteps(
            R"([{"op": "gc"}, {"op": "repeat", "times": 2, "body": [{"op": "try", "body": [], "except": [{"types": ["CancelledError"], "body": [{"op": "reraise"}, {"op": "timeout", "seconds": 1, "body": [{"op": "await", "target": "nope"}]}]}]}]}])"),
        "nodes[0].steps[1].body[0].except[0].body[1].body[0].target: no node 'nope'");

    // beyond the oracle: JSON syntax (Python words it differently), our own limits, and
    // inputs on which the oracle crashes (unhashable values) or is lax (a trailing newline)
    ownRow("empty document", QByteArray(), "invalid JSON at offset 0: illegal value");
    ownRow("unterminated string", R"({"format": "x)", "invalid JSON at offset 14: unterminated string");
    ownRow("garbage after document", R"({"a": 1} x)", "invalid JSON at offset 9: garbage at the end of the document");
    ownRow("binary", QByteArray("\x00\xff\xfe\x01", 4), "invalid JSON at offset 1: illegal value");
    ownRow("invalid UTF-8", "{\"format\": \"\xc3\x28\"}", "invalid JSON at offset 12: invalid UTF8 string");
    ownRow("byte order mark", "\xef\xbb\xbf{}", "invalid JSON at offset 0: unexpected UTF-8 byte order mark");
    ownRow("number with bare dot", R"({"a": 1.})", "invalid JSON at offset 6: illegal number");
    ownRow("number starting with dot", R"({"a": .5})", "invalid JSON at offset 6: illegal value");
    ownRow("unknown escape", R"({"a": "\x"})", "invalid JSON at offset 7: invalid escape sequence");
    ownRow("control character", "{\"a\": \"x\ty\"}", "invalid JSON at offset 8: control character in string");
    // NaN, Infinity and overflowing literals are read as Python reads them, then refused where
    // a graph would use them (the oracle writes them into its program as undefined names)
    ownRow("NaN seconds", withSteps(R"([{"op": "sleep", "seconds": NaN}])"),
           "nodes[0].steps[0].seconds: expected a finite number, got nan");
    ownRow("Infinity seconds", withSteps(R"([{"op": "block", "seconds": Infinity}])"),
           "nodes[0].steps[0].seconds: expected a finite number, got inf");
    ownRow("-Infinity seconds", withSteps(R"([{"op": "sleep", "seconds": -Infinity}])"),
           "nodes[0].steps[0].seconds: must not be negative, got -inf");
    ownRow("NaN value", withSteps(R"([{"op": "return", "value": [1, NaN]}])"),
           "nodes[0].steps[0].value[1]: expected a finite number, got nan");
    ownRow("NaN cancel message", withSteps(R"([{"op": "cancel", "target": "$t", "message": {"a": NaN}}])"),
           "nodes[0].steps[0].message.a: expected a finite number, got nan");
    ownRow("number out of range",
           R"({"format": "asyncgraph/1", "limits": {"time": 1e309}, "nodes": [{"id": "main", "steps": []}]})",
           "limits.time: expected a finite number, got inf");
    ownRow("huge integer seconds", withSteps(R"([{"op": "sleep", "seconds": 1)" + QByteArray(400, '0') + "}]"),
           qPrintable(u"nodes[0].steps[0].seconds: expected a finite number, got 1"_s + QString(400, u'0')));
    ownRow("bad literal", R"({"a": Nan})", "invalid JSON at offset 6: illegal number");
    ownRow("limits.tasks zero",
           R"({"format": "asyncgraph/1", "limits": {"tasks": 0}, "nodes": [{"id": "main", "steps": []}]})",
           "limits.tasks: expected a whole number >= 1, got 0");
    ownRow("limits.steps float",
           R"({"format": "asyncgraph/1", "limits": {"steps": 1.5}, "nodes": [{"id": "main", "steps": []}]})",
           "limits.steps: expected a whole number >= 1, got 1.5");
    ownRow(
        "limits.iterations too large",
        R"({"format": "asyncgraph/1", "limits": {"iterations": 1000000000000}, "nodes": [{"id": "main", "steps": []}]})",
        "limits.iterations: expected at most 1000000000, got 1000000000000");
    ownRow("deep JSON nesting", QByteArray(100000, '['), "invalid JSON at offset 1024: too deeply nested document");
    ownRow("id with newline", R"({"format": "asyncgraph/1", "nodes": [{"id": "main\n", "steps": []}]})",
           "nodes[0].id: expected an identifier");
    ownRow("entry list", R"({"format": "asyncgraph/1", "entry": ["main"], "nodes": [{"id": "main", "steps": []}]})",
           "entry: no node ['main']");
    ownRow("op dict", withSteps(R"([{"op": {"b": 1, "a": [2.5, "x"]}}])"),
           "nodes[0].steps[0].op: unknown operation {'b': 1, 'a': [2.5, 'x']}");
    ownRow("exception type list", withSteps(R"([{"op": "raise", "type": ["ValueError"]}])"),
           "nodes[0].steps[0].type: unknown exception type ['ValueError']");
    ownRow("repeat too large", withSteps(R"([{"op": "repeat", "times": 10000001, "body": []}])"),
           "nodes[0].steps[0].times: expected at most 10000000, got 10000001");
    ownRow("repeat huge integer",
           withSteps(R"([{"op": "repeat", "times": 1000000000000000000000000000000, "body": []}])"),
           "nodes[0].steps[0].times: expected at most 10000000, got 1000000000000000000000000000000");
    ownRow("count too large", withSteps(R"([{"op": "gather", "children": [{"node": "w", "count": 20000000}]}])"),
           "nodes[0].steps[0].children[0].count: expected at most 10000000, got 20000000");
    ownRow("steps nested too deep", nestedSteps(201),
           qPrintable(u"nodes[0].steps[0]"_s + u".body[0]"_s.repeated(200)
                      + u".body: steps nested deeper than 200 levels"_s));
}

void TestLoader::invalid()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const LoadResult r = loadGraph(json);
    QVERIFY(!r.graph);
    QCOMPARE(r.error, error);
}

void TestLoader::valueLimit()
{
    // Four million values at most: the tree, the sources and the model of a bigger document
    // would take gigabytes.
    QByteArray json = "[" + QByteArray("0,").repeated(4'000'000) + "0]";
    QCOMPARE(loadGraph(json).error, u"invalid JSON at offset 7999999: too many values in the document"_s);
}

void TestLoader::nestingLimit()
{
    QVERIFY(mustLoad(nestedSteps(200)));
    QVERIFY(!loadGraph(nestedSteps(201)).graph);
}

void TestLoader::nonFiniteWhereUnused()
{
    // The oracle ignores "ui", "note" and unknown top-level fields: NaN there is harmless.
    QVERIFY(mustLoad(R"({"format": "asyncgraph/1", "ui": {"zoom": Infinity}, "x": -Infinity,
        "nodes": [{"id": "main", "ui": {"x": NaN}, "steps": [{"op": "gc", "note": 1e999}]}]})"));
}

void TestLoader::budgets()
{
    const auto defaults = mustLoad(R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": []}]})");
    QVERIFY(defaults);
    QCOMPARE(defaults->taskLimit, Graph::kDefaultTaskLimit);
    QCOMPARE(defaults->stepLimit, Graph::kDefaultStepLimit);
    QCOMPARE(defaults->iterationLimit, Graph::kDefaultIterationLimit);
    const auto set = mustLoad(R"({"format": "asyncgraph/1", "limits": {"time": 5, "tasks": 7, "steps": 8,
        "iterations": 9}, "nodes": [{"id": "main", "steps": []}]})");
    QVERIFY(set);
    QCOMPARE(set->timeLimit, 5.0);
    QCOMPARE(set->taskLimit, qint64(7));
    QCOMPARE(set->stepLimit, qint64(8));
    QCOMPARE(set->iterationLimit, qint64(9));
}

void TestLoader::resolution()
{
    const auto g = mustLoad(R"({"format": "asyncgraph/1", "name": "resolve", "futures": ["gate", "done"],
        "nodes": [
         {"id": "main", "steps": [
           {"op": "spawn", "node": "worker", "args": {"n": "$count", "delay": 0.5}, "as": "$t"},
           {"op": "sleep", "seconds": "$pause", "result": [1, "@zeta", "$t"]},
           {"op": "set_result", "target": "@gate", "value": 1.0},
           {"op": "try", "body": [{"op": "await", "target": "$t"}],
            "except": [{"types": ["ValueError", "KeyError"], "as": "$err", "body": [{"op": "drop", "target": "@alpha"}]}]},
           {"op": "gather", "children": ["worker", {"node": "worker", "count": 3}, {"node": "worker", "args": {"delay": "@gate"}}, "$t"],
            "as": "@results"},
           {"op": "return", "value": "$err"}]},
         {"id": "worker", "params": {"n": 3, "delay": 1}, "steps": [
           {"op": "sleep", "seconds": "$delay"}, {"op": "future", "as": "$f"}, {"op": "return", "value": "$n"}]}]})");
    QVERIFY(g);
    QCOMPARE(g->name, u"resolve"_s);
    QCOMPARE(g->entry, 0);
    QCOMPARE(g->timeLimit, 3600.0);
    QCOMPARE(g->futureCount, 2);
    QCOMPARE(g->globalNames, (std::vector<QString>{u"gate"_s, u"done"_s, u"alpha"_s, u"results"_s, u"zeta"_s}));

    const Node &main = g->nodes[0];
    QCOMPARE(main.paramCount, 0);
    QCOMPARE(main.localNames, (std::vector<QString>{u"count"_s, u"err"_s, u"pause"_s, u"t"_s}));
    const Node &worker = g->nodes[1];
    QCOMPARE(worker.paramCount, 2);
    QCOMPARE(worker.localNames, (std::vector<QString>{u"n"_s, u"delay"_s, u"f"_s}));
    QCOMPARE(worker.paramDefaults.size(), size_t(2));
    QCOMPARE(worker.paramDefaults[0].kind, ValueExpr::Kind::Int);
    QCOMPARE(worker.paramDefaults[0].i, qint64(3));

    const Step &spawn = main.steps[0];
    QCOMPARE(spawn.op, Op::Spawn);
    QCOMPARE(spawn.target.node, 1);
    QCOMPARE(spawn.target.count, -1);
    QCOMPARE(spawn.target.args.size(), size_t(2));
    QCOMPARE(spawn.target.args[0].first, 0); // n
    QCOMPARE(spawn.target.args[0].second.kind, ValueExpr::Kind::Ref);
    QCOMPARE(spawn.target.args[0].second.ref.global, false);
    QCOMPARE(spawn.target.args[0].second.ref.slot, 0); // $count, in main
    QCOMPARE(spawn.target.args[1].first, 1);           // delay
    QCOMPARE(spawn.target.args[1].second.kind, ValueExpr::Kind::Double);
    QCOMPARE(spawn.target.args[1].second.d, 0.5);
    QVERIFY(spawn.as && !spawn.as->global && spawn.as->slot == 3);

    const Step &sleep = main.steps[1];
    QCOMPARE(sleep.seconds.kind, ValueExpr::Kind::Ref);
    QCOMPARE(sleep.seconds.ref.slot, 2);
    QVERIFY(sleep.hasValue);
    QCOMPARE(sleep.value.kind, ValueExpr::Kind::List);
    QCOMPARE(sleep.value.list.size(), size_t(3));
    QCOMPARE(sleep.value.list[1].ref.global, true);
    QCOMPARE(sleep.value.list[1].ref.slot, 4);
    QCOMPARE(sleep.value.list[2].ref.slot, 3);

    const Step &setResult = main.steps[2];
    QVERIFY(setResult.targetRef.global && setResult.targetRef.slot == 0);
    QCOMPARE(setResult.value.kind, ValueExpr::Kind::Double);

    const Step &tryStep = main.steps[3];
    QCOMPARE(tryStep.op, Op::Try);
    QCOMPARE(tryStep.body.size(), size_t(1));
    QVERIFY(tryStep.body[0].target.isRef);
    QCOMPARE(tryStep.body[0].target.ref.slot, 3);
    QVERIFY(!tryStep.hasFinally);
    QCOMPARE(tryStep.handlers.size(), size_t(1));
    QCOMPARE(tryStep.handlers[0].types, (std::vector<QString>{u"ValueError"_s, u"KeyError"_s}));
    QVERIFY(tryStep.handlers[0].as && tryStep.handlers[0].as->slot == 1);
    QVERIFY(tryStep.handlers[0].body[0].targetRef.global);
    QCOMPARE(tryStep.handlers[0].body[0].targetRef.slot, 2);

    const Step &gather = main.steps[4];
    QCOMPARE(gather.children.size(), size_t(4));
    QCOMPARE(gather.children[0].node, 1);
    QCOMPARE(gather.children[0].count, -1);
    QCOMPARE(gather.children[1].count, 3);
    QCOMPARE(gather.children[2].args.size(), size_t(1));
    QCOMPARE(gather.children[2].args[0].first, 1);
    QVERIFY(gather.children[2].args[0].second.ref.global);
    QVERIFY(gather.children[3].isRef);
    QVERIFY(gather.as && gather.as->global && gather.as->slot == 3);
    QVERIFY(!gather.returnExceptions);
    QVERIFY(gather.await);

    QCOMPARE(worker.steps[0].seconds.ref.slot, 1);
    QCOMPARE(worker.steps[1].as->slot, 2);
    QCOMPARE(worker.steps[2].value.ref.slot, 0);

    ModelChecker checker(*g);
    QVERIFY2(checker.check(), qPrintable(checker.error));
}

void TestLoader::numbers_data()
{
    QTest::addColumn<QByteArray>("literal");
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("number");
    // Python's json: an integer literal is an int, anything with a fraction or exponent a float.
    QTest::newRow("1") << "1"_ba << int(ValueExpr::Kind::Int) << 1.0;
    QTest::newRow("-0") << "-0"_ba << int(ValueExpr::Kind::Int) << 0.0;
    QTest::newRow("1.0") << "1.0"_ba << int(ValueExpr::Kind::Double) << 1.0;
    QTest::newRow("1.5") << "1.5"_ba << int(ValueExpr::Kind::Double) << 1.5;
    QTest::newRow("1e2") << "1e2"_ba << int(ValueExpr::Kind::Double) << 100.0;
    QTest::newRow("2.5E-3") << "2.5E-3"_ba << int(ValueExpr::Kind::Double) << 0.0025;
    QTest::newRow("1e-400") << "1e-400"_ba << int(ValueExpr::Kind::Double) << 0.0;
    QTest::newRow("int64 max") << "9223372036854775807"_ba << int(ValueExpr::Kind::Int) << 9223372036854775807.0;
    QTest::newRow("beyond int64") << "12345678901234567890"_ba << int(ValueExpr::Kind::Double)
                                  << 12345678901234567890.0;
    QTest::newRow("true") << "true"_ba << int(ValueExpr::Kind::Bool) << 1.0;
    QTest::newRow("null") << "null"_ba << int(ValueExpr::Kind::Null) << 0.0;
}

void TestLoader::numbers()
{
    QFETCH(QByteArray, literal);
    QFETCH(int, kind);
    QFETCH(double, number);
    const auto g = mustLoad(withSteps(QByteArray("[{\"op\": \"return\", \"value\": ") + literal + "}]"));
    QVERIFY(g);
    const ValueExpr &v = g->nodes[0].steps[0].value;
    QCOMPARE(int(v.kind), kind);
    if (v.kind == ValueExpr::Kind::Int)
        QCOMPARE(double(v.i), number);
    else if (v.kind == ValueExpr::Kind::Double)
        QCOMPARE(v.d, number);
    else if (v.kind == ValueExpr::Kind::Bool)
        QVERIFY(v.b);
}

void TestLoader::stepFields()
{
    const auto g = mustLoad(R"({"format": "asyncgraph/1", "entry": "second", "futures": ["f", "g", "f"],
        "limits": {"time": 2.5}, "description": "d", "ui": {"zoom": 2},
        "nodes": [
         {"id": "w", "params": {"z": "@g", "a": [1, "$a"]}, "steps": []},
         {"id": "second", "ui": {"x": 10}, "steps": [
           {"op": "try", "body": [{"op": "gc"}]},
           {"op": "try", "body": [], "except": []},
           {"op": "try", "body": [], "except": [{"types": ["Exception"]}], "finally": [{"op": "hang"}]},
           {"op": "gather", "children": ["w"], "await": 0, "return_exceptions": "yes", "note": "n"},
           {"op": "shield", "target": "w", "await": false, "as": "@s"},
           {"op": "wait", "children": ["w"], "return_when": "FIRST_EXCEPTION", "timeout": 2},
           {"op": "wait", "children": [{"node": "w", "count": 0}], "return_when": "FIRST_COMPLETED"},
           {"op": "wait_for", "target": {"node": "w", "args": {"a": null}}, "timeout": null},
           {"op": "cancel", "target": "$h", "message": 5},
           {"op": "cancel", "target": "$h", "message": null},
           {"op": "cancel", "target": "$h", "message": "bye"},
           {"op": "raise", "type": "ExceptionGroup", "message": "eg"},
           {"op": "timeout", "seconds": null, "body": []},
           {"op": "repeat", "times": 4, "body": [{"op": "block", "seconds": 0.25}]},
           {"op": "set_exception", "target": "@f", "type": "CancelledError"},
           {"op": "return"}]}]})");
    QVERIFY(g);
    QCOMPARE(g->entry, 1);
    QCOMPARE(g->timeLimit, 2.5);
    QCOMPARE(g->description, u"d"_s);
    QCOMPARE(g->source.value(u"ui"_s).toObject().value(u"zoom"_s).toInt(), 2);
    QCOMPARE(g->futureCount, 3);
    QCOMPARE(g->globalNames, (std::vector<QString>{u"f"_s, u"g"_s, u"f"_s, u"s"_s}));

    const Node &w = g->nodes[0];
    QCOMPARE(w.localNames, (std::vector<QString>{u"z"_s, u"a"_s})); // file order, not sorted
    QVERIFY(w.paramDefaults[0].ref.global);
    QCOMPARE(w.paramDefaults[0].ref.slot, 1);
    QCOMPARE(w.paramDefaults[1].list[1].ref.slot, 1); // $a in a default: the node's own local

    const Node &n = g->nodes[1];
    QCOMPARE(n.source.value(u"ui"_s).toObject().value(u"x"_s).toInt(), 10);
    const auto &s = n.steps;
    QVERIFY(s[0].hasFinally); // try without except: a bare finally
    QVERIFY(s[0].finallyBody.empty());
    QVERIFY(s[1].hasFinally); // empty except list: the same
    QVERIFY(s[2].hasFinally);
    QCOMPARE(s[2].finallyBody.size(), size_t(1));
    QCOMPARE(s[2].finallyBody[0].op, Op::Hang);

    QVERIFY(!s[3].await);
    QVERIFY(s[3].returnExceptions);
    QCOMPARE(s[3].source.value(u"note"_s).toString(), u"n"_s);
    QVERIFY(!s[4].await);
    QVERIFY(s[4].as && s[4].as->global && s[4].as->slot == 3);

    QCOMPARE(s[5].returnWhen, ReturnWhen::FirstException);
    QCOMPARE(s[5].timeout.kind, ValueExpr::Kind::Int);
    QCOMPARE(s[6].returnWhen, ReturnWhen::FirstCompleted);
    QCOMPARE(s[6].children[0].count, 0);
    QVERIFY(s[6].timeout.isNull());
    QVERIFY(s[7].timeout.isNull());
    QCOMPARE(s[7].target.args[0].first, 1);
    QVERIFY(s[7].target.args[0].second.isNull());

    QVERIFY(s[8].hasMessage);
    QCOMPARE(s[8].message, u"5"_s); // str() of the argument, as CancelledError(5) gives
    QVERIFY(!s[9].hasMessage);
    QCOMPARE(s[10].message, u"bye"_s);
    QCOMPARE(s[10].targetRef.slot, 0);
    QCOMPARE(s[11].excType, u"ExceptionGroup"_s);
    QCOMPARE(s[11].message, u"eg"_s);
    QVERIFY(s[12].seconds.isNull());
    QCOMPARE(s[13].times, qint64(4));
    QCOMPARE(s[13].body[0].seconds.d, 0.25);
    QCOMPARE(s[14].targetRef.slot, 2); // a repeated future name means its last one
    QVERIFY(!s[14].hasMessage);
    QVERIFY(!s[15].hasValue);

    ModelChecker checker(*g);
    QVERIFY2(checker.check(), qPrintable(checker.error));
}

void TestLoader::duplicateKeys()
{
    // As Python's dict: the last value wins, the first position stays.
    const auto g = mustLoad(R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "params": {"b": 1, "a": 2, "b": 3},
        "steps": [{"op": "sleep", "seconds": -1, "seconds": 0}]}]})");
    QVERIFY(g);
    QCOMPARE(g->nodes[0].localNames, (std::vector<QString>{u"b"_s, u"a"_s}));
    QCOMPARE(g->nodes[0].paramDefaults[0].i, qint64(3));
    QCOMPARE(g->nodes[0].steps[0].seconds.i, qint64(0));
}

void TestLoader::files()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const QString missing = dir.filePath(u"missing.json"_s);
    QCOMPARE(loadGraphFile(missing).error, QString(missing + u": cannot read: No such file or directory"));
    QVERIFY(loadGraphFile(dir.path()).error.startsWith(dir.path() + u": cannot read: "));

    const QString bad = dir.filePath(u"bad.json"_s);
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(withSteps(R"([{"op": "sleep"}])"));
    f.close();
    QCOMPARE(loadGraphFile(bad).error, QString(bad + u": nodes[0].steps[0] (sleep): missing field(s) ['seconds']"));

    const QString big = dir.filePath(u"big.json"_s);
    QFile b(big);
    QVERIFY(b.open(QIODevice::WriteOnly));
    QVERIFY(b.resize(64 * 1024 * 1024 + 1)); // sparse
    b.close();
    QCOMPARE(loadGraphFile(big).error, QString(big + u": size: too large to load (more than 64 MiB)"));

    if (QFile::exists(u"/dev/zero"_s)) // a device reports size 0: reading must still stop
        QCOMPARE(loadGraphFile(u"/dev/zero"_s).error, u"/dev/zero: size: too large to load (more than 64 MiB)"_s);

    const LoadResult ok = loadGraphFile(conformanceDir() + u"/06-shield.json");
    QVERIFY2(ok.graph, qPrintable(ok.error));
    QCOMPARE(ok.graph->nodes.size(), size_t(2));
}

// Damaged copies of the scenarios: every prefix and random byte changes must give a graph
// or a one-line message, never a crash or a hang.
void TestLoader::damagedInput()
{
    QRandomGenerator rng(20240611);
    for (const char *name : kPublicScenarios) {
        QFile f(conformanceDir() + u'/' + QLatin1StringView(name) + u".json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        for (qsizetype n = 0; n < text.size(); n += 7) {
            const LoadResult r = loadGraph(text.left(n)); // the last ones may be whole
            QVERIFY(r.graph ? r.error.isEmpty() : !r.error.isEmpty() && !r.error.contains(u'\n'));
        }
        static const char alphabet[] = "{}[]\":,0-1.e$@ x\\\xff\x00";
        for (int k = 0; k < 300; ++k) {
            QByteArray copy = text;
            for (int m = 0; m < 3; ++m)
                copy[rng.bounded(copy.size())] = alphabet[rng.bounded(int(sizeof alphabet) - 1)];
            const LoadResult r = loadGraph(copy);
            QVERIFY(r.graph ? r.error.isEmpty() : !r.error.isEmpty() && !r.error.contains(u'\n'));
            if (r.graph) {
                ModelChecker checker(*r.graph);
                QVERIFY2(checker.check(), qPrintable(checker.error));
            }
        }
    }
}
QTEST_GUILESS_MAIN(TestLoader)
#include "tst_loader.moc"
