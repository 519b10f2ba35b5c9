#include "diagnosticsmodel.h"

#include "engine.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QString timeText(double t)
{
    return QString::number(t, 'f', 3);
}

bool sameFindings(const std::vector<Finding> &a, const std::vector<Finding> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Finding &x, const Finding &y) {
        return x.kind == y.kind && x.severity == y.severity && x.task == y.task && x.node == y.node && x.time == y.time
            && x.message == y.message && x.chain == y.chain;
    });
}

} // namespace

DiagnosticsModel::DiagnosticsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

DiagnosticsModel::~DiagnosticsModel() = default;

void DiagnosticsModel::setEngine(Engine *engine)
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    beginResetModel();
    m_engine = engine;
    m_findings = engine ? diagnose(*engine) : std::vector<Finding>();
    endResetModel();
    m_sinceRefresh.start();
    if (engine) {
        connect(engine, &Engine::finished, this, &DiagnosticsModel::refresh);
        connect(engine, &Engine::progressed, this, &DiagnosticsModel::onProgressed);
        connect(engine, &QObject::destroyed, this, [this] { setEngine(nullptr); });
    }
}

Engine *DiagnosticsModel::engine() const
{
    return m_engine;
}

void DiagnosticsModel::onProgressed()
{
    if (m_sinceRefresh.isValid() && m_sinceRefresh.elapsed() < kLiveRefreshMs)
        return;
    refresh();
}

void DiagnosticsModel::refresh()
{
    m_sinceRefresh.start();
    std::vector<Finding> now = m_engine ? diagnose(*m_engine) : std::vector<Finding>();
    if (sameFindings(now, m_findings))
        return;
    // Findings are few and can appear anywhere in time order (pending at exit, orphans found
    // later): a reset is simpler than a diff and cheap at this size.
    beginResetModel();
    m_findings = std::move(now);
    endResetModel();
}

const Finding *DiagnosticsModel::findingAt(int row) const
{
    return row >= 0 && size_t(row) < m_findings.size() ? &m_findings[size_t(row)] : nullptr;
}

int DiagnosticsModel::count(Finding::Severity severity) const
{
    return int(std::count_if(m_findings.begin(), m_findings.end(),
                             [severity](const Finding &f) { return f.severity == severity; }));
}

QString DiagnosticsModel::summary() const
{
    if (m_findings.empty())
        return tr("no findings");
    QStringList parts;
    const int errors = count(Finding::Severity::Error);
    const int warnings = count(Finding::Severity::Warning);
    const int infos = count(Finding::Severity::Info);
    if (errors)
        parts << (errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors));
    if (warnings)
        parts << (warnings == 1 ? tr("1 warning") : tr("%1 warnings").arg(warnings));
    if (infos)
        parts << tr("%1 info").arg(infos);
    return parts.join(u", "_s);
}

QColor DiagnosticsModel::severityColour(Finding::Severity severity)
{
    switch (severity) {
    case Finding::Severity::Info:
        return QColor(0x3b, 0x7d, 0xd8);
    case Finding::Severity::Warning:
        return QColor(0xd9, 0x8c, 0x10);
    case Finding::Severity::Error:
        return QColor(0xd0, 0x30, 0x30);
    }
    return {};
}

int DiagnosticsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_findings.size());
}

int DiagnosticsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DiagnosticsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Finding &f = m_findings[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return QLatin1String(severityName(f.severity));
        case TimeColumn:
            return timeText(f.time);
        case KindColumn:
            return QString(QLatin1String(findingKindName(f.kind))).replace(u'_', u' ');
        case TaskColumn:
            return f.task;
        case NodeColumn:
            return f.node;
        case MessageColumn:
            return f.message;
        }
        return {};
    case Qt::ToolTipRole:
        if (f.chain.isEmpty())
            return f.message;
        return QString(f.message + u"\n\n"_s
                       + (f.kind == Finding::Kind::Deadlock ? tr("wait-for chain: ") : tr("waits on: "))
                       + f.chain.join(u" \u2192 "_s));
    case Qt::DecorationRole:
        return index.column() == SeverityColumn ? QVariant(severityColour(f.severity)) : QVariant();
    case Qt::ForegroundRole:
        return index.column() == SeverityColumn ? QVariant(severityColour(f.severity)) : QVariant();
    case Qt::TextAlignmentRole:
        return index.column() == TimeColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    case SortRole:
        switch (index.column()) {
        case SeverityColumn:
            return int(f.severity);
        case TimeColumn:
            return f.time;
        default:
            return data(index, Qt::DisplayRole);
        }
    case SeverityRole:
        return QLatin1String(severityName(f.severity));
    case KindRole:
        return QLatin1String(findingKindName(f.kind));
    case TaskRole:
        return f.task;
    case NodeRole:
        return f.node;
    case TimeRole:
        return f.time;
    case ChainRole:
        return f.chain;
    default:
        return {};
    }
}

QVariant DiagnosticsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case TimeColumn:
        return tr("Time (s)");
    case KindColumn:
        return tr("Kind");
    case TaskColumn:
        return tr("Task");
    case NodeColumn:
        return tr("Node");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace ascope
