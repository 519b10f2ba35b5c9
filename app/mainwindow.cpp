#include "mainwindow.h"

#include "awaitgraphview.h"
#include "chartsview.h"
#include "diagnosticspanel.h"
#include "perfettoexport.h"
#include "pythonexport.h"
#include "report.h"
#include "runreport.h"
#include "timelineview.h"

#include "graphdocument.h"
#include "grapheditor.h"
#include "graphitems.h"
#include "injectiondialog.h"
#include "inspector.h"
#include "tasktablefilter.h"
#include "tasktablemodel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QKeySequence>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr int kMaxRecentFiles = 10;
const auto kRecentKey = u"recentFiles"_s;

bool isResourcePath(const QString &path)
{
    return path.startsWith(u':') || path.startsWith(u"qrc:"_s);
}

// The first local .json file a drag carries (empty: none).
QString draggedGraph(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls())
        return {};
    const QList<QUrl> urls = mime->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile() && url.toLocalFile().endsWith(u".json"_s, Qt::CaseInsensitive))
            return url.toLocalFile();
    }
    return {};
}

// The document as the engine sees it: without editor layout ("ui" of nodes and steps) and
// without the injection script, so that moving a node or storing injections keeps the run.
QJsonValue withoutLayout(const QJsonValue &v)
{
    if (v.isArray()) {
        QJsonArray out;
        const QJsonArray a = v.toArray();
        for (const QJsonValue &x : a)
            out.append(withoutLayout(x));
        return out;
    }
    if (!v.isObject())
        return v;
    QJsonObject o = v.toObject();
    if (o.contains(u"op") || o.contains(u"id") || o.contains(u"steps"))
        o.remove(u"ui");
    for (auto it = o.begin(); it != o.end(); ++it)
        it.value() = withoutLayout(it.value());
    return o;
}

QByteArray runFingerprint(const QJsonObject &root)
{
    QJsonObject o = root;
    o.remove(u"injections");
    return QJsonDocument(withoutLayout(o).toObject()).toJson(QJsonDocument::Compact);
}

QString secondsText(double t)
{
    return QString::number(t, 'f', 3);
}

QAction *makeAction(QObject *parent, const QString &objectName, const QString &text, const QString &icon,
                    const QString &tip)
{
    auto *a = new QAction(QIcon::fromTheme(icon), text, parent);
    a->setObjectName(objectName);
    a->setStatusTip(tip);
    a->setToolTip(tip);
    return a;
}

void setShortcuts(QAction *a, const QList<QKeySequence> &keys)
{
    a->setShortcuts(keys);
    if (!keys.isEmpty())
        a->setToolTip(a->toolTip() + u" ("_s + keys.first().toString(QKeySequence::NativeText) + u')');
}

} // namespace

QString MainWindow::defaultExample()
{
    return u":/examples/taskgroup-cancel-child.json"_s;
}

QStringList MainWindow::examplePaths()
{
    // Menu order follows the topics (basics, combinators, structured concurrency, pitfalls);
    // files not listed here come after, alphabetically.
    static const QStringList order = {
        u"create-task.json"_s,
        u"gather.json"_s,
        u"wait-modes.json"_s,
        u"wait-for.json"_s,
        u"as-completed.json"_s,
        u"as-completed-timeout.json"_s,
        u"shield.json"_s,
        u"taskgroup-failure.json"_s,
        u"taskgroup-cancel-child.json"_s,
        u"taskgroup-terminate.json"_s,
        u"cancellation-cleanup.json"_s,
        u"fire-and-forget.json"_s,
        u"deadlock.json"_s,
        u"blocking-vs-sleep0.json"_s,
    };
    QStringList files = QDir(u":/examples"_s).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    std::stable_sort(files.begin(), files.end(), [](const QString &a, const QString &b) {
        const qsizetype ia = order.indexOf(a) < 0 ? order.size() : order.indexOf(a);
        const qsizetype ib = order.indexOf(b) < 0 ? order.size() : order.indexOf(b);
        return ia < ib;
    });
    QStringList paths;
    for (const QString &f : files)
        paths << u":/examples/"_s + f;
    return paths;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_doc(new GraphDocument(this))
    , m_taskModel(new TaskTableModel(this))
    , m_taskFilter(new TaskTableFilter(this))
    , m_driver(new QTimer(this))
    , m_playClock(new QTimer(this))
{
    m_doc->newDocument();
    m_doc->undoStack()->setClean();
    m_autosaver = new Autosaver(m_doc, this);
    connect(m_autosaver, &Autosaver::autosaveFailed, this,
            [this](const QString &error) { statusBar()->showMessage(tr("Autosave failed: %1").arg(error)); });
    m_taskFilter->setSourceModel(m_taskModel);
    m_editor = new GraphEditorView(m_doc, this);
    m_editor->setObjectName(u"graphEditor"_s);
    setCentralWidget(m_editor);

    createDocks();
    createActions();
    createMenus();
    createToolBars();
    createStatusBar();

    connect(m_doc, &GraphDocument::graphChanged, this, &MainWindow::onDocumentEdited);
    connect(m_doc, &GraphDocument::documentReset, this, [this] {
        resetRun();
        updateTitle();
    });
    connect(m_doc, &GraphDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_doc, &GraphDocument::filePathChanged, this, &MainWindow::updateTitle);
    connect(m_editor, &GraphEditorView::nodeSelected, this, &MainWindow::onNodeSelected);
    connect(m_driver, &QTimer::timeout, this, &MainWindow::driveToTime);
    m_playClock->setInterval(50);
    connect(m_playClock, &QTimer::timeout, this, &MainWindow::updateTimeLabel);

    setAcceptDrops(true);
    m_editor->viewport()->installEventFilter(this);

    readSettings();
    updateTitle();
    updateRunViews();
}

MainWindow::~MainWindow()
{
    // The views below hold the engine and the document: stop the run before they go.
    m_driver->stop();
    attachViews(nullptr);
    delete m_engine;
}

// ------------------------------------------------------------------------------------ set-up

void MainWindow::createDocks()
{
    auto *tasksDock = new QDockWidget(tr("Tasks"), this);
    tasksDock->setObjectName(u"tasksDock"_s);
    auto *tasks = new QWidget(tasksDock);
    auto *layout = new QVBoxLayout(tasks);
    layout->setContentsMargins(4, 2, 4, 4);
    layout->setSpacing(4);
    auto *filterRow = new QHBoxLayout;
    m_filterText = new QLineEdit(tasks);
    m_filterText->setObjectName(u"taskFilterText"_s);
    m_filterText->setPlaceholderText(tr("Filter by task, node, awaited object or result"));
    m_filterText->setClearButtonEnabled(true);
    m_filterState = new QComboBox(tasks);
    m_filterState->setObjectName(u"taskFilterState"_s);
    m_filterState->addItem(tr("All states"), QString());
    m_filterState->addItem(tr("Active (not finished)"), TaskTableFilter::activeStates());
    const QStringList states = TaskTableModel::stateNames();
    for (const QString &s : states)
        m_filterState->addItem(s, s);
    filterRow->addWidget(m_filterText, 1);
    filterRow->addWidget(m_filterState);
    layout->addLayout(filterRow);
    connect(m_filterText, &QLineEdit::textChanged, m_taskFilter, &TaskTableFilter::setTextFilter);
    connect(m_filterState, &QComboBox::currentIndexChanged, this,
            [this] { m_taskFilter->setStateFilter(m_filterState->currentData().toString()); });

    m_taskView = new QTableView(tasks);
    m_taskView->setObjectName(u"taskTable"_s);
    m_taskView->setModel(m_taskFilter);
    m_taskView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_taskView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_taskView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_taskView->setAlternatingRowColors(true);
    m_taskView->setSortingEnabled(true);
    m_taskView->sortByColumn(TaskTableModel::TaskColumn, Qt::AscendingOrder);
    m_taskView->setWordWrap(false);
    m_taskView->verticalHeader()->hide();
    m_taskView->verticalHeader()->setDefaultSectionSize(m_taskView->fontMetrics().height() + 6);
    QHeaderView *header = m_taskView->horizontalHeader();
    header->setStretchLastSection(true);
    header->setHighlightSections(false);
    const QFontMetrics fm = m_taskView->fontMetrics();
    const int widths[] = {fm.horizontalAdvance(u"send_receipt#10"_s), fm.horizontalAdvance(u"send_receipt__"_s),
                          fm.horizontalAdvance(u"cancelled__"_s),     fm.horizontalAdvance(u"Created__"_s),
                          fm.horizontalAdvance(u"Finished__"_s),      fm.horizontalAdvance(u"sleep until 10.000 s_"_s),
                          fm.horizontalAdvance(u"Cancelling__"_s)};
    for (int c = 0; c < int(std::size(widths)); ++c)
        header->resizeSection(c, widths[c] + 12);
    m_taskView->setContextMenuPolicy(Qt::CustomContextMenu);
    layout->addWidget(m_taskView, 1);
    tasksDock->setWidget(tasks);
    addDockWidget(Qt::BottomDockWidgetArea, tasksDock);
    connect(m_taskView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::onTaskRowChanged);

    auto *inspectorDock = new QDockWidget(tr("Inspector"), this);
    inspectorDock->setObjectName(u"inspectorDock"_s);
    // In a scroll area: the node forms are tall, and the dock shares its column with the charts.
    auto *inspectorScroll = new QScrollArea(inspectorDock);
    inspectorScroll->setWidgetResizable(true);
    inspectorScroll->setFrameShape(QFrame::NoFrame);
    m_inspector = new InspectorWidget(m_doc, inspectorScroll);
    m_inspector->setObjectName(u"inspector"_s);
    inspectorScroll->setWidget(m_inspector);
    inspectorDock->setWidget(inspectorScroll);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock);

    // The views of the trace. The timeline, the diagnostics and the charts share the bottom area
    // with the table (tabs); the await graph sits under the inspector.
    // A view in a new dock: the dock is "<name>Dock", the view "<name>" (tests and --view find them).
    const auto viewDock = [this](const QString &title, const QString &name, QWidget *view, Qt::DockWidgetArea area) {
        auto *dock = new QDockWidget(title, this);
        dock->setObjectName(name + u"Dock"_s);
        view->setObjectName(name);
        view->setParent(dock);
        dock->setWidget(view);
        addDockWidget(area, dock);
        return dock;
    };
    m_timeline = new TimelineView;
    m_diagnostics = new DiagnosticsPanel;
    m_charts = new ChartsView;
    m_awaitGraph = new AwaitGraphView;
    QDockWidget *timelineDock = viewDock(tr("Timeline"), u"timeline"_s, m_timeline, Qt::BottomDockWidgetArea);
    QDockWidget *diagnosticsDock
        = viewDock(tr("Diagnostics"), u"diagnostics"_s, m_diagnostics, Qt::BottomDockWidgetArea);
    QDockWidget *chartsDock = viewDock(tr("Charts"), u"charts"_s, m_charts, Qt::BottomDockWidgetArea);
    QDockWidget *awaitDock = viewDock(tr("Await Graph"), u"awaitGraph"_s, m_awaitGraph, Qt::RightDockWidgetArea);
    tabifyDockWidget(tasksDock, timelineDock);
    tabifyDockWidget(timelineDock, diagnosticsDock);
    tabifyDockWidget(diagnosticsDock, chartsDock);
    tasksDock->raise();
    splitDockWidget(inspectorDock, awaitDock, Qt::Vertical);

    connect(m_timeline, &TimelineView::cursorMoved, this, &MainWindow::setCursorTime);
    connect(m_charts, &ChartsView::cursorMoved, this, &MainWindow::setCursorTime);
    connect(m_timeline, &TimelineView::taskActivated, this, &MainWindow::selectTask);
    connect(m_awaitGraph, &AwaitGraphView::taskActivated, this, &MainWindow::selectTask);
    connect(m_diagnostics, &DiagnosticsPanel::findingActivated, this, &MainWindow::onFindingActivated);

    // The inspector and the await graph take the full height on the right; the table sits
    // under the editor.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    resizeDocks({tasksDock}, {250}, Qt::Vertical);
    resizeDocks({inspectorDock}, {340}, Qt::Horizontal);
    resizeDocks({inspectorDock, awaitDock}, {330, 330}, Qt::Vertical);
}

