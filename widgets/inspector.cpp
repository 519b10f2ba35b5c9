// The inspector (inspector.h). Everything it changes goes through the document's edits, so it
// has no state of its own beyond what is selected and the text being typed: after any document
// change it rebuilds from the document and puts the selection back by path.
#include "inspector.h"

#include "graphdocument.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include <optional>

using namespace Qt::StringLiterals;

namespace ascope {
namespace {

// A tree item's place inside its node's "steps": indices and keys, e.g. [1, "except", 0, "body", 2].
constexpr int kPathRole = Qt::UserRole;
constexpr int kKindRole = Qt::UserRole + 1;
enum ItemKind { StepItem, HandlerItem, FinallyItem };

constexpr int kEditorWidth = 60; // the step editor is narrow: wrap JSON earlier than in files
const QColor kErrorColor(0xc6, 0x28, 0x28);
const QColor kValidColor(0x2e, 0x7d, 0x32);
const QColor kWarningColor(0xb2, 0x6a, 0x00);

QJsonValue valueAt(const QJsonValue &v, const QVariantList &path, qsizetype from = 0)
{
    if (from >= path.size())
        return v;
    const QVariant &p = path[from];
    if (p.typeId() == QMetaType::Int)
        return valueAt(v.toArray().at(p.toInt()), path, from + 1);
    return valueAt(v.toObject().value(p.toString()), path, from + 1);
}

QJsonValue withValueAt(const QJsonValue &v, const QVariantList &path, const QJsonValue &value, qsizetype from = 0)
{
    if (from >= path.size())
        return value;
    const QVariant &p = path[from];
    if (p.typeId() == QMetaType::Int) {
        QJsonArray a = v.toArray();
        const int k = p.toInt();
        if (k < 0 || k >= a.size())
            return v;
        a.replace(k, withValueAt(a.at(k), path, value, from + 1));
        return a;
    }
    QJsonObject o = v.toObject();
    o.insert(p.toString(), withValueAt(o.value(p.toString()), path, value, from + 1));
    return o;
}

QString placeOf(int nodeIndex, const QVariantList &path)
{
    QString place = u"nodes["_s + QString::number(nodeIndex) + u"].steps";
    for (const QVariant &p : path) {
        if (p.typeId() == QMetaType::Int)
            place += u'[' + QString::number(p.toInt()) + u']';
        else
            place += u'.' + p.toString();
    }
    return place;
}

// "nodes[0].steps[1].seconds: ..." is inside "nodes[0].steps[1]", "nodes[0].steps[10]" is not.
bool isInside(const QString &message, const QString &place)
{
    if (!message.startsWith(place))
        return false;
    if (message.size() == place.size())
        return true;
    const QChar next = message[place.size()];
    return next == u'.' || next == u'[' || next == u':' || next == u' ';
}

void setColor(QWidget *w, const QColor &c)
{
    QPalette p = w->palette();
    p.setColor(QPalette::WindowText, c);
    p.setColor(QPalette::Text, c);
    w->setPalette(p);
}

QString handlerText(const QJsonObject &h)
{
    QStringList types;
    for (const QJsonValue &t : h.value(u"types").toArray())
        types.append(t.toString());
    QString s = u"except "_s + types.join(u", ");
    if (h.contains(u"as"))
        s += u" \u2192 " + h.value(u"as").toString();
    return s;
}

// Task values as the outcome writes them: {"task": n}, {"exception": {...}}, plain JSON.
QString taskValueText(const QJsonValue &v)
{
    if (v.isUndefined())
        return u"\u2014"_s;
    if (v.isString())
        return v.toString();
    if (v.isNull())
        return u"None"_s; // results read as Python wrote them, as in the task table
    if (v.isBool())
        return v.toBool() ? u"True"_s : u"False"_s;
    const QJsonObject o = v.toObject();
    if (o.size() == 1 && o.value(u"task").isString())
        return u"task "_s + o.value(u"task").toString();
    if (o.size() == 1 && o.value(u"future").isString())
        return u"future "_s + o.value(u"future").toString();
    if (o.contains(u"type") && o.value(u"message").isString()) {
        const QString msg = o.value(u"message").toString();
        return o.value(u"type").toString() + (msg.isEmpty() ? QString() : u": " + msg);
    }
    if (o.size() == 1 && o.value(u"exception").isObject())
        return taskValueText(o.value(u"exception"));
    return QString::fromUtf8(GraphDocument::formatJson(v));
}

} // namespace

struct InspectorWidget::Private {
    InspectorWidget *q = nullptr;
    GraphDocument *doc = nullptr;
    QString nodeId;

