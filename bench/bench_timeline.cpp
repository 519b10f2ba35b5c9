// How long painting the timeline takes: loads a graph (or generates a fan-out), runs it, builds
// the timeline and renders it N times into a 1600x1000 image at fit and zoomed in, printing the
// median milliseconds per frame. With --png it saves one frame instead (to look at a run).
//
//   bench_timeline                      fan-outs of 10,000 and 100,000 tasks (the 100,000 one
//                                       is ../shared/bench/fanout-100k.json when present)
//   bench_timeline GRAPH [--frames N]   that graph
//   bench_timeline GRAPH --png OUT.png [--cursor T] [--collapse TASK]
#include "benchgraphs.h"
#include "engine.h"
#include "loader.h"
#include "timelineview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QTextStream>
#include <QWheelEvent>

#include <algorithm>
#include <cstdio>

using namespace ascope;
using ascope::benchgraphs::fanOut;
using ascope::benchgraphs::median;
using namespace Qt::StringLiterals;

namespace {

double timeFrames(TimelineView &view, QImage &image, int frames)
{
    std::vector<double> ms;
    for (int i = 0; i < frames; ++i) {
        QElapsedTimer t;
        t.start();
        view.render(&image);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return median(ms);
}

int bench(const QString &label, const std::shared_ptr<const Graph> &graph, int frames)
{
    QTextStream out(stdout);
    QElapsedTimer t;
    t.start();
    Engine engine(graph);
    engine.runSync();
    const double runMs = double(t.nsecsElapsed()) / 1e6;
    t.restart();
    TimelineView view;
    view.resize(1600, 1000);
    view.setEngine(&engine);
    const double buildMs = double(t.nsecsElapsed()) / 1e6;
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&image); // first frame: fonts and caches

    const double fitMs = timeFrames(view, image, frames);
    // zoomed in 50x around the middle, scrolled to the middle of the rows
    const TimeScale before = view.timeScale();
    view.setCursorTime((before.start() + before.end()) / 2);
    for (int i = 0; i < 14; ++i) { // 14 notches of x1.33 = x55
        QWheelEvent wheel(QPointF(TimelineView::kLabelWidth + 700, 300), QPointF(), QPoint(), QPoint(0, 120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
    }
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum() / 2);
    const double zoomMs = timeFrames(view, image, frames);
    out << label << u": "_s << engine.runtime().tasks.size() << u" tasks, "_s << engine.runtime().loop().trace().size()
        << u" events; run "_s << qRound(runMs) << u" ms, timeline built in "_s << qRound(buildMs)
        << u" ms; paint 1600x1000: fit "_s << QString::number(fitMs, 'f', 2) << u" ms/frame, zoomed x"_s
        << qRound(view.timeScale().pixelsPerSecond() / before.pixelsPerSecond()) << u" "_s
        << QString::number(zoomMs, 'f', 2) << u" ms/frame (median of "_s << frames << u")"_s << Qt::endl;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    auto option = [&args](const QString &name) { return ascope::benchgraphs::takeOption(args, name); };
    const QString frames = option(u"--frames"_s);
    const QString png = option(u"--png"_s);
    const QString cursor = option(u"--cursor"_s);
    const QString collapse = option(u"--collapse"_s);
    const int n = frames.isEmpty() ? 30 : frames.toInt();

    if (args.isEmpty()) {
        bench(u"generated fan-out 10k"_s, loadGraph(fanOut(10000)).graph, n);
        const QString shared = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/../shared/bench/fanout-100k.json");
        if (QFile::exists(shared))
            return bench(u"fanout-100k.json"_s, loadGraphFile(shared).graph, n);
        return bench(u"generated fan-out 100k"_s, loadGraph(fanOut(100000)).graph, n);
    }
    const LoadResult loaded = loadGraphFile(args.first());
    if (!loaded.graph) {
        std::fprintf(stderr, "error: %s\n", qPrintable(loaded.error));
        return 2;
    }
    if (png.isEmpty())
        return bench(args.first(), loaded.graph, n);

    Engine engine(loaded.graph);
    engine.runSync();
    TimelineView view;
    view.resize(1200,
                std::clamp(TimelineView::kAxisHeight + 40 + 20 * int(engine.runtime().tasks.size() + 2), 200, 800));
    view.setEngine(&engine);
    if (!cursor.isEmpty())
        view.setCursorTime(cursor.toDouble());
    if (!collapse.isEmpty())
        view.setCollapsed(collapse, true);
    if (!view.grab().save(png)) {
        std::fprintf(stderr, "error: %s: cannot write\n", qPrintable(png));
        return 2;
    }
    return 0;
}
