#include "timelineview.h"

#include "engine.h"
#include "tasktablemodel.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

// Painting more wake arrows than this in the visible time range says nothing: skip them all.
constexpr size_t kMaxArrows = 2000;
constexpr int kIndent = 12;
constexpr int kCursorGrab = 4; // pixels either side of the cursor line that grab it

QColor phaseColour(TaskPhase p)
{
    return TaskTableModel::stateColour(QString::fromLatin1(taskPhaseName(p)));
}

bool isTerminal(TaskPhase p)
{
    return p == TaskPhase::Done || p == TaskPhase::Failed || p == TaskPhase::Cancelled || p == TaskPhase::Destroyed;
}

QString seconds(double t)
{
    return QString::number(t, 'f', 3) + u" s"_s;
}

void arrowHead(QPainter &p, QPointF tip, QPointF from)
{
    const QPointF d = tip - from;
    const double len = std::hypot(d.x(), d.y());
    if (len < 1)
        return;
    const QPointF u = d / len;
    const QPointF n(-u.y(), u.x());
    const QPointF base = tip - u * 6;
    const QPointF pts[3] = {tip, base + n * 3, base - n * 3};
    p.drawPolygon(pts, 3);
}

} // namespace

TimelineView::TimelineView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus); // keys: +/- zoom, 0 or Home fits
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    verticalScrollBar()->setSingleStep(kRowHeight);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (m_updatingBars)
            return;
        m_autoFit = false;
        const double minStart = m_scale.lowerBound() - timeWidth() / m_scale.pixelsPerSecond() / 2;
        m_scale.panByPixels((minStart + v * m_barUnit / m_scale.pixelsPerSecond() - m_scale.start())
                            * m_scale.pixelsPerSecond());
        viewport()->update();
    });
    updateBounds();
    m_scale.fit(0, 1, timeWidth(), kTimeMargin);
}

TimelineView::~TimelineView() = default;

QSize TimelineView::sizeHint() const
{
    return {900, 400};
}

void TimelineView::setEngine(Engine *engine)
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    m_data.setEngine(engine);
    m_collapsedTasks.clear();
    m_collapsedGroups.clear();
    m_selected = -1;
    m_cursor = 0;
    m_autoFit = true;
    m_linesFor = -1;
    if (engine) {
        connect(engine, &Engine::progressed, this, &TimelineView::refresh);
        connect(engine, &Engine::finished, this, &TimelineView::refresh);
        connect(engine, &QObject::destroyed, this, [this] { setEngine(nullptr); });
    }
    rebuildLines();
    updateBounds();
    fit();
}

Engine *TimelineView::engine() const
{
    return m_engine.data();
}

void TimelineView::refresh()
{
    if (!m_data.refresh())
        return;
    if (m_data.taskCount() != m_linesFor)
        rebuildLines();
    updateBounds();
    if (m_autoFit)
        fit();
    else
        scaleChanged();
}

int TimelineView::timeWidth() const
{
    return std::max(1, viewport()->width() - kLabelWidth);
}

void TimelineView::rebuildLines()
{
    m_lines = m_data.lines(m_collapsedTasks, m_collapsedGroups);
    m_lineOfTask.assign(size_t(m_data.taskCount()), -1);
    for (size_t i = 0; i < m_lines.size(); ++i) {
        if (m_lines[i].node >= 0)
            m_lineOfTask[size_t(m_lines[i].node)] = qint32(i);
    }
    m_linesFor = m_data.taskCount();
    const int rowsHeight = int(m_lines.size()) * kRowHeight;
    verticalScrollBar()->setRange(0, std::max(0, rowsHeight - (viewport()->height() - kAxisHeight)));
    verticalScrollBar()->setPageStep(std::max(1, viewport()->height() - kAxisHeight));
    viewport()->update();
}

void TimelineView::updateBounds()
{
    const double end = std::max(m_data.endTime(), m_data.startTime() + 1e-3);
    m_scale.setBounds(m_data.startTime(), end);
    m_scale.setWidth(timeWidth());
}

void TimelineView::fit()
{
    m_scale.fit(m_data.startTime(), std::max(m_data.endTime(), m_data.startTime() + 1e-3), timeWidth(), kTimeMargin);
    m_autoFit = true;
    scaleChanged();
}