    QStackedWidget *pages = nullptr;
    QWidget *emptyPage = nullptr;
    QWidget *nodePage = nullptr;
    QWidget *taskPage = nullptr;

    QLineEdit *idEdit = nullptr;
    QLabel *idError = nullptr;
    QTableWidget *params = nullptr;
    QLabel *paramsError = nullptr;
    QTreeWidget *steps = nullptr;
    QLabel *nodeStatus = nullptr;
    QToolButton *addStep = nullptr;
    QToolButton *deleteStep = nullptr;
    QToolButton *upStep = nullptr;
    QToolButton *downStep = nullptr;
    QPlainTextEdit *editor = nullptr;
    QLabel *editorStatus = nullptr;
    QPushButton *apply = nullptr;
    QPushButton *revert = nullptr;
    QHash<QString, QLabel *> taskFields;

    QVariantList editorPath;                 // what the editor shows (empty: nothing)
    QJsonValue editorOriginal;               // its value in the document when loaded
    std::optional<QVariantList> pendingPath; // select this after the next rebuild
    bool rebuilding = false;
    bool fillingParams = false;

    void buildNodePage();
    void buildTaskPage();

    int nodeIndex() const { return doc->indexOf(nodeId); }
    QJsonArray nodeSteps() const { return doc->node(nodeId).value(u"steps").toArray(); }
    QTreeWidgetItem *selected() const { return steps->currentItem(); }
    QVariantList selectedPath() const
    {
        const QTreeWidgetItem *item = selected();
        return item ? item->data(0, kPathRole).toList() : QVariantList();
    }

    void refresh();
    void rebuildSteps();
    void addSteps(QTreeWidgetItem *parent, const QJsonArray &list, const QVariantList &base);
    void selectPath(const QVariantList &path);
    void loadEditor(const QVariantList &path);
    void validateEditor();
    void updateButtons();
    void updateNodeStatus();
    void fillParams();
    void paramsEdited();

    void commitSteps(const QJsonArray &newSteps, const QVariantList &select);
    void applyEditor();
    void deleteSelected();
    void moveSelected(int delta);
    void addStepOf(const QString &op);
    void renameFromEdit();
};

InspectorWidget::InspectorWidget(GraphDocument *doc, QWidget *parent)
    : QWidget(parent)
    , d(new Private)
{
    d->q = this;
    d->doc = doc;
    setMinimumWidth(280);

    d->pages = new QStackedWidget(this);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->pages);

    auto *empty = new QLabel(tr("Select a node in the graph, or a task of the run."));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setEnabled(false);
    d->emptyPage = empty;
    d->pages->addWidget(empty);
    d->buildNodePage();
    d->buildTaskPage();
    d->pages->setCurrentWidget(d->emptyPage);

    connect(doc, &GraphDocument::nodeChanged, this, [this](const QString &id) {
        if (id == d->nodeId)
            d->refresh();
    });
    connect(doc, &GraphDocument::nodeRenamed, this, [this](const QString &oldId, const QString &newId) {
        if (oldId != d->nodeId)
            return;
        d->nodeId = newId;
        d->idEdit->setText(newId);
        d->idError->hide();
        d->refresh();
    });
    connect(doc, &GraphDocument::nodeRemoved, this, [this](const QString &id) {
        if (id == d->nodeId)
            showNode(QString());
    });
    connect(doc, &GraphDocument::documentReset, this, [this] {
        if (!d->nodeId.isEmpty())
            showNode(d->doc->indexOf(d->nodeId) >= 0 ? d->nodeId : QString());
    });
    connect(doc, &GraphDocument::graphChanged, this, [this] {
        if (d->pages->currentWidget() == d->nodePage) {
            d->validateEditor();
            d->updateNodeStatus();
        }
    });
}

