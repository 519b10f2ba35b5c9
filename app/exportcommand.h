// `asyncscope export FILE --format perfetto|python|outcome [-o OUT]`: a scenario as a Perfetto /
// Chrome trace of its run (engine/perfettoexport.h), as the plain asyncio program it stands for
// (engine/pythonexport.h), or as its outcome (asyncgraph-outcome/1). Written atomically: an
// unwritable OUT is one "error: <path>: <reason>" line and exit 2, and nothing half-written.
#pragma once

#include <QStringList>

namespace ascope::cli {

// args follow the command name. Exit codes as cli.h's ExitCode.
int exportCommand(const QStringList &args);

} // namespace ascope::cli