void TimelineView::scaleChanged()
{
    updateScrollBars();
    viewport()->update();
}

void TimelineView::updateScrollBars()
{
    // The bar spans every start the pan clamp allows: (hi - lo) at the current zoom, in units
    // of m_barUnit pixels so that a deep zoom stays within an int.
    const double pps = m_scale.pixelsPerSecond();
    const double total = (m_scale.upperBound() - m_scale.lowerBound()) * pps;
    m_barUnit = std::max(1.0, total / 1e8);
    const double minStart = m_scale.lowerBound() - timeWidth() / pps / 2;
    m_updatingBars = true;
    horizontalScrollBar()->setRange(0, int(total / m_barUnit));
    horizontalScrollBar()->setPageStep(std::max(1, int(timeWidth() / m_barUnit)));
    horizontalScrollBar()->setSingleStep(std::max(1, int(20 / m_barUnit)));
    horizontalScrollBar()->setValue(int(std::lround((m_scale.start() - minStart) * pps / m_barUnit)));
    m_updatingBars = false;
}

void TimelineView::resizeEvent(QResizeEvent *e)
{
    QAbstractScrollArea::resizeEvent(e);
    updateBounds();
    if (m_autoFit)
        m_scale.fit(m_data.startTime(), std::max(m_data.endTime(), m_data.startTime() + 1e-3), timeWidth(),
                    kTimeMargin);
    rebuildLines();
    updateScrollBars();
}

void TimelineView::scrollContentsBy(int, int)
{
    viewport()->update();
}

void TimelineView::selectTask(const QString &name)
{
    m_selected = m_data.taskByName(name);
    if (m_selected >= 0 && m_lineOfTask[size_t(m_selected)] >= 0) {
        const int top = m_lineOfTask[size_t(m_selected)] * kRowHeight;
        QScrollBar *v = verticalScrollBar();
        if (top < v->value() || top + kRowHeight > v->value() + v->pageStep())
            v->setValue(top - v->pageStep() / 2);
    }
    viewport()->update();
}

QString TimelineView::selectedTask() const
{
    return m_selected >= 0 ? m_data.name(m_selected) : QString();
}

void TimelineView::setCursorTime(double t)
{
    m_cursor = t;
    viewport()->update();
}

void TimelineView::toggle(qint32 node)
{
    std::vector<char> &flags = node >= 0 ? m_collapsedTasks : m_collapsedGroups;
    const size_t i = node >= 0 ? size_t(node) : size_t(-1 - node);
    if (flags.size() <= i)
        flags.resize(i + 1, 0);
    flags[i] = !flags[i];
    rebuildLines();
}

void TimelineView::setCollapsed(const QString &taskName, bool collapsed)
{
    const int task = m_data.taskByName(taskName);
    if (task >= 0 && isCollapsed(taskName) != collapsed)
        toggle(task);
}

bool TimelineView::isCollapsed(const QString &taskName) const
{
    const int task = m_data.taskByName(taskName);
    return task >= 0 && size_t(task) < m_collapsedTasks.size() && m_collapsedTasks[size_t(task)];
}

int TimelineView::lineCenterY(int line) const
{
    return kAxisHeight + line * kRowHeight - verticalScrollBar()->value() + kRowHeight / 2;
}

int TimelineView::timeToViewportX(double t) const
{
    return kLabelWidth + int(std::lround(m_scale.toPixel(t)));
}

int TimelineView::lineAt(int y) const
{
    if (y < kAxisHeight)
        return -1;
    const int line = (y - kAxisHeight + verticalScrollBar()->value()) / kRowHeight;
    return line < int(m_lines.size()) ? line : -1;
}