InspectorWidget::~InspectorWidget()
{
    // The children outlive d (~QWidget deletes them) and still signal on the way out, e.g. the
    // id field's editingFinished when it loses focus.
    const QList<QObject *> children = findChildren<QObject *>();
    for (QObject *child : children)
        child->disconnect(this);
    delete d;
}

void InspectorWidget::Private::buildNodePage()
{
    nodePage = new QWidget;
    auto *layout = new QVBoxLayout(nodePage);

    // Id: renamed when editing finishes; a refusal is shown under the field.
    auto *form = new QFormLayout;
    idEdit = new QLineEdit;
    idEdit->setObjectName(u"idEdit"_s);
    idEdit->setToolTip(tr("The node's id: letters, digits and _. Renaming updates every reference."));
    form->addRow(tr("&Id"), idEdit);
    idError = new QLabel;
    idError->setObjectName(u"idError"_s);
    idError->setWordWrap(true);
    setColor(idError, kErrorColor);
    idError->hide();
    form->addRow(QString(), idError);
    layout->addLayout(form);
    QObject::connect(idEdit, &QLineEdit::editingFinished, q, [this] { renameFromEdit(); });

    // Parameters: name -> default value (JSON), applied cell by cell.
    auto *paramsBox = new QGroupBox(tr("Parameters"));
    auto *paramsLayout = new QVBoxLayout(paramsBox);
    params = new QTableWidget(0, 2);
    params->setObjectName(u"paramsTable"_s);
    params->setHorizontalHeaderLabels({tr("Name"), tr("Default (JSON)")});
    params->horizontalHeader()->setStretchLastSection(true);
    params->verticalHeader()->hide();
    params->setSelectionBehavior(QAbstractItemView::SelectRows);
    params->setSelectionMode(QAbstractItemView::SingleSelection);
    params->setMinimumHeight(70);
    params->setMaximumHeight(110);
    paramsLayout->addWidget(params);
    paramsError = new QLabel;
    paramsError->setObjectName(u"paramsError"_s);
    paramsError->setWordWrap(true);
    setColor(paramsError, kErrorColor);
    paramsError->hide();
    paramsLayout->addWidget(paramsError);
    auto *paramButtons = new QHBoxLayout;
    auto *addParam = new QToolButton;
    addParam->setText(tr("Add"));
    addParam->setObjectName(u"addParamButton"_s);
    auto *removeParam = new QToolButton;
    removeParam->setText(tr("Remove"));
    removeParam->setObjectName(u"removeParamButton"_s);
    paramButtons->addWidget(addParam);
    paramButtons->addWidget(removeParam);
    paramButtons->addStretch();
    paramsLayout->addLayout(paramButtons);
    layout->addWidget(paramsBox);
    QObject::connect(params, &QTableWidget::itemChanged, q, [this] {
        if (!fillingParams)
            paramsEdited();
    });
    QObject::connect(addParam, &QToolButton::clicked, q, [this] {
        QJsonObject p = doc->node(nodeId).value(u"params").toObject();
        QString name = u"p"_s;
        for (int n = 2; p.contains(name); ++n)
            name = u"p"_s + QString::number(n);
        p.insert(name, QJsonValue(QJsonValue::Null));
        doc->setNodeParams(nodeId, p);
    });
    QObject::connect(removeParam, &QToolButton::clicked, q, [this] {
        const int row = params->currentRow();
        if (row < 0 || !params->item(row, 0))
            return;
        QJsonObject p = doc->node(nodeId).value(u"params").toObject();
        p.remove(params->item(row, 0)->text());
        doc->setNodeParams(nodeId, p);
    });

    // Steps (nested ones indented) over the editor of the selected one.
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->setChildrenCollapsible(false);
    auto *stepsBox = new QGroupBox(tr("Steps"));
    auto *stepsLayout = new QVBoxLayout(stepsBox);
    steps = new QTreeWidget;
    steps->setObjectName(u"stepsTree"_s);
    steps->setHeaderHidden(true);
    steps->setColumnCount(1);
    steps->setSelectionMode(QAbstractItemView::SingleSelection);
    steps->setMinimumHeight(120);
    stepsLayout->addWidget(steps);
    nodeStatus = new QLabel;
    nodeStatus->setObjectName(u"nodeStatus"_s);
    nodeStatus->setWordWrap(true);
    nodeStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setColor(nodeStatus, kErrorColor);
    nodeStatus->hide();
    stepsLayout->addWidget(nodeStatus);

    auto *buttons = new QHBoxLayout;
    addStep = new QToolButton;
    addStep->setObjectName(u"addStepButton"_s);
    addStep->setText(tr("Add"));
    addStep->setToolTip(tr("Add a step after the selected one"));
    addStep->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(addStep);
    for (const QString &op : GraphDocument::stepOps()) {
        QAction *a = menu->addAction(op);
        a->setData(op);
        QObject::connect(a, &QAction::triggered, q, [this, op] { addStepOf(op); });
    }
    addStep->setMenu(menu);
    deleteStep = new QToolButton;
    deleteStep->setObjectName(u"deleteStepButton"_s);
    deleteStep->setText(tr("Delete"));
    upStep = new QToolButton;
    upStep->setObjectName(u"upStepButton"_s);
    upStep->setText(tr("Up"));
    upStep->setToolTip(tr("Move the selected step up"));
    downStep = new QToolButton;
    downStep->setObjectName(u"downStepButton"_s);
    downStep->setText(tr("Down"));
    downStep->setToolTip(tr("Move the selected step down"));
    for (QToolButton *b : {addStep, deleteStep, upStep, downStep})
        buttons->addWidget(b);
    buttons->addStretch();
    stepsLayout->addLayout(buttons);
    splitter->addWidget(stepsBox);
    QObject::connect(deleteStep, &QToolButton::clicked, q, [this] { deleteSelected(); });
    QObject::connect(upStep, &QToolButton::clicked, q, [this] { moveSelected(-1); });
    QObject::connect(downStep, &QToolButton::clicked, q, [this] { moveSelected(+1); });
    QObject::connect(steps, &QTreeWidget::currentItemChanged, q, [this](QTreeWidgetItem *item) {
        if (rebuilding)
            return;
        loadEditor(item ? item->data(0, kPathRole).toList() : QVariantList());
        updateButtons();
    });

    auto *editorBox = new QGroupBox(tr("Selected step (JSON)"));
    auto *editorLayout = new QVBoxLayout(editorBox);
    editor = new QPlainTextEdit;
    editor->setObjectName(u"stepEditor"_s);
    editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    editor->setTabChangesFocus(true);
    editor->setMinimumHeight(100);
    editorLayout->addWidget(editor);
    editorStatus = new QLabel;
    editorStatus->setObjectName(u"stepStatus"_s);
    editorStatus->setWordWrap(true);
    editorStatus->setTextFormat(Qt::PlainText);
    editorStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    editorLayout->addWidget(editorStatus);
    auto *editorButtons = new QHBoxLayout;
    editorButtons->addStretch();
    revert = new QPushButton(tr("Revert"));
    revert->setObjectName(u"revertStepButton"_s);
    apply = new QPushButton(tr("Apply"));
    apply->setObjectName(u"applyStepButton"_s);
    apply->setToolTip(tr("Replace the step in the document (Ctrl+Return)"));
    editorButtons->addWidget(revert);
    editorButtons->addWidget(apply);
    editorLayout->addLayout(editorButtons);
    splitter->addWidget(editorBox);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    QObject::connect(editor, &QPlainTextEdit::textChanged, q, [this] { validateEditor(); });
    QObject::connect(apply, &QPushButton::clicked, q, [this] { applyEditor(); });
    QObject::connect(revert, &QPushButton::clicked, q, [this] { loadEditor(editorPath); });
    auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), editor);
    shortcut->setContext(Qt::WidgetShortcut);
    QObject::connect(shortcut, &QShortcut::activated, q, [this] {
        if (apply->isEnabled())
            applyEditor();
    });

    pages->addWidget(nodePage);
}

