// Reports of a run: title, date, file, a summary, the outcome table, pictures of views, tables
// (diagnostics), an event-log excerpt. Written as a paginated PDF (A4, QPdfWriter: a title on
// page 1, "page i of n" and the date on every page, pictures scaled to fit, tables split across
// pages with their header repeated), as one self-contained HTML file (inline CSS, pictures as
// inline <svg>), or as one long PNG or SVG picture.
// A section is generic: text, facts, a table (from any item model) or a picture (of any widget
// or scene), so a new view joins every report with one ReportSection line.
#pragma once

#include <QColor>
#include <QDateTime>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <functional>
#include <utility>
#include <vector>

class QAbstractItemModel;
class QGraphicsScene;
class QPainter;
class QWidget;

namespace ascope {

class Engine;

struct ReportCell {
    QString text;
    QColor colour; // text colour; invalid: the default
};

// A picture is drawn at write time, so it shows the view as it is then.
struct ReportPicture {
    QSizeF size; // natural size, pixels at 96 dpi (the aspect ratio is kept when scaled)
    std::function<void(QPainter *painter, const QRectF &target)> paint;
};

struct ReportSection {
    enum class Kind : quint8 { Text, Facts, Table, Picture, Lines };
    Kind kind = Kind::Text;
    QString title;
    QString text;                                   // Text; also a note under any section's title
    std::vector<std::pair<QString, QString>> facts; // Facts: label, value
    QStringList header;                             // Table
    std::vector<std::vector<ReportCell>> rows;      // Table
    ReportPicture picture;                          // Picture
    QStringList lines;                              // Lines (monospace, e.g. the event log)
};

ReportSection textSection(const QString &title, const QString &text);
ReportSection factsSection(const QString &title, std::vector<std::pair<QString, QString>> facts);
ReportSection tableSection(const QString &title, const QStringList &header, std::vector<std::vector<ReportCell>> rows);
// Every row of a table model (DisplayRole, ForegroundRole colours, the horizontal header);
// `columns` picks and orders columns (empty: all).
ReportSection modelSection(const QString &title, const QAbstractItemModel &model, const QList<int> &columns = {});
// The widget as drawn when the report is written (vector in SVG and HTML; in a PDF an image at the printed resolution).
// The widget must outlive the writes; a deleted widget leaves an empty frame.
ReportSection widgetSection(const QString &title, QWidget *widget);
// Every item of the scene (the whole graph, not only the part a view scrolls to).
ReportSection sceneSection(const QString &title, QGraphicsScene *scene);
ReportSection linesSection(const QString &title, const QStringList &lines);

// Called while a report is written: `done` of `total` steps, `what` names the step. Return
// false to cancel (the write then fails with "<path>: cancelled" and writes nothing).
using ReportProgress = std::function<bool(int done, int total, const QString &what)>;

class Report
{
public:
    explicit Report(const QString &title = {});

    void setTitle(const QString &title) { m_title = title; }
    QString title() const { return m_title; }
    void setSubject(const QString &subject) { m_subject = subject; } // e.g. the graph file
    QString subject() const { return m_subject; }
    void setDate(const QDateTime &date) { m_date = date; }
    QDateTime date() const { return m_date; }

    void addSection(ReportSection section) { m_sections.push_back(std::move(section)); }
    const std::vector<ReportSection> &sections() const { return m_sections; }

    // Each returns "" on success, else "<path>: <reason>" and leaves any existing file as it was.
    QString writePdf(const QString &path, const ReportProgress &progress = {}) const;
    QString writeHtml(const QString &path, const ReportProgress &progress = {}) const;
    // One long picture (A4-like width); PNG at `ratio` device pixels per pixel.
    QString writePng(const QString &path, const ReportProgress &progress = {}, qreal ratio = 1.0) const;
    QString writeSvg(const QString &path, const ReportProgress &progress = {}) const;
    // By suffix: .pdf .html/.htm .png .svg; another suffix is an error.
    QString write(const QString &path, const ReportProgress &progress = {}) const;
    static bool isSupportedPath(const QString &path);

    QByteArray html(const ReportProgress &progress = {}, bool *cancelled = nullptr) const;
    int pdfPageCount() const; // pages writePdf makes (layout only)

private:
    QString m_title;
    QString m_subject;
    QDateTime m_date = QDateTime::currentDateTime();
    std::vector<ReportSection> m_sections;
};

// Sections made from a run (projections of its trace and outcome). The engine need not be
// finished: a report of a paused run says so.
ReportSection summarySection(const Engine &engine, const QString &filePath);
ReportSection outcomeSection(Engine &engine);                  // one row per task: state, times, result/exception
ReportSection outcomeDiagnosticsSection(const Engine &engine); // pending at exit, destroyed, ...
// The first `head` and the last `tail` trace events, one readable line each.
ReportSection eventLogSection(const Engine &engine, int head = 40, int tail = 20);
QString eventLine(const Engine &engine, size_t index);

// The findings of diagnose() (engine/diagnostics.h): severity, time, kind, task, message.
ReportSection diagnosticsSection(const Engine &engine);

// The whole report of a run, with pictures of its views: runReport() in widgets/runreport.h.

// --- the GUI's File > Export report ---------------------------------------------------------

// Asks for the report file (PDF, HTML, PNG, SVG; the suffix follows the chosen type). Empty when
// the user cancels.
QString askReportFileName(QWidget *parent, const QString &baseName);
// Writes with a modal QProgressDialog over `parent` (shown when it takes more than a moment;
// Cancel stops the write and leaves no file). Returns what Report::write returns.
QString writeReportWithProgress(const Report &report, const QString &path, QWidget *parent);

} // namespace ascope