void MainWindow::createActions()
{
    // File
    m_newAction = makeAction(this, u"actionNew"_s, tr("&New"), u"document-new"_s, tr("Start a new task graph"));
    setShortcuts(m_newAction, {QKeySequence::New});
    connect(m_newAction, &QAction::triggered, this, &MainWindow::newDocument);
    m_openAction = makeAction(this, u"actionOpen"_s, tr("&Open…"), u"document-open"_s,
                              tr("Open a task graph (asyncgraph/1 JSON)"));
    setShortcuts(m_openAction, {QKeySequence::Open});
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openFile);
    m_saveAction = makeAction(this, u"actionSave"_s, tr("&Save"), u"document-save"_s, tr("Save the task graph"));
    setShortcuts(m_saveAction, {QKeySequence::Save});
    connect(m_saveAction, &QAction::triggered, this, &MainWindow::save);
    m_saveAsAction = makeAction(this, u"actionSaveAs"_s, tr("Save &As…"), u"document-save-as"_s,
                                tr("Save the task graph under a new name"));
    setShortcuts(m_saveAsAction, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)});
    connect(m_saveAsAction, &QAction::triggered, this, &MainWindow::saveAs);
    m_exportReportAction = makeAction(this, u"actionExportReport"_s, tr("&Report…"), u"document-export"_s,
                                      tr("Export a report of the run: PDF, HTML, PNG or SVG"));
    setShortcuts(m_exportReportAction, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)});
    connect(m_exportReportAction, &QAction::triggered, this, &MainWindow::exportReport);
    m_exportPictureAction = makeAction(this, u"actionExportPicture"_s, tr("&Picture…"), u"image-x-generic"_s,
                                       tr("Save the window or the view in use as PNG (1x, 2x) or SVG"));
    setShortcuts(m_exportPictureAction, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)});
    connect(m_exportPictureAction, &QAction::triggered, this, &MainWindow::exportPicture);
    m_exportPerfettoAction = makeAction(this, u"actionExportPerfetto"_s, tr("Perfetto &Trace…"), QString(),
                                        tr("The run as a trace for ui.perfetto.dev or chrome://tracing"));
    connect(m_exportPerfettoAction, &QAction::triggered, this, &MainWindow::exportPerfetto);
    m_exportPythonAction = makeAction(this, u"actionExportPython"_s, tr("P&ython Program…"), QString(),
                                      tr("The graph as a plain asyncio program (python3 FILE.py)"));
    connect(m_exportPythonAction, &QAction::triggered, this, &MainWindow::exportPython);
    m_exportOutcomeAction = makeAction(this, u"actionExportOutcome"_s, tr("&Outcome…"), QString(),
                                       tr("The run's outcome (asyncgraph-outcome/1 JSON)"));
    connect(m_exportOutcomeAction, &QAction::triggered, this, &MainWindow::exportOutcome);
    m_quitAction = makeAction(this, u"actionQuit"_s, tr("&Quit"), u"application-exit"_s, tr("Quit asyncscope"));
    setShortcuts(m_quitAction, {QKeySequence(Qt::CTRL | Qt::Key_Q)});
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    // Edit: the document's undo stack
    m_undoAction = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    m_undoAction->setObjectName(u"actionUndo"_s);
    m_undoAction->setIcon(QIcon::fromTheme(u"edit-undo"_s));
    m_undoAction->setShortcuts(QKeySequence::Undo);
    m_redoAction = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    m_redoAction->setObjectName(u"actionRedo"_s);
    m_redoAction->setIcon(QIcon::fromTheme(u"edit-redo"_s));
    m_redoAction->setShortcuts(QKeySequence::Redo);

    // Run
    m_runAction = makeAction(this, u"actionRun"_s, tr("&Run"), u"media-seek-forward"_s,
                             tr("Run to the end on the virtual clock"));
    setShortcuts(m_runAction, {QKeySequence(Qt::Key_F5)});
    connect(m_runAction, &QAction::triggered, this, &MainWindow::run);
    m_playAction = makeAction(this, u"actionPlay"_s, tr("&Play"), u"media-playback-start"_s,
                              tr("Play in real time, times the speed factor"));
    setShortcuts(m_playAction, {QKeySequence(Qt::CTRL | Qt::Key_F5)});
    connect(m_playAction, &QAction::triggered, this, &MainWindow::play);
    m_pauseAction = makeAction(this, u"actionPause"_s, tr("P&ause"), u"media-playback-pause"_s, tr("Pause the run"));
    setShortcuts(m_pauseAction, {QKeySequence(Qt::Key_F6)});
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::pause);
    m_stepAction = makeAction(this, u"actionStep"_s, tr("&Step"), u"go-next"_s, tr("Run one loop iteration"));
    setShortcuts(m_stepAction, {QKeySequence(Qt::Key_F10)});
    connect(m_stepAction, &QAction::triggered, this, &MainWindow::step);
    m_runToTimeAction = makeAction(this, u"actionRunToTime"_s, tr("Run &to Time…"), u"go-last"_s,
                                   tr("Run until the virtual clock reaches a time, then pause"));
    setShortcuts(m_runToTimeAction, {QKeySequence(Qt::CTRL | Qt::Key_F10)});
    m_runToTimeAction->setIconText(tr("Run to…")); // toolbar label
    connect(m_runToTimeAction, &QAction::triggered, this, &MainWindow::runToTime);
    m_resetAction = makeAction(this, u"actionReset"_s, tr("R&eset"), u"view-refresh"_s,
                               tr("Discard the run and go back to time 0"));
    setShortcuts(m_resetAction, {QKeySequence(Qt::CTRL | Qt::Key_R)});
    connect(m_resetAction, &QAction::triggered, this, &MainWindow::resetRun);
    m_replayAction = makeAction(this, u"actionReplay"_s, tr("Re&play Injections"), u"media-playlist-repeat"_s,
                                tr("Reset, then run with the injections saved in the graph"));
    setShortcuts(m_replayAction, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R)});
    m_replayAction->setIconText(tr("Replay")); // toolbar label
    connect(m_replayAction, &QAction::triggered, this, &MainWindow::replay);

    // Inject
    m_cancelAction = makeAction(this, u"actionCancel"_s, tr("&Cancel…"), u"process-stop"_s,
                                tr("Cancel the selected task (or a future), with an optional message"));
    setShortcuts(m_cancelAction, {QKeySequence(Qt::Key_Delete)});
    // Del belongs to the editor (delete node) when the editor has focus: cancel takes it only
    // in the task table.
    m_cancelAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_taskView->addAction(m_cancelAction);
    m_cancelAction->setIconText(tr("Cancel")); // toolbar label
    connect(m_cancelAction, &QAction::triggered, this, &MainWindow::injectCancel);
    m_timeoutAction = makeAction(this, u"actionForceTimeout"_s, tr("Force &Timeout"), u"alarm-symbolic"_s,
                                 tr("Move the selected task's innermost deadline to now"));
    setShortcuts(m_timeoutAction, {QKeySequence(Qt::CTRL | Qt::Key_T)});
    m_timeoutAction->setIconText(tr("Timeout")); // toolbar label
    connect(m_timeoutAction, &QAction::triggered, this, &MainWindow::injectForceTimeout);
    m_resolveAction = makeAction(this, u"actionResolve"_s, tr("&Resolve Future…"), u"dialog-ok"_s,
                                 tr("set_result(value) on a pending named future"));
    setShortcuts(m_resolveAction, {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R)});
    m_resolveAction->setIconText(tr("Resolve")); // toolbar label
    connect(m_resolveAction, &QAction::triggered, this, &MainWindow::injectResolve);
    m_failAction = makeAction(this, u"actionFail"_s, tr("&Fail Future…"), u"dialog-error"_s,
                              tr("set_exception(Type(message)) on a pending named future"));
    setShortcuts(m_failAction, {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_F)});
    m_failAction->setIconText(tr("Fail")); // toolbar label
    connect(m_failAction, &QAction::triggered, this, &MainWindow::injectFail);
    m_dropAction = makeAction(this, u"actionDrop"_s, tr("&Drop Reference"), u"edit-clear"_s,
                              tr("Set every variable holding the selected task to None"));
    setShortcuts(m_dropAction, {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_D)});
    m_dropAction->setIconText(tr("Drop")); // toolbar label
    connect(m_dropAction, &QAction::triggered, this, &MainWindow::injectDrop);
    m_collectAction
        = makeAction(this, u"actionCollect"_s, tr("Co&llect Now"), u"user-trash"_s, tr("Run gc.collect() now"));
    setShortcuts(m_collectAction, {QKeySequence(Qt::CTRL | Qt::Key_G)});
    m_collectAction->setIconText(tr("Collect")); // toolbar label
    connect(m_collectAction, &QAction::triggered, this, &MainWindow::injectCollect);

    // View
    m_liveAction = makeAction(this, u"actionFollowLive"_s, tr("Follow &Live"), u"media-skip-forward"_s,
                              tr("Show the run as it is now (leave the time the cursor was dragged to)"));
    setShortcuts(m_liveAction, {QKeySequence(Qt::CTRL | Qt::Key_L)});
    m_liveAction->setIconText(tr("Live")); // toolbar label
    connect(m_liveAction, &QAction::triggered, this, &MainWindow::followLive);

    connect(m_taskView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex at = m_taskView->indexAt(pos);
        if (at.isValid())
            m_taskView->setCurrentIndex(at);
        QMenu menu(this);
        menu.addActions({m_cancelAction, m_timeoutAction, m_resolveAction, m_failAction, m_dropAction});
        menu.addSeparator();
        menu.addAction(m_collectAction);
        menu.exec(m_taskView->viewport()->mapToGlobal(pos));
    });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newAction);
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(u"recentMenu"_s);
    m_examplesMenu = file->addMenu(tr("&Examples"));
    m_examplesMenu->setObjectName(u"examplesMenu"_s);
    file->addSeparator();
    file->addAction(m_saveAction);
    file->addAction(m_saveAsAction);
    file->addSeparator();
    QMenu *exportMenu = file->addMenu(tr("E&xport"));
    exportMenu->setObjectName(u"exportMenu"_s);
    exportMenu->addActions({m_exportReportAction, m_exportPictureAction});
    exportMenu->addSeparator();
    exportMenu->addActions({m_exportPerfettoAction, m_exportPythonAction, m_exportOutcomeAction});
    file->addSeparator();
    file->addAction(m_quitAction);
    m_settingsWriter.setMaxThreadCount(1);
    m_recentFiles = QSettings().value(kRecentKey).toStringList();
    rebuildRecentMenu();
    rebuildExamplesMenu();

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_undoAction);
    edit->addAction(m_redoAction);
    edit->addSeparator();
    edit->addActions(m_editor->editActions());

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addActions({m_runAction, m_playAction, m_pauseAction, m_stepAction, m_runToTimeAction});
    run->addSeparator();
    run->addActions({m_resetAction, m_replayAction});

    QMenu *inject = menuBar()->addMenu(tr("&Inject"));
    inject->addActions({m_cancelAction, m_timeoutAction, m_resolveAction, m_failAction, m_dropAction});
    inject->addSeparator();
    inject->addAction(m_collectAction);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->addAction(m_liveAction);
    m_viewMenu->addSeparator();
    const QList<QDockWidget *> docks = findChildren<QDockWidget *>();
    for (QDockWidget *dock : docks)
        m_viewMenu->addAction(dock->toggleViewAction());
}

