// Leaks over time for the charts: cumulative counts of tasks destroyed while pending, exceptions
// never retrieved and orphans (pending after their awaiter finished), one row per moment a count
// grows, from the engine's diagnostics (diagnose()). Refreshed with inserts, removals and
// dataChanged on the rows that differ, never a reset per batch. Capped like StateCountsModel:
// a moment closer to the row before last than 2 x extent / maxRows() replaces the last row.
// Qt6::Core only.
#pragma once

#include <QAbstractTableModel>
#include <QPointer>

#include <vector>

namespace ascope {

class Engine;

struct LeakCounts {
    double time = 0;
    int destroyedPending = 0;
    int neverRetrieved = 0;
    int orphans = 0;
    bool operator==(const LeakCounts &) const = default;
};

class LeakCountsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, DestroyedPendingColumn, NeverRetrievedColumn, OrphanColumn, ColumnCount };

    explicit LeakCountsModel(QObject *parent = nullptr);
    ~LeakCountsModel() override;

    // Follows `engine` (nullptr: no rows); its progressed()/finished() refresh the model. Not owned.
    void setEngine(Engine *engine);
    Engine *engine() const;
    // Brings the rows up to date with diagnose(engine) (only when the trace grew).
    void refresh();

    void setMaxRows(int rows);
    int maxRows() const { return m_maxRows; }

    // The cumulative counts at t: the last row at or before t (zeros before the first).
    LeakCounts countsAt(double t) const;
    const std::vector<LeakCounts> &rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<LeakCounts> computeRows() const;

    QPointer<Engine> m_engine;
    std::vector<LeakCounts> m_rows;
    size_t m_traceSize = 0; // trace events when last refreshed
    bool m_finished = false;
    int m_maxRows = 2000;
};

} // namespace ascope