void InspectorWidget::Private::buildTaskPage()
{
    taskPage = new QWidget;
    taskPage->setObjectName(u"taskForm"_s);
    auto *form = new QFormLayout(taskPage);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    const std::pair<const char *, QString> fields[] = {
        {"name", tr("Task")},       {"node", tr("Node")},           {"state", tr("State")},
        {"created", tr("Created")}, {"finished", tr("Finished")},   {"awaiting", tr("Awaiting")},
        {"result", tr("Result")},   {"exception", tr("Exception")}, {"cancelling", tr("Cancelling")},
    };
    for (const auto &[key, label] : fields) {
        auto *value = new QLabel;
        value->setObjectName(u"task_"_s + QLatin1StringView(key));
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(label, value);
        taskFields.insert(QLatin1StringView(key), value);
    }
    pages->addWidget(taskPage);
}

void InspectorWidget::showNode(const QString &nodeId)
{
    if (!nodeId.isEmpty() && nodeId == d->nodeId && d->pages->currentWidget() == d->nodePage)
        return; // selected again: keep the selected step and what is being typed
    // No node (a document just opened): no look-up, which would index every node of the document.
    d->nodeId = !nodeId.isEmpty() && d->doc->indexOf(nodeId) >= 0 ? nodeId : QString();
    if (d->nodeId.isEmpty()) {
        d->pages->setCurrentWidget(d->emptyPage);
        d->editorPath.clear();
        return;
    }
    d->idEdit->setText(d->nodeId);
    d->idError->hide();
    d->paramsError->hide();
    d->editorPath.clear();
    d->pendingPath = QVariantList();
    d->refresh();
    d->pages->setCurrentWidget(d->nodePage);
}