// ------------------------------------------------------------------------------- painting

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    const QRect all = viewport()->rect();
    p.fillRect(all, palette().base());
    const QRect timeRect(kLabelWidth, kAxisHeight, all.width() - kLabelWidth, all.height() - kAxisHeight);

    const int scrollY = verticalScrollBar()->value();
    const int firstLine = std::max(0, scrollY / kRowHeight);
    const int lastLine = std::min(int(m_lines.size()) - 1, (scrollY + timeRect.height() + kRowHeight - 1) / kRowHeight);

    // grid lines under everything
    p.save();
    p.setClipRect(timeRect);
    p.setPen(QColor(0, 0, 0, 18));
    for (const TimeScale::Tick &t : m_scale.ticks())
        p.drawLine(QPointF(kLabelWidth + t.x, kAxisHeight), QPointF(kLabelWidth + t.x, all.height()));
    for (int line = firstLine; line <= lastLine; ++line)
        paintRow(p, line, kAxisHeight + line * kRowHeight - scrollY, timeRect);
    paintArrows(p, firstLine, lastLine, timeRect);

    // injection markers: a dashed line over the rows, a diamond on the target's row
    const std::vector<TimelineData::Marker> &markers = m_data.markers();
    for (const TimelineData::Marker &m : markers) {
        const double x = kLabelWidth + m_scale.toPixel(m.t);
        if (x < timeRect.left() - 6 || x > timeRect.right() + 6)
            continue;
        p.setPen(QPen(QColor(0xd5, 0x00, 0x00), 1, Qt::DashLine));
        p.drawLine(QPointF(x, kAxisHeight), QPointF(x, all.height()));
        if (m.task >= 0 && m_lineOfTask[size_t(m.task)] >= 0) {
            const double y = lineCenterY(m_lineOfTask[size_t(m.task)]);
            p.setPen(Qt::white);
            p.setBrush(QColor(0xd5, 0x00, 0x00));
            const QPointF d[4] = {{x, y - 6}, {x + 6, y}, {x, y + 6}, {x - 6, y}};
            p.drawPolygon(d, 4);
        }
    }
    p.restore();

    paintAxis(p, QRect(kLabelWidth, 0, timeRect.width(), kAxisHeight));
    paintLabels(p, firstLine, lastLine);

    // the time cursor, over the rows and the axis
    const double cx = kLabelWidth + m_scale.toPixel(m_cursor);
    if (cx >= kLabelWidth && cx <= all.width()) {
        const QColor c(0x00, 0x60, 0x64);
        p.setPen(QPen(c, 2));
        p.drawLine(QPointF(cx, 0), QPointF(cx, all.height()));
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        const QPointF handle[3] = {{cx - 6, 0}, {cx + 6, 0}, {cx, 8}};
        p.drawPolygon(handle, 3);
    }
}

