#include "report.h"

#include "diagnostics.h"
#include "engine.h"
#include "tasktablemodel.h"
#include "trace.h"
#include "viewexport.h"

#include <QAbstractItemModel>
#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPointer>
#include <QProgressDialog>
#include <QSvgGenerator>
#include <QWidget>
#include <QtMath>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr qreal kLongPictureWidth = 960; // pixels: content of the PNG/SVG picture
constexpr qreal kLongPictureMargin = 24;
constexpr int kPdfResolution = 300;
// The most of a PDF page a picture takes: its heading and note fit above it on the same page.
constexpr qreal kPdfPictureShare = 0.8;

const QColor kInk(0x21, 0x21, 0x21);
const QColor kMuted(0x75, 0x75, 0x75);
const QColor kRule(0xbd, 0xbd, 0xbd);
const QColor kHeaderFill(0xec, 0xef, 0xf1);
const QColor kStripe(0xf7, 0xf8, 0xf9);
const QColor kAccent(0x26, 0x32, 0x38);

// Fonts and lengths resolved on one paint device (its dpi): layout and painting agree.
class Style
{
public:
    explicit Style(const QPaintDevice *device)
        : m_device(device)
        , m_dpi(device->logicalDpiY())
    {
        QFont general = QFontDatabase::systemFont(QFontDatabase::GeneralFont);
        body = general;
        body.setPointSizeF(9.5);
        bold = body;
        bold.setBold(true);
        small = general;
        small.setPointSizeF(7.5);
        heading = general;
        heading.setPointSizeF(13);
        heading.setBold(true);
        title = general;
        title.setPointSizeF(20);
        title.setBold(true);
        mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        mono.setPointSizeF(7.5);
    }

    qreal pt(qreal points) const { return points * m_dpi / 72.0; }
    qreal dpi() const { return m_dpi; }
    QFontMetricsF metrics(const QFont &f) const { return QFontMetricsF(f, m_device); }
    qreal textHeight(const QFont &f, qreal width, const QString &text, int flags = Qt::TextWordWrap) const
    {
        if (text.isEmpty())
            return metrics(f).height();
        return metrics(f).boundingRect(QRectF(0, 0, std::max<qreal>(width, 1), 1e9), flags, text).height();
    }

    QFont body, bold, small, heading, title, mono;

private:
    const QPaintDevice *m_device;
    qreal m_dpi;
};

// One unbreakable piece of the laid-out report, painted into (x, y, width, height).
struct Block {
    qreal height = 0;
    qreal spaceBefore = 0; // dropped at the top of a page
    bool keepWithNext = false;
    int header = -1; // table rows: the header block, repeated at the top of a new page
    std::function<void(QPainter &, const QRectF &)> paint;
};

struct Placed {
    int block;
    qreal y;
};
using Page = std::vector<Placed>;

void drawText(QPainter &p, const QFont &font, const QColor &colour, const QRectF &r, const QString &text,
              int flags = Qt::TextWordWrap)
{
    p.setFont(font);
    p.setPen(colour);
    p.drawText(r, flags | Qt::AlignLeft | Qt::AlignTop, text);
}

// Table cells wrap between words; a word wider than its column (a long task name, a path) would
// spill into the next one, so such a cell wraps anywhere instead.
int cellFlags(const QFontMetricsF &metrics, const QString &text, qreal width)
{
    const QStringList words = text.split(u' ', Qt::SkipEmptyParts);
    const bool wordsFit = std::all_of(words.cbegin(), words.cend(),
                                      [&](const QString &w) { return metrics.horizontalAdvance(w) <= width; });
    return wordsFit ? int(Qt::TextWordWrap) : int(Qt::TextWrapAnywhere);
}

// Columns: natural widths when they fit (the last column takes the rest); otherwise narrow
// columns keep their width and the wide ones share what is left in proportion.
std::vector<qreal> columnWidths(const Style &s, const ReportSection &section, qreal width, qreal pad)
{
    const size_t n = size_t(section.header.size());
    std::vector<qreal> natural(n, 0);
    const QFontMetricsF bold = s.metrics(s.bold);
    const QFontMetricsF body = s.metrics(s.body);
    for (size_t c = 0; c < n; ++c)
        natural[c] = bold.horizontalAdvance(section.header[qsizetype(c)]);
    for (const auto &row : section.rows) {
        for (size_t c = 0; c < n && c < row.size(); ++c)
            natural[c] = std::max(natural[c], body.horizontalAdvance(row[c].text));
    }
    for (qreal &w : natural)
        w += 2 * pad + s.pt(1); // a text exactly as wide as its cell may still wrap on rounding
    qreal sum = 0;
    for (qreal w : natural)
        sum += w;
    if (sum <= width) {
        natural.back() += width - sum;
        return natural;
    }
    const qreal fair = width / qreal(n);
    qreal narrow = 0, wide = 0;
    for (qreal w : natural)
        (w <= fair ? narrow : wide) += w;
    const qreal rest = width - narrow;
    for (qreal &w : natural) {
        if (w > fair)
            w = w * rest / wide;
    }
    return natural;
}

// Views size their text in points, and a painter resolves points on its own device: drawn straight
// onto a 300 dpi PDF, a scene's text comes out three times too large for its boxes and a chart
// loses its labels. (An SVG round trip keeps the vectors but Qt 6.4's SVG renderer drops pattern
// brushes.) So on such a device the picture is drawn at 96 dpi into an image with as many pixels
// as `target` covers on the device, and that image is placed: it looks as it does on screen.
void paintAt96Dpi(QPainter &p, QSizeF size, const std::function<void(QPainter *, const QRectF &)> &paint,
                  const QRectF &target)
{
    if (p.device()->logicalDpiY() == 96) {
        paint(&p, target);
        return;
    }
    const qreal ratio = std::clamp(target.width() / size.width(), 1.0, 4.0);
    QImage image((size * ratio).toSize(), QImage::Format_RGB32);
    if (image.isNull())
        return;
    image.setDevicePixelRatio(ratio);
    image.fill(Qt::white);
    QPainter q(&image);
    q.setRenderHint(QPainter::Antialiasing);
    q.setRenderHint(QPainter::TextAntialiasing);
    paint(&q, QRectF(QPointF(), size));
    q.end();
    p.drawImage(target, image);
}

