// Entry point of asyncscope, the command users run. It links Qt Core and the engine only, so that
// the headless commands (run, check, export, --help, --version) start and stay small: no Gui,
// Widgets, Charts or Svg libraries loaded, no resources compiled in. The window and the commands
// that draw views (report) are in asyncscope-gui (guimain.cpp): this process replaces itself with
// it (execv, same argv, decided from argv alone before any QCoreApplication exists). It is found
// beside this executable (the build tree) or in the libexec directory (installed: see
// packaging/packaging.cmake and ASYNCSCOPE_GUI_FROM_BINDIR).
#include "cli.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// The directory of this executable, from /proc/self/exe (symlinks resolved, like
// QCoreApplication::applicationDirPath(), which needs an application object), else from argv[0].
QString executableDir(const char *argv0)
{
    QString self = QFile::symLinkTarget(u"/proc/self/exe"_s);
    if (self.isEmpty())
        self = QFileInfo(QString::fromLocal8Bit(argv0)).canonicalFilePath();
    return QFileInfo(self).absolutePath();
}

// Where asyncscope-gui may be, in the order tried: beside this executable, then the installed
// layout (relative to the bin directory, so that a relocated prefix still works).
QStringList guiCandidates(const char *argv0)
{
    const QDir dir(executableDir(argv0));
    const QString name = u"asyncscope-gui"_s;
    return {dir.filePath(name),
            QDir::cleanPath(dir.filePath(QStringLiteral(ASYNCSCOPE_GUI_FROM_BINDIR) + u'/' + name))};
}

// Replaces this process with asyncscope-gui, same arguments (argv[0] included: messages and the
// window's class name stay those of asyncscope). Returns only on failure, with the exit code.
int execGui(char **argv)
{
    const QStringList candidates = guiCandidates(argv[0]);
    for (const QString &path : candidates) {
        if (!QFileInfo::exists(path))
            continue;
        const QByteArray file = QFile::encodeName(path);
        ::execv(file.constData(), argv);
        ascope::cli::printError(u"cannot start '%1': %2"_s.arg(path, QString::fromLocal8Bit(std::strerror(errno))));
        return ascope::cli::ExitGuiNotExecutable;
    }
    ascope::cli::printError(u"asyncscope-gui, which shows the window and writes reports, is not installed: "
                            "no '%1'"_s.arg(candidates.join(u"' nor '"_s)));
    return ascope::cli::ExitGuiNotFound;
}

} // namespace

int main(int argc, char **argv)
{
    QStringList rawArguments;
    for (int i = 0; i < argc; ++i)
        rawArguments << QString::fromLocal8Bit(argv[i]);

    if (ascope::cli::needsGui(rawArguments))
        return execGui(argv);

    QCoreApplication app(argc, argv);
    ascope::cli::describeApplication();
    return ascope::cli::runHeadless(QCoreApplication::arguments());
}
