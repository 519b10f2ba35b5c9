// The graph editor view over a GraphDocument, offscreen: the scene mirrors the document (items,
// edges, incremental updates), mouse and keyboard edits go through the document's undo stack,
// auto-layout is one command, selection signals. Checks models and items, not pixels; with
// ASYNCSCOPE_SCREENSHOT_DIR set, screenshots() also saves PNGs of laid-out graphs to look at.
#include "graphdocument.h"
#include "grapheditor.h"
#include "graphitems.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QSet>
#include <QSignalSpy>
#include <QStyleOptionGraphicsItem>
#include <QTest>
#include <QUndoStack>

#include <cstdlib>

using namespace Qt::StringLiterals;
using ascope::GraphDocument;
using ascope::GraphEdgeItem;
using ascope::GraphEdgeLayer;
using ascope::GraphEditorView;
using ascope::GraphNodeItem;

namespace {

// Every relation kind, nested bodies, counts, a reference target (no edge) and a self-loop.
const char kEveryRelation[] = R"({"format": "asyncgraph/1", "name": "every relation",
 "nodes": [
  {"id": "main", "steps": [
    {"op": "spawn", "node": "worker", "args": {"n": 2}, "as": "$w"},
    {"op": "await", "target": "leaf"},
    {"op": "gather", "children": ["leaf", {"node": "worker", "count": 3}], "as": "$g"},
    {"op": "try", "body": [{"op": "wait_for", "target": "leaf", "timeout": 0.5}],
     "except": [{"types": ["TimeoutError"], "body": [{"op": "await", "target": "leaf"}]}]},
    {"op": "shield", "target": "$w"},
    {"op": "return", "value": "ok"}]},
  {"id": "worker", "params": {"n": 1}, "steps": [
    {"op": "taskgroup", "children": ["leaf", "leaf"]},
    {"op": "wait", "children": ["leaf"], "return_when": "FIRST_COMPLETED"},
    {"op": "as_completed", "children": ["leaf"]},
    {"op": "repeat", "times": 2, "body": [{"op": "shield", "target": "leaf"}]}]},
  {"id": "leaf", "steps": [{"op": "sleep", "seconds": 1}]},
  {"id": "loop", "steps": [{"op": "await", "target": "loop"}]}
 ]})";

// Three nodes with stored positions, far apart.
const char kPositioned[] = R"({"format": "asyncgraph/1", "name": "positioned",
 "nodes": [
  {"id": "main", "ui": {"x": 0, "y": 0}, "steps": [
    {"op": "gather", "children": ["a", "b"]}, {"op": "return", "value": 1}]},
  {"id": "a", "ui": {"x": -200, "y": 300}, "steps": [{"op": "sleep", "seconds": 1}]},
  {"id": "b", "ui": {"x": 200, "y": 300}, "steps": [{"op": "await", "target": "a"}]}
 ]})";

QString conformance(const char *name)
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/tests/conformance/") + QString::fromUtf8(name);
}

QString fixture(const char *name)
{
    return QStringLiteral(ASYNCSCOPE_TEST_DATA "/") + QString::fromUtf8(name);
}

QList<GraphNodeItem *> nodeItems(const GraphEditorView &view)
{
    QList<GraphNodeItem *> out;
    const QList<QGraphicsItem *> items = view.scene()->items();
    for (QGraphicsItem *item : items) {
        if (auto *n = qgraphicsitem_cast<GraphNodeItem *>(item))
            out.append(n);
    }
    return out;
}

QList<GraphEdgeItem *> edgeItems(const GraphEditorView &view)
{
    QList<GraphEdgeItem *> out;
    const QList<QGraphicsItem *> items = view.scene()->items();
    for (QGraphicsItem *item : items) {
        if (auto *e = qgraphicsitem_cast<GraphEdgeItem *>(item))
            out.append(e);
    }
    return out;
}

GraphNodeItem *nodeItem(const GraphEditorView &view, const QString &id)
{
    const QList<GraphNodeItem *> nodes = nodeItems(view);
    for (GraphNodeItem *n : nodes) {
        if (n->id() == id)
            return n;
    }
    return nullptr;
}

// "main>leaf:await ×2", sorted.
QStringList edgeLabels(const GraphEditorView &view)
{
    QStringList out;
    const QList<GraphEdgeItem *> edges = edgeItems(view);
    for (GraphEdgeItem *e : edges)
        out << e->from()->id() + u'>' + e->to()->id() + u':' + e->label();
    out.sort();
    return out;
}

bool noOverlaps(const GraphEditorView &view)
{
    const QList<GraphNodeItem *> nodes = nodeItems(view);
    for (int i = 0; i < nodes.size(); ++i) {
        for (int j = i + 1; j < nodes.size(); ++j) {
            if (nodes[i]->sceneBox().intersects(nodes[j]->sceneBox()))
                return false;
        }
    }
    return true;
}

// A point inside a node's header, in viewport coordinates.
QPoint headerPoint(const GraphEditorView &view, const QString &id)
{
    const QRectF box = nodeItem(view, id)->sceneBox();
    return view.mapFromScene(box.topLeft() + QPointF(box.width() / 2, 8));
}

// A left-button drag in the viewport, from `from` to `to` (over empty space: a rubber band).
void bandDrag(QWidget *viewport, QPoint from, QPoint to)
{
    QTest::mousePress(viewport, Qt::LeftButton, {}, from);
    QTest::mouseMove(viewport, from + QPoint(5, 5));
    QTest::mouseMove(viewport, to);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, to);
}

void loadOrFail(GraphDocument &doc, const QByteArray &json)
{
    QString error;
    if (!doc.loadJson(json, u"test"_s, &error))
        qFatal("fixture does not load: %s", qPrintable(error));
}

// A document of these nodes (the first is main), laid out in rows of 100.
QByteArray documentOf(const QJsonArray &nodes, const QJsonObject &fields = QJsonObject())
{
    QJsonArray placed;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        QJsonObject n = nodes.at(i).toObject();
        n.insert(u"ui"_s, QJsonObject{{u"x"_s, int(i % 100) * 400}, {u"y"_s, int(i / 100) * 300}});
        placed.append(n);
    }
    QJsonObject root = fields;
    root.insert(u"format"_s, u"asyncgraph/1"_s);
    root.insert(u"nodes"_s, placed);
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

