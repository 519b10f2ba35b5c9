// The charts of a run (Qt Charts): a stacked area of tasks pending, done, failed, cancelled and
// destroyed over time (StateCountsModel) and step lines of leaks over time (LeakCountsModel),
// both fed through QVXYModelMapper by StepSeriesModel, on one shared time axis, with a time
// cursor the user drags or clicks (shared with the timeline through cursorMoved/setCursorTime)
// and a line above the charts with the counts at the cursor.
#pragma once

#include <QAbstractTableModel>
#include <QPointer>
#include <QWidget>

#include <vector>

class QChartView;
class QGraphicsLineItem;
class QLabel;
class QSplitter;
class QValueAxis;

namespace ascope {

class Engine;
class LeakCountsModel;
class StateCountsModel;

// The adapter between a counts model (column 0 time, then counts; one row per moment) and the
// series: each value holds until the next moment, so every moment gives two points (the old value
// at the new time, then the new value), and a last point carries the values to endTime(). With
// stacking, column k is the sum of the source's count columns 1..k (the top of area k).
class StepSeriesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    explicit StepSeriesModel(QObject *parent = nullptr);

    // Source columns read: `columns` (count columns of the source), stacked or as they are.
    void setSource(QAbstractItemModel *source, std::vector<int> columns, bool stacked);
    // Where the last value ends (at least the last moment).
    void setEndTime(double t);
    double endTime() const { return m_end; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    void rebuild();

    QPointer<QAbstractItemModel> m_source;
    std::vector<int> m_columns;
    bool m_stacked = false;
    double m_end = 0;
    std::vector<std::vector<double>> m_rows; // time, then one value per column
};

class ChartsView : public QWidget
{
    Q_OBJECT

public:
    explicit ChartsView(QWidget *parent = nullptr);
    ~ChartsView() override;

    // Follows `engine` (nullptr: empty charts); not owned. Its progressed()/finished() refresh.
    void setEngine(Engine *engine);
    // Brings both charts up to date with the engine now.
    void refresh();

    double cursorTime() const { return m_cursor; }
    // The time axis shown by both charts: [0, end of the run so far].
    double timeExtent() const;

    StateCountsModel *stateModel() const { return m_states; }
    LeakCountsModel *leakModel() const { return m_leaks; }
    QChartView *statesChartView() const { return m_statesView; }
    QChartView *leaksChartView() const { return m_leaksView; }
    // The cursor line of a chart view, in that view's viewport coordinates.
    QLineF cursorLine(QChartView *view) const;
    // The counts at the cursor, as the line above the charts shows them.
    QString cursorText() const;

public Q_SLOTS:
    void setCursorTime(double t);

Q_SIGNALS:
    // The user clicked or dragged the cursor to t (not emitted by setCursorTime).
    void cursorMoved(double t);

protected:
    // Side by side when the view is wide (a bottom dock), one above the other when it is tall.
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateAxes();
    void placeCursors();
    QChartView *makeChartView(const QString &title);

    QPointer<Engine> m_engine;
    StateCountsModel *m_states;
    LeakCountsModel *m_leaks;
    StepSeriesModel *m_stateSeries;
    StepSeriesModel *m_leakSeries;
    QChartView *m_statesView;
    QChartView *m_leaksView;
    QValueAxis *m_statesX = nullptr;
    QValueAxis *m_statesY = nullptr;
    QValueAxis *m_leaksX = nullptr;
    QValueAxis *m_leaksY = nullptr;
    QGraphicsLineItem *m_statesCursor = nullptr;
    QGraphicsLineItem *m_leaksCursor = nullptr;
    QLabel *m_readout;
    QSplitter *m_splitter = nullptr;
    double m_cursor = 0;
};

} // namespace ascope
