#include "cli.h"

#include "checkcommand.h"
#include "exportcommand.h"
#include "runner.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;

namespace ascope::cli {

namespace {

// A headless subcommand. To add one (check, report, export...): write
// `int fooCommand(const QStringList &args)` (args follow the command name; its own file when
// it grows) and add a row to commands(). A command that draws views lives in asyncscope-gui
// (Widgets): its row has no function, asyncscope-gui passes it to runHeadless (report).
struct Command {
    QString name;
    QString summary;
    CommandFunction run;  // nullptr for a command that draws: asyncscope-gui passes it to runHeadless
    bool widgets = false; // draws views offscreen: run by asyncscope-gui under a QApplication (needsWidgets)
};

int runCommand(const QStringList &args);

const std::vector<Command> &commands()
{
    static const std::vector<Command> table = {
        {u"run"_s, u"Run a scenario on the virtual clock and write its outcome (asyncgraph-outcome/1)."_s, &runCommand},
        {u"check"_s, u"Run a scenario and list its diagnostics (leaks, deadlocks, lost errors...)."_s, &checkCommand},
        {u"export"_s, u"Export a scenario as a Perfetto trace, a Python asyncio program or its outcome."_s,
         &exportCommand},
        {u"report"_s, u"Write the report of a run (PDF, HTML, PNG or SVG): outcome, graph, timeline, charts."_s,
         nullptr, true},
    };
    return table;
}

const Command *findCommand(const QString &name)
{
    for (const Command &c : commands()) {
        if (c.name == name)
            return &c;
    }
    return nullptr;
}

bool isHelpFlag(const QString &a)
{
    return a == u"-h" || a == u"--help" || a == u"-?" || a == u"--help-all";
}

bool isVersionFlag(const QString &a)
{
    return a == u"-v" || a == u"--version";
}

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

QString generalHelp()
{
    QString text = uR"(asyncscope: run and inspect asyncio-style task graphs (asyncgraph/1).

Usage:
  asyncscope [FILE] [--run] [--screenshot OUT.png] [--view VIEW]
                                                     open FILE (or a bundled example) in the window
  asyncscope run FILE [--outcome OUT.json]           run FILE headless and write its outcome
  asyncscope report FILE -o OUT.pdf|.html|.png|.svg  write the report of FILE's run (no display needed)
  asyncscope COMMAND --help                          options of one command
  asyncscope --help | --version

Commands:
)"_s;
    for (const Command &c : commands())
        text += u"  "_s + c.name.leftJustified(8) + c.summary + u'\n';
    text += uR"(
Window options:
  --run                 run the graph right after opening it
  --screenshot OUT.png  open (and with --run, run), save a 1280x800 picture of the window, exit;
                        uses the offscreen platform when there is no display
  --view VIEW           bring a view to the front: tasks, timeline, diagnostics, charts,
                        inspector, await-graph

Exit codes: 0 done (for run: the scenario ran, whatever its tasks did);
            2 invalid input (command line, unreadable or invalid file, unwritable output).
)"_s;
    return text;
}

} // namespace

std::optional<int> parseCommand(QCommandLineParser &parser, const QString &name, const QStringList &args)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({u"h"_s, u"help"_s}, u"Show this help."_s);
    parser.addOption(help);
    if (!parser.parse(QStringList{u"asyncscope"_s} + args)) {
        printError(name + u": "_s + parser.errorText() + u" (see asyncscope "_s + name + u" --help)"_s);
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        // The parser names the program by its full path; name the command instead.
        const QString program = QCoreApplication::arguments().value(0);
        if (!program.isEmpty())
            text.replace(program, u"asyncscope "_s + name);
        printOut(text);
        return ExitOk;
    }
    return std::nullopt;
}

namespace {

int runCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Run an asyncgraph/1 scenario headless on the virtual clock and write its outcome.\n"
        "Exit 0 whenever the scenario ran; exit 2 with one line on stderr for invalid input."_s);
    const QCommandLineOption outcomeOption(
        u"outcome"_s, u"Write the outcome (asyncgraph-outcome/1) to <file> instead of stdout."_s, u"file"_s);
    parser.addOption(outcomeOption);
    const QCommandLineOption statsOption(
        u"stats"_s,
        u"Print what the run took to stderr: one JSON line (seconds to load, run and write, and of the run until "
        u"the entry task ended; tasks; trace events)."_s);
    parser.addOption(statsOption);
    parser.addPositionalArgument(u"FILE"_s, u"The scenario to run."_s);
    if (const auto stop = parseCommand(parser, u"run"_s, args))
        return *stop;

    const QStringList files = parser.positionalArguments();
    if (files.size() != 1) {
        printError(u"run: expected one scenario file, got %1 (usage: asyncscope run FILE --outcome OUT.json)"_s.arg(
            files.size()));
        return ExitUsage;
    }
    const QString outPath = parser.value(outcomeOption);
    if (parser.isSet(outcomeOption) && outPath.isEmpty()) {
        printError(u"run: --outcome needs a file name"_s);
        return ExitUsage;
    }

    // Open the output first: an unwritable path fails before any work, and QSaveFile only
    // replaces the file once everything is written.
    QSaveFile out(outPath);
    if (!outPath.isEmpty() && !out.open(QIODevice::WriteOnly)) {
        printError(u"cannot write outcome '%1': %2"_s.arg(outPath, out.errorString()));
        return ExitUsage;
    }

    QFile stdoutFile;
    if (outPath.isEmpty() && !stdoutFile.open(stdout, QIODevice::WriteOnly)) {
        printError(u"cannot write the outcome to stdout"_s);
        return ExitUsage;
    }
    QIODevice &dev = outPath.isEmpty() ? static_cast<QIODevice &>(stdoutFile) : out;
    const FileRunResult result = runScenarioFile(files.first(), dev, AtEnd::LeaveToExit); // exits next
    if (!result.ok) {
        out.cancelWriting();
        printError(result.error);
        return ExitUsage;
    }
    if (parser.isSet(statsOption)) {
        const auto &st = result.stats;
        const QByteArray line
            = u"{\"load_s\": %1, \"run_s\": %2, \"entry_s\": %6, \"write_s\": %3, \"tasks\": %4, \"events\": %5}\n"_s
                  .arg(st.loadSeconds, 0, 'f', 4)
                  .arg(st.runSeconds, 0, 'f', 4)
                  .arg(st.writeSeconds, 0, 'f', 4)
                  .arg(qulonglong(st.tasks))
                  .arg(qulonglong(st.events))
                  .arg(st.entrySeconds, 0, 'f', 4)
                  .toUtf8();
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    }
    if (outPath.isEmpty()) {
        stdoutFile.close();
        return result.written && std::fflush(stdout) == 0 ? ExitOk : ExitUsage;
    }
    if (!result.written || !out.commit()) {
        printError(u"cannot write outcome '%1': %2"_s.arg(outPath, out.errorString()));
        return ExitUsage;
    }
    return ExitOk;
}

} // namespace

