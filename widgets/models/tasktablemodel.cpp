#include "tasktablemodel.h"

#include "engine.h"
#include "trace.h"

#include <QJsonArray>
#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QString timeText(double t)
{
    return QString::number(t, 'f', 3);
}

QString pythonString(const QString &s)
{
    QString out = s;
    out.replace(u'\\', u"\\\\"_s).replace(u'\'', u"\\'"_s).replace(u'\n', u"\\n"_s);
    return u'\'' + out + u'\'';
}

QString exceptionRepr(const QJsonObject &e)
{
    QString text = e.value(u"type").toString() + u'(' + pythonString(e.value(u"message").toString());
    if (e.contains(u"exceptions")) {
        QStringList members;
        const QJsonArray a = e.value(u"exceptions").toArray();
        for (const QJsonValue &m : a)
            members << exceptionRepr(m.toObject());
        text += u", ["_s + members.join(u", "_s) + u']';
    }
    return text + u')';
}

// A value as a Python programmer reads it: 'text', None, [1, 2], <Task fetch#2>.
QString valueRepr(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"None"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"True"_s : u"False"_s;
    case QJsonValue::Double:
        if (v.toVariant().typeId() == QMetaType::LongLong)
            return QString::number(v.toInteger());
        return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::String:
        return pythonString(v.toString());
    case QJsonValue::Array: {
        QStringList parts;
        const QJsonArray a = v.toArray();
        for (const QJsonValue &x : a)
            parts << valueRepr(x);
        return u'[' + parts.join(u", "_s) + u']';
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        if (o.contains(u"exception"))
            return exceptionRepr(o.value(u"exception").toObject());
        if (o.contains(u"task"))
            return u"<Task "_s + o.value(u"task").toString() + u'>';
        if (o.contains(u"future")) {
            const QJsonValue name = o.value(u"future");
            return name.isString() ? u"<Future "_s + name.toString() + u'>' : u"<Future>"_s;
        }
        return u"{…}"_s;
    }
    }
    return {};
}

QString phaseName(TaskPhase p)
{
    return QString::fromLatin1(taskPhaseName(p));
}

} // namespace

bool TaskTableModel::Row::operator==(const Row &o) const
{
    return name == o.name && node == o.node && state == o.state && created == o.created && hasFinished == o.hasFinished
        && finished == o.finished && awaiting == o.awaiting && cancelling == o.cancelling && result == o.result;
}

TaskTableModel::TaskTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

TaskTableModel::~TaskTableModel() = default;

Engine *TaskTableModel::engine() const
{
    return m_engine.data();
}

void TaskTableModel::detach()
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = nullptr;
}

void TaskTableModel::setEngine(Engine *engine)
{
    beginResetModel();
    detach();
    m_engine = engine;
    m_rows.clear();
    m_origins.clear();
    m_originsRead = 0;
    if (engine) {
        connect(engine, &Engine::progressed, this, &TaskTableModel::refresh);
        connect(engine, &Engine::finished, this, &TaskTableModel::refresh);
        connect(engine, &QObject::destroyed, this, [this] { setEngine(nullptr); });
        readOrigins();
        m_rows = snapshot();
    }
    endResetModel();
}

void TaskTableModel::readOrigins()
{
    if (!m_engine)
        return;
    const auto &events = m_engine->runtime().loop().trace().events();
    for (; m_originsRead < events.size(); ++m_originsRead) {
        const Event &e = events[m_originsRead];
        if (e.kind != EventKind::FutureCreated || e.subject < 0)
            continue;
        if (size_t(e.subject) >= m_origins.size())
            m_origins.resize(size_t(e.subject) + 1);
        m_origins[size_t(e.subject)] = {e.flags, e.t, e.value};
    }
}