// main fans out to n nodes n0.. (taskgroup), each of which returns.
QJsonArray fanOutNodes(int n)
{
    QJsonArray children;
    QJsonArray nodes;
    for (int i = 0; i < n; ++i) {
        const QString id = u"n"_s + QString::number(i);
        children.append(id);
        nodes.append(QJsonObject{{u"id"_s, id}, {u"steps"_s, QJsonArray{QJsonObject{{u"op"_s, u"return"_s}}}}});
    }
    nodes.prepend(
        QJsonObject{{u"id"_s, u"main"_s},
                    {u"steps"_s, QJsonArray{QJsonObject{{u"op"_s, u"taskgroup"_s}, {u"children"_s, children}}}}});
    return nodes;
}

QImage picture(QGraphicsItem *item)
{
    const QRectF r = item->boundingRect();
    QImage image(r.size().toSize() + QSize(1, 1), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.translate(-r.topLeft());
    QStyleOptionGraphicsItem option;
    item->paint(&painter, &option, nullptr);
    return image;
}

} // namespace

class TestGraphEditor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void loadMirrorsDocument_data();
    void loadMirrorsDocument();
    void nodeText();
    void loadWithoutPositionsStaysClean();
    void incrementalUpdates();
    void dragMovesNode_data();
    void dragMovesNode();
    void rubberBandSelects();
    void deleteKeyRemovesNode();
    void duplicateCopyPaste();
    void autoLayoutIsOneCommand_data();
    void autoLayoutIsOneCommand();
    void selectNodeEmitsSignal();
    void doubleClickActivates();
    void zoomLimits();
    void panning();
    void nodeStates();
    void partlyPositioned();
    void bigFanOut();
    void edgeLayer();
    void textLaidOutAhead();
    void plainRoutesOnTwoThreads();
    void entryMarkFollows();
    void fitTwiceRepaintsNothing();
    void fitFollowsMovedNodes();
    void bigSceneIndex();
    void screenshots_data();
    void screenshots();

private:
    GraphDocument *m_doc = nullptr;
    GraphEditorView *m_view = nullptr;
};

void TestGraphEditor::init()
{
    m_doc = new GraphDocument;
    m_view = new GraphEditorView(m_doc);
    m_view->resize(1000, 720);
    m_view->show();
    QApplication::setActiveWindow(m_view);
    QVERIFY(QTest::qWaitForWindowActive(m_view));
    m_view->setFocus();
}

void TestGraphEditor::cleanup()
{
    delete m_view;
    m_view = nullptr;
    delete m_doc;
    m_doc = nullptr;
}

void TestGraphEditor::loadMirrorsDocument_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("edges");

    QTest::newRow("taskgroup failure") << conformance("10-taskgroup-failure.json") << QByteArray()
                                       << QStringList{u"main>boom:taskgroup"_s, u"main>slow:taskgroup \u00d72"_s};
    QTest::newRow("churn timeouts") << fixture("churn-timeouts.json") << QByteArray()
                                    << QStringList{u"main>worker:taskgroup \u00d7200"_s, u"worker>slow:wait_for"_s};
    QTest::newRow("shield references") << conformance("06-shield.json") << QByteArray()
                                       << QStringList{u"main>sub:spawn \u00d72"_s};
    QTest::newRow("every relation")
        << QString() << QByteArray(kEveryRelation)
        << QStringList{
               u"loop>loop:await"_s,          u"main>leaf:await \u00d72"_s,    u"main>leaf:gather"_s,
               u"main>leaf:wait_for"_s,       u"main>worker:gather \u00d73"_s, u"main>worker:spawn"_s,
               u"worker>leaf:as_completed"_s, u"worker>leaf:shield"_s,         u"worker>leaf:taskgroup \u00d72"_s,
               u"worker>leaf:wait"_s};
}

void TestGraphEditor::loadMirrorsDocument()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, json);
    QFETCH(QStringList, edges);

    QString error;
    QVERIFY2(path.isEmpty() ? m_doc->loadJson(json, u"inline"_s, &error) : m_doc->load(path, &error),
             qPrintable(error));
    QCOMPARE(nodeItems(*m_view).size(), m_doc->nodeCount());
    for (const QString &id : m_doc->nodeIds())
        QVERIFY2(nodeItem(*m_view, id), qPrintable(id));
    QCOMPARE(edgeItems(*m_view).size(), edges.size());
    QCOMPARE(edgeLabels(*m_view), edges);
    QVERIFY(noOverlaps(*m_view));
    // Every edge has a real curve and an arrowhead's worth of extent.
    for (GraphEdgeItem *e : edgeItems(*m_view))
        QVERIFY(e->path().length() > 10);
}

void TestGraphEditor::nodeText()
{
    using ascope::stepSummary;
    auto step = [](const char *json) { return QJsonDocument::fromJson(json).object(); };
    QCOMPARE(stepSummary(step(R"({"op": "sleep", "seconds": 1.5})")), u"sleep 1.5"_s);
    QCOMPARE(stepSummary(step(R"({"op": "await", "target": "fetch"})")), u"await fetch"_s);
    QCOMPARE(stepSummary(step(R"({"op": "gather", "children": ["a", {"node": "b", "count": 3}], "as": "$r"})")),
             u"$r = gather [a, b\u00d73]"_s);
    QCOMPARE(stepSummary(step(R"({"op": "wait_for", "target": "slow", "timeout": 0.5})")), u"wait_for slow, 0.5"_s);
    QCOMPARE(stepSummary(step(R"({"op": "taskgroup", "children": [{"node": "w", "count": 200}]})")),
             u"taskgroup [w\u00d7200]"_s);
    QCOMPARE(stepSummary(step(R"({"op": "return", "value": "ok"})")), u"return 'ok'"_s);
    QCOMPARE(stepSummary(step(R"({"op": "raise", "type": "ValueError", "message": "bad input"})")),
             u"raise ValueError('bad input')"_s);
    QCOMPARE(stepSummary(step(R"({"op": "spawn", "node": "fetch", "args": {"d": 2}, "as": "$h"})")),
             u"$h = spawn fetch(d=2)"_s);
    QCOMPARE(stepSummary(step(R"({"op": "try", "body": [{"op": "sleep", "seconds": 5}],
                                  "finally": [{"op": "sleep", "seconds": 0.25}]})")),
             u"try: sleep 5 finally: sleep 0.25"_s);
    QCOMPARE(stepSummary(step(R"({"op": "repeat", "times": 100, "body": [{"op": "try",
                                  "body": [{"op": "wait_for", "target": "slow", "timeout": 0.5}],
                                  "except": [{"types": ["TimeoutError"]}]}]})")),
             u"repeat 100: try \u2026 except TimeoutError"_s);
    QCOMPARE(stepSummary(step(R"({"op": "cancel", "target": "$t", "message": "stop"})")), u"$t.cancel('stop')"_s);
    QCOMPARE(ascope::nodeTitle(step(R"({"id": "fetch", "params": {"d": 1.5, "n": null}})")), u"fetch(d=1.5, n=None)"_s);
}

