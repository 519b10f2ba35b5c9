// The report of a run: one Report (widgets/report.h) made of the run's summary, its outcome
// table, pictures of the views (graph editor scene, timeline, charts), the diagnostics table and
// an event-log excerpt. The main window passes its own live views (drawn as the user sees them:
// zoom, scroll position, collapsed rows); `asyncscope report` and tests pass OffscreenRunViews,
// views made for the report that show the whole run. Needs a QApplication (views are widgets);
// the offscreen platform is enough.
//
// File > Export report in the main window, with its own views:
//     const QString path = askReportFileName(this, baseName);           // report.h
//     const RunReportViews views{m_editor->scene(), m_timeline, m_charts, {}};
//     const QString error = writeReportWithProgress(runReport(*m_engine, filePath(), views), path, this);
#pragma once

#include "report.h"

#include <QSize>

#include <memory>
#include <vector>

class QGraphicsScene;

namespace ascope {

class ChartsView;
class Engine;
class GraphDocument;
class GraphEditorView;
class TimelineView;

// What a run report draws. Any view may be null: its section is left out. Not owned: the views
// must outlive every write of the report (pictures are drawn when it is written).
struct RunReportViews {
    QGraphicsScene *graph = nullptr; // the graph editor's scene: every node, whatever is scrolled to
    TimelineView *timeline = nullptr;
    ChartsView *charts = nullptr;
    std::vector<ReportSection> extra; // more sections after the charts (e.g. another view)
};

struct RunReportOptions {
    int eventLogHead = 40; // first trace events listed
    int eventLogTail = 20; // last trace events listed
    // Longer tables (tasks, findings) are cut there, with a note: the report of a run of 100,000
    // tasks stays a document one can read (the task table and `asyncscope run` have every row).
    int maxTableRows = 1000;
};

// The whole report of `engine`'s run of the graph file `filePath`: title (the scenario name, or
// the file name), date, file, summary, tasks, the views' pictures, findings, the outcome's
// diagnostics, event log. A run that has not finished is reported as far as it got.
Report runReport(Engine &engine, const QString &filePath, const RunReportViews &views = {},
                 const RunReportOptions &options = {});

// Views of one run made for a report, never shown on screen: the graph (its file as the engine
// read it) in a graph editor with the tasks' states coloured, a timeline tall enough for every
// row (up to kMaxTimelineRows) and fitted to the whole run, the charts. Made from the engine as
// it is now (finished, normally); not updated afterwards.
class OffscreenRunViews
{
public:
    static constexpr int kMaxTimelineRows = 60;
    static constexpr int kWidth = 1000; // pixels at 96 dpi: timeline and charts

    explicit OffscreenRunViews(Engine &engine);
    ~OffscreenRunViews();
    OffscreenRunViews(const OffscreenRunViews &) = delete;
    OffscreenRunViews &operator=(const OffscreenRunViews &) = delete;

    RunReportViews views() const;
    GraphEditorView *graphEditor() const { return m_editor.get(); } // null when the graph has no file text
    TimelineView *timeline() const { return m_timeline.get(); }
    ChartsView *charts() const { return m_charts.get(); }

private:
    std::unique_ptr<GraphDocument> m_doc;
    std::unique_ptr<GraphEditorView> m_editor;
    std::unique_ptr<TimelineView> m_timeline;
    std::unique_ptr<ChartsView> m_charts;
};

} // namespace ascope