void MainWindow::createToolBars()
{
    QToolBar *fileBar = addToolBar(tr("File"));
    fileBar->setObjectName(u"fileToolBar"_s);
    fileBar->addActions({m_newAction, m_openAction, m_saveAction});

    QToolBar *runBar = addToolBar(tr("Run"));
    runBar->setObjectName(u"runToolBar"_s);
    runBar->addActions({m_runAction, m_playAction});
    m_speedBox = new QDoubleSpinBox(runBar);
    m_speedBox->setObjectName(u"speed"_s);
    m_speedBox->setRange(0.1, 100);
    m_speedBox->setDecimals(1);
    m_speedBox->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    m_speedBox->setSuffix(u" ×"_s);
    m_speedBox->setValue(m_speed);
    m_speedBox->setToolTip(tr("Play speed: virtual seconds per second of wall time (0.1 to 100)"));
    m_speedBox->setStatusTip(m_speedBox->toolTip());
    connect(m_speedBox, &QDoubleSpinBox::valueChanged, this, &MainWindow::setSpeed);
    runBar->addWidget(m_speedBox);
    runBar->addActions({m_pauseAction, m_stepAction, m_runToTimeAction, m_resetAction, m_replayAction, m_liveAction});

    QToolBar *injectBar = addToolBar(tr("Inject"));
    injectBar->setObjectName(u"injectToolBar"_s);
    injectBar->addActions(
        {m_cancelAction, m_timeoutAction, m_resolveAction, m_failAction, m_dropAction, m_collectAction});

    for (QToolBar *bar : {fileBar, runBar, injectBar}) {
        bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        m_viewMenu->addAction(bar->toggleViewAction());
    }
}

