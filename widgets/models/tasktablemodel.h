// The live task table: one row per task of a running Engine (creation order), read from the
// engine's trace (phase, awaited future) and its task objects (name, node, times, result).
// Refreshed on Engine::progressed/finished with rowsInserted for new tasks and dataChanged for
// the rows whose cells changed, never a reset per batch. Qt6::Core/Gui only (state colours).
#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QPointer>

#include <limits>
#include <vector>

namespace ascope {

class Engine;

class TaskTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TaskColumn,
        NodeColumn,
        StateColumn,
        CreatedColumn,
        FinishedColumn,
        AwaitingColumn,
        CancellingColumn,
        ResultColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // numbers for the time and count columns, creation order for Task
        StateRole,                   // "scheduled", "running", "waiting", "done", "failed", "cancelled", "destroyed"
        TaskNameRole,
        NodeRole,
        TaskIndexRole, // creation order (the engine's task index)
    };

    explicit TaskTableModel(QObject *parent = nullptr);
    ~TaskTableModel() override;

    // Follows `engine` (nullptr: an empty table). Changing the engine resets the model; the
    // engine's progressed()/finished() refresh it. The engine is not owned.
    void setEngine(Engine *engine);
    Engine *engine() const;

    // Brings the table up to date with the engine now (what progressed() triggers). Call it
    // after driving the engine directly (stepOnce, inject).
    void refresh();

    // Scrubbing: shows the tasks as of virtual time t (after every event at time <= t): tasks
    // created later are left out, states, awaited objects, cancel counts and results are those
    // of that moment. The run may go on; the table stays at t until followLive().
    void setTime(double t);
    // Shows the run as it is now again (the default).
    void followLive();
    bool isLive() const;
    double time() const { return m_asOf; } // infinity while live

    int rowForTask(const QString &name) const;        // -1 when unknown
    int firstRowForNode(const QString &nodeId) const; // -1 when the node has no task yet
    QString taskName(int row) const;
    QString nodeOf(int row) const;
    QString stateOf(int row) const;
    // What the inspector shows: name, node, state, created, finished, awaiting, result,
    // exception, cancelling.
    QJsonObject taskInfo(int row) const;
    // Tasks per state name (only states that occur).
    QMap<QString, int> stateCounts() const;
    // Node id -> the state of the node's most recent task, in the editor's vocabulary
    // (scheduled is "pending"; "destroyed" is passed as is).
    QHash<QString, QString> nodeStates() const;

    static QColor stateColour(const QString &state);
    static QStringList stateNames(); // every state a row can have, in life-cycle order

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString node;
        QString state;
        double created = 0;
        bool hasFinished = false;
        double finished = 0;
        QString awaiting;
        int cancelling = 0;
        QString result;        // Python-style text of the result or the exception
        QJsonValue resultJson; // for the inspector
        QJsonObject exception;
        bool operator==(const Row &o) const;
    };
    // What made each future (the trace's FutureCreated), read incrementally: the Awaiting column
    // says "sleep until 2.000 s", "TaskGroup: a, b", "wait_for task x (timeout 1 s)".
    struct FutureOriginInfo {
        quint8 origin = 0; // FutureOrigin
        double created = 0;
        double value = 0;
    };
    void readOrigins();
    QString awaitingText(qint32 futureId) const;
    std::vector<Row> snapshot() const;
    void detach();

    QPointer<Engine> m_engine;
    std::vector<Row> m_rows;
    std::vector<FutureOriginInfo> m_origins; // by future id
    size_t m_originsRead = 0;                // trace events read into m_origins
    double m_asOf = std::numeric_limits<double>::infinity();
};

} // namespace ascope