void TestGraphEditor::loadWithoutPositionsStaysClean()
{
    QString error;
    QVERIFY2(m_doc->load(conformance("10-taskgroup-failure.json"), &error), qPrintable(error));
    QVERIFY(!m_doc->hasPositions());
    QVERIFY(!m_doc->isModified());
    QCOMPARE(m_doc->undoStack()->count(), 0);
    // Laid out on screen: entry on top, the children below it, nothing overlapping.
    QVERIFY(noOverlaps(*m_view));
    const QRectF main = nodeItem(*m_view, u"main"_s)->sceneBox();
    QVERIFY(nodeItem(*m_view, u"slow"_s)->sceneBox().top() > main.bottom());
    QVERIFY(nodeItem(*m_view, u"boom"_s)->sceneBox().top() > main.bottom());
}

void TestGraphEditor::incrementalUpdates()
{
    loadOrFail(*m_doc, kPositioned);
    QCOMPARE(edgeLabels(*m_view), (QStringList{u"b>a:await"_s, u"main>a:gather"_s, u"main>b:gather"_s}));
    GraphNodeItem *a = nodeItem(*m_view, u"a"_s);

    // Added: an item at the given position.
    QVERIFY(m_doc->addNode(u"c"_s, QPointF(500, 0)));
    QVERIFY(nodeItem(*m_view, u"c"_s));
    QCOMPARE(nodeItem(*m_view, u"c"_s)->pos(), QPointF(500, 0));

    // Changed: a new step adds an edge (and a line).
    QVERIFY(m_doc->insertStep(u"c"_s, 0, QJsonObject{{u"op"_s, u"spawn"_s}, {u"node"_s, u"a"_s}}));
    QVERIFY(edgeLabels(*m_view).contains(u"c>a:spawn"_s));
    QCOMPARE(edgeItems(*m_view).size(), 4);

    // Renamed: the same item, new id; edges of and to it follow.
    QVERIFY(m_doc->renameNode(u"a"_s, u"alpha"_s));
    QCOMPARE(nodeItem(*m_view, u"alpha"_s), a);
    QCOMPARE(edgeLabels(*m_view),
             (QStringList{u"b>alpha:await"_s, u"c>alpha:spawn"_s, u"main>alpha:gather"_s, u"main>b:gather"_s}));

    // Moved: the item follows the document.
    m_doc->setNodePosition(u"alpha"_s, QPointF(-400, 320));
    QCOMPARE(a->pos(), QPointF(-400, 320));

    // Removed: item and edges go; undo brings everything back.
    QVERIFY(m_doc->removeNode(u"alpha"_s));
    QVERIFY(!nodeItem(*m_view, u"alpha"_s));
    QCOMPARE(edgeLabels(*m_view), QStringList{u"main>b:gather"_s});
    m_doc->undoStack()->undo();
    QCOMPARE(edgeItems(*m_view).size(), 4);
    QCOMPARE(nodeItem(*m_view, u"alpha"_s)->pos(), QPointF(-400, 320));

    // Everything undone: back to the loaded document.
    while (m_doc->undoStack()->canUndo())
        m_doc->undoStack()->undo();
    QCOMPARE(nodeItems(*m_view).size(), 3);
    QCOMPARE(edgeLabels(*m_view), (QStringList{u"b>a:await"_s, u"main>a:gather"_s, u"main>b:gather"_s}));
    QCOMPARE(nodeItem(*m_view, u"a"_s)->pos(), QPointF(-200, 300));
}

void TestGraphEditor::dragMovesNode_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("path");
    QTest::newRow("stored positions") << QByteArray(kPositioned) << QString();
    QTest::newRow("laid out on screen only") << QByteArray() << conformance("10-taskgroup-failure.json");
}

void TestGraphEditor::dragMovesNode()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, path);
    QString error;
    QVERIFY2(path.isEmpty() ? m_doc->loadJson(json, u"inline"_s, &error) : m_doc->load(path, &error),
             qPrintable(error));
    const bool stored = m_doc->hasPositions();

    const QString id = u"main"_s;
    GraphNodeItem *item = nodeItem(*m_view, id);
    const QPointF before = item->pos();
    const QPoint from = headerPoint(*m_view, id);
    const QPoint to = from + QPoint(90, 60);
    const QPointF sceneDelta = m_view->mapToScene(to) - m_view->mapToScene(from);

    QTest::mousePress(m_view->viewport(), Qt::LeftButton, {}, from);
    QTest::mouseMove(m_view->viewport(), from + QPoint(30, 20));
    QTest::mouseMove(m_view->viewport(), to);
    QTest::mouseRelease(m_view->viewport(), Qt::LeftButton, {}, to);

    QVERIFY(m_doc->isModified());
    QCOMPARE(m_doc->undoStack()->count(), 1);
    QVERIFY(m_doc->hasPositions()); // on-screen positions were stored with the move
    const QPointF after = m_doc->nodePosition(id);
    QVERIFY2(std::abs(after.x() - (before.x() + sceneDelta.x())) <= 1
                 && std::abs(after.y() - (before.y() + sceneDelta.y())) <= 1,
             qPrintable(u"moved to %1,%2"_s.arg(after.x()).arg(after.y())));
    QCOMPARE(item->pos(), after);
    QCOMPARE(m_view->selectedNode(), id);

    // One undo restores the position and the document.
    m_doc->undoStack()->undo();
    QCOMPARE(item->pos(), before);
    QCOMPARE(m_doc->hasPositions(), stored);
    QVERIFY(!m_doc->isModified());
    if (stored)
        QCOMPARE(m_doc->nodePosition(id), before);
}

