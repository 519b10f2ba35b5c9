#include "outcometablemodel.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QStringList>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

// Shortest round-trip text of a time or number, Python style (1.0, 0.25, 1e-09).
QString numberText(double d, bool integral)
{
    if (integral)
        return QString::number(qint64(d));
    QString s = QString::number(d, 'g', QLocale::FloatingPointShortest);
    if (!s.contains(u'.') && !s.contains(u'e') && !s.contains(u'n') && !s.contains(u'i'))
        s += u".0"_s;
    return s;
}

// QJsonValue keeps integers written without a fraction as qint64 (Qt 6).
bool isIntegral(const QJsonValue &v)
{
    return v.toVariant().typeId() == QMetaType::LongLong;
}

QString pythonString(const QString &s)
{
    QString out = s;
    out.replace(u'\\', u"\\\\"_s).replace(u'\'', u"\\'"_s).replace(u'\n', u"\\n"_s);
    return u'\'' + out + u'\'';
}

// ValueError('bad input'); a group lists its members: ExceptionGroup('msg', [ValueError('x')]).
QString exceptionRepr(const QJsonObject &e)
{
    QString text = e.value(u"type").toString() + u'(' + pythonString(e.value(u"message").toString());
    if (e.contains(u"exceptions")) {
        QStringList subs;
        const QJsonArray a = e.value(u"exceptions").toArray();
        for (const QJsonValue &s : a)
            subs << exceptionRepr(s.toObject());
        text += u", ["_s + subs.join(u", "_s) + u']';
    }
    return text + u')';
}

QColor stateColour(const QString &state)
{
    if (state == u"failed")
        return QColor(0xc6, 0x28, 0x28);
    if (state == u"cancelled")
        return QColor(0xb2, 0x6a, 0x00);
    if (state == u"pending")
        return QColor(0x15, 0x65, 0xc0);
    return {};
}

QString snapshotState(const QJsonObject &task)
{
    if (task.contains(u"state"))
        return task.value(u"state").toString();
    if (task.value(u"created_in").toString() == u"shutdown")
        return u"shutdown"_s;
    return {};
}

} // namespace

OutcomeTableModel::OutcomeTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void OutcomeTableModel::setOutcome(const QJsonObject &outcome)
{
    beginResetModel();
    m_tasks.clear();
    const QJsonArray tasks = outcome.value(u"tasks").toArray();
    m_tasks.reserve(size_t(tasks.size()));
    for (const QJsonValue &t : tasks) {
        if (t.isObject())
            m_tasks.push_back(t.toObject());
    }
    m_status = outcome.value(u"status").toString();
    m_endTime = outcome.value(u"end_time").toDouble();
    m_hasOutcome = true;
    endResetModel();
}

void OutcomeTableModel::clear()
{
    beginResetModel();
    m_tasks.clear();
    m_status.clear();
    m_endTime = 0;
    m_hasOutcome = false;
    endResetModel();
}

QJsonObject OutcomeTableModel::task(int row) const
{
    if (row < 0 || row >= int(m_tasks.size()))
        return {};
    return m_tasks[size_t(row)];
}

QMap<QString, int> OutcomeTableModel::stateCounts() const
{
    QMap<QString, int> counts;
    for (const QJsonObject &t : m_tasks)
        ++counts[snapshotState(t)];
    return counts;
}

QString OutcomeTableModel::summaryText() const
{
    if (!m_hasOutcome)
        return tr("Not run yet");
    if (m_status.isEmpty() && m_tasks.empty())
        return tr("The engine returned an empty outcome");

    QString text = m_status.isEmpty() ? tr("no status") : m_status;
    text += u" at "_s + numberText(m_endTime, false) + u" s · "_s;
    text += m_tasks.size() == 1 ? tr("1 task") : tr("%1 tasks").arg(m_tasks.size());

    // Lifecycle order first, then anything unexpected in name order (QMap is sorted).
    static const QStringList known = {u"pending"_s, u"done"_s, u"failed"_s, u"cancelled"_s, u"shutdown"_s};
    QMap<QString, int> counts = stateCounts();
    QStringList parts;
    for (const QString &state : known) {
        if (const int n = counts.take(state))
            parts << QString::number(n) + u' ' + (state == u"shutdown" ? tr("created in shutdown") : state);
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        parts << QString::number(it.value()) + u' ' + (it.key().isEmpty() ? tr("without state") : it.key());
    if (!parts.isEmpty())
        text += u": "_s + parts.join(u", "_s);
    return text;
}

int OutcomeTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_tasks.size());
}

int OutcomeTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OutcomeTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &t = m_tasks[size_t(index.row())];

    if (role == TaskRole)
        return t;

    const auto timeValue = [&](const char16_t *key) -> QVariant {
        const QJsonValue v = t.value(QStringView(key));
        if (!v.isDouble())
            return {};
        if (role == SortRole)
            return v.toDouble();
        return numberText(v.toDouble(), false);
    };

    const auto resultText = [&]() -> QString {
        if (t.contains(u"exception"))
            return exceptionText(t.value(u"exception").toObject());
        if (t.contains(u"result"))
            return valueText(t.value(u"result"));
        return {};
    };

    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case SortRole:
        switch (Column(index.column())) {
        case NameColumn:
            return t.value(u"name").toString();
        case NodeColumn:
            return t.value(u"node").toString();
        case CreatedColumn:
            return timeValue(u"created");
        case FinishedColumn:
            return timeValue(u"finished");
        case StateColumn: {
            const QString s = snapshotState(t);
            return s == u"shutdown" ? tr("created in shutdown") : s;
        }
        case ResultColumn:
            return resultText();
        case FinalStateColumn:
            return t.value(u"final_state").toString();
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ForegroundRole: {
        QString state;
        if (index.column() == StateColumn)
            state = snapshotState(t);
        else if (index.column() == FinalStateColumn)
            state = t.value(u"final_state").toString();
        else if (index.column() == ResultColumn && t.contains(u"exception"))
            state = u"failed"_s;
        const QColor c = stateColour(state);
        return c.isValid() ? QVariant(QBrush(c)) : QVariant();
    }
    case Qt::TextAlignmentRole:
        if (index.column() == CreatedColumn || index.column() == FinishedColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant OutcomeTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    switch (Column(section)) {
    case NameColumn:
        return tr("Task");
    case NodeColumn:
        return tr("Node");
    case CreatedColumn:
        return tr("Created (s)");
    case StateColumn:
        return tr("State");
    case FinishedColumn:
        return tr("Finished (s)");
    case ResultColumn:
        return tr("Result / exception");
    case FinalStateColumn:
        return tr("Final state");
    case ColumnCount:
        break;
    }
    return {};
}

QString OutcomeTableModel::valueText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"None"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"True"_s : u"False"_s;
    case QJsonValue::Double:
        return numberText(value.toDouble(), isIntegral(value));
    case QJsonValue::String:
        return pythonString(value.toString());
    case QJsonValue::Array: {
        QStringList items;
        const QJsonArray a = value.toArray();
        for (const QJsonValue &v : a)
            items << valueText(v);
        return u'[' + items.join(u", "_s) + u']';
    }
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        if (o.size() == 1 && o.value(u"task").isString())
            return u"<Task "_s + o.value(u"task").toString() + u'>';
        if (o.size() == 1 && o.value(u"future").isString())
            return u"<Future "_s + o.value(u"future").toString() + u'>';
        if (o.size() == 1 && o.value(u"exception").isObject())
            return exceptionRepr(o.value(u"exception").toObject());
        return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    }
    return {};
}

QString OutcomeTableModel::exceptionText(const QJsonObject &exception)
{
    QString text = exception.value(u"type").toString();
    const QString message = exception.value(u"message").toString();
    if (!message.isEmpty())
        text += u": "_s + message;
    const QJsonArray subs = exception.value(u"exceptions").toArray();
    if (!subs.isEmpty()) {
        QStringList parts;
        for (const QJsonValue &s : subs)
            parts << exceptionText(s.toObject());
        text += u" ["_s + parts.join(u"; "_s) + u']';
    }
    return text;
}

} // namespace ascope
