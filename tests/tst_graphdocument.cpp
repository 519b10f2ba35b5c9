// Tests of the editable graph document (widgets/models/graphdocument.h), headless: every edit
// undoes to the byte and redoes to the byte, renames fix every reference, the canonical text is
// stable (save -> load -> save) on every fixture, saving fails safely, paste renames collisions.
#include "graphdocument.h"
#include "loader.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <functional>

using namespace ascope;
using namespace Qt::StringLiterals;

using Edit = std::function<bool(GraphDocument &)>;
Q_DECLARE_METATYPE(Edit)

namespace {

// Nested bodies, handlers, finally, {node, args, count} children, notes, ui, unknown fields at
// every level and top-level keys after "nodes" in a non-alphabetical order.
const QByteArray kDocument = R"({
  "format": "asyncgraph/1",
  "name": "document under test",
  "zeta": {"kept": true},
  "entry": "main",
  "futures": ["gate"],
  "nodes": [
    {"id": "main", "ui": {"x": 10, "y": 20, "colour": "red"}, "steps": [
      {"op": "spawn", "node": "fetch", "args": {"d": 2}, "as": "$t", "note": "start"},
      {"op": "try", "body": [
        {"op": "timeout", "seconds": 5, "body": [
          {"op": "taskgroup", "children": ["fetch", {"node": "fetch", "args": {"d": 0.5}, "count": 2}], "as": "$r"}]}],
       "except": [{"types": ["TimeoutError"], "as": "$e", "body": [
         {"op": "wait_for", "target": {"node": "fetch", "args": {"d": 1}}, "timeout": 1.5},
         {"op": "shield", "target": "fetch", "await": false, "as": "$s"}]}],
       "finally": [{"op": "gather", "children": ["fetch", "$t"], "return_exceptions": true, "as": "$g"}]},
      {"op": "await", "target": "helper", "as": "$h"},
      {"op": "return", "value": "$r"}]},
    {"id": "fetch", "params": {"d": 1.25}, "ui": {"x": 200, "y": 20}, "steps": [
      {"op": "sleep", "seconds": "$d", "ui": {"folded": true}},
      {"op": "return", "value": [1, 2.5, "x", 0.1]}]},
    {"id": "helper", "extra": "kept", "steps": [
      {"op": "wait", "children": ["fetch", "fetch"], "return_when": "FIRST_COMPLETED", "timeout": null, "as": "$w"},
      {"op": "cancel", "target": "$w"},
      {"op": "set_result", "target": "@gate", "value": null}]}
  ],
  "injections": [{"kind": "cancel", "iteration": 3, "target": "fetch#2"}],
  "alpha": 1
}
)";

QJsonArray stepsOf(const GraphDocument &doc, const QString &id)
{
    return doc.node(id).value(u"steps").toArray();
}

int count(const QByteArray &text, const QByteArray &what)
{
    return int(text.count(what));
}

QStringList fixtureFiles()
{
    QStringList files;
    const QString conformance = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance");
    for (const QString &f : QDir(conformance).entryList({u"*.json"_s}, QDir::Files, QDir::Name)) {
        if (!f.endsWith(u".outcome.json"))
            files.append(conformance + u'/' + f);
    }
    const QString examples = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/resources/examples");
    for (const QString &f : QDir(examples).entryList({u"*.json"_s}, QDir::Files, QDir::Name))
        files.append(examples + u'/' + f);
    return files;
}

} // namespace

class TestGraphDocument : public QObject
{
    Q_OBJECT

private:
    void loadBase(GraphDocument &doc)
    {
        QString error;
        QVERIFY2(doc.loadJson(kDocument, u"base.json"_s, &error), qPrintable(error));
        QVERIFY2(doc.validationError().isEmpty(), qPrintable(doc.validationError()));
    }

private Q_SLOTS:
    void newDocument()
    {
        GraphDocument doc;
        QCOMPARE(doc.nodeIds(), QStringList{u"main"_s});
        QVERIFY(doc.validationError().isEmpty());
        QVERIFY(!doc.isModified());
        QVERIFY(doc.hasPositions());
        QCOMPARE(doc.displayName(), u"untitled"_s);
        QVERIFY(doc.compile(nullptr));
    }

