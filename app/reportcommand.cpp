#include "reportcommand.h"

#include "cli.h"
#include "engine.h"
#include "report.h"
#include "runner.h"
#include "runreport.h"
#include "viewexport.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace ascope::cli {

namespace {

QtMessageHandler g_previousHandler = nullptr;

// The offscreen platform warns once for every top-level widget shown (its windows take no size
// hints): noise on the stderr of a command whose stderr is its error channel. Everything else
// goes on to the handler that was there.
void quietOffscreenWarnings(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message == u"This plugin does not support propagateSizeHints()")
        return;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
    else
        std::fputs(qPrintable(qFormatLogMessage(type, context, message) + u'\n'), stderr);
}

} // namespace

int reportCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Run an asyncgraph/1 scenario headless and write its report: summary, every task's outcome,\n"
        "pictures of the graph, the timeline and the charts, the findings and the event log.\n"
        "The format follows OUT's suffix: .pdf (paginated A4), .html (one self-contained file),\n"
        ".png or .svg (one long picture). Needs no display. Exit 2 on invalid input."_s);
    const QCommandLineOption outputOption({u"o"_s, u"output"_s}, u"Write the report to <file>."_s, u"file"_s);
    parser.addOption(outputOption);
    parser.addPositionalArgument(u"FILE"_s, u"The scenario (asyncgraph/1)."_s);
    if (const auto stop = parseCommand(parser, u"report"_s, args))
        return *stop;

    const QStringList files = parser.positionalArguments();
    if (files.size() != 1) {
        printError(u"report: expected one scenario file, got %1 (usage: asyncscope report FILE -o OUT.pdf)"_s.arg(
            files.size()));
        return ExitUsage;
    }
    const QString outPath = parser.value(outputOption);
    if (outPath.isEmpty()) {
        printError(u"report: -o OUT.pdf|.html|.png|.svg is required"_s);
        return ExitUsage;
    }
    if (!Report::isSupportedPath(outPath)) {
        printError(outPath + u": unknown report format (use .pdf, .html, .png or .svg)"_s);
        return ExitUsage;
    }
    // An unwritable output fails before any work; the write itself is atomic (QSaveFile).
    if (const QString why = checkWritable(outPath); !why.isEmpty()) {
        printError(why);
        return ExitUsage;
    }

    const QString path = files.first();
    const ScenarioFile loaded = loadScenario(path);
    if (!loaded.graph) {
        printError(loaded.error);
        return ExitUsage;
    }
    // The views are widgets: main.cpp made a QApplication for this command (cli::needsWidgets).
    if (!qobject_cast<QApplication *>(QCoreApplication::instance())) {
        printError(u"report: drawing the views needs a QApplication"_s);
        return ExitUsage;
    }

    g_previousHandler = qInstallMessageHandler(quietOffscreenWarnings);
    const std::unique_ptr<Engine> engine = runScripted(loaded);
    const OffscreenRunViews views(*engine);
    const QString error = runReport(*engine, path, views.views()).write(outPath);
    if (!error.isEmpty()) {
        printError(error);
        return ExitUsage;
    }
    return ExitOk;
}

} // namespace ascope::cli
