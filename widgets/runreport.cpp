#include "runreport.h"

#include "chartsview.h"
#include "engine.h"
#include "graphdocument.h"
#include "grapheditor.h"
#include "tasktablemodel.h"
#include "timelineview.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QFrame>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ascope::RunReport", text);
}

// Widgets that are never on screen still need a show() for their layouts, resize events and
// polish to happen as they would in a window.
void showOffscreen(QWidget *widget, QSize size)
{
    widget->setAttribute(Qt::WA_DontShowOnScreen);
    widget->resize(size);
    widget->show();
}

ReportSection limited(ReportSection s, int maxRows)
{
    if (s.kind != ReportSection::Kind::Table || maxRows < 0 || s.rows.size() <= size_t(maxRows))
        return s;
    const size_t all = s.rows.size();
    s.rows.resize(size_t(maxRows));
    s.text += (s.text.isEmpty() ? QString() : u" "_s) + tr("The first %1 of %2 rows.").arg(maxRows).arg(all);
    return s;
}

} // namespace

Report runReport(Engine &engine, const QString &filePath, const RunReportViews &views, const RunReportOptions &options)
{
    const QString name = engine.runtime().graph().name;
    Report r(name.isEmpty() ? QFileInfo(filePath).fileName() : name);
    r.setSubject(filePath);
    r.addSection(summarySection(engine, filePath));
    r.addSection(limited(outcomeSection(engine), options.maxTableRows));
    if (views.graph) {
        ReportSection s = sceneSection(tr("Task graph"), views.graph);
        s.text = tr("The coroutines of the graph and how they await, spawn and group each other; each node is "
                    "coloured by the state of its last task at the end of the run.");
        r.addSection(std::move(s));
    }
    if (views.timeline) {
        ReportSection s = widgetSection(tr("Timeline"), views.timeline);
        const qsizetype rows = qsizetype(views.timeline->lines().size());
        const int shown = std::max(0, (views.timeline->viewport()->height() - TimelineView::kAxisHeight))
            / TimelineView::kRowHeight;
        s.text = tr("Every task's states over virtual time (scheduled, running, waiting, done, failed, cancelled), "
                    "with spawn and wake arrows.");
        if (shown < rows)
            s.text += u' ' + tr("Rows shown: %1 of %2.").arg(shown).arg(rows);
        r.addSection(std::move(s));
    }
    if (views.charts) {
        ReportSection s = widgetSection(tr("Charts"), views.charts);
        s.text = tr("Tasks by state over time (stacked), and tasks leaked over time.");
        r.addSection(std::move(s));
    }
    for (const ReportSection &extra : views.extra)
        r.addSection(extra);
    r.addSection(limited(diagnosticsSection(engine), options.maxTableRows));
    r.addSection(outcomeDiagnosticsSection(engine));
    r.addSection(eventLogSection(engine, options.eventLogHead, options.eventLogTail));
    return r;
}

OffscreenRunViews::OffscreenRunViews(Engine &engine)
{
    const Graph &graph = engine.runtime().graph();
    m_doc = std::make_unique<GraphDocument>();
    QString error;
    // The graph as the engine read it: loading it again cannot fail, but a graph built in code
    // has no file text, and then there is no graph picture.
    if (!graph.source.isEmpty()
        && m_doc->loadJson(QJsonDocument(graph.source).toJson(QJsonDocument::Compact), graph.name, &error)) {
        m_editor = std::make_unique<GraphEditorView>(m_doc.get());
        TaskTableModel states;
        states.setEngine(&engine);
        m_editor->setNodeStates(states.nodeStates());
        showOffscreen(m_editor.get(), QSize(kWidth, 600));
    }

    m_timeline = std::make_unique<TimelineView>();
    m_timeline->setFrameShape(QFrame::NoFrame);
    m_timeline->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_timeline->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_timeline->setEngine(&engine);
    m_timeline->refresh();
    const int rows = std::clamp(int(m_timeline->lines().size()), 1, kMaxTimelineRows);
    showOffscreen(m_timeline.get(), QSize(kWidth, TimelineView::kAxisHeight + rows * TimelineView::kRowHeight + 2));
    m_timeline->fit();
    m_timeline->setCursorTime(engine.runtime().loop().time());

    m_charts = std::make_unique<ChartsView>();
    m_charts->setEngine(&engine);
    m_charts->refresh();
    showOffscreen(m_charts.get(), QSize(kWidth, 560));
    m_charts->setCursorTime(engine.runtime().loop().time());

    // Layout requests, chart geometry and edge routing are posted events or zero timers: let them
    // happen before anything is drawn.
    QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
}

OffscreenRunViews::~OffscreenRunViews() = default;

RunReportViews OffscreenRunViews::views() const
{
    RunReportViews v;
    v.graph = m_editor ? m_editor->scene() : nullptr;
    v.timeline = m_timeline.get();
    v.charts = m_charts.get();
    return v;
}

} // namespace ascope
