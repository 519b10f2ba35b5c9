// Entry point of asyncscope-gui, the executable that links Qt Widgets: asyncscope (main.cpp)
// hands it the window and `report` (cli::needsGui), with the same argv. It runs every invocation
// itself: decides between the headless command line (QCoreApplication, no display) and the window
// (QApplication) before constructing either; `report` draws views offscreen, under a QApplication
// on the offscreen platform.
#include "cli.h"
#include "mainwindow.h"
#include "reportcommand.h"

#include <QApplication>
#include <QCoreApplication>
#include <QIcon>
#include <QMetaObject>
#include <QPixmap>

using namespace Qt::StringLiterals;

namespace {

int runWindow(const ascope::cli::GuiOptions &options)
{
    ascope::MainWindow window;
    const bool screenshot = !options.screenshot.isEmpty();
    if (screenshot)
        window.setAttribute(Qt::WA_DontShowOnScreen);
    if (screenshot)
        window.resize(1280, 800); // otherwise the size the window had last time (QSettings)

    const QString path = options.file.isEmpty() ? ascope::MainWindow::defaultExample() : options.file;
    QString error;
    const bool loaded = window.loadFile(path, &error);
    if (!loaded && screenshot) {
        // Nobody could close a message box: report like the command line does.
        ascope::cli::printError(error);
        return ascope::cli::ExitUsage;
    }
    if (loaded && options.run) {
        if (screenshot)
            window.runToEndNow(); // the picture shows the end of the run
        else
            window.run();
    }

    window.show();
    if (!options.view.isEmpty())
        window.showView(options.view);
    if (screenshot) {
        QCoreApplication::processEvents();
        window.prepareScreenshot();
        QCoreApplication::processEvents();
        const QPixmap picture = window.grab();
        if (!picture.save(options.screenshot, "PNG")) {
            ascope::cli::printError(u"cannot write screenshot '%1'"_s.arg(options.screenshot));
            return ascope::cli::ExitUsage;
        }
        return ascope::cli::ExitOk;
    }
    if (!loaded) {
        QMetaObject::invokeMethod(
            &window, [&window, error] { window.showError(QObject::tr("Cannot open task graph"), error); },
            Qt::QueuedConnection);
    }
    // Unsaved edits of a session that crashed: offered once the window is up.
    QMetaObject::invokeMethod(&window, &ascope::MainWindow::offerRecovery, Qt::QueuedConnection);
    return QApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    QStringList rawArguments;
    for (int i = 0; i < argc; ++i)
        rawArguments << QString::fromLocal8Bit(argv[i]);

    if (ascope::cli::modeFor(rawArguments) == ascope::cli::Mode::Headless) {
        if (ascope::cli::needsWidgets(rawArguments)) {
            if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
                qputenv("QT_QPA_PLATFORM", "offscreen");
            QApplication app(argc, argv);
            ascope::cli::describeApplication();
            return ascope::cli::runHeadless(QApplication::arguments(), &ascope::cli::reportCommand);
        }
        QCoreApplication app(argc, argv);
        ascope::cli::describeApplication();
        return ascope::cli::runHeadless(QCoreApplication::arguments());
    }

    if (ascope::cli::wantsOffscreenPlatform(rawArguments))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    ascope::cli::describeApplication();
    QApplication::setWindowIcon(QIcon(u":/icons/asyncscope.svg"_s));

    QString error;
    const auto options = ascope::cli::parseGuiArguments(QApplication::arguments(), &error);
    if (!options) {
        ascope::cli::printError(error);
        return ascope::cli::ExitUsage;
    }
    return runWindow(*options);
}