void MainWindow::createStatusBar()
{
    m_runLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    m_iterationLabel = new QLabel(this);
    m_countsLabel = new QLabel(this);
    m_runLabel->setObjectName(u"runStatus"_s);
    m_timeLabel->setObjectName(u"virtualTime"_s);
    m_iterationLabel->setObjectName(u"loopIteration"_s);
    m_countsLabel->setObjectName(u"taskCounts"_s);
    const QFontMetrics fm = fontMetrics();
    m_timeLabel->setMinimumWidth(fm.horizontalAdvance(u"t = 0000.000 s"_s));
    m_iterationLabel->setMinimumWidth(fm.horizontalAdvance(u"iteration 000000"_s));
    m_timeLabel->setToolTip(tr("Virtual time of the event loop (while playing: the wall clock times the speed, "
                               "up to the next timer)"));
    m_iterationLabel->setToolTip(tr("Loop iterations run so far (Step runs one)"));
    m_countsLabel->setToolTip(tr("Tasks by state"));
    // While scrubbing: the moment the views show (hidden while they follow the run).
    m_scrubLabel = new QLabel(this);
    m_scrubLabel->setObjectName(u"scrubTime"_s);
    m_scrubLabel->setToolTip(tr("The views show the run as of this time: Follow Live (Ctrl+L) to see now"));
    m_scrubLabel->setStyleSheet(u"QLabel { color: #1565c0; font-weight: bold; }"_s);
    m_scrubLabel->hide();
    for (QLabel *l : {m_scrubLabel, m_countsLabel, m_timeLabel, m_iterationLabel, m_runLabel}) {
        l->setContentsMargins(10, 0, 10, 0);
        statusBar()->addPermanentWidget(l);
    }
}

void MainWindow::readSettings()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(u"mainWindow/geometry"_s).toByteArray()))
        resize(1280, 800);
    restoreState(settings.value(u"mainWindow/state"_s).toByteArray());
    const double speed = settings.value(u"run/speed"_s, 1.0).toDouble();
    m_speedBox->setValue(std::clamp(speed, 0.1, 100.0));
}

void MainWindow::writeSettings() const
{
    QSettings settings;
    settings.setValue(u"mainWindow/geometry"_s, saveGeometry());
    settings.setValue(u"mainWindow/state"_s, saveState());
    settings.setValue(u"run/speed"_s, m_speed);
}

// ------------------------------------------------------------------------------------ files

bool MainWindow::loadFile(const QString &path, QString *error)
{
    QString why;
    if (!m_doc->load(path, &why)) {
        if (error)
            *error = why;
        return false;
    }
    m_doc->undoStack()->setClean();
    if (!isResourcePath(path))
        addRecentFile(QFileInfo(path).absoluteFilePath());
    resetRun();
    updateTitle();
    m_inspector->showNode(QString());
    QTimer::singleShot(0, m_editor, &GraphEditorView::fitAll);
    return true;
}

QString MainWindow::filePath() const
{
    return m_doc->filePath();
}

void MainWindow::newDocument()
{
    if (!maybeSave())
        return;
    m_doc->newDocument();
    m_doc->undoStack()->setClean();
    resetRun();
    updateTitle();
}

void MainWindow::openFile()
{
    if (!maybeSave())
        return;
    const QString path = askOpenFileName();
    if (path.isEmpty())
        return;
    QString error;
    if (!loadFile(path, &error))
        reportError(tr("Cannot open task graph"), error);
}

bool MainWindow::openPath(const QString &path)
{
    if (!maybeSave())
        return false;
    QString error;
    if (!loadFile(path, &error)) {
        reportError(tr("Cannot open task graph"), error);
        return false;
    }
    return true;
}

bool MainWindow::save()
{
    const QString path = m_doc->filePath();
    if (path.isEmpty() || isResourcePath(path))
        return saveAs();
    return saveTo(path);
}

bool MainWindow::saveAs()
{
    QString path = askSaveFileName();
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += u".json"_s;
    return saveTo(path);
}

bool MainWindow::saveTo(const QString &path)
{
    QString error;
    if (!m_doc->save(path, &error)) {
        reportError(tr("Cannot save task graph"), error);
        return false;
    }
    addRecentFile(QFileInfo(path).absoluteFilePath());
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    updateTitle();
    return true;
}

bool MainWindow::maybeSave()
{
    if (!m_doc->isModified())
        return true;
    switch (askSaveChanges()) {
    case SaveChoice::Save:
        return save();
    case SaveChoice::Discard:
        return true;
    case SaveChoice::Cancel:
        return false;
    }
    return false;
}

void MainWindow::offerRecovery()
{
    const QList<Autosaver::Recovery> pending = Autosaver::pendingRecoveries();
    for (const Autosaver::Recovery &r : pending) {
        const RecoveryChoice choice = askRecovery(r);
        if (choice == RecoveryChoice::Later)
            continue;
        if (choice == RecoveryChoice::Discard) {
            Autosaver::discard(r);
            continue;
        }
        if (!maybeSave())
            return; // the user keeps what is open; the recovery waits for the next start
        QString error;
        if (!Autosaver::recover(m_doc, r, &error)) {
            reportError(tr("Cannot recover unsaved changes"), error);
            continue;
        }
        statusBar()->showMessage(
            tr("Recovered unsaved changes to %1 (autosaved %2): save them to keep them")
                .arg(m_doc->displayName(), QLocale().toString(r.savedAt.toLocalTime(), QLocale::ShortFormat)));
        return; // one document at a time: the others are offered at the next start
    }
}

