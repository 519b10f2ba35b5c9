#include "chartsview.h"

#include "engine.h"
#include "leakcountsmodel.h"
#include "statecountsmodel.h"
#include "tasktablemodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QGraphicsLineItem>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QSplitter>
#include <QVBoxLayout>
#include <QVXYModelMapper>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QColor leakColour(int column)
{
    switch (column) {
    case LeakCountsModel::DestroyedPendingColumn:
        return TaskTableModel::stateColour(u"destroyed"_s);
    case LeakCountsModel::NeverRetrievedColumn:
        return TaskTableModel::stateColour(u"failed"_s);
    default:
        return TaskTableModel::stateColour(u"waiting"_s);
    }
}

// "pending" is not a row state of the task table: it is drawn in the colour of waiting tasks.
QColor areaColour(const QString &state)
{
    return TaskTableModel::stateColour(state == u"pending" ? u"waiting"_s : state);
}

} // namespace

StepSeriesModel::StepSeriesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void StepSeriesModel::setSource(QAbstractItemModel *source, std::vector<int> columns, bool stacked)
{
    beginResetModel();
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    m_columns = std::move(columns);
    m_stacked = stacked;
    m_rows.clear();
    endResetModel();
    if (!source)
        return;
    connect(source, &QAbstractItemModel::rowsInserted, this, [this] { rebuild(); });
    connect(source, &QAbstractItemModel::rowsRemoved, this, [this] { rebuild(); });
    connect(source, &QAbstractItemModel::dataChanged, this, [this] { rebuild(); });
    connect(source, &QAbstractItemModel::modelReset, this, [this] { rebuild(); });
    connect(source, &QAbstractItemModel::layoutChanged, this, [this] { rebuild(); });
    rebuild();
}

void StepSeriesModel::setEndTime(double t)
{
    if (t == m_end)
        return;
    m_end = t;
    rebuild();
}

// Recomputes the points from the source and publishes what differs (the tail, as the counts
// models only append and update their last rows).
void StepSeriesModel::rebuild()
{
    std::vector<std::vector<double>> rows;
    const int n = m_source ? m_source->rowCount() : 0;
    const size_t width = 1 + m_columns.size();
    rows.reserve(size_t(2 * n + 1));
    std::vector<double> previous(width, 0.0); // zeros before the first moment
    for (int r = 0; r < n; ++r) {
        std::vector<double> v(width, 0.0);
        v[0] = m_source->index(r, 0).data().toDouble();
        double sum = 0;
        for (size_t c = 0; c < m_columns.size(); ++c) {
            const double x = m_source->index(r, m_columns[c]).data().toDouble();
            sum += x;
            v[c + 1] = m_stacked ? sum : x;
        }
        previous[0] = v[0];
        rows.push_back(previous); // the value so far, up to this moment
        rows.push_back(v);
        previous = std::move(v);
    }
    if (n > 0) {
        previous[0] = std::max(m_end, previous[0]);
        rows.push_back(previous);
    }

    const size_t oldSize = m_rows.size();
    const size_t common = std::min(oldSize, rows.size());
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < common; ++i) {
        if (m_rows[i] != rows[i]) {
            m_rows[i] = rows[i];
            if (first < 0)
                first = int(i);
            last = int(i);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, int(width) - 1));
    if (rows.size() < oldSize) {
        beginRemoveRows({}, int(rows.size()), int(oldSize) - 1);
        m_rows.resize(rows.size());
        endRemoveRows();
    } else if (rows.size() > oldSize) {
        beginInsertRows({}, int(oldSize), int(rows.size()) - 1);
        m_rows.insert(m_rows.end(), rows.begin() + qsizetype(oldSize), rows.end());
        endInsertRows();
    }
}

int StepSeriesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StepSeriesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(1 + m_columns.size());
}

QVariant StepSeriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    return m_rows[size_t(index.row())][size_t(index.column())];
}