void InspectorWidget::showTask(const QJsonObject &taskInfo)
{
    d->nodeId.clear();
    d->editorPath.clear();
    for (auto it = d->taskFields.cbegin(); it != d->taskFields.cend(); ++it) {
        const QJsonValue v = taskInfo.value(it.key());
        const bool isTime = it.key() == u"created" || it.key() == u"finished";
        // Times as the task table shows them (milliseconds are the clock's useful resolution).
        it.value()->setText(isTime && v.isDouble() ? u"%1 s"_s.arg(v.toDouble(), 0, 'f', 3) : taskValueText(v));
    }
    d->pages->setCurrentWidget(d->taskPage);
}

void InspectorWidget::Private::refresh()
{
    fillParams();
    rebuildSteps();
    updateNodeStatus();
}

void InspectorWidget::Private::rebuildSteps()
{
    const QVariantList keep = pendingPath ? *pendingPath : selectedPath();
    pendingPath.reset();
    rebuilding = true;
    steps->clear();
    addSteps(nullptr, nodeSteps(), {});
    steps->expandAll();
    selectPath(keep);
    rebuilding = false;

    // Keep what is being typed unless the document changed under it.
    const QVariantList path = selectedPath();
    if (path.isEmpty() || path != editorPath || valueAt(nodeSteps(), path) != editorOriginal)
        loadEditor(path);
    else
        validateEditor();
    updateButtons();
}