void TimelineView::paintRow(QPainter &p, int line, int y, const QRect &timeRect) const
{
    const qint32 node = m_lines[size_t(line)].node;
    if (node == m_selected && node >= 0)
        p.fillRect(QRect(timeRect.left(), y, timeRect.width(), kRowHeight), QColor(0x19, 0x76, 0xd2, 40));
    else if (line % 2)
        p.fillRect(QRect(timeRect.left(), y, timeRect.width(), kRowHeight), QColor(0, 0, 0, 8));
    if (node < 0)
        return;
    const int task = node;
    const double visibleStart = m_scale.start();
    const double visibleEnd = m_scale.end();
    const double x0Clip = timeRect.left() - 2;
    const double x1Clip = timeRect.right() + 2;
    const std::span<const TimelineData::Segment> segs = m_data.segments(task);
    const double barTop = y + 3;
    const double barHeight = kRowHeight - 6;

    // The first segment that ends after the visible start.
    size_t i = size_t(std::upper_bound(segs.begin(), segs.end(), visibleStart,
                                       [](double v, const TimelineData::Segment &s) { return v < s.t0; })
                      - segs.begin());
    i = i > 0 ? i - 1 : 0;

    // Sub-pixel segments merge into one pixel run drawn with the colour of its longest part.
    double runX0 = 0, runX1 = 0, runBest = -1;
    const TimelineData::Segment *runSeg = nullptr;
    auto flush = [&] {
        if (!runSeg)
            return;
        const TimelineData::Segment &s = *runSeg;
        const double l = std::max(runX0, x0Clip);
        const double r = std::min(std::max(runX1, runX0 + 1), x1Clip);
        if (r > l) {
            QColor c = phaseColour(s.phase);
            if (isTerminal(s.phase)) {
                // after the end: a faint trail in the outcome's colour, a solid cap at the end
                QColor faint = c;
                faint.setAlpha(50);
                p.fillRect(QRectF(l, barTop + barHeight / 4, r - l, barHeight / 2), faint);
                if (runX0 >= x0Clip)
                    p.fillRect(QRectF(runX0, barTop, 3, barHeight), c);
            } else {
                if (s.phase == TaskPhase::Scheduled)
                    c = c.lighter(250);
                p.fillRect(QRectF(l, barTop, r - l, barHeight), c);
                if (s.cancelling)
                    p.fillRect(QRectF(l, barTop, r - l, barHeight),
                               QBrush(phaseColour(TaskPhase::Cancelled), Qt::BDiagPattern));
                if (s.phase == TaskPhase::Waiting && runX1 - runX0 > 40) {
                    const QString label = m_data.awaitLabel(s.awaiting);
                    const QRectF textRect(l + 4, barTop, r - l - 8, barHeight);
                    if (p.fontMetrics().horizontalAdvance(label) <= textRect.width()) {
                        p.setPen(Qt::white);
                        p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, label);
                    }
                }
            }
        }
        runSeg = nullptr;
    };
    for (; i < segs.size() && segs[i].t0 <= visibleEnd; ++i) {
        const double x0 = timeRect.left() + m_scale.toPixel(segs[i].t0);
        const double x1 = timeRect.left() + m_scale.toPixel(m_data.segmentEnd(task, i));
        if (runSeg && x0 < runX0 + 1 && !isTerminal(segs[i].phase)) {
            // still inside the run's first pixel: extend it
            runX1 = x1;
            if (x1 - x0 > runBest) {
                runBest = x1 - x0;
                runSeg = &segs[i];
            }
            continue;
        }
        flush();
        runX0 = x0;
        runX1 = x1;
        runBest = x1 - x0;
        runSeg = &segs[i];
    }
    flush();

    if (m_data.isOrphan(task)) {
        const double x = std::max(double(timeRect.left()), timeRect.left() + m_scale.toPixel(m_data.orphanSince(task)));
        const double r = std::min(double(timeRect.right()),
                                  timeRect.left() + m_scale.toPixel(std::min(m_data.ended(task), m_data.endTime())));
        if (r > x) {
            p.setPen(QPen(phaseColour(TaskPhase::Failed), 1.5, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRectF(x, y + 1.5, r - x, kRowHeight - 3));
        }
    }
}

void TimelineView::paintArrows(QPainter &p, int firstLine, int lastLine, const QRect &timeRect) const
{
    if (firstLine > lastLine)
        return;
    p.setRenderHint(QPainter::Antialiasing, true);
    const double top = timeRect.top();
    const double bottom = timeRect.bottom();
    auto yOf = [&](int task) {
        const qint32 line = m_lineOfTask[size_t(task)];
        if (line < 0)
            return -1.0;
        return double(std::clamp(lineCenterY(line), int(top) - 4, int(bottom) + 4));
    };

    // spawn: from the creating task's row down (or up) to the child, at its creation time
    QColor spawn(0x60, 0x60, 0x60);
    p.setPen(QPen(spawn, 1));
    p.setBrush(spawn);
    double lastX = -1e9, lastFrom = -1;
    for (int line = firstLine; line <= lastLine; ++line) {
        const qint32 task = m_lines[size_t(line)].node;
        if (task < 0 || m_data.parent(task) < 0)
            continue;
        const double x = timeRect.left() + m_scale.toPixel(m_data.created(task));
        if (x < timeRect.left() || x > timeRect.right())
            continue;
        const double from = yOf(m_data.parent(task));
        if (from < 0)
            continue;
        const QPointF tip(x, lineCenterY(line) - (lineCenterY(line) > from ? 5 : -5));
        // siblings spawned at the same pixel share the shaft drawn for the first one
        if (std::abs(x - lastX) >= 1 || from != lastFrom)
            p.drawLine(QPointF(x, from), tip);
        else
            p.drawLine(QPointF(x, lineCenterY(line - 1)), tip);
        arrowHead(p, tip, QPointF(x, from));
        lastX = x;
        lastFrom = from;
    }

    // wake: from the task whose completion woke a waiter to the waiter, curved to tell it apart
    const std::vector<TimelineData::Wake> &wakes = m_data.wakes();
    auto first = std::lower_bound(wakes.begin(), wakes.end(), m_scale.start(),
                                  [](const TimelineData::Wake &w, double t) { return w.t < t; });
    auto last = std::upper_bound(first, wakes.end(), m_scale.end(),
                                 [](double t, const TimelineData::Wake &w) { return t < w.t; });
    if (size_t(last - first) <= kMaxArrows) {
        const QColor wake(0x15, 0x65, 0xc0);
        p.setPen(QPen(wake, 1.2));
        for (auto it = first; it != last; ++it) {
            const qint32 fromLine = m_lineOfTask[size_t(it->from)];
            const qint32 toLine = m_lineOfTask[size_t(it->to)];
            if (fromLine < 0 || toLine < 0 || (std::max(fromLine, toLine) < firstLine)
                || (std::min(fromLine, toLine) > lastLine))
                continue;
            const double x = timeRect.left() + m_scale.toPixel(it->t);
            const double y0 = yOf(it->from);
            const double y1 = yOf(it->to);
            const QPointF tip(x, y1 + (y1 > y0 ? -5 : 5));
            QPainterPath path(QPointF(x, y0));
            path.quadTo(QPointF(x + 14, (y0 + y1) / 2), tip);
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
            p.setBrush(wake);
            arrowHead(p, tip, QPointF(x + 7, (y0 + y1) / 2));
        }
    }
    p.setRenderHint(QPainter::Antialiasing, false);
}