namespace {

struct NiceAxis {
    double max = 1;
    double step = 0.2;
    int ticks = 6;
};

// A range [0, max] covering `value` with at most `maxIntervals` intervals of a round step (1, 2,
// 2.5 or 5 times a power of ten; whole numbers when `integral`).
NiceAxis niceAxis(double value, int maxIntervals, bool integral = false)
{
    if (!(value > 0) || !std::isfinite(value))
        value = 1;
    const double raw = value / maxIntervals;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (const double m : {1.0, 2.0, 2.5, 5.0}) {
        if (m * magnitude >= raw - 1e-12) {
            step = m * magnitude;
            break;
        }
    }
    if (integral)
        step = std::max(1.0, std::ceil(step));
    NiceAxis a;
    a.step = step;
    const int intervals = std::max(1, int(std::ceil(value / step - 1e-9)));
    a.max = intervals * step;
    a.ticks = intervals + 1;
    return a;
}

} // namespace

ChartsView::ChartsView(QWidget *parent)
    : QWidget(parent)
    , m_states(new StateCountsModel(this))
    , m_leaks(new LeakCountsModel(this))
    , m_stateSeries(new StepSeriesModel(this))
    , m_leakSeries(new StepSeriesModel(this))
    , m_statesView(makeChartView(tr("Tasks by state")))
    , m_leaksView(makeChartView(tr("Leaks (cumulative)")))
    , m_readout(new QLabel(this))
{
    m_stateSeries->setSource(m_states,
                             {StateCountsModel::PendingColumn, StateCountsModel::DoneColumn,
                              StateCountsModel::FailedColumn, StateCountsModel::CancelledColumn,
                              StateCountsModel::DestroyedColumn},
                             true);
    m_leakSeries->setSource(
        m_leaks,
        {LeakCountsModel::DestroyedPendingColumn, LeakCountsModel::NeverRetrievedColumn, LeakCountsModel::OrphanColumn},
        false);

    // States: area k spans from the running sum of the states before it to the sum including it.
    QChart *states = m_statesView->chart();
    m_statesX = new QValueAxis(states);
    m_statesY = new QValueAxis(states);
    states->addAxis(m_statesX, Qt::AlignBottom);
    states->addAxis(m_statesY, Qt::AlignLeft);
    for (int k = 1; k < m_stateSeries->columnCount(); ++k) {
        const int column = StateCountsModel::PendingColumn + k - 1;
        auto *area = new QAreaSeries(states);
        auto mapped = [&](int valueColumn) {
            auto *line = new QLineSeries(area);
            auto *mapper = new QVXYModelMapper(area);
            mapper->setXColumn(0);
            mapper->setYColumn(valueColumn);
            mapper->setSeries(line);
            mapper->setModel(m_stateSeries);
            return line;
        };
        area->setUpperSeries(mapped(k));
        if (k > 1)
            area->setLowerSeries(mapped(k - 1));
        area->setName(m_states->headerData(column, Qt::Horizontal).toString().toLower());
        const QColor colour = areaColour(StateCountsModel::stateOfColumn(column));
        QColor fill = colour;
        fill.setAlpha(170);
        area->setBrush(fill);
        area->setPen(QPen(colour, 1.5));
        states->addSeries(area);
        area->attachAxis(m_statesX);
        area->attachAxis(m_statesY);
    }

    // Leaks: one step line per kind.
    QChart *leaks = m_leaksView->chart();
    m_leaksX = new QValueAxis(leaks);
    m_leaksY = new QValueAxis(leaks);
    leaks->addAxis(m_leaksX, Qt::AlignBottom);
    leaks->addAxis(m_leaksY, Qt::AlignLeft);
    for (int k = 1; k < m_leakSeries->columnCount(); ++k) {
        const int column = LeakCountsModel::DestroyedPendingColumn + k - 1;
        auto *line = new QLineSeries(leaks);
        auto *mapper = new QVXYModelMapper(line);
        mapper->setXColumn(0);
        mapper->setYColumn(k);
        mapper->setSeries(line);
        mapper->setModel(m_leakSeries);
        line->setName(m_leaks->headerData(column, Qt::Horizontal).toString().toLower());
        line->setPen(QPen(leakColour(column), 2.5));
        leaks->addSeries(line);
        line->attachAxis(m_leaksX);
        line->attachAxis(m_leaksY);
    }

    for (QValueAxis *x : {m_statesX, m_leaksX})
        x->setTitleText(tr("virtual time (s)"));
    m_statesY->setTitleText(tr("tasks"));
    m_leaksY->setTitleText(tr("count"));
    for (QValueAxis *y : {m_statesY, m_leaksY})
        y->setLabelFormat(u"%d"_s);

    const QPen cursorPen(QColor(0xd3, 0x2f, 0x2f), 2);
    m_statesCursor = new QGraphicsLineItem(states);
    m_leaksCursor = new QGraphicsLineItem(leaks);
    for (QGraphicsLineItem *item : {m_statesCursor, m_leaksCursor}) {
        item->setPen(cursorPen);
        item->setZValue(100);
    }
    for (QChartView *view : {m_statesView, m_leaksView}) {
        view->viewport()->installEventFilter(this);
        view->viewport()->setCursor(Qt::SizeHorCursor);
        connect(view->chart(), &QChart::plotAreaChanged, this, &ChartsView::placeCursors);
    }

    m_readout->setTextFormat(Qt::PlainText);
    m_readout->setWordWrap(true); // a long readout wraps rather than widening the dock
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(m_statesView);
    m_splitter->addWidget(m_leaksView);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_readout);
    layout->addWidget(m_splitter, 1);

    refresh();
}

