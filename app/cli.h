// The command line of asyncscope: which front end an invocation asks for (decided from argv
// alone, before any QCoreApplication or QGuiApplication exists), and the headless subcommands.
// Headless commands need only QCoreApplication (report: a QApplication on the offscreen
// platform, see needsWidgets): no display, no QT_QPA_PLATFORM.
//
// Two executables share this (library asyncscope_cli, Qt Core only): `asyncscope` (main.cpp),
// linked to Qt Core alone, runs run/check/export/--help/--version itself and execs
// `asyncscope-gui` (guimain.cpp, Widgets) for the window and the commands that draw (report);
// asyncscope-gui can run every invocation.
#pragma once

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <optional>

namespace ascope::cli {

enum ExitCode {
    ExitOk = 0,      // the command did its job (for `run`: the scenario ran, whatever it did)
    ExitFailure = 1, // reserved for commands that check something (e.g. a future `check`)
    ExitUsage = 2,   // invalid input: bad command line, invalid or unreadable file, unwritable output
    // asyncscope could not hand over to asyncscope-gui (a broken installation), as a shell says:
    ExitGuiNotExecutable = 126, // found but could not be started
    ExitGuiNotFound = 127,      // not where it is installed
};

// What one command does with the arguments that follow its name; returns the exit code.
using CommandFunction = int (*)(const QStringList &args);

// Names the application (name, organisation: QSettings; version) once the Q*Application exists.
void describeApplication();

enum class Mode { Gui, Headless };

// Headless when the first argument names a subcommand (or looks like one: a bare word that is
// not an existing file), or when --help/--version is asked for; otherwise the GUI.
Mode modeFor(const QStringList &arguments);

// True when a headless invocation names a command that draws views (report): the caller then
// constructs a QApplication instead of a QCoreApplication, on the offscreen platform unless
// QT_QPA_PLATFORM names another (no window is ever shown, and the pictures do not depend on a
// display's resolution).
bool needsWidgets(const QStringList &arguments);

// True when the GUI is asked for a screenshot with no display to show it on: the caller then
// selects the offscreen platform before constructing QApplication.
bool wantsOffscreenPlatform(const QStringList &arguments);

// True when an invocation needs asyncscope-gui: the window, or a command that draws views.
bool needsGui(const QStringList &arguments);

// Runs a headless invocation (arguments as QCoreApplication::arguments()); returns the exit code.
// `report` is the report command: only asyncscope-gui links it (it draws with Widgets) and
// passes it; asyncscope hands such invocations over before getting here (needsGui).
int runHeadless(const QStringList &arguments, CommandFunction report = nullptr);

struct GuiOptions {
    QString file;       // empty: open the bundled example
    bool run = false;   // run the graph once loaded
    QString screenshot; // non-empty: grab the window to this PNG and exit
    QString view;       // a view to bring to the front: tasks, timeline, diagnostics, charts, ...
};

// Parses the GUI command line (after QApplication took its own options; --help and --version
// never get here, see modeFor). On a usage error returns nullopt with the message in *error.
std::optional<GuiOptions> parseGuiArguments(const QStringList &arguments, QString *error);

// Writes "error: <message>" as exactly one line to stderr.
void printError(const QString &message);

// Parses a subcommand's arguments with -h/--help added. Returns the exit code to stop with
// (help printed, or usage error printed), or nullopt to go on.
std::optional<int> parseCommand(QCommandLineParser &parser, const QString &name, const QStringList &args);

} // namespace ascope::cli
