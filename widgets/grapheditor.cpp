#include "grapheditor.h"

#include "besidethread.h"
#include "graphdocument.h"
#include "graphitems.h"
#include "graphlayout.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QJsonArray>
#include <QKeyEvent>
#include <QMimeData>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QSet>
#include <QTimer>
#include <QUndoStack>
#include <QWheelEvent>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

const QString kNodesMimeType = u"application/x-asyncscope-nodes"_s;
constexpr double kMinZoom = 0.1;
constexpr double kMaxZoom = 4.0;
constexpr double kFitMaxZoom = 1.0;           // fitting a small graph does not blow it up
constexpr qsizetype kShallowIndexFrom = 8192; // nodes
constexpr int kShallowIndexDepth = 12;

bool hasUiPosition(const QJsonObject &node)
{
    const QJsonObject ui = node.value(u"ui"_s).toObject();
    return ui.value(u"x"_s).isDouble() && ui.value(u"y"_s).isDouble();
}

// The stored position of a node that has one (GraphDocument::nodePosition).
QPointF uiPosition(const QJsonObject &node)
{
    const QJsonObject ui = node.value(u"ui"_s).toObject();
    return QPointF(ui.value(u"x"_s).toDouble(), ui.value(u"y"_s).toDouble());
}

QPointF rounded(QPointF p)
{
    return QPointF(std::round(p.x()), std::round(p.y()));
}

QString edgeKey(const QString &from, const QString &to, const QString &op)
{
    // Node ids are identifiers, so '>' and ':' cannot occur in them.
    return from + u'>' + to + u':' + op;
}

// What a node shows and relates to, read from its object alone (so on any thread).
struct NodeContent {
    QString id;
    QString title;
    QStringList lines;
    QList<GraphRelation> relations;
    QStringList edgeKeys;    // edgeKey of each relation
    bool positioned = false; // it has a stored position, pos
    QPointF pos;
    GraphNodeText text; // laid out for the item, when read with a measure
};

// With a measure, the box's text is laid out too (as the node item would, the entry's mark
// included).
NodeContent readNode(const QJsonObject &node, const GraphNodeTextMeasure *measure = nullptr,
                     const QString &entry = QString())
{
    NodeContent c;
    c.id = node.value("id"_L1).toString(); // Latin-1 keys: compared without conversion
    c.title = nodeTitle(node);
    c.lines = nodeLines(node);
    if (measure)
        c.text = measure->layout(c.title, c.lines, c.id == entry);
    c.relations = nodeRelations(node);
    c.edgeKeys.reserve(c.relations.size());
    for (const GraphRelation &r : std::as_const(c.relations))
        c.edgeKeys.append(edgeKey(c.id, r.to, r.op));
    const QJsonObject ui = node.value("ui"_L1).toObject(); // as hasUiPosition, uiPosition
    const QJsonValue x = ui.value("x"_L1);
    const QJsonValue y = ui.value("y"_L1);
    c.positioned = x.isDouble() && y.isDouble();
    if (c.positioned)
        c.pos = QPointF(x.toDouble(), y.toDouble());
    return c;
}

// Every node of the list read; a long list by two threads, which take blocks of nodes in turn
// (opening a graph of 100,000 nodes, this is most of the editor's work that needs no item; one
// hub node may weigh as much as thousands of others).
std::vector<NodeContent> readNodes(const QJsonArray &list, const QString &entry)
{
    constexpr qsizetype kTwoThreadsFrom = 2000;
    constexpr qsizetype kBlock = 256;
    const qsizetype n = list.size();
    std::vector<NodeContent> out(static_cast<size_t>(n));
    const GraphNodeTextMeasure measure; // bounds only: also the helper's
    std::atomic<qsizetype> next{0};     // the first node no thread has taken
    const auto read = [&list, &out, &next, &measure, &entry, n] {
        for (;;) {
            const qsizetype from = next.fetch_add(kBlock);
            if (from >= n)
                return;
            for (qsizetype i = from; i < std::min(n, from + kBlock); ++i)
                out[size_t(i)] = readNode(list.at(i).toObject(), &measure, entry);
        }
    };
    runBeside(n >= kTwoThreadsFrom, read, read);
    // A block the helper could not finish (out of memory there): read here, or fail here.
    for (qsizetype i = 0; i < n; ++i) {
        if (out[size_t(i)].id.isEmpty())
            out[size_t(i)] = readNode(list.at(i).toObject(), &measure, entry);
    }
    return out;
}

// Per node, per relation: the index in ids of the node it leads to (-1: no such node).
std::vector<std::vector<int>> relationTargets(const QStringList &ids,
                                              const std::vector<QList<GraphRelation>> &relations)
{
    QHash<QString, int> index;
    index.reserve(ids.size());
    for (qsizetype i = 0; i < ids.size(); ++i)
        index.insert(ids[i], int(i));
    std::vector<std::vector<int>> out(relations.size());
    for (size_t i = 0; i < relations.size(); ++i) {
        out[i].reserve(size_t(relations[i].size()));
        for (const GraphRelation &r : relations[i])
            out[i].push_back(index.value(r.to, -1));
    }
    return out;
}