void TimelineView::paintAxis(QPainter &p, const QRect &axisRect) const
{
    p.fillRect(axisRect, palette().window());
    p.setPen(palette().mid().color());
    p.drawLine(axisRect.bottomLeft(), axisRect.bottomRight());
    p.save();
    p.setClipRect(axisRect);
    p.setPen(palette().text().color());
    const QFontMetrics fm = p.fontMetrics();
    for (const TimeScale::Tick &t : m_scale.ticks()) {
        const double x = axisRect.left() + t.x;
        p.drawLine(QPointF(x, axisRect.bottom() - 5), QPointF(x, axisRect.bottom()));
        // A label that would be cut at the right edge goes to the left of its tick.
        const int w = fm.horizontalAdvance(t.label) + 3;
        const bool left = x + w > axisRect.right() && x - w >= axisRect.left();
        p.drawText(QRectF(left ? x - w : x + 3, axisRect.top(), w, axisRect.height() - 4),
                   Qt::AlignLeft | Qt::AlignVCenter, t.label);
    }
    for (const TimelineData::Marker &m : m_data.markers()) {
        const double x = axisRect.left() + m_scale.toPixel(m.t);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xd5, 0x00, 0x00));
        const QPointF tri[3] = {{x - 5, double(axisRect.bottom() - 9)},
                                {x + 5, double(axisRect.bottom() - 9)},
                                {x, double(axisRect.bottom())}};
        p.drawPolygon(tri, 3);
    }
    p.restore();
}

