// The workbench window, offscreen, driven through its actions, shortcuts and mouse clicks:
// open an example and run it; step, select a task and cancel it, run on and see the states;
// injections stored in the document and replayed to the same outcome; run to a time and play;
// table/editor selection both ways; save -> load -> save byte-identical; prompts on unsaved
// changes (answered through the window's overridable hooks, no modal loop); load errors;
// drag and drop; editing resets the run.
#include "mainwindow.h"
#include "stalelock.h"

#include "graphdocument.h"
#include "grapheditor.h"
#include "graphitems.h"
#include "inspector.h"
#include "tasktablefilter.h"
#include "tasktablemodel.h"
#include "timelineview.h"
#include "trace.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QGraphicsScene>
#include <QJsonArray>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSysInfo>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

// The window with every question answered by the test.
class TestWindow : public MainWindow
{
public:
    SaveChoice saveAnswer = SaveChoice::Cancel;
    int savePrompts = 0;
    QString openAnswer;
    QString saveAsAnswer;
    std::optional<double> runToAnswer;
    Injection injectionAnswer; // kind and an empty target are filled from the call
    bool refuseInjection = false;
    QList<QPair<Injection::Kind, QString>> injectionAsks;
    QStringList errors;
    RecoveryChoice recoveryAnswer = RecoveryChoice::Later;
    QStringList recoveryAsks; // display names asked about
    QString exportAnswer;     // the file an export goes to
    QStringList exportSuggestions;
    std::optional<PictureRequest> pictureAnswer;

protected:
    RecoveryChoice askRecovery(const Autosaver::Recovery &r) override
    {
        recoveryAsks << r.displayName;
        return recoveryAnswer;
    }
    SaveChoice askSaveChanges() override
    {
        ++savePrompts;
        return saveAnswer;
    }
    QString askOpenFileName() override { return openAnswer; }
    QString askExportFileName(ExportKind, const QString &suggested) override
    {
        exportSuggestions << suggested;
        return exportAnswer;
    }
    std::optional<PictureRequest> askPicture(const QString &, const QString &) override { return pictureAnswer; }
    QString askSaveFileName() override { return saveAsAnswer; }
    std::optional<double> askRunToTime(double) override { return runToAnswer; }
    std::optional<Injection> askInjection(Injection::Kind kind, const QString &target) override
    {
        injectionAsks.append({kind, target});
        if (refuseInjection)
            return std::nullopt;
        Injection in = injectionAnswer;
        in.kind = kind;
        if (in.target.isEmpty())
            in.target = target;
        return in;
    }
    void reportError(const QString &title, const QString &text) override { errors << title + u": "_s + text; }
};

QString examplePath(const QString &file)
{
    return u":/examples/"_s + file;
}

QAction *action(MainWindow &w, const char *name)
{
    auto *a = w.findChild<QAction *>(QString::fromLatin1(name));
    if (!a)
        qFatal("no action %s", name);
    return a;
}

QStringList tableColumn(MainWindow &w, int column)
{
    QStringList out;
    const QAbstractItemModel *m = w.taskView()->model();
    for (int r = 0; r < m->rowCount(); ++r)
        out << m->index(r, column).data().toString();
    return out;
}

QString stateOfTask(MainWindow &w, const QString &task)
{
    return w.taskModel()->stateOf(w.taskModel()->rowForTask(task));
}

QString nodeColourState(MainWindow &w, const QString &node)
{
    const QList<QGraphicsItem *> items = w.editor()->scene()->items();
    for (QGraphicsItem *item : items) {
        if (auto *n = qgraphicsitem_cast<GraphNodeItem *>(item); n && n->id() == node)
            return n->state();
    }
    return u"<no item>"_s;
}

bool waitForEnd(MainWindow &w)
{
    QSignalSpy finished(&w, &MainWindow::runFinished);
    if (w.engine() && w.engine()->isFinished())
        return true;
    return finished.wait(15000);
}

void clickRow(MainWindow &w, const QString &task)
{
    QTableView *view = w.taskView();
    const int row = w.taskModel()->rowForTask(task);
    const QModelIndex at = w.taskFilter()->mapFromSource(w.taskModel()->index(row, TaskTableModel::NodeColumn));
    QVERIFY2(at.isValid(), qPrintable(task));
    view->scrollTo(at);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(at).center());
}

// Steps (F10's action) until `task` exists and waits.
void stepUntilWaiting(MainWindow &w, const QString &task)
{
    for (int i = 0; i < 50 && stateOfTask(w, task) != u"waiting"; ++i)
        action(w, "actionStep")->trigger();
}