void InspectorWidget::Private::addSteps(QTreeWidgetItem *parent, const QJsonArray &list, const QVariantList &base)
{
    const auto add = [&](QTreeWidgetItem *under, const QString &text, const QVariantList &path, ItemKind kind) {
        auto *item = new QTreeWidgetItem(QStringList{text});
        item->setData(0, kPathRole, path);
        item->setData(0, kKindRole, int(kind));
        if (under)
            under->addChild(item);
        else
            steps->addTopLevelItem(item);
        return item;
    };
    for (int k = 0; k < list.size(); ++k) {
        const QVariantList path = base + QVariantList{k};
        const QJsonObject st = list.at(k).toObject();
        const QString text = list.at(k).isObject() ? GraphDocument::stepSummary(st)
                                                   : QString::fromUtf8(GraphDocument::formatJson(list.at(k)));
        QTreeWidgetItem *item = add(parent, text, path, StepItem);
        if (st.value(u"note").isString())
            item->setToolTip(0, st.value(u"note").toString());
        if (st.value(u"body").isArray())
            addSteps(item, st.value(u"body").toArray(), path + QVariantList{u"body"_s});
        const QJsonArray handlers = st.value(u"except").toArray();
        for (int h = 0; h < handlers.size(); ++h) {
            const QVariantList hpath = path + QVariantList{u"except"_s, h};
            QTreeWidgetItem *hitem = add(item, handlerText(handlers.at(h).toObject()), hpath, HandlerItem);
            addSteps(hitem, handlers.at(h).toObject().value(u"body").toArray(), hpath + QVariantList{u"body"_s});
        }
        if (st.contains(u"finally")) {
            const QVariantList fpath = path + QVariantList{u"finally"_s};
            QTreeWidgetItem *fitem = add(item, u"finally"_s, fpath, FinallyItem);
            addSteps(fitem, st.value(u"finally").toArray(), fpath);
        }
    }
}

void InspectorWidget::Private::selectPath(const QVariantList &path)
{
    QTreeWidgetItem *found = nullptr;
    if (!path.isEmpty()) {
        for (QTreeWidgetItemIterator it(steps); *it; ++it) {
            if ((*it)->data(0, kPathRole).toList() == path) {
                found = *it;
                break;
            }
        }
    }
    steps->setCurrentItem(found);
    if (found)
        steps->scrollToItem(found);
}

void InspectorWidget::Private::loadEditor(const QVariantList &path)
{
    editorPath = path;
    const bool on = !path.isEmpty();
    editorOriginal = on ? valueAt(nodeSteps(), path) : QJsonValue();
    {
        const QSignalBlocker block(editor);
        editor->setPlainText(on ? QString::fromUtf8(GraphDocument::formatJson(editorOriginal, kEditorWidth))
                                : QString());
    }
    editor->setEnabled(on);
    validateEditor();
}

void InspectorWidget::Private::validateEditor()
{
    revert->setEnabled(false);
    if (editorPath.isEmpty() || nodeId.isEmpty()) {
        editorStatus->clear();
        apply->setEnabled(false);
        return;
    }
    const auto show = [this](const QString &text, const QColor &color, const char *state) {
        editorStatus->setText(text);
        editorStatus->setProperty("state", QString::fromLatin1(state));
        setColor(editorStatus, color);
    };
    QString error;
    const QJsonValue value = GraphDocument::parseJson(editor->toPlainText().toUtf8(), &error);
    const bool changed = value != editorOriginal;
    revert->setEnabled(value.isUndefined() || changed);
    if (value.isUndefined()) {
        show(error, kErrorColor, "error");
        apply->setEnabled(false);
        return;
    }
    // The candidate: the document with this value in place, checked as a whole by the loader.
    const int i = nodeIndex();
    QJsonObject root = doc->root();
    QJsonArray nodes = root.value(u"nodes").toArray();
    QJsonObject node = nodes.at(i).toObject();
    node.insert(u"steps"_s, withValueAt(node.value(u"steps"), editorPath, value));
    nodes.replace(i, node);
    root.insert(u"nodes"_s, nodes);
    const QString message = doc->validationErrorOf(root);
    if (message.isEmpty()) {
        show(tr("valid"), kValidColor, "valid");
        apply->setEnabled(changed);
        return;
    }
    // An error elsewhere in an already invalid graph does not block fixing this step.
    const bool here = isInside(message, placeOf(i, editorPath)) || doc->validationError().isEmpty();
    show(message, here ? kErrorColor : kWarningColor, here ? "error" : "elsewhere");
    editorStatus->setToolTip(here ? QString() : tr("The graph has an error elsewhere; this step can be applied."));
    apply->setEnabled(!here && changed);
}