// Turns sections into blocks for a content `width`; pictures are never taller than `maxPicture`.
class Layout
{
public:
    Layout(const Style &style, qreal width, qreal maxPicture)
        : m_s(style)
        , m_width(width)
        , m_maxPicture(maxPicture)
    {
    }

    std::vector<Block> blocks;

    void titleBlock(const Report &r)
    {
        const QString kicker = QCoreApplication::translate("ascope::Report", "asyncscope report");
        const qreal kickerH = m_s.metrics(m_s.small).height();
        const qreal titleH = m_s.textHeight(m_s.title, m_width, r.title());
        const QString meta = metaLine(r);
        const qreal metaH = m_s.textHeight(m_s.body, m_width, meta);
        const qreal gap = m_s.pt(4);
        add({kickerH + titleH + metaH + 2 * gap + m_s.pt(6), 0, false, -1,
             [st = m_s, kicker, title = r.title(), meta, kickerH, titleH, gap](QPainter &p, const QRectF &rc) {
                 drawText(p, st.small, kMuted, QRectF(rc.x(), rc.y(), rc.width(), kickerH), kicker.toUpper());
                 drawText(p, st.title, kAccent, QRectF(rc.x(), rc.y() + kickerH, rc.width(), titleH), title);
                 drawText(p, st.body, kMuted, QRectF(rc.x(), rc.y() + kickerH + titleH + gap, rc.width(), rc.height()),
                          meta);
                 p.setPen(QPen(kAccent, st.pt(1.2)));
                 p.drawLine(QPointF(rc.left(), rc.bottom() - st.pt(1)), QPointF(rc.right(), rc.bottom() - st.pt(1)));
             }});
    }

    void section(const ReportSection &sec)
    {
        heading(sec.title);
        if (!sec.text.isEmpty()) {
            const bool note = sec.kind != ReportSection::Kind::Text; // goes on the page of what it describes
            paragraph(sec.text, note ? m_s.small : m_s.body, note ? kMuted : kInk, note);
        }
        switch (sec.kind) {
        case ReportSection::Kind::Text:
            break;
        case ReportSection::Kind::Facts:
            facts(sec);
            break;
        case ReportSection::Kind::Table:
            table(sec);
            break;
        case ReportSection::Kind::Picture:
            picture(sec.picture);
            break;
        case ReportSection::Kind::Lines:
            for (const QString &line : sec.lines)
                monoLine(line);
            break;
        }
    }

    static QString metaLine(const Report &r)
    {
        QStringList parts;
        if (!r.subject().isEmpty())
            parts << QCoreApplication::translate("ascope::Report", "File: %1").arg(r.subject());
        parts << QCoreApplication::translate("ascope::Report", "Date: %1")
                     .arg(r.date().toString(u"yyyy-MM-dd HH:mm:ss t"_s));
        return parts.join(u"    "_s);
    }

private:
    void add(Block b) { blocks.push_back(std::move(b)); }

    void heading(const QString &title)
    {
        if (title.isEmpty())
            return;
        const qreal h = m_s.textHeight(m_s.heading, m_width, title) + m_s.pt(4);
        add({h, m_s.pt(14), true, -1,
             [st = m_s, title](QPainter &p, const QRectF &rc) { drawText(p, st.heading, kAccent, rc, title); }});
    }

    void paragraph(const QString &text, const QFont &font, const QColor &colour, bool keepWithNext = false)
    {
        const QFont f = font;
        const qreal h = m_s.textHeight(f, m_width, text) + m_s.pt(3);
        add({h, 0, keepWithNext, -1,
             [f, text, colour](QPainter &p, const QRectF &rc) { drawText(p, f, colour, rc, text); }});
    }

    void facts(const ReportSection &sec)
    {
        const QFontMetricsF bold = m_s.metrics(m_s.bold);
        qreal labelW = 0;
        for (const auto &[label, value] : sec.facts)
            labelW = std::max(labelW, bold.horizontalAdvance(label));
        labelW = std::min(labelW + m_s.pt(12), m_width * 0.4);
        for (const auto &[label, value] : sec.facts) {
            const qreal h
                = std::max(m_s.textHeight(m_s.bold, labelW, label), m_s.textHeight(m_s.body, m_width - labelW, value))
                + m_s.pt(2.5);
            add({h, 0, false, -1, [st = m_s, label, value, labelW](QPainter &p, const QRectF &rc) {
                     drawText(p, st.bold, kInk, QRectF(rc.x(), rc.y(), labelW, rc.height()), label);
                     drawText(p, st.body, kInk, QRectF(rc.x() + labelW, rc.y(), rc.width() - labelW, rc.height()),
                              value);
                 }});
        }
    }

