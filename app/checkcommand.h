// `asyncscope check FILE [--json] [--fail-on SEVERITY]`: runs a scenario headless and lists its
// diagnostics (engine/diagnostics.h), one per line or as JSON; exit 1 when a finding reaches the
// --fail-on severity, so that CI can gate on leaks, deadlocks and lost errors.
#pragma once

#include <QStringList>

namespace ascope::cli {

// args follow the command name. Exit codes as cli.h's ExitCode.
int checkCommand(const QStringList &args);

} // namespace ascope::cli