    void canonicalText()
    {
        GraphDocument doc;
        loadBase(doc);
        const QByteArray text = doc.toJson();
        // Known keys first, then the others in file order; two-space indentation.
        const QList<QByteArray> order = {"\"format\"", "\"name\"", "\"entry\"",      "\"futures\"",
                                         "\"nodes\"",  "\"zeta\"", "\"injections\"", "\"alpha\""};
        qsizetype last = -1;
        for (const QByteArray &key : order) {
            const QByteArray needle = "\n  " + key;
            const qsizetype at = text.indexOf(needle);
            QVERIFY2(at > last, key.constData());
            last = at;
        }
        QVERIFY(text.startsWith("{\n  \"format\": \"asyncgraph/1\",\n"));
        QVERIFY(text.endsWith("}\n"));
        // Steps that fit are one line each, in the op's key order; numbers keep their kind.
        QVERIFY2(text.contains(R"({"op": "spawn", "node": "fetch", "args": {"d": 2}, "as": "$t", "note": "start"})"),
                 text.constData());
        QVERIFY(text.contains(R"({"op": "return", "value": [1, 2.5, "x", 0.1]})"));
        QVERIFY(text.contains(R"("params": {"d": 1.25})"));
        QVERIFY(text.contains(R"({"op": "sleep", "seconds": "$d", "ui": {"folded": true}})"));
        // Unknown fields survive.
        QCOMPARE(doc.node(u"helper"_s).value(u"extra").toString(), u"kept"_s);
        QCOMPARE(doc.node(u"main"_s).value(u"ui").toObject().value(u"colour").toString(), u"red"_s);
        QVERIFY(doc.root().value(u"zeta").toObject().value(u"kept").toBool());
        // Strings that need escapes round-trip.
        GraphDocument other;
        QVERIFY(other.setGraphField(u"description"_s, u"tab\there \"quoted\" \\ \u00e9\u2028 \U0001F600"_s));
        QString error;
        GraphDocument again;
        QVERIFY2(again.loadJson(other.toJson(), u"x"_s, &error), qPrintable(error));
        QCOMPARE(again.root().value(u"description"), other.root().value(u"description"));
    }

    void edit_data()
    {
        QTest::addColumn<Edit>("edit");
        QTest::addColumn<bool>("stillValid");
        const auto row = [](const char *name, Edit e, bool valid = true) { QTest::newRow(name) << e << valid; };
        row("addNode", [](GraphDocument &d) { return d.addNode(u"extra_node"_s, {5.04, -7.25}); });
        row(
            "removeNode referenced", [](GraphDocument &d) { return d.removeNode(u"fetch"_s); }, false);
        row(
            "removeNode first", [](GraphDocument &d) { return d.removeNode(u"main"_s); }, false);
        row("renameNode referenced", [](GraphDocument &d) { return d.renameNode(u"fetch"_s, u"download"_s); });
        row("renameNode entry", [](GraphDocument &d) { return d.renameNode(u"main"_s, u"start"_s); });
        row("duplicateNode", [](GraphDocument &d) { return d.duplicateNode(u"fetch"_s) == u"fetch_2"; });
        row("setNodePosition", [](GraphDocument &d) {
            d.setNodePosition(u"main"_s, {12.34, 56.78});
            return true;
        });
        row("setNodePosition no ui", [](GraphDocument &d) {
            d.setNodePosition(u"helper"_s, {1, 2});
            return true;
        });
        row("setNodePositions", [](GraphDocument &d) {
            d.setNodePositions({{u"main"_s, {0, 0}}, {u"helper"_s, {100, 100}}, {u"nope"_s, {1, 1}}}, u"Layout"_s);
            return true;
        });
        row("insertStep",
            [](GraphDocument &d) { return d.insertStep(u"main"_s, 1, GraphDocument::stepTemplate(u"sleep"_s, {})); });
        row("insertStep append",
            [](GraphDocument &d) { return d.insertStep(u"helper"_s, -1, GraphDocument::stepTemplate(u"gc"_s, {})); });
        row("removeStep", [](GraphDocument &d) { return d.removeStep(u"main"_s, 0); });
        row("moveStep", [](GraphDocument &d) { return d.moveStep(u"main"_s, 3, 0); });
        row("replaceStep", [](GraphDocument &d) {
            return d.replaceStep(u"main"_s, 3, QJsonObject{{u"op"_s, u"return"_s}, {u"value"_s, 7}});
        });
        row("setNodeParams", [](GraphDocument &d) {
            return d.setNodeParams(u"fetch"_s, QJsonObject{{u"d"_s, 3}, {u"e"_s, u"x"_s}});
        });
        row(
            "setNodeParams none", [](GraphDocument &d) { return d.setNodeParams(u"fetch"_s, {}); }, false);
        row("setGraphField name", [](GraphDocument &d) { return d.setGraphField(u"name"_s, u"renamed"_s); });
        row("setGraphField remove",
            [](GraphDocument &d) { return d.setGraphField(u"injections"_s, QJsonValue(QJsonValue::Undefined)); });
        row("setGraphField add", [](GraphDocument &d) {
            return d.setGraphField(u"limits"_s, QJsonObject{{u"time"_s, 30}});
        });
        row("pasteNodes", [](GraphDocument &d) {
            return d.pasteNodes(d.copyNodes({u"main"_s, u"fetch"_s}), {40, 40}).size() == 2;
        });
    }