void TestGraphEditor::rubberBandSelects()
{
    loadOrFail(*m_doc, kPositioned);
    m_view->fitAll();
    // From above-left of everything to the middle of main: only main is touched.
    const QRectF main = nodeItem(*m_view, u"main"_s)->sceneBox();
    const QRectF b = nodeItem(*m_view, u"b"_s)->sceneBox();
    const QPoint start = m_view->mapFromScene(main.topLeft() - QPointF(20, 20));
    bandDrag(m_view->viewport(), start, m_view->mapFromScene(main.center()));
    QCOMPARE(m_view->selectedNodes(), QStringList{u"main"_s});

    // A band around everything selects all three; nothing moved, nothing to undo.
    QRectF all = main.united(b).united(nodeItem(*m_view, u"a"_s)->sceneBox());
    const QPoint s2 = m_view->mapFromScene(all.topLeft() - QPointF(10, 10));
    const QPoint e2 = m_view->mapFromScene(all.bottomRight() + QPointF(10, 10));
    bandDrag(m_view->viewport(), s2, e2);
    QCOMPARE(m_view->selectedNodes(), (QStringList{u"main"_s, u"a"_s, u"b"_s}));
    QCOMPARE(m_doc->undoStack()->count(), 0);
}

void TestGraphEditor::deleteKeyRemovesNode()
{
    QString error;
    QVERIFY2(m_doc->load(conformance("10-taskgroup-failure.json"), &error), qPrintable(error));
    m_view->selectNode(u"boom"_s);
    QTest::keyClick(m_view, Qt::Key_Delete);
    QCOMPARE(m_doc->nodeCount(), 2);
    QVERIFY(!nodeItem(*m_view, u"boom"_s));
    QCOMPARE(nodeItems(*m_view).size(), 2);
    QCOMPARE(edgeLabels(*m_view), QStringList{u"main>slow:taskgroup \u00d72"_s});
    QCOMPARE(m_view->selectedNode(), QString());

    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->nodeCount(), 3);
    QVERIFY(nodeItem(*m_view, u"boom"_s));
    QCOMPARE(edgeItems(*m_view).size(), 2);
    QVERIFY(!m_doc->isModified());

    // Several selected nodes: one undo step.
    m_view->selectNode(u"slow"_s);
    nodeItem(*m_view, u"boom"_s)->setSelected(true);
    QTest::keyClick(m_view, Qt::Key_Delete);
    QCOMPARE(m_doc->nodeIds(), QStringList{u"main"_s});
    QCOMPARE(m_doc->undoStack()->count(), 1);
    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->nodeCount(), 3);
}

void TestGraphEditor::duplicateCopyPaste()
{
    loadOrFail(*m_doc, kPositioned);
    m_view->selectNode(u"a"_s);
    QTest::keyClick(m_view, Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(m_doc->nodeCount(), 4);
    const QString copy = m_view->selectedNode();
    QVERIFY(!copy.isEmpty() && copy != u"a");
    QVERIFY(nodeItem(*m_view, copy));
    QCOMPARE(m_doc->undoStack()->count(), 1);

    m_view->selectNode(u"b"_s);
    QTest::keyClick(m_view, Qt::Key_C, Qt::ControlModifier);
    QVERIFY(!QApplication::clipboard()->text().isEmpty());
    QTest::keyClick(m_view, Qt::Key_V, Qt::ControlModifier);
    QCOMPARE(m_doc->nodeCount(), 5);
    const QString pasted = m_view->selectedNode();
    QVERIFY(!pasted.isEmpty() && pasted != u"b");
    // The pasted node is offset from the original, and still awaits a.
    QVERIFY(m_doc->nodePosition(pasted) != m_doc->nodePosition(u"b"_s));
    QVERIFY(edgeLabels(*m_view).contains(pasted + u">a:await"));
    QCOMPARE(m_doc->undoStack()->count(), 2);
    m_doc->undoStack()->undo();
    QVERIFY(!nodeItem(*m_view, pasted));

    // The actions are there for menus too, with their shortcuts.
    QStringList texts;
    for (QAction *a : m_view->editActions()) {
        if (!a->isSeparator())
            texts << a->text();
    }
    QVERIFY(texts.contains(u"Delete"_s) && texts.contains(u"Paste"_s) && texts.contains(u"Auto Layout"_s));
}

void TestGraphEditor::autoLayoutIsOneCommand_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("path");
    QTest::newRow("stored positions") << QByteArray(kPositioned) << QString();
    QTest::newRow("no positions") << QByteArray() << conformance("10-taskgroup-failure.json");
    QTest::newRow("every relation") << QByteArray(kEveryRelation) << QString();
}

void TestGraphEditor::autoLayoutIsOneCommand()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, path);
    QString error;
    QVERIFY2(path.isEmpty() ? m_doc->loadJson(json, u"inline"_s, &error) : m_doc->load(path, &error),
             qPrintable(error));
    const bool stored = m_doc->hasPositions();
    QHash<QString, QPointF> before;
    for (GraphNodeItem *n : nodeItems(*m_view))
        before.insert(n->id(), n->pos());

    m_view->autoLayout();
    QCOMPARE(m_doc->undoStack()->count(), 1);
    QVERIFY(m_doc->hasPositions());
    QVERIFY(noOverlaps(*m_view));
    for (GraphNodeItem *n : nodeItems(*m_view))
        QCOMPARE(n->pos(), m_doc->nodePosition(n->id()));

    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->hasPositions(), stored);
    QVERIFY(!m_doc->isModified());
    for (GraphNodeItem *n : nodeItems(*m_view))
        QCOMPARE(n->pos(), before.value(n->id()));
}

void TestGraphEditor::selectNodeEmitsSignal()
{
    loadOrFail(*m_doc, kPositioned);
    QSignalSpy spy(m_view, &GraphEditorView::nodeSelected);
    m_view->selectNode(u"b"_s);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), u"b"_s);
    QCOMPARE(m_view->selectedNode(), u"b"_s);
    // Centred.
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    QVERIFY(QLineF(centre, nodeItem(*m_view, u"b"_s)->sceneBoundingRect().center()).length() < 2);

    // A click selects too; clearing the selection says so with an empty id.
    QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, headerPoint(*m_view, u"a"_s));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), u"a"_s);
    m_view->selectNode(QString());
    QCOMPARE(spy.count(), 3);
    QCOMPARE(spy.at(2).at(0).toString(), QString());
}

