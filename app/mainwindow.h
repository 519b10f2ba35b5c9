// The workbench: the graph editor in the middle, the live task table, the inspector, the
// timeline, the state and leak charts, the diagnostics and the await graph in docks,
// File/Edit/Run/Inject/View menus, run toolbar and a status bar with virtual time, loop
// iteration and task counts. Runs happen on the GUI thread's event loop (Engine batches);
// editing the document resets the run; live injections are saved into the document so that
// Replay reproduces the run. One time cursor is shared by every view: dragging it in the
// timeline or the charts shows the table, the editor's node colours, the inspector and the await
// graph as of that moment (scrubbing); Follow Live goes back to now.
#pragma once

#include "autosaver.h"
#include "engine.h"
#include "viewexport.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <optional>

class QAction;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QTimer;

namespace ascope {

class AwaitGraphView;
class ChartsView;
class DiagnosticsPanel;
class GraphDocument;
class GraphEditorView;
class InspectorWidget;
class TimelineView;
class TaskTableFilter;
class TaskTableModel;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum class SaveChoice { Save, Discard, Cancel };
    enum class RecoveryChoice { Recover, Discard, Later };
    enum class ExportKind { Report, Perfetto, Python, Outcome };
    enum class RunMode { Idle, Running, Playing, RunningToTime, Paused, Finished };

    // The example opened when no file is given.
    static QString defaultExample();
    // The bundled examples (qrc paths), in menu order.
    static QStringList examplePaths();

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads a graph without any dialog (no prompt about unsaved changes either). On failure the
    // current document stays and *error is "<path>: <where>: <what>".
    bool loadFile(const QString &path, QString *error = nullptr);

    GraphDocument *document() const { return m_doc; }
    Autosaver *autosaver() const { return m_autosaver; }
    GraphEditorView *editor() const { return m_editor; }
    InspectorWidget *inspector() const { return m_inspector; }
    TaskTableModel *taskModel() const { return m_taskModel; }
    TaskTableFilter *taskFilter() const { return m_taskFilter; }
    QTableView *taskView() const { return m_taskView; }
    TimelineView *timeline() const { return m_timeline; }
    ChartsView *charts() const { return m_charts; }
    DiagnosticsPanel *diagnostics() const { return m_diagnostics; }
    AwaitGraphView *awaitGraph() const { return m_awaitGraph; }
    // Scrubbing: true while the views show the run as of the cursor rather than now.
    bool isScrubbing() const { return m_scrubbing; }
    double cursorTime() const { return m_cursorTime; }
    Engine *engine() const { return m_engine; }
    RunMode runMode() const { return m_mode; }
    QString filePath() const;
    QString selectedTask() const; // the task table's current task (empty: none)
    // The status bar's permanent fields, as shown.
    QString timeText() const;
    QString iterationText() const;
    QString countsText() const;
    QString runStatusText() const;

public Q_SLOTS:
    // File
    void newDocument();
    void openFile();                    // asks (unsaved changes, then a file name)
    bool openPath(const QString &path); // asks about unsaved changes; load errors in a message box
    bool save();
    bool saveAs();
    // Offers the unsaved edits a crashed session left (newest first), one question each.
    void offerRecovery();
    // File > Export: a report of the run (PDF, HTML, PNG, SVG) with pictures of the views as
    // shown; a picture of the window or of the view in use (PNG 1x/2x, SVG); the run as a
    // Perfetto trace; the graph as a Python program; the outcome. A graph not run yet is run to
    // the end first (the outcome also finishes a paused run). Errors name the file; nothing is
    // written then and the document is untouched.
    void exportReport();
    void exportPicture();
    void exportPerfetto();
    void exportPython();
    void exportOutcome();
    // Run
    void run();  // virtual time to the end
    void play(); // real time x speed
    void pause();
    void step();             // one loop iteration
    void runToTime();        // asks for a virtual time
    void runUntil(double t); // pauses when the loop reaches t (or would have to pass it)
    void resetRun();
    void replay();      // reset, then run with the document's injection script
    void runToEndNow(); // synchronous: for --run --screenshot
    // Every dock shown, the graph fitted, the entry task selected: for --screenshot.
    void prepareScreenshot();
    // Brings a view's dock to the front: "tasks", "timeline", "diagnostics", "charts",
    // "inspector", "await-graph" (false: no such view).
    bool showView(const QString &view);
    void setSpeed(double speed);
    // Inject on the selected task (or ask)
    void injectCancel();
    void injectForceTimeout();
    void injectResolve();
    void injectFail();
    void injectDrop();
    void injectCollect();
    // Scrubbing: every view shows the run as of virtual time t (the shared time cursor).
    void setCursorTime(double t);
    // Every view shows the run as it is now again; the cursor follows the clock.
    void followLive();
    // Selection
    void selectTask(const QString &name);
    void showError(const QString &title, const QString &text);

Q_SIGNALS:
    void runFinished();

protected:
    // Hooks a test can override so that no modal loop runs.
    virtual SaveChoice askSaveChanges();
    virtual QString askOpenFileName();
    virtual QString askSaveFileName();
    virtual std::optional<double> askRunToTime(double now);
    // `target` is the selected task (or the named future it awaits, for Resolve/Fail); empty
    // when nothing fitting is selected. nullopt: the user cancelled.
    virtual std::optional<Injection> askInjection(Injection::Kind kind, const QString &target);
    virtual void reportError(const QString &title, const QString &text);
    virtual RecoveryChoice askRecovery(const Autosaver::Recovery &recovery);
    // Where to export (empty: the user cancelled); `suggested` is a file name to start from.
    virtual QString askExportFileName(ExportKind kind, const QString &suggested);
    // A picture: the file, and the window or the view in use. nullopt: the user cancelled.
    virtual std::optional<PictureRequest> askPicture(const QString &viewName, const QString &suggested);

    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createDocks();
    void createActions();
    void createMenus();
    void createToolBars();
    void createStatusBar();
    void readSettings();
    void writeSettings() const;

