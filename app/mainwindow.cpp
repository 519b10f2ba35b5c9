#include "mainwindow.h"

#include "graph.h"
#include "loader.h"
#include "outcometablemodel.h"
#include "runner.h"
#include "tasktableview.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScopeGuard>
#include <QStatusBar>
#include <QToolBar>

using namespace Qt::StringLiterals;

namespace ascope {

QString MainWindow::defaultExample()
{
    return u":/examples/taskgroup-failure.json"_s;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_model(new OutcomeTableModel(this))
    , m_table(new TaskTableView(this))
    , m_statusLabel(new QLabel(this))
{
    m_table->setOutcomeModel(m_model);
    setCentralWidget(m_table);
    statusBar()->addWidget(m_statusLabel, 1);
    createActions();
    updateTitle();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    m_openAction = new QAction(QIcon::fromTheme(u"document-open"_s), tr("&Open…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open a task graph (asyncgraph/1 JSON)"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openFile);

    m_runAction = new QAction(QIcon::fromTheme(u"media-playback-start"_s), tr("&Run"), this);
    m_runAction->setShortcuts({QKeySequence(Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_R)});
    m_runAction->setStatusTip(tr("Run the graph on the virtual clock"));
    m_runAction->setEnabled(false);
    connect(m_runAction, &QAction::triggered, this, &MainWindow::runGraph);

    m_quitAction = new QAction(QIcon::fromTheme(u"application-exit"_s), tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_runAction);

    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(u"mainToolBar"_s);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_openAction);
    toolBar->addAction(m_runAction);
}

bool MainWindow::loadFile(const QString &path, QString *error)
{
    const LoadResult loaded = loadGraphFile(path);
    if (!loaded.graph) {
        if (error)
            *error = loaded.error;
        return false;
    }
    m_graph = loaded.graph;
    m_path = path;
    m_model->clear();
    m_table->resetSorting();
    m_runAction->setEnabled(true);
    updateTitle();
    updateStatus();
    Q_EMIT graphLoaded();
    return true;
}

void MainWindow::openFile()
{
    QString dir = QDir::currentPath();
    if (!m_path.isEmpty() && !m_path.startsWith(u':'))
        dir = QFileInfo(m_path).absolutePath();
    const QString path
        = QFileDialog::getOpenFileName(this, tr("Open task graph"), dir, tr("Task graphs (*.json);;All files (*)"));
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::openPath(const QString &path)
{
    QString error;
    if (!loadFile(path, &error))
        showLoadError(error);
}

void MainWindow::showLoadError(const QString &message)
{
    QMessageBox::warning(this, tr("Cannot open task graph"), message);
}

void MainWindow::runGraph()
{
    // runToOutcome may spin a nested event loop: keep Run from re-entering it meanwhile.
    if (!m_graph || m_running)
        return;
    m_running = true;
    m_runAction->setEnabled(false);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const auto restore = qScopeGuard([this] {
        QApplication::restoreOverrideCursor();
        m_runAction->setEnabled(true);
        m_running = false;
    });
    const std::shared_ptr<const Graph> graph = m_graph; // alive even if a file is opened meanwhile
    const QJsonObject outcome = runToOutcome(*graph);
    if (graph != m_graph)
        return;
    m_model->setOutcome(outcome);
    updateStatus();
    Q_EMIT runFinished();
}

QString MainWindow::statusText() const
{
    if (!m_graph)
        return tr("No graph open");
    if (!m_model->hasOutcome()) {
        const int n = int(m_graph->nodes.size());
        return (n == 1 ? tr("1 node") : tr("%1 nodes").arg(n)) + tr(" · press Run (F5)");
    }
    return m_model->summaryText();
}

void MainWindow::updateStatus()
{
    m_statusLabel->setText(statusText());
}

void MainWindow::updateTitle()
{
    if (!m_graph) {
        setWindowTitle(u"asyncscope"_s);
        return;
    }
    const QString file
        = m_path.startsWith(u':') ? QFileInfo(m_path).fileName() + tr(" (example)") : QFileInfo(m_path).fileName();
    const QString name = m_graph->name.isEmpty() ? tr("untitled graph") : m_graph->name;
    setWindowTitle(name + u" — "_s + file + u" — asyncscope"_s);
}

} // namespace ascope