constexpr size_t kTargetsBesideFrom = 2000; // nodes

} // namespace

struct GraphEditorView::Private {
    GraphEditorView *q = nullptr;
    GraphDocument *doc = nullptr;
    QGraphicsScene *scene = nullptr;

    QHash<QString, GraphNodeItem *> nodes;
    QHash<QString, GraphEdgeItem *> edges; // by edgeKey
    QStringList edgeOrder;                 // edge keys in document order
    // Beyond GraphEdgeLayer::kLayerFrom edges: the item that draws them, the edges out of the scene
    GraphEdgeLayer *edgeLayer = nullptr;
    bool reroutePending = false;
    QRectF sceneRect;                               // as set on the scene: it only grows until the next reset
    QHash<QString, QList<GraphRelation>> relations; // by source node
    // Where nodes without a stored position are drawn: a document loaded without positions is
    // laid out on screen only, so that opening a file does not modify it.
    QHash<QString, QPointF> autoPositions;
    QHash<QString, QString> states;
    QHash<QString, QPointF> pressPositions; // at the start of a left-button drag

    QString lastSelected;
    QString shownEntry; // the node drawn as the entry (refreshEntry)
    // What the node items cover, as of GraphNodeItem::geometryGeneration() nodeBoundsAt
    mutable QRectF nodeBounds;
    mutable quint64 nodeBoundsAt = 0;
    mutable bool nodeBoundsValid = false;
    bool rebuilding = false;
    bool fitPending = false;
    bool panning = false;
    QPoint panLast;
    bool spacePan = false;
    int pasteCount = 0;

    QList<QAction *> actions;
    QAction *deleteAction = nullptr;
    QAction *duplicateAction = nullptr;
    QAction *copyAction = nullptr;

    QString entryId() const { return doc->root().value(u"entry"_s).toString(u"main"_s); }

    QPointF positionFor(const QString &id) { return positionFor(id, doc->node(id)); }

    QPointF positionFor(const QString &id, const QJsonObject &node)
    {
        if (hasUiPosition(node))
            return uiPosition(node);
        const auto it = autoPositions.constFind(id);
        if (it != autoPositions.constEnd())
            return *it;
        // Neither stored nor laid out (pasted without a position): right of everything else.
        QRectF bounds;
        for (auto n = nodes.cbegin(); n != nodes.cend(); ++n) {
            if (n.key() != id)
                bounds = bounds.united(n.value()->sceneBox());
        }
        const QPointF p = bounds.isNull() ? QPointF(0, 0) : rounded(bounds.topRight() + QPointF(60, 0));
        autoPositions.insert(id, p);
        return p;
    }

    void refreshNode(const QString &id)
    {
        GraphNodeItem *item = nodes.value(id);
        if (!item)
            return;
        const QJsonObject node = doc->node(id);
        item->setContent(nodeTitle(node), nodeLines(node));
        relations.insert(id, nodeRelations(node));
    }

    GraphNodeItem *createNode(const QString &id) { return createNode(id, doc->node(id), entryId()); }

    GraphNodeItem *createNode(const QString &id, const QJsonObject &node, const QString &entry)
    {
        NodeContent content = readNode(node);
        content.id = id;
        GraphNodeItem *item = createNode(std::move(content), entry);
        scene->addItem(item);
        return item;
    }

    // Not in the scene yet: the caller adds it once placed (no index updates for the move).
    // rebuilding: the relations were just cleared, and no entry stands for none.
    GraphNodeItem *createNode(NodeContent content, const QString &entry, bool rebuilding = false)
    {
        auto *item = new GraphNodeItem(content.id, content.title, content.lines, content.id == entry, content.text,
                                       content.positioned ? &content.pos : nullptr);
        nodes.insert(content.id, item);
        if (!rebuilding || !content.relations.isEmpty())
            relations.insert(content.id, std::move(content.relations));
        item->setEntry(content.id == entry);
        item->setState(states.value(content.id));
        return item;
    }

    // The entry's mark moved to the node that is the entry now (every edit asks: no look at
    // every node).
    void refreshEntry()
    {
        const QString entry = entryId();
        if (entry != shownEntry) {
            if (GraphNodeItem *old = nodes.value(shownEntry))
                old->setEntry(false);
            shownEntry = entry;
        }
        if (GraphNodeItem *now = nodes.value(entry)) // it may have come by a rename
            now->setEntry(true);
    }