ChartsView::~ChartsView() = default;

void ChartsView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const Qt::Orientation o = width() > 2 * height() ? Qt::Horizontal : Qt::Vertical;
    if (m_splitter->orientation() != o) {
        m_splitter->setOrientation(o);
        m_splitter->setStretchFactor(0, o == Qt::Horizontal ? 1 : 3);
        m_splitter->setStretchFactor(1, o == Qt::Horizontal ? 1 : 2);
    }
}

QChartView *ChartsView::makeChartView(const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
    auto *view = new QChartView(chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(140);
    return view;
}

void ChartsView::setEngine(Engine *engine)
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    m_states->setEngine(engine);
    m_leaks->setEngine(engine);
    if (engine) {
        connect(engine, &Engine::progressed, this, &ChartsView::refresh);
        connect(engine, &Engine::finished, this, &ChartsView::refresh);
    }
    refresh();
}

double ChartsView::timeExtent() const
{
    double end = m_engine ? m_engine->runtime().loop().time() : 0.0;
    if (!m_states->rows().empty())
        end = std::max(end, m_states->rows().back().time);
    if (!m_leaks->rows().empty())
        end = std::max(end, m_leaks->rows().back().time);
    return end;
}

void ChartsView::refresh()
{
    m_states->refresh();
    m_leaks->refresh();
    // The last counts go on to the end of the axis, a little past the end of the run, so that
    // what changed at the very end (the collection at exit, the orphans) is drawn.
    const double end = niceAxis(timeExtent() * 1.04, 6).max;
    m_stateSeries->setEndTime(end);
    m_leakSeries->setEndTime(end);
    updateAxes();
    placeCursors();
}

void ChartsView::updateAxes()
{
    // Both charts show the same time range, so that the cursor lines up across them; the range
    // and ticks are round numbers (a run that has not advanced its clock gets a unit range).
    const NiceAxis time = niceAxis(timeExtent() * 1.04, 6);
    for (QValueAxis *x : {m_statesX, m_leaksX}) {
        x->setRange(0, time.max);
        x->setTickCount(time.ticks);
        x->setLabelFormat(time.step < 0.1 ? u"%.2f"_s : (time.step < 1 ? u"%.1f"_s : u"%.0f"_s));
    }
    // Counts: whole-number ticks.
    const int tasks = m_states->rows().empty() ? 0 : m_states->rows().back().total();
    int leaks = 0;
    if (!m_leaks->rows().empty()) {
        const LeakCounts &l = m_leaks->rows().back();
        leaks = std::max({l.destroyedPending, l.neverRetrieved, l.orphans});
    }
    const NiceAxis taskAxis = niceAxis(std::max(1, tasks), 5, true);
    m_statesY->setRange(0, taskAxis.max);
    m_statesY->setTickCount(taskAxis.ticks);
    const NiceAxis leakAxis = niceAxis(std::max(1, leaks), 4, true);
    m_leaksY->setRange(0, leakAxis.max + leakAxis.step * 0.1); // a count equal to the top stays visible
    m_leaksY->setTickCount(leakAxis.ticks);
}

