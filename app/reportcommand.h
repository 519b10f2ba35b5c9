// `asyncscope report FILE -o OUT.pdf|.html|.png|.svg`: runs a scenario headless (its injections
// replayed, on the virtual clock) and writes its report (widgets/runreport.h): summary, tasks,
// pictures of the graph, timeline and charts, findings, event log. The views are drawn offscreen,
// so this command runs in asyncscope-gui under a QApplication on the offscreen platform (guimain.cpp, by
// cli::needsWidgets) and needs no display. Written atomically: an unwritable OUT or an invalid
// FILE is one "error: <path>: <reason>" line, exit 2, and no file.
#pragma once

#include <QStringList>

namespace ascope::cli {

// args follow the command name. Exit codes as cli.h's ExitCode.
int reportCommand(const QStringList &args);

} // namespace ascope::cli
