#include "timescale.h"

#include <algorithm>
#include <cmath>

namespace ascope {

TimeScale::TimeScale(double start, double pixelsPerSecond, int width)
    : m_start(start)
    , m_pps(pixelsPerSecond > 0 ? std::min(pixelsPerSecond, kMaxPixelsPerSecond) : 1)
    , m_width(std::max(0, width))
{
}

void TimeScale::setWidth(int width)
{
    m_width = std::max(0, width);
}

void TimeScale::setBounds(double lo, double hi)
{
    m_lo = std::min(lo, hi);
    m_hi = std::max(lo, hi);
    m_bounded = true;
}

double TimeScale::minPixelsPerSecond() const
{
    const double span = m_hi - m_lo;
    if (!m_bounded || span <= 0 || m_width <= 0)
        return 1e-9;
    return std::min(double(m_width) / (2 * span), kMaxPixelsPerSecond);
}

void TimeScale::clampZoom()
{
    m_pps = std::clamp(m_pps, minPixelsPerSecond(), kMaxPixelsPerSecond);
}

void TimeScale::clampPan()
{
    if (!m_bounded)
        return;
    const double half = m_width / m_pps / 2;
    m_start = std::clamp(m_start, m_lo - half, m_hi - half);
}

void TimeScale::zoomAround(double pixel, double factor)
{
    if (!(factor > 0))
        return;
    const double t = toTime(pixel);
    m_pps *= factor;
    clampZoom();
    m_start = t - pixel / m_pps;
    clampPan();
}

void TimeScale::panByPixels(double dx)
{
    m_start += dx / m_pps;
    clampPan();
}

void TimeScale::fit(double t0, double t1, int width, int margin)
{
    m_width = std::max(0, width);
    const double span = t1 > t0 ? t1 - t0 : 1.0;
    const double usable = std::max(1, m_width - 2 * std::max(0, margin));
    m_pps = std::min(usable / span, kMaxPixelsPerSecond);
    m_start = t0 - std::max(0, margin) / m_pps;
}

double TimeScale::niceStep(double minStep)
{
    if (!(minStep > 0))
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(minStep)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        // a tolerance so that 0.2 (stored as 0.2000000001) stays 0.2
        if (m * magnitude >= minStep * (1 - 1e-9))
            return m * magnitude;
    }
    return 10 * magnitude;
}

QString TimeScale::formatTime(double t, double step)
{
    if (std::abs(t) < std::abs(step) * 1e-6)
        t = 0;
    const double a = std::abs(t);
    double scale = 1;
    QString unit = QStringLiteral(" s");
    if (step < 0.1 && a < 1) {
        if (step >= 1e-4 || a >= 1e-3) {
            scale = 1e3;
            unit = QStringLiteral(" ms");
        } else {
            scale = 1e6;
            unit = QStringLiteral(" µs");
        }
    }
    const double inUnit = step * scale;
    const int decimals = inUnit > 0 ? std::clamp(int(std::ceil(-std::log10(inUnit) - 1e-9)), 0, 9) : 0;
    return QString::number(t * scale, 'f', decimals) + unit;
}

std::vector<TimeScale::Tick> TimeScale::ticks(double minSpacing) const
{
    std::vector<Tick> out;
    if (m_width <= 0 || !(minSpacing > 0))
        return out;
    const double step = niceStep(minSpacing / m_pps);
    const double first = std::ceil(m_start / step - 1e-9);
    const double last = std::floor(end() / step + 1e-9);
    for (double k = first; k <= last; ++k) {
        const double t = k * step;
        out.push_back({t, toPixel(t), formatTime(t, step)});
    }
    return out;
}

} // namespace ascope