void TestGraphEditor::doubleClickActivates()
{
    loadOrFail(*m_doc, kPositioned);
    QSignalSpy spy(m_view, &GraphEditorView::nodeActivated);
    QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {}, headerPoint(*m_view, u"a"_s));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), u"a"_s);
}

void TestGraphEditor::zoomLimits()
{
    loadOrFail(*m_doc, kPositioned);
    for (int i = 0; i < 30; ++i)
        m_view->zoomIn();
    QCOMPARE(m_view->zoom(), 4.0);
    for (int i = 0; i < 60; ++i)
        m_view->zoomOut();
    QCOMPARE(m_view->zoom(), 0.1);

    // Ctrl+wheel zooms, a plain wheel does not.
    m_view->fitAll();
    const double z = m_view->zoom();
    const QPointF pos = m_view->viewport()->rect().center();
    QWheelEvent plain(pos, m_view->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &plain);
    QCOMPARE(m_view->zoom(), z);
    QWheelEvent ctrl(pos, m_view->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton,
                     Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &ctrl);
    QVERIFY(m_view->zoom() > z);
}

void TestGraphEditor::panning()
{
    loadOrFail(*m_doc, kPositioned);
    const QPoint centre = m_view->viewport()->rect().center();
    const QPointF before = m_view->mapToScene(centre);

    // Middle button: drag the background, the scene follows the mouse.
    const QPoint start = centre + QPoint(0, 250);
    QTest::mousePress(m_view->viewport(), Qt::MiddleButton, {}, start);
    QTest::mouseMove(m_view->viewport(), start + QPoint(-60, -30));
    QTest::mouseRelease(m_view->viewport(), Qt::MiddleButton, {}, start + QPoint(-60, -30));
    const QPointF moved = m_view->mapToScene(centre) - before;
    QVERIFY2(moved.x() > 0 && moved.y() > 0, qPrintable(u"%1,%2"_s.arg(moved.x()).arg(moved.y())));
    QCOMPARE(m_doc->undoStack()->count(), 0);

    // Space held: the left button pans (items do not move); released: back to editing.
    QTest::keyPress(m_view, Qt::Key_Space);
    QCOMPARE(m_view->dragMode(), QGraphicsView::ScrollHandDrag);
    QVERIFY(!m_view->isInteractive());
    QTest::keyRelease(m_view, Qt::Key_Space);
    QCOMPARE(m_view->dragMode(), QGraphicsView::RubberBandDrag);
    QVERIFY(m_view->isInteractive());
}

void TestGraphEditor::nodeStates()
{
    loadOrFail(*m_doc, kPositioned);
    m_view->setNodeStates({{u"main"_s, u"running"_s}, {u"a"_s, u"failed"_s}});
    QCOMPARE(nodeItem(*m_view, u"main"_s)->state(), u"running"_s);
    QCOMPARE(nodeItem(*m_view, u"a"_s)->state(), u"failed"_s);
    QCOMPARE(nodeItem(*m_view, u"b"_s)->state(), QString());
    QVERIFY(ascope::stateColor(u"waiting"_s).isValid());
    QVERIFY(!ascope::stateColor(QString()).isValid());
    m_view->setNodeStates({});
    QCOMPARE(nodeItem(*m_view, u"main"_s)->state(), QString());
}

void TestGraphEditor::screenshots_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("states"); // node=state,...
    QTest::newRow("10-taskgroup-failure") << conformance("10-taskgroup-failure.json") << QString();
    QTest::newRow("churn-timeouts") << fixture("churn-timeouts.json") << QString();
    QTest::newRow("every-relation") << QString() << u"main=waiting,worker=running,leaf=done,loop=failed"_s;
}

void TestGraphEditor::screenshots()
{
    const QString dir = qEnvironmentVariable("ASYNCSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set ASYNCSCOPE_SCREENSHOT_DIR to save screenshots of the editor");
    QFETCH(QString, path);
    QFETCH(QString, states);
    QString error;
    QVERIFY2(path.isEmpty() ? m_doc->loadJson(kEveryRelation, u"inline"_s, &error) : m_doc->load(path, &error),
             qPrintable(error));
    m_view->autoLayout();
    QHash<QString, QString> map;
    for (const QString &pair : states.split(u',', Qt::SkipEmptyParts))
        map.insert(pair.section(u'=', 0, 0), pair.section(u'=', 1));
    m_view->setNodeStates(map);
    if (!map.isEmpty())
        m_view->selectNode(u"worker"_s);
    m_view->fitAll();
    const QString file = QDir(dir).filePath(u"editor-"_s + QString::fromUtf8(QTest::currentDataTag()) + u".png");
    QVERIFY(m_view->grab().save(file));
    qInfo("saved %s", qPrintable(file));
}

void TestGraphEditor::textLaidOutAhead()
{
    // Opening a document lays the boxes' text out ahead, by two threads with sums of ASCII
    // advances where they tell: each box is the one the item lays out itself (the entry's mark,
    // non-ASCII text, lines elided, more lines than shown, parameters included).
    QJsonArray nodes = fanOutNodes(2500);
    const QString longText = QString(300, u'x');
    QJsonArray many;
    for (int i = 0; i < 15; ++i)
        many.append(QJsonObject{{u"op"_s, u"sleep"_s}, {u"seconds"_s, i}});
    const QList<QJsonArray> odd{
        QJsonArray{QJsonObject{{u"op"_s, u"return"_s}, {u"value"_s, u"caf\u00e9 \u2192 na\u00efve"_s}}},
        QJsonArray{QJsonObject{{u"op"_s, u"return"_s}, {u"value"_s, longText}}},
        many,
        QJsonArray{},
    };
    for (int k = 0; k < int(odd.size()); ++k) {
        QJsonObject n = nodes.at(1 + k).toObject();
        n.insert(u"steps"_s, odd[k]);
        nodes.replace(1 + k, n);
    }
    QJsonObject withParams = nodes.at(10).toObject();
    withParams.insert(u"params"_s, QJsonObject{{u"delay"_s, 1.5}, {u"label"_s, longText}});
    nodes.replace(10, withParams);
    loadOrFail(*m_doc, documentOf(nodes));
    const QList<GraphNodeItem *> items = nodeItems(*m_view);
    QCOMPARE(items.size(), 2501);
    int entries = 0;
    for (GraphNodeItem *item : items) {
        const QJsonObject node = m_doc->node(item->id());
        GraphNodeItem own(item->id(), ascope::nodeTitle(node), ascope::nodeLines(node));
        own.setEntry(item->id() == u"main");
        QCOMPARE(item->isEntry(), own.isEntry());
        QCOMPARE(item->boxSize(), own.boxSize());
        entries += item->isEntry();
    }
    QCOMPARE(entries, 1);
    for (const QString &id : {u"main"_s, u"n0"_s, u"n1"_s, u"n2"_s, u"n3"_s, u"n9"_s, u"n100"_s}) {
        GraphNodeItem *item = nodeItem(*m_view, id);
        const QJsonObject node = m_doc->node(id);
        GraphNodeItem own(id, ascope::nodeTitle(node), ascope::nodeLines(node));
        own.setEntry(id == u"main");
        QVERIFY2(picture(item) == picture(&own), qPrintable(id));
    }
}

