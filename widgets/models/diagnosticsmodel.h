// The diagnostics table: one row per finding of a run (engine/diagnostics.h: destroyed while
// pending, never-retrieved exceptions, orphans, deadlocks, ...), in time order, with severity,
// time, kind, task, node and message; colours by severity. A projection of diagnose(engine),
// refreshed when the engine finishes and, while it runs, at most a few times a second.
// Qt6::Core/Gui only (colours).
#pragma once

#include "diagnostics.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QElapsedTimer>
#include <QPointer>

#include <vector>

namespace ascope {

class Engine;

class DiagnosticsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { SeverityColumn, TimeColumn, KindColumn, TaskColumn, NodeColumn, MessageColumn, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // severity rank, time as a number, text otherwise
        SeverityRole,                // "info", "warning", "error"
        KindRole,                    // findingKindName(): "orphan", "deadlock", ...
        TaskRole,                    // task name (or named future), may be empty
        NodeRole,                    // node id, may be empty
        TimeRole,                    // virtual time (double)
        ChainRole,                   // QStringList: deadlock chain, or what a destroyed task waited on
    };

    explicit DiagnosticsModel(QObject *parent = nullptr);
    ~DiagnosticsModel() override;

    // Follows `engine` (nullptr: no findings). Not owned; its finished()/progressed() refresh the
    // model (progressed at most every kLiveRefreshMs of wall time).
    void setEngine(Engine *engine);
    Engine *engine() const;
    // Recomputes the findings now (after driving the engine directly: stepOnce, inject).
    void refresh();

    const std::vector<Finding> &findings() const { return m_findings; }
    const Finding *findingAt(int row) const;
    int count(Finding::Severity severity) const;
    // "2 errors, 3 warnings, 1 info" ("no findings" when empty).
    QString summary() const;

    static QColor severityColour(Finding::Severity severity);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static constexpr int kLiveRefreshMs = 250;

private:
    void onProgressed();

    QPointer<Engine> m_engine;
    std::vector<Finding> m_findings;
    QElapsedTimer m_sinceRefresh;
};

} // namespace ascope
