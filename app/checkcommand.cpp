#include "checkcommand.h"

#include "cli.h"
#include "diagnostics.h"
#include "engine.h"
#include "runner.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace ascope::cli {

namespace {

QString timeText(double t)
{
    return QString::number(std::round(t * 1e6) / 1e6, 'g', 12) + u's';
}

// "<severity> <time>s <kind> <task> [<node>]: <message>"
QString findingLine(const Finding &f)
{
    QString line = QLatin1String(severityName(f.severity)) + u' ' + timeText(f.time) + u' '
        + QLatin1String(findingKindName(f.kind)) + u' ' + (f.task.isEmpty() ? u"-"_s : f.task);
    if (!f.node.isEmpty())
        line += u" ["_s + f.node + u']';
    return line + u": "_s + f.message + u'\n';
}

} // namespace

int checkCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Run an asyncgraph/1 scenario headless and list what went wrong: tasks destroyed while pending,\n"
        "exceptions never retrieved, tasks pending at exit and orphans, deadlocks, swallowed cancellations,\n"
        "blocking steps, fire-and-forget tasks, errors at shutdown.\n"
        "Exit 0; 1 when --fail-on is given and a finding reaches that severity; 2 for invalid input."_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print {\"file\", \"status\", \"findings\": [...]} as JSON."_s);
    const QCommandLineOption failOnOption(
        u"fail-on"_s, u"Exit 1 when a finding has at least <severity> (info, warning, error)."_s, u"severity"_s);
    parser.addOption(jsonOption);
    parser.addOption(failOnOption);
    parser.addPositionalArgument(u"FILE"_s, u"The scenario to check."_s);
    if (const auto stop = parseCommand(parser, u"check"_s, args))
        return *stop;

    const QStringList files = parser.positionalArguments();
    if (files.size() != 1) {
        printError(u"check: expected one scenario file, got %1 (usage: asyncscope check FILE [--json] "
                   "[--fail-on SEVERITY])"_s.arg(files.size()));
        return ExitUsage;
    }
    std::optional<Finding::Severity> failOn;
    if (parser.isSet(failOnOption)) {
        failOn = severityFromName(parser.value(failOnOption));
        if (!failOn) {
            printError(u"check: --fail-on expects info, warning or error, got '%1'"_s.arg(parser.value(failOnOption)));
            return ExitUsage;
        }
    }

    const QString path = files.first();
    const ScenarioFile loaded = loadScenario(path);
    if (!loaded.graph) {
        printError(loaded.error);
        return ExitUsage;
    }
    const std::unique_ptr<Engine> run = runScripted(loaded);
    const Engine &engine = *run;
    const std::vector<Finding> findings = diagnose(engine);

    QByteArray text;
    if (parser.isSet(jsonOption)) {
        QJsonArray list;
        for (const Finding &f : findings)
            list.append(findingToJson(f));
        const QJsonObject doc{{u"file"_s, path},
                              {u"scenario"_s, loaded.graph->name},
                              {u"status"_s, engine.status()},
                              {u"findings"_s, list}};
        text = QJsonDocument(doc).toJson(QJsonDocument::Indented);
    } else {
        for (const Finding &f : findings)
            text += findingLine(f).toUtf8();
    }
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    if (std::fflush(stdout) != 0)
        return ExitUsage;

    if (failOn) {
        for (const Finding &f : findings) {
            if (f.severity >= *failOn)
                return ExitFailure;
        }
    }
    return ExitOk;
}

} // namespace ascope::cli