void TestGraphEditor::plainRoutesOnTwoThreads()
{
    // Beyond a few thousand edges their plain routes are worked out by two threads: each edge
    // gets the route it gets routed alone here (ports and ranks shared out as before), and the
    // layer's bounds hold them all.
    const int n = GraphEdgeLayer::kLayerFrom + 10;
    QJsonArray nodes = fanOutNodes(n);
    // Some edges of another kind and back up (other routes), a self-edge and a parallel pair.
    QJsonObject main = nodes.at(0).toObject();
    QJsonArray steps = main.value(u"steps"_s).toArray();
    steps.append(QJsonObject{{u"op"_s, u"spawn"_s}, {u"node"_s, u"n5"_s}});
    main.insert(u"steps"_s, steps);
    nodes.replace(0, main);
    QJsonObject back = nodes.at(n).toObject();
    back.insert(u"steps"_s,
                QJsonArray{QJsonObject{{u"op"_s, u"await"_s}, {u"target"_s, u"n3"_s}},
                           QJsonObject{{u"op"_s, u"spawn"_s}, {u"node"_s, back.value(u"id"_s)}}});
    nodes.replace(n, back);
    loadOrFail(*m_doc, documentOf(nodes));
    GraphEdgeLayer *layer = nullptr;
    const QList<QGraphicsItem *> all = m_view->scene()->items();
    for (QGraphicsItem *item : all) {
        if (auto *l = qgraphicsitem_cast<GraphEdgeLayer *>(item))
            layer = l;
    }
    QVERIFY(layer);
    const QList<GraphEdgeItem *> edges = layer->edges();
    QCOMPARE(edges.size(), n + 3);
    QList<QPainterPath> paths;
    QList<QRectF> bounds;
    for (const GraphEdgeItem *e : edges) {
        QVERIFY(!e->path().isEmpty());
        QVERIFY(layer->boundingRect().contains(e->boundingRect()));
        paths.append(e->path());
        bounds.append(e->boundingRect());
    }
    // Routed again a few at a time (too few for a second thread, still plain): the same curves.
    const qsizetype chunk = GraphEdgeItem::kDetailedRoutingLimit + 1;
    for (qsizetype from = 0; from < edges.size(); from += chunk) {
        QList<GraphEdgeItem *> part = edges.mid(from, chunk);
        if (part.size() <= GraphEdgeItem::kDetailedRoutingLimit)
            part = edges.mid(edges.size() - chunk);
        GraphEdgeItem::adjustMany(part);
    }
    for (qsizetype i = 0; i < edges.size(); ++i) {
        QCOMPARE(edges[i]->path(), paths[i]);
        QCOMPARE(edges[i]->boundingRect(), bounds[i]);
    }
    // The spawn to n5 and the taskgroup edge to it are a parallel pair: different curves.
    QSet<QString> spawnTargets;
    for (const GraphEdgeItem *e : edges) {
        if (e->op() == u"spawn")
            spawnTargets.insert(e->to()->id());
    }
    QCOMPARE(spawnTargets, (QSet<QString>{u"n5"_s, back.value(u"id"_s).toString()}));
}

void TestGraphEditor::entryMarkFollows()
{
    // The entry's mark is moved, not repainted on every node: it follows the entry field, a
    // rename and undo.
    loadOrFail(*m_doc, documentOf(fanOutNodes(3)));
    const auto marked = [this] {
        QStringList ids;
        const QList<GraphNodeItem *> items = nodeItems(*m_view);
        for (const GraphNodeItem *item : items) {
            if (item->isEntry())
                ids.append(item->id());
        }
        return ids;
    };
    QCOMPARE(marked(), QStringList{u"main"_s});
    QVERIFY(m_doc->setGraphField(u"entry"_s, u"n1"_s));
    QCOMPARE(marked(), QStringList{u"n1"_s});
    QVERIFY(m_doc->renameNode(u"n1"_s, u"first"_s)); // the entry field follows the rename
    QCOMPARE(marked(), QStringList{u"first"_s});
    m_doc->undoStack()->undo();
    QCOMPARE(marked(), QStringList{u"n1"_s});
    m_doc->undoStack()->undo();
    QCOMPARE(marked(), QStringList{u"main"_s});
    // Without an entry field "main" is the entry; renamed, the entry is named.
    QVERIFY(m_doc->renameNode(u"main"_s, u"top"_s));
    QCOMPARE(m_doc->root().value(u"entry"_s).toString(), u"top"_s);
    QCOMPARE(marked(), QStringList{u"top"_s});
    QVERIFY(m_doc->setGraphField(u"entry"_s, u"nowhere"_s)); // no such node: none is marked
    QCOMPARE(marked(), QStringList());
    QVERIFY(m_doc->setGraphField(u"entry"_s, QJsonValue(QJsonValue::Undefined))); // "main": none either
    QCOMPARE(marked(), QStringList());
    QVERIFY(m_doc->renameNode(u"top"_s, u"main"_s));
    QCOMPARE(marked(), QStringList{u"main"_s});
    while (m_doc->undoStack()->canUndo())
        m_doc->undoStack()->undo();
    QCOMPARE(marked(), QStringList{u"main"_s});
}