void printError(const QString &message)
{
    QString line = message.trimmed();
    line.replace(u'\n', u' ');
    line.replace(u'\r', u' ');
    const QByteArray bytes = (u"error: "_s + line + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

Mode modeFor(const QStringList &arguments)
{
    const QStringList args = arguments.mid(1);
    for (const QString &a : args) {
        if (isHelpFlag(a) || isVersionFlag(a))
            return Mode::Headless;
    }
    if (args.isEmpty())
        return Mode::Gui;
    const QString &first = args.first();
    if (findCommand(first))
        return Mode::Headless;
    // "asyncscope frobnicate" is a mistyped command, not a file to open, unless such a file exists.
    static const QRegularExpression commandWord(u"^[a-z][a-z0-9-]*$"_s);
    if (commandWord.match(first).hasMatch() && !QFileInfo::exists(first))
        return Mode::Headless;
    return Mode::Gui;
}

bool needsWidgets(const QStringList &arguments)
{
    const Command *c = arguments.size() > 1 ? findCommand(arguments.at(1)) : nullptr;
    return c && c->widgets;
}

bool needsGui(const QStringList &arguments)
{
    return modeFor(arguments) == Mode::Gui || needsWidgets(arguments);
}

bool wantsOffscreenPlatform(const QStringList &arguments)
{
    const bool screenshot = std::any_of(arguments.cbegin(), arguments.cend(), [](const QString &a) {
        return a == u"--screenshot" || a.startsWith(u"--screenshot="_s);
    });
    return screenshot && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

void describeApplication()
{
    QCoreApplication::setApplicationName(u"asyncscope"_s);
    QCoreApplication::setOrganizationName(u"asyncscope"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(ASYNCSCOPE_VERSION));
}

int runHeadless(const QStringList &arguments, CommandFunction report)
{
    const QStringList args = arguments.mid(1);
    if (!args.isEmpty()) {
        if (const Command *c = findCommand(args.first())) {
            const CommandFunction run = c->widgets ? report : c->run;
            if (!run) {
                printError(u"%1: only asyncscope-gui runs this command"_s.arg(c->name));
                return ExitUsage;
            }
            return run(args.mid(1));
        }
    }
    if (std::any_of(args.cbegin(), args.cend(), isVersionFlag)) {
        printOut(u"asyncscope "_s + QCoreApplication::applicationVersion() + u'\n');
        return ExitOk;
    }
    if (args.isEmpty() || std::any_of(args.cbegin(), args.cend(), isHelpFlag)) {
        printOut(generalHelp());
        return ExitOk;
    }
    printError(u"unknown command '%1' (see asyncscope --help)"_s.arg(args.first()));
    return ExitUsage;
}

std::optional<GuiOptions> parseGuiArguments(const QStringList &arguments, QString *error)
{
    QCommandLineParser parser;
    const QCommandLineOption runOption(u"run"_s, u"Run the graph once it is open."_s);
    const QCommandLineOption screenshotOption(u"screenshot"_s, u"Save a picture of the window and exit."_s, u"png"_s);
    const QCommandLineOption viewOption(u"view"_s, u"Bring a view to the front."_s, u"view"_s);
    parser.addOption(runOption);
    parser.addOption(screenshotOption);
    parser.addOption(viewOption);
    parser.addPositionalArgument(u"FILE"_s, u"The graph to open."_s, u"[FILE]"_s);
    if (!parser.parse(arguments)) {
        *error = parser.errorText() + u" (see asyncscope --help)"_s;
        return std::nullopt;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        *error = u"expected at most one file to open, got %1 (see asyncscope --help)"_s.arg(files.size());
        return std::nullopt;
    }
    GuiOptions options;
    options.file = files.value(0);
    options.run = parser.isSet(runOption);
    options.screenshot = parser.value(screenshotOption);
    if (parser.isSet(screenshotOption) && options.screenshot.isEmpty()) {
        *error = u"--screenshot needs a file name"_s;
        return std::nullopt;
    }
    options.view = parser.value(viewOption);
    static const QStringList views{u"tasks"_s,  u"timeline"_s,  u"diagnostics"_s,
                                   u"charts"_s, u"inspector"_s, u"await-graph"_s};
    if (parser.isSet(viewOption) && !views.contains(options.view)) {
        *error = u"--view: unknown view '%1' (one of: %2)"_s.arg(options.view, views.join(u", "_s));
        return std::nullopt;
    }
    return options;
}

} // namespace ascope::cli
