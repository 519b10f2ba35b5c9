// The task table's filter and sort proxy: a case-insensitive text filter over task name, node,
// awaited object and result, and a state filter; sorts numerically on the model's SortRole.
#pragma once

#include <QSortFilterProxyModel>
#include <QStringList>

namespace ascope {

class TaskTableFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    // The state filter's pseudo-state matching every task not yet finished.
    static QString activeStates() { return QStringLiteral("active"); }

    explicit TaskTableFilter(QObject *parent = nullptr);

    QString textFilter() const { return m_text; }
    QString stateFilter() const { return m_state; }

public Q_SLOTS:
    void setTextFilter(const QString &text);
    // A state name ("running", "cancelled", ...), activeStates(), or empty for every task.
    void setStateFilter(const QString &state);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QString m_state;
};

} // namespace ascope
