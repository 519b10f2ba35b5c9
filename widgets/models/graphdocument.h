// The editable asyncgraph/1 document behind the graph editor: nodes and their steps as JSON,
// every edit an undo command on the model (not the scene), so editing works headless.
// Layering: engine <- models (this; Qt6::Core + Qt6::Gui for QUndoStack) <- widgets <- app.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QStringList>

#include <memory>

class QUndoStack;

namespace ascope {

struct Graph;

class GraphDocument : public QObject
{
    Q_OBJECT
public:
    explicit GraphDocument(QObject *parent = nullptr);
    ~GraphDocument() override;

    // --- files -----------------------------------------------------------------------------
    // New empty document: one node "main" with a single return step.
    void newDocument();
    // Loads and validates (engine loader); on error the document is unchanged and *error is
    // "<path>: <where>: <what>".
    bool load(const QString &path, QString *error);
    bool loadJson(const QByteArray &json, const QString &displayName, QString *error);
    // Unsaved edits brought back (crash recovery): the text `json` as the document of
    // `originalPath` (empty: untitled), modified, so that Save writes it there. `where` names
    // the recovery file in errors.
    bool loadRecovered(const QByteArray &json, const QString &originalPath, const QString &where, QString *error);
    // Canonical text: 2-space indented JSON, keys in a fixed order (format, name, description,
    // entry, futures, limits, nodes, then any other keys in file order); save -> load -> save is
    // byte-identical.
    QByteArray toJson() const;
    // Atomic (QSaveFile). On failure nothing is lost: the document stays modified, *error says why.
    bool save(const QString &path, QString *error);
    QString filePath() const;
    QString displayName() const; // file name, or "untitled"
    bool isModified() const;     // the undo stack is not at its clean index
    QUndoStack *undoStack() const;

    // --- content ---------------------------------------------------------------------------
    QJsonObject root() const; // the whole document (unknown fields kept)
    QString graphName() const;
    int nodeCount() const;
    QStringList nodeIds() const; // file order
    int indexOf(const QString &id) const;
    QJsonObject node(const QString &id) const;
    QPointF nodePosition(const QString &id) const; // node "ui": {"x", "y"}; (0,0) if absent
    bool hasPositions() const;                     // every node has ui.x/ui.y
    // Validation through the engine's loader: empty when valid, else "<where>: <what>".
    QString validationError() const;
    // The runnable graph (nullptr and *error when invalid).
    std::shared_ptr<const Graph> compile(QString *error) const;
    // A fresh unused node id with this prefix ("node", "node_2", ...).
    QString uniqueNodeId(const QString &prefix) const;
    // Validation of a candidate root (e.g. this document with one step replaced), written in
    // this document's canonical form: empty when valid, else the loader's "<where>: <what>".
    QString validationErrorOf(const QJsonObject &candidateRoot) const;

    // --- helpers for editors (no document needed) -------------------------------------------
    static bool isIdentifier(const QString &text); // [A-Za-z_][A-Za-z0-9_]*
    // A fragment (a step, a list of steps, a value) in the canonical layout and key order;
    // containers that fit in width columns are written on one line.
    static QByteArray formatJson(const QJsonValue &value, int width = 100);
    // Parses any JSON value (not only objects/arrays); *error as the loader words JSON errors.
    static QJsonValue parseJson(const QByteArray &text, QString *error);
    static QStringList stepOps(); // every op, in the spec's order
    // A valid starting point for a new step of this op; childNode is used where a node is needed.
    static QJsonObject stepTemplate(const QString &op, const QString &childNode);
    // One line for lists and nodes: "spawn save -> $save", "sleep 1.5", "try".
    static QString stepSummary(const QJsonObject &step);

    // --- edits (each pushes one undo command; returns false with *error when invalid) ---------
    bool addNode(const QString &id, QPointF pos, QString *error = nullptr);
    bool removeNode(const QString &id);
    bool renameNode(const QString &oldId, const QString &newId, QString *error = nullptr); // also fixes references
    QString duplicateNode(const QString &id);                                              // returns the new id
    void setNodePosition(const QString &id, QPointF pos); // consecutive moves of one node merge
    void setNodePositions(const QHash<QString, QPointF> &positions, const QString &text); // auto-layout: one command
    bool insertStep(const QString &nodeId, int index, const QJsonObject &step);
    bool removeStep(const QString &nodeId, int index);
    bool moveStep(const QString &nodeId, int from, int to);
    bool replaceStep(const QString &nodeId, int index, const QJsonObject &step);
    bool setNodeParams(const QString &nodeId, const QJsonObject &params);
    bool setGraphField(const QString &key,
                       const QJsonValue &value); // name, description, entry, futures, limits, injections

    // Clipboard: nodes as JSON (with their positions); paste gives fresh ids where taken and
    // returns the ids it added (one undo command).
    QByteArray copyNodes(const QStringList &ids) const;
    QStringList pasteNodes(const QByteArray &data, QPointF offset);

Q_SIGNALS:
    void documentReset(); // load/new: everything changed
    void nodeAdded(const QString &id);
    void nodeRemoved(const QString &id);
    void nodeChanged(const QString &id); // steps, params
    void nodeRenamed(const QString &oldId, const QString &newId);
    void nodeMoved(const QString &id);
    void graphChanged(); // any edit at all (after the specific signal)
    void modifiedChanged(bool modified);
    void filePathChanged(const QString &path);

private:
    struct Private;
    std::unique_ptr<Private> d;
    friend class GraphEditCommand;
};

} // namespace ascope
