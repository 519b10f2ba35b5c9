// The inspector: forms for the selected node (id, params, steps: add, edit, reorder, delete)
// that validate as you type with the loader's messages, and a read-only view of the selected
// task (state, awaiting, result) during a run.
#pragma once

#include <QJsonObject>
#include <QWidget>

namespace ascope {

class GraphDocument;

class InspectorWidget : public QWidget
{
    Q_OBJECT
public:
    explicit InspectorWidget(GraphDocument *doc, QWidget *parent = nullptr);
    ~InspectorWidget() override;

public Q_SLOTS:
    void showNode(const QString &nodeId); // empty: nothing selected
    void showTask(const QJsonObject
                      &taskInfo); // keys: name, node, state, created, finished, awaiting, result, exception, cancelling

private:
    struct Private;
    Private *d;
};

} // namespace ascope