void TestGraphEditor::fitTwiceRepaintsNothing()
{
    // A fit sets its scale at once: the fit the window asks for after a load's own fit changes
    // nothing and repaints nothing; after a zoom it fits again.
    loadOrFail(*m_doc, documentOf(fanOutNodes(19)));
    m_view->fitAll();
    QTRY_VERIFY(m_view->viewport()->isVisible());
    QCoreApplication::processEvents();
    const QTransform fitted = m_view->transform();
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    QVERIFY(m_view->zoom() < 1.0);
    struct PaintCounter : QObject {
        int paints = 0;
        bool eventFilter(QObject *, QEvent *event) override
        {
            paints += event->type() == QEvent::Paint;
            return false;
        }
    } counter;
    m_view->viewport()->installEventFilter(&counter);
    m_view->fitAll();
    QCoreApplication::processEvents();
    QCOMPARE(counter.paints, 0);
    QCOMPARE(m_view->transform(), fitted);
    m_view->zoomIn();
    QVERIFY(m_view->zoom() > fitted.m11());
    m_view->fitAll();
    QCOMPARE(m_view->transform(), fitted);
    QCOMPARE(m_view->mapToScene(m_view->viewport()->rect().center()), centre);
    // As fitInView would have it: the drawing's width or height fills the view, less margins.
    QRectF drawing;
    const QList<GraphNodeItem *> items = nodeItems(*m_view);
    for (const GraphNodeItem *item : items)
        drawing = drawing.united(item->sceneBoundingRect());
    const QRectF shown = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    QVERIFY(shown.contains(drawing));
    QVERIFY(shown.width() < drawing.width() * 1.3 || shown.height() < drawing.height() * 1.3);
    m_view->viewport()->removeEventFilter(&counter);
}

void TestGraphEditor::fitFollowsMovedNodes()
{
    // What the nodes cover is kept between fits while nothing moved: a move, a drag, a new node
    // and a removed one are fitted again.
    loadOrFail(*m_doc, documentOf(fanOutNodes(5)));
    m_view->fitAll();
    const auto inView = [this](const QString &id) {
        const QRectF box = nodeItem(*m_view, id)->sceneBox();
        return QRectF(m_view->viewport()->rect()).contains(m_view->mapFromScene(box).boundingRect());
    };
    QVERIFY(inView(u"n2"_s));
    m_doc->setNodePosition(u"n2"_s, QPointF(4000, 3000));
    QVERIFY(!inView(u"n2"_s));
    const double before = m_view->zoom();
    m_view->fitAll();
    QVERIFY(inView(u"n2"_s));
    QVERIFY(m_view->zoom() < before);
    nodeItem(*m_view, u"n3"_s)->setPos(-3000, -2000); // as a drag does, before it is stored
    QVERIFY(!inView(u"n3"_s));
    m_view->fitAll();
    QVERIFY(inView(u"n3"_s));
    QVERIFY(m_doc->addNode(u"far"_s, QPointF(5000, 3500)));
    QVERIFY(!inView(u"far"_s));
    m_view->fitAll();
    QVERIFY(inView(u"far"_s));
    const double withFar = m_view->zoom();
    QVERIFY(m_doc->removeNode(u"far"_s));
    m_view->fitAll();
    QVERIFY(m_view->zoom() > withFar);
}

void TestGraphEditor::bigSceneIndex()
{
    // A big graph's scene index is shallower than Qt's own: clicks, a rubber band and a drag
    // still find the nodes under the mouse, anywhere in the drawing; a small graph gets Qt's.
    loadOrFail(*m_doc, documentOf(fanOutNodes(9000)));
    QCOMPARE(m_view->scene()->bspTreeDepth(), 12);
    QCOMPARE(nodeItems(*m_view).size(), 9001);
    for (const QString &id : {u"n0"_s, u"n4550"_s, u"n8999"_s}) {
        m_view->selectNode(id); // centred
        QCoreApplication::processEvents();
        m_view->selectNode(QString());
        QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, headerPoint(*m_view, id));
        QCOMPARE(m_view->selectedNodes(), QStringList{id});
    }
    // A band round two neighbours of n4550 (the one centred last is n8999: centre n4550 again).
    m_view->selectNode(u"n4550"_s);
    const QRectF pair = nodeItem(*m_view, u"n4550"_s)->sceneBox().united(nodeItem(*m_view, u"n4551"_s)->sceneBox());
    const QPoint from = m_view->mapFromScene(pair.topLeft() - QPointF(10, 10));
    const QPoint to = m_view->mapFromScene(pair.bottomRight() + QPointF(10, 10));
    bandDrag(m_view->viewport(), from, to);
    QCOMPARE(m_view->selectedNodes(), (QStringList{u"n4550"_s, u"n4551"_s}));
    // A drag of n4550's header moves it (one undo command), and the index knows where it went.
    m_view->selectNode(QString());
    const QPointF before = nodeItem(*m_view, u"n4550"_s)->pos();
    const QPoint grab = headerPoint(*m_view, u"n4550"_s);
    QTest::mousePress(m_view->viewport(), Qt::LeftButton, {}, grab);
    QTest::mouseMove(m_view->viewport(), grab + QPoint(10, 60));
    QTest::mouseMove(m_view->viewport(), grab + QPoint(20, 120));
    QTest::mouseRelease(m_view->viewport(), Qt::LeftButton, {}, grab + QPoint(20, 120));
    QVERIFY(nodeItem(*m_view, u"n4550"_s)->pos() != before);
    QCOMPARE(m_doc->nodePosition(u"n4550"_s), nodeItem(*m_view, u"n4550"_s)->pos());
    m_view->selectNode(QString());
    QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, grab + QPoint(20, 120));
    QCOMPARE(m_view->selectedNodes(), QStringList{u"n4550"_s});
    m_doc->undoStack()->undo();
    QCOMPARE(nodeItem(*m_view, u"n4550"_s)->pos(), before);

    loadOrFail(*m_doc, documentOf(fanOutNodes(10)));
    QVERIFY(!m_view->grab().isNull()); // the index made for the small graph: Qt's depth for 11 items
    QVERIFY(m_view->scene()->bspTreeDepth() < 12);
}

void TestGraphEditor::partlyPositioned()
{
    // main has no position, its children have: they stay, main goes right of them.
    loadOrFail(*m_doc, R"({"format": "asyncgraph/1", "nodes": [
  {"id": "main", "steps": [{"op": "gather", "children": ["a", "b"]}]},
  {"id": "a", "ui": {"x": -200, "y": 300}, "steps": [{"op": "sleep", "seconds": 1}]},
  {"id": "b", "ui": {"x": 200, "y": 300}, "steps": [{"op": "sleep", "seconds": 1}]}
 ]})");
    QVERIFY(!m_doc->isModified());
    QCOMPARE(nodeItem(*m_view, u"a"_s)->pos(), QPointF(-200, 300));
    QCOMPARE(nodeItem(*m_view, u"b"_s)->pos(), QPointF(200, 300));
    const QRectF main = nodeItem(*m_view, u"main"_s)->sceneBox();
    QVERIFY(main.left() > nodeItem(*m_view, u"b"_s)->sceneBox().right());
    QCOMPARE(main.top(), 300.0);
    QVERIFY(noOverlaps(*m_view));
}

