// The timeline's time <-> pixel mapping as a value type: the visible time range of a strip of
// `width` pixels, zoom around a pixel, pan by pixels, fit a range, and the axis ticks (1/2/5
// steps with labels such as "0.5 s" or "250 ms"). The widget only paints what this says.
#pragma once

#include <QString>

#include <vector>

namespace ascope {

class TimeScale
{
public:
    // The most a view zooms in: one pixel per nanosecond.
    static constexpr double kMaxPixelsPerSecond = 1e9;

    struct Tick {
        double t = 0;
        double x = 0;
        QString label;
    };

    TimeScale() = default;
    TimeScale(double start, double pixelsPerSecond, int width);

    double start() const { return m_start; }
    double end() const { return m_start + m_width / m_pps; }
    double pixelsPerSecond() const { return m_pps; }
    int width() const { return m_width; }
    // A new width keeps the start and the zoom (more or less time shows on the right).
    void setWidth(int width);

    // What pan and zoom may show: zooming out stops at twice the bounds' span on the strip,
    // panning keeps at least half of the strip over [lo, hi]. No bounds: no clamps but the zoom-in one.
    void setBounds(double lo, double hi);
    double lowerBound() const { return m_lo; }
    double upperBound() const { return m_hi; }
    double minPixelsPerSecond() const;

    double toPixel(double t) const { return (t - m_start) * m_pps; }
    double toTime(double x) const { return m_start + x / m_pps; }
    // Seconds one pixel covers.
    double secondsPerPixel() const { return 1 / m_pps; }

    // Multiplies the zoom by `factor` (> 1 zooms in) keeping the time under `pixel` in place,
    // within the zoom limits (then the pan clamp).
    void zoomAround(double pixel, double factor);
    // Moves the view right by dx pixels' worth of time (dx < 0: left), within the pan clamp.
    void panByPixels(double dx);
    // Shows [t0, t1] on `width` pixels with `margin` pixels free on each side (an empty range
    // shows one second from t0).
    void fit(double t0, double t1, int width, int margin);

    // Ticks over the visible range, at least minSpacing pixels apart.
    std::vector<Tick> ticks(double minSpacing = 80) const;
    // The smallest 1, 2 or 5 x 10^k that is >= minStep (minStep > 0).
    static double niceStep(double minStep);
    // A tick's label: "0 s", "0.5 s", "1.25 s", "250 ms", "20 µs" (the unit follows the step and
    // the value's size; only the digits the step needs).
    static QString formatTime(double t, double step);

    bool operator==(const TimeScale &o) const = default;

private:
    void clampZoom();
    void clampPan();

    double m_start = 0;
    double m_pps = 100;
    int m_width = 0;
    double m_lo = 0;
    double m_hi = 0;
    bool m_bounded = false;
};

} // namespace ascope