    void table(const ReportSection &sec)
    {
        if (sec.header.isEmpty())
            return;
        const qreal pad = m_s.pt(3);
        const std::vector<qreal> widths = columnWidths(m_s, sec, m_width, pad);
        auto rowHeight = [&](const QFont &font, auto textOf, size_t n) {
            const QFontMetricsF metrics = m_s.metrics(font);
            qreal h = 0;
            for (size_t c = 0; c < widths.size() && c < n; ++c) {
                const qreal w = widths[c] - 2 * pad;
                h = std::max(h, m_s.textHeight(font, w, textOf(c), cellFlags(metrics, textOf(c), w)));
            }
            return h + 2 * pad;
        };
        const QStringList header = sec.header;
        const qreal headerH = rowHeight(
            m_s.bold, [&](size_t c) { return header[qsizetype(c)]; }, size_t(header.size()));
        const int headerIndex = int(blocks.size());
        add({headerH, m_s.pt(2), true, -1, [st = m_s, header, widths, pad](QPainter &p, const QRectF &rc) {
                 p.fillRect(rc, kHeaderFill);
                 const QFontMetricsF metrics = st.metrics(st.bold);
                 qreal x = rc.x();
                 for (size_t c = 0; c < widths.size(); ++c) {
                     const qreal w = widths[c] - 2 * pad;
                     const QString &text = header[qsizetype(c)];
                     drawText(p, st.bold, kInk, QRectF(x + pad, rc.y() + pad, w, rc.height()), text,
                              cellFlags(metrics, text, w));
                     x += widths[c];
                 }
                 p.setPen(QPen(kRule, st.pt(0.8)));
                 p.drawLine(rc.bottomLeft(), rc.bottomRight());
             }});
        for (size_t r = 0; r < sec.rows.size(); ++r) {
            const std::vector<ReportCell> row = sec.rows[r];
            const qreal h = rowHeight(
                m_s.body, [&](size_t c) { return row[c].text; }, row.size());
            const bool stripe = r % 2 == 1;
            add({h, 0, false, headerIndex, [st = m_s, row, widths, pad, stripe](QPainter &p, const QRectF &rc) {
                     if (stripe)
                         p.fillRect(rc, kStripe);
                     const QFontMetricsF metrics = st.metrics(st.body);
                     qreal x = rc.x();
                     for (size_t c = 0; c < widths.size() && c < row.size(); ++c) {
                         const QColor colour = row[c].colour.isValid() ? row[c].colour : kInk;
                         const qreal w = widths[c] - 2 * pad;
                         drawText(p, st.body, colour, QRectF(x + pad, rc.y() + pad, w, rc.height()), row[c].text,
                                  cellFlags(metrics, row[c].text, w));
                         x += widths[c];
                     }
                     p.setPen(QPen(kHeaderFill, st.pt(0.5)));
                     p.drawLine(rc.bottomLeft(), rc.bottomRight());
                 }});
        }
    }

    void picture(const ReportPicture &pic)
    {
        if (pic.size.isEmpty() || !pic.paint) {
            paragraph(QCoreApplication::translate("ascope::Report", "(the view is not available)"), m_s.body, kMuted);
            return;
        }
        const qreal frame = m_s.pt(1);
        const qreal physical = m_s.dpi() / 96.0; // device pixels per view pixel at the same size
        qreal scale = std::min((m_width - 2 * frame) / pic.size.width(), 1.5 * physical);
        if (pic.size.height() * scale > m_maxPicture - 2 * frame)
            scale = (m_maxPicture - 2 * frame) / pic.size.height();
        const QSizeF shown = pic.size * scale;
        const auto paint = pic.paint;
        add({shown.height() + 2 * frame, m_s.pt(4), false, -1,
             [paint, size = pic.size, shown, frame](QPainter &p, const QRectF &rc) {
                 const QRectF target(rc.x() + (rc.width() - shown.width()) / 2, rc.y() + frame, shown.width(),
                                     shown.height());
                 p.save();
                 p.setClipRect(target);
                 paintAt96Dpi(p, size, paint, target);
                 p.restore();
                 p.setPen(QPen(kRule, frame));
                 p.setBrush(Qt::NoBrush);
                 p.drawRect(target.adjusted(-frame / 2, -frame / 2, frame / 2, frame / 2));
             }});
    }

    void monoLine(const QString &line)
    {
        const int flags = Qt::TextWrapAnywhere;
        const qreal h = m_s.textHeight(m_s.mono, m_width, line, flags) + m_s.pt(0.5);
        add({h, 0, false, -1,
             [st = m_s, line, flags](QPainter &p, const QRectF &rc) { drawText(p, st.mono, kInk, rc, line, flags); }});
    }

    const Style &m_s;
    qreal m_width;
    qreal m_maxPicture;
};

std::vector<Block> layoutReport(const Report &r, const Style &s, qreal width, qreal maxPicture)
{
    Layout layout(s, width, maxPicture);
    layout.titleBlock(r);
    for (const ReportSection &sec : r.sections())
        layout.section(sec);
    return std::move(layout.blocks);
}

std::vector<Page> paginate(const std::vector<Block> &blocks, qreal pageHeight)
{
    std::vector<Page> pages(1);
    qreal y = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
        const Block &b = blocks[i];
        // A heading, the note under it and the first block after them go on one page together.
        qreal need = (y > 0 ? b.spaceBefore : 0) + b.height;
        for (size_t j = i; blocks[j].keepWithNext && j + 1 < blocks.size(); ++j)
            need += blocks[j + 1].spaceBefore + blocks[j + 1].height;
        if (y > 0 && y + need > pageHeight) {
            pages.emplace_back();
            y = 0;
            if (b.header >= 0) {
                pages.back().push_back({b.header, 0});
                y = blocks[size_t(b.header)].height;
            }
        }
        if (y > 0)
            y += b.spaceBefore;
        pages.back().push_back({int(i), y});
        y += b.height;
    }
    return pages;
}

qreal pageExtent(const std::vector<Block> &blocks, const Page &page)
{
    qreal bottom = 0;
    for (const Placed &pl : page)
        bottom = std::max(bottom, pl.y + blocks[size_t(pl.block)].height);
    return bottom;
}

void paintPage(QPainter &p, const std::vector<Block> &blocks, const Page &page, QPointF origin, qreal width)
{
    for (const Placed &pl : page) {
        const Block &b = blocks[size_t(pl.block)];
        p.save();
        b.paint(p, QRectF(origin.x(), origin.y() + pl.y, width, b.height));
        p.restore();
    }
}

// The PDF page geometry: A4 portrait, 15 mm margins, a running header and footer.
struct PdfGeometry {
    qreal width = 0;
    qreal height = 0;
    qreal bodyTop = 0;
    qreal bodyHeight = 0;
};

void setUpPdf(QPdfWriter &pdf, const QString &title)
{
    pdf.setResolution(kPdfResolution);
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 12, 15, 12),
                                  QPageLayout::Millimeter));
    pdf.setTitle(title);
    pdf.setCreator(u"asyncscope "_s + QCoreApplication::applicationVersion());
}

PdfGeometry pdfGeometry(const QPdfWriter &pdf, const Style &s)
{
    PdfGeometry g;
    g.width = pdf.width();
    g.height = pdf.height();
    const qreal band = s.metrics(s.small).height() + s.pt(10);
    g.bodyTop = band;
    g.bodyHeight = g.height - 2 * band;
    return g;
}