    // Makes the edge items match the relations: one per (from, to, op) whose ends both exist.
    // ids: the document's node ids when the caller has them; known: then maybe also their items,
    // relations and the edgeKey of each relation.
    struct KnownNodes {
        const QList<GraphNodeItem *> &items;
        const std::vector<QList<GraphRelation>> &relations;
        const std::vector<QStringList> &keys;
        const std::vector<std::vector<int>> &targets; // relations[i][k] leads to items[targets[i][k]] (-1: none)
    };
    void syncEdges(const QStringList *documentIds = nullptr, const KnownNodes *known = nullptr)
    {
        struct Wanted {
            GraphNodeItem *from, *to;
            QString op;
            int count;
        };
        QList<QString> order; // edge keys, document order (one per (from, to, op))
        QList<Wanted> wanted; // wanted[k] is the edge of order[k]
        const QStringList ids = documentIds ? *documentIds : doc->nodeIds();
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QString &from = ids[i];
            GraphNodeItem *source = known ? known->items.at(i) : nodes.value(from);
            const QList<GraphRelation> *rels = nullptr;
            if (known) {
                rels = &known->relations[size_t(i)];
            } else if (const auto it = relations.constFind(from); it != relations.constEnd()) {
                rels = &*it;
            }
            if (!source || !rels)
                continue;
            for (qsizetype k = 0; k < rels->size(); ++k) {
                const GraphRelation &r = rels->at(k);
                GraphNodeItem *target = nullptr;
                if (!known)
                    target = nodes.value(r.to);
                else if (const int t = known->targets[size_t(i)][size_t(k)]; t >= 0)
                    target = known->items.at(t);
                if (!target)
                    continue;
                order.append(known ? known->keys[size_t(i)].at(k) : edgeKey(from, r.to, r.op));
                wanted.append({source, target, r.op, r.count});
            }
        }
        if (!edges.isEmpty()) {
            const QSet<QString> keep(order.cbegin(), order.cend());
            for (auto it = edges.begin(); it != edges.end();) {
                if (!keep.contains(it.key())) {
                    delete it.value();
                    it = edges.erase(it);
                } else {
                    ++it;
                }
            }
        }
        QList<GraphEdgeItem *> fresh;
        QList<GraphEdgeItem *> ordered; // the edge of order[k]
        ordered.reserve(order.size());
        const bool hadEdges = !edges.isEmpty(); // else none of them is there yet (a rebuild)
        edges.reserve(order.size());
        for (qsizetype k = 0; k < order.size(); ++k) {
            const QString &key = order[k];
            const Wanted &w = wanted[k];
            if (GraphEdgeItem *e = hadEdges ? edges.value(key) : nullptr) {
                e->setCount(w.count);
                ordered.append(e);
                continue;
            }
            auto *e = new GraphEdgeItem(w.from, w.to, w.op, w.count);
            fresh.append(e);
            ordered.append(e);
            edges.insert(key, e);
        }
        edgeOrder = order;
        const bool layered = edgeOrder.size() >= GraphEdgeLayer::kLayerFrom;
        if (layered && !edgeLayer) {
            edgeLayer = new GraphEdgeLayer;
            scene->addItem(edgeLayer);
            for (GraphEdgeItem *e : std::as_const(edges)) {
                if (e->scene())
                    scene->removeItem(e);
            }
        } else if (!layered && edgeLayer) {
            fresh.clear(); // every edge goes into the scene, in document order
            for (const QString &key : std::as_const(edgeOrder)) {
                GraphEdgeItem *e = edges.value(key);
                e->setLayer(nullptr);
                if (!e->scene())
                    fresh.append(e);
            }
            delete edgeLayer;
            edgeLayer = nullptr;
        }
        // Port order along a side depends on all the edges there: re-route everything. Detailed
        // routing looks at the scene, so the new edges are in it first; plain routing does not,
        // and then they go in routed (no index update per edge).
        const bool plain = edgeOrder.size() > GraphEdgeItem::kDetailedRoutingLimit;
        if (!plain) {
            for (GraphEdgeItem *e : std::as_const(fresh))
                scene->addItem(e);
        }
        adjustEdges(ordered);
        if (plain && !layered) {
            for (GraphEdgeItem *e : std::as_const(fresh))
                scene->addItem(e);
        }
    }

    // The edges the layer draws (none without a layer), for the caller to delete once the scene
    // has gone with the layer and the nodes: without their nodes, edges do not look themselves
    // up in the nodes' lists one by one.
    QList<GraphEdgeItem *> takeLayeredEdges()
    {
        QList<GraphEdgeItem *> loose;
        if (edgeLayer) {
            loose = edgeLayer->edges();
            edgeLayer = nullptr; // the scene deletes it
        }
        return loose;
    }

    // Every edge, in document order (labels avoid the ones placed before them).
    void adjustAllEdges()
    {
        QList<GraphEdgeItem *> list;
        list.reserve(edgeOrder.size());
        for (const QString &key : std::as_const(edgeOrder)) {
            if (GraphEdgeItem *e = edges.value(key))
                list.append(e);
        }
        adjustEdges(list);
    }

    // These edges (every edge, in document order) re-routed.
    void adjustEdges(const QList<GraphEdgeItem *> &list)
    {
        reroutePending = false;
        GraphEdgeItem::adjustAll(list);
        if (edgeLayer)
            edgeLayer->setEdges(list); // the bounds of all at once, and the new ones learn of it
    }

    // After moves: edges that merely pass a moved box re-route too, once the moves are done.
    void scheduleReroute()
    {
        if (reroutePending)
            return;
        reroutePending = true;
        QTimer::singleShot(0, q, [this] {
            if (reroutePending)
                adjustAllEdges();
        });
    }

    // The layered layout of these nodes (and of the relations among them).
    QHash<QString, QPointF> layoutPositions(const QStringList &ids) const
    {
        QHash<QString, int> index;
        GraphLayoutInput input;
        for (const QString &id : ids) {
            index.insert(id, int(input.sizes.size()));
            GraphNodeItem *item = nodes.value(id);
            input.sizes.append(item ? item->boxSize() : QSizeF(150, 60));
        }
        for (const QString &id : ids) {
            const QList<GraphRelation> rels = relations.value(id);
            for (const GraphRelation &r : rels) {
                if (index.contains(r.to))
                    input.edges.append({index.value(id), index.value(r.to)});
            }
        }
        input.entry = index.value(entryId(), -1);
        input.layerSpacing = 96; // room for the edge labels between layers
        input.nodeSpacing = 48;
        const GraphLayoutResult result = layoutGraph(input);
        QHash<QString, QPointF> positions;
        for (int i = 0; i < ids.size(); ++i)
            positions.insert(ids[i], result.positions[i]);
        return positions;
    }

    // Where the nodes without a stored position go: a document without any is laid out whole;
    // when only some lack one, those are laid out among themselves, right of the stored drawing
    // (a layout of everything would place them in coordinates unrelated to the stored ones).
    // `positioned` and `items`: per id, whether it has a stored position, and its item, placed there.
    QHash<QString, QPointF> missingPositions(const QStringList &ids, const QList<bool> &positioned,
                                             const QList<GraphNodeItem *> &items) const
    {
        QStringList missing;
        QRectF stored;
        for (qsizetype i = 0; i < ids.size(); ++i) {
            if (!positioned[i])
                missing.append(ids[i]);
            else
                stored = stored.united(items[i]->sceneBox());
        }
        if (missing.size() == ids.size())
            return layoutPositions(ids);
        QHash<QString, QPointF> positions = layoutPositions(missing);
        const QPointF offset = rounded(stored.topRight() + QPointF(60, 0));
        for (auto it = positions.begin(); it != positions.end(); ++it)
            *it += offset;
        return positions;
    }

    void rebuild()
    {
        rebuilding = true;
        // The whole scene at once: item by item, each edge would look itself up in its nodes'
        // edge lists (100,000 edges of one node: quadratic).
        edges.clear();
        nodes.clear();
        const QList<GraphEdgeItem *> loose = takeLayeredEdges();
        scene->clear();
        qDeleteAll(loose);
        relations.clear();
        autoPositions.clear();
        pressPositions.clear();
        states.clear(); // run states belong to the graph that ran
        pasteCount = 0;

        // Each node's object read once (100,000 nodes: no look-up by id per step below).
        const QJsonArray list = doc->root().value(u"nodes"_s).toArray();
        // The scene's index of a big graph less deep than Qt would make it (log2 of the items:
        // 17 levels at 100,000, whose first build is a good part of the first paint); a leaf of
        // 12 levels still holds a few hundred items at most.
        scene->setBspTreeDepth(list.size() >= kShallowIndexFrom ? kShallowIndexDepth : 0);
        QStringList ids;
        QList<bool> positioned;
        QList<GraphNodeItem *> created;
        ids.reserve(list.size());
        positioned.reserve(list.size());
        created.reserve(list.size());
        bool allPositioned = !list.isEmpty();
        const QString entry = entryId();
        shownEntry = entry;
        std::vector<NodeContent> contents = readNodes(list, entry);
        nodes.reserve(qsizetype(contents.size()));
        relations.reserve(qsizetype(contents.size()));
        std::vector<QStringList> keys(contents.size());
        std::vector<QList<GraphRelation>> relationLists(contents.size()); // shared with the hash
        for (size_t i = 0; i < contents.size(); ++i) {
            relationLists[i] = contents[i].relations;
            ids.append(contents[i].id);
        }
        // Where each relation leads, by index, found on a second thread while this one makes the
        // items: the edges would otherwise look 100,000 targets up by id after them.
        std::vector<std::vector<int>> targets;
        runBeside(
            contents.size() >= kTargetsBesideFrom, [&] { targets = relationTargets(ids, relationLists); },
            [&] {
                for (size_t i = 0; i < contents.size(); ++i) {
                    NodeContent &c = contents[i];
                    keys[i] = std::move(c.edgeKeys);
                    const bool has = c.positioned;
                    GraphNodeItem *item = createNode(std::move(c), entry, true); // placed, when it has a place
                    positioned.append(has);
                    created.append(item);
                    allPositioned = allPositioned && has;
                }
            });
        if (targets.size() != contents.size()) // no second thread (or it ran out of memory)
            targets = relationTargets(ids, relationLists);
        if (!allPositioned) {
            autoPositions = missingPositions(ids, positioned, created);
            for (qsizetype i = 0; i < ids.size(); ++i) {
                if (!positioned[i])
                    created[i]->setPos(autoPositions.value(ids[i]));
            }
        }
        QRectF covered; // what itemsBounds would find, while the items are at hand
        for (GraphNodeItem *item : std::as_const(created)) {
            scene->addItem(item);
            covered = covered.united(item->boundingRect().translated(item->pos()));
        }
        nodeBounds = covered;
        nodeBoundsAt = GraphNodeItem::geometryGeneration();
        nodeBoundsValid = true;
        const KnownNodes known{created, relationLists, keys, targets};
        syncEdges(&ids, &known);
        sceneRect = QRectF();
        updateSceneRect();
        // Everything is new: one update of the whole scene, which spares the scene working out
        // the area of each of the items added (100,000 nodes: tens of milliseconds).
        scene->update();
        rebuilding = false;
        selectionChanged();
        if (q->isVisible())
            q->fitAll();
        else
            fitPending = true;
    }

    // The scene is the drawing plus a wide margin, so that panning is never stopped at its edge.
    // It only grows (until the next reset): shrinking it under the user's feet would jump the view.
    // What the items cover (QGraphicsScene::itemsBoundingRect sorts every item first).
    QRectF itemsBounds() const
    {
        // The nodes' part is kept while no node moved, changed size, came or went (100,000
        // nodes: the load's scene rect and fit, then the fit the window asks for).
        const quint64 generation = GraphNodeItem::geometryGeneration();
        if (!nodeBoundsValid || nodeBoundsAt != generation) {
            QRectF nodesRect;
            for (GraphNodeItem *item : std::as_const(nodes))
                nodesRect = nodesRect.united(item->boundingRect().translated(item->pos()));
            nodeBounds = nodesRect;
            nodeBoundsAt = generation;
            nodeBoundsValid = true;
        }
        QRectF r = nodeBounds;
        if (edgeLayer) // the edges' bounds, as of their last routing together
            return r.united(edgeLayer->boundingRect());
        for (GraphEdgeItem *item : std::as_const(edges))
            r = r.united(item->boundingRect()); // in scene coordinates: edges stay at (0, 0)
        return r;
    }

    void updateSceneRect() { updateSceneRect(itemsBounds()); }

    void updateSceneRect(QRectF r)
    {
        if (r.isNull())
            r = QRectF(0, 0, 1, 1);
        const qreal margin = 3000 + std::max(r.width(), r.height());
        r.adjust(-margin, -margin, margin, margin);
        sceneRect = sceneRect.isNull() ? r : sceneRect.united(r);
        scene->setSceneRect(sceneRect);
    }

    void selectionChanged()
    {
        if (rebuilding)
            return;
        const bool any = !scene->selectedItems().isEmpty();
        deleteAction->setEnabled(any);
        duplicateAction->setEnabled(any);
        copyAction->setEnabled(any);
        const QString current = q->selectedNode();
        if (current != lastSelected) {
            lastSelected = current;
            Q_EMIT q->nodeSelected(current);
        }
    }

    void selectOnly(const QStringList &ids)
    {
        scene->clearSelection();
        for (const QString &id : ids) {
            if (GraphNodeItem *item = nodes.value(id))
                item->setSelected(true);
        }
    }

    GraphNodeItem *nodeAt(QPoint viewportPos) const
    {
        const QList<QGraphicsItem *> hits = q->items(viewportPos);
        for (QGraphicsItem *item : hits) {
            if (auto *node = qgraphicsitem_cast<GraphNodeItem *>(item))
                return node;
        }
        return nullptr;
    }

    // Stores the left-button drag: one undo command (moves of several nodes in one macro).
    void commitMoves()
    {
        QHash<QString, QPointF> moved;
        for (auto it = pressPositions.cbegin(); it != pressPositions.cend(); ++it) {
            GraphNodeItem *item = nodes.value(it.key());
            if (!item || item->pos() == it.value())
                continue;
            const QPointF p = rounded(item->pos());
            if (hasUiPosition(doc->node(it.key())) && doc->nodePosition(it.key()) == p) {
                item->setPos(p); // a sub-pixel wobble: nothing to store
                continue;
            }
            moved.insert(it.key(), p);
        }
        pressPositions.clear();
        if (moved.isEmpty())
            return;
        const QString text = moved.size() == 1 ? tr("Move node") : tr("Move %n nodes", nullptr, int(moved.size()));
        PositionEdit edit(this, text, moved.size() > 1);
        const QStringList ids = doc->nodeIds();
        for (const QString &id : ids) {
            if (moved.contains(id))
                doc->setNodePosition(id, moved.value(id));
        }
    }

    // An edit that stores positions. While the document has none (it was laid out on screen
    // only), the on-screen positions of every node are stored first, in the same undo step, so
    // that the file keeps what the user saw and one undo goes back to the untouched document.
    struct PositionEdit {
        PositionEdit(Private *d, const QString &text, bool macro)
            : stack(d->doc->undoStack())
        {
            QHash<QString, QPointF> missing;
            if (!d->doc->hasPositions()) {
                for (auto it = d->nodes.cbegin(); it != d->nodes.cend(); ++it) {
                    if (!hasUiPosition(d->doc->node(it.key())))
                        missing.insert(it.key(), rounded(d->positionFor(it.key())));
                }
            }
            open = macro || !missing.isEmpty();
            if (open)
                stack->beginMacro(text);
            if (!missing.isEmpty())
                d->doc->setNodePositions(missing, text);
        }
        ~PositionEdit()
        {
            if (open)
                stack->endMacro();
        }
        Q_DISABLE_COPY_MOVE(PositionEdit)
        QUndoStack *stack;
        bool open = false;
    };

    static QString tr(const char *text, const char *comment = nullptr, int n = -1)
    {
        return GraphEditorView::tr(text, comment, n);
    }

    QAction *makeAction(const QString &text, const QList<QKeySequence> &keys, const QString &icon,
                        void (GraphEditorView::*slot)())
    {
        auto *a = new QAction(QIcon::fromTheme(icon), text, q);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        QObject::connect(a, &QAction::triggered, q, slot);
        q->addAction(a);
        actions.append(a);
        return a;
    }

    void addSeparator()
    {
        auto *a = new QAction(q);
        a->setSeparator(true);
        q->addAction(a);
        actions.append(a);
    }

    void createActions()
    {
        deleteAction
            = makeAction(tr("Delete"), {QKeySequence::Delete}, u"edit-delete"_s, &GraphEditorView::deleteSelected);
        duplicateAction = makeAction(tr("Duplicate"), {QKeySequence(Qt::CTRL | Qt::Key_D)}, u"edit-copy"_s,
                                     &GraphEditorView::duplicateSelected);
        copyAction = makeAction(tr("Copy"), {QKeySequence::Copy}, u"edit-copy"_s, &GraphEditorView::copySelected);
        makeAction(tr("Paste"), {QKeySequence::Paste}, u"edit-paste"_s, &GraphEditorView::paste);
        addSeparator();
        makeAction(tr("Add Node"), {QKeySequence(Qt::Key_Insert)}, u"list-add"_s, &GraphEditorView::addNodeAtCenter);
        makeAction(tr("Auto Layout"), {QKeySequence(Qt::CTRL | Qt::Key_L)}, u"view-sort"_s,
                   &GraphEditorView::autoLayout);
        addSeparator();
        makeAction(tr("Zoom In"), {QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)}, u"zoom-in"_s,
                   &GraphEditorView::zoomIn);
        makeAction(tr("Zoom Out"), {QKeySequence::ZoomOut}, u"zoom-out"_s, &GraphEditorView::zoomOut);
        makeAction(tr("Fit All"), {QKeySequence(Qt::CTRL | Qt::Key_0)}, u"zoom-fit-best"_s, &GraphEditorView::fitAll);
        for (QAction *a : std::as_const(actions))
            a->setObjectName(u"graph"_s + a->text().remove(u' '));
    }

    void setZoom(double target, QGraphicsView::ViewportAnchor anchor)
    {
        target = std::clamp(target, kMinZoom, kMaxZoom);
        const double factor = target / q->zoom();
        if (qFuzzyCompare(factor, 1.0))
            return;
        const QGraphicsView::ViewportAnchor old = q->transformationAnchor();
        q->setTransformationAnchor(anchor);
        q->scale(factor, factor);
        q->setTransformationAnchor(old);
    }

    void endSpacePan()
    {
        spacePan = false;
        q->setDragMode(QGraphicsView::RubberBandDrag);
        q->setInteractive(true);
    }
};

