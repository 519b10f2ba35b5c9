// The timeline (Gantt) of a run: one row per task in a collapsible tree (under the task that
// created it, TaskGroup children under their group), its state segments coloured as the task
// table colours states, the await label inside wide waiting segments, spawn and wake arrows,
// injection markers, orphans, a virtual-time axis and a time cursor the user drags (scrubbing).
// Wheel zooms around the mouse, dragging the empty area or the scroll bars pans, fit() shows
// everything; hovering shows a tooltip, clicking a row selects its task.
// Level of detail: only visible rows are painted, sub-pixel segments merge, dense arrows are
// skipped, so 100,000 tasks stay smooth. The maths lives in TimeScale; the data in TimelineData.
#pragma once

#include "timelinedata.h"
#include "timescale.h"

#include <QAbstractScrollArea>
#include <QPointer>

namespace ascope {

class Engine;

class TimelineView : public QAbstractScrollArea
{
    Q_OBJECT

public:
    static constexpr int kLabelWidth = 200;
    static constexpr int kAxisHeight = 26;
    static constexpr int kRowHeight = 20;
    static constexpr int kTimeMargin = 12; // pixels left free at both ends by fit()

    explicit TimelineView(QWidget *parent = nullptr);
    ~TimelineView() override;

    // Follows `engine` (nullptr: empty); its progressed()/finished() refresh the view. Not owned.
    void setEngine(Engine *engine);
    Engine *engine() const;
    // Reads what the engine traced since the last refresh (call after driving it directly).
    // The view keeps fitting the whole run until the user zooms or pans.
    void refresh();
    void fit();

    // Selects a task's row (no taskActivated: that is the user's click).
    void selectTask(const QString &name);
    QString selectedTask() const;
    // Moves the time cursor (no cursorMoved: that is the user's drag).
    void setCursorTime(double t);
    double cursorTime() const { return m_cursor; }

    void setCollapsed(const QString &taskName, bool collapsed);
    bool isCollapsed(const QString &taskName) const;

    const TimeScale &timeScale() const { return m_scale; }
    const TimelineData &data() const { return m_data; }
    // The tree lines shown, top to bottom (collapsed subtrees left out).
    const std::vector<TimelineData::Line> &lines() const { return m_lines; }
    // Viewport geometry, for tests: the y of a line's centre, the x of a time.
    int lineCenterY(int line) const;
    int timeToViewportX(double t) const;
    int lineAt(int y) const; // -1 outside the rows

    QSize sizeHint() const override;

Q_SIGNALS:
    void taskActivated(const QString &name);
    void cursorMoved(double t);

protected:
    void paintEvent(QPaintEvent *e) override;
    void resizeEvent(QResizeEvent *e) override;
    void mousePressEvent(QMouseEvent *e) override;
    void mouseMoveEvent(QMouseEvent *e) override;
    void mouseReleaseEvent(QMouseEvent *e) override;
    void wheelEvent(QWheelEvent *e) override;
    void mouseDoubleClickEvent(QMouseEvent *e) override; // in the time area: fit
    void keyPressEvent(QKeyEvent *e) override;           // +/- zoom at the cursor, 0 or Home fits
    bool viewportEvent(QEvent *e) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    enum class Drag : quint8 { None, Cursor, Pan };

    int timeWidth() const;
    void rebuildLines();
    void updateBounds();
    void updateScrollBars();
    void scaleChanged();
    void toggle(qint32 node);
    QString toolTipAt(const QPoint &pos) const;
    void paintRow(QPainter &p, int line, int y, const QRect &timeRect) const;
    void paintArrows(QPainter &p, int firstLine, int lastLine, const QRect &timeRect) const;
    void paintAxis(QPainter &p, const QRect &timeRect) const;
    void paintLabels(QPainter &p, int firstLine, int lastLine) const;

    QPointer<Engine> m_engine;
    TimelineData m_data;
    TimeScale m_scale;
    std::vector<TimelineData::Line> m_lines;
    std::vector<qint32> m_lineOfTask; // -1: not shown
    std::vector<char> m_collapsedTasks;
    std::vector<char> m_collapsedGroups;
    int m_linesFor = -1; // task count the lines were built for
    int m_selected = -1;
    double m_cursor = 0;
    bool m_autoFit = true;
    bool m_updatingBars = false;
    double m_barUnit = 1; // horizontal scroll bar: pixels per unit
    Drag m_drag = Drag::None;
    QPoint m_pressPos;
    QPoint m_lastPos;
    bool m_moved = false;
};

} // namespace ascope