void ChartsView::placeCursors()
{
    auto place = [this](QChartView *view, QGraphicsLineItem *item) {
        QChart *chart = view->chart();
        const QRectF plot = chart->plotArea();
        const QList<QAbstractSeries *> series = chart->series();
        if (series.isEmpty() || plot.isEmpty()) {
            item->hide();
            return;
        }
        const double x = chart->mapToPosition(QPointF(m_cursor, 0), series.first()).x();
        item->setLine(QLineF(x, plot.top(), x, plot.bottom()));
        item->setVisible(x >= plot.left() - 0.5 && x <= plot.right() + 0.5);
    };
    place(m_statesView, m_statesCursor);
    place(m_leaksView, m_leaksCursor);
    m_readout->setText(cursorText());
}

QLineF ChartsView::cursorLine(QChartView *view) const
{
    const QGraphicsLineItem *item = view == m_statesView ? m_statesCursor : m_leaksCursor;
    const QLineF line = item->line();
    return QLineF(view->mapFromScene(item->mapToScene(line.p1())), view->mapFromScene(item->mapToScene(line.p2())));
}

QString ChartsView::cursorText() const
{
    const StateCounts s = m_states->countsAt(m_cursor);
    const LeakCounts l = m_leaks->countsAt(m_cursor);
    return tr("t = %1 s   pending %2 · done %3 · failed %4 · cancelled %5 · destroyed %6   "
              "leaks: destroyed while pending %7 · exceptions never retrieved %8 · orphans %9")
        .arg(QString::number(m_cursor, 'f', 3))
        .arg(s.pending)
        .arg(s.done)
        .arg(s.failed)
        .arg(s.cancelled)
        .arg(s.destroyed)
        .arg(l.destroyedPending)
        .arg(l.neverRetrieved)
        .arg(l.orphans);
}

void ChartsView::setCursorTime(double t)
{
    m_cursor = t;
    placeCursors();
}

bool ChartsView::eventFilter(QObject *watched, QEvent *event)
{
    const bool press = event->type() == QEvent::MouseButtonPress;
    const bool drag = event->type() == QEvent::MouseMove;
    if (!press && !drag)
        return QWidget::eventFilter(watched, event);
    auto *mouse = static_cast<QMouseEvent *>(event);
    if (!(mouse->buttons() & Qt::LeftButton))
        return QWidget::eventFilter(watched, event);
    QChartView *view = watched == m_statesView->viewport() ? m_statesView
        : watched == m_leaksView->viewport()               ? m_leaksView
                                                           : nullptr;
    if (!view || view->chart()->series().isEmpty())
        return QWidget::eventFilter(watched, event);
    QChart *chart = view->chart();
    const QPointF inChart = chart->mapFromScene(view->mapToScene(mouse->position().toPoint()));
    const QRectF plot = chart->plotArea();
    if (press && (inChart.x() < plot.left() - 4 || inChart.x() > plot.right() + 4))
        return QWidget::eventFilter(watched, event); // a click outside the plot (legend, axis) is no seek
    const auto *x = view == m_statesView ? m_statesX : m_leaksX;
    const double t = std::clamp(chart->mapToValue(inChart, chart->series().first()).x(), x->min(), x->max());
    setCursorTime(t);
    Q_EMIT cursorMoved(t);
    return true;
}

} // namespace ascope
