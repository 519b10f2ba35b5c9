// Tests of the inspector (widgets/inspector.h), offscreen with real input: the selected node's
// steps are listed, the step editor validates as you type with the loader's messages, Apply
// and Up/Down/Delete/Add edit through the document (so undo restores), the id field renames.
#include "graphdocument.h"
#include "inspector.h"

#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>
#include <QUndoStack>

using namespace ascope;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kDocument = R"({"format": "asyncgraph/1", "name": "inspected", "nodes": [
  {"id": "main", "steps": [
    {"op": "spawn", "node": "fetch", "as": "$t"},
    {"op": "try", "body": [{"op": "sleep", "seconds": 1}],
     "except": [{"types": ["ValueError"], "as": "$e", "body": [{"op": "return", "value": 1}]}],
     "finally": [{"op": "sleep", "seconds": 0.5}]},
    {"op": "sleep", "seconds": 2, "note": "think"},
    {"op": "return", "value": "$t"}]},
  {"id": "fetch", "params": {"d": 1.5}, "steps": [{"op": "sleep", "seconds": "$d"}]}
]})";

} // namespace

class TestInspector : public QObject
{
    Q_OBJECT

    GraphDocument *m_doc = nullptr;
    InspectorWidget *m_widget = nullptr;

    template<typename T> T *child(const char *name) const
    {
        T *w = m_widget->findChild<T *>(QString::fromLatin1(name));
        if (!w)
            qWarning("no child %s", name);
        return w;
    }
    QTreeWidget *tree() const { return child<QTreeWidget>("stepsTree"); }
    QPlainTextEdit *editor() const { return child<QPlainTextEdit>("stepEditor"); }
    QLabel *status() const { return child<QLabel>("stepStatus"); }
    QPushButton *applyButton() const { return child<QPushButton>("applyStepButton"); }

    QJsonArray mainSteps() const { return m_doc->node(u"main"_s).value(u"steps").toArray(); }

    QTreeWidgetItem *itemAt(const QVariantList &path) const
    {
        QTreeWidgetItem *item = tree()->topLevelItem(path.first().toInt());
        for (qsizetype k = 1; item && k < path.size(); ++k)
            item = item->child(path[k].toInt());
        return item;
    }