    bool maybeSave();
    bool saveTo(const QString &path);
    void addRecentFile(const QString &path);
    void setRecentFiles(const QStringList &files);
    void rebuildRecentMenu();
    void rebuildExamplesMenu();
    void updateTitle();
    void updateActions();
    void updateRunViews();

    // The engine of the current run, made when first needed (nullptr when the graph is invalid:
    // the status bar then says why).
    Engine *ensureEngine(bool withScript = false);
    void onEngineProgressed();
    void onEngineFinished();
    void onDocumentEdited();
    void driveToTime();
    void rebasePlayClock();
    void updateTimeLabel();
    void storeInjections();
    void inject(Injection in);
    bool runIsOver() const;

    void refreshViews();                    // every view of the run, after driving the engine directly
    void cursorFollowsTheClock();           // while not scrubbing: the shared cursor at the loop's time
    Engine *engineForExport(bool finished); // the run to export (run now when there is none)
    QString exportBaseName() const;         // the graph file's base name, or "untitled"
    void writeExport(ExportKind kind, const std::function<QString(const QString &path)> &write);
    void attachViews(Engine *engine);
    void onFindingActivated(const QString &task, const QString &node, double time);
    void onTaskRowChanged();
    void onNodeSelected(const QString &id);
    QString awaitedFutureOf(const QString &task) const;

    GraphDocument *m_doc = nullptr;
    Autosaver *m_autosaver = nullptr;
    GraphEditorView *m_editor = nullptr;
    InspectorWidget *m_inspector = nullptr;
    TaskTableModel *m_taskModel = nullptr;
    TaskTableFilter *m_taskFilter = nullptr;
    QTableView *m_taskView = nullptr;
    QLineEdit *m_filterText = nullptr;
    QComboBox *m_filterState = nullptr;
    TimelineView *m_timeline = nullptr;
    ChartsView *m_charts = nullptr;
    DiagnosticsPanel *m_diagnostics = nullptr;
    AwaitGraphView *m_awaitGraph = nullptr;
    bool m_scrubbing = false;
    double m_cursorTime = 0;
    QPointer<Engine> m_engine;
    RunMode m_mode = RunMode::Idle;
    bool m_replaying = false;
    bool m_storingInjections = false;
    bool m_syncingSelection = false;
    double m_runToTarget = 0;
    QTimer *m_driver = nullptr;
    double m_speed = 1.0;
    // Play: the clock shown between events (virtual time at the start + wall time x speed).
    QTimer *m_playClock = nullptr;
    QElapsedTimer m_playWall;
    double m_playBase = 0;

    QDoubleSpinBox *m_speedBox = nullptr;
    QLabel *m_timeLabel = nullptr;
    QLabel *m_iterationLabel = nullptr;
    QLabel *m_countsLabel = nullptr;
    QLabel *m_runLabel = nullptr;
    QLabel *m_scrubLabel = nullptr;

    QMenu *m_recentMenu = nullptr;
    // The recent files as this window knows them, newest first. QSettings gets them on a thread
    // of its own, in order: its write ends in fdatasync(), which took up to 285 ms of opening a
    // file on a virtual machine's disk.
    QStringList m_recentFiles;
    QThreadPool m_settingsWriter;
    QMenu *m_examplesMenu = nullptr;
    QMenu *m_viewMenu = nullptr;

    QAction *m_newAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_saveAsAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_undoAction = nullptr;
    QAction *m_redoAction = nullptr;
    QAction *m_runAction = nullptr;
    QAction *m_playAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_stepAction = nullptr;
    QAction *m_runToTimeAction = nullptr;
    QAction *m_resetAction = nullptr;
    QAction *m_replayAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QAction *m_timeoutAction = nullptr;
    QAction *m_resolveAction = nullptr;
    QAction *m_failAction = nullptr;
    QAction *m_dropAction = nullptr;
    QAction *m_collectAction = nullptr;
    QAction *m_liveAction = nullptr;
    QAction *m_exportReportAction = nullptr;
    QAction *m_exportPictureAction = nullptr;
    QAction *m_exportPerfettoAction = nullptr;
    QAction *m_exportPythonAction = nullptr;
    QAction *m_exportOutcomeAction = nullptr;
};

} // namespace ascope
