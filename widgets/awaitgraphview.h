// The await graph drawn: who waits on whom at the cursor time (AwaitGraph), top-down from the
// entry task, edges with arrows labelled with what is awaited, cycles in red. Follows the run
// live until setTime() pins a moment (the shared time cursor).
#pragma once

#include "awaitgraph.h"

#include <QGraphicsView>
#include <QHash>
#include <QPointer>

#include <limits>

class QGraphicsRectItem;

namespace ascope {

class Engine;

class AwaitGraphView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit AwaitGraphView(QWidget *parent = nullptr);
    ~AwaitGraphView() override;

    // Follows `engine` (nullptr: an empty view); not owned. Its progressed()/finished() refresh.
    void setEngine(Engine *engine);
    // Rebuilds the graph at the current time (now, until setTime).
    void refresh();

    const AwaitGraph &graph() const { return m_graph; }
    // Centre of a node in scene coordinates (null when the name is not drawn).
    QPointF nodeCenter(const QString &name) const;
    QString selectedTask() const;

public Q_SLOTS:
    // Shows the graph as of virtual time t (after every event at time <= t).
    void setTime(double t);
    // Follows the run again (the graph of now).
    void followLive();
    // Selects and shows a task's node (no taskActivated); unknown names clear the selection.
    void selectTask(const QString &name);

Q_SIGNALS:
    // The user clicked a task's node.
    void taskActivated(const QString &name);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void rebuildScene();
    void fit();
    void onSelectionChanged();

    QPointer<Engine> m_engine;
    bool m_stale = false;                                    // a refresh was skipped while hidden
    double m_time = std::numeric_limits<double>::infinity(); // infinity: now
    AwaitGraph m_graph;
    QHash<QString, QGraphicsRectItem *> m_items;
    bool m_selecting = false;
};

} // namespace ascope