MainWindow::RecoveryChoice MainWindow::askRecovery(const Autosaver::Recovery &recovery)
{
    QMessageBox box(
        QMessageBox::Warning, tr("Recover unsaved changes"),
        tr("asyncscope did not close properly. Unsaved changes to \"%1\" were autosaved at %2.")
            .arg(recovery.displayName, QLocale().toString(recovery.savedAt.toLocalTime(), QLocale::ShortFormat)),
        QMessageBox::NoButton, this);
    box.setInformativeText(recovery.originalPath.isEmpty()
                               ? tr("The graph was never saved.")
                               : tr("File: %1").arg(QDir::toNativeSeparators(recovery.originalPath)));
    QPushButton *recover = box.addButton(tr("Recover"), QMessageBox::AcceptRole);
    QPushButton *discard = box.addButton(tr("Discard"), QMessageBox::DestructiveRole);
    box.addButton(tr("Later"), QMessageBox::RejectRole);
    box.setDefaultButton(recover);
    box.exec();
    if (box.clickedButton() == recover)
        return RecoveryChoice::Recover;
    if (box.clickedButton() == discard)
        return RecoveryChoice::Discard;
    return RecoveryChoice::Later;
}

// ------------------------------------------------------------------------------------ export

Engine *MainWindow::engineForExport(bool finished)
{
    if (!m_engine || (finished && !m_engine->isFinished())) {
        if (!m_engine) {
            runToEndNow();
        } else {
            // The outcome is the end of a run: finish this one (its injections so far kept).
            m_driver->stop();
            m_engine->pause();
            m_mode = RunMode::Running;
            m_engine->runSync();
            refreshViews();
            updateRunViews();
        }
    } else if (m_engine && !m_engine->isFinished()) {
        pause(); // report the run as far as it got, not a moving target
    }
    return m_engine; // nullptr: the graph is invalid (the status bar says why)
}

QString MainWindow::exportBaseName() const
{
    const QString path = m_doc->filePath();
    if (path.isEmpty() || path.startsWith(u':'))
        return path.isEmpty() ? u"untitled"_s : QFileInfo(path).completeBaseName();
    return QFileInfo(path).absoluteDir().filePath(QFileInfo(path).completeBaseName());
}

void MainWindow::writeExport(ExportKind kind, const std::function<QString(const QString &path)> &write)
{
    static const char *const suffixes[] = {".pdf", ".perfetto.json", ".py", ".outcome.json"};
    const QString path = askExportFileName(kind, exportBaseName() + QLatin1StringView(suffixes[int(kind)]));
    if (path.isEmpty())
        return;
    const QString error = write(path);
    if (!error.isEmpty()) {
        reportError(tr("Cannot export"), error);
        return;
    }
    statusBar()->showMessage(tr("Exported to %1").arg(QDir::toNativeSeparators(path)), 8000);
}

void MainWindow::exportReport()
{
    Engine *e = engineForExport(false);
    if (!e)
        return;
    writeExport(ExportKind::Report, [this, e](const QString &path) {
        RunReportViews views;
        views.graph = m_editor->scene();
        views.timeline = m_timeline;
        views.charts = m_charts;
        const Report report = runReport(*e, m_doc->filePath(), views);
        return writeReportWithProgress(report, path, this);
    });
}

void MainWindow::exportPicture()
{
    QWidget *view = focusedView(this);
    QString viewName;
    if (auto *dock = qobject_cast<QDockWidget *>(view ? view->parentWidget() : nullptr))
        viewName = dock->windowTitle();
    else
        viewName = tr("Graph editor");
    const std::optional<PictureRequest> request = askPicture(viewName, exportBaseName());
    if (!request)
        return;
    QWidget *target = request->wholeWindow ? static_cast<QWidget *>(this) : (view ? view : m_editor);
    const QString error = saveWidgetPicture(target, request->path, request->ratio);
    if (!error.isEmpty()) {
        reportError(tr("Cannot save picture"), error);
        return;
    }
    statusBar()->showMessage(tr("Picture saved to %1").arg(QDir::toNativeSeparators(request->path)), 8000);
}

void MainWindow::exportPerfetto()
{
    Engine *e = engineForExport(false);
    if (!e)
        return;
    writeExport(ExportKind::Perfetto,
                [e](const QString &path) { return writeFileAtomically(path, perfettoTrace(*e)); });
}

void MainWindow::exportPython()
{
    QString error;
    const std::shared_ptr<const Graph> graph = m_doc->compile(&error);
    if (!graph) {
        reportError(tr("Cannot export"), error);
        return;
    }
    writeExport(ExportKind::Python,
                [graph](const QString &path) { return writeFileAtomically(path, pythonProgram(*graph).toUtf8()); });
}

void MainWindow::exportOutcome()
{
    Engine *e = engineForExport(true);
    if (!e)
        return;
    writeExport(ExportKind::Outcome, [e](const QString &path) {
        return writeFileAtomically(path, QJsonDocument(e->outcome()).toJson(QJsonDocument::Indented));
    });
}

QString MainWindow::askExportFileName(ExportKind kind, const QString &suggested)
{
    if (kind == ExportKind::Report)
        return askReportFileName(this, QFileInfo(suggested).path() + u'/' + QFileInfo(suggested).completeBaseName());
    static const char *const filters[]
        = {"", "Perfetto / Chrome trace (*.json)", "Python program (*.py)", "Outcome (*.json)"};
    return QFileDialog::getSaveFileName(this, tr("Export"), suggested, tr(filters[int(kind)]));
}

std::optional<PictureRequest> MainWindow::askPicture(const QString &viewName, const QString &suggested)
{
    return askPictureFile(this, viewName, suggested);
}

MainWindow::SaveChoice MainWindow::askSaveChanges()
{
    const auto answer = QMessageBox::warning(
        this, tr("Unsaved changes"),
        tr("The task graph \"%1\" has unsaved changes. Save them first?").arg(m_doc->displayName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save)
        return SaveChoice::Save;
    if (answer == QMessageBox::Discard)
        return SaveChoice::Discard;
    return SaveChoice::Cancel;
}

QString MainWindow::askOpenFileName()
{
    QString dir = QDir::currentPath();
    const QString current = m_doc->filePath();
    if (!current.isEmpty() && !isResourcePath(current))
        dir = QFileInfo(current).absolutePath();
    return QFileDialog::getOpenFileName(this, tr("Open task graph"), dir, tr("Task graphs (*.json);;All files (*)"));
}

QString MainWindow::askSaveFileName()
{
    const QString current = m_doc->filePath();
    QString suggestion;
    if (current.isEmpty())
        suggestion = QDir::current().filePath(u"untitled.json"_s);
    else if (isResourcePath(current))
        suggestion = QDir::current().filePath(QFileInfo(current).fileName());
    else
        suggestion = current;
    return QFileDialog::getSaveFileName(this, tr("Save task graph"), suggestion, tr("Task graphs (*.json)"));
}

void MainWindow::reportError(const QString &title, const QString &text)
{
    QMessageBox::warning(this, title, text);
}

void MainWindow::showError(const QString &title, const QString &text)
{
    reportError(title, text);
}

void MainWindow::addRecentFile(const QString &path)
{
    QStringList files = m_recentFiles;
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    setRecentFiles(files);
}

void MainWindow::setRecentFiles(const QStringList &files)
{
    m_recentFiles = files;
    m_settingsWriter.start([files] {
        QSettings settings;
        if (files.isEmpty())
            settings.remove(kRecentKey);
        else
            settings.setValue(kRecentKey, files);
    });
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = m_recentFiles;
    int n = 0;
    for (const QString &path : files) {
        ++n;
        const QString label = n < 10 ? u"&%1 %2"_s.arg(n).arg(QFileInfo(path).fileName()) : QFileInfo(path).fileName();
        QAction *a = m_recentMenu->addAction(label);
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setToolTip(a->statusTip());
        connect(a, &QAction::triggered, this, [this, path] {
            if (!QFileInfo::exists(path)) {
                QStringList left = m_recentFiles;
                left.removeAll(path);
                setRecentFiles(left);
            }
            openPath(path);
        });
    }
    if (files.isEmpty()) {
        m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("&Clear List"), this, [this] { setRecentFiles({}); });
}

void MainWindow::rebuildExamplesMenu()
{
    m_examplesMenu->clear();
    const QStringList paths = examplePaths();
    for (const QString &path : paths) {
        QString name = QFileInfo(path).completeBaseName();
        QString description;
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) {
            const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
            if (o.value(u"name").isString())
                name = o.value(u"name").toString();
            description = o.value(u"description").toString();
        }
        QAction *a = m_examplesMenu->addAction(name);
        a->setObjectName(u"example:"_s + QFileInfo(path).fileName());
        a->setStatusTip(description.left(160));
        connect(a, &QAction::triggered, this, [this, path] { openPath(path); });
    }
}

