#include "tasktablefilter.h"

#include "tasktablemodel.h"

using namespace Qt::StringLiterals;

namespace ascope {

TaskTableFilter::TaskTableFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(TaskTableModel::SortRole);
    setDynamicSortFilter(true);
}

void TaskTableFilter::setTextFilter(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_text)
        return;
    m_text = t;
    invalidateRowsFilter();
}

void TaskTableFilter::setStateFilter(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    invalidateRowsFilter();
}

bool TaskTableFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *m = sourceModel();
    if (!m)
        return false;
    if (!m_state.isEmpty()) {
        const QString state
            = m->index(sourceRow, TaskTableModel::StateColumn, sourceParent).data(TaskTableModel::StateRole).toString();
        if (m_state == activeStates()) {
            if (state != u"scheduled" && state != u"running" && state != u"waiting")
                return false;
        } else if (state != m_state) {
            return false;
        }
    }
    if (m_text.isEmpty())
        return true;
    for (int c : {int(TaskTableModel::TaskColumn), int(TaskTableModel::NodeColumn), int(TaskTableModel::AwaitingColumn),
                  int(TaskTableModel::ResultColumn)}) {
        if (m->index(sourceRow, c, sourceParent).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace ascope
