#include "diagnosticspanel.h"

#include "diagnosticsmodel.h"
#include "engine.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace ascope {

DiagnosticsPanel::DiagnosticsPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new DiagnosticsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_filter(new QComboBox(this))
    , m_summary(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(DiagnosticsModel::SortRole);
    m_proxy->setFilterRole(DiagnosticsModel::SeverityRole);
    m_proxy->setFilterKeyColumn(DiagnosticsModel::SeverityColumn);

    m_filter->addItem(tr("All findings"), int(ShowAll));
    m_filter->addItem(tr("Warnings and errors"), int(ShowWarnings));
    m_filter->addItem(tr("Errors only"), int(ShowErrors));
    m_filter->setObjectName(u"severityFilter"_s);
    m_summary->setObjectName(u"summary"_s);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);

    m_view->setObjectName(u"findings"_s);
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(DiagnosticsModel::TimeColumn, Qt::AscendingOrder);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(DiagnosticsModel::MessageColumn, QHeaderView::Stretch);

    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(new QLabel(tr("Show:"), this));
    top->addWidget(m_filter);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QComboBox::currentIndexChanged, this,
            [this](int i) { setFilter(Filter(m_filter->itemData(i).toInt())); });
    connect(m_view, &QTableView::clicked, this, &DiagnosticsPanel::emitFor);
    connect(m_view, &QTableView::activated, this, &DiagnosticsPanel::emitFor);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DiagnosticsPanel::updateSummary);
    updateSummary();
}

DiagnosticsPanel::~DiagnosticsPanel() = default;

void DiagnosticsPanel::setEngine(Engine *engine)
{
    m_model->setEngine(engine);
}

void DiagnosticsPanel::refresh()
{
    m_model->refresh();
}

void DiagnosticsPanel::setFilter(Filter filter)
{
    static const QString patterns[] = {QString(), u"^(warning|error)$"_s, u"^error$"_s};
    m_proxy->setFilterRegularExpression(patterns[filter]);
    const int i = m_filter->findData(int(filter));
    if (i != m_filter->currentIndex())
        m_filter->setCurrentIndex(i);
    updateSummary();
}

DiagnosticsPanel::Filter DiagnosticsPanel::filter() const
{
    return Filter(m_filter->currentData().toInt());
}

QString DiagnosticsPanel::summaryText() const
{
    return m_summary->text();
}

void DiagnosticsPanel::emitFor(const QModelIndex &proxyIndex)
{
    if (const Finding *f = m_model->findingAt(m_proxy->mapToSource(proxyIndex).row()))
        Q_EMIT findingActivated(f->task, f->node, f->time);
}

void DiagnosticsPanel::updateSummary()
{
    QString text = m_model->summary();
    const int hidden = m_model->rowCount() - m_proxy->rowCount();
    if (hidden > 0)
        text += tr(" (%1 hidden by the filter)").arg(hidden);
    if (const Engine *e = m_model->engine(); e && e->isFinished())
        text = tr("Run %1: %2").arg(e->status(), text);
    m_summary->setText(text);
}

} // namespace ascope