    void edit()
    {
        QFETCH(Edit, edit);
        QFETCH(bool, stillValid);
        GraphDocument doc;
        loadBase(doc);
        const QByteArray original = doc.toJson();
        const QJsonObject originalRoot = doc.root();
        QSignalSpy changed(&doc, &GraphDocument::graphChanged);
        QSignalSpy modified(&doc, &GraphDocument::modifiedChanged);

        QVERIFY(edit(doc));
        const QByteArray edited = doc.toJson();
        QVERIFY(edited != original);
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(changed.count(), 1);
        QVERIFY(doc.isModified());
        QCOMPARE(modified.count(), 1);
        QCOMPARE(doc.validationError().isEmpty(), stillValid);

        doc.undoStack()->undo();
        QCOMPARE(doc.toJson(), original);
        QCOMPARE(doc.root(), originalRoot);
        QVERIFY(doc.validationError().isEmpty());
        QVERIFY(!doc.isModified());
        QCOMPARE(changed.count(), 2);

        doc.undoStack()->redo();
        QCOMPARE(doc.toJson(), edited);
        QCOMPARE(changed.count(), 3);
        QCOMPARE(modified.count(), 3);

        // The edited text is itself canonical: loading it gives the same bytes.
        GraphDocument reloaded;
        if (stillValid) {
            QString error;
            QVERIFY2(reloaded.loadJson(edited, u"edited"_s, &error), qPrintable(error));
            QCOMPARE(reloaded.toJson(), edited);
        }
    }

    void noOpEditsPushNothing()
    {
        GraphDocument doc;
        loadBase(doc);
        doc.setNodePosition(u"main"_s, {10, 20});
        QVERIFY(doc.renameNode(u"main"_s, u"main"_s));
        QVERIFY(doc.moveStep(u"main"_s, 1, 1));
        QVERIFY(doc.replaceStep(u"main"_s, 0, stepsOf(doc, u"main"_s).at(0).toObject()));
        QVERIFY(doc.setGraphField(u"name"_s, u"document under test"_s));
        QCOMPARE(doc.undoStack()->count(), 0);
        QVERIFY(!doc.isModified());
        // Out of range and unknown nodes are refused.
        QVERIFY(!doc.insertStep(u"main"_s, 9, {}));
        QVERIFY(!doc.removeStep(u"main"_s, 4));
        QVERIFY(!doc.moveStep(u"main"_s, 0, 4));
        QVERIFY(!doc.replaceStep(u"nope"_s, 0, {}));
        QVERIFY(!doc.removeNode(u"nope"_s));
        QVERIFY(!doc.setGraphField(u"nodes"_s, QJsonArray()));
        QVERIFY(doc.duplicateNode(u"nope"_s).isEmpty());
        QCOMPARE(doc.undoStack()->count(), 0);
    }

    void renameFixesReferences()
    {
        GraphDocument doc;
        loadBase(doc);
        const QByteArray before = doc.toJson();
        const int references = count(before, "\"fetch\"");
        QCOMPARE(references, 9); // the id, spawn, 2 taskgroup, wait_for, shield, gather, 2 wait
        QSignalSpy renamed(&doc, &GraphDocument::nodeRenamed);
        QSignalSpy nodeChanged(&doc, &GraphDocument::nodeChanged);

        QString error;
        QVERIFY2(doc.renameNode(u"fetch"_s, u"download"_s, &error), qPrintable(error));
        const QByteArray after = doc.toJson();
        QCOMPARE(count(after, "\"fetch\""), 0);
        QCOMPARE(count(after, "\"download\""), references);
        QVERIFY2(doc.validationError().isEmpty(), qPrintable(doc.validationError()));
        QCOMPARE(doc.nodeIds(), (QStringList{u"main"_s, u"download"_s, u"helper"_s}));

        const QJsonArray main = stepsOf(doc, u"main"_s);
        const QJsonObject tryStep = main.at(1).toObject();
        const QJsonObject group = tryStep[u"body"].toArray().at(0).toObject()[u"body"].toArray().at(0).toObject();
        QCOMPARE(group[u"children"].toArray().at(0).toString(), u"download"_s);
        QCOMPARE(group[u"children"].toArray().at(1).toObject()[u"node"].toString(), u"download"_s);
        QCOMPARE(group[u"children"].toArray().at(1).toObject()[u"count"].toInt(), 2);
        const QJsonArray handler = tryStep[u"except"].toArray().at(0).toObject()[u"body"].toArray();
        QCOMPARE(handler.at(0).toObject()[u"target"].toObject()[u"node"].toString(), u"download"_s);
        QCOMPARE(handler.at(1).toObject()[u"target"].toString(), u"download"_s);
        QCOMPARE(tryStep[u"finally"].toArray().at(0).toObject()[u"children"].toArray().at(0).toString(), u"download"_s);
        QCOMPARE(tryStep[u"finally"].toArray().at(0).toObject()[u"children"].toArray().at(1).toString(), u"$t"_s);
        QCOMPARE(main.at(0).toObject()[u"node"].toString(), u"download"_s);
        // Task names in the injection script follow the node.
        QCOMPARE(doc.root()[u"injections"].toArray().at(0).toObject()[u"target"].toString(), u"download#2"_s);

        QCOMPARE(renamed.count(), 1);
        QCOMPARE(renamed.at(0).at(0).toString(), u"fetch"_s);
        QCOMPARE(renamed.at(0).at(1).toString(), u"download"_s);
        QStringList changedIds;
        for (const auto &args : std::as_const(nodeChanged))
            changedIds.append(args.at(0).toString());
        QCOMPARE(changedIds, (QStringList{u"main"_s, u"helper"_s}));

        doc.undoStack()->undo();
        QCOMPARE(doc.toJson(), before);
        QCOMPARE(renamed.count(), 2);
        QCOMPARE(renamed.at(1).at(0).toString(), u"download"_s);
        QCOMPARE(renamed.at(1).at(1).toString(), u"fetch"_s);
    }

