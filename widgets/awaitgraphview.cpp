#include "awaitgraphview.h"

#include "engine.h"
#include "tasktablemodel.h"

#include <QFontMetricsF>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPainterPath>
#include <QtMath>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr double kNodeWidth = 190;
constexpr double kNodeHeight = 58;
constexpr double kColumnGap = 46;
constexpr double kLayerGap = 74;
const QColor kCycle(0xd3, 0x2f, 0x2f);

QGraphicsSimpleTextItem *addText(QGraphicsItem *parent, const QString &text, const QFont &font, const QColor &colour,
                                 double y)
{
    auto *item = new QGraphicsSimpleTextItem(parent);
    const QFontMetricsF metrics(font);
    item->setText(metrics.elidedText(text, Qt::ElideRight, kNodeWidth - 12));
    item->setFont(font);
    item->setBrush(colour);
    item->setPos(6, y);
    return item;
}

// An arrow head at `tip`, pointing along `direction`.
QPolygonF arrowHead(QPointF tip, QPointF direction)
{
    const double length = std::hypot(direction.x(), direction.y());
    if (length <= 0)
        return {};
    const QPointF u = direction / length;
    const QPointF n(-u.y(), u.x());
    return QPolygonF({tip, tip - u * 10 + n * 4.5, tip - u * 10 - n * 4.5});
}

} // namespace

AwaitGraphView::AwaitGraphView(QWidget *parent)
    : QGraphicsView(parent)
{
    auto *scene = new QGraphicsScene(this);
    setScene(scene);
    setRenderHint(QPainter::Antialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    setBackgroundBrush(Qt::white);
    connect(scene, &QGraphicsScene::selectionChanged, this, &AwaitGraphView::onSelectionChanged);
    rebuildScene();
}

AwaitGraphView::~AwaitGraphView() = default;

void AwaitGraphView::setEngine(Engine *engine)
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    if (engine) {
        connect(engine, &Engine::progressed, this, &AwaitGraphView::refresh);
        connect(engine, &Engine::finished, this, &AwaitGraphView::refresh);
    }
    refresh();
}

void AwaitGraphView::setTime(double t)
{
    m_time = t;
    refresh();
}

void AwaitGraphView::followLive()
{
    m_time = std::numeric_limits<double>::infinity();
    refresh();
}

void AwaitGraphView::refresh()
{
    // build() reads the whole trace: not for every batch of a run while the view is hidden (a
    // tab behind another); showing it brings it up to date.
    if (!isVisible() && m_engine) {
        m_stale = true;
        return;
    }
    m_stale = false;
    m_graph = m_engine ? AwaitGraph::build(*m_engine, m_time) : AwaitGraph();
    rebuildScene();
}

void AwaitGraphView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    if (m_stale)
        refresh();
}

