// Reports of a run: `asyncscope report FILE -o OUT` as a user meets it (the built binary through
// QProcess, no display, no QT_QPA_PLATFORM): PDF pages and text (pdftotext, skipped without
// poppler-utils), self-contained HTML, PNG and SVG pictures, one-line errors and no file for bad
// input; and runReport() in process over offscreen views, as the main window will call it.
#include "binaryrun.h"
#include "engine.h"
#include "loader.h"
#include "runreport.h"
#include "timelineview.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using ascope::test::Run;

// Runs the binary the way CI does: no display, no platform chosen.
Run runBinary(const QStringList &args, const QString &runtimeDir)
{
    return ascope::test::runBinary(QStringLiteral(ASYNCSCOPE_BINARY), args, runtimeDir);
}

QString conformance(const QString &name)
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR) + u"/tests/conformance/"_s + name;
}

QString example(const QString &name)
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR) + u"/resources/examples/"_s + name;
}

// The task names the oracle's golden outcome lists for a scenario (FILE.json -> FILE.outcome.json).
QStringList taskNames(const QString &scenario)
{
    QFile f(QString(scenario).replace(u".json"_s, u".outcome.json"_s));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList names;
    const QJsonArray tasks = QJsonDocument::fromJson(f.readAll()).object().value(u"tasks"_s).toArray();
    for (const QJsonValue &t : tasks)
        names << t.toObject().value(u"name"_s).toString();
    return names;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

// The page count of a PDF as its page tree says it (QPdfWriter writes one /Pages node).
int pdfPageCount(const QByteArray &pdf)
{
    static const QRegularExpression pages(u"/Type\\s*/Pages\\b[^>]*/Count\\s+(\\d+)"_s);
    const QRegularExpressionMatch m = pages.match(QString::fromLatin1(pdf));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

} // namespace

class TestReport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString tmp(const QString &name) const { return m_dir.filePath(name); }
    Run run(const QStringList &args) const { return runBinary(args, m_dir.path()); }

    // exit 2 and exactly one line on stderr, "error: ...", containing every fragment.
    static void checkOneLineError(const Run &r, const QStringList &fragments)
    {
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 2);
        const QStringList lines = r.errLines();
        QVERIFY2(lines.size() == 1, r.err.constData());
        QVERIFY2(lines.first().startsWith(u"error: "_s), r.err.constData());
        for (const QString &f : fragments)
            QVERIFY2(lines.first().contains(f), qPrintable(u"'%1' not in: %2"_s.arg(f, lines.first())));
        QVERIFY2(r.out.isEmpty(), r.out.constData());
    }

    // Runs `report scenario -o tmp(name)`, expecting success; returns the file's bytes.
    QByteArray report(const QString &scenario, const QString &name) const
    {
        const QString out = tmp(name);
        QFile::remove(out);
        const Run r = run({u"report"_s, scenario, u"-o"_s, out});
        if (r.crashed || r.exitCode != 0 || !r.err.isEmpty()) {
            qWarning("report exited %d: %s", r.exitCode, r.err.constData());
            return {};
        }
        return readAll(out);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(ASYNCSCOPE_BINARY)), ASYNCSCOPE_BINARY);
    }

    void writesEveryFormat_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<QString>("suffix");

        const QString leak = conformance(u"07-as-completed-timeout-leak.json"_s);
        QTest::newRow("as_completed leak, pdf") << leak << u"pdf"_s;
        QTest::newRow("as_completed leak, html") << leak << u"html"_s;
        QTest::newRow("as_completed leak, png") << leak << u"png"_s;
        QTest::newRow("as_completed leak, svg") << leak << u"svg"_s;
        const QString group = conformance(u"10-taskgroup-failure.json"_s);
        QTest::newRow("taskgroup failure, pdf") << group << u"pdf"_s;
        QTest::newRow("taskgroup failure, html") << group << u"html"_s;
    }

    void writesEveryFormat()
    {
        QFETCH(QString, scenario);
        QFETCH(QString, suffix);
        const QByteArray bytes = report(scenario, u"report."_s + suffix);
        QVERIFY2(!bytes.isEmpty(), "no report written");
        const QStringList names = taskNames(scenario);

        if (suffix == u"pdf") {
            QVERIFY(bytes.startsWith("%PDF-"));
            const int pages = pdfPageCount(bytes);
            QVERIFY2(pages >= 2, qPrintable(u"%1 page(s)"_s.arg(pages)));
        } else if (suffix == u"html") {
            const QString html = QString::fromUtf8(bytes);
            QVERIFY(html.startsWith(u"<!DOCTYPE html>"_s));
            QVERIFY2(html.contains(u"<svg"_s), "no inline SVG picture");
            QVERIFY(!names.isEmpty());
            for (const QString &name : names)
                QVERIFY2(html.contains(u'>' + name + u"</td>"_s), qPrintable(name));
            // Self-contained: every reference stays inside the file (fragments or data: URLs).
            static const QRegularExpression ref(u"\\b(?:src|href)\\s*=\\s*[\"']([^\"']*)[\"']"_s);
            for (auto it = ref.globalMatch(html); it.hasNext();) {
                const QString target = it.next().captured(1);
                QVERIFY2(target.startsWith(u'#') || target.startsWith(u"data:"_s), qPrintable(target));
            }
        } else if (suffix == u"png") {
            QImage image;
            QVERIFY(image.loadFromData(bytes, "PNG"));
            QCOMPARE(image.width(), 1008); // the long picture: 960 pixels of content, 24 each side
            QVERIFY2(image.height() > 2000, qPrintable(QString::number(image.height())));
        } else {
            QSvgRenderer svg(bytes);
            QVERIFY(svg.isValid());
            QVERIFY(svg.defaultSize().height() > 2000);
            const QString text = QString::fromUtf8(bytes);
            for (const QString &name : names)
                QVERIFY2(text.contains(name), qPrintable(name));
        }
    }

    void pdfTextHoldsTaskNames_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::newRow("as_completed leak") << conformance(u"07-as-completed-timeout-leak.json"_s);
        QTest::newRow("gather return_exceptions") << conformance(u"02-gather-return-exceptions.json"_s);
    }

    void pdfTextHoldsTaskNames()
    {
        QFETCH(QString, scenario);
        const QString pdftotext = QStandardPaths::findExecutable(u"pdftotext"_s);
        if (pdftotext.isEmpty())
            QSKIP("pdftotext (poppler-utils) is not installed");
        const QString pdf = tmp(u"text.pdf"_s);
        QVERIFY(!report(scenario, u"text.pdf"_s).isEmpty());
        QProcess p;
        p.start(pdftotext, {u"-layout"_s, pdf, u"-"_s});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        const QStringList names = taskNames(scenario);
        QVERIFY(!names.isEmpty());
        for (const QString &name : names)
            QVERIFY2(text.contains(name), qPrintable(name));
        for (const QString &heading : {u"Summary"_s, u"Tasks"_s, u"Task graph"_s, u"Timeline"_s, u"Charts"_s,
                                       u"Findings"_s, u"Event log"_s, u"page 1 of"_s})
            QVERIFY2(text.contains(heading), qPrintable(heading));
    }

    void invalidInputWritesNothing_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<QByteArray>("content"); // empty: do not create the scenario file
        QTest::addColumn<QString>("out");
        QTest::addColumn<QStringList>("fragments");

        const QString good = example(u"shield.json"_s);
        QTest::newRow("missing directory")
            << good << QByteArray() << tmp(u"no-such-dir/r.pdf"_s) << QStringList{tmp(u"no-such-dir/r.pdf"_s)};
        QTest::newRow("output is a directory") << good << QByteArray() << m_dir.path() + u"/sub.pdf"_s
                                               << QStringList{m_dir.path() + u"/sub.pdf"_s, u"directory"_s};
        QTest::newRow("unknown format") << good << QByteArray() << tmp(u"r.txt"_s)
                                        << QStringList{tmp(u"r.txt"_s), u".pdf"_s};
        QTest::newRow("missing scenario")
            << tmp(u"missing.json"_s) << QByteArray() << tmp(u"r1.pdf"_s) << QStringList{tmp(u"missing.json"_s)};
        QTest::newRow("not json") << tmp(u"broken.json"_s) << QByteArray("{\"format\": ") << tmp(u"r2.html"_s)
                                  << QStringList{tmp(u"broken.json"_s)};
        QTest::newRow("unknown node") << tmp(u"node.json"_s)
                                      << QByteArray(R"({"format": "asyncgraph/1", "name": "x", "nodes": [
                 {"id": "main", "steps": [{"op": "await", "target": "nope"}]}]})")
                                      << tmp(u"r3.svg"_s)
                                      << QStringList{tmp(u"node.json"_s), u"nodes[0].steps[0].target"_s, u"nope"_s};
    }

    void invalidInputWritesNothing()
    {
        QFETCH(QString, scenario);
        QFETCH(QByteArray, content);
        QFETCH(QString, out);
        QFETCH(QStringList, fragments);
        if (!content.isEmpty())
            QVERIFY(writeFile(scenario, content));
        if (QTest::currentDataTag() == "output is a directory"_ba)
            QVERIFY(QDir(m_dir.path()).mkpath(out));
        const Run r = run({u"report"_s, scenario, u"-o"_s, out});
        checkOneLineError(r, fragments);
        QVERIFY2(QFileInfo(out).isDir() || !QFile::exists(out), "no report may be written");
    }

    void invalidScenarioKeepsOldReport()
    {
        const QString out = tmp(u"kept.pdf"_s);
        QVERIFY(writeFile(out, "the report of last week"));
        const Run r = run({u"report"_s, tmp(u"gone.json"_s), u"-o"_s, out});
        checkOneLineError(r, {tmp(u"gone.json"_s)});
        QCOMPARE(readAll(out), QByteArray("the report of last week"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("no file") << QStringList{u"report"_s, u"-o"_s, u"r.pdf"_s} << u"report"_s;
        QTest::newRow("no output") << QStringList{u"report"_s, example(u"shield.json"_s)} << u"-o"_s;
        QTest::newRow("two files") << QStringList{u"report"_s, u"a.json"_s, u"b.json"_s, u"-o"_s, u"r.pdf"_s}
                                   << u"report"_s;
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        checkOneLineError(run(args), {fragment});
    }

    void help()
    {
        const Run r = run({u"report"_s, u"--help"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QString::fromUtf8(r.out).contains(u"asyncscope report"_s), r.out.constData());
        const Run general = run({u"--help"_s});
        QVERIFY2(QString::fromUtf8(general.out).contains(u"  report"_s), general.out.constData());
    }

    // In process, as File > Export report will call it: sections in the report's order, every
    // view drawn, written by the library (no binary).
    void runReportOverOffscreenViews()
    {
        const ascope::LoadResult loaded = ascope::loadGraphFile(conformance(u"07-as-completed-timeout-leak.json"_s));
        QVERIFY2(loaded.graph, qPrintable(loaded.error));
        ascope::Engine engine(loaded.graph);
        engine.runSync();
        const ascope::OffscreenRunViews views(engine);
        QVERIFY(views.graphEditor());
        QCOMPARE(views.timeline()->lines().size(), size_t(6));
        const ascope::Report r = ascope::runReport(engine, u"07.json"_s, views.views(), {3, 2});
        QCOMPARE(r.title(), u"as_completed timeout leaves tasks nobody manages"_s);
        QStringList titles;
        for (const ascope::ReportSection &s : r.sections()) {
            titles << s.title;
            if (s.kind == ascope::ReportSection::Kind::Picture)
                QVERIFY2(!s.picture.size.isEmpty() && s.picture.paint, qPrintable(s.title));
        }
        QCOMPARE(titles,
                 (QStringList{u"Summary"_s, u"Tasks"_s, u"Task graph"_s, u"Timeline"_s, u"Charts"_s, u"Findings"_s,
                              u"Diagnostics"_s, u"Event log"_s}));
        const ascope::ReportSection &log = r.sections().back();
        QCOMPARE(log.lines.size(), 1 + 3 + 1 + 2); // header, head, "... left out ...", tail
        QVERIFY(r.pdfPageCount() >= 2);

        // Long tables are cut, and say so.
        const ascope::Report cut = ascope::runReport(engine, u"07.json"_s, {}, {40, 20, 4});
        const ascope::ReportSection &tasks = cut.sections().at(1);
        QCOMPARE(tasks.rows.size(), size_t(4));
        QVERIFY2(tasks.text.endsWith(u"The first 4 of 6 rows."_s), qPrintable(tasks.text));
        QCOMPARE(cut.sections().at(2).rows.size(), size_t(4)); // findings: 6, cut to 4

        // Views left out are left out of the report.
        const ascope::Report bare = ascope::runReport(engine, u"07.json"_s);
        QCOMPARE(bare.sections().size(), size_t(5));
    }
};

QTEST_MAIN(TestReport)
#include "tst_report.moc"