// With ASYNCSCOPE_TEST_SCREENSHOTS=DIR set, saves the window as DIR/<name>.png (to look at what a
// test drove the window into; nothing is asserted on the picture).
void maybeScreenshot(QWidget &w, const QString &name)
{
    const QString dir = qEnvironmentVariable("ASYNCSCOPE_TEST_SCREENSHOTS");
    if (!dir.isEmpty())
        w.grab().save(dir + u'/' + name + u".png"_s);
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

using ascope::test::staleLockContents;

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"asyncscope"_s);
        QCoreApplication::setApplicationName(u"asyncscope-test"_s);
        QSettings().clear();
        QVERIFY(m_tmp.isValid());
    }

    void openExampleAndRun_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("tasks");
        QTest::addColumn<QStringList>("states");
        QTest::addColumn<QString>("counts");
        QTest::newRow("TaskGroup failure")
            << u"taskgroup-failure.json"_s
            << QStringList{u"main"_s, u"load_cart"_s, u"charge_card"_s, u"send_receipt"_s}
            << QStringList{u"done"_s, u"cancelled"_s, u"failed"_s, u"cancelled"_s}
            << u"1 done · 1 failed · 2 cancelled"_s;
        QTest::newRow("as_completed") << u"as-completed.json"_s
                                      << QStringList{u"main"_s, u"download"_s, u"download#2"_s, u"download#3"_s}
                                      << QStringList{u"done"_s, u"done"_s, u"done"_s, u"done"_s} << u"4 done"_s;
        // Tasks collected while pending: "destroyed" in the table and on their nodes.
        QTest::newRow("fire-and-forget") << u"fire-and-forget.json"_s
                                         << QStringList{u"main"_s, u"audit"_s, u"listener"_s, u"heartbeat"_s}
                                         << QStringList{u"done"_s, u"failed"_s, u"destroyed"_s, u"destroyed"_s}
                                         << u"1 done · 1 failed · 2 destroyed"_s;
        QTest::newRow("deadlock") << u"deadlock.json"_s << QStringList{u"main"_s, u"client"_s, u"server"_s}
                                  << QStringList{u"waiting"_s, u"waiting"_s, u"waiting"_s} << u"3 waiting"_s;
    }

    void openExampleAndRun()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, tasks);
        QFETCH(QStringList, states);
        QFETCH(QString, counts);
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(file)));
        QVERIFY(w.errors.isEmpty());
        QVERIFY(!w.isWindowModified());
        QVERIFY(w.windowTitle().contains(file));
        QCOMPARE(w.taskView()->model()->rowCount(), 0);

        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(w.taskView()->model()->rowCount(), int(tasks.size()));
        QCOMPARE(tableColumn(w, TaskTableModel::TaskColumn), tasks);
        QCOMPARE(tableColumn(w, TaskTableModel::StateColumn), states);
        QCOMPARE(w.countsText(), counts);
        QVERIFY2(w.runStatusText().startsWith(u"finished"_s), qPrintable(w.runStatusText()));
        QCOMPARE(w.timeText(), u"t = %1 s"_s.arg(w.engine()->runtime().loop().time(), 0, 'f', 3));
        // The editor colours each node by the state of its most recent task.
        for (int i = 0; i < tasks.size(); ++i) {
            const QString node = w.taskModel()->nodeOf(i);
            QCOMPARE(nodeColourState(w, node), w.taskModel()->nodeStates().value(node));
        }
        QCOMPARE(nodeColourState(w, u"main"_s), states.first() == u"waiting" ? u"waiting"_s : u"done"_s);

        action(w, "actionReset")->trigger();
        QVERIFY(!w.engine());
        QCOMPARE(w.taskView()->model()->rowCount(), 0);
        QCOMPARE(w.timeText(), u"t = 0.000 s"_s);
        QCOMPARE(nodeColourState(w, u"main"_s), QString());
    }

    void shortcutsDriveTheRun()
    {
        TestWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QVERIFY(w.openPath(examplePath(u"as-completed.json"_s)));
        w.editor()->setFocus();
        QTest::keyClick(&w, Qt::Key_F10); // Step
        QCOMPARE(w.iterationText(), u"iteration 1"_s);
        QCOMPARE(w.runMode(), MainWindow::RunMode::Paused);
        QTest::keyClick(&w, Qt::Key_F5); // Run
        QVERIFY(waitForEnd(w));
        QCOMPARE(w.runMode(), MainWindow::RunMode::Finished);
        QTest::keyClick(&w, Qt::Key_R, Qt::ControlModifier); // Reset
        QVERIFY(!w.engine());
        QCOMPARE(w.runMode(), MainWindow::RunMode::Idle);
    }

    void cancelSelectedTask_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QStringList>("states");
        QTest::addColumn<QString>("mainResult");
        // upload turns its CancelledError into a ConnectionError: the group cancels the rest.
        QTest::newRow("cancel upload: the group cancels the downloads")
            << u"upload"_s << QStringList{u"done"_s, u"cancelled"_s, u"cancelled"_s, u"failed"_s}
            << u"ExceptionGroup('unhandled errors in a TaskGroup', [ConnectionError('upload aborted')])"_s;
        // A merely cancelled child is ignored by TaskGroup (taskgroups.py _on_task_done): the
        // others finish, then collecting the results (t.result()) raises CancelledError in main.
        QTest::newRow("cancel a download: the group carries on")
            << u"download#2"_s << QStringList{u"cancelled"_s, u"done"_s, u"cancelled"_s, u"done"_s}
            << u"CancelledError()"_s;
    }

    void cancelSelectedTask()
    {
        QFETCH(QString, target);
        QFETCH(QStringList, states);
        QFETCH(QString, mainResult);
        TestWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w)); // shortcuts need the active window
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        stepUntilWaiting(w, target);
        QCOMPARE(stateOfTask(w, target), u"waiting"_s);
        QCOMPARE(w.runMode(), MainWindow::RunMode::Paused);

        clickRow(w, target);
        QCOMPARE(w.selectedTask(), target);
        QCOMPARE(w.editor()->selectedNode(), w.taskModel()->nodeOf(w.taskModel()->rowForTask(target)));

        w.injectionAnswer.hasMessage = true;
        w.injectionAnswer.message = u"stopped by the user"_s;
        w.taskView()->setFocus();
        QTest::keyClick(w.taskView(), Qt::Key_Delete); // Cancel (Del, in the task table)
        QCOMPARE(w.injectionAsks.size(), 1);
        QCOMPARE(w.injectionAsks.first().first, Injection::Kind::Cancel);
        QCOMPARE(w.injectionAsks.first().second, target);
        QVERIFY2(w.statusBar()->currentMessage().contains(u"Injected cancel on "_s + target),
                 qPrintable(w.statusBar()->currentMessage()));
        QCOMPARE(w.engine()->injections().size(), size_t(1));

        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(tableColumn(w, TaskTableModel::TaskColumn),
                 (QStringList{u"main"_s, u"download"_s, u"download#2"_s, u"upload"_s}));
        QCOMPARE(tableColumn(w, TaskTableModel::StateColumn), states);
        QCOMPARE(w.taskModel()->index(0, TaskTableModel::ResultColumn).data().toString(), mainResult);
    }

    void injectionsAreSavedAndReplayed()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        stepUntilWaiting(w, u"upload"_s);
        w.selectTask(u"upload"_s);
        action(w, "actionCancel")->trigger();
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        const QJsonObject live = w.engine()->outcome();

        // One undo command put the script into the document: it is modified, and saved with it.
        const QJsonArray script = w.document()->root().value(u"injections").toArray();
        QCOMPARE(script.size(), 1);
        QCOMPARE(script.at(0).toObject().value(u"op").toString(), u"cancel"_s);
        QCOMPARE(script.at(0).toObject().value(u"target").toString(), u"upload"_s);
        QVERIFY(w.document()->isModified());
        QVERIFY(w.isWindowModified());
        QVERIFY(w.engine()); // storing the script did not reset the run
        QCOMPARE(w.document()->undoStack()->count(), 1);

        action(w, "actionReplay")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(w.engine()->outcome(), live);
        QCOMPARE(stateOfTask(w, u"download"_s), u"cancelled"_s);
        QCOMPARE(w.document()->undoStack()->count(), 1); // same script: nothing new to store

        // The saved file replays headless the same way (the runner applies the script).
        const QString path = m_tmp.filePath(u"replay.json"_s);
        w.saveAsAnswer = path;
        QVERIFY(w.saveAs());
        QVERIFY(readAll(path).contains("\"injections\""));

        // A plain Run ignores the script.
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(stateOfTask(w, u"download"_s), u"done"_s);
    }

    void runToTimeThenCancel()
    {
        // The README's walk-through with Run to time instead of Play: pause at 0.5 s, cancel
        // the upload, watch the group cancel the downloads.
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        w.runToAnswer = 0.5;
        action(w, "actionRunToTime")->trigger();
        QTRY_COMPARE(w.runMode(), MainWindow::RunMode::Paused);
        QVERIFY(w.engine()->runtime().loop().time() <= 0.5);
        for (const QString &t : {u"download"_s, u"download#2"_s, u"upload"_s})
            QCOMPARE(stateOfTask(w, t), u"waiting"_s);
        w.selectTask(u"upload"_s);
        action(w, "actionCancel")->trigger();
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(stateOfTask(w, u"download"_s), u"cancelled"_s);
        QCOMPARE(stateOfTask(w, u"download#2"_s), u"cancelled"_s);
        QCOMPARE(stateOfTask(w, u"upload"_s), u"failed"_s);
        QCOMPARE(nodeColourState(w, u"download"_s), u"cancelled"_s);

        // Run to a time past a timer stops right after it.
        action(w, "actionReset")->trigger();
        w.runToAnswer = 2.0;
        action(w, "actionRunToTime")->trigger();
        QTRY_COMPARE(w.runMode(), MainWindow::RunMode::Paused);
        QCOMPARE(w.engine()->runtime().loop().time(), 2.0);
        QCOMPARE(w.timeText(), u"t = 2.000 s"_s);
    }

    void playInRealTime()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"as-completed.json"_s)));
        w.setSpeed(20); // 2 virtual seconds in 0.1 s
        action(w, "actionPlay")->trigger();
        QCOMPARE(w.runMode(), MainWindow::RunMode::Playing);
        QVERIFY(w.engine()->isRealTime());
        QCOMPARE(w.engine()->speed(), 20.0);
        QVERIFY(waitForEnd(w));
        QCOMPARE(tableColumn(w, TaskTableModel::StateColumn),
                 (QStringList{u"done"_s, u"done"_s, u"done"_s, u"done"_s}));

        // Pause stops the clock; Play resumes.
        action(w, "actionReset")->trigger();
        w.setSpeed(1);
        action(w, "actionPlay")->trigger();
        QTRY_VERIFY(w.taskModel()->rowCount() == 4);
        action(w, "actionPause")->trigger();
        QCOMPARE(w.runMode(), MainWindow::RunMode::Paused);
        QVERIFY(w.engine()->isPaused());
        QVERIFY(!w.engine()->isFinished());
    }

    void playPauseAtHalfASecondThenCancel()
    {
        // The README's walk-through as a user does it: Play, Pause at 0.5 s, cancel the upload,
        // play on: the group cancels the downloads.
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        w.setSpeed(0.5); // half speed: 3 s of margin before the first download ends, on a busy machine
        action(w, "actionPlay")->trigger();
        const auto clock = [&w] { return w.timeText().section(u' ', 2, 2).toDouble(); };
        QTRY_VERIFY_WITH_TIMEOUT(clock() >= 0.5, 10000);
        action(w, "actionPause")->trigger();
        QCOMPARE(w.runMode(), MainWindow::RunMode::Paused);
        QVERIFY(w.statusBar()->currentMessage().contains(u"next timer is due at 2.000 s"_s));
        // The message and the clock in the status bar name the same moment.
        QVERIFY2(w.statusBar()->currentMessage().contains(w.timeText()), qPrintable(w.statusBar()->currentMessage()));
        for (const QString &t : {u"download"_s, u"download#2"_s, u"upload"_s})
            QCOMPARE(stateOfTask(w, t), u"waiting"_s);
        w.selectTask(u"upload"_s);
        maybeScreenshot(w, u"walkthrough-1-paused"_s);
        action(w, "actionCancel")->trigger();
        maybeScreenshot(w, u"walkthrough-2-cancelled"_s);
        action(w, "actionPlay")->trigger(); // play on: the cleanup takes 0.1 s
        QVERIFY(waitForEnd(w));
        maybeScreenshot(w, u"walkthrough-3-end"_s);
        w.showView(u"timeline"_s); // the cancel is a marker there
        maybeScreenshot(w, u"walkthrough-4-timeline"_s);
        QCOMPARE(tableColumn(w, TaskTableModel::StateColumn),
                 (QStringList{u"done"_s, u"cancelled"_s, u"cancelled"_s, u"failed"_s}));
    }

    void scrubbingShowsTheRunAsOfTheCursor_data()
    {
        QTest::addColumn<double>("time");
        QTest::newRow("before the first download ends") << 1.0;
        QTest::newRow("after the first download") << 2.2;
        QTest::newRow("after the upload") << 2.7;
    }

    // Clicking the timeline's axis moves the shared cursor: the table, the editor's node colours
    // and the inspector show the run as of that time (the trace's states), Follow Live goes back.
    void scrubbingShowsTheRunAsOfTheCursor()
    {
        QFETCH(double, time);
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        w.showView(u"timeline"_s);
        TimelineView *timeline = w.timeline();
        QTRY_VERIFY(timeline->isVisible());
        timeline->fit();
        const int x = timeline->timeToViewportX(time);
        QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, QPoint(x, TimelineView::kAxisHeight / 2));
        QVERIFY(w.isScrubbing());
        QVERIFY2(std::abs(w.cursorTime() - time) < 0.02, qPrintable(QString::number(w.cursorTime())));
        maybeScreenshot(w, u"scrub-%1"_s.arg(time));

        const Runtime &rt = w.engine()->runtime();
        const std::vector<TaskStateAt> expected = rt.loop().trace().statesAt(w.cursorTime(), rt.tasks.size());
        QCOMPARE(w.taskModel()->rowCount(), 4);
        for (size_t i = 0; i < rt.tasks.size(); ++i) {
            const QString name = rt.tasks[i]->name();
            QCOMPARE(stateOfTask(w, name), QString::fromLatin1(taskPhaseName(expected[i].phase)));
        }
        // The first download ends at 2 s: done after it, waiting before; its node shows that.
        QCOMPARE(stateOfTask(w, u"download"_s), time > 2 ? u"done"_s : u"waiting"_s);
        QCOMPARE(stateOfTask(w, u"main"_s), u"waiting"_s);
        QCOMPARE(nodeColourState(w, u"upload"_s), time > 2.5 ? u"done"_s : u"waiting"_s);
        w.selectTask(u"download"_s);
        auto *inspectedState = w.inspector()->findChild<QLabel *>(u"task_state"_s);
        QVERIFY(inspectedState);
        QCOMPARE(inspectedState->text(), time > 2 ? u"done"_s : u"waiting"_s);
        QCOMPARE(w.taskModel()->taskInfo(w.taskModel()->rowForTask(u"download"_s)).value(u"result").toString(),
                 time > 2 ? u"a.tar"_s : QString());

        action(w, "actionFollowLive")->trigger();
        QVERIFY(!w.isScrubbing());
        QCOMPARE(tableColumn(w, TaskTableModel::StateColumn),
                 (QStringList{u"done"_s, u"done"_s, u"done"_s, u"done"_s}));
        QCOMPARE(w.cursorTime(), 3.0);
    }

    void refusedInjectionsSayWhy()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"deadlock.json"_s)));
        action(w, "actionStep")->trigger();
        w.injectionAnswer.target = u"nope"_s;
        action(w, "actionResolve")->trigger();
        QVERIFY2(w.statusBar()->currentMessage().contains(u"no task or future named 'nope'"_s),
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(w.engine()->injections().empty());

        // A task cannot be resolved.
        w.injectionAnswer.target = u"main"_s;
        action(w, "actionResolve")->trigger();
        QVERIFY2(w.statusBar()->currentMessage().contains(u"only a future can be resolved"_s),
                 qPrintable(w.statusBar()->currentMessage()));

        // Resolving the future the selected task awaits: offered as the target.
        stepUntilWaiting(w, u"client"_s);
        w.runToAnswer = 0.6; // the client waits for the reply from 0.5 s on: nothing left to run
        action(w, "actionRunToTime")->trigger();
        QTRY_COMPARE(w.runMode(), MainWindow::RunMode::Paused);
        w.selectTask(u"client"_s);
        w.injectionAnswer.target.clear();
        w.injectionAnswer.value = u"200 OK"_s;
        action(w, "actionResolve")->trigger();
        QCOMPARE(w.injectionAsks.last().second, u"reply"_s);
        QCOMPARE(w.engine()->injections().size(), size_t(1));
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QCOMPARE(w.engine()->status(), u"completed"_s);
        QCOMPARE(stateOfTask(w, u"server"_s), u"failed"_s); // InvalidStateError: reply was set already
    }

    void tableAndEditorSelectEachOther()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-failure.json"_s)));
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));

        w.editor()->selectNode(u"charge_card"_s);
        QCOMPARE(w.selectedTask(), u"charge_card"_s);

        clickRow(w, u"send_receipt"_s);
        QCOMPARE(w.editor()->selectedNode(), u"send_receipt"_s);

        // Filtering hides rows; selecting a node whose task is hidden clears the selection.
        w.taskFilter()->setStateFilter(u"cancelled"_s);
        QCOMPARE(w.taskView()->model()->rowCount(), 2);
        w.editor()->selectNode(u"main"_s);
        QCOMPARE(w.selectedTask(), QString());
        w.taskFilter()->setStateFilter(QString());
    }

    void saveLoadSaveIsByteIdentical()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"gather.json"_s)));
        const QString first = m_tmp.filePath(u"first.json"_s);
        const QString second = m_tmp.filePath(u"second.json"_s);
        w.saveAsAnswer = first;
        action(w, "actionSave")->trigger(); // an example: Save asks for a name
        QVERIFY(w.errors.isEmpty());
        QCOMPARE(w.filePath(), first);
        QVERIFY(!w.isWindowModified());
        QVERIFY(w.windowTitle().contains(u"first.json[*]"_s) || w.windowTitle().contains(u"first.json"_s));

        w.openAnswer = first;
        action(w, "actionOpen")->trigger();
        QCOMPARE(w.savePrompts, 0); // nothing to save
        w.saveAsAnswer = second;
        action(w, "actionSaveAs")->trigger();
        QVERIFY(w.errors.isEmpty());
        const QByteArray a = readAll(first);
        QVERIFY(!a.isEmpty());
        QCOMPARE(readAll(second), a);

        // Recent files remember both, newest first: in the menu at once, in the settings once
        // their writer thread got there.
        const QList<QAction *> items = w.findChild<QMenu *>(u"recentMenu"_s)->actions();
        QVERIFY(items.size() >= 2);
        QCOMPARE(items.at(0)->statusTip(), QDir::toNativeSeparators(QFileInfo(second).absoluteFilePath()));
        QCOMPARE(items.at(1)->statusTip(), QDir::toNativeSeparators(QFileInfo(first).absoluteFilePath()));
        const auto recent = [] { return QSettings().value(u"recentFiles"_s).toStringList(); };
        QTRY_COMPARE(recent().value(0), QFileInfo(second).absoluteFilePath());
        QCOMPARE(recent().value(1), QFileInfo(first).absoluteFilePath());
    }

    void unsavedChangesPrompt_data()
    {
        QTest::addColumn<int>("answer");
        QTest::addColumn<bool>("replaced");
        QTest::newRow("cancel keeps the document") << int(MainWindow::SaveChoice::Cancel) << false;
        QTest::newRow("discard drops the changes") << int(MainWindow::SaveChoice::Discard) << true;
        QTest::newRow("save writes, then goes on") << int(MainWindow::SaveChoice::Save) << true;
    }

    void unsavedChangesPrompt()
    {
        QFETCH(int, answer);
        QFETCH(bool, replaced);
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"shield.json"_s)));
        action(w, "actionNew")->trigger(); // unmodified: no question
        QCOMPARE(w.savePrompts, 0);
        QVERIFY(w.openPath(examplePath(u"shield.json"_s)));

        QVERIFY(w.document()->setGraphField(u"description"_s, u"changed"_s));
        QVERIFY(w.isWindowModified());
        QVERIFY(w.windowTitle().endsWith(u"[*]"_s));
        w.saveAnswer = MainWindow::SaveChoice(answer);
        const QString saved = m_tmp.filePath(u"prompted-%1.json"_s.arg(answer));
        w.saveAsAnswer = saved;
        action(w, "actionNew")->trigger();
        QCOMPARE(w.savePrompts, 1);
        QCOMPARE(w.document()->root().value(u"description").toString() == u"changed"_s, !replaced);
        QCOMPARE(QFile::exists(saved), MainWindow::SaveChoice(answer) == MainWindow::SaveChoice::Save);

        // Opening and closing ask too.
        if (!replaced) {
            w.openAnswer = examplePath(u"gather.json"_s);
            action(w, "actionOpen")->trigger();
            QCOMPARE(w.savePrompts, 2);
            QVERIFY(w.windowTitle().contains(u"shield"_s));
            QVERIFY(!w.close());
            QCOMPARE(w.savePrompts, 3);
            w.saveAnswer = MainWindow::SaveChoice::Discard;
        }
        QVERIFY(w.close());
    }

    void undoRedoThroughTheEditMenu()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"shield.json"_s)));
        const QByteArray before = w.document()->toJson();
        QVERIFY(w.document()->addNode(u"extra"_s, QPointF(10, 10)));
        QVERIFY(w.isWindowModified());
        action(w, "actionUndo")->trigger();
        QCOMPARE(w.document()->toJson(), before);
        QVERIFY(!w.isWindowModified());
        action(w, "actionRedo")->trigger();
        QCOMPARE(w.document()->nodeCount(), 3);
    }

    void editingResetsTheRun()
    {
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"shield.json"_s)));
        action(w, "actionRun")->trigger();
        QVERIFY(waitForEnd(w));
        QVERIFY(w.engine());
        w.document()->setNodePosition(u"save"_s, QPointF(500, 500)); // layout only: the run stays
        QVERIFY(w.engine());
        QVERIFY(w.document()->addNode(u"extra"_s, QPointF(10, 10)));
        QVERIFY(!w.engine());
        QCOMPARE(w.runMode(), MainWindow::RunMode::Idle);
        QCOMPARE(w.taskView()->model()->rowCount(), 0);
    }

    void loadErrorsNameFileAndPlace()
    {
        const QString bad = m_tmp.filePath(u"bad.json"_s);
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "await", "target": "nowhere"}]}]})");
        f.close();
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"shield.json"_s)));
        QVERIFY(!w.openPath(bad));
        QCOMPARE(w.errors.size(), 1);
        QVERIFY2(w.errors.first().contains(bad), qPrintable(w.errors.first()));
        QVERIFY2(w.errors.first().contains(u"nodes[0].steps[0].target"_s), qPrintable(w.errors.first()));
        QCOMPARE(w.filePath(), examplePath(u"shield.json"_s)); // the document stays
    }

    void droppingAFileOpensIt()
    {
        const QString path = m_tmp.filePath(u"dropped.json"_s);
        QVERIFY(QFile::copy(examplePath(u"deadlock.json"_s), path));
        TestWindow w;
        w.show();
        auto *mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(path)});
        const QPoint at = w.editor()->viewport()->rect().center();
        QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.editor()->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.editor()->viewport(), &drop);
        QVERIFY(drop.isAccepted());
        QTRY_COMPARE(w.filePath(), path);
        delete mime;
    }

    void exports_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("expected"); // bytes the file holds
        QTest::newRow("report as PDF") << u"Report"_s << u"report.pdf"_s << QByteArray("%PDF");
        QTest::newRow("report as HTML") << u"Report"_s << u"report.html"_s << QByteArray("<svg");
        QTest::newRow("perfetto trace") << u"Perfetto"_s << u"run.json"_s << QByteArray("\"traceEvents\"");
        QTest::newRow("python program") << u"Python"_s << u"graph.py"_s << QByteArray("import asyncio");
        QTest::newRow("outcome") << u"Outcome"_s << u"outcome.json"_s << QByteArray("asyncgraph-outcome/1");
        QTest::newRow("picture of the window") << u"Picture"_s << u"window.png"_s << QByteArray("\x89PNG");
        QTest::newRow("picture as SVG") << u"Picture"_s << u"window.svg"_s << QByteArray("<svg");
    }

    // File > Export on a graph that was not run yet: it is run, the file is written, the
    // document stays as it was; an unwritable path is an error naming it, and nothing is written.
    void exports()
    {
        QFETCH(QString, what);
        QFETCH(QString, file);
        QFETCH(QByteArray, expected);
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"taskgroup-cancel-child.json"_s)));
        const QByteArray before = w.document()->toJson();
        const QString path = m_tmp.filePath(file);
        QFile::remove(path);
        w.exportAnswer = path;
        w.pictureAnswer = PictureRequest{path, true, 1.0};
        QAction *a = action(w, qPrintable(u"actionExport"_s + what));
        a->trigger();
        QVERIFY2(w.errors.isEmpty(), qPrintable(w.errors.join(u'\n')));
        QVERIFY(QFile::exists(path));
        QVERIFY(readAll(path).contains(expected));
        if (what != u"Python" && what != u"Picture")
            QVERIFY(w.engine() && w.engine()->isFinished());
        QCOMPARE(w.document()->toJson(), before);
        QVERIFY(!w.isWindowModified());

        const QString bad = m_tmp.filePath(u"no-such-dir/"_s + file);
        w.exportAnswer = bad;
        w.pictureAnswer = PictureRequest{bad, true, 1.0};
        a->trigger();
        QCOMPARE(w.errors.size(), 1);
        QVERIFY2(w.errors.first().contains(bad), qPrintable(w.errors.first()));
        QVERIFY(!QFile::exists(bad));
    }

    // A save that fails (no such directory, a directory in the way) keeps every edit, keeps the
    // window modified and the old file name, and says why, naming the path.
    void failedSaveKeepsTheEdits_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("missing directory") << u"no-such-dir/graph.json"_s;
        QTest::newRow("a directory") << u"a-directory.json"_s;
    }
    void failedSaveKeepsTheEdits()
    {
        QFETCH(QString, target);
        QDir(m_tmp.path()).mkpath(u"a-directory.json"_s);
        TestWindow w;
        w.show();
        QVERIFY(w.openPath(examplePath(u"gather.json"_s)));
        const QString before = w.filePath();
        QVERIFY(w.document()->addNode(u"unsaved_work"_s, {400, 400}));
        const QByteArray edited = w.document()->toJson();
        w.saveAsAnswer = m_tmp.filePath(target);
        QVERIFY(!w.saveAs());
        QCOMPARE(w.errors.size(), 1);
        QVERIFY2(w.errors.first().contains(m_tmp.filePath(target)), qPrintable(w.errors.first()));
        QVERIFY(w.isWindowModified());
        QCOMPARE(w.document()->toJson(), edited);
        QCOMPARE(w.filePath(), before);
        QVERIFY(QFileInfo(m_tmp.filePath(target)).isDir() || !QFile::exists(m_tmp.filePath(target)));
        w.saveAnswer = MainWindow::SaveChoice::Discard;
    }

    void autosaveAndRecovery_data()
    {
        QTest::addColumn<int>("answer"); // MainWindow::RecoveryChoice
        QTest::addColumn<bool>("recovered");
        QTest::addColumn<bool>("stillPending");
        QTest::newRow("recover") << int(MainWindow::RecoveryChoice::Recover) << true << false;
        QTest::newRow("discard") << int(MainWindow::RecoveryChoice::Discard) << false << false;
        QTest::newRow("later") << int(MainWindow::RecoveryChoice::Later) << false << true;
    }

    void autosaveAndRecovery()
    {
        QFETCH(int, answer);
        QFETCH(bool, recovered);
        QFETCH(bool, stillPending);
        QDir(Autosaver::recoveryDir()).removeRecursively();
        const QString path = m_tmp.filePath(u"autosaved.json"_s);
        QByteArray text;
        QString base;
        {
            // The session that will "crash": an edit, autosaved by the window's timer.
            TestWindow crashed;
            QVERIFY(crashed.openPath(examplePath(u"gather.json"_s)));
            QVERIFY(crashed.document()->save(path, nullptr));
            crashed.autosaver()->setInterval(20);
            QSignalSpy autosaved(crashed.autosaver(), &Autosaver::autosaved);
            QVERIFY(crashed.document()->addNode(u"unsaved_work"_s, {400, 400}));
            QVERIFY(autosaved.wait(5000));
            text = crashed.document()->toJson();
            base = crashed.autosaver()->recoveryFile().chopped(5);
            QCOMPARE(readAll(base + u".json"_s), text);
            const QByteArray meta = readAll(base + u".meta"_s);
            crashed.saveAnswer = MainWindow::SaveChoice::Discard;
            crashed.close(); // a clean exit removes the recovery file...
            QVERIFY(!QFile::exists(base + u".json"_s));
            // ...a crash would not have: put back what it leaves, with the lock of a dead process.
            QVERIFY(writeFile(base + u".json"_s, text));
            QVERIFY(writeFile(base + u".meta"_s, meta));
            QVERIFY(writeFile(base + u".lock"_s, staleLockContents()));
        }

        TestWindow w;
        w.show();
        w.recoveryAnswer = MainWindow::RecoveryChoice(answer);
        w.offerRecovery();
        QCOMPARE(w.recoveryAsks, QStringList{u"autosaved.json"_s});
        QCOMPARE(w.document()->toJson() == text, recovered);
        QCOMPARE(w.isWindowModified(), recovered);
        if (recovered) {
            QCOMPARE(w.filePath(), path);
            QVERIFY(w.save()); // Save writes the recovered edits to the original file
            QCOMPARE(readAll(path), text);
        }
        QCOMPARE(!Autosaver::pendingRecoveries().isEmpty(), stillPending);
        QDir(Autosaver::recoveryDir()).removeRecursively();
    }

    void layoutIsRemembered()
    {
        QByteArray state;
        {
            TestWindow w;
            w.show();
            w.resize(1300, 820);
            auto *inspector = w.findChild<QDockWidget *>(u"inspectorDock"_s);
            QVERIFY(inspector);
            inspector->hide();
            state = w.saveState();
            QVERIFY(w.close());
        }
        QSettings settings;
        QCOMPARE(settings.value(u"mainWindow/state"_s).toByteArray(), state);
        TestWindow again;
        QVERIFY(!again.findChild<QDockWidget *>(u"inspectorDock"_s)->isVisibleTo(&again));
        settings.clear();
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