void InspectorWidget::Private::updateButtons()
{
    const QVariantList path = selectedPath();
    const bool inList = !path.isEmpty() && path.last().typeId() == QMetaType::Int;
    const int index = inList ? path.last().toInt() : -1;
    const int size = inList ? int(valueAt(nodeSteps(), path.mid(0, path.size() - 1)).toArray().size()) : 0;
    deleteStep->setEnabled(inList);
    upStep->setEnabled(inList && index > 0);
    downStep->setEnabled(inList && index + 1 < size);
}

void InspectorWidget::Private::updateNodeStatus()
{
    // The document's error, when it lies in this node: said under the list, marked on the step.
    const QString error = nodeId.isEmpty() ? QString() : doc->validationError();
    const QString place = u"nodes["_s + QString::number(nodeIndex()) + u']';
    const bool mine = !error.isEmpty() && isInside(error, place);
    nodeStatus->setVisible(mine);
    nodeStatus->setText(mine ? error : QString());
    QTreeWidgetItem *marked = nullptr;
    qsizetype best = -1;
    for (QTreeWidgetItemIterator it(steps); *it; ++it) {
        (*it)->setForeground(0, QBrush());
        const QString itemPlace = placeOf(nodeIndex(), (*it)->data(0, kPathRole).toList());
        if (mine && isInside(error, itemPlace) && itemPlace.size() > best) {
            best = itemPlace.size();
            marked = *it;
        }
    }
    if (marked)
        marked->setForeground(0, kErrorColor);
}

void InspectorWidget::Private::fillParams()
{
    const QJsonObject current = doc->node(nodeId).value(u"params").toObject();
    // Leave the table alone when it already says this (e.g. right after its own edit).
    QJsonObject shown;
    bool same = paramsError->isHidden();
    for (int r = 0; same && r < params->rowCount(); ++r) {
        QString error;
        const QJsonValue v
            = GraphDocument::parseJson(params->item(r, 1) ? params->item(r, 1)->text().toUtf8() : "", &error);
        same = params->item(r, 0) && !v.isUndefined() && !shown.contains(params->item(r, 0)->text());
        if (same)
            shown.insert(params->item(r, 0)->text(), v);
    }
    if (same && shown == current && params->rowCount() == current.size())
        return;
    fillingParams = true;
    params->setRowCount(0);
    for (auto it = current.constBegin(); it != current.constEnd(); ++it) {
        const int r = params->rowCount();
        params->insertRow(r);
        params->setItem(r, 0, new QTableWidgetItem(it.key()));
        params->setItem(r, 1, new QTableWidgetItem(QString::fromUtf8(GraphDocument::formatJson(it.value()))));
    }
    fillingParams = false;
    paramsError->hide();
}

void InspectorWidget::Private::paramsEdited()
{
    QJsonObject p;
    QString problem;
    for (int r = 0; r < params->rowCount() && problem.isEmpty(); ++r) {
        const QString name = params->item(r, 0) ? params->item(r, 0)->text().trimmed() : QString();
        if (!GraphDocument::isIdentifier(name)) {
            problem = tr("params: '%1' is not an identifier").arg(name);
            break;
        }
        if (p.contains(name)) {
            problem = tr("params: '%1' appears twice").arg(name);
            break;
        }
        QString error;
        const QJsonValue v
            = GraphDocument::parseJson(params->item(r, 1) ? params->item(r, 1)->text().toUtf8() : QByteArray(), &error);
        if (v.isUndefined())
            problem = u"params."_s + name + u": " + error;
        p.insert(name, v);
    }
    paramsError->setVisible(!problem.isEmpty());
    paramsError->setText(problem);
    if (problem.isEmpty())
        doc->setNodeParams(nodeId, p);
}

// A change below a top-level step is a replacement of that top-level step.
void InspectorWidget::Private::commitSteps(const QJsonArray &newSteps, const QVariantList &select)
{
    const int top = select.isEmpty() ? 0 : select.first().toInt();
    pendingPath = select;
    doc->replaceStep(nodeId, top, newSteps.at(top).toObject());
    pendingPath.reset();
}