void AwaitGraphView::rebuildScene()
{
    const QString selected = selectedTask();
    m_selecting = true;
    scene()->clear();
    m_items.clear();

    QFont bold = font();
    bold.setBold(true);
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);

    const std::vector<AwaitGraph::Node> &nodes = m_graph.nodes();
    if (nodes.empty()) {
        auto *text = scene()->addSimpleText(
            m_engine ? tr("No task is pending at t = %1 s.").arg(QString::number(m_graph.time(), 'f', 3))
                     : tr("No run."));
        text->setBrush(palette().color(QPalette::PlaceholderText));
        scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20));
        resetTransform(); // the message at its size, whatever the last graph's zoom was
        m_selecting = false;
        return;
    }

    // Layers centred on each other.
    std::vector<int> width(size_t(m_graph.layerCount()), 0);
    for (const AwaitGraph::Node &n : nodes)
        width[size_t(n.layer)] = std::max(width[size_t(n.layer)], n.slot + 1);
    const int widest = *std::max_element(width.begin(), width.end());
    std::vector<QRectF> rects;
    rects.reserve(nodes.size());
    for (const AwaitGraph::Node &n : nodes) {
        const double offset = (widest - width[size_t(n.layer)]) * (kNodeWidth + kColumnGap) / 2;
        rects.emplace_back(offset + n.slot * (kNodeWidth + kColumnGap), n.layer * (kNodeHeight + kLayerGap), kNodeWidth,
                           kNodeHeight);
    }

    for (size_t i = 0; i < nodes.size(); ++i) {
        const AwaitGraph::Node &n = nodes[i];
        const QColor stateColour = n.isFuture() ? QColor(0x61, 0x61, 0x61) : TaskTableModel::stateColour(n.state);
        auto *item = new QGraphicsRectItem(QRectF(QPointF(0, 0), rects[i].size()));
        item->setPos(rects[i].topLeft());
        QPen border(n.inCycle ? kCycle : stateColour, n.inCycle ? 3 : 1.5);
        if (n.isFuture())
            border.setStyle(Qt::DashLine);
        item->setPen(border);
        item->setBrush(n.inCycle ? QColor(0xff, 0xeb, 0xee) : QColor(0xfa, 0xfa, 0xfa));
        item->setZValue(2);
        if (!n.isFuture())
            item->setFlag(QGraphicsItem::ItemIsSelectable);
        item->setData(0, n.name);
        const QString kind = n.isFuture() ? tr("future") : n.node + u" · "_s + n.state;
        addText(item, n.name, bold, Qt::black, 4);
        addText(item, kind, small, stateColour, 22);
        addText(item, n.isFuture() ? tr("no task resolves it") : n.awaits, small, QColor(0x42, 0x42, 0x42), 38);
        item->setToolTip(n.awaits.isEmpty() ? n.name : n.name + u": "_s + n.awaits);
        scene()->addItem(item);
        m_items.insert(n.name, item);
    }

    for (const AwaitGraph::Edge &e : m_graph.edges()) {
        const QRectF &from = rects[size_t(e.from)];
        const QRectF &to = rects[size_t(e.to)];
        QPainterPath path;
        QPointF tip;
        QPointF direction;
        if (to.top() > from.bottom()) { // down to a deeper layer
            const QPointF start(from.center().x(), from.bottom());
            tip = QPointF(to.center().x(), to.top());
            const double bend = (tip.y() - start.y()) / 2;
            path.moveTo(start);
            path.cubicTo(start + QPointF(0, bend), tip - QPointF(0, bend), tip);
            direction = QPointF(0, 1);
        } else { // back up (a cycle) or sideways: around the right-hand side
            const QPointF start(from.right(), from.center().y() + 8);
            tip = QPointF(to.right(), to.center().y() - 8);
            const double reach = std::max(40.0, std::abs(start.y() - tip.y()) / 3);
            path.moveTo(start);
            path.cubicTo(start + QPointF(reach, 0), tip + QPointF(reach, 0), tip);
            direction = QPointF(-1, 0);
        }
        const QColor colour = e.inCycle ? kCycle : QColor(0x54, 0x6e, 0x7a);
        auto *line = scene()->addPath(path, QPen(colour, e.inCycle ? 2.5 : 1.5));
        line->setZValue(1);
        auto *head = scene()->addPolygon(arrowHead(tip, direction), QPen(colour), colour);
        head->setZValue(1);
        auto *label = scene()->addSimpleText(e.label, small);
        label->setBrush(colour);
        const QPointF middle = path.pointAtPercent(0.5);
        label->setPos(middle + QPointF(4, -label->boundingRect().height() / 2));
        label->setZValue(3);
    }

    scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20));
    m_selecting = false;
    selectTask(selected);
    fit();
}

void AwaitGraphView::fit()
{
    // Shrink to fit, never enlarge, never below 60 % (the text stays readable; scroll for more).
    resetTransform();
    const QRectF rect = sceneRect();
    const QSize area = viewport()->size();
    if (rect.isEmpty() || area.isEmpty())
        return;
    const double scale = std::min({1.0, area.width() / rect.width(), area.height() / rect.height()});
    if (scale < 1.0)
        this->scale(std::max(scale, 0.6), std::max(scale, 0.6));
}

void AwaitGraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fit();
}

QPointF AwaitGraphView::nodeCenter(const QString &name) const
{
    const QGraphicsRectItem *item = m_items.value(name);
    return item ? item->mapToScene(item->rect().center()) : QPointF();
}

QString AwaitGraphView::selectedTask() const
{
    const QList<QGraphicsItem *> items = scene()->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(0).toString();
}

void AwaitGraphView::selectTask(const QString &name)
{
    m_selecting = true;
    scene()->clearSelection();
    if (QGraphicsRectItem *item = m_items.value(name)) {
        item->setSelected(true);
        ensureVisible(item);
    }
    m_selecting = false;
}

void AwaitGraphView::onSelectionChanged()
{
    if (m_selecting)
        return;
    const QString name = selectedTask();
    if (!name.isEmpty())
        Q_EMIT taskActivated(name);
}

} // namespace ascope
