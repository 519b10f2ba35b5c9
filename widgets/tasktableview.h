// The task table: every task of a run with its states and result, sortable by any column
// (unsorted = creation order). A view over an OutcomeTableModel through a sort proxy.
#pragma once

#include <QTableView>

class QSortFilterProxyModel;

namespace ascope {

class OutcomeTableModel;

class TaskTableView : public QTableView
{
    Q_OBJECT

public:
    explicit TaskTableView(QWidget *parent = nullptr);

    // The view does not own the model.
    void setOutcomeModel(OutcomeTableModel *model);
    OutcomeTableModel *outcomeModel() const { return m_model; }
    QSortFilterProxyModel *proxyModel() const { return m_proxy; }

    // Back to creation order (clears the sort indicator).
    void resetSorting();

private:
    OutcomeTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
};

} // namespace ascope