GraphEditorView::GraphEditorView(GraphDocument *doc, QWidget *parent)
    : QGraphicsView(parent)
    , d(new Private)
{
    d->q = this;
    d->doc = doc;
    d->scene = new QGraphicsScene(this);
    setScene(d->scene);

    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setDragMode(RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setViewportUpdateMode(SmartViewportUpdate);
    // Panning is by drag and wheel over a scene with wide margins: scroll bars would only mislead.
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    setContextMenuPolicy(Qt::ActionsContextMenu);

    d->createActions();

    connect(d->scene, &QGraphicsScene::selectionChanged, this, [this] { d->selectionChanged(); });
    connect(doc, &GraphDocument::documentReset, this, [this] { d->rebuild(); });
    connect(doc, &GraphDocument::nodeAdded, this, [this](const QString &id) {
        GraphNodeItem *item = d->createNode(id);
        item->setPos(d->positionFor(id));
        d->syncEdges();
        d->updateSceneRect();
    });
    connect(doc, &GraphDocument::nodeRemoved, this, [this](const QString &id) {
        GraphNodeItem *item = d->nodes.take(id);
        d->relations.remove(id);
        d->autoPositions.remove(id);
        d->pressPositions.remove(id);
        d->syncEdges(); // deletes the edges that touched it
        delete item;
    });
    connect(doc, &GraphDocument::nodeChanged, this, [this](const QString &id) {
        d->refreshNode(id);
        d->syncEdges();
    });
    connect(doc, &GraphDocument::nodeRenamed, this, [this](const QString &oldId, const QString &newId) {
        if (GraphNodeItem *item = d->nodes.take(oldId)) {
            item->setId(newId);
            d->nodes.insert(newId, item);
        }
        if (d->shownEntry == oldId) // the item marked is known by its new id
            d->shownEntry = newId;
        if (d->autoPositions.contains(oldId))
            d->autoPositions.insert(newId, d->autoPositions.take(oldId));
        if (d->states.contains(oldId))
            d->states.insert(newId, d->states.take(oldId));
        d->relations.remove(oldId);
        // References to the node were renamed too: every title, line and edge may have changed.
        const QStringList ids = d->doc->nodeIds();
        for (const QString &id : ids)
            d->refreshNode(id);
        d->refreshEntry();
        d->syncEdges();
        if (d->lastSelected == oldId)
            d->selectionChanged();
    });
    connect(doc, &GraphDocument::nodeMoved, this, [this](const QString &id) {
        if (GraphNodeItem *item = d->nodes.value(id))
            item->setPos(d->positionFor(id));
        d->updateSceneRect();
        d->scheduleReroute();
    });
    connect(doc, &GraphDocument::graphChanged, this, [this] { d->refreshEntry(); });

    d->rebuild();
}

GraphEditorView::~GraphEditorView()
{
    // The scene goes first, while d is alive: deleting selected items emits selectionChanged.
    disconnect(d->scene, nullptr, this, nullptr);
    d->nodes.clear();
    d->edges.clear();
    const QList<GraphEdgeItem *> loose = d->takeLayeredEdges();
    delete d->scene;
    qDeleteAll(loose);
    delete d;
}

GraphDocument *GraphEditorView::document() const
{
    return d->doc;
}

QString GraphEditorView::selectedNode() const
{
    const QStringList ids = selectedNodes();
    return ids.isEmpty() ? QString() : ids.first();
}

QStringList GraphEditorView::selectedNodes() const
{
    QStringList ids;
    if (d->scene->selectedItems().isEmpty())
        return ids; // no look at every node of the document
    const QStringList all = d->doc->nodeIds();
    for (const QString &id : all) {
        GraphNodeItem *item = d->nodes.value(id);
        if (item && item->isSelected())
            ids.append(id);
    }
    return ids;
}

void GraphEditorView::setNodeStates(const QHash<QString, QString> &states)
{
    if (states.isEmpty() && d->states.isEmpty())
        return; // every node neutral already (a reset run after a load: no look at each node)
    d->states = states;
    for (auto it = d->nodes.cbegin(); it != d->nodes.cend(); ++it)
        it.value()->setState(states.value(it.key()));
}

QList<QAction *> GraphEditorView::editActions() const
{
    return d->actions;
}

double GraphEditorView::zoom() const
{
    return transform().m11();
}

void GraphEditorView::selectNode(const QString &id)
{
    d->selectOnly(id.isEmpty() ? QStringList() : QStringList{id});
    if (GraphNodeItem *item = d->nodes.value(id))
        centerOn(item);
}

void GraphEditorView::autoLayout()
{
    if (d->nodes.isEmpty())
        return;
    d->doc->setNodePositions(d->layoutPositions(d->doc->nodeIds()), tr("Auto layout"));
    d->adjustAllEdges();
    if (isVisible())
        fitAll();
    else
        d->fitPending = true;
}

void GraphEditorView::zoomIn()
{
    d->setZoom(zoom() * 1.25, AnchorViewCenter);
}

void GraphEditorView::zoomOut()
{
    d->setZoom(zoom() / 1.25, AnchorViewCenter);
}

void GraphEditorView::fitAll()
{
    d->fitPending = false;
    QRectF r = d->itemsBounds();
    if (r.isNull()) {
        resetTransform();
        return;
    }
    d->updateSceneRect(r);
    r.adjust(-30, -30, 30, 30);
    // The scale fitInView would reach (the view only ever scales), set at once: a fit that
    // changes nothing (the window's fit after the load's) repaints nothing.
    const QRectF room = QRectF(viewport()->rect()).adjusted(2, 2, -2, -2);
    double z = zoom();
    if (!room.isEmpty() && r.width() > 0 && r.height() > 0)
        z = std::min(room.width() / r.width(), room.height() / r.height());
    z = std::clamp(z, kMinZoom, kFitMaxZoom);
    const QTransform fitted = QTransform::fromScale(z, z);
    if (transform() != fitted)
        setTransform(fitted);
    centerOn(r.center());
}

void GraphEditorView::addNodeAtCenter()
{
    const QString id = d->doc->uniqueNodeId(u"node"_s);
    const QPointF centre = mapToScene(viewport()->rect().center());
    {
        Private::PositionEdit edit(d, tr("Add node"), false);
        if (!d->doc->addNode(id, rounded(centre - QPointF(75, 30))))
            return;
    }
    d->selectOnly({id});
}

void GraphEditorView::deleteSelected()
{
    const QStringList ids = selectedNodes();
    if (ids.isEmpty())
        return;
    QUndoStack *stack = d->doc->undoStack();
    if (ids.size() > 1)
        stack->beginMacro(tr("Delete %n nodes", nullptr, int(ids.size())));
    for (const QString &id : ids)
        d->doc->removeNode(id);
    if (ids.size() > 1)
        stack->endMacro();
}

void GraphEditorView::duplicateSelected()
{
    const QStringList ids = selectedNodes();
    if (ids.isEmpty())
        return;
    QStringList added;
    {
        Private::PositionEdit edit(d, tr("Duplicate"), ids.size() > 1);
        for (const QString &id : ids) {
            const QString copy = d->doc->duplicateNode(id);
            if (!copy.isEmpty())
                added.append(copy);
        }
    }
    d->selectOnly(added);
}

void GraphEditorView::copySelected()
{
    const QStringList ids = selectedNodes();
    if (ids.isEmpty())
        return;
    const QByteArray data = d->doc->copyNodes(ids);
    auto *mime = new QMimeData;
    mime->setData(kNodesMimeType, data);
    mime->setText(QString::fromUtf8(data));
    QGuiApplication::clipboard()->setMimeData(mime);
    d->pasteCount = 0;
}

void GraphEditorView::paste()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (!mime)
        return;
    const QByteArray data = mime->hasFormat(kNodesMimeType) ? mime->data(kNodesMimeType) : mime->text().toUtf8();
    if (data.trimmed().isEmpty())
        return;
    // Each paste of the same clipboard lands a step further, so copies never hide each other.
    ++d->pasteCount;
    QStringList added;
    {
        Private::PositionEdit edit(d, tr("Paste"), false);
        added = d->doc->pasteNodes(data, QPointF(40, 40) * d->pasteCount);
    }
    if (!added.isEmpty())
        d->selectOnly(added);
}

