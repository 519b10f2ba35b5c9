// The window's numbers, offscreen: how long the charts take to update from a finished run, and
// how long opening and saving a 100,000-node graph takes. Prints one line per measurement, the
// median of N runs (default 5).
//
//   bench_gui [--nodes GRAPH] [--runs N] [--keep-save OUT.json] [--only charts|open]
//
// Charts: a ChartsView (1600x400) fed from a finished run of a fan-out of 10,000 tasks and of
// ../shared/bench/fanout-100k.json (generated when missing): "run finished" is setEngine +
// refresh + one frame, "cursor move" is setCursorTime + one frame.
// Open: MainWindow::loadFile(GRAPH) until the events it posted are processed and the window
// has painted (GRAPH: the 100,000-node graph of bench/run.sh, generated when not given).
// Save: the document's save to a file (--keep-save keeps the last one, to compare).
#include "benchgraphs.h"
#include "chartsview.h"
#include "engine.h"
#include "graphdocument.h"
#include "loader.h"
#include "mainwindow.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>

using namespace ascope;
using ascope::benchgraphs::fanOut;
using ascope::benchgraphs::manyNodes;
using ascope::benchgraphs::median;
using namespace Qt::StringLiterals;

namespace {

// Median milliseconds of `runs` calls of f (f returns its own measured milliseconds).
double medianOf(int runs, const std::function<double()> &f)
{
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i)
        ms.push_back(f());
    return median(ms);
}

double msSince(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

QString ms(double v)
{
    return QString::number(v, 'f', v < 100 ? 1 : 0) + u" ms"_s;
}

void benchCharts(QTextStream &out, const QString &label, const std::shared_ptr<const Graph> &graph, int runs)
{
    if (!graph)
        return;
    Engine engine(graph);
    engine.runSync();
    const double end = engine.runtime().loop().time();
    ChartsView view;
    view.resize(1600, 400);
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&image); // fonts and caches
    const double finished = medianOf(runs, [&] {
        view.setEngine(nullptr);
        view.render(&image);
        QElapsedTimer t;
        t.start();
        view.setEngine(&engine);
        view.refresh();
        view.render(&image);
        return msSince(t);
    });
    int k = 0;
    const double cursor = medianOf(runs, [&] {
        QElapsedTimer t;
        t.start();
        view.setCursorTime(end * (++k) / (runs + 1));
        view.render(&image);
        return msSince(t);
    });
    out << u"charts, "_s << label << u" ("_s << engine.runtime().tasks.size() << u" tasks): run finished "_s
        << ms(finished) << u", cursor move "_s << ms(cursor) << u" (median of "_s << runs << u", 1600x400)"_s
        << Qt::endl;
}

// Runs the event loop until nothing is left to do (posted events, zero timers, paints).
void settle()
{
    for (int i = 0; i < 3; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents);
}

int benchOpenSave(QTextStream &out, const QString &path, int runs, const QString &keep)
{
    const LoadResult loaded = loadGraphFile(path);
    if (!loaded.graph) {
        std::fprintf(stderr, "error: %s\n", qPrintable(loaded.error));
        return 2;
    }
    const auto nodes = loaded.graph->nodes.size();
    MainWindow window;
    window.setAttribute(Qt::WA_DontShowOnScreen);
    window.resize(1280, 800);
    window.show();
    settle();
    QString error;
    std::vector<double> loads;
    std::vector<double> cpu; // of the process, both threads of the loader included
    const double open = medianOf(runs, [&] {
        window.loadFile(MainWindow::defaultExample()); // another document first, as a user would
        settle();
        QElapsedTimer t;
        t.start();
        const std::clock_t c = std::clock();
        if (!window.loadFile(path, &error))
            std::fprintf(stderr, "error: %s\n", qPrintable(error));
        loads.push_back(msSince(t));
        settle(); // the fit the load posted, then the first paint of every view
        cpu.push_back(double(std::clock() - c) * 1000.0 / CLOCKS_PER_SEC);
        return msSince(t);
    });
    QTemporaryDir dir;
    const QString target = keep.isEmpty() ? dir.filePath(u"saved.json"_s) : keep;
    const double save = medianOf(runs, [&] {
        QElapsedTimer t;
        t.start();
        if (!window.document()->save(target, &error))
            std::fprintf(stderr, "error: %s\n", qPrintable(error));
        return msSince(t);
    });
    out << u"open "_s << nodes << u" nodes ("_s << QFileInfo(path).fileName() << u", "_s
        << QString::number(double(QFileInfo(path).size()) / 1e6, 'f', 1) << u" MB): "_s << ms(open)
        << u" until the window is painted (loadFile "_s << ms(median(loads)) << u"; CPU "_s << ms(median(cpu))
        << u"); save "_s << ms(save) << u" (median of "_s << runs << u")"_s << Qt::endl;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true); // settings, recent files and autosaves stay apart
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"asyncscope-bench"_s);
    QStringList args = app.arguments().mid(1);
    auto option = [&args](const QString &name) { return ascope::benchgraphs::takeOption(args, name); };
    const QString nodesPath = option(u"--nodes"_s);
    const QString runsText = option(u"--runs"_s);
    const QString keep = option(u"--keep-save"_s);
    const QString only = option(u"--only"_s);
    const int runs = runsText.isEmpty() ? 5 : std::max(1, runsText.toInt());
    QTextStream out(stdout);

    if (only.isEmpty() || only == u"charts") {
        benchCharts(out, u"generated fan-out 10k"_s, loadGraph(fanOut(10000)).graph, runs);
        const QString shared = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/../shared/bench/fanout-100k.json");
        if (QFile::exists(shared))
            benchCharts(out, u"fanout-100k.json"_s, loadGraphFile(shared).graph, runs);
        else
            benchCharts(out, u"generated fan-out 100k"_s, loadGraph(fanOut(100000)).graph, runs);
    }
    if (only.isEmpty() || only == u"open") {
        QTemporaryDir dir;
        QString path = nodesPath;
        if (path.isEmpty()) {
            path = dir.filePath(u"nodes-100k.json"_s);
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly) || f.write(manyNodes(100000)) < 0) {
                std::fprintf(stderr, "error: cannot write %s\n", qPrintable(path));
                return 2;
            }
        }
        return benchOpenSave(out, path, runs, keep);
    }
    return 0;
}
