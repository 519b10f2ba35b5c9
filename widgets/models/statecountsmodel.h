// Task states over time for the charts: one row per moment the number of pending (scheduled,
// running or waiting), done, failed, cancelled and destroyed tasks changes, read from the engine's
// trace. Refreshed incrementally (rows appended, the last row updated), never reset per batch.
// Large runs are capped: a moment closer to the row before it than extent / maxRows() replaces
// the last row instead of adding one, so every row stays exact at its own time and the last row
// is always the current count. Qt6::Core only.
#pragma once

#include <QAbstractTableModel>
#include <QPointer>

#include <vector>

namespace ascope {

class Engine;

struct StateCounts {
    double time = 0;
    int pending = 0; // scheduled + running + waiting
    int done = 0;
    int failed = 0;
    int cancelled = 0;
    int destroyed = 0; // collected while pending (no longer pending, never finished)
    int total() const { return pending + done + failed + cancelled + destroyed; }
    bool sameCounts(const StateCounts &o) const
    {
        return pending == o.pending && done == o.done && failed == o.failed && cancelled == o.cancelled
            && destroyed == o.destroyed;
    }
};

class StateCountsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, PendingColumn, DoneColumn, FailedColumn, CancelledColumn, DestroyedColumn, ColumnCount };

    explicit StateCountsModel(QObject *parent = nullptr);
    ~StateCountsModel() override;

    // Follows `engine` (nullptr: no rows); its progressed()/finished() refresh the model. Not owned.
    void setEngine(Engine *engine);
    Engine *engine() const;
    // Reads the trace events added since the last refresh.
    void refresh();

    // At most about this many rows per doubling of the time extent (default 2000); applies to
    // moments read from now on.
    void setMaxRows(int rows);
    int maxRows() const { return m_maxRows; }

    // The counts the chart shows at t: the last row at or before t (zeros before the first).
    StateCounts countsAt(double t) const;
    const std::vector<StateCounts> &rows() const { return m_rows; }
    // The state name (TaskTableModel::stateNames() vocabulary, "pending" for the sum) of a count column.
    static QString stateOfColumn(int column);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QPointer<Engine> m_engine;
    std::vector<StateCounts> m_rows;
    std::vector<quint8> m_phase; // per task index: its TaskPhase so far
    StateCounts m_current;
    size_t m_read = 0; // trace events consumed
    int m_maxRows = 2000;
};

} // namespace ascope
