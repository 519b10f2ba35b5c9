#include "leakcountsmodel.h"

#include "diagnostics.h"
#include "engine.h"

#include <algorithm>

namespace ascope {

LeakCountsModel::LeakCountsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

LeakCountsModel::~LeakCountsModel() = default;

Engine *LeakCountsModel::engine() const
{
    return m_engine.data();
}

void LeakCountsModel::setEngine(Engine *engine)
{
    beginResetModel();
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    m_rows.clear();
    m_traceSize = 0;
    m_finished = false;
    endResetModel();
    if (engine) {
        connect(engine, &Engine::progressed, this, &LeakCountsModel::refresh);
        connect(engine, &Engine::finished, this, &LeakCountsModel::refresh);
        connect(engine, &QObject::destroyed, this, [this] { setEngine(nullptr); });
        refresh();
    }
}

void LeakCountsModel::setMaxRows(int rows)
{
    m_maxRows = std::max(rows, 2);
}

std::vector<LeakCounts> LeakCountsModel::computeRows() const
{
    std::vector<LeakCounts> rows;
    LeakCounts current;
    for (const Finding &f : diagnose(*m_engine)) {
        switch (f.kind) {
        case Finding::Kind::DestroyedPending:
            ++current.destroyedPending;
            break;
        case Finding::Kind::ExceptionNeverRetrieved:
            ++current.neverRetrieved;
            break;
        case Finding::Kind::Orphan:
            ++current.orphans;
            break;
        default:
            continue;
        }
        current.time = f.time;
        const size_t n = rows.size();
        const bool sameMoment = n > 0 && rows.back().time == f.time;
        const bool tooClose = n >= 2 && (f.time - rows[n - 2].time) * m_maxRows < 2 * (f.time - rows.front().time);
        if (sameMoment || tooClose)
            rows.back() = current;
        else
            rows.push_back(current);
    }
    return rows;
}

void LeakCountsModel::refresh()
{
    if (!m_engine)
        return;
    // Findings change only with new events, and once more when the run finishes (pending at exit).
    const size_t traceSize = m_engine->runtime().loop().trace().size();
    if (traceSize == m_traceSize && m_engine->isFinished() == m_finished)
        return;
    m_traceSize = traceSize;
    m_finished = m_engine->isFinished();

    std::vector<LeakCounts> rows = computeRows();
    const size_t oldSize = m_rows.size();
    const size_t common = std::min(oldSize, rows.size());
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < common; ++i) {
        if (!(m_rows[i] == rows[i])) {
            m_rows[i] = rows[i];
            if (first < 0)
                first = int(i);
            last = int(i);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
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

LeakCounts LeakCountsModel::countsAt(double t) const
{
    auto it
        = std::upper_bound(m_rows.begin(), m_rows.end(), t, [](double v, const LeakCounts &r) { return v < r.time; });
    LeakCounts c = it == m_rows.begin() ? LeakCounts{} : *std::prev(it);
    c.time = t;
    return c;
}

int LeakCountsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LeakCountsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LeakCountsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const LeakCounts &row = m_rows[size_t(index.row())];
    switch (index.column()) {
    case TimeColumn:
        return row.time;
    case DestroyedPendingColumn:
        return row.destroyedPending;
    case NeverRetrievedColumn:
        return row.neverRetrieved;
    case OrphanColumn:
        return row.orphans;
    }
    return {};
}

QVariant LeakCountsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time (s)");
    case DestroyedPendingColumn:
        return tr("Destroyed while pending");
    case NeverRetrievedColumn:
        return tr("Exceptions never retrieved");
    case OrphanColumn:
        return tr("Orphans");
    }
    return {};
}

} // namespace ascope