void paintPdfDecorations(QPainter &p, const Style &s, const PdfGeometry &g, const Report &r, int page, int pages)
{
    const qreal lineH = s.metrics(s.small).height();
    const QString left = r.title();
    const QString right = r.subject().isEmpty() ? QString() : QFileInfo(r.subject()).fileName();
    p.setFont(s.small);
    p.setPen(kMuted);
    p.drawText(QRectF(0, 0, g.width, lineH), Qt::AlignLeft | Qt::AlignTop, left);
    p.drawText(QRectF(0, 0, g.width, lineH), Qt::AlignRight | Qt::AlignTop, right);
    p.setPen(QPen(kRule, s.pt(0.5)));
    p.drawLine(QPointF(0, lineH + s.pt(3)), QPointF(g.width, lineH + s.pt(3)));
    const qreal footY = g.height - lineH;
    p.drawLine(QPointF(0, footY - s.pt(3)), QPointF(g.width, footY - s.pt(3)));
    p.setPen(kMuted);
    p.drawText(QRectF(0, footY, g.width, lineH), Qt::AlignLeft | Qt::AlignTop,
               u"asyncscope · "_s + r.date().toString(u"yyyy-MM-dd HH:mm"_s));
    p.drawText(QRectF(0, footY, g.width, lineH), Qt::AlignRight | Qt::AlignTop,
               QCoreApplication::translate("ascope::Report", "page %1 of %2").arg(page).arg(pages));
}

const QString kCancelled = u"cancelled"_s;

bool report(const ReportProgress &progress, int done, int total, const QString &what)
{
    return !progress || progress(done, total, what);
}

// The report as one long picture: its blocks on one page, the size in pixels.
struct LongPicture {
    std::vector<Block> blocks;
    Page page;
    QSizeF size;
};

LongPicture longPicture(const Report &r, const Style &s)
{
    LongPicture lp;
    lp.blocks = layoutReport(r, s, kLongPictureWidth, 1600);
    lp.page = paginate(lp.blocks, std::numeric_limits<qreal>::infinity()).front();
    lp.size
        = QSizeF(kLongPictureWidth + 2 * kLongPictureMargin, pageExtent(lp.blocks, lp.page) + 2 * kLongPictureMargin);
    return lp;
}

