#include "statecountsmodel.h"

#include "engine.h"
#include "trace.h"

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

// Which count a task phase adds to (-1: none yet).
int bucket(TaskPhase p)
{
    switch (p) {
    case TaskPhase::NotCreated:
        return -1;
    case TaskPhase::Scheduled:
    case TaskPhase::Running:
    case TaskPhase::Waiting:
        return StateCountsModel::PendingColumn;
    case TaskPhase::Done:
        return StateCountsModel::DoneColumn;
    case TaskPhase::Failed:
        return StateCountsModel::FailedColumn;
    case TaskPhase::Cancelled:
        return StateCountsModel::CancelledColumn;
    case TaskPhase::Destroyed:
        return StateCountsModel::DestroyedColumn;
    }
    return -1;
}

int &countOf(StateCounts &c, int column)
{
    switch (column) {
    case StateCountsModel::DoneColumn:
        return c.done;
    case StateCountsModel::FailedColumn:
        return c.failed;
    case StateCountsModel::CancelledColumn:
        return c.cancelled;
    case StateCountsModel::DestroyedColumn:
        return c.destroyed;
    default:
        return c.pending;
    }
}

// The phase a task event moves its task to, as Trace::statesAfter reads it (nullopt: not a
// task-phase event).
std::optional<TaskPhase> phaseAfter(const Event &e)
{
    switch (e.kind) {
    case EventKind::TaskCreated:
        return TaskPhase::Scheduled;
    case EventKind::StepBegan:
        return TaskPhase::Running;
    case EventKind::Suspended:
        return e.other < 0 ? TaskPhase::Scheduled : TaskPhase::Waiting;
    case EventKind::TaskDone:
        return TaskPhase::Done;
    case EventKind::TaskFailed:
        return TaskPhase::Failed;
    case EventKind::TaskCancelled:
        return TaskPhase::Cancelled;
    case EventKind::Collected:
        if (e.flags & 1)
            return std::nullopt; // a future was collected
        return TaskPhase::Destroyed;
    default:
        return std::nullopt;
    }
}

// The published rows with a modified tail: m_rows[0..keep) then tail.
struct RowsEdit {
    const std::vector<StateCounts> &rows;
    size_t keep;
    std::vector<StateCounts> tail;

    size_t size() const { return keep + tail.size(); }
    const StateCounts &at(size_t i) const { return i < keep ? rows[i] : tail[i - keep]; }
    void setBack(const StateCounts &c)
    {
        if (tail.empty())
            tail.push_back(rows[--keep]);
        tail.back() = c;
    }
    void popBack()
    {
        if (tail.empty())
            --keep;
        else
            tail.pop_back();
    }
};

} // namespace

StateCountsModel::StateCountsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

StateCountsModel::~StateCountsModel() = default;

Engine *StateCountsModel::engine() const
{
    return m_engine.data();
}

void StateCountsModel::setEngine(Engine *engine)
{
    beginResetModel();
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    m_rows.clear();
    m_phase.clear();
    m_current = {};
    m_read = 0;
    endResetModel();
    if (engine) {
        connect(engine, &Engine::progressed, this, &StateCountsModel::refresh);
        connect(engine, &Engine::finished, this, &StateCountsModel::refresh);
        connect(engine, &QObject::destroyed, this, [this] { setEngine(nullptr); });
        refresh();
    }
}

void StateCountsModel::setMaxRows(int rows)
{
    m_maxRows = std::max(rows, 2);
}

void StateCountsModel::refresh()
{
    if (!m_engine)
        return;
    const EventLog &events = m_engine->runtime().loop().trace().events();
    if (m_read >= events.size())
        return;

    RowsEdit edit{m_rows, m_rows.size(), {}};
    for (auto it = events.begin() + std::ptrdiff_t(m_read); m_read < events.size(); ++it, ++m_read) {
        const Event e = *it;
        const std::optional<TaskPhase> next = e.subject >= 0 ? phaseAfter(e) : std::nullopt;
        if (!next)
            continue;
        const auto task = size_t(e.subject);
        if (task >= m_phase.size())
            m_phase.resize(task + 1, quint8(TaskPhase::NotCreated));
        const int from = bucket(TaskPhase(m_phase[task]));
        const int to = bucket(*next);
        m_phase[task] = quint8(*next);
        if (from == to)
            continue;
        if (from >= 0)
            --countOf(m_current, from);
        if (to >= 0)
            ++countOf(m_current, to);
        m_current.time = e.t;

        // The last row always holds the current counts (the rows before it are exact at their time).
        const size_t n = edit.size();
        const bool sameMoment = n > 0 && edit.at(n - 1).time == e.t;
        const bool tooClose
            = n >= 2 && (e.t - edit.at(n - 2).time) * m_maxRows < 2 * (e.t - edit.at(0).time); // cap: merge
        if (sameMoment || tooClose) {
            edit.setBack(m_current);
            if (n >= 2 && edit.at(n - 2).sameCounts(m_current))
                edit.popBack(); // the moment changed nothing after all
        } else {
            edit.tail.push_back(m_current);
        }
    }

    // Publish: rows [keep, old size) are replaced by the tail.
    const size_t oldSize = m_rows.size();
    const size_t common = std::min(oldSize - edit.keep, edit.tail.size());
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < common; ++i) {
        StateCounts &row = m_rows[edit.keep + i];
        const StateCounts &now = edit.tail[i];
        if (row.time != now.time || !row.sameCounts(now)) {
            row = now;
            if (first < 0)
                first = int(edit.keep + i);
            last = int(edit.keep + i);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    const size_t newSize = edit.keep + edit.tail.size();
    if (newSize < oldSize) {
        beginRemoveRows({}, int(newSize), int(oldSize) - 1);
        m_rows.resize(newSize);
        endRemoveRows();
    } else if (newSize > oldSize) {
        beginInsertRows({}, int(oldSize), int(newSize) - 1);
        m_rows.insert(m_rows.end(), edit.tail.begin() + qsizetype(common), edit.tail.end());
        endInsertRows();
    }
}

StateCounts StateCountsModel::countsAt(double t) const
{
    auto it
        = std::upper_bound(m_rows.begin(), m_rows.end(), t, [](double v, const StateCounts &r) { return v < r.time; });
    StateCounts c = it == m_rows.begin() ? StateCounts{} : *std::prev(it);
    c.time = t;
    return c;
}

QString StateCountsModel::stateOfColumn(int column)
{
    switch (column) {
    case PendingColumn:
        return u"pending"_s;
    case DoneColumn:
        return u"done"_s;
    case FailedColumn:
        return u"failed"_s;
    case CancelledColumn:
        return u"cancelled"_s;
    case DestroyedColumn:
        return u"destroyed"_s;
    }
    return {};
}

int StateCountsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StateCountsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StateCountsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    StateCounts row = m_rows[size_t(index.row())];
    if (index.column() == TimeColumn)
        return row.time;
    return countOf(row, index.column());
}

QVariant StateCountsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time (s)");
    case PendingColumn:
        return tr("Pending");
    case DoneColumn:
        return tr("Done");
    case FailedColumn:
        return tr("Failed");
    case CancelledColumn:
        return tr("Cancelled");
    case DestroyedColumn:
        return tr("Destroyed");
    }
    return {};
}

} // namespace ascope