QString TaskTableModel::awaitingText(qint32 futureId) const
{
    const Runtime &rt = m_engine->runtime();
    if (futureId < 0 || size_t(futureId) >= rt.futures.size())
        return {};
    const Future *f = rt.futures[size_t(futureId)];
    if (f->kind == ObjKind::Task)
        return u"task "_s + f->name();
    if (f->named)
        return u"future "_s + f->name();
    const FutureOriginInfo o = size_t(futureId) < m_origins.size() ? m_origins[size_t(futureId)] : FutureOriginInfo{};
    // The asyncio call that made it, with its count or timeout (O(1) a row: the await graph
    // names the tasks behind it).
    const auto counted = [&o](const QString &call) { return u"%1 (%2)"_s.arg(call).arg(qint64(o.value)); };
    if (dynamic_cast<const GatherFuture *>(f))
        return u"gather"_s;
    switch (FutureOrigin(o.origin)) {
    case FutureOrigin::Sleep:
        return u"sleep until "_s + timeText(o.created + o.value) + u" s"_s;
    case FutureOrigin::Gather:
        return u"gather"_s;
    case FutureOrigin::Wait:
        return counted(u"wait"_s);
    case FutureOrigin::WaitFor:
        return u"wait_for (timeout "_s + QString::number(o.value, 'g', QLocale::FloatingPointShortest) + u" s)"_s;
    case FutureOrigin::CancelAndWait:
        return u"cancel and wait"_s;
    case FutureOrigin::Shield:
        return u"shield"_s;
    case FutureOrigin::AsCompleted:
        return counted(u"as_completed"_s);
    case FutureOrigin::TaskGroup:
        return counted(u"TaskGroup"_s);
    case FutureOrigin::Plain:
        break;
    }
    return u"future"_s;
}

std::vector<TaskTableModel::Row> TaskTableModel::snapshot() const
{
    std::vector<Row> rows;
    if (!m_engine)
        return rows;
    const Runtime &rt = m_engine->runtime();
    const Loop &loop = rt.loop();
    const Trace &trace = loop.trace();
    const bool live = isLive();
    size_t count = rt.tasks.size();
    const std::vector<TaskStateAt> states
        = live ? trace.statesAfter(trace.size(), count) : trace.statesAt(m_asOf, count);

    if (!live) {
        // As of a past moment: tasks created later are left out (creation order is time order).
        count = size_t(std::find_if(states.begin(), states.end(),
                                    [](const TaskStateAt &s) { return s.phase == TaskPhase::NotCreated; })
                       - states.begin());
    }

    rows.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const Task *t = rt.tasks[i];
        Row r;
        r.name = t->name();
        r.node = rt.graph().nodes[size_t(t->node)].id;
        r.state = phaseName(states[i].phase);
        r.created = t->created;
        r.cancelling = live ? t->cancelling() : int(states[i].cancelRequests);
        const bool endedByThen = live || states[i].terminal() || states[i].phase == TaskPhase::Destroyed;
        if (endedByThen && (t->done() || t->destroyed)) {
            r.hasFinished = t->done();
            r.finished = t->finished;
            if (t->failed() || t->cancelled()) {
                r.exception = t->exceptionJson;
                if (!r.exception.isEmpty())
                    r.result = exceptionRepr(r.exception);
                else if (t->cancelled())
                    r.result = u"CancelledError()"_s;
            } else if (t->done()) {
                r.resultJson = t->resultJson;
                r.result = valueRepr(t->resultJson);
            }
        }
        if (states[i].phase == TaskPhase::Waiting)
            r.awaiting = awaitingText(states[i].awaiting);
        rows.push_back(std::move(r));
    }
    return rows;
}

void TaskTableModel::setTime(double t)
{
    if (t == m_asOf)
        return;
    m_asOf = t;
    refresh();
}

void TaskTableModel::followLive()
{
    setTime(std::numeric_limits<double>::infinity());
}

bool TaskTableModel::isLive() const
{
    return std::isinf(m_asOf);
}

void TaskTableModel::refresh()
{
    if (!m_engine)
        return;
    readOrigins();
    std::vector<Row> rows = snapshot();
    const size_t old = m_rows.size();
    if (rows.size() < old) { // not expected from an engine (tasks are never removed)
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    // Changed rows first (on the rows the views know), then the new ones.
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < old; ++i) {
        if (!(rows[i] == m_rows[i])) {
            m_rows[i] = rows[i];
            if (first < 0)
                first = int(i);
            last = int(i);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    if (rows.size() > old) {
        beginInsertRows({}, int(old), int(rows.size()) - 1);
        for (size_t i = old; i < rows.size(); ++i)
            m_rows.push_back(std::move(rows[i]));
        endInsertRows();
    }
}

int TaskTableModel::rowForTask(const QString &name) const
{
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].name == name)
            return int(i);
    }
    return -1;
}

int TaskTableModel::firstRowForNode(const QString &nodeId) const
{
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].node == nodeId)
            return int(i);
    }
    return -1;
}

