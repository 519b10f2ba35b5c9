// The diagnostics panel: the findings of the current run (DiagnosticsModel) in a sortable table
// with a severity filter and a summary line. Clicking or activating a row says which task, node
// and time the finding is about, so the window can select the task, the node and the moment.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace ascope {

class DiagnosticsModel;
class Engine;

class DiagnosticsPanel : public QWidget
{
    Q_OBJECT

public:
    // Entries of the severity filter: the least severity a shown finding has.
    enum Filter { ShowAll, ShowWarnings, ShowErrors };

    explicit DiagnosticsPanel(QWidget *parent = nullptr);
    ~DiagnosticsPanel() override;

    // Follows `engine` (nullptr: empty). Not owned.
    void setEngine(Engine *engine);
    // Recomputes the findings now (after driving the engine directly).
    void refresh();
    void setFilter(Filter filter);
    Filter filter() const;

    DiagnosticsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString summaryText() const;

Q_SIGNALS:
    // A finding was clicked or activated (Enter, double click): what it is about.
    void findingActivated(const QString &task, const QString &node, double time);

private:
    void emitFor(const QModelIndex &proxyIndex);
    void updateSummary();

    DiagnosticsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QComboBox *m_filter;
    QLabel *m_summary;
};

} // namespace ascope