    void typeInEditor(const QString &text)
    {
        editor()->setFocus();
        editor()->selectAll();
        QTest::keyClicks(editor(), text);
        QCOMPARE(editor()->toPlainText(), text);
    }

private Q_SLOTS:
    void init()
    {
        m_doc = new GraphDocument;
        QString error;
        QVERIFY2(m_doc->loadJson(kDocument, u"inspected.json"_s, &error), qPrintable(error));
        m_widget = new InspectorWidget(m_doc);
        m_widget->resize(420, 700);
        m_widget->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_widget));
        m_widget->showNode(u"main"_s);
    }

    void cleanup()
    {
        delete m_widget;
        delete m_doc;
    }

    void stepsListed()
    {
        QCOMPARE(child<QLineEdit>("idEdit")->text(), u"main"_s);
        QVERIFY(tree()->isVisible());
        QCOMPARE(tree()->topLevelItemCount(), 4);
        QCOMPARE(tree()->topLevelItem(0)->text(0), u"spawn fetch \u2192 $t"_s);
        QCOMPARE(tree()->topLevelItem(2)->text(0), u"sleep 2"_s);
        QCOMPARE(tree()->topLevelItem(2)->toolTip(0), u"think"_s);
        // Nested steps indented under their step: body, handler (with its body), finally.
        QTreeWidgetItem *tryItem = tree()->topLevelItem(1);
        QCOMPARE(tryItem->text(0), u"try"_s);
        QCOMPARE(tryItem->childCount(), 3);
        QCOMPARE(tryItem->child(0)->text(0), u"sleep 1"_s);
        QCOMPARE(tryItem->child(1)->text(0), u"except ValueError \u2192 $e"_s);
        QCOMPARE(tryItem->child(1)->child(0)->text(0), u"return 1"_s);
        QCOMPARE(tryItem->child(2)->text(0), u"finally"_s);
        QCOMPARE(tryItem->child(2)->child(0)->text(0), u"sleep 0.5"_s);
        // Parameters of another node.
        m_widget->showNode(u"fetch"_s);
        auto *params = child<QTableWidget>("paramsTable");
        QCOMPARE(params->rowCount(), 1);
        QCOMPARE(params->item(0, 0)->text(), u"d"_s);
        QCOMPARE(params->item(0, 1)->text(), u"1.5"_s);
        QCOMPARE(tree()->topLevelItemCount(), 1);
        // Nothing selected: the node form goes away.
        m_widget->showNode(QString());
        QVERIFY(!tree()->isVisible());
    }

    void editorValidates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("invalid JSON") << u"{\"op\": \"sleep\", \"seconds\": "_s << u"invalid JSON at offset "_s;
        QTest::newRow("negative seconds") << u"{\"op\": \"sleep\", \"seconds\": -1}"_s
                                          << u"nodes[0].steps[2].seconds: must not be negative, got -1"_s;
        QTest::newRow("unknown op") << u"{\"op\": \"slep\"}"_s << u"nodes[0].steps[2].op: unknown operation 'slep'"_s;
        QTest::newRow("unknown node") << u"{\"op\": \"await\", \"target\": \"nope\"}"_s
                                      << u"nodes[0].steps[2].target: no node 'nope'"_s;
        QTest::newRow("missing field") << u"{\"op\": \"sleep\"}"_s
                                       << u"nodes[0].steps[2] (sleep): missing field(s) ['seconds']"_s;
        QTest::newRow("reraise outside except")
            << u"{\"op\": \"reraise\"}"_s << u"nodes[0].steps[2]: reraise is only allowed inside an except body"_s;
    }

    void editorValidates()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const QJsonArray original = mainSteps();
        tree()->setCurrentItem(tree()->topLevelItem(2));
        QCOMPARE(editor()->toPlainText(), u"{\"op\": \"sleep\", \"seconds\": 2, \"note\": \"think\"}"_s);
        QCOMPARE(status()->text(), u"valid"_s);
        QVERIFY(!applyButton()->isEnabled()); // nothing changed yet

        typeInEditor(text);
        QVERIFY2(status()->text().startsWith(message), qPrintable(status()->text()));
        QCOMPARE(status()->property("state").toString(), u"error"_s);
        QVERIFY(!applyButton()->isEnabled());
        QCOMPARE(mainSteps(), original); // typing changes nothing

        // Fixed: valid, applied through the document, undone by its stack.
        typeInEditor(u"{\"op\": \"sleep\", \"seconds\": 3, \"note\": \"longer\"}"_s);
        QCOMPARE(status()->text(), u"valid"_s);
        QCOMPARE(status()->property("state").toString(), u"valid"_s);
        QVERIFY(applyButton()->isEnabled());
        QTest::mouseClick(applyButton(), Qt::LeftButton);
        QCOMPARE(mainSteps().at(2).toObject(),
                 (QJsonObject{{u"op"_s, u"sleep"_s}, {u"seconds"_s, 3}, {u"note"_s, u"longer"_s}}));
        QCOMPARE(m_doc->undoStack()->count(), 1);
        QCOMPARE(tree()->topLevelItem(2)->text(0), u"sleep 3"_s);
        QCOMPARE(tree()->currentItem(), tree()->topLevelItem(2));
        QVERIFY(!applyButton()->isEnabled());

        m_doc->undoStack()->undo();
        QCOMPARE(mainSteps(), original);
        QCOMPARE(tree()->topLevelItem(2)->text(0), u"sleep 2"_s);
        QCOMPARE(editor()->toPlainText(), u"{\"op\": \"sleep\", \"seconds\": 2, \"note\": \"think\"}"_s);
    }

    void reselectKeepsTyping()
    {
        tree()->setCurrentItem(tree()->topLevelItem(2));
        typeInEditor(u"{\"op\": \"sleep\", \"seconds\": 9}"_s);
        m_widget->showNode(u"main"_s); // the graph view reports the same selection again
        QCOMPARE(editor()->toPlainText(), u"{\"op\": \"sleep\", \"seconds\": 9}"_s);
        QCOMPARE(tree()->currentItem(), tree()->topLevelItem(2));
        // An edit elsewhere in the node leaves the text being typed alone too.
        QVERIFY(m_doc->removeStep(u"main"_s, 3));
        QCOMPARE(editor()->toPlainText(), u"{\"op\": \"sleep\", \"seconds\": 9}"_s);
        QVERIFY(applyButton()->isEnabled());
    }

    void nestedStepEdited()
    {
        // The handler's step: reraise is fine there, and the edit replaces the enclosing step.
        tree()->setCurrentItem(itemAt({1, 1, 0}));
        QCOMPARE(editor()->toPlainText(), u"{\"op\": \"return\", \"value\": 1}"_s);
        typeInEditor(u"{\"op\": \"reraise\"}"_s);
        QCOMPARE(status()->text(), u"valid"_s);
        QTest::keyClick(editor(), Qt::Key_Return, Qt::ControlModifier);
        const QJsonObject tryStep = mainSteps().at(1).toObject();
        QCOMPARE(tryStep[u"except"].toArray().at(0).toObject()[u"body"].toArray().at(0).toObject(),
                 (QJsonObject{{u"op"_s, u"reraise"_s}}));
        QCOMPARE(tree()->currentItem(), itemAt({1, 1, 0}));
        QCOMPARE(tree()->currentItem()->text(0), u"reraise"_s);

        // In the try body it is not: the message names the nested place.
        tree()->setCurrentItem(itemAt({1, 0}));
        typeInEditor(u"{\"op\": \"reraise\"}"_s);
        QVERIFY2(status()->text().startsWith(u"nodes[0].steps[1].body[0]: reraise is only allowed"),
                 qPrintable(status()->text()));
        QVERIFY(!applyButton()->isEnabled());
        m_doc->undoStack()->undo();
        QCOMPARE(m_doc->validationError(), QString());
    }

    void upDownThroughDocument()
    {
        const QJsonArray original = mainSteps();
        auto *up = child<QToolButton>("upStepButton");
        auto *down = child<QToolButton>("downStepButton");
        tree()->setCurrentItem(tree()->topLevelItem(0));
        QVERIFY(!up->isEnabled());
        QVERIFY(down->isEnabled());
        tree()->setCurrentItem(tree()->topLevelItem(2));
        QTest::mouseClick(up, Qt::LeftButton);
        QCOMPARE(mainSteps().at(1), original.at(2));
        QCOMPARE(mainSteps().at(2), original.at(1));
        QCOMPARE(tree()->currentItem(), tree()->topLevelItem(1)); // the selection follows the step
        QCOMPARE(tree()->currentItem()->text(0), u"sleep 2"_s);
        QTest::mouseClick(up, Qt::LeftButton);
        QCOMPARE(mainSteps().at(0), original.at(2));
        QVERIFY(!up->isEnabled());
        QTest::mouseClick(down, Qt::LeftButton);
        QTest::mouseClick(down, Qt::LeftButton);
        QCOMPARE(mainSteps(), original);
        QCOMPARE(m_doc->undoStack()->count(), 4);
        tree()->setCurrentItem(tree()->topLevelItem(3));
        QVERIFY(!down->isEnabled());
        m_doc->undoStack()->undo();
        QCOMPARE(mainSteps().at(2), original.at(1));
        m_doc->undoStack()->setIndex(0);
        QCOMPARE(mainSteps(), original);
    }

    void deleteAndAdd()
    {
        const QJsonArray original = mainSteps();
        tree()->setCurrentItem(tree()->topLevelItem(3));
        QTest::mouseClick(child<QToolButton>("deleteStepButton"), Qt::LeftButton);
        QCOMPARE(mainSteps().size(), 3);
        QCOMPARE(tree()->topLevelItemCount(), 3);
        QCOMPARE(tree()->currentItem(), tree()->topLevelItem(2));

        // Add after the selected step, from the menu of operations.
        tree()->setCurrentItem(tree()->topLevelItem(0));
        QMenu *menu = child<QToolButton>("addStepButton")->menu();
        QVERIFY(menu);
        QCOMPARE(menu->actions().size(), GraphDocument::stepOps().size());
        QAction *gather = nullptr;
        for (QAction *a : menu->actions()) {
            if (a->data().toString() == u"gather")
                gather = a;
        }
        QVERIFY(gather);
        gather->trigger();
        QCOMPARE(mainSteps().size(), 4);
        QCOMPARE(mainSteps().at(1).toObject()[u"op"].toString(), u"gather"_s);
        QCOMPARE(mainSteps().at(1).toObject()[u"children"].toArray().at(0).toString(), u"fetch"_s);
        QCOMPARE(tree()->currentItem(), tree()->topLevelItem(1));
        QVERIFY(m_doc->validationError().isEmpty());

        // Into the finally list when "finally" is selected; deleting a nested step.
        tree()->setCurrentItem(itemAt({2, 2}));
        QCOMPARE(tree()->currentItem()->text(0), u"finally"_s);
        gather->trigger();
        QCOMPARE(mainSteps().at(2).toObject()[u"finally"].toArray().size(), 2);
        QCOMPARE(tree()->currentItem(), itemAt({2, 2, 1}));
        QTest::mouseClick(child<QToolButton>("deleteStepButton"), Qt::LeftButton);
        QCOMPARE(mainSteps().at(2).toObject()[u"finally"].toArray().size(), 1);

        m_doc->undoStack()->setIndex(0);
        QCOMPARE(mainSteps(), original);
        QCOMPARE(tree()->topLevelItemCount(), 4);
    }

    void idRenames()
    {
        auto *id = child<QLineEdit>("idEdit");
        auto *error = child<QLabel>("idError");
        id->setFocus();
        id->selectAll();
        QTest::keyClicks(id, u"1bad"_s);
        QTest::keyClick(id, Qt::Key_Return);
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(u"not a valid node id"), qPrintable(error->text()));
        QCOMPARE(m_doc->nodeIds(), (QStringList{u"main"_s, u"fetch"_s}));

        id->selectAll();
        QTest::keyClicks(id, u"fetch"_s);
        QTest::keyClick(id, Qt::Key_Return);
        QVERIFY(error->text().contains(u"already a node 'fetch'"));

        id->selectAll();
        QTest::keyClicks(id, u"start"_s);
        QTest::keyClick(id, Qt::Key_Return);
        QVERIFY(!error->isVisible());
        QCOMPARE(m_doc->nodeIds(), (QStringList{u"start"_s, u"fetch"_s}));
        QCOMPARE(m_doc->root().value(u"entry").toString(), u"start"_s);
        QCOMPARE(tree()->topLevelItemCount(), 4); // still showing the same node

        m_doc->undoStack()->undo();
        QCOMPARE(id->text(), u"main"_s);
        QCOMPARE(tree()->topLevelItemCount(), 4);
    }

    void errorElsewhereDoesNotBlock()
    {
        // With fetch gone the spawn step is wrong; another step can still be fixed and applied.
        m_doc->removeNode(u"fetch"_s);
        QVERIFY(m_doc->validationError().startsWith(u"nodes[0].steps[0].node: no node 'fetch'"));
        auto *nodeStatus = child<QLabel>("nodeStatus");
        QVERIFY(nodeStatus->isVisible());
        QCOMPARE(tree()->topLevelItem(0)->foreground(0).color(), QColor(0xc6, 0x28, 0x28));
        tree()->setCurrentItem(tree()->topLevelItem(2));
        typeInEditor(u"{\"op\": \"sleep\", \"seconds\": 4}"_s);
        QCOMPARE(status()->property("state").toString(), u"elsewhere"_s);
        QVERIFY(applyButton()->isEnabled());
        QTest::mouseClick(applyButton(), Qt::LeftButton);
        QCOMPARE(mainSteps().at(2).toObject()[u"seconds"].toInt(), 4);
        // The broken step itself is blocked while its own error remains.
        tree()->setCurrentItem(tree()->topLevelItem(0));
        typeInEditor(u"{\"op\": \"spawn\", \"node\": \"gone\"}"_s);
        QCOMPARE(status()->property("state").toString(), u"error"_s);
        QVERIFY(!applyButton()->isEnabled());
        typeInEditor(u"{\"op\": \"spawn\", \"node\": \"main\", \"as\": \"$t\"}"_s);
        QCOMPARE(status()->text(), u"valid"_s);
        QTest::mouseClick(applyButton(), Qt::LeftButton);
        QVERIFY(m_doc->validationError().isEmpty());
        QVERIFY(!nodeStatus->isVisible());
    }

    void taskShown()
    {
        m_widget->showTask(QJsonObject{
            {u"name"_s, u"fetch#2"_s},
            {u"node"_s, u"fetch"_s},
            {u"state"_s, u"failed"_s},
            {u"created"_s, 0.5},
            {u"exception"_s, QJsonObject{{u"type"_s, u"ValueError"_s}, {u"message"_s, u"bad input"_s}}},
            {u"awaiting"_s, QJsonObject{{u"task"_s, u"main"_s}}},
        });
        QVERIFY(!tree()->isVisible());
        QCOMPARE(child<QLabel>("task_name")->text(), u"fetch#2"_s);
        QCOMPARE(child<QLabel>("task_state")->text(), u"failed"_s);
        QCOMPARE(child<QLabel>("task_created")->text(), u"0.500 s"_s);
        QCOMPARE(child<QLabel>("task_exception")->text(), u"ValueError: bad input"_s);
        QCOMPARE(child<QLabel>("task_awaiting")->text(), u"task main"_s);
        QCOMPARE(child<QLabel>("task_result")->text(), u"\u2014"_s);
        QVERIFY(child<QLabel>("task_name")->isVisible());
    }
};

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
