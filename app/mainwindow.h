// The main window: open a graph file, run it, and show the run's tasks in a table with a
// one-line summary in the status bar.
#pragma once

#include <QMainWindow>

#include <memory>

class QAction;
class QLabel;

namespace ascope {

struct Graph;
class OutcomeTableModel;
class TaskTableView;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // The example opened when no file is given.
    static QString defaultExample();

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads a graph without any dialog. On failure keeps the current graph and returns false
    // with "<path>: <where>: <what>" in *error.
    bool loadFile(const QString &path, QString *error = nullptr);

    QString filePath() const { return m_path; }
    const Graph *graph() const { return m_graph.get(); }
    OutcomeTableModel *outcomeModel() const { return m_model; }
    TaskTableView *taskTable() const { return m_table; }
    QString statusText() const;

public Q_SLOTS:
    void openFile();                    // asks for a file, then loadFile; errors in a message box
    void openPath(const QString &path); // loadFile; errors in a message box
    void runGraph();
    void showLoadError(const QString &message);

Q_SIGNALS:
    void graphLoaded();
    void runFinished();

private:
    void createActions();
    void updateTitle();
    void updateStatus();

    std::shared_ptr<const Graph> m_graph;
    QString m_path;
    bool m_running = false;

    OutcomeTableModel *m_model = nullptr;
    TaskTableView *m_table = nullptr;
    QLabel *m_statusLabel = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_runAction = nullptr;
    QAction *m_quitAction = nullptr;
};

} // namespace ascope