// Paints the long picture block by block, reporting progress; false when cancelled.
bool paintLongPicture(QPainter &p, const LongPicture &lp, const ReportProgress &progress)
{
    p.fillRect(QRectF(QPointF(), lp.size), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const int total = int(lp.page.size());
    for (int i = 0; i < total; ++i) {
        if (!report(progress, i, total, QCoreApplication::translate("ascope::Report", "Drawing the report")))
            return false;
        const Placed &pl = lp.page[size_t(i)];
        const Block &b = lp.blocks[size_t(pl.block)];
        p.save();
        b.paint(p, QRectF(kLongPictureMargin, kLongPictureMargin + pl.y, kLongPictureWidth, b.height));
        p.restore();
    }
    report(progress, total, total, QCoreApplication::translate("ascope::Report", "Saving"));
    return true;
}

QString htmlEscaped(const QString &s)
{
    return s.toHtmlEscaped();
}

// The SVG element of a picture, without the XML declaration (it goes inline into HTML).
QString inlineSvg(const ReportPicture &pic, const QString &title)
{
    const QSizeF size = pic.size;
    const QByteArray svg = paintedSvg(
        size, [&pic, size](QPainter *p) { pic.paint(p, QRectF(QPointF(), size)); }, title);
    const qsizetype start = svg.indexOf("<svg");
    return QString::fromUtf8(start >= 0 ? svg.mid(start) : svg);
}

const char *const kCss = R"(
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #212121;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.4; }
header { border-bottom: 3px solid #263238; margin-bottom: 1.5em; }
.kicker { color: #757575; font-size: 0.75em; letter-spacing: 0.08em; text-transform: uppercase; margin: 0; }
h1 { color: #263238; margin: 0.1em 0 0.2em; }
.meta { color: #757575; margin: 0 0 0.8em; }
h2 { color: #263238; font-size: 1.25em; margin: 1.6em 0 0.4em; }
.note { color: #757575; font-size: 0.9em; margin: 0 0 0.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th { background: #eceff1; text-align: left; }
th, td { padding: 0.25em 0.5em; vertical-align: top; border-bottom: 1px solid #eceff1; }
tbody tr:nth-child(even) { background: #f7f8f9; }
table.facts { width: auto; }
table.facts th { background: none; padding-right: 2em; }
figure { margin: 0.5em 0; border: 1px solid #bdbdbd; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
pre { font-size: 0.8em; background: #f7f8f9; padding: 0.8em; overflow-x: auto; }
footer { color: #757575; font-size: 0.8em; margin-top: 3em; border-top: 1px solid #bdbdbd; padding-top: 0.5em; }
)";

QString colourStyle(const QColor &c)
{
    return c.isValid() ? u" style=\"color:"_s + c.name() + u'"' : QString();
}

QString htmlSection(const ReportSection &sec)
{
    QString h = u"<section>\n"_s;
    if (!sec.title.isEmpty())
        h += u"<h2>"_s + htmlEscaped(sec.title) + u"</h2>\n"_s;
    if (!sec.text.isEmpty()) {
        const bool note = sec.kind != ReportSection::Kind::Text;
        h += (note ? u"<p class=\"note\">"_s : u"<p>"_s) + htmlEscaped(sec.text) + u"</p>\n"_s;
    }
    switch (sec.kind) {
    case ReportSection::Kind::Text:
        break;
    case ReportSection::Kind::Facts:
        h += u"<table class=\"facts\">\n"_s;
        for (const auto &[label, value] : sec.facts)
            h += u"<tr><th>"_s + htmlEscaped(label) + u"</th><td>"_s + htmlEscaped(value) + u"</td></tr>\n"_s;
        h += u"</table>\n"_s;
        break;
    case ReportSection::Kind::Table:
        h += u"<table>\n<thead><tr>"_s;
        for (const QString &c : sec.header)
            h += u"<th>"_s + htmlEscaped(c) + u"</th>"_s;
        h += u"</tr></thead>\n<tbody>\n"_s;
        for (const auto &row : sec.rows) {
            h += u"<tr>"_s;
            for (const ReportCell &cell : row)
                h += u"<td"_s + colourStyle(cell.colour) + u'>' + htmlEscaped(cell.text) + u"</td>"_s;
            h += u"</tr>\n"_s;
        }
        h += u"</tbody>\n</table>\n"_s;
        break;
    case ReportSection::Kind::Picture:
        if (sec.picture.size.isEmpty() || !sec.picture.paint)
            h += u"<p class=\"note\">"_s
                + htmlEscaped(QCoreApplication::translate("ascope::Report", "(the view is not available)"))
                + u"</p>\n"_s;
        else
            h += u"<figure>\n"_s + inlineSvg(sec.picture, sec.title) + u"</figure>\n"_s;
        break;
    case ReportSection::Kind::Lines:
        h += u"<pre>"_s + htmlEscaped(sec.lines.join(u'\n')) + u"</pre>\n"_s;
        break;
    }
    return h + u"</section>\n"_s;
}

QString timeText(double t)
{
    return QString::number(t, 'f', 3);
}

} // namespace

// ------------------------------------------------------------------------------- sections

ReportSection textSection(const QString &title, const QString &text)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Text;
    s.title = title;
    s.text = text;
    return s;
}

ReportSection factsSection(const QString &title, std::vector<std::pair<QString, QString>> facts)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Facts;
    s.title = title;
    s.facts = std::move(facts);
    return s;
}

ReportSection tableSection(const QString &title, const QStringList &header, std::vector<std::vector<ReportCell>> rows)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Table;
    s.title = title;
    s.header = header;
    s.rows = std::move(rows);
    return s;
}

ReportSection modelSection(const QString &title, const QAbstractItemModel &model, const QList<int> &columns)
{
    QList<int> cols = columns;
    if (cols.isEmpty()) {
        for (int c = 0; c < model.columnCount(); ++c)
            cols << c;
    }
    QStringList header;
    for (int c : cols)
        header << model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
    std::vector<std::vector<ReportCell>> rows;
    rows.reserve(size_t(model.rowCount()));
    for (int r = 0; r < model.rowCount(); ++r) {
        std::vector<ReportCell> row;
        for (int c : cols) {
            const QModelIndex index = model.index(r, c);
            const QVariant fg = model.data(index, Qt::ForegroundRole);
            QColor colour;
            if (fg.canConvert<QColor>())
                colour = fg.value<QColor>();
            else if (fg.canConvert<QBrush>())
                colour = fg.value<QBrush>().color();
            row.push_back({model.data(index, Qt::DisplayRole).toString(), colour});
        }
        rows.push_back(std::move(row));
    }
    return tableSection(title, header, std::move(rows));
}

ReportSection widgetSection(const QString &title, QWidget *widget)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Picture;
    s.title = title;
    if (!widget)
        return s;
    s.picture.size = widget->size();
    s.picture.paint = [w = QPointer<QWidget>(widget)](QPainter *p, const QRectF &target) {
        if (!w || w->width() <= 0 || w->height() <= 0)
            return;
        p->translate(target.topLeft());
        p->scale(target.width() / w->width(), target.height() / w->height());
        w->render(p, QPoint(), QRegion(), QWidget::RenderFlags(QWidget::DrawWindowBackground | QWidget::DrawChildren));
    };
    return s;
}

ReportSection sceneSection(const QString &title, QGraphicsScene *scene)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Picture;
    s.title = title;
    if (!scene || scene->items().isEmpty())
        return s;
    const QRectF source = scene->itemsBoundingRect().adjusted(-16, -16, 16, 16);
    s.picture.size = source.size();
    s.picture.paint = [sc = QPointer<QGraphicsScene>(scene), source](QPainter *p, const QRectF &target) {
        p->fillRect(target, Qt::white);
        if (!sc)
            return;
        p->setRenderHint(QPainter::Antialiasing);
        p->setRenderHint(QPainter::TextAntialiasing);
        sc->render(p, target, source, Qt::KeepAspectRatio);
    };
    return s;
}

ReportSection linesSection(const QString &title, const QStringList &lines)
{
    ReportSection s;
    s.kind = ReportSection::Kind::Lines;
    s.title = title;
    s.lines = lines;
    return s;
}

// --------------------------------------------------------------------------------- report

Report::Report(const QString &title)
    : m_title(title)
{
}

bool Report::isSupportedPath(const QString &path)
{
    static const QStringList suffixes = {u"pdf"_s, u"html"_s, u"htm"_s, u"png"_s, u"svg"_s};
    return suffixes.contains(QFileInfo(path).suffix().toLower());
}

QString Report::write(const QString &path, const ReportProgress &progress) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"pdf")
        return writePdf(path, progress);
    if (suffix == u"html" || suffix == u"htm")
        return writeHtml(path, progress);
    if (suffix == u"png")
        return writePng(path, progress);
    if (suffix == u"svg")
        return writeSvg(path, progress);
    return path + u": unknown report format (use .pdf, .html, .png or .svg)"_s;
}

int Report::pdfPageCount() const
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter pdf(&buffer);
    setUpPdf(pdf, m_title);
    const Style style(&pdf);
    const PdfGeometry g = pdfGeometry(pdf, style);
    return int(paginate(layoutReport(*this, style, g.width, g.bodyHeight * kPdfPictureShare), g.bodyHeight).size());
}

QString Report::writePdf(const QString &path, const ReportProgress &progress) const
{
    return writeAtomically(path, [this, &progress](QIODevice *out) -> QString {
        QPdfWriter pdf(out);
        setUpPdf(pdf, m_title);
        const Style style(&pdf);
        const PdfGeometry g = pdfGeometry(pdf, style);
        const std::vector<Block> blocks = layoutReport(*this, style, g.width, g.bodyHeight * kPdfPictureShare);
        const std::vector<Page> pages = paginate(blocks, g.bodyHeight);
        const int n = int(pages.size());
        QPainter painter;
        if (!painter.begin(&pdf))
            return u"cannot start a PDF document"_s;
        painter.setRenderHint(QPainter::Antialiasing);
        for (int i = 0; i < n; ++i) {
            if (!report(progress, i, n,
                        QCoreApplication::translate("ascope::Report", "Page %1 of %2").arg(i + 1).arg(n))) {
                painter.end();
                return kCancelled;
            }
            if (i > 0)
                pdf.newPage();
            paintPdfDecorations(painter, style, g, *this, i + 1, n);
            paintPage(painter, blocks, pages[size_t(i)], QPointF(0, g.bodyTop), g.width);
        }
        report(progress, n, n, QCoreApplication::translate("ascope::Report", "Saving"));
        return painter.end() ? QString() : u"the PDF could not be finished"_s;
    });
}

QByteArray Report::html(const ReportProgress &progress, bool *cancelled) const
{
    if (cancelled)
        *cancelled = false;
    QString h = u"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"_s;
    h += u"<meta name=\"generator\" content=\"asyncscope "_s + QCoreApplication::applicationVersion() + u"\">\n"_s;
    h += u"<title>"_s + htmlEscaped(m_title) + u"</title>\n<style>"_s + QString::fromUtf8(kCss)
        + u"</style>\n</head>\n<body>\n"_s;
    h += u"<header>\n<p class=\"kicker\">"_s
        + htmlEscaped(QCoreApplication::translate("ascope::Report", "asyncscope report")) + u"</p>\n<h1>"_s
        + htmlEscaped(m_title) + u"</h1>\n<p class=\"meta\">"_s + htmlEscaped(Layout::metaLine(*this))
        + u"</p>\n</header>\n"_s;
    const int n = int(m_sections.size());
    for (int i = 0; i < n; ++i) {
        const ReportSection &sec = m_sections[size_t(i)];
        if (!report(progress, i, n, sec.title)) {
            if (cancelled)
                *cancelled = true;
            return {};
        }
        h += htmlSection(sec);
    }
    report(progress, n, n, QCoreApplication::translate("ascope::Report", "Saving"));
    h += u"<footer>"_s
        + htmlEscaped(QCoreApplication::translate("ascope::Report", "Made by asyncscope %1 on %2")
                          .arg(QCoreApplication::applicationVersion(), m_date.toString(Qt::ISODate)))
        + u"</footer>\n</body>\n</html>\n"_s;
    return h.toUtf8();
}

QString Report::writeHtml(const QString &path, const ReportProgress &progress) const
{
    return writeAtomically(path, [this, &progress](QIODevice *out) -> QString {
        bool cancelled = false;
        const QByteArray bytes = html(progress, &cancelled);
        if (cancelled)
            return kCancelled;
        return out->write(bytes) == bytes.size() ? QString() : out->errorString();
    });
}

QString Report::writePng(const QString &path, const ReportProgress &progress, qreal ratio) const
{
    return writeAtomically(path, [this, &progress, ratio](QIODevice *out) -> QString {
        const QImage probe(1, 1, QImage::Format_ARGB32_Premultiplied);
        const LongPicture lp = longPicture(*this, Style(&probe));
        QImage image(QSize(qCeil(lp.size.width() * ratio), qCeil(lp.size.height() * ratio)), QImage::Format_RGB32);
        if (image.isNull())
            return u"the picture is too large (%1 x %2 pixels)"_s.arg(qCeil(lp.size.width() * ratio))
                .arg(qCeil(lp.size.height() * ratio));
        image.setDevicePixelRatio(ratio);
        QPainter painter(&image);
        if (!paintLongPicture(painter, lp, progress))
            return kCancelled;
        painter.end();
        return image.save(out, "PNG") ? QString() : u"cannot encode PNG: "_s + out->errorString();
    });
}

QString Report::writeSvg(const QString &path, const ReportProgress &progress) const
{
    return writeAtomically(path, [this, &progress](QIODevice *out) -> QString {
        QSvgGenerator generator;
        generator.setResolution(96);
        const QImage probe(1, 1, QImage::Format_ARGB32_Premultiplied);
        const LongPicture lp = longPicture(*this, Style(&probe));
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        generator.setOutputDevice(&buffer);
        generator.setSize(QSize(qCeil(lp.size.width()), qCeil(lp.size.height())));
        generator.setViewBox(QRectF(QPointF(), lp.size));
        generator.setTitle(m_title);
        generator.setDescription(Layout::metaLine(*this));
        QPainter painter(&generator);
        if (!paintLongPicture(painter, lp, progress))
            return kCancelled;
        if (!painter.end())
            return u"the SVG could not be finished"_s;
        const QByteArray svg = withGenericFontFamilies(buffer.data());
        return out->write(svg) == svg.size() ? QString() : out->errorString();
    });
}

// ------------------------------------------------------------------------- run sections

ReportSection summarySection(const Engine &engine, const QString &filePath)
{
    const Runtime &rt = engine.runtime();
    const Trace &trace = rt.loop().trace();
    std::vector<std::pair<QString, QString>> facts;
    auto tr = [](const char *s) { return QCoreApplication::translate("ascope::Report", s); };
    facts.emplace_back(tr("Scenario"), rt.graph().name);
    if (!rt.graph().description.isEmpty())
        facts.emplace_back(tr("Description"), rt.graph().description);
    facts.emplace_back(tr("File"), filePath);
    if (engine.isFinished()) {
        const QJsonObject outcome = engine.outcome();
        facts.emplace_back(tr("Status"), engine.status());
        facts.emplace_back(tr("End time"), timeText(outcome.value(u"end_time").toDouble()) + u" s (virtual)"_s);
        const QJsonObject main = outcome.value(u"main").toObject();
        if (!main.isEmpty())
            facts.emplace_back(tr("Entry task"), main.value(u"state").toString());
    } else {
        const QString stage = engine.stage() == Engine::Stage::NotStarted ? tr("not started") : tr("paused");
        facts.emplace_back(tr("Status"), tr("%1 (the run has not finished)").arg(stage));
        facts.emplace_back(tr("Time"), timeText(rt.loop().time()) + u" s (virtual)"_s);
    }
    facts.emplace_back(tr("Loop iterations"), QString::number(rt.loop().iteration()));
    facts.emplace_back(tr("Trace events"), QString::number(trace.size()));

    const std::vector<TaskStateAt> states = trace.statesAfter(trace.size(), rt.tasks.size());
    QStringList counts;
    for (int p = int(TaskPhase::Scheduled); p <= int(TaskPhase::Destroyed); ++p) {
        const auto n
            = std::count_if(states.begin(), states.end(), [p](const TaskStateAt &s) { return int(s.phase) == p; });
        if (n > 0)
            counts << u"%1 %2"_s.arg(n).arg(QString::fromLatin1(taskPhaseName(TaskPhase(p))));
    }
    facts.emplace_back(tr("Tasks"),
                       QString::number(rt.tasks.size())
                           + (counts.isEmpty() ? QString() : u"  ("_s + counts.join(u", "_s) + u')'));
    if (!rt.namedFutures.empty())
        facts.emplace_back(tr("Named futures"), QString::number(rt.namedFutures.size()));
    if (!engine.injections().empty())
        facts.emplace_back(tr("Injections"), QString::number(engine.injections().size()));
    if (!rt.excluded.isEmpty())
        facts.emplace_back(tr("Not judged by the reference"), rt.excluded);
    return factsSection(tr("Summary"), std::move(facts));
}

ReportSection outcomeSection(Engine &engine)
{
    TaskTableModel model;
    model.setEngine(&engine);
    ReportSection s
        = modelSection(QCoreApplication::translate("ascope::Report", "Tasks"), model,
                       {TaskTableModel::TaskColumn, TaskTableModel::NodeColumn, TaskTableModel::StateColumn,
                        TaskTableModel::CreatedColumn, TaskTableModel::FinishedColumn, TaskTableModel::ResultColumn});
    s.text = QCoreApplication::translate("ascope::Report",
                                         "Every task in creation order: its state at the end of the run, when it was "
                                         "created and finished (virtual seconds), its result or exception.");
    return s;
}

ReportSection outcomeDiagnosticsSection(const Engine &engine)
{
    auto tr = [](const char *s) { return QCoreApplication::translate("ascope::Report", s); };
    const QString title = tr("Diagnostics");
    if (!engine.isFinished())
        return textSection(title, tr("The run has not finished: its diagnostics are made at the end."));
    const QJsonObject d = engine.outcome().value(u"diagnostics").toObject();
    auto names = [](const QJsonValue &v) {
        QStringList out;
        const QJsonArray a = v.toArray();
        for (const QJsonValue &x : a)
            out << (x.isString() ? x.toString() : x.toVariant().toString());
        return out;
    };
    std::vector<std::vector<ReportCell>> rows;
    const std::pair<const char *, const char *> lists[] = {
        {"pending_at_exit", QT_TRANSLATE_NOOP("ascope::Report", "Pending when the entry task ended")},
        {"destroyed_pending", QT_TRANSLATE_NOOP("ascope::Report", "Destroyed while pending")},
        {"exception_never_retrieved", QT_TRANSLATE_NOOP("ascope::Report", "Exception never retrieved")},
        {"shutdown_errors", QT_TRANSLATE_NOOP("ascope::Report", "Errors during shutdown")},
    };
    const QColor warn(0xc6, 0x28, 0x28);
    for (const auto &[key, label] : lists) {
        const QStringList n = names(d.value(QLatin1String(key)));
        rows.push_back({{tr(label), {}},
                        {QString::number(n.size()), n.isEmpty() ? QColor() : warn},
                        {n.isEmpty() ? u"—"_s : n.join(u", "_s), {}}});
    }
    const QJsonArray collections = d.value(u"collections").toArray();
    QStringList cs;
    for (const QJsonValue &c : collections) {
        const QJsonObject o = c.toObject();
        cs << u"t=%1 s: %2"_s.arg(timeText(o.value(u"t").toDouble()), names(o.value(u"destroyed")).join(u", "_s));
    }
    rows.push_back({{tr("Collections that destroyed pending tasks"), {}},
                    {QString::number(cs.size()), {}},
                    {cs.isEmpty() ? u"—"_s : cs.join(u"; "_s), {}}});
    ReportSection s = tableSection(title, {tr("Finding"), tr("Count"), tr("Tasks")}, std::move(rows));
    s.text = tr("From the run's outcome (asyncgraph-outcome/1).");
    return s;
}

QString eventLine(const Engine &engine, size_t index)
{
    const Runtime &rt = engine.runtime();
    const Event &e = rt.loop().trace().events().at(index);
    auto task = [&rt](qint32 i) -> QString {
        return i >= 0 && size_t(i) < rt.tasks.size() ? rt.tasks[size_t(i)]->name() : u"task #%1"_s.arg(i);
    };
    auto future = [&rt](qint32 id) -> QString {
        if (id < 0 || size_t(id) >= rt.futures.size())
            return u"future #%1"_s.arg(id);
        const Future *f = rt.futures[size_t(id)];
        if (f->kind == ObjKind::Task)
            return u"task "_s + f->name();
        return f->named ? u"future "_s + f->name() : u"future #%1"_s.arg(id);
    };
    QString what;
    switch (e.kind) {
    case EventKind::TaskCreated:
        what = u"create  "_s + task(e.subject) + (e.other >= 0 ? u" (by "_s + task(e.other) + u')' : QString());
        break;
    case EventKind::StepBegan:
        what = u"step    "_s + task(e.subject);
        break;
    case EventKind::Suspended:
        what = u"suspend "_s + task(e.subject) + (e.other >= 0 ? u" on "_s + future(e.other) : u" (yield)"_s);
        break;
    case EventKind::Woken:
        what = u"wake    "_s + task(e.subject) + u" by "_s + future(e.other);
        break;
    case EventKind::CancelRequested:
        what = u"cancel? "_s + ((e.flags & 1) ? future(e.subject) : task(e.subject));
        break;
    case EventKind::CancelDelivered:
        what = u"cancel! CancelledError thrown into "_s + task(e.subject);
        break;
    case EventKind::TimerArmed:
        what = u"timer   #%1 %2 for t=%3"_s.arg(e.subject).arg(e.flags ? u"moved"_s : u"armed"_s, timeText(e.value));
        break;
    case EventKind::TimerFired:
        what = u"timer   #%1 fired"_s.arg(e.subject);
        break;
    case EventKind::TimerCancelled:
        what = u"timer   #%1 cancelled"_s.arg(e.subject);
        break;
    case EventKind::TaskDone:
        what = u"done    "_s + task(e.subject);
        break;
    case EventKind::TaskFailed:
        what = u"failed  "_s + task(e.subject);
        break;
    case EventKind::TaskCancelled:
        what = u"cancel. "_s + task(e.subject) + u" cancelled"_s;
        break;
    case EventKind::FutureCreated:
        what = u"future  "_s + future(e.subject) + u" created"_s;
        break;
    case EventKind::FutureDone: {
        static const char *const how[] = {"done", "failed", "cancelled"};
        what = u"future  "_s + future(e.subject) + u' ' + QLatin1String(how[std::min<int>(e.flags, 2)]);
        break;
    }
    case EventKind::Collected:
        what = u"gc      "_s + ((e.flags & 1) ? future(e.subject) : task(e.subject)) + u" destroyed while pending"_s;
        break;
    case EventKind::Blocked:
        what = u"block   "_s + task(e.subject) + u" blocks the loop for "_s + timeText(e.value) + u" s"_s;
        break;
    case EventKind::Collection:
        what = u"gc      collection destroyed %1"_s.arg(e.subject);
        break;
    case EventKind::Phase: {
        static const char *const phases[] = {"run", "snapshot", "shutdown", "end"};
        what
            = u"phase   "_s + (e.subject >= 0 && e.subject < 4 ? QLatin1String(phases[e.subject]) : QLatin1String("?"));
        break;
    }
    case EventKind::Injected:
        what = u"inject  "_s + QLatin1String(Injection::kindName(Injection::Kind(e.other))) + u" on "_s
            + ((e.flags & 1) ? future(e.subject) : task(e.subject));
        break;
    }
    return u"%1  %2  %3"_s.arg(timeText(e.t), 9).arg(e.iteration, 5).arg(what);
}

ReportSection eventLogSection(const Engine &engine, int head, int tail)
{
    const size_t n = engine.runtime().loop().trace().size();
    const size_t h = std::min(n, size_t(std::max(head, 0)));
    const size_t t = std::min(n - h, size_t(std::max(tail, 0)));
    QStringList lines;
    lines << u"%1  %2  %3"_s.arg(u"time (s)"_s, 9).arg(u"iter"_s, 5).arg(u"event"_s);
    for (size_t i = 0; i < h; ++i)
        lines << eventLine(engine, i);
    if (h + t < n)
        lines << QCoreApplication::translate("ascope::Report", "… %n event(s) left out …", nullptr, int(n - h - t));
    for (size_t i = n - t; i < n; ++i)
        lines << eventLine(engine, i);
    ReportSection s = linesSection(QCoreApplication::translate("ascope::Report", "Event log"), lines);
    s.text = h + t < n
        ? QCoreApplication::translate("ascope::Report", "The first %1 and the last %2 of %3 trace events.")
              .arg(h)
              .arg(t)
              .arg(n)
        : QCoreApplication::translate("ascope::Report", "All %1 trace events.").arg(n);
    return s;
}

ReportSection diagnosticsSection(const Engine &engine)
{
    auto tr = [](const char *s) { return QCoreApplication::translate("ascope::Report", s); };
    const std::vector<Finding> findings = diagnose(engine);
    if (findings.empty())
        return textSection(tr("Findings"), tr("No findings: nothing leaked, deadlocked or got lost."));
    std::vector<std::vector<ReportCell>> rows;
    for (const Finding &f : findings) {
        const QColor colour = f.severity == Finding::Severity::Error ? QColor(0xc6, 0x28, 0x28)
            : f.severity == Finding::Severity::Warning               ? QColor(0xa0, 0x5a, 0x00)
                                                                     : QColor();
        QString message = f.message;
        if (!f.chain.isEmpty())
            message += u" ["_s + f.chain.join(u" → "_s) + u']';
        rows.push_back({{QString::fromLatin1(severityName(f.severity)), colour},
                        {timeText(f.time), {}},
                        {QString::fromLatin1(findingKindName(f.kind)).replace(u'_', u' '), {}},
                        {f.task.isEmpty() ? u"—"_s : f.task, {}},
                        {message, {}}});
    }
    ReportSection s = tableSection(
        tr("Findings"), {tr("Severity"), tr("Time (s)"), tr("Kind"), tr("Task"), tr("Message")}, std::move(rows));
    s.text = tr("What asyncio's debug mode and warnings would point at, by virtual time.");
    return s;
}

QString askReportFileName(QWidget *parent, const QString &baseName)
{
    const std::pair<QString, QString> types[] = {
        {QFileDialog::tr("PDF document (*.pdf)"), u"pdf"_s},
        {QFileDialog::tr("Web page, self-contained (*.html)"), u"html"_s},
        {QFileDialog::tr("PNG picture (*.png)"), u"png"_s},
        {QFileDialog::tr("SVG drawing (*.svg)"), u"svg"_s},
    };
    QStringList filters;
    for (const auto &t : types)
        filters << t.first;
    QString selected = filters.first();
    QString path
        = QFileDialog::getSaveFileName(parent, QFileDialog::tr("Export Report"),
                                       QDir::home().filePath(baseName + u".pdf"_s), filters.join(u";;"_s), &selected);
    if (path.isEmpty() || Report::isSupportedPath(path))
        return path;
    for (const auto &t : types) {
        if (t.first == selected)
            return path + u'.' + t.second;
    }
    return path + u".pdf"_s;
}

QString writeReportWithProgress(const Report &report, const QString &path, QWidget *parent)
{
    QProgressDialog dialog(QProgressDialog::tr("Writing the report…"), QProgressDialog::tr("Cancel"), 0, 1, parent);
    dialog.setWindowTitle(QProgressDialog::tr("Export Report"));
    dialog.setWindowModality(Qt::WindowModal);
    dialog.setMinimumDuration(400);
    dialog.setAutoClose(false);
    dialog.setAutoReset(false);
    const QString error = report.write(path, [&dialog](int done, int total, const QString &what) {
        dialog.setMaximum(std::max(total, 1));
        dialog.setLabelText(what);
        dialog.setValue(std::min(done, std::max(total, 1)));
        return !dialog.wasCanceled();
    });
    dialog.close();
    return error;
}

} // namespace ascope