void TestGraphEditor::bigFanOut()
{
    // More edges than are routed in detail: each still has a curve, a label and its own port.
    const int n = GraphEdgeItem::kDetailedRoutingLimit + 500;
    QByteArray json
        = R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "taskgroup", "children": [)";
    for (int i = 0; i < n; ++i)
        json += (i ? ", \"n" : "\"n") + QByteArray::number(i) + '"';
    json += "]}]}";
    for (int i = 0; i < n; ++i) {
        json += R"(, {"id": "n)" + QByteArray::number(i) + R"(", "ui": {"x": )" + QByteArray::number((i % 50) * 200)
            + R"(, "y": )" + QByteArray::number(400 + (i / 50) * 120) + R"(}, "steps": [{"op": "return"}]})";
    }
    json += "]}";
    loadOrFail(*m_doc, json);
    const QList<GraphEdgeItem *> edges = edgeItems(*m_view);
    QCOMPARE(edges.size(), n);
    QSet<qreal> ports;
    for (const GraphEdgeItem *e : edges) {
        QVERIFY(!e->path().isEmpty());
        ports.insert(e->path().elementAt(0).x);
    }
    QVERIFY(ports.size() > n / 2); // spread along main's side (ties where boxes share a column)
    QVERIFY(nodeItem(*m_view, u"main"_s)->sceneBox().top() >= 400);
    m_view->fitAll();
    QVERIFY(!m_view->grab().isNull());
}

void TestGraphEditor::edgeLayer()
{
    // From kLayerFrom edges on, one layer item draws them and the edges stay out of the scene;
    // they still follow moves, undo, highlight and paint at both levels of detail, and go back
    // into the scene below the threshold.
    const int n = GraphEdgeLayer::kLayerFrom;
    QByteArray json = R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "ui": {"x": 20000, "y": -400},)"
                      R"( "steps": [{"op": "taskgroup", "children": [)";
    for (int i = 0; i < n; ++i)
        json += (i ? ", \"n" : "\"n") + QByteArray::number(i) + '"';
    json += "]}]}";
    for (int i = 0; i < n; ++i) {
        json += R"(, {"id": "n)" + QByteArray::number(i) + R"(", "ui": {"x": )" + QByteArray::number((i % 100) * 400)
            + R"(, "y": )" + QByteArray::number((i / 100) * 300) + R"(}, "steps": [{"op": "return"}]})";
    }
    json += "]}";
    loadOrFail(*m_doc, json);
    const QByteArray loaded = m_doc->toJson();
    const auto layerOf = [this]() -> GraphEdgeLayer * {
        const QList<QGraphicsItem *> items = m_view->scene()->items();
        for (QGraphicsItem *item : items) {
            if (auto *layer = qgraphicsitem_cast<GraphEdgeLayer *>(item))
                return layer;
        }
        return nullptr;
    };
    GraphEdgeLayer *layer = layerOf();
    QVERIFY(layer);
    QCOMPARE(edgeItems(*m_view).size(), 0);
    QCOMPARE(layer->edges().size(), n);
    GraphEdgeItem *edge = nullptr;
    for (GraphEdgeItem *e : layer->edges()) {
        QCOMPARE(e->layer(), layer);
        QVERIFY(!e->path().isEmpty());
        QVERIFY(layer->boundingRect().contains(e->boundingRect()));
        if (e->to()->id() == u"n5050")
            edge = e;
    }
    QVERIFY(edge);
    QCOMPARE(edge->label(), u"taskgroup"_s);

    // Far out: the fan is drawn (its colour in the picture).
    m_view->fitAll();
    const auto teal = [](const QImage &image) {
        int count = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x) {
                const QColor c = image.pixelColor(x, y);
                count += c.red() < 60 && std::abs(c.green() - 0x89) < 30 && std::abs(c.blue() - 0x7b) < 30;
            }
        }
        return count;
    };
    QVERIFY(m_view->zoom() < 0.35);
    QVERIFY(teal(m_view->grab().toImage()) > 100);

    // A move re-routes the edge inside the layer's bounds; undo brings the curve back.
    const QPainterPath before = edge->path();
    m_doc->setNodePosition(u"n5050"_s, QPointF(-3000, 40000));
    QVERIFY(edge->path() != before);
    QVERIFY(layer->boundingRect().contains(edge->boundingRect()));
    m_doc->undoStack()->undo();
    QCOMPARE(edge->path(), before);

    // Close up, selected: the edge into the node is drawn in full (and highlighted).
    m_view->selectNode(u"n5050"_s);
    QCOMPARE(m_view->selectedNode(), u"n5050"_s);
    while (m_view->zoom() < 1)
        m_view->zoomIn();
    m_view->centerOn(edge->to()->sceneBox().topLeft() + QPointF(75, -100));
    const QImage close = m_view->grab().toImage();
    QVERIFY(teal(close) > 20);
    if (const QString dir = qEnvironmentVariable("ASYNCSCOPE_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(close.save(QDir(dir).filePath(u"editor-edge-layer.png"_s)));

    // One edge fewer than the threshold: the edges are items of the scene again; undo: the layer.
    QVERIFY(m_doc->removeNode(u"n0"_s));
    QVERIFY(!layerOf());
    QCOMPARE(edgeItems(*m_view).size(), n - 1);
    m_doc->undoStack()->undo();
    layer = layerOf();
    QVERIFY(layer);
    QCOMPARE(layer->edges().size(), n);
    QCOMPARE(edgeItems(*m_view).size(), 0);
    QCOMPARE(m_doc->toJson(), loaded);
    // Loading again replaces the layer and its edges.
    loadOrFail(*m_doc, kPositioned);
    QVERIFY(!layerOf());
    QCOMPARE(edgeItems(*m_view).size(), 3);
}

QTEST_MAIN(TestGraphEditor)
#include "tst_grapheditor.moc"