void MainWindow::updateTitle()
{
    const QString name = m_doc->graphName().isEmpty() ? tr("untitled graph") : m_doc->graphName();
    const QString path = m_doc->filePath();
    QString file = m_doc->displayName();
    if (isResourcePath(path))
        file = QFileInfo(path).fileName() + tr(" (example)");
    setWindowTitle(name + u" — "_s + file + u"[*]"_s);
    setWindowModified(m_doc->isModified());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    pause();
    writeSettings();
    m_autosaver->finish(); // a clean exit leaves no recovery file behind
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!draggedGraph(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QString path = draggedGraph(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    // Not inside the drop handler: the prompt about unsaved changes would run a modal loop
    // while the drag source still waits.
    QMetaObject::invokeMethod(
        this, [this, path] { openPath(path); }, Qt::QueuedConnection);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // The editor's viewport takes drags for itself: files are the window's.
    if (watched == m_editor->viewport()) {
        switch (event->type()) {
        case QEvent::DragEnter:
        case QEvent::DragMove: {
            auto *e = static_cast<QDragMoveEvent *>(event);
            if (!draggedGraph(e->mimeData()).isEmpty()) {
                e->acceptProposedAction();
                return true;
            }
            break;
        }
        case QEvent::Drop: {
            auto *e = static_cast<QDropEvent *>(event);
            if (!draggedGraph(e->mimeData()).isEmpty()) {
                dropEvent(e);
                return true;
            }
            break;
        }
        default:
            break;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

// ------------------------------------------------------------------------------------ runs

Engine *MainWindow::ensureEngine(bool withScript)
{
    if (m_engine)
        return m_engine;
    QString error;
    const std::shared_ptr<const Graph> graph = m_doc->compile(&error);
    if (!graph) {
        statusBar()->showMessage(tr("Cannot run: %1").arg(error), 10000);
        return nullptr;
    }
    auto *engine = new Engine(graph, this);
    if (withScript) {
        const auto script = Engine::scriptFromGraph(*graph, &error);
        if (!script) {
            statusBar()->showMessage(tr("Cannot replay: %1").arg(error), 10000);
            delete engine;
            return nullptr;
        }
        engine->setScript(*script);
    }
    m_engine = engine;
    m_replaying = withScript;
    attachViews(engine); // the table connects its refresh first: the views below read it
    connect(engine, &Engine::progressed, this, &MainWindow::onEngineProgressed);
    connect(engine, &Engine::finished, this, &MainWindow::onEngineFinished);
    engine->setProperty("fingerprint", runFingerprint(m_doc->root()));
    return engine;
}

bool MainWindow::runIsOver() const
{
    return m_engine && m_engine->isFinished();
}

void MainWindow::run()
{
    if (runIsOver())
        resetRun();
    Engine *e = ensureEngine();
    if (!e)
        return;
    m_driver->stop();
    e->setRealTime(false);
    m_mode = RunMode::Running;
    e->start();
    updateRunViews();
}

void MainWindow::play()
{
    if (runIsOver())
        resetRun();
    Engine *e = ensureEngine();
    if (!e)
        return;
    m_driver->stop();
    e->setRealTime(true, m_speed);
    m_mode = RunMode::Playing;
    rebasePlayClock();
    m_playClock->start();
    e->start();
    updateRunViews();
}

void MainWindow::pause()
{
    m_driver->stop();
    const bool wasPlaying = m_engine && m_mode == RunMode::Playing;
    if (m_engine) {
        m_engine->pause(); // in real time, the clock first moves on to now (recorded)
        m_mode = m_engine->isFinished() ? RunMode::Finished : RunMode::Paused;
    }
    if (wasPlaying && m_mode == RunMode::Paused) {
        const Loop &loop = m_engine->runtime().loop();
        const std::optional<double> next = loop.nextDeadline();
        statusBar()->showMessage(next ? tr("Paused at t = %1 s: the next timer is due at %2 s")
                                            .arg(secondsText(loop.time()), secondsText(*next))
                                      : tr("Paused at t = %1 s").arg(secondsText(loop.time())),
                                 10000);
    }
    updateRunViews();
}

void MainWindow::step()
{
    if (runIsOver()) {
        statusBar()->showMessage(tr("The run is over: Reset (Ctrl+R) to start again"), 5000);
        return;
    }
    Engine *e = ensureEngine();
    if (!e)
        return;
    m_driver->stop();
    e->pause();
    m_mode = RunMode::Paused;
    e->stepOnce(); // finished() may set the mode
    refreshViews();
    updateRunViews();
}

void MainWindow::runToTime()
{
    const double now = m_engine ? m_engine->runtime().loop().time() : 0.0;
    if (const auto t = askRunToTime(now))
        runUntil(*t);
}

std::optional<double> MainWindow::askRunToTime(double now)
{
    bool ok = false;
    const double t = QInputDialog::getDouble(
        this, tr("Run to time"), tr("Pause when the virtual clock reaches (seconds):"), now + 1.0, 0.0, 1e9, 3, &ok);
    return ok ? std::optional<double>(t) : std::nullopt;
}

void MainWindow::runUntil(double t)
{
    if (runIsOver())
        resetRun();
    Engine *e = ensureEngine();
    if (!e)
        return;
    e->pause();
    m_runToTarget = t;
    m_mode = RunMode::RunningToTime;
    m_driver->start(0);
    updateRunViews();
}

void MainWindow::driveToTime()
{
    if (!m_engine || m_engine->isFinished()) {
        m_driver->stop();
        return;
    }
    // Batches of iterations like Engine::start's, a few ms each, so the UI stays responsive.
    QElapsedTimer clock;
    clock.start();
    const Loop &loop = m_engine->runtime().loop();
    bool reached = false;
    bool stuck = false;
    while (clock.elapsed() < 8 && m_engine && !m_engine->isFinished()) {
        if (loop.time() >= m_runToTarget - 1e-12) {
            reached = true;
            break;
        }
        // Nothing ready and the next timer is after the target: the clock would jump past it.
        const std::optional<double> next = loop.nextDeadline();
        if (next && *next > m_runToTarget + 1e-9) {
            reached = true;
            break;
        }
        // Nothing ready and no timer: the next iteration would end the run as a deadlock.
        // Stop before it, so that an injection can still break it.
        if (!next && loop.ready().empty() && m_engine->stage() != Engine::Stage::NotStarted) {
            stuck = true;
            break;
        }
        m_engine->stepOnce();
    }
    if (reached || stuck) {
        m_driver->stop();
        m_mode = RunMode::Paused;
        statusBar()->showMessage(
            stuck ? tr("Paused at t = %1 s: nothing is ready and no timer is armed, the next step ends the run "
                       "as a deadlock (an injection may break it)")
                        .arg(secondsText(loop.time()))
                  : tr("Paused at t = %1 s (asked for %2 s)").arg(secondsText(loop.time()), secondsText(m_runToTarget)),
            10000);
    }
    refreshViews();
    updateRunViews();
}

void MainWindow::resetRun()
{
    m_driver->stop();
    if (m_engine) {
        Engine *e = m_engine;
        e->pause();
        disconnect(e, nullptr, this, nullptr);
        attachViews(nullptr);
        m_engine = nullptr;
        e->deleteLater(); // we may be inside one of its signals
    }
    m_mode = RunMode::Idle;
    m_replaying = false;
    m_editor->setNodeStates({});
    m_inspector->showTask(QJsonObject());
    updateRunViews();
}

void MainWindow::replay()
{
    storeInjections(); // what was injected in the current run, if not saved yet
    resetRun();
    Engine *e = ensureEngine(true);
    if (!e)
        return;
    const int n = int(m_doc->root().value(u"injections").toArray().size());
    statusBar()->showMessage(tr("Replaying with %n injection(s) from the graph", nullptr, n), 5000);
    e->setRealTime(false);
    m_mode = RunMode::Running;
    e->start();
    updateRunViews();
}

void MainWindow::runToEndNow()
{
    if (runIsOver())
        resetRun();
    const bool script = m_doc->root().value(u"injections").isArray();
    Engine *e = ensureEngine(script);
    if (!e)
        return;
    m_driver->stop();
    e->pause();
    m_mode = RunMode::Running;
    e->runSync();
    refreshViews();
    updateRunViews();
}

void MainWindow::prepareScreenshot()
{
    const QList<QDockWidget *> docks = findChildren<QDockWidget *>();
    for (QDockWidget *dock : docks)
        dock->show();
    if (m_taskModel->rowCount() > 0 && !m_taskView->currentIndex().isValid())
        selectTask(m_taskModel->taskName(0));
    m_editor->fitAll();
}

bool MainWindow::showView(const QString &view)
{
    QString name = view;
    name.remove(u'-');
    auto *dock = findChild<QDockWidget *>(name.replace(u"graph"_s, u"Graph"_s) + u"Dock"_s);
    if (!dock)
        return false;
    dock->show();
    dock->raise();
    return true;
}

void MainWindow::setSpeed(double speed)
{
    m_speed = std::clamp(speed, 0.1, 100.0);
    if (m_speedBox->value() != m_speed)
        m_speedBox->setValue(m_speed);
    if (m_engine && m_mode == RunMode::Playing) {
        m_engine->setRealTime(true, m_speed);
        rebasePlayClock();
    }
}

void MainWindow::rebasePlayClock()
{
    m_playBase = m_engine ? m_engine->runtime().loop().time() : 0.0;
    m_playWall.restart();
}

void MainWindow::updateTimeLabel()
{
    double t = m_engine ? m_engine->runtime().loop().time() : 0.0;
    if (m_engine && m_mode == RunMode::Playing) {
        // The loop's clock moves from event to event; between two, show where the wall clock
        // (times the speed) has got to, never past the next timer.
        double clock = m_playBase + double(m_playWall.nsecsElapsed()) * 1e-9 * m_speed;
        if (const std::optional<double> next = m_engine->runtime().loop().nextDeadline())
            clock = std::min(clock, *next);
        t = std::max(t, clock);
    } else {
        m_playClock->stop();
    }
    m_timeLabel->setText(tr("t = %1 s").arg(secondsText(t)));
}

void MainWindow::onEngineProgressed()
{
    cursorFollowsTheClock();
    updateRunViews();
}

void MainWindow::cursorFollowsTheClock()
{
    if (m_scrubbing || !m_engine)
        return;
    m_cursorTime = m_engine->runtime().loop().time();
    m_timeline->setCursorTime(m_cursorTime);
    m_charts->setCursorTime(m_cursorTime);
}

void MainWindow::attachViews(Engine *engine)
{
    m_scrubbing = false;
    m_cursorTime = 0;
    m_taskModel->followLive();
    m_taskModel->setEngine(engine);
    m_timeline->setEngine(engine);
    m_charts->setEngine(engine);
    m_diagnostics->setEngine(engine);
    m_awaitGraph->setEngine(engine);
    m_awaitGraph->followLive();
    m_timeline->setCursorTime(0);
    m_charts->setCursorTime(0);
    if (m_scrubLabel)
        m_scrubLabel->hide();
}

void MainWindow::refreshViews()
{
    m_taskModel->refresh();
    m_timeline->refresh();
    m_charts->refresh();
    if (m_mode != RunMode::RunningToTime) // diagnose() reads the whole run: not every batch
        m_diagnostics->refresh();
    m_awaitGraph->refresh();
    cursorFollowsTheClock();
}

void MainWindow::setCursorTime(double t)
{
    if (!m_engine)
        return;
    t = std::max(0.0, t);
    m_scrubbing = true;
    m_cursorTime = t;
    m_timeline->setCursorTime(t);
    m_charts->setCursorTime(t);
    m_awaitGraph->setTime(t);
    m_taskModel->setTime(t);
    m_scrubLabel->setText(tr("viewing t = %1 s").arg(secondsText(t)));
    m_scrubLabel->show();
    updateRunViews();
}

void MainWindow::followLive()
{
    if (!m_scrubbing)
        return;
    m_scrubbing = false;
    m_taskModel->followLive();
    m_awaitGraph->followLive();
    m_scrubLabel->hide();
    cursorFollowsTheClock();
    updateRunViews();
}

void MainWindow::onFindingActivated(const QString &task, const QString &node, double time)
{
    if (!task.isEmpty())
        selectTask(task);
    else if (!node.isEmpty())
        m_editor->selectNode(node);
    setCursorTime(time);
}

void MainWindow::onEngineFinished()
{
    m_driver->stop();
    m_mode = RunMode::Finished;
    // The views refreshed themselves on finished() (they were connected first).
    cursorFollowsTheClock();
    storeInjections();
    updateRunViews();
    Q_EMIT runFinished();
}

void MainWindow::storeInjections()
{
    if (!m_engine || m_engine->injections().empty())
        return;
    QJsonArray script;
    for (const Injection &in : m_engine->injections())
        script.append(in.toJson());
    if (m_doc->root().value(u"injections") == QJsonValue(script))
        return;
    m_storingInjections = true;
    m_doc->setGraphField(u"injections"_s, script);
    m_storingInjections = false;
    statusBar()->showMessage(
        tr("%n injection(s) saved in the graph: Replay (Ctrl+Shift+R) repeats this run", nullptr, int(script.size())),
        8000);
}

void MainWindow::onDocumentEdited()
{
    updateTitle();
    if (m_storingInjections || !m_engine)
        return;
    // Moving nodes or storing the script changes nothing the engine runs.
    if (m_engine->property("fingerprint").toByteArray() != runFingerprint(m_doc->root()))
        resetRun();
}

void MainWindow::updateRunViews()
{
    if (m_engine) {
        const Loop &loop = m_engine->runtime().loop();
        updateTimeLabel();
        m_iterationLabel->setText(tr("iteration %1").arg(loop.iteration()));
        m_editor->setNodeStates(m_taskModel->nodeStates());
        const int row = m_taskFilter->mapToSource(m_taskView->currentIndex()).row();
        if (row >= 0)
            m_inspector->showTask(m_taskModel->taskInfo(row));
    } else {
        updateTimeLabel();
        m_iterationLabel->setText(tr("iteration 0"));
    }
    m_countsLabel->setText(countsText());
    m_runLabel->setText(runStatusText());
    // Permanent fields keep their whole text; the transient message on the left gives way.
    for (QLabel *l : {m_countsLabel, m_runLabel})
        l->setMinimumWidth(l->sizeHint().width());
    if (QLayout *layout = statusBar()->layout())
        layout->activate(); // now, not at the next event: a grab right after shows it laid out
    updateActions();
}

void MainWindow::updateActions()
{
    const bool active = m_mode == RunMode::Running || m_mode == RunMode::Playing || m_mode == RunMode::RunningToTime;
    m_pauseAction->setEnabled(active);
    m_resetAction->setEnabled(m_engine != nullptr);
    m_liveAction->setEnabled(m_scrubbing);
    const bool over = runIsOver();
    m_stepAction->setEnabled(!over);
    for (QAction *a : {m_cancelAction, m_timeoutAction, m_resolveAction, m_failAction, m_dropAction, m_collectAction})
        a->setEnabled(!over);
}

QString MainWindow::timeText() const
{
    return m_timeLabel->text();
}

QString MainWindow::iterationText() const
{
    return m_iterationLabel->text();
}

QString MainWindow::countsText() const
{
    if (!m_engine)
        return tr("no run");
    const QMap<QString, int> counts = m_taskModel->stateCounts();
    QStringList parts;
    const QStringList states = TaskTableModel::stateNames();
    for (const QString &s : states) {
        if (counts.value(s) > 0)
            parts << u"%1 %2"_s.arg(counts.value(s)).arg(s);
    }
    return parts.isEmpty() ? tr("no tasks yet") : parts.join(u" · "_s);
}

QString MainWindow::runStatusText() const
{
    switch (m_mode) {
    case RunMode::Idle:
        return tr("ready");
    case RunMode::Running:
        return m_replaying ? tr("replaying") : tr("running");
    case RunMode::Playing:
        return tr("playing at %1×").arg(m_speed);
    case RunMode::RunningToTime:
        return tr("running to t = %1 s").arg(secondsText(m_runToTarget));
    case RunMode::Paused:
        return tr("paused");
    case RunMode::Finished:
        return m_engine ? tr("finished: %1").arg(m_engine->status()) : tr("finished");
    }
    return {};
}

// ------------------------------------------------------------------------------------ injections

QString MainWindow::selectedTask() const
{
    const QModelIndex current = m_taskView->currentIndex();
    if (!current.isValid())
        return {};
    return m_taskModel->taskName(m_taskFilter->mapToSource(current).row());
}

QString MainWindow::awaitedFutureOf(const QString &task) const
{
    const int row = m_taskModel->rowForTask(task);
    const QString awaiting = m_taskModel->taskInfo(row).value(u"awaiting").toString();
    return awaiting.startsWith(u"future "_s) ? awaiting.mid(7) : QString();
}

std::optional<Injection> MainWindow::askInjection(Injection::Kind kind, const QString &target)
{
    if (kind == Injection::Kind::Collect
        || ((kind == Injection::Kind::ForceTimeout || kind == Injection::Kind::Drop) && !target.isEmpty())) {
        Injection in;
        in.kind = kind;
        in.target = target;
        return in;
    }
    // What can be targeted now: unfinished tasks, then pending named futures.
    QList<InjectionDialog::Target> targets;
    const bool tasks
        = kind == Injection::Kind::Cancel || kind == Injection::Kind::ForceTimeout || kind == Injection::Kind::Drop;
    const bool futures = kind != Injection::Kind::ForceTimeout;
    if (m_engine && m_engine->stage() != Engine::Stage::NotStarted) {
        const Runtime &rt = m_engine->runtime();
        if (tasks) {
            for (int row = 0; row < m_taskModel->rowCount(); ++row) {
                const QString state = m_taskModel->stateOf(row);
                if (state == u"done" || state == u"failed" || state == u"cancelled" || state == u"destroyed")
                    continue;
                targets.append({m_taskModel->taskName(row), tr("task · %1").arg(state)});
            }
        }
        if (futures) {
            for (const auto &[name, f] : rt.namedFutures) {
                if (!f->done())
                    targets.append({name, tr("future · pending")});
            }
        }
    } else if (futures) {
        const QJsonArray names = m_doc->root().value(u"futures").toArray();
        for (const QJsonValue &n : names)
            targets.append({n.toString(), tr("future · pending")});
    }
    InjectionDialog dialog(kind, targets, target, this);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.injection();
}

void MainWindow::inject(Injection in)
{
    if (runIsOver()) {
        statusBar()->showMessage(tr("Injection refused: the run is over (Reset with Ctrl+R)"), 8000);
        return;
    }
    Engine *e = ensureEngine();
    if (!e)
        return;
    if (m_mode == RunMode::Idle)
        m_mode = RunMode::Paused;
    followLive(); // an injection acts now: show now
    const QString what = QString::fromLatin1(Injection::kindName(in.kind));
    const QString target = in.target;
    QString why;
    if (!e->inject(in, &why)) {
        statusBar()->showMessage(tr("Injection refused: %1").arg(why), 10000);
        m_taskModel->refresh();
        updateRunViews();
        return;
    }
    const Loop &loop = e->runtime().loop();
    statusBar()->showMessage(
        target.isEmpty()
            ? tr("Injected %1 at t = %2 s, iteration %3").arg(what, secondsText(loop.time())).arg(loop.iteration())
            : tr("Injected %1 on %2 at t = %3 s, iteration %4")
                  .arg(what, target, secondsText(loop.time()))
                  .arg(loop.iteration()),
        8000);
    refreshViews();
    updateRunViews();
}

void MainWindow::injectCancel()
{
    if (const auto in = askInjection(Injection::Kind::Cancel, selectedTask()))
        inject(*in);
}

void MainWindow::injectForceTimeout()
{
    if (const auto in = askInjection(Injection::Kind::ForceTimeout, selectedTask()))
        inject(*in);
}

void MainWindow::injectResolve()
{
    if (const auto in = askInjection(Injection::Kind::Resolve, awaitedFutureOf(selectedTask())))
        inject(*in);
}

void MainWindow::injectFail()
{
    if (const auto in = askInjection(Injection::Kind::Fail, awaitedFutureOf(selectedTask())))
        inject(*in);
}

void MainWindow::injectDrop()
{
    if (const auto in = askInjection(Injection::Kind::Drop, selectedTask()))
        inject(*in);
}

void MainWindow::injectCollect()
{
    if (const auto in = askInjection(Injection::Kind::Collect, {}))
        inject(*in);
}

// ------------------------------------------------------------------------------------ selection

void MainWindow::selectTask(const QString &name)
{
    const int row = m_taskModel->rowForTask(name);
    if (row < 0)
        return;
    const QModelIndex at = m_taskFilter->mapFromSource(m_taskModel->index(row, 0));
    if (at.isValid()) {
        m_taskView->setCurrentIndex(at);
        m_taskView->scrollTo(at);
    }
}

void MainWindow::onTaskRowChanged()
{
    if (m_syncingSelection)
        return;
    const int row = m_taskFilter->mapToSource(m_taskView->currentIndex()).row();
    if (row < 0)
        return;
    m_inspector->showTask(m_taskModel->taskInfo(row));
    m_syncingSelection = true;
    m_editor->selectNode(m_taskModel->nodeOf(row));
    m_timeline->selectTask(m_taskModel->taskName(row));
    m_awaitGraph->selectTask(m_taskModel->taskName(row));
    m_syncingSelection = false;
}

void MainWindow::onNodeSelected(const QString &id)
{
    if (m_syncingSelection)
        return;
    m_inspector->showNode(id);
    if (id.isEmpty())
        return;
    const int row = m_taskModel->firstRowForNode(id);
    const QModelIndex at = row >= 0 ? m_taskFilter->mapFromSource(m_taskModel->index(row, 0)) : QModelIndex();
    m_syncingSelection = true;
    if (at.isValid()) {
        m_taskView->setCurrentIndex(at);
        m_taskView->scrollTo(at);
        m_inspector->showTask(m_taskModel->taskInfo(row));
    } else {
        m_taskView->selectionModel()->clear();
        m_inspector->showTask(QJsonObject());
    }
    m_syncingSelection = false;
}

} // namespace ascope