// --- events -------------------------------------------------------------------------------

void GraphEditorView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton) {
        d->panning = true;
        d->panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) {
        // The context menu acts on what was clicked.
        GraphNodeItem *node = d->nodeAt(event->position().toPoint());
        if (node && !node->isSelected())
            d->selectOnly({node->id()});
    }
    if (event->button() == Qt::LeftButton && isInteractive()) {
        d->pressPositions.clear();
        for (auto it = d->nodes.cbegin(); it != d->nodes.cend(); ++it)
            d->pressPositions.insert(it.key(), it.value()->pos());
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphEditorView::mouseMoveEvent(QMouseEvent *event)
{
    if (d->panning) {
        const QPoint pos = event->position().toPoint();
        const QPoint delta = pos - d->panLast;
        d->panLast = pos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphEditorView::mouseReleaseEvent(QMouseEvent *event)
{
    if (d->panning && event->button() == Qt::MiddleButton) {
        d->panning = false;
        viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton)
        d->commitMoves();
}

void GraphEditorView::mouseDoubleClickEvent(QMouseEvent *event)
{
    QGraphicsView::mouseDoubleClickEvent(event);
    if (event->button() != Qt::LeftButton)
        return;
    if (GraphNodeItem *node = d->nodeAt(event->position().toPoint()))
        Q_EMIT nodeActivated(node->id());
}

void GraphEditorView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const int delta = event->angleDelta().y();
        if (delta != 0)
            d->setZoom(zoom() * std::pow(1.0015, delta), AnchorUnderMouse);
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

void GraphEditorView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && event->modifiers() == Qt::NoModifier) {
        // Space held: the left button pans (ScrollHandDrag) instead of selecting or moving.
        if (!event->isAutoRepeat() && !d->spacePan && !d->panning) {
            d->spacePan = true;
            setInteractive(false);
            setDragMode(ScrollHandDrag);
        }
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphEditorView::keyReleaseEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat() && d->spacePan) {
        d->endSpacePan();
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void GraphEditorView::focusOutEvent(QFocusEvent *event)
{
    if (d->spacePan)
        d->endSpacePan();
    QGraphicsView::focusOutEvent(event);
}

void GraphEditorView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    if (d->fitPending)
        fitAll();
}

void GraphEditorView::drawBackground(QPainter *painter, const QRectF &rect)
{
    painter->fillRect(rect, QColor(0xf6, 0xf8, 0xfa));
    const double z = zoom();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    auto grid = [&](qreal step, const QColor &color) {
        if (step * z < 8) // denser than 8 pixels is noise
            return;
        QList<QLineF> lines;
        for (qreal x = std::floor(rect.left() / step) * step; x <= rect.right(); x += step)
            lines.append(QLineF(x, rect.top(), x, rect.bottom()));
        for (qreal y = std::floor(rect.top() / step) * step; y <= rect.bottom(); y += step)
            lines.append(QLineF(rect.left(), y, rect.right(), y));
        painter->setPen(QPen(color, 0)); // cosmetic: one pixel at any zoom
        painter->drawLines(lines);
    };
    grid(20, QColor(0xec, 0xef, 0xf2));
    grid(100, QColor(0xdc, 0xe2, 0xe7));
    painter->restore();
}

} // namespace ascope