void TimelineView::paintLabels(QPainter &p, int firstLine, int lastLine) const
{
    const int h = viewport()->height();
    p.fillRect(QRect(0, 0, kLabelWidth, h), palette().window());
    p.setPen(palette().text().color());
    p.drawText(QRect(6, 0, kLabelWidth - 6, kAxisHeight), Qt::AlignVCenter | Qt::AlignLeft,
               tr("%n task(s)", nullptr, m_data.taskCount()));
    p.save();
    p.setClipRect(QRect(0, kAxisHeight, kLabelWidth, h - kAxisHeight));
    const int scrollY = verticalScrollBar()->value();
    QFont italic = p.font();
    italic.setItalic(true);
    const QFont normal = p.font();
    for (int line = firstLine; line <= lastLine; ++line) {
        const TimelineData::Line &l = m_lines[size_t(line)];
        const int y = kAxisHeight + line * kRowHeight - scrollY;
        if (l.node >= 0 && l.node == m_selected)
            p.fillRect(QRect(0, y, kLabelWidth, kRowHeight), palette().highlight());
        const int x = 4 + l.depth * kIndent;
        if (m_data.hasChildren(l.node)) {
            const bool collapsed = l.node >= 0
                ? size_t(l.node) < m_collapsedTasks.size() && m_collapsedTasks[size_t(l.node)]
                : size_t(-1 - l.node) < m_collapsedGroups.size() && m_collapsedGroups[size_t(-1 - l.node)];
            const double cy = y + kRowHeight / 2.0;
            p.setPen(Qt::NoPen);
            p.setBrush(palette().text());
            if (collapsed) {
                const QPointF tri[3] = {{x + 2.0, cy - 4}, {x + 7.0, cy}, {x + 2.0, cy + 4}};
                p.drawPolygon(tri, 3);
            } else {
                const QPointF tri[3] = {{x + 1.0, cy - 2}, {x + 9.0, cy - 2}, {x + 5.0, cy + 3}};
                p.drawPolygon(tri, 3);
            }
        }
        const QRect text(x + 12, y, kLabelWidth - x - 14, kRowHeight);
        const bool selected = l.node >= 0 && l.node == m_selected;
        if (l.node < 0) {
            p.setFont(italic);
            p.setPen(palette().text().color());
            p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft,
                       p.fontMetrics().elidedText(m_data.groupLabel(-1 - l.node), Qt::ElideRight, text.width()));
            p.setFont(normal);
            continue;
        }
        QString name = m_data.name(l.node);
        if (m_data.isOrphan(l.node))
            name += tr(" (orphan)");
        p.setPen(selected                      ? palette().highlightedText().color()
                     : m_data.isOrphan(l.node) ? phaseColour(TaskPhase::Failed)
                                               : palette().text().color());
        p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft,
                   p.fontMetrics().elidedText(name, Qt::ElideRight, text.width()));
    }
    p.restore();
    p.setPen(palette().mid().color());
    p.drawLine(kLabelWidth - 1, 0, kLabelWidth - 1, h);
}

// ------------------------------------------------------------------------------- interaction

