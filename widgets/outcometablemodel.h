// Table model over an asyncgraph-outcome/1 document (spec section 4): one row per task,
// in creation order, with the snapshot state, the final state after shutdown and the result.
// Qt6::Core/Gui only, so it can be tested and reused without a QWidget.
#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QString>

#include <vector>

namespace ascope {

class OutcomeTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        NodeColumn,
        CreatedColumn,
        StateColumn,
        FinishedColumn,
        ResultColumn,
        FinalStateColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // numbers for time columns, text otherwise
        TaskRole,                    // the task's JSON object
    };

    explicit OutcomeTableModel(QObject *parent = nullptr);

    // Replaces the whole table. An object without a "tasks" array gives an empty table.
    void setOutcome(const QJsonObject &outcome);
    void clear();

    bool hasOutcome() const { return m_hasOutcome; }
    QString status() const { return m_status; }  // empty when the outcome has none
    double endTime() const { return m_endTime; } // 0 when the outcome has none
    QJsonObject task(int row) const;

    // Tasks per snapshot state ("pending", "done", "failed", "cancelled"); tasks created during
    // shutdown have no snapshot state and count as "shutdown".
    QMap<QString, int> stateCounts() const;
    // One line for a status bar: "completed at 1.25 s · 4 tasks: 1 done, 1 failed, 2 cancelled".
    QString summaryText() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // A value of the outcome as a Python programmer reads it: 'text', None, [1, 2],
    // <Task fetch#2>, ValueError('bad input').
    static QString valueText(const QJsonValue &value);
    // An outcome exception object {"type", "message", "exceptions"?}: "ValueError: bad input".
    static QString exceptionText(const QJsonObject &exception);

private:
    std::vector<QJsonObject> m_tasks;
    QString m_status;
    double m_endTime = 0;
    bool m_hasOutcome = false;
};

} // namespace ascope
