#include "exportcommand.h"

#include "cli.h"
#include "engine.h"
#include "perfettoexport.h"
#include "pythonexport.h"
#include "runner.h"

#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace ascope::cli {

int exportCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Export a scenario: its run as a Perfetto / Chrome trace (open it in ui.perfetto.dev or\n"
        "chrome://tracing), the plain asyncio program it stands for (python3 OUT.py prints what\n"
        "every task did), or its outcome (asyncgraph-outcome/1). Exit 2 on invalid input."_s);
    const QCommandLineOption formatOption(u"format"_s, u"perfetto, python or outcome."_s, u"format"_s);
    const QCommandLineOption outputOption({u"o"_s, u"output"_s}, u"Write to <file> instead of stdout."_s, u"file"_s);
    parser.addOption(formatOption);
    parser.addOption(outputOption);
    parser.addPositionalArgument(u"FILE"_s, u"The scenario (asyncgraph/1)."_s);
    if (const auto stop = parseCommand(parser, u"export"_s, args))
        return *stop;

    const QStringList files = parser.positionalArguments();
    if (files.size() != 1) {
        printError(u"export: expected one scenario file, got %1 (usage: asyncscope export FILE --format "
                   "perfetto|python|outcome -o OUT)"_s.arg(files.size()));
        return ExitUsage;
    }
    const QString format = parser.value(formatOption);
    if (format != u"perfetto" && format != u"python" && format != u"outcome") {
        printError(format.isEmpty() ? u"export: --format is required: perfetto, python or outcome"_s
                                    : u"export: unknown format '%1' (perfetto, python or outcome)"_s.arg(format));
        return ExitUsage;
    }
    const QString outPath = parser.value(outputOption);
    if (parser.isSet(outputOption) && outPath.isEmpty()) {
        printError(u"export: -o needs a file name"_s);
        return ExitUsage;
    }

    // Open the output first: an unwritable path fails before any work, and QSaveFile only
    // replaces the file once everything is written.
    QSaveFile out(outPath);
    if (!outPath.isEmpty() && !out.open(QIODevice::WriteOnly)) {
        printError(u"%1: %2"_s.arg(outPath, out.errorString()));
        return ExitUsage;
    }

    const ScenarioFile loaded = loadScenario(files.first());
    if (!loaded.graph) {
        out.cancelWriting();
        printError(loaded.error);
        return ExitUsage;
    }

    QByteArray bytes;
    if (format == u"python") {
        bytes = pythonProgram(*loaded.graph).toUtf8();
    } else {
        // The run the perfetto and outcome formats describe: the graph's injections replayed.
        const std::unique_ptr<Engine> engine = runScripted(loaded);
        bytes = format == u"perfetto" ? perfettoTrace(*engine) + '\n'
                                      : QJsonDocument(engine->outcome()).toJson(QJsonDocument::Indented);
    }

    if (outPath.isEmpty()) {
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        return std::fflush(stdout) == 0 ? ExitOk : ExitUsage;
    }
    if (out.write(bytes) != bytes.size() || !out.commit()) {
        printError(u"%1: %2"_s.arg(outPath, out.errorString()));
        return ExitUsage;
    }
    return ExitOk;
}

} // namespace ascope::cli