void TimelineView::mousePressEvent(QMouseEvent *e)
{
    if (e->button() != Qt::LeftButton)
        return QAbstractScrollArea::mousePressEvent(e);
    const QPoint pos = e->position().toPoint();
    m_pressPos = m_lastPos = pos;
    m_moved = false;
    m_drag = Drag::None;
    if (pos.x() >= kLabelWidth) {
        const double cx = timeToViewportX(m_cursor);
        if (pos.y() < kAxisHeight || std::abs(pos.x() - cx) <= kCursorGrab) {
            m_drag = Drag::Cursor;
            m_cursor = m_scale.toTime(pos.x() - kLabelWidth);
            viewport()->update();
            Q_EMIT cursorMoved(m_cursor);
        } else {
            m_drag = Drag::Pan;
        }
        return;
    }
    const int line = lineAt(pos.y());
    if (line < 0)
        return;
    const qint32 node = m_lines[size_t(line)].node;
    const int triangleX = 4 + m_lines[size_t(line)].depth * kIndent;
    if (m_data.hasChildren(node) && pos.x() >= triangleX - 2 && pos.x() < triangleX + 12) {
        toggle(node);
        return;
    }
    if (node >= 0) {
        m_selected = node;
        viewport()->update();
        Q_EMIT taskActivated(m_data.name(node));
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent *e)
{
    const QPoint pos = e->position().toPoint();
    if (m_drag == Drag::Cursor) {
        m_cursor = m_scale.toTime(std::clamp(pos.x() - kLabelWidth, 0, timeWidth()));
        viewport()->update();
        Q_EMIT cursorMoved(m_cursor);
    } else if (m_drag == Drag::Pan) {
        if ((pos - m_pressPos).manhattanLength() > 3)
            m_moved = true;
        if (m_moved) {
            m_autoFit = false;
            m_scale.panByPixels(m_lastPos.x() - pos.x());
            verticalScrollBar()->setValue(verticalScrollBar()->value() + m_lastPos.y() - pos.y());
            scaleChanged();
        }
    } else if (pos.x() >= kLabelWidth && std::abs(pos.x() - timeToViewportX(m_cursor)) <= kCursorGrab) {
        viewport()->setCursor(Qt::SizeHorCursor);
    } else {
        viewport()->unsetCursor();
    }
    m_lastPos = pos;
}

void TimelineView::mouseReleaseEvent(QMouseEvent *e)
{
    if (m_drag == Drag::Pan && !m_moved) {
        // a click on a row's bars selects its task
        const int line = lineAt(e->position().toPoint().y());
        if (line >= 0 && m_lines[size_t(line)].node >= 0) {
            m_selected = m_lines[size_t(line)].node;
            viewport()->update();
            Q_EMIT taskActivated(m_data.name(m_selected));
        }
    }
    m_drag = Drag::None;
}

void TimelineView::wheelEvent(QWheelEvent *e)
{
    const double x = e->position().x() - kLabelWidth;
    const int delta = e->angleDelta().y() != 0 ? e->angleDelta().y() : e->angleDelta().x();
    if (delta == 0 || x < 0)
        return QAbstractScrollArea::wheelEvent(e);
    m_autoFit = false;
    m_scale.zoomAround(x, std::pow(2.0, delta / 240.0)); // one notch: x1.33
    scaleChanged();
    e->accept();
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent *e)
{
    if (e->button() == Qt::LeftButton && e->position().x() >= kLabelWidth) {
        fit();
        e->accept();
        return;
    }
    QAbstractScrollArea::mouseDoubleClickEvent(e);
}

void TimelineView::keyPressEvent(QKeyEvent *e)
{
    double factor = 0;
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        factor = 2.0;
        break;
    case Qt::Key_Minus:
        factor = 0.5;
        break;
    case Qt::Key_0:
    case Qt::Key_Home:
        fit();
        e->accept();
        return;
    default:
        QAbstractScrollArea::keyPressEvent(e);
        return;
    }
    m_autoFit = false;
    m_scale.zoomAround(std::clamp(double(timeToViewportX(m_cursor) - kLabelWidth), 0.0, double(timeWidth())), factor);
    scaleChanged();
    e->accept();
}

bool TimelineView::viewportEvent(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        auto *he = static_cast<QHelpEvent *>(e);
        const QString text = toolTipAt(he->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(he->globalPos(), text, viewport());
        return true;
    }
    return QAbstractScrollArea::viewportEvent(e);
}

QString TimelineView::toolTipAt(const QPoint &pos) const
{
    const int line = lineAt(pos.y());
    if (line < 0)
        return {};
    const qint32 node = m_lines[size_t(line)].node;
    if (node < 0)
        return m_data.groupLabel(-1 - node);
    const int task = node;
    QString text = u"<b>"_s + m_data.name(task).toHtmlEscaped() + u"</b> ("_s + m_data.node(task).toHtmlEscaped()
        + u")<br>"_s + tr("created %1").arg(seconds(m_data.created(task)));
    if (m_data.ended(task) != TimelineData::kNoEnd)
        text += u", "_s + tr("ended %1").arg(seconds(m_data.ended(task)));
    if (m_data.isOrphan(task))
        text += u"<br>"_s + tr("orphan since %1").arg(seconds(m_data.orphanSince(task)));
    if (pos.x() < kLabelWidth)
        return text;
    const double t = m_scale.toTime(pos.x() - kLabelWidth);
    const TimelineData::Segment *s = m_data.segmentAt(task, t);
    if (!s)
        return text;
    const size_t i = size_t(s - m_data.segments(task).data());
    text += u"<br>"_s + QString::fromLatin1(taskPhaseName(s->phase));
    if (s->phase == TaskPhase::Waiting)
        text += u" "_s + tr("on %1").arg(m_data.awaitLabel(s->awaiting).toHtmlEscaped());
    if (s->cancelling)
        text += u", "_s + tr("cancelling");
    if (!isTerminal(s->phase))
        text += u"<br>"_s + seconds(s->t0) + u" – "_s + seconds(m_data.segmentEnd(task, i));
    else
        text += u"<br>"_s + tr("since %1").arg(seconds(s->t0));
    return text;
}

} // namespace ascope