void InspectorWidget::Private::applyEditor()
{
    QString error;
    const QJsonValue value = GraphDocument::parseJson(editor->toPlainText().toUtf8(), &error);
    if (value.isUndefined() || editorPath.isEmpty())
        return;
    const QJsonArray updated = withValueAt(nodeSteps(), editorPath, value).toArray();
    commitSteps(updated, editorPath);
}

void InspectorWidget::Private::deleteSelected()
{
    const QVariantList path = selectedPath();
    if (path.isEmpty() || path.last().typeId() != QMetaType::Int)
        return;
    const int index = path.last().toInt();
    if (path.size() == 1) {
        const int count = int(nodeSteps().size());
        pendingPath = count > 1 ? QVariantList{std::min(index, count - 2)} : QVariantList();
        doc->removeStep(nodeId, index);
        pendingPath.reset();
        return;
    }
    const QVariantList parentPath = path.mid(0, path.size() - 1);
    QJsonArray list = valueAt(nodeSteps(), parentPath).toArray();
    list.removeAt(index);
    QVariantList next = parentPath;
    if (!list.isEmpty())
        next.append(std::min<int>(index, int(list.size()) - 1));
    else if (next.last().toString() != u"finally")
        next.removeLast(); // an emptied body or handler list: select the step (or handler) owning it
    commitSteps(withValueAt(nodeSteps(), parentPath, list).toArray(), next);
}

void InspectorWidget::Private::moveSelected(int delta)
{
    const QVariantList path = selectedPath();
    if (path.isEmpty() || path.last().typeId() != QMetaType::Int)
        return;
    const int from = path.last().toInt();
    const int to = from + delta;
    QVariantList target = path;
    target.last() = to;
    if (path.size() == 1) {
        pendingPath = target;
        doc->moveStep(nodeId, from, to);
        pendingPath.reset();
        return;
    }
    const QVariantList parentPath = path.mid(0, path.size() - 1);
    QJsonArray list = valueAt(nodeSteps(), parentPath).toArray();
    if (to < 0 || to >= list.size())
        return;
    const QJsonValue moved = list.takeAt(from);
    list.insert(to, moved);
    commitSteps(withValueAt(nodeSteps(), parentPath, list).toArray(), target);
}

void InspectorWidget::Private::addStepOf(const QString &op)
{
    // Templates that need a node use another node than this one (no accidental recursion).
    QString child = nodeId;
    for (const QString &id : doc->nodeIds()) {
        if (id != nodeId) {
            child = id;
            break;
        }
    }
    const QJsonObject step = GraphDocument::stepTemplate(op, child);
    const QVariantList path = selectedPath();
    const QTreeWidgetItem *item = selected();
    const int kind = item ? item->data(0, kKindRole).toInt() : StepItem;
    if (path.isEmpty() || path.size() == 1) {
        const int at = path.isEmpty() ? int(nodeSteps().size()) : path.first().toInt() + 1;
        pendingPath = QVariantList{at};
        doc->insertStep(nodeId, at, step);
        pendingPath.reset();
        return;
    }
    // Into the selected handler's or finally's list, else after the selected nested step.
    QVariantList listPath = path.mid(0, path.size() - 1);
    int at = path.last().toInt() + 1;
    if (kind == HandlerItem || kind == FinallyItem) {
        listPath = kind == HandlerItem ? path + QVariantList{u"body"_s} : path;
        at = int(valueAt(nodeSteps(), listPath).toArray().size());
    }
    QJsonArray list = valueAt(nodeSteps(), listPath).toArray();
    list.insert(at, step);
    commitSteps(withValueAt(nodeSteps(), listPath, list).toArray(), listPath + QVariantList{at});
}

void InspectorWidget::Private::renameFromEdit()
{
    const QString text = idEdit->text().trimmed();
    if (nodeId.isEmpty() || text == nodeId) {
        idError->hide();
        return;
    }
    QString error;
    if (doc->renameNode(nodeId, text, &error)) {
        idError->hide();
        return;
    }
    idError->setText(error);
    idError->show();
}

} // namespace ascope
