// TimeScale, the timeline's time <-> pixel value type: mapping, zoom and pan with their clamps,
// fit, nice 1/2/5 steps, tick labels.
#include "timescale.h"

#include <QTest>

using namespace ascope;
using namespace Qt::StringLiterals;

class TestTimeScale : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapping_data()
    {
        QTest::addColumn<double>("start");
        QTest::addColumn<double>("pps");
        QTest::addColumn<double>("t");
        QTest::addColumn<double>("x");
        QTest::newRow("origin") << 0.0 << 100.0 << 0.0 << 0.0;
        QTest::newRow("one second") << 0.0 << 100.0 << 1.0 << 100.0;
        QTest::newRow("shifted start") << 2.0 << 50.0 << 3.5 << 75.0;
        QTest::newRow("before the start") << 1.0 << 200.0 << 0.5 << -100.0;
        QTest::newRow("microseconds") << 0.0 << 1e6 << 2.5e-5 << 25.0;
    }
    void mapping()
    {
        QFETCH(double, start);
        QFETCH(double, pps);
        QFETCH(double, t);
        QFETCH(double, x);
        const TimeScale s(start, pps, 800);
        QCOMPARE(s.toPixel(t), x);
        QCOMPARE(s.toTime(x), t);
        QCOMPARE(s.end(), start + 800 / pps);
    }

    void zoomAround_data()
    {
        QTest::addColumn<double>("pixel");
        QTest::addColumn<double>("factor");
        QTest::addColumn<bool>("bounded");
        QTest::addColumn<double>("expectedPps");
        QTest::addColumn<double>("expectedStart");
        // 1000 px strip at 100 px/s from 0 (0 .. 10 s); bounds 0 .. 10 when bounded
        QTest::newRow("in at the left edge") << 0.0 << 2.0 << false << 200.0 << 0.0;
        QTest::newRow("in around the middle") << 500.0 << 2.0 << false << 200.0 << 2.5;
        QTest::newRow("out around the middle") << 500.0 << 0.5 << false << 50.0 << -5.0;
        QTest::newRow("out clamped to twice the bounds") << 500.0 << 0.1 << true << 50.0 << -5.0;
        QTest::newRow("in clamped at 1 px/ns") << 0.0 << 1e12 << false << TimeScale::kMaxPixelsPerSecond << 0.0;
        QTest::newRow("bad factor ignored") << 500.0 << -1.0 << false << 100.0 << 0.0;
    }
    void zoomAround()
    {
        QFETCH(double, pixel);
        QFETCH(double, factor);
        QFETCH(bool, bounded);
        QFETCH(double, expectedPps);
        QFETCH(double, expectedStart);
        TimeScale s(0, 100, 1000);
        if (bounded)
            s.setBounds(0, 10);
        const double under = s.toTime(pixel);
        s.zoomAround(pixel, factor);
        QCOMPARE(s.pixelsPerSecond(), expectedPps);
        QCOMPARE(s.start(), expectedStart);
        QVERIFY(qAbs(s.toTime(pixel) - under) < 1e-9); // the time under the mouse stays put
    }

    void pan_data()
    {
        QTest::addColumn<double>("dx");
        QTest::addColumn<bool>("bounded");
        QTest::addColumn<double>("expectedStart");
        // 1000 px at 100 px/s from 0: 10 s visible; bounds 0 .. 20: start within [-5, 15]
        QTest::newRow("right") << 250.0 << false << 2.5;
        QTest::newRow("left") << -100.0 << false << -1.0;
        QTest::newRow("right within bounds") << 1000.0 << true << 10.0;
        QTest::newRow("right clamped") << 5000.0 << true << 15.0;
        QTest::newRow("left clamped") << -5000.0 << true << -5.0;
    }
    void pan()
    {
        QFETCH(double, dx);
        QFETCH(bool, bounded);
        QFETCH(double, expectedStart);
        TimeScale s(0, 100, 1000);
        if (bounded)
            s.setBounds(0, 20);
        s.panByPixels(dx);
        QCOMPARE(s.start(), expectedStart);
        QCOMPARE(s.pixelsPerSecond(), 100.0);
    }

    void fit_data()
    {
        QTest::addColumn<double>("t0");
        QTest::addColumn<double>("t1");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("margin");
        QTest::addColumn<double>("expectedPps");
        QTest::addColumn<double>("expectedStart");
        QTest::newRow("no margin") << 0.0 << 10.0 << 1000 << 0 << 100.0 << 0.0;
        QTest::newRow("margins") << 0.0 << 10.0 << 1040 << 20 << 100.0 << -0.2;
        QTest::newRow("offset range") << 2.0 << 3.0 << 500 << 0 << 500.0 << 2.0;
        QTest::newRow("empty range shows one second") << 4.0 << 4.0 << 200 << 0 << 200.0 << 4.0;
        QTest::newRow("tiny range clamped") << 0.0 << 1e-12 << 1000 << 0 << TimeScale::kMaxPixelsPerSecond << 0.0;
    }
    void fit()
    {
        QFETCH(double, t0);
        QFETCH(double, t1);
        QFETCH(int, width);
        QFETCH(int, margin);
        QFETCH(double, expectedPps);
        QFETCH(double, expectedStart);
        TimeScale s;
        s.fit(t0, t1, width, margin);
        QCOMPARE(s.width(), width);
        QCOMPARE(s.pixelsPerSecond(), expectedPps);
        QCOMPARE(s.start(), expectedStart);
    }

    void niceStep_data()
    {
        QTest::addColumn<double>("minStep");
        QTest::addColumn<double>("step");
        QTest::newRow("exact 1") << 1.0 << 1.0;
        QTest::newRow("1.1 -> 2") << 1.1 << 2.0;
        QTest::newRow("3 -> 5") << 3.0 << 5.0;
        QTest::newRow("6 -> 10") << 6.0 << 10.0;
        QTest::newRow("0.2 stays") << 0.2 << 0.2;
        QTest::newRow("0.03 -> 0.05") << 0.03 << 0.05;
        QTest::newRow("140 -> 200") << 140.0 << 200.0;
        QTest::newRow("7e-7 -> 1e-6") << 7e-7 << 1e-6;
    }
    void niceStep()
    {
        QFETCH(double, minStep);
        QFETCH(double, step);
        QCOMPARE(TimeScale::niceStep(minStep), step);
    }

    void formatTime_data()
    {
        QTest::addColumn<double>("t");
        QTest::addColumn<double>("step");
        QTest::addColumn<QString>("label");
        QTest::newRow("zero") << 0.0 << 1.0 << u"0 s"_s;
        QTest::newRow("half second") << 0.5 << 0.5 << u"0.5 s"_s;
        QTest::newRow("whole seconds") << 20.0 << 10.0 << u"20 s"_s;
        QTest::newRow("milliseconds") << 0.25 << 0.05 << u"250 ms"_s;
        QTest::newRow("seconds past one keep seconds") << 1.25 << 0.05 << u"1.25 s"_s;
        QTest::newRow("fractional ms") << 0.0005 << 0.0001 << u"0.5 ms"_s;
        QTest::newRow("microseconds") << 2e-5 << 1e-5 << u"20 µs"_s;
        QTest::newRow("rounding noise is zero") << 1e-17 << 0.1 << u"0.0 s"_s;
        QTest::newRow("negative") << -0.5 << 0.5 << u"-0.5 s"_s;
    }
    void formatTime()
    {
        QFETCH(double, t);
        QFETCH(double, step);
        QFETCH(QString, label);
        QCOMPARE(TimeScale::formatTime(t, step), label);
    }

    void ticks_data()
    {
        QTest::addColumn<double>("start");
        QTest::addColumn<double>("pps");
        QTest::addColumn<int>("width");
        QTest::addColumn<QStringList>("labels");
        QTest::addColumn<double>("firstX");
        QTest::newRow("seconds") << 0.0 << 100.0 << 400 << QStringList{u"0 s"_s, u"1 s"_s, u"2 s"_s, u"3 s"_s, u"4 s"_s}
                                 << 0.0;
        QTest::newRow("half seconds") << 0.0 << 200.0 << 400
                                      << QStringList{u"0.0 s"_s, u"0.5 s"_s, u"1.0 s"_s, u"1.5 s"_s, u"2.0 s"_s} << 0.0;
        QTest::newRow("ms, first tick inside")
            << 0.12 << 2000.0 << 400 << QStringList{u"150 ms"_s, u"200 ms"_s, u"250 ms"_s, u"300 ms"_s} << 60.0;
        QTest::newRow("empty strip") << 0.0 << 100.0 << 0 << QStringList{} << 0.0;
    }
    void ticks()
    {
        QFETCH(double, start);
        QFETCH(double, pps);
        QFETCH(int, width);
        QFETCH(QStringList, labels);
        QFETCH(double, firstX);
        const TimeScale s(start, pps, width);
        const std::vector<TimeScale::Tick> ticks = s.ticks(80);
        QStringList got;
        for (const TimeScale::Tick &t : ticks)
            got << t.label;
        QCOMPARE(got, labels);
        if (!ticks.empty()) {
            QVERIFY(qAbs(ticks.front().x - firstX) < 1e-6);
            for (size_t i = 1; i < ticks.size(); ++i)
                QVERIFY(ticks[i].x - ticks[i - 1].x >= 80 - 1e-6);
        }
    }
};

QTEST_GUILESS_MAIN(TestTimeScale)
#include "tst_timescale.moc"
