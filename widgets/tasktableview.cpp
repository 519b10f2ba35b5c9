#include "tasktableview.h"

#include "outcometablemodel.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>

namespace ascope {

TaskTableView::TaskTableView(QWidget *parent)
    : QTableView(parent)
    , m_proxy(new QSortFilterProxyModel(this))
{
    m_proxy->setSortRole(OutcomeTableModel::SortRole);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    setModel(m_proxy);

    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setTextElideMode(Qt::ElideRight);
    verticalHeader()->setVisible(false);
    verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    QHeaderView *header = horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(false);
    header->setSortIndicatorClearable(true);
    resetSorting();
    setSortingEnabled(true);
}

void TaskTableView::setOutcomeModel(OutcomeTableModel *model)
{
    m_model = model;
    m_proxy->setSourceModel(model);
    if (!model)
        return;
    QHeaderView *header = horizontalHeader();
    header->setSectionResizeMode(OutcomeTableModel::ResultColumn, QHeaderView::Stretch);
    // Column widths follow the content after each run; the result column takes the rest.
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        for (int c = 0; c < OutcomeTableModel::ColumnCount; ++c) {
            if (c != OutcomeTableModel::ResultColumn)
                resizeColumnToContents(c);
        }
    });
}

void TaskTableView::resetSorting()
{
    horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_proxy->sort(-1);
}

} // namespace ascope