QString TaskTableModel::taskName(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].name : QString();
}

QString TaskTableModel::nodeOf(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].node : QString();
}

QString TaskTableModel::stateOf(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].state : QString();
}

QJsonObject TaskTableModel::taskInfo(int row) const
{
    if (row < 0 || size_t(row) >= m_rows.size())
        return {};
    const Row &r = m_rows[size_t(row)];
    QJsonObject o{{u"name"_s, r.name},       {u"node"_s, r.node},         {u"state"_s, r.state},
                  {u"created"_s, r.created}, {u"awaiting"_s, r.awaiting}, {u"cancelling"_s, r.cancelling}};
    if (r.hasFinished)
        o.insert(u"finished"_s, r.finished);
    if (!r.exception.isEmpty())
        o.insert(u"exception"_s, r.exception);
    else if (r.state == u"done")
        o.insert(u"result"_s, r.resultJson);
    return o;
}

QMap<QString, int> TaskTableModel::stateCounts() const
{
    QMap<QString, int> counts;
    for (const Row &r : m_rows)
        ++counts[r.state];
    return counts;
}

QHash<QString, QString> TaskTableModel::nodeStates() const
{
    QHash<QString, QString> states;
    for (const Row &r : m_rows) { // creation order: the last task of a node wins
        QString s = r.state;
        if (s == u"scheduled")
            s = u"pending"_s;
        states.insert(r.node, s);
    }
    return states;
}

QColor TaskTableModel::stateColour(const QString &state)
{
    // The graph editor's hues (graphitems.cpp stateColor), darkened to read as text on white.
    if (state == u"scheduled")
        return QColor(0x61, 0x61, 0x61);
    if (state == u"running")
        return QColor(0x15, 0x65, 0xc0);
    if (state == u"waiting")
        return QColor(0xa0, 0x5a, 0x00);
    if (state == u"done")
        return QColor(0x2e, 0x7d, 0x32);
    if (state == u"failed")
        return QColor(0xc6, 0x28, 0x28);
    if (state == u"cancelled")
        return QColor(0x7b, 0x1f, 0xa2);
    if (state == u"destroyed")
        return QColor(0x6d, 0x4c, 0x41);
    return {};
}

QStringList TaskTableModel::stateNames()
{
    return {u"scheduled"_s, u"running"_s, u"waiting"_s, u"done"_s, u"failed"_s, u"cancelled"_s, u"destroyed"_s};
}

int TaskTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TaskTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TaskColumn:
            return r.name;
        case NodeColumn:
            return r.node;
        case StateColumn:
            return r.state;
        case CreatedColumn:
            return timeText(r.created);
        case FinishedColumn:
            return r.hasFinished ? timeText(r.finished) : QString();
        case AwaitingColumn:
            return r.awaiting;
        case CancellingColumn:
            return r.cancelling > 0 ? QString::number(r.cancelling) : QString();
        case ResultColumn:
            return r.result;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ResultColumn || index.column() == AwaitingColumn)
            return data(index, Qt::DisplayRole);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn || (index.column() == ResultColumn && !r.exception.isEmpty())) {
            const QColor c = stateColour(r.state);
            if (c.isValid())
                return c;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == CreatedColumn || index.column() == FinishedColumn || index.column() == CancellingColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        switch (index.column()) {
        case TaskColumn:
            return index.row();
        case CreatedColumn:
            return r.created;
        case FinishedColumn:
            return r.hasFinished ? r.finished : 1e300;
        case CancellingColumn:
            return r.cancelling;
        case StateColumn:
            return int(stateNames().indexOf(r.state));
        }
        return data(index, Qt::DisplayRole);
    case StateRole:
        return r.state;
    case TaskNameRole:
        return r.name;
    case NodeRole:
        return r.node;
    case TaskIndexRole:
        return index.row();
    }
    return {};
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TaskColumn:
        return tr("Task");
    case NodeColumn:
        return tr("Node");
    case StateColumn:
        return tr("State");
    case CreatedColumn:
        return tr("Created");
    case FinishedColumn:
        return tr("Finished");
    case AwaitingColumn:
        return tr("Awaiting");
    case CancellingColumn:
        return tr("Cancelling");
    case ResultColumn:
        return tr("Result / exception");
    }
    return {};
}

} // namespace ascope