    void renameImplicitEntry()
    {
        GraphDocument doc;
        QString error;
        QVERIFY(doc.loadJson(R"({"format": "asyncgraph/1", "nodes": [
            {"id": "main", "steps": [{"op": "await", "target": "w"}]}, {"id": "w", "steps": []}]})",
                             u"x"_s, &error));
        QVERIFY(!doc.root().contains(u"entry"));
        QVERIFY(doc.renameNode(u"main"_s, u"start"_s, &error));
        QCOMPARE(doc.root().value(u"entry").toString(), u"start"_s);
        QVERIFY2(doc.validationError().isEmpty(), qPrintable(doc.validationError()));
        doc.undoStack()->undo();
        QVERIFY(!doc.root().contains(u"entry"));
    }

    void renameRejected_data()
    {
        QTest::addColumn<QString>("oldId");
        QTest::addColumn<QString>("newId");
        QTest::addColumn<QString>("message");
        QTest::newRow("starts with digit") << u"fetch"_s << u"1fetch"_s << u"not a valid node id"_s;
        QTest::newRow("space") << u"fetch"_s << u"my fetch"_s << u"not a valid node id"_s;
        QTest::newRow("dash") << u"fetch"_s << u"fetch-2"_s << u"not a valid node id"_s;
        QTest::newRow("empty") << u"fetch"_s << QString() << u"not a valid node id"_s;
        QTest::newRow("non-ascii") << u"fetch"_s << u"f\u00e9tch"_s << u"not a valid node id"_s;
        QTest::newRow("sigil") << u"fetch"_s << u"$fetch"_s << u"not a valid node id"_s;
        QTest::newRow("taken") << u"fetch"_s << u"helper"_s << u"already a node 'helper'"_s;
        QTest::newRow("unknown node") << u"nope"_s << u"other"_s << u"no node 'nope'"_s;
    }

    void renameRejected()
    {
        QFETCH(QString, oldId);
        QFETCH(QString, newId);
        QFETCH(QString, message);
        GraphDocument doc;
        loadBase(doc);
        const QByteArray before = doc.toJson();
        QSignalSpy changed(&doc, &GraphDocument::graphChanged);
        QString error;
        QVERIFY(!doc.renameNode(oldId, newId, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
        QCOMPARE(doc.toJson(), before);
        QCOMPARE(doc.undoStack()->count(), 0);
        QCOMPARE(changed.count(), 0);
    }

    void removeRestoresIndex()
    {
        GraphDocument doc;
        loadBase(doc);
        QSignalSpy added(&doc, &GraphDocument::nodeAdded);
        QSignalSpy removed(&doc, &GraphDocument::nodeRemoved);
        QVERIFY(doc.removeNode(u"fetch"_s));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(doc.indexOf(u"fetch"_s), -1);
        // Still referenced: the document says where.
        QVERIFY2(doc.validationError().contains(u"no node 'fetch'"), qPrintable(doc.validationError()));
        QVERIFY(!doc.compile(nullptr));
        doc.undoStack()->undo();
        QCOMPARE(added.count(), 1);
        QCOMPARE(added.at(0).at(0).toString(), u"fetch"_s);
        QCOMPARE(doc.indexOf(u"fetch"_s), 1);
    }

    void movesMerge()
    {
        GraphDocument doc;
        loadBase(doc);
        QSignalSpy moved(&doc, &GraphDocument::nodeMoved);
        doc.setNodePosition(u"main"_s, {11, 21});
        doc.setNodePosition(u"main"_s, {12.345, 22});
        doc.setNodePosition(u"main"_s, {13, 23.06});
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(moved.count(), 3);
        QCOMPARE(doc.nodePosition(u"main"_s), QPointF(13, 23.1));
        QCOMPARE(doc.node(u"main"_s)[u"ui"].toObject()[u"colour"].toString(), u"red"_s);
        doc.setNodePosition(u"fetch"_s, {0, 0});
        doc.setNodePosition(u"main"_s, {14, 24});
        QCOMPARE(doc.undoStack()->count(), 3);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.nodePosition(u"main"_s), QPointF(13, 23.1));
        doc.undoStack()->undo();
        QCOMPARE(doc.nodePosition(u"main"_s), QPointF(10, 20));
        QVERIFY(!doc.isModified());
        // Rounded to one decimal in the file.
        doc.setNodePosition(u"main"_s, {1.26, -0.04});
        QVERIFY(doc.toJson().contains(R"("ui": {"colour": "red", "x": 1.3, "y": 0})"));
        QVERIFY(!doc.hasPositions()); // helper has none
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("path");
        const QStringList files = fixtureFiles();
        QVERIFY(files.size() > 20);
        for (const QString &f : files)
            QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
    }

    void roundTrip()
    {
        QFETCH(QString, path);
        GraphDocument doc;
        QString error;
        QVERIFY2(doc.load(path, &error), qPrintable(error));
        QCOMPARE(doc.filePath(), path);
        QCOMPARE(doc.displayName(), QFileInfo(path).fileName());
        const QByteArray first = doc.toJson();

        // Same graph as the file (the loader's view of both).
        QFile source(path);
        QVERIFY(source.open(QIODevice::ReadOnly));
        const LoadResult original = loadGraph(source.readAll());
        const LoadResult canonical = loadGraph(first);
        QVERIFY2(canonical.graph, qPrintable(canonical.error));
        QCOMPARE(canonical.graph->source, original.graph->source);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString saved = dir.filePath(u"saved.json"_s);
        QVERIFY2(doc.save(saved, &error), qPrintable(error));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), first);

        GraphDocument reloaded;
        QVERIFY2(reloaded.load(saved, &error), qPrintable(error));
        QCOMPARE(reloaded.toJson(), first);
        QVERIFY(reloaded.save(saved, &error));
        QFile again(saved);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), first);
    }

    void bigDocumentRoundTrip()
    {
        // Big enough for the loader's second thread; the document keeps what the loader read
        // (validated only, no model built) and saves it back unchanged.
        QByteArray json = "{\"format\": \"asyncgraph/1\", \"name\": \"big\", \"nodes\": [\n"
                          " {\"id\": \"main\", \"steps\": [{\"op\": \"taskgroup\", \"children\": [";
        const int n = 20000;
        for (int i = 0; i < n; ++i)
            json += (i ? ", \"n" : "\"n") + QByteArray::number(i) + '"';
        json += "]}, {\"op\": \"return\", \"value\": \"done\"}]}";
        for (int i = 0; i < n; ++i) {
            json += ",\n {\"id\": \"n" + QByteArray::number(i) + "\", \"ui\": {\"x\": "
                + QByteArray::number((i % 100) * 160) + ", \"y\": " + QByteArray::number((i / 100) * 80)
                + "}, \"steps\": [{\"op\": \"sleep\", \"seconds\": " + QByteArray::number((i % 7) * 0.25)
                + "}, {\"op\": \"return\", \"value\": " + QByteArray::number(i) + "}]}";
        }
        json += "\n]}\n";
        QVERIFY(json.size() > 256 * 1024);
        const SourceResult source = loadGraphSource(json);
        QVERIFY2(source.error.isEmpty(), qPrintable(source.error));
        const LoadResult full = loadGraph(json);
        QVERIFY2(full.graph, qPrintable(full.error));
        QCOMPARE(source.source, full.graph->source);

        GraphDocument doc;
        QString error;
        QVERIFY2(doc.loadJson(json, u"big.json"_s, &error), qPrintable(error));
        QCOMPARE(doc.root(), full.graph->source);
        QCOMPARE(doc.nodeCount(), n + 1);
        const QByteArray first = doc.toJson();
        QVERIFY(loadGraph(first).graph);
        GraphDocument reloaded;
        QVERIFY2(reloaded.loadJson(first, u"saved.json"_s, &error), qPrintable(error));
        QCOMPARE(reloaded.toJson(), first);
        QVERIFY(reloaded.validationError().isEmpty());
        QVERIFY(reloaded.compile(&error));
    }

    void bigDocumentKeepsKeyOrder()
    {
        // A big text's top-level key order is read by a thread of its own while the loader
        // validates: the canonical text is the small document's, the padding key in its place.
        QByteArray big = kDocument;
        const QByteArray padding = "\"padding\": \"" + QByteArray(300 * 1024, 'p') + "\",\n  ";
        big.insert(big.indexOf("\"zeta\""), padding);
        QVERIFY(big.size() > 256 * 1024);
        GraphDocument doc;
        QString error;
        QVERIFY2(doc.loadJson(big, u"big.json"_s, &error), qPrintable(error));
        const QByteArray text = doc.toJson();
        const QList<QByteArray> order = {"\"format\"",  "\"name\"", "\"entry\"",      "\"futures\"", "\"nodes\"",
                                         "\"padding\"", "\"zeta\"", "\"injections\"", "\"alpha\""};
        qsizetype last = -1;
        for (const QByteArray &key : order) {
            const qsizetype at = text.indexOf(QByteArray("\n  " + key));
            QVERIFY2(at > last, key.constData());
            last = at;
        }
        GraphDocument small;
        loadBase(small);
        QByteArray expected = small.toJson();
        const qsizetype zeta = expected.indexOf("\n  \"zeta\"");
        QVERIFY(zeta > 0);
        expected.insert(zeta + 1, "  \"padding\": \"" + QByteArray(300 * 1024, 'p') + "\",\n");
        QCOMPARE(text, expected);

        // A big text that does not load leaves the document as it was (the thread is done with).
        QByteArray broken = big;
        broken.replace("\"entry\": \"main\"", "\"entry\": \"nobody\"");
        QVERIFY(!doc.loadJson(broken, u"broken.json"_s, &error));
        QVERIFY(error.startsWith(u"broken.json: "_s));
        QCOMPARE(doc.toJson(), text);
    }

    void sourceLoadRejectsAsLoadGraph_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("unknown node") << QByteArray(R"({"format": "asyncgraph/1", "nodes": [
            {"id": "main", "steps": [{"op": "await", "target": "nope"}]}]})");
        QTest::newRow("syntax") << QByteArray(R"({"format": )");
        QTest::newRow("bom") << QByteArray("\xef\xbb\xbf{}");
        QTest::newRow("format") << QByteArray(R"({"nodes": []})");
    }

    void sourceLoadRejectsAsLoadGraph()
    {
        QFETCH(QByteArray, json);
        const SourceResult source = loadGraphSource(json);
        QVERIFY(!source.error.isEmpty());
        QVERIFY(source.source.isEmpty());
        QCOMPARE(source.error, loadGraph(json).error);
    }

    void loadRejects_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown node") << QByteArray(R"({"format": "asyncgraph/1", "nodes": [
            {"id": "main", "steps": [{"op": "await", "target": "nope"}]}]})")
                                      << u"bad.json: nodes[0].steps[0].target: no node 'nope'"_s;
        QTest::newRow("syntax") << QByteArray(R"({"format": )") << u"bad.json: invalid JSON at offset"_s;
        QTest::newRow("format") << QByteArray(R"({"nodes": []})")
                                << u"bad.json: format: expected 'asyncgraph/1', got None"_s;
    }

    void loadRejects()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        GraphDocument doc;
        loadBase(doc);
        doc.setNodePosition(u"main"_s, {1, 1});
        const QByteArray before = doc.toJson();
        QSignalSpy reset(&doc, &GraphDocument::documentReset);
        QString error;
        QVERIFY(!doc.loadJson(json, u"bad.json"_s, &error));
        QVERIFY2(error.startsWith(message), qPrintable(error));
        QCOMPARE(doc.toJson(), before);
        QCOMPARE(reset.count(), 0);
        QVERIFY(doc.isModified());
        QCOMPARE(doc.undoStack()->count(), 1);

        const QString missing = QDir::temp().filePath(u"asyncscope-no-such-file.json"_s);
        QVERIFY(!doc.load(missing, &error));
        QVERIFY2(error.startsWith(missing + u": cannot read"), qPrintable(error));
    }

    void saveFailureKeepsModified()
    {
        GraphDocument doc;
        loadBase(doc);
        QVERIFY(doc.addNode(u"more"_s, {0, 0}));
        QVERIFY(doc.isModified());
        QSignalSpy modified(&doc, &GraphDocument::modifiedChanged);
        QSignalSpy path(&doc, &GraphDocument::filePathChanged);
        QTemporaryDir dir;
        const QString target = dir.filePath(u"missing/graph.json"_s);
        QString error;
        QVERIFY(!doc.save(target, &error));
        QVERIFY2(error.startsWith(target + u": cannot save: "), qPrintable(error));
        QVERIFY(doc.isModified());
        QCOMPARE(modified.count(), 0);
        QCOMPARE(path.count(), 0);
        QVERIFY(doc.filePath().isEmpty());
        QCOMPARE(doc.displayName(), u"base.json"_s);
        // A directory is not a file either.
        QVERIFY(!doc.save(dir.path(), &error));
        QVERIFY(error.startsWith(dir.path()));
        QVERIFY(doc.isModified());

        const QString good = dir.filePath(u"graph.json"_s);
        QVERIFY2(doc.save(good, &error), qPrintable(error));
        QVERIFY(!doc.isModified());
        QCOMPARE(modified.count(), 1);
        QCOMPARE(modified.at(0).at(0).toBool(), false);
        QCOMPARE(path.count(), 1);
        QCOMPARE(doc.filePath(), good);
        QCOMPARE(doc.displayName(), u"graph.json"_s);
    }

    void modifiedFollowsCleanIndex()
    {
        GraphDocument doc;
        loadBase(doc);
        QSignalSpy modified(&doc, &GraphDocument::modifiedChanged);
        QVERIFY(doc.setGraphField(u"name"_s, u"one"_s));
        QVERIFY(doc.isModified());
        doc.undoStack()->undo();
        QVERIFY(!doc.isModified());
        doc.undoStack()->redo();
        QTemporaryDir dir;
        QString error;
        QVERIFY(doc.save(dir.filePath(u"g.json"_s), &error));
        QVERIFY(!doc.isModified());
        QVERIFY(doc.setGraphField(u"name"_s, u"two"_s));
        QVERIFY(doc.isModified());
        doc.undoStack()->undo(); // back at the saved state
        QVERIFY(!doc.isModified());
        doc.undoStack()->undo(); // before the saved state
        QVERIFY(doc.isModified());
        const QList<bool> expected = {true, false, true, false, true, false, true};
        QList<bool> seen;
        for (const auto &args : std::as_const(modified))
            seen.append(args.at(0).toBool());
        QCOMPARE(seen, expected);
        // Loading resets the history and the flag.
        QVERIFY(doc.loadJson(kDocument, u"again"_s, &error));
        QVERIFY(!doc.isModified());
        QCOMPARE(doc.undoStack()->count(), 0);
        QCOMPARE(modified.last().at(0).toBool(), false);
    }

    void pasteRenamesCollisions()
    {
        GraphDocument doc;
        loadBase(doc);
        const QByteArray clip = doc.copyNodes({u"fetch"_s, u"main"_s});
        QVERIFY(clip.startsWith("{\n  \"asyncgraph-nodes\": ["));
        QSignalSpy added(&doc, &GraphDocument::nodeAdded);
        const QStringList ids = doc.pasteNodes(clip, {100, 50});
        QCOMPARE(ids, (QStringList{u"main_2"_s, u"fetch_2"_s})); // file order
        QCOMPARE(added.count(), 2);
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(doc.nodeIds(), (QStringList{u"main"_s, u"fetch"_s, u"helper"_s, u"main_2"_s, u"fetch_2"_s}));
        QVERIFY2(doc.validationError().isEmpty(), qPrintable(doc.validationError()));

        // The copy of main uses the copy of fetch; references outside the pasted set stay.
        const QByteArray copy = GraphDocument::formatJson(doc.node(u"main_2"_s));
        QCOMPARE(count(copy, "\"fetch\""), 0);
        QCOMPARE(count(copy, "\"fetch_2\""), 6);
        QCOMPARE(stepsOf(doc, u"main_2"_s).at(2).toObject()[u"target"].toString(), u"helper"_s);
        QCOMPARE(doc.nodePosition(u"main_2"_s), QPointF(110, 70));
        QCOMPARE(doc.nodePosition(u"fetch_2"_s), QPointF(300, 70));
        QCOMPARE(doc.node(u"main_2"_s)[u"ui"].toObject()[u"colour"].toString(), u"red"_s);
        // The originals are untouched.
        QCOMPARE(stepsOf(doc, u"main"_s).at(0).toObject()[u"node"].toString(), u"fetch"_s);

        doc.undoStack()->undo();
        QCOMPARE(doc.nodeIds(), (QStringList{u"main"_s, u"fetch"_s, u"helper"_s}));
        QVERIFY(doc.pasteNodes("not json", {}).isEmpty());
        QVERIFY(doc.pasteNodes(R"({"asyncgraph-nodes": [{"id": "1bad"}]})", {}).isEmpty());
        QCOMPARE(doc.undoStack()->count(), 1);
    }

    void pasteSwapsNamesInOnePass()
    {
        // "x" is taken, so the pasted x becomes x_2 -- the id the other pasted node had, which
        // must then move on to x_3 with every reference following the right node.
        GraphDocument doc;
        QString error;
        QVERIFY(doc.loadJson(R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": []},
            {"id": "x", "steps": []}]})",
                             u"x"_s, &error));
        const QStringList ids = doc.pasteNodes(R"({"asyncgraph-nodes": [
            {"id": "x", "steps": [{"op": "await", "target": "x_2"}]},
            {"id": "x_2", "steps": [{"op": "spawn", "node": "x"}, {"op": "await", "target": "main"}]}]})",
                                               {});
        QCOMPARE(ids, (QStringList{u"x_2"_s, u"x_3"_s}));
        QCOMPARE(stepsOf(doc, u"x_2"_s).at(0).toObject()[u"target"].toString(), u"x_3"_s);
        QCOMPARE(stepsOf(doc, u"x_3"_s).at(0).toObject()[u"node"].toString(), u"x_2"_s);
        QCOMPARE(stepsOf(doc, u"x_3"_s).at(1).toObject()[u"target"].toString(), u"main"_s);
        QVERIFY(doc.validationError().isEmpty());
    }

    void uniqueIds()
    {
        GraphDocument doc;
        loadBase(doc);
        QCOMPARE(doc.uniqueNodeId(u"node"_s), u"node"_s);
        QCOMPARE(doc.uniqueNodeId(u"fetch"_s), u"fetch_2"_s);
        QVERIFY(doc.addNode(u"fetch_2"_s, {}));
        QCOMPARE(doc.uniqueNodeId(u"fetch"_s), u"fetch_3"_s);
        QCOMPARE(doc.uniqueNodeId(u"fetch_2"_s), u"fetch_3"_s);
        QCOMPARE(doc.uniqueNodeId(u"not valid"_s), u"node"_s);
        QCOMPARE(doc.duplicateNode(u"fetch_2"_s), u"fetch_3"_s);
        QCOMPARE(doc.indexOf(u"fetch_3"_s), doc.indexOf(u"fetch_2"_s) + 1);
    }

    void stepTemplatesAreValid_data()
    {
        QTest::addColumn<QString>("op");
        for (const QString &op : GraphDocument::stepOps())
            QTest::newRow(qPrintable(op)) << op;
    }

    void stepTemplatesAreValid()
    {
        QFETCH(QString, op);
        GraphDocument doc;
        loadBase(doc);
        QJsonObject step = GraphDocument::stepTemplate(op, u"fetch"_s);
        QCOMPARE(step.value(u"op").toString(), op);
        if (op == u"reraise") // only inside an except body
            step = QJsonObject{
                {u"op"_s, u"try"_s},
                {u"body"_s, QJsonArray()},
                {u"except"_s,
                 QJsonArray{QJsonObject{{u"types"_s, QJsonArray{u"Exception"_s}}, {u"body"_s, QJsonArray{step}}}}}};
        QVERIFY(doc.insertStep(u"helper"_s, 0, step));
        QVERIFY2(doc.validationError().isEmpty(), qPrintable(doc.validationError()));
        QVERIFY(!GraphDocument::stepSummary(step).isEmpty());
    }

    void helpers()
    {
        QCOMPARE(GraphDocument::stepSummary(QJsonObject{{u"op"_s, u"spawn"_s},
                                                        {u"node"_s, u"save"_s},
                                                        {u"args"_s, QJsonObject{{u"rows"_s, 120}}},
                                                        {u"as"_s, u"$save"_s}}),
                 u"spawn save(rows=120) \u2192 $save"_s);
        QCOMPARE(GraphDocument::stepSummary(QJsonObject{{u"op"_s, u"sleep"_s}, {u"seconds"_s, 1.5}}), u"sleep 1.5"_s);
        QString error;
        QCOMPARE(GraphDocument::parseJson("  42 ", &error), QJsonValue(42));
        QVERIFY(error.isEmpty());
        QVERIFY(GraphDocument::parseJson("{\"op\": ", &error).isUndefined());
        QVERIFY2(error.startsWith(u"invalid JSON at offset "), qPrintable(error));
        QVERIFY(GraphDocument::parseJson("", &error).isUndefined());
        QVERIFY(GraphDocument::parseJson("1, 2", &error).isUndefined());
        QCOMPARE(GraphDocument::formatJson(QJsonObject{{u"seconds"_s, 1}, {u"op"_s, u"sleep"_s}}),
                 QByteArray(R"({"op": "sleep", "seconds": 1})"));
        QCOMPARE(GraphDocument::formatJson(QJsonObject{{u"op"_s, u"sleep"_s}, {u"seconds"_s, 1}}, 20),
                 QByteArray("{\n  \"op\": \"sleep\",\n  \"seconds\": 1\n}"));
        QVERIFY(GraphDocument::isIdentifier(u"_a1"_s));
        QVERIFY(!GraphDocument::isIdentifier(u"1a"_s));
    }
};

QTEST_GUILESS_MAIN(TestGraphDocument)
#include "tst_graphdocument.moc"
