// Scene items of the graph editor (grapheditor.h): node boxes (title, one line of pseudo-Python
// per step, run-state colour) and relation edges (bezier, arrowhead, operation label), plus the
// pure functions that turn a node's JSON into those lines and edges. Items only paint and keep
// their edges attached; the view owns the document and every edit.
#pragma once

#include <QColor>
#include <QGraphicsItem>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QJsonArray;

namespace ascope {

class GraphEdgeItem;
class GraphEdgeLayer;

// --- what a node shows ------------------------------------------------------------------------

// "fetch(d=1, retries=3)": the id and the parameters with their defaults.
QString nodeTitle(const QJsonObject &node);
// One step as compact pseudo-Python ("$r = gather [a, b×3]", "try: sleep 5 finally: sleep 0"),
// nested bodies folded into the same line.
QString stepSummary(const QJsonObject &step);
// The top-level steps of a node, one summary each.
QStringList nodeLines(const QJsonObject &node);

// A relation of a node to another node, found anywhere in its steps (nested bodies included):
// one per (to, op), `count` the number of tasks or coroutines it makes (sum of "count" fields).
struct GraphRelation {
    QString to;
    QString op; // await, spawn, gather, wait, as_completed, taskgroup, wait_for, shield
    int count = 0;
    friend bool operator==(const GraphRelation &, const GraphRelation &) = default;
};
QList<GraphRelation> nodeRelations(const QJsonObject &node);

// Fill colour of a run state name ("running", ...); invalid for unknown names and "".
QColor stateColor(const QString &state);

// --- items --------------------------------------------------------------------------------------

// A node box's text laid out: the lines it shows and the box's size.
struct GraphNodeText {
    QStringList shown;
    QSizeF size;
    bool ready = false; // false: not worked out (the item measures it itself)
};

// The layout of node text in the editor's fonts, made on the GUI thread. Exact, it measures with
// the fonts as the items do; else it only adds up the advances of ASCII characters, which can be
// used on any thread (many at once) and gives up (ready false) where that does not tell.
class GraphNodeTextMeasure
{
public:
    explicit GraphNodeTextMeasure(bool exact = false);
    ~GraphNodeTextMeasure();
    Q_DISABLE_COPY_MOVE(GraphNodeTextMeasure)
    GraphNodeText layout(const QString &title, const QStringList &lines, bool entry) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

class GraphNodeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 601 };

    explicit GraphNodeItem(const QString &id);
    // With its content already (one text layout instead of two).
    GraphNodeItem(const QString &id, const QString &title, const QStringList &lines);
    // ... and its entry mark, text laid out (none when not ready) and maybe its position.
    GraphNodeItem(const QString &id, const QString &title, const QStringList &lines, bool entry,
                  const GraphNodeText &text, const QPointF *pos = nullptr);
    ~GraphNodeItem() override;

    int type() const override { return Type; }
    QString id() const { return m_id; }
    void setId(const QString &id);
    // Title and step lines; the box resizes to fit (within limits, longer lines are elided).
    void setContent(const QString &title, const QStringList &lines);
    void setEntry(bool entry);
    bool isEntry() const { return m_entry; }
    void setState(const QString &state); // "" = neutral
    QString state() const { return m_state; }

    QSizeF boxSize() const { return m_size; }
    QRectF sceneBox() const { return QRectF(pos(), m_size); }
    const QList<GraphEdgeItem *> &edges() const { return m_edges; }
    // Re-routes the edges whose shape depends on this node (its own and its neighbours').
    void adjustEdges();
    // Changes whenever a node item comes, goes, moves or changes size (any scene's): what was
    // measured of the nodes at one value still holds while it stays.
    static quint64 geometryGeneration();

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    friend class GraphEdgeItem;
    void relayoutText();
    void setText(const GraphNodeText &text);

    QString m_id;
    QString m_title;
    QStringList m_lines; // as given
    QStringList m_shown; // elided, at most kMaxLines (+ "… n more")
    QSizeF m_size;
    QString m_state;
    bool m_entry = false;
    bool m_hovered = false;
    QList<GraphEdgeItem *> m_edges;
    // GraphEdgeItem::adjustMany's pass that last did this node's bottom side, top side, and
    // its edges as a source (no set of nodes per pass)
    quint64 m_passDone[3] = {0, 0, 0};
};

class GraphEdgeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 602 };

    GraphEdgeItem(GraphNodeItem *from, GraphNodeItem *to, const QString &op, int count);
    ~GraphEdgeItem() override; // detaches from both nodes

    int type() const override { return Type; }
    GraphNodeItem *from() const { return m_from; }
    GraphNodeItem *to() const { return m_to; }
    QString op() const { return m_op; }
    int count() const { return m_count; }
    void setCount(int count);
    QString label() const; // "gather ×3"
    QPainterPath path() const { return m_path; }

    // Recomputes the curve from the current geometry of both nodes (and its label's place,
    // avoiding node boxes and the labels already placed).
    void adjust();
    // Re-routes all these edges in this order, labels placed afresh.
    static void adjustAll(const QList<GraphEdgeItem *> &edges);
    // Re-routes these edges in this order (labels avoid the ones already placed). Ports and
    // parallel ranks are worked out once per node, not once per edge; beyond
    // kDetailedRoutingLimit edges the curves are plain (no detours round boxes, labels at their
    // preferred spot): with that many, a detour would be lost in the crowd and cost O(n) each.
    static void adjustMany(const QList<GraphEdgeItem *> &edges);
    static constexpr int kDetailedRoutingLimit = 2000;

    // Out of the scene, drawn by this layer instead (nullptr: an item of the scene itself).
    void setLayer(GraphEdgeLayer *layer) { m_layer = layer; }
    GraphEdgeLayer *layer() const { return m_layer; }
    // Asks for a repaint of the edge, wherever it is drawn.
    void repaint();

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    friend class GraphNodeItem;
    friend class GraphEdgeLayer;
    // Far out: the curve as straight pieces and the arrowhead's outline, the pieces that meet
    // clip only.
    void appendOutline(QList<QLineF> &lines, const QRectF &clip) const;
    // Whether anything it draws (curve, arrowhead, label) may fall in rect: its bounding box may
    // cross a view that its curve does not.
    bool mayMeet(const QRectF &rect) const;
    enum class Route : quint8 { Loop, Down, Up, Side };
    static Route routeOf(const GraphEdgeItem *edge);
    static QList<const GraphEdgeItem *> downSiblings(const GraphNodeItem *node, bool atSource);
    qreal portFraction(bool atSource) const;
    int parallelIndex() const;
    void reroute(qreal sourcePort, qreal targetPort, int parallel, bool detailed);
    // What reroute draws, from the boxes of the ends; detailed, it looks at the scene (boxes in
    // the way, labels placed), plain it reads nothing but the two nodes (so on any thread).
    struct Geometry {
        QPainterPath path;
        QPolygonF arrow;
        QRectF labelRect;
        QRectF bounds;
    };
    Geometry routed(qreal sourcePort, qreal targetPort, int parallel, bool detailed, QSizeF labelSize,
                    qreal header) const;
    void setGeometry(Geometry geometry); // prepareGeometryChange done
    // Plain routes of many edges worked out by two threads, then set here.
    static void reroutePlain(const QList<GraphEdgeItem *> &edges);

    GraphNodeItem *m_from;
    GraphNodeItem *m_to;
    QString m_op;
    int m_count;
    QPainterPath m_path;
    QPolygonF m_arrow;
    QRectF m_labelRect; // in scene coordinates
    QRectF m_bounds;
    // adjustMany's precomputed ports (fraction along the side) and parallel rank
    qreal m_sourcePort = 0.5;
    qreal m_targetPort = 0.5;
    int m_parallel = 0;
    GraphEdgeLayer *m_layer = nullptr;
};

// Many edges drawn as one item (the editor uses it beyond kLayerFrom edges): the edges stay out
// of the scene, so 100,000 of them cost no index entries and no item painted each; far out,
// their pieces are drawn with one call per colour. The edges are not owned.
class GraphEdgeLayer : public QGraphicsItem
{
public:
    enum { Type = UserType + 603 };
    static constexpr int kLayerFrom = 10000;

    GraphEdgeLayer();
    int type() const override { return Type; }
    // The edges drawn, in this order (the ones drawn later are on top); each is told its layer.
    void setEdges(const QList<GraphEdgeItem *> &edges);
    const QList<GraphEdgeItem *> &edges() const { return m_edges; }
    // An edge moved from `before` to its current bounds.
    void edgeChanged(const QRectF &before, const QRectF &after);

    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QList<GraphEdgeItem *> m_edges;
    QRectF m_bounds;
};

} // namespace ascope
