// The graph editor: a QGraphicsView over a GraphDocument. Nodes show their steps; edges show
// await/spawn/children relations labelled by operation. The scene mirrors the document: every
// edit goes through the document's undo stack.
#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QList>

class QAction;

namespace ascope {

class GraphDocument;

class GraphEditorView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit GraphEditorView(GraphDocument *doc, QWidget *parent = nullptr);
    ~GraphEditorView() override;

    GraphDocument *document() const;
    QString selectedNode() const; // empty when none
    QStringList selectedNodes() const;

    // Run-state colouring: node id -> state name ("pending", "running", "waiting", "done",
    // "failed", "cancelled"); nodes absent from the map are drawn neutral.
    void setNodeStates(const QHash<QString, QString> &states);

    // Delete, Duplicate, Copy, Paste, Add node, Auto layout, Zoom in/out, Fit: shortcuts active
    // while the view has focus (Qt::WidgetWithChildrenShortcut); the main window may also put
    // them in its menus and toolbars.
    QList<QAction *> editActions() const;
    double zoom() const; // current scale, 0.1 .. 4

public Q_SLOTS:
    void selectNode(const QString &id); // selects and centres it
    void autoLayout();                  // layered layout, one undo command
    void zoomIn();
    void zoomOut();
    void fitAll();
    void addNodeAtCenter();
    void deleteSelected();
    void duplicateSelected();
    void copySelected(); // to QGuiApplication::clipboard()
    void paste();

Q_SIGNALS:
    void nodeSelected(const QString &id);  // empty when the selection is cleared
    void nodeActivated(const QString &id); // double click

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;

private:
    struct Private;
    Private *d;
};

} // namespace ascope
