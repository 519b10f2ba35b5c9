// The timeline view offscreen (widgets/timelineview.h): the rows of a finished run, the cursor a
// click on the axis moves, a click on a row selecting its task, and zoom / fit from the keyboard
// and the mouse.
#include "engine.h"
#include "loader.h"
#include "timelineview.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

const QString kExample = QStringLiteral(ASYNCSCOPE_SOURCE_DIR "/resources/examples/taskgroup-cancel-child.json");

} // namespace

class TestTimelineView : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<TimelineView> m_view;

private Q_SLOTS:
    void init()
    {
        const LoadResult r = loadGraphFile(kExample);
        QVERIFY2(r.graph, qPrintable(r.error));
        m_engine = std::make_unique<Engine>(r.graph);
        m_engine->runSync();
        m_view = std::make_unique<TimelineView>();
        m_view->resize(900, 300);
        m_view->setEngine(m_engine.get());
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
        m_view->fit();
    }

    void cleanup()
    {
        m_view.reset();
        m_engine.reset();
    }

    void rows()
    {
        QStringList names;
        for (const TimelineData::Line &l : m_view->lines())
            names << (l.node >= 0 ? m_view->data().name(l.node) : u"<group>"_s);
        QCOMPARE(names, (QStringList{u"main"_s, u"<group>"_s, u"download"_s, u"download#2"_s, u"upload"_s}));
    }

    void clickOnTheAxisMovesTheCursor_data()
    {
        QTest::addColumn<double>("time");
        QTest::newRow("start") << 0.0;
        QTest::newRow("middle") << 1.5;
        QTest::newRow("near the end") << 2.9;
    }
    void clickOnTheAxisMovesTheCursor()
    {
        QFETCH(double, time);
        QSignalSpy moved(m_view.get(), &TimelineView::cursorMoved);
        const int x = m_view->timeToViewportX(time);
        QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, QPoint(x, TimelineView::kAxisHeight / 2));
        QCOMPARE(moved.count(), 1);
        const double spp = m_view->timeScale().secondsPerPixel();
        QVERIFY(std::abs(moved.first().first().toDouble() - time) <= 1.5 * spp);
        QVERIFY(std::abs(m_view->cursorTime() - time) <= 1.5 * spp);
    }

    void clickOnARowSelectsItsTask_data()
    {
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("task");
        QTest::newRow("entry task") << 0 << u"main"_s;
        QTest::newRow("a group's child") << 3 << u"download#2"_s;
    }
    void clickOnARowSelectsItsTask()
    {
        QFETCH(int, line);
        QFETCH(QString, task);
        QSignalSpy activated(m_view.get(), &TimelineView::taskActivated);
        const QPoint at(m_view->timeToViewportX(1.0) + 40, m_view->lineCenterY(line));
        QTest::mouseClick(m_view->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.first().first().toString(), task);
        QCOMPARE(m_view->selectedTask(), task);
    }

    void zoomAndFit_data()
    {
        QTest::addColumn<QString>("keys"); // '+', '-', '0', 'd' (double click)
        QTest::addColumn<double>("zoom");  // pixels per second relative to fit
        QTest::newRow("plus zooms in") << u"+"_s << 2.0;
        QTest::newRow("plus twice") << u"++"_s << 4.0;
        QTest::newRow("minus undoes plus") << u"++-"_s << 2.0;
        QTest::newRow("zero fits") << u"++0"_s << 1.0;
        QTest::newRow("double click fits") << u"+d"_s << 1.0;
    }
    void zoomAndFit()
    {
        QFETCH(QString, keys);
        QFETCH(double, zoom);
        const double fitted = m_view->timeScale().pixelsPerSecond();
        m_view->setFocus();
        for (const QChar k : keys) {
            if (k == u'd')
                QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {},
                                   QPoint(m_view->timeToViewportX(1.0), m_view->lineCenterY(0)));
            else
                QTest::keyClick(m_view.get(), k.toLatin1());
        }
        QCOMPARE(m_view->timeScale().pixelsPerSecond() / fitted, zoom);
    }
};

QTEST_MAIN(TestTimelineView)
#include "tst_timelineview.moc"
