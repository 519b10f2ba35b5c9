#include "graphitems.h"

#include "besidethread.h"

#include <QCborValue>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QHash>
#include <QImage>
#include <QJsonArray>
#include <QLocale>
#include <QPainter>
#include <QPainterPathStroker>
#include <QSet>
#include <QStyleOptionGraphicsItem>
#include <QVarLengthArray>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

const QString kEllipsis = u"\u2026"_s;
const QString kTimes = u"\u00d7"_s;

// --- summaries ------------------------------------------------------------------------------

QString formatNumber(const QJsonValue &v)
{
    // Qt keeps integral JSON numbers as integers; everything else prints as Python's repr would.
    if (QCborValue::fromJsonValue(v).isInteger())
        return QString::number(v.toInteger());
    return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
}

QString formatValue(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"None"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"True"_s : u"False"_s;
    case QJsonValue::Double:
        return formatNumber(v);
    case QJsonValue::String: {
        const QString s = v.toString();
        if (s.startsWith(u'$') || s.startsWith(u'@'))
            return s;
        QString escaped = s;
        escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"'"_s, u"\\'"_s).replace(u"\n"_s, u"\\n"_s);
        return u'\'' + escaped + u'\'';
    }
    case QJsonValue::Array: {
        QStringList items;
        const QJsonArray array = v.toArray();
        for (const QJsonValue &item : array)
            items << formatValue(item);
        return u'[' + items.join(u", "_s) + u']';
    }
    case QJsonValue::Object:
        return u"{" + kEllipsis + u"}";
    }
    return QString();
}

QString formatArgs(const QJsonObject &args)
{
    if (args.isEmpty())
        return QString();
    QStringList parts;
    for (auto it = args.begin(); it != args.end(); ++it)
        parts << it.key() + u'=' + formatValue(it.value());
    return u'(' + parts.join(u", "_s) + u')';
}

// A child as written: "fetch", "$h", or {"node": "fetch", "args": {...}, "count": 3}.
QString formatChild(const QJsonValue &child)
{
    if (child.isString())
        return child.toString();
    const QJsonObject o = child.toObject();
    QString s = o.value(u"node"_s).toString() + formatArgs(o.value(u"args"_s).toObject());
    if (o.contains(u"count"_s) && o.value(u"count"_s).toInteger() != 1)
        s += kTimes + QString::number(o.value(u"count"_s).toInteger());
    return s;
}

// The children as far as a line shows them, then an ellipsis: a box elides its lines to its
// width anyway, and the whole list of a fan-out of 100,000 took tens of milliseconds to build
// when the graph was opened.
constexpr qsizetype kChildrenShown = 160; // characters

QString formatChildren(const QJsonValue &children)
{
    const QJsonArray array = children.toArray();
    QString s(u'[');
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (i > 0)
            s += u", "_s;
        if (s.size() >= kChildrenShown) {
            s += kEllipsis;
            break;
        }
        s += formatChild(array.at(i));
    }
    return s + u']';
}

QString formatException(const QJsonObject &step)
{
    const QString type = step.value(u"type"_s).toString();
    if (!step.contains(u"message"_s))
        return type;
    return type + u'(' + formatValue(step.value(u"message"_s)) + u')';
}

QString summary(const QJsonObject &step, int depth);

// A nested body in one line: its only step, or its first step and an ellipsis; below the first
// level of nesting just an ellipsis.
QString bodySummary(const QJsonValue &body, int depth)
{
    const QJsonArray steps = body.toArray();
    if (depth >= 1)
        return steps.isEmpty() ? u"pass"_s : kEllipsis;
    if (steps.isEmpty())
        return u"pass"_s;
    QString s = summary(steps.first().toObject(), depth + 1);
    if (steps.size() > 1)
        s += u"; " + kEllipsis;
    return s;
}

// "timeout 1: sleep 5", or "timeout 1 …" when the body folds to an ellipsis.
QString withBody(const QString &head, const QJsonValue &body, int depth)
{
    const QString inner = bodySummary(body, depth);
    if (inner == kEllipsis)
        return head + u' ' + inner;
    return head + u": " + inner;
}

QString summary(const QJsonObject &step, int depth)
{
    const QString op = step.value("op"_L1).toString();
    auto field = [&step](QLatin1StringView name) { return step.value(name); };
    QString s;
    if (op == u"sleep") {
        s = u"sleep " + formatValue(field("seconds"_L1));
        if (step.contains(u"result"_s))
            s += u", result=" + formatValue(field("result"_L1));
    } else if (op == u"block") {
        s = u"block " + formatValue(field("seconds"_L1));
    } else if (op == u"return") {
        s = step.contains(u"value"_s) ? u"return " + formatValue(field("value"_L1)) : u"return"_s;
    } else if (op == u"raise") {
        s = u"raise " + formatException(step);
    } else if (op == u"reraise") {
        s = u"raise"_s;
    } else if (op == u"await") {
        s = u"await " + formatChild(field("target"_L1));
    } else if (op == u"spawn") {
        s = u"spawn " + field("node"_L1).toString() + formatArgs(field("args"_L1).toObject());
    } else if (op == u"gather") {
        s = u"gather " + formatChildren(field("children"_L1));
        if (field("return_exceptions"_L1).toBool())
            s += u", return_exceptions"_s;
        if (step.contains(u"await"_s) && !field("await"_L1).toBool())
            s += u", await=False"_s;
    } else if (op == u"wait") {
        s = u"wait " + formatChildren(field("children"_L1));
        const QString when = field("return_when"_L1).toString();
        if (!when.isEmpty() && when != u"ALL_COMPLETED" && when != u"all_completed")
            s += u", " + when.toUpper();
        if (step.contains(u"timeout"_s) && !field("timeout"_L1).isNull())
            s += u", timeout=" + formatValue(field("timeout"_L1));
    } else if (op == u"wait_for") {
        s = u"wait_for " + formatChild(field("target"_L1)) + u", " + formatValue(field("timeout"_L1));
    } else if (op == u"shield") {
        s = u"shield " + formatChild(field("target"_L1));
        if (step.contains(u"await"_s) && !field("await"_L1).toBool())
            s += u", await=False"_s;
    } else if (op == u"as_completed") {
        s = u"as_completed " + formatChildren(field("children"_L1));
        if (step.contains(u"timeout"_s) && !field("timeout"_L1).isNull())
            s += u", timeout=" + formatValue(field("timeout"_L1));
    } else if (op == u"taskgroup") {
        s = u"taskgroup " + formatChildren(field("children"_L1));
        if (!field("body"_L1).toArray().isEmpty())
            s = withBody(s, field("body"_L1), depth);
    } else if (op == u"timeout") {
        s = withBody(u"timeout " + formatValue(field("seconds"_L1)), field("body"_L1), depth);
    } else if (op == u"try") {
        s = withBody(u"try"_s, field("body"_L1), depth);
        const QJsonArray handlers = field("except"_L1).toArray();
        for (const QJsonValue &h : handlers) {
            const QJsonArray types = h.toObject().value(u"types"_s).toArray();
            QStringList names;
            for (const QJsonValue &t : types)
                names << t.toString();
            s += names.isEmpty() ? u" except"_s : u" except " + names.join(u", "_s);
        }
        if (step.contains(u"finally"_s))
            s += u' ' + withBody(u"finally"_s, field("finally"_L1), depth);
    } else if (op == u"future") {
        s = u"future()"_s;
    } else if (op == u"set_result") {
        s = field("target"_L1).toString() + u".set_result("
            + (step.contains(u"value"_s) ? formatValue(field("value"_L1)) : u"None"_s) + u')';
    } else if (op == u"set_exception") {
        s = field("target"_L1).toString() + u".set_exception(" + formatException(step) + u')';
    } else if (op == u"cancel") {
        s = field("target"_L1).toString() + u".cancel("
            + (step.contains(u"message"_s) ? formatValue(field("message"_L1)) : QString()) + u')';
    } else if (op == u"drop") {
        s = u"drop " + field("target"_L1).toString();
    } else if (op == u"gc") {
        s = u"gc.collect()"_s;
    } else if (op == u"hang") {
        s = u"hang"_s;
    } else if (op == u"repeat") {
        s = withBody(u"repeat " + formatValue(field("times"_L1)), field("body"_L1), depth);
    } else {
        s = op.isEmpty() ? u"?"_s : op;
    }
    const QString as = field("as"_L1).toString();
    return as.isEmpty() ? s : as + u" = " + s;
}

// --- relations ------------------------------------------------------------------------------

// The node a child names (empty for a reference to a task or future held in a variable).
QString childNode(const QJsonValue &child, int *count)
{
    *count = 1;
    if (child.isString()) {
        const QString s = child.toString();
        return s.startsWith(u'$') || s.startsWith(u'@') ? QString() : s;
    }
    const QJsonObject o = child.toObject();
    if (o.contains(u"count"_s))
        *count = int(o.value(u"count"_s).toInteger());
    return o.value(u"node"_s).toString();
}

// The relations of one node as they are found; a node with many children (a fan-out of
// 100,000) finds its (to, op) pairs by hash instead of a scan of the list.
struct RelationSink {
    QList<GraphRelation> &out;
    // op -> to -> place in out, once out is long (keyed by the strings as they are: no key is
    // built per child of a fan-out)
    QHash<QString, QHash<QString, qsizetype>> index;

    void add(const QString &to, const QString &op, int count)
    {
        if (to.isEmpty())
            return;
        if (index.isEmpty() && out.size() < 16) {
            for (GraphRelation &r : out) {
                if (r.to == to && r.op == op) {
                    r.count += count;
                    return;
                }
            }
            out.append({to, op, count});
            return;
        }
        if (index.isEmpty()) {
            for (qsizetype k = 0; k < out.size(); ++k)
                index[out[k].op].insert(out[k].to, k);
        }
        QHash<QString, qsizetype> &byTarget = index[op];
        const auto it = byTarget.constFind(to);
        if (it != byTarget.constEnd()) {
            out[*it].count += count;
            return;
        }
        byTarget.insert(to, out.size());
        out.append({to, op, count});
    }
};

void collectRelations(const QJsonArray &steps, RelationSink &sink)
{
    for (const QJsonValue &value : steps) {
        const QJsonObject step = value.toObject();
        const QString op = step.value("op"_L1).toString();
        int count = 1;
        if (op == u"await" || op == u"wait_for" || op == u"shield") {
            sink.add(childNode(step.value(u"target"_s), &count), op, count);
        } else if (op == u"spawn") {
            sink.add(childNode(step.value(u"node"_s), &count), op, 1);
        } else if (op == u"gather" || op == u"wait" || op == u"as_completed" || op == u"taskgroup") {
            const QJsonArray children = step.value(u"children"_s).toArray();
            for (const QJsonValue &c : children) {
                const QString to = childNode(c, &count);
                sink.add(to, op, count);
            }
        }
        // Nested bodies (most steps have none: nothing made of their absence).
        if (const QJsonValue body = step.value("body"_L1); body.isArray())
            collectRelations(body.toArray(), sink);
        if (const QJsonValue handlers = step.value("except"_L1); handlers.isArray()) {
            const QJsonArray list = handlers.toArray();
            for (const QJsonValue &h : list)
                collectRelations(h.toObject().value("body"_L1).toArray(), sink);
        }
        if (const QJsonValue finally = step.value("finally"_L1); finally.isArray())
            collectRelations(finally.toArray(), sink);
    }
}

// --- painting helpers -----------------------------------------------------------------------

constexpr qreal kRadius = 7;
constexpr qreal kMinWidth = 150;
constexpr qreal kMaxWidth = 340;
constexpr int kMaxLines = 12;

// The three fonts of the editor, made once per application font (the system fixed font is a
// platform look-up: 100,000 boxes ask for them).
struct EditorFonts {
    QFont base; // the application font they were made from
    QFont title;
    QFont line;
    QFont label;
    qreal header = 0; // height of a box's title band
};

const EditorFonts &editorFonts()
{
    static EditorFonts fonts;
    static bool made = false;
    const QFont base;
    if (!made || !(base == fonts.base)) {
        fonts.base = base;
        fonts.title = base;
        fonts.title.setBold(true);
        fonts.line = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        fonts.line.setPointSizeF(std::max(7.0, base.pointSizeF() - 1));
        fonts.label = base;
        fonts.label.setPointSizeF(std::max(6.5, base.pointSizeF() - 1.5));
        fonts.header = QFontMetricsF(fonts.title).height() + 10;
        made = true;
    }
    return fonts;
}

QFont titleFont()
{
    return editorFonts().title;
}

QFont lineFont()
{
    return editorFonts().line;
}

QFont labelFont()
{
    return editorFonts().label;
}

qreal headerHeight()
{
    return editorFonts().header;
}

// Below this scale text is a few pixels high: boxes and edges are drawn without it.
constexpr qreal kTextDetail = 0.35;

// An upper bound of the width of a plain ASCII text (the sum of its characters' advances, plus
// a pixel each for kerning), without laying it out; -1 for other text. Opening a graph of
// 100,000 nodes measures every title and line: most are far narrower than a box, and a bound
// tells so at the cost of a table look-up per character.
struct AsciiWidths {
    qreal width[128] = {};
};

// The advances of the printable ASCII characters in this font (the GUI thread's: it measures).
const AsciiWidths &asciiWidths(const QFont &font)
{
    struct Table {
        QFont font;
        AsciiWidths widths;
    };
    static std::vector<Table> tables; // one per font in use (title, lines)
    auto table = std::find_if(tables.begin(), tables.end(), [&font](const Table &t) { return t.font == font; });
    if (table == tables.end()) {
        if (tables.size() >= 4)
            tables.clear();
        Table t;
        t.font = font;
        const QFontMetricsF fm(font);
        for (char16_t c = 0x20; c < 0x7f; ++c)
            t.widths.width[c] = fm.horizontalAdvance(QChar(c));
        tables.push_back(t);
        table = tables.end() - 1;
    }
    return table->widths;
}

qreal asciiWidthBound(const AsciiWidths &table, const QString &text)
{
    qreal w = 0;
    for (const QChar ch : text) {
        const char16_t c = ch.unicode();
        if (c < 0x20 || c >= 0x7f)
            return -1;
        w += table.width[c] + 1;
    }
    return w;
}

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

bool isLight(const QColor &c)
{
    return 0.299 * c.redF() + 0.587 * c.greenF() + 0.114 * c.blueF() > 0.6;
}

// One-pixel lines of an opaque colour into image (ARGB32 premultiplied), its pixels lit by
// stepping along the longer axis; `toImage` maps the lines to the image's pixels.
void drawHairlines(QImage &image, const QList<QLineF> &lines, const QTransform &toImage, QRgb color)
{
    const int w = image.width();
    const int h = image.height();
    const qsizetype stride = image.bytesPerLine() / 4;
    auto *bits = reinterpret_cast<QRgb *>(image.bits());
    const QRectF box(0, 0, w, h);
    for (const QLineF &line : lines) {
        QPointF a = toImage.map(line.p1());
        QPointF b = toImage.map(line.p2());
        // Liang-Barsky: the part inside the image
        qreal t0 = 0;
        qreal t1 = 1;
        const qreal dx = b.x() - a.x();
        const qreal dy = b.y() - a.y();
        bool inside = true;
        const qreal p[4] = {-dx, dx, -dy, dy};
        const qreal q[4]
            = {a.x() - box.left(), box.right() - 0.001 - a.x(), a.y() - box.top(), box.bottom() - 0.001 - a.y()};
        for (int k = 0; k < 4 && inside; ++k) {
            if (p[k] == 0) {
                inside = q[k] >= 0;
            } else {
                const qreal t = q[k] / p[k];
                if (p[k] < 0)
                    t0 = std::max(t0, t);
                else
                    t1 = std::min(t1, t);
                inside = t0 <= t1;
            }
        }
        if (!inside)
            continue;
        b = a + QPointF(dx * t1, dy * t1);
        a = a + QPointF(dx * t0, dy * t0);
        const int steps = int(std::ceil(std::max(std::abs(b.x() - a.x()), std::abs(b.y() - a.y()))));
        const qreal sx = steps ? (b.x() - a.x()) / steps : 0;
        const qreal sy = steps ? (b.y() - a.y()) / steps : 0;
        qreal x = a.x();
        qreal y = a.y();
        for (int i = 0; i <= steps; ++i, x += sx, y += sy) {
            const int px = std::clamp(int(x), 0, w - 1);
            const int py = std::clamp(int(y), 0, h - 1);
            bits[py * stride + px] = color;
        }
    }
}

QColor edgeColor(const QString &op)
{
    if (op == u"await")
        return QColor(0x45, 0x5a, 0x64);
    if (op == u"spawn")
        return QColor(0x1e, 0x74, 0xc8);
    if (op == u"wait_for" || op == u"shield")
        return QColor(0xd8, 0x5a, 0x1a);
    return QColor(0x00, 0x89, 0x7b); // gather, wait, as_completed, taskgroup
}

} // namespace

QString nodeTitle(const QJsonObject &node)
{
    return node.value("id"_L1).toString() + formatArgs(node.value("params"_L1).toObject());
}

QString stepSummary(const QJsonObject &step)
{
    return summary(step, 0);
}

QStringList nodeLines(const QJsonObject &node)
{
    QStringList lines;
    const QJsonArray steps = node.value("steps"_L1).toArray();
    for (const QJsonValue &s : steps)
        lines << stepSummary(s.toObject());
    return lines;
}

QList<GraphRelation> nodeRelations(const QJsonObject &node)
{
    QList<GraphRelation> out;
    RelationSink sink{out, {}};
    collectRelations(node.value("steps"_L1).toArray(), sink);
    return out;
}

QColor stateColor(const QString &state)
{
    if (state == u"pending")
        return QColor(0x9e, 0x9e, 0x9e);
    if (state == u"running")
        return QColor(0x1e, 0x88, 0xe5);
    if (state == u"waiting")
        return QColor(0xff, 0xb3, 0x00);
    if (state == u"done")
        return QColor(0x43, 0xa0, 0x47);
    if (state == u"failed")
        return QColor(0xe5, 0x39, 0x35);
    if (state == u"cancelled")
        return QColor(0x8e, 0x24, 0xaa);
    if (state == u"destroyed") // collected while pending: it never finished
        return QColor(0x79, 0x55, 0x48);
    return QColor();
}

// --- GraphNodeTextMeasure ----------------------------------------------------------------------

struct GraphNodeTextMeasure::Private {
    AsciiWidths titleWidths;
    AsciiWidths lineWidths;
    qreal titleHeight = 0;
    qreal lineHeight = 0;
    std::optional<QFontMetricsF> titleMetrics; // exact only
    std::optional<QFontMetricsF> lineMetrics;
};

GraphNodeTextMeasure::GraphNodeTextMeasure(bool exact)
    : d(std::make_unique<Private>())
{
    const EditorFonts &fonts = editorFonts();
    d->titleWidths = asciiWidths(fonts.title);
    d->lineWidths = asciiWidths(fonts.line);
    const QFontMetricsF titleMetrics(fonts.title);
    const QFontMetricsF lineMetrics(fonts.line);
    d->titleHeight = titleMetrics.height();
    d->lineHeight = lineMetrics.height();
    if (exact) {
        d->titleMetrics = titleMetrics;
        d->lineMetrics = lineMetrics;
    }
}

GraphNodeTextMeasure::~GraphNodeTextMeasure() = default;

GraphNodeText GraphNodeTextMeasure::layout(const QString &title, const QStringList &lines, bool entry) const
{
    GraphNodeText text;
    // Only what can show is measured: a line longer than this is elided well before its end
    // (a fan-out's "taskgroup [n0, n1, ...]" can be 700,000 characters).
    constexpr qsizetype kMeasured = 400;
    const auto cut = [](const QString &t) { return t.size() > kMeasured ? t.left(kMeasured) : t; };
    bool exact = true; // no metric was needed that this measure lacks
    const auto advance = [&exact](const AsciiWidths &widths, const std::optional<QFontMetricsF> &fm, const QString &t,
                                  qreal enough) -> qreal {
        const qreal bound = asciiWidthBound(widths, t);
        if (bound >= 0 && bound <= enough)
            return bound;
        if (!fm) {
            exact = false;
            return 0;
        }
        return fm->horizontalAdvance(t);
    };
    const qreal extra = 28 + (entry ? 16 : 0);
    qreal width = advance(d->titleWidths, d->titleMetrics, cut(title), kMinWidth - extra) + extra;
    const int shownCount = lines.size() > kMaxLines ? kMaxLines - 1 : int(lines.size());
    QStringList measured;
    measured.reserve(lines.size());
    for (const QString &line : lines) {
        measured << cut(line);
        width = std::max(width, advance(d->lineWidths, d->lineMetrics, measured.last(), kMinWidth - 24) + 24);
    }
    if (!exact)
        return text;
    width = std::clamp(std::ceil(width), kMinWidth, kMaxWidth);

    for (int i = 0; i < shownCount; ++i) {
        // A line whose bound fits is its own elided text.
        const qreal bound = asciiWidthBound(d->lineWidths, measured[i]);
        const bool fits = bound >= 0 && bound <= width - 22 && measured[i].size() == lines[i].size();
        if (fits) {
            text.shown << lines[i];
        } else if (d->lineMetrics) {
            text.shown << d->lineMetrics->elidedText(measured[i], Qt::ElideRight, width - 22);
        } else {
            return GraphNodeText();
        }
    }
    if (lines.size() > kMaxLines)
        text.shown << kEllipsis + u' ' + QString::number(lines.size() - shownCount) + u" more";
    const int rows = std::max<int>(1, int(text.shown.size())); // "(no steps)" takes a row
    const qreal height = std::ceil(d->titleHeight + 10 + 8 + rows * (d->lineHeight + 3) + 6);
    text.size = QSizeF(width, height);
    text.ready = true;
    return text;
}

// --- GraphNodeItem ------------------------------------------------------------------------------

namespace {
quint64 nodeGeometryGeneration = 1; // GUI thread only, as the items
} // namespace

quint64 GraphNodeItem::geometryGeneration()
{
    return nodeGeometryGeneration;
}

GraphNodeItem::GraphNodeItem(const QString &id)
    : GraphNodeItem(id, QString(), QStringList())
{
}

GraphNodeItem::GraphNodeItem(const QString &id, const QString &title, const QStringList &lines)
    : GraphNodeItem(id, title, lines, false, GraphNodeText())
{
}

GraphNodeItem::GraphNodeItem(const QString &id, const QString &title, const QStringList &lines, bool entry,
                             const GraphNodeText &text, const QPointF *pos)
    : m_id(id)
    , m_title(title)
    , m_lines(lines)
    , m_entry(entry)
{
    if (pos)
        setPos(*pos); // before the flags: no position change to tell of yet
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    setZValue(1);
    if (text.ready)
        setText(text);
    else
        relayoutText();
    ++nodeGeometryGeneration;
}

GraphNodeItem::~GraphNodeItem()
{
    ++nodeGeometryGeneration;
    // Edges are owned by the scene (or the view); they must not point at a dead node.
    const QList<GraphEdgeItem *> edges = m_edges;
    for (GraphEdgeItem *e : edges) {
        if (e->m_from == this)
            e->m_from = nullptr;
        if (e->m_to == this)
            e->m_to = nullptr;
    }
}

void GraphNodeItem::setId(const QString &id)
{
    m_id = id;
}

void GraphNodeItem::setContent(const QString &title, const QStringList &lines)
{
    if (title == m_title && lines == m_lines)
        return;
    m_title = title;
    m_lines = lines;
    relayoutText();
}

void GraphNodeItem::setEntry(bool entry)
{
    if (entry == m_entry)
        return;
    m_entry = entry;
    relayoutText();
}

void GraphNodeItem::setState(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    update();
}

void GraphNodeItem::relayoutText()
{
    setText(GraphNodeTextMeasure(true).layout(m_title, m_lines, m_entry));
}

void GraphNodeItem::setText(const GraphNodeText &text)
{
    m_shown = text.shown;
    if (text.size != m_size) {
        prepareGeometryChange();
        m_size = text.size;
        ++nodeGeometryGeneration;
        adjustEdges();
    }
    update();
}

void GraphNodeItem::adjustEdges()
{
    // Ports are shared out along a side by neighbour position, so a move can re-route the
    // neighbours' other edges too. In a fixed order: labels avoid the ones placed before them.
    if (m_edges.isEmpty())
        return;
    QList<GraphEdgeItem *> todo;
    QSet<GraphEdgeItem *> seen;
    auto add = [&todo, &seen](GraphEdgeItem *e) {
        if (!seen.contains(e)) {
            seen.insert(e);
            todo.append(e);
        }
    };
    for (GraphEdgeItem *e : std::as_const(m_edges))
        add(e);
    for (GraphEdgeItem *e : std::as_const(m_edges)) {
        for (GraphNodeItem *n : {e->m_from, e->m_to}) {
            if (n && n != this) {
                for (GraphEdgeItem *other : std::as_const(n->m_edges))
                    add(other);
            }
        }
    }
    GraphEdgeItem::adjustMany(todo);
}

QRectF GraphNodeItem::boundingRect() const
{
    // Room for the selection halo and the drop shadow.
    return QRectF(QPointF(0, 0), m_size).adjusted(-5, -5, 5, 7);
}

QPainterPath GraphNodeItem::shape() const
{
    QPainterPath p;
    p.addRoundedRect(QRectF(QPointF(0, 0), m_size), kRadius, kRadius);
    return p;
}

void GraphNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const QRectF r(QPointF(0, 0), m_size);
    const bool selected = option->state & QStyle::State_Selected;
    const QColor state = stateColor(m_state);
    const qreal header = headerHeight();
    if (QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform()) < kTextDetail) {
        // Far out (thousands of boxes in view): the box and its header band, nothing finer.
        const QColor fill = state.isValid() ? mix(Qt::white, state, 0.10) : QColor(Qt::white);
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setPen(selected ? QPen(QColor(0x29, 0x79, 0xff), 0) : QPen(QColor(0xa7, 0xb4, 0xbd), 0));
        painter->setBrush(fill);
        painter->drawRect(r);
        painter->fillRect(QRectF(0, 0, r.width(), header), state.isValid() ? state : QColor(0x37, 0x47, 0x4f));
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);

    // Soft shadow: two translucent layers are enough at editor zoom levels.
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(0, 0, 0, 18));
    painter->drawRoundedRect(r.translated(0, 4).adjusted(-1, 0, 1, 1), kRadius + 1, kRadius + 1);
    painter->setBrush(QColor(0, 0, 0, 26));
    painter->drawRoundedRect(r.translated(0, 1.5), kRadius, kRadius);

    // Body.
    const QColor body = state.isValid() ? mix(Qt::white, state, 0.10) : QColor(Qt::white);
    QColor border = state.isValid() ? state.darker(115) : QColor(0xa7, 0xb4, 0xbd);
    if (m_hovered && !state.isValid())
        border = QColor(0x60, 0x7d, 0x8b);
    painter->setBrush(body);
    painter->setPen(QPen(border, state.isValid() ? 1.6 : 1.0));
    painter->drawRoundedRect(r, kRadius, kRadius);

    // Header: the box's rounded top, filled with the state colour (slate when no run shows).
    const QColor headerColor = state.isValid() ? state : QColor(0x37, 0x47, 0x4f);
    QPainterPath top;
    top.addRoundedRect(r, kRadius, kRadius);
    QPainterPath band;
    band.addRect(QRectF(0, 0, r.width(), header));
    painter->setPen(Qt::NoPen);
    painter->setBrush(headerColor);
    painter->drawPath(top.intersected(band));

    const QColor headerText = isLight(headerColor) ? QColor(0x21, 0x21, 0x21) : QColor(Qt::white);
    qreal x = 10;
    if (m_entry) {
        // The entry node: a small "play" triangle before its title.
        const qreal cy = header / 2;
        const QPolygonF triangle{QPointF(x, cy - 5), QPointF(x + 9, cy), QPointF(x, cy + 5)};
        painter->setBrush(headerText);
        painter->drawPolygon(triangle);
        x += 16;
    }
    const QFontMetricsF titleMetrics(titleFont());
    painter->setFont(titleFont());
    painter->setPen(headerText);
    const QRectF titleRect(x, 0, r.width() - x - 8, header);
    const QString title = titleMetrics.elidedText(m_title, Qt::ElideRight, titleRect.width());
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, title);

    // The state's name, for readers who do not rely on colour, when it fits.
    if (state.isValid()) {
        QFont small = labelFont();
        small.setItalic(true);
        const QFontMetricsF sm(small);
        const qreal needed = sm.horizontalAdvance(m_state) + 10;
        if (titleMetrics.horizontalAdvance(title) + needed < titleRect.width()) {
            painter->setFont(small);
            painter->drawText(titleRect, Qt::AlignRight | Qt::AlignVCenter, m_state);
        }
    }

    // Steps.
    const QFont lf = lineFont();
    const QFontMetricsF lm(lf);
    painter->setFont(lf);
    qreal y = header + 6;
    const qreal lineHeight = lm.height() + 3;
    if (m_shown.isEmpty()) {
        QFont italic = lf;
        italic.setItalic(true);
        painter->setFont(italic);
        painter->setPen(QColor(0x90, 0x9c, 0xa4));
        painter->drawText(QRectF(11, y, r.width() - 20, lineHeight), Qt::AlignLeft | Qt::AlignVCenter, u"(no steps)"_s);
    }
    for (int i = 0; i < m_shown.size(); ++i) {
        const bool more = m_lines.size() > kMaxLines && i == m_shown.size() - 1;
        painter->setPen(more ? QColor(0x90, 0x9c, 0xa4) : QColor(0x26, 0x32, 0x38));
        painter->drawText(QRectF(11, y, r.width() - 20, lineHeight), Qt::AlignLeft | Qt::AlignVCenter, m_shown[i]);
        y += lineHeight;
    }

    if (selected) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(QColor(0x29, 0x79, 0xff), 2.5));
        painter->drawRoundedRect(r.adjusted(-3, -3, 3, 3), kRadius + 3, kRadius + 3);
    }
}

QVariant GraphNodeItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    if (change == ItemPositionHasChanged) {
        ++nodeGeometryGeneration;
        adjustEdges();
    } else if (change == ItemSelectedHasChanged) {
        setZValue(value.toBool() ? 2 : 1);
        for (GraphEdgeItem *e : std::as_const(m_edges))
            e->repaint();
    }
    return QGraphicsItem::itemChange(change, value);
}

void GraphNodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void GraphNodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

// --- GraphEdgeItem ------------------------------------------------------------------------------

GraphEdgeItem::GraphEdgeItem(GraphNodeItem *from, GraphNodeItem *to, const QString &op, int count)
    : m_from(from)
    , m_to(to)
    , m_op(op)
    , m_count(count)
{
    setAcceptedMouseButtons(Qt::NoButton); // at z 0, as every item starts
    m_from->m_edges.append(this);
    if (m_to != m_from)
        m_to->m_edges.append(this);
}

GraphEdgeItem::~GraphEdgeItem()
{
    if (m_from)
        m_from->m_edges.removeOne(this);
    if (m_to && m_to != m_from)
        m_to->m_edges.removeOne(this);
}

void GraphEdgeItem::setCount(int count)
{
    if (count == m_count)
        return;
    m_count = count;
    adjust(); // the label's width changes
}

QString GraphEdgeItem::label() const
{
    return m_count > 1 ? m_op + u' ' + kTimes + QString::number(m_count) : m_op;
}

GraphEdgeItem::Route GraphEdgeItem::routeOf(const GraphEdgeItem *edge)
{
    if (edge->m_from == edge->m_to)
        return Route::Loop;
    const QRectF a = edge->m_from->sceneBox();
    const QRectF b = edge->m_to->sceneBox();
    if (b.top() >= a.bottom() + 16)
        return Route::Down;
    if (b.bottom() <= a.top() - 16)
        return Route::Up;
    return Route::Side;
}

namespace {

// The place of sibling i of n along the side, as a fraction of its width.
qreal portAt(qsizetype i, qsizetype n)
{
    if (n <= 1)
        return 0.5;
    const qreal spread = std::min<qreal>(0.7, 0.18 * qreal(n - 1));
    return 0.5 - spread / 2 + spread * qreal(i) / qreal(n - 1);
}

} // namespace

// The edges leaving `node` downwards (atSource) or arriving at it from above, in the order of
// their other ends along the side (left to right; ties by id, then op).
QList<const GraphEdgeItem *> GraphEdgeItem::downSiblings(const GraphNodeItem *node, bool atSource)
{
    QList<const GraphEdgeItem *> siblings;
    for (const GraphEdgeItem *e : node->edges()) {
        if ((atSource ? e->m_from : e->m_to) == node && routeOf(e) == Route::Down)
            siblings.append(e);
    }
    if (siblings.size() <= 1)
        return siblings;
    // Sorted on keys taken once (a hub's side has 100,000 edges; most share a column).
    struct Keyed {
        qreal x;
        quint64 prefix; // the id's first four UTF-16 units, most significant first: ids that
                        // differ there are ordered without a string compare
        const QString *id;
        const QString *op;
        const GraphEdgeItem *edge;
    };
    const auto prefixOf = [](const QString &id) {
        quint64 p = 0;
        for (qsizetype k = 0; k < 4; ++k)
            p = (p << 16) | (k < id.size() ? id[k].unicode() : 0);
        return p;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(size_t(siblings.size()));
    for (const GraphEdgeItem *e : std::as_const(siblings)) {
        const GraphNodeItem *other = atSource ? e->m_to : e->m_from;
        keyed.push_back({other->sceneBox().center().x(), prefixOf(other->m_id), &other->m_id, &e->m_op, e});
    }
    std::sort(keyed.begin(), keyed.end(), [](const Keyed &a, const Keyed &b) {
        if (a.x != b.x)
            return a.x < b.x;
        if (a.prefix != b.prefix) // node ids are identifiers: no NUL in them, so 0 pads safely
            return a.prefix < b.prefix;
        if (*a.id != *b.id)
            return *a.id < *b.id;
        return *a.op < *b.op;
    });
    for (qsizetype i = 0; i < siblings.size(); ++i)
        siblings[i] = keyed[size_t(i)].edge;
    return siblings;
}

// Where along the bottom (source) or top (target) side this edge attaches: the edges leaving a
// box downwards share its bottom side in the order of their other ends, so they do not cross
// right at the box.
qreal GraphEdgeItem::portFraction(bool atSource) const
{
    const QList<const GraphEdgeItem *> siblings = downSiblings(atSource ? m_from : m_to, atSource);
    return portAt(siblings.indexOf(this), siblings.size());
}

// Rank of this edge among the edges between the same two nodes in this direction (by op).
int GraphEdgeItem::parallelIndex() const
{
    int index = 0;
    for (const GraphEdgeItem *e : std::as_const(m_from->m_edges)) {
        if (e != this && e->m_from == m_from && e->m_to == m_to && e->m_op < m_op)
            ++index;
    }
    return index;
}

namespace {

struct Segment {
    QPointF a, c1, c2, b; // a cubic; a straight run has c1 == a and c2 == b
};

QPointF cubicAt(const Segment &s, qreal t)
{
    const qreal u = 1 - t;
    return u * u * u * s.a + 3 * u * u * t * s.c1 + 3 * u * t * t * s.c2 + t * t * t * s.b;
}

// A vertical-ish cubic from a down to b, leaving and arriving vertically.
Segment downCurve(QPointF a, QPointF b, qreal minBend)
{
    const qreal dy = std::max(minBend, (b.y() - a.y()) * 0.5);
    return {a, a + QPointF(0, dy), b - QPointF(0, dy), b};
}

// The pill of an edge label; the few labels there are ("gather ×3") measured once each.
QSizeF labelSizeOf(const QString &text)
{
    static QHash<QString, QSizeF> sizes;
    static QFont font;
    const QFont current = labelFont();
    if (!(current == font)) {
        sizes.clear();
        font = current;
    }
    if (const auto it = sizes.constFind(text); it != sizes.constEnd())
        return *it;
    const QFontMetricsF fm(current);
    const QSizeF size(fm.horizontalAdvance(text) + 10, fm.height() + 2);
    if (sizes.size() > 256)
        sizes.clear();
    sizes.insert(text, size);
    return size;
}

// The boxes of the nodes in `area`, other than the edge's own ends.
QList<QRectF> nodeBoxesIn(const QGraphicsScene *scene, const QRectF &area, const GraphNodeItem *a,
                          const GraphNodeItem *b)
{
    QList<QRectF> boxes;
    if (!scene)
        return boxes;
    const QList<QGraphicsItem *> items = scene->items(area, Qt::IntersectsItemBoundingRect, Qt::AscendingOrder);
    for (QGraphicsItem *item : items) {
        const auto *n = qgraphicsitem_cast<const GraphNodeItem *>(item);
        if (n && n != a && n != b)
            boxes.append(n->sceneBox());
    }
    std::sort(boxes.begin(), boxes.end(), [](const QRectF &x, const QRectF &y) {
        return x.top() != y.top() ? x.top() < y.top() : x.left() < y.left();
    });
    return boxes;
}

// A downward edge from p1 to p2 that goes round the boxes its plain curve would cross: for each
// band of obstacles, a vertical run beside them on the side nearer to the straight line.
QList<Segment> routeDown(QPointF p1, QPointF p2, const QList<QRectF> &boxes)
{
    const Segment plain = downCurve(p1, p2, 40);
    QList<QRectF> inflated;
    for (const QRectF &b : boxes)
        inflated.append(b.adjusted(-12, -10, 12, 10));
    // Bands: vertical ranges where the plain curve would cross boxes (overlapping ones merged).
    QList<std::pair<qreal, qreal>> bands;
    for (const QRectF &b : std::as_const(inflated)) {
        for (int i = 1; i < 32; ++i) {
            if (b.contains(cubicAt(plain, i / 32.0))) {
                if (!bands.isEmpty() && bands.last().second > b.top())
                    bands.last().second = std::max(bands.last().second, b.bottom());
                else
                    bands.append({b.top(), b.bottom()});
                break;
            }
        }
    }
    QList<QPointF> points{p1};
    for (const auto &[bandTop, bandBottom] : std::as_const(bands)) {
        const qreal top = std::max(bandTop, p1.y() + 16);
        const qreal bottom = std::min(bandBottom, p2.y() - 16);
        if (top >= bottom || (points.size() > 1 && top <= points.last().y()))
            continue;
        // The free lane (beside some box of the band, inside none) nearest to the straight line.
        const qreal mid = (top + bottom) / 2;
        const qreal lineX = p1.x() + (p2.x() - p1.x()) * (mid - p1.y()) / (p2.y() - p1.y());
        QList<QRectF> inBand;
        for (const QRectF &o : std::as_const(inflated)) {
            if (o.top() < bottom && o.bottom() > top)
                inBand.append(o);
        }
        qreal x = lineX;
        qreal best = -1;
        for (const QRectF &o : std::as_const(inBand)) {
            for (const qreal candidate : {o.left(), o.right()}) {
                const bool free = std::none_of(inBand.cbegin(), inBand.cend(), [candidate](const QRectF &r) {
                    return r.left() < candidate && candidate < r.right();
                });
                const qreal distance = std::abs(candidate - lineX);
                if (free && (best < 0 || distance < best)) {
                    best = distance;
                    x = candidate;
                }
            }
        }
        points << QPointF(x, top) << QPointF(x, bottom);
    }
    points << p2;
    if (points.size() == 2)
        return {plain};
    QList<Segment> route;
    for (int i = 1; i < points.size(); ++i) {
        const QPointF a = points[i - 1];
        const QPointF b = points[i];
        if (i % 2 == 0 && i < points.size() - 1)
            route.append({a, a, b, b}); // the run beside a band
        else
            route.append(downCurve(a, b, 0));
    }
    return route;
}

} // namespace

void GraphEdgeItem::adjust()
{
    if (!m_from || !m_to)
        return;
    const bool down = routeOf(this) == Route::Down;
    reroute(down ? portFraction(true) : 0.5, down ? portFraction(false) : 0.5, parallelIndex(), true);
}

void GraphEdgeItem::reroute(qreal sourcePort, qreal targetPort, int k, bool detailed)
{
    prepareGeometryChange();
    setGeometry(routed(sourcePort, targetPort, k, detailed, labelSizeOf(label()), headerHeight()));
}

void GraphEdgeItem::setGeometry(Geometry geometry)
{
    const QRectF before = m_bounds;
    m_path = std::move(geometry.path);
    m_arrow = std::move(geometry.arrow);
    m_labelRect = geometry.labelRect;
    m_bounds = geometry.bounds;
    if (m_layer)
        m_layer->edgeChanged(before, m_bounds);
    else
        update();
}

GraphEdgeItem::Geometry GraphEdgeItem::routed(qreal sourcePort, qreal targetPort, int k, bool detailed,
                                              QSizeF labelSize, qreal header) const
{
    Geometry g;
    const QRectF a = m_from->sceneBox();
    const QRectF b = m_to->sceneBox();
    const qreal headerMid = header / 2;
    QList<Segment> route;
    qreal labelAt = 0.5;
    bool labelBeside = false;

    switch (routeOf(this)) {
    case Route::Loop: {
        // A loop on the right side, below the header; parallel self-edges nest outside it.
        const QPointF p1(a.right(), a.top() + headerMid + 2);
        const QPointF p2(a.right(), p1.y() + 18 + 6 * k);
        const qreal reach = 55 + 22 * k;
        route.append({p1, p1 + QPointF(reach, -22), p2 + QPointF(reach, 22), p2});
        labelBeside = true;
        break;
    }
    case Route::Down: {
        const QPointF p1(a.left() + a.width() * sourcePort, a.bottom());
        const QPointF p2(b.left() + b.width() * targetPort, b.top());
        if (detailed) {
            const QRectF area = QRectF(QPointF(std::min(p1.x(), p2.x()) - 300, p1.y()),
                                       QPointF(std::max(p1.x(), p2.x()) + 300, p2.y()));
            route = routeDown(p1, p2, nodeBoxesIn(scene(), area, m_from, m_to));
        } else {
            route.append(downCurve(p1, p2, 40));
        }
        // Parallel edges share nothing but the pair: stagger their labels.
        labelAt = 0.5 - 0.12 * (k % 3);
        break;
    }
    case Route::Up: {
        // Back edges go round the right-hand side so they are never mistaken for forward ones.
        const QPointF p1(a.right(), a.top() + headerMid + 12 * k);
        const QPointF p2(b.right(), b.top() + headerMid + 12 * k);
        const qreal bulge = 50 + 0.18 * std::abs(p1.y() - p2.y()) + 16 * k;
        const qreal x = std::max(p1.x(), p2.x()) + bulge;
        route.append({p1, QPointF(x, p1.y()), QPointF(x, p2.y()), p2});
        break;
    }
    case Route::Side: {
        const bool rightwards = b.center().x() >= a.center().x();
        const QPointF p1(rightwards ? a.right() : a.left(), a.top() + headerMid + 12 * k);
        const QPointF p2(rightwards ? b.left() : b.right(), b.top() + headerMid + 12 * k);
        const qreal dx = std::max<qreal>(40, std::abs(p2.x() - p1.x()) * 0.5) * (rightwards ? 1 : -1);
        route.append({p1, p1 + QPointF(dx, 0), p2 - QPointF(dx, 0), p2});
        break;
    }
    }

    // Arrowhead along the curve's final tangent; the line stops inside it.
    Segment &last = route.last();
    const QPointF tip = last.b;
    QPointF dir = tip - last.c2;
    qreal len = std::hypot(dir.x(), dir.y());
    if (len < 1e-6) {
        dir = tip - last.a;
        len = std::max<qreal>(1e-6, std::hypot(dir.x(), dir.y()));
    }
    dir /= len;
    const QPointF normal(-dir.y(), dir.x());
    const qreal arrowLength = 10;
    const QPointF base = tip - dir * arrowLength;
    g.arrow = QPolygonF{tip, base + normal * 4.5, base - normal * 4.5};
    last.b = tip - dir * (arrowLength - 2);
    if (last.c2 == tip)
        last.c2 = last.b;

    g.path = QPainterPath(route.first().a);
    for (const Segment &s : std::as_const(route)) {
        if (s.c1 == s.a && s.c2 == s.b)
            g.path.lineTo(s.b);
        else
            g.path.cubicTo(s.c1, s.c2, s.b);
    }

    auto rectAt = [&labelSize](QPointF centre) {
        return QRectF(centre - QPointF(labelSize.width() / 2, labelSize.height() / 2), labelSize);
    };
    if (labelBeside) {
        const QPointF p1 = route.first().a;
        const qreal right = g.path.boundingRect().right();
        g.labelRect = rectAt(QPointF(right + 4 + labelSize.width() / 2, p1.y() + 9 + 3 * k));
    } else if (!detailed) {
        // At the curve's parameter rather than its length: QPainterPath measures every curve.
        g.labelRect = rectAt(route.size() == 1 ? cubicAt(route.first(), std::clamp(labelAt, 0.06, 0.94))
                                               : g.path.pointAtPercent(std::clamp(labelAt, 0.06, 0.94)));
    } else {
        // Along the curve, the first spot that covers no box and no other label.
        int bestScore = -1;
        for (int step = 0; step < 15; ++step) {
            // 0, -1, +1, -2, +2, ... steps of 6% of the length around the preferred spot
            const qreal offset = 0.06 * ((step + 1) / 2) * (step % 2 ? -1 : 1);
            const qreal t = std::clamp(labelAt + offset, 0.06, 0.94);
            const QRectF rect = rectAt(g.path.pointAtPercent(t));
            int score = 0;
            if (scene()) {
                const QList<QGraphicsItem *> near = scene()->items(rect, Qt::IntersectsItemBoundingRect);
                for (QGraphicsItem *item : near) {
                    if (const auto *n = qgraphicsitem_cast<const GraphNodeItem *>(item)) {
                        if (n->sceneBox().adjusted(-3, -3, 3, 3).intersects(rect))
                            score += 10;
                    } else if (const auto *e = qgraphicsitem_cast<const GraphEdgeItem *>(item)) {
                        if (e != this && e->m_labelRect.adjusted(-2, -1, 2, 1).intersects(rect))
                            score += 3;
                    }
                }
            }
            if (bestScore < 0 || score < bestScore) {
                bestScore = score;
                g.labelRect = rect;
            }
            if (score == 0)
                break;
        }
    }
    g.bounds = g.path.boundingRect().united(g.arrow.boundingRect()).united(g.labelRect).adjusted(-3, -3, 3, 3);
    return g;
}

void GraphEdgeItem::repaint()
{
    if (m_layer)
        m_layer->update(m_bounds);
    else
        update();
}

void GraphEdgeItem::adjustAll(const QList<GraphEdgeItem *> &edges)
{
    for (GraphEdgeItem *e : edges)
        e->m_labelRect = QRectF();
    adjustMany(edges);
}

void GraphEdgeItem::adjustMany(const QList<GraphEdgeItem *> &edges)
{
    // Ports: each side of a node sorted once, its edges told their place ([0] bottom, sources;
    // [1] top, targets). Parallel ranks ([2]): each source's edges grouped by target once.
    static quint64 passes = 0; // the GUI thread's, as the items
    const quint64 pass = ++passes;
    for (GraphEdgeItem *e : edges) {
        if (!e->m_from || !e->m_to)
            continue;
        if (routeOf(e) == Route::Down) {
            for (const bool atSource : {true, false}) {
                GraphNodeItem *node = atSource ? e->m_from : e->m_to;
                quint64 &done = node->m_passDone[atSource ? 0 : 1];
                if (done == pass)
                    continue;
                done = pass;
                if (node->m_edges.size() == 1) { // e alone, in the middle of the side
                    (atSource ? e->m_sourcePort : e->m_targetPort) = portAt(0, 1);
                    continue;
                }
                const QList<const GraphEdgeItem *> siblings = downSiblings(node, atSource);
                for (qsizetype i = 0; i < siblings.size(); ++i) {
                    auto *sibling = const_cast<GraphEdgeItem *>(siblings[i]);
                    (atSource ? sibling->m_sourcePort : sibling->m_targetPort) = portAt(i, siblings.size());
                }
            }
        }
        if (e->m_from->m_passDone[2] != pass) {
            e->m_from->m_passDone[2] = pass;
            // Grouped by target by sorting (a hub has 100,000 targets: no list per target).
            std::vector<GraphEdgeItem *> out;
            out.reserve(size_t(e->m_from->m_edges.size()));
            for (GraphEdgeItem *x : std::as_const(e->m_from->m_edges)) {
                if (x->m_from == e->m_from)
                    out.push_back(x);
            }
            std::sort(out.begin(), out.end(), [](const GraphEdgeItem *x, const GraphEdgeItem *y) {
                return std::less<const GraphNodeItem *>()(x->m_to, y->m_to);
            });
            for (auto group = out.begin(); group != out.end();) {
                const auto end = std::find_if(group, out.end(),
                                              [group](const GraphEdgeItem *y) { return y->m_to != (*group)->m_to; });
                for (auto x = group; x != end; ++x) {
                    (*x)->m_parallel
                        = int(std::count_if(group, end, [x](const GraphEdgeItem *y) { return y->m_op < (*x)->m_op; }));
                }
                group = end;
            }
        }
    }
    const bool detailed = edges.size() <= kDetailedRoutingLimit;
    if (!detailed) {
        reroutePlain(edges);
        return;
    }
    for (GraphEdgeItem *e : edges) {
        if (!e->m_from || !e->m_to)
            continue;
        const bool down = routeOf(e) == Route::Down;
        e->reroute(down ? e->m_sourcePort : 0.5, down ? e->m_targetPort : 0.5, e->m_parallel, detailed);
    }
}

void GraphEdgeItem::reroutePlain(const QList<GraphEdgeItem *> &edges)
{
    // What the threads need of the GUI thread's fonts, taken here: the label sizes (consecutive
    // edges mostly share their label) and the header's height.
    const qsizetype n = edges.size();
    std::vector<QSizeF> labelSizes(static_cast<size_t>(n));
    const GraphEdgeItem *measured = nullptr;
    for (qsizetype i = 0; i < n; ++i) {
        const GraphEdgeItem *e = edges[i];
        if (!measured || e->m_op != measured->m_op || e->m_count != measured->m_count) {
            labelSizes[size_t(i)] = labelSizeOf(e->label());
            measured = e;
        } else {
            labelSizes[size_t(i)] = labelSizes[size_t(i - 1)];
        }
    }
    const qreal header = headerHeight();
    std::vector<Geometry> shapes(static_cast<size_t>(n));
    std::vector<char> done(static_cast<size_t>(n), 0);
    constexpr qsizetype kBlock = 1024;
    constexpr qsizetype kTwoThreadsFrom = 4 * kBlock;
    std::atomic<qsizetype> next{0}; // the first edge no thread has taken
    const auto work = [&] {
        for (;;) {
            const qsizetype from = next.fetch_add(kBlock);
            if (from >= n)
                return;
            for (qsizetype i = from; i < std::min(n, from + kBlock); ++i) {
                const GraphEdgeItem *e = edges[i];
                if (!e->m_from || !e->m_to)
                    continue;
                const bool down = routeOf(e) == Route::Down;
                shapes[size_t(i)] = e->routed(down ? e->m_sourcePort : 0.5, down ? e->m_targetPort : 0.5, e->m_parallel,
                                              false, labelSizes[size_t(i)], header);
                done[size_t(i)] = 1;
            }
        }
    };
    runBeside(n >= kTwoThreadsFrom, work, work);
    for (qsizetype i = 0; i < n; ++i) {
        GraphEdgeItem *e = edges[i];
        if (!e->m_from || !e->m_to)
            continue;
        e->prepareGeometryChange();
        if (done[size_t(i)]) {
            e->setGeometry(std::move(shapes[size_t(i)]));
        } else { // a block the helper could not finish (out of memory there)
            const bool down = routeOf(e) == Route::Down;
            e->setGeometry(e->routed(down ? e->m_sourcePort : 0.5, down ? e->m_targetPort : 0.5, e->m_parallel, false,
                                     labelSizes[size_t(i)], header));
        }
    }
}

QRectF GraphEdgeItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath GraphEdgeItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(8);
    QPainterPath p = stroker.createStroke(m_path);
    p.addRect(m_labelRect);
    return p;
}

void GraphEdgeItem::appendOutline(QList<QLineF> &lines, const QRectF &clip) const
{
    // The curve as a few straight pieces: thousands of edges cross the view far out, and lines
    // are clipped at once where a curve is flattened and stroked whole.
    const auto add = [&lines, &clip](QPointF a, QPointF b) {
        if (std::max(a.x(), b.x()) >= clip.left() && std::min(a.x(), b.x()) <= clip.right()
            && std::max(a.y(), b.y()) >= clip.top() && std::min(a.y(), b.y()) <= clip.bottom())
            lines.append(QLineF(a, b));
    };
    QPointF last;
    for (int k = 0; k < m_path.elementCount(); ++k) {
        const QPainterPath::Element e = m_path.elementAt(k);
        if (e.isCurveTo() && k + 2 < m_path.elementCount()) {
            const QPointF a = k == 0 ? QPointF(e) : last;
            const QPointF c1(e);
            const QPointF c2(m_path.elementAt(k + 1));
            const QPointF b(m_path.elementAt(k + 2));
            for (int i = 1; i <= 8; ++i) {
                const qreal t = i / 8.0;
                const qreal u = 1 - t;
                const QPointF p = u * u * u * a + 3 * u * u * t * c1 + 3 * u * t * t * c2 + t * t * t * b;
                add(last, p);
                last = p;
            }
            k += 2;
        } else {
            if (!e.isMoveTo())
                add(last, QPointF(e));
            last = QPointF(e);
        }
    }
    if (m_arrow.size() == 3) { // its outline: lines again, not a filled polygon
        add(m_arrow[1], m_arrow[0]);
        add(m_arrow[0], m_arrow[2]);
    }
}

bool GraphEdgeItem::mayMeet(const QRectF &rect) const
{
    if (m_labelRect.intersects(rect) || m_arrow.boundingRect().intersects(rect))
        return true;
    const QRectF near = rect.adjusted(-4, -4, 4, 4); // the pen's width and its round caps
    const auto hullMeets = [&near](QPointF a, QPointF b, QPointF c, QPointF d) {
        // A cubic lies in the box of its control points.
        return std::max({a.x(), b.x(), c.x(), d.x()}) >= near.left()
            && std::min({a.x(), b.x(), c.x(), d.x()}) <= near.right()
            && std::max({a.y(), b.y(), c.y(), d.y()}) >= near.top()
            && std::min({a.y(), b.y(), c.y(), d.y()}) <= near.bottom();
    };
    QPointF last;
    for (int k = 0; k < m_path.elementCount(); ++k) {
        const QPainterPath::Element e = m_path.elementAt(k);
        if (e.isCurveTo() && k + 2 < m_path.elementCount()) {
            // Split in eight (de Casteljau), each piece tested by its own, tighter box.
            QPointF p0 = last;
            QPointF p1(e);
            QPointF p2(m_path.elementAt(k + 1));
            const QPointF p3(m_path.elementAt(k + 2));
            QPointF end = p3;
            for (int piece = 8; piece >= 1; --piece) {
                const qreal t = 1.0 / piece; // the next piece of what is left
                const QPointF a = p0 + (p1 - p0) * t;
                const QPointF b = p1 + (p2 - p1) * t;
                const QPointF c = p2 + (end - p2) * t;
                const QPointF ab = a + (b - a) * t;
                const QPointF bc = b + (c - b) * t;
                const QPointF mid = ab + (bc - ab) * t;
                if (hullMeets(p0, a, ab, mid))
                    return true;
                p0 = mid;
                p1 = bc;
                p2 = c;
            }
            last = p3;
            k += 2;
        } else {
            if (!e.isMoveTo() && hullMeets(last, last, QPointF(e), QPointF(e)))
                return true;
            last = QPointF(e);
        }
    }
    return false;
}

void GraphEdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    if (!m_from || !m_to)
        return;
    const bool highlighted = m_from->isSelected() || m_to->isSelected();
    const QColor color = edgeColor(m_op);
    if (QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform()) < kTextDetail) {
        // Far out: a hairline and the arrowhead, no label (it would be a few pixels high). The
        // curve as a few straight pieces: thousands of edges cross the view there, and lines
        // are clipped at once where a curve is flattened and stroked whole.
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setPen(QPen(color, highlighted ? 2 : 0));
        QList<QLineF> lines;
        appendOutline(lines, m_bounds);
        painter->drawLines(lines);
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);

    QPen pen(color, highlighted ? 2.6 : 1.6);
    pen.setCapStyle(Qt::RoundCap);
    if (m_op == u"spawn")
        pen.setDashPattern({5, 3});
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);

    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(m_arrow);

    // The label on a light pill so that it stays readable over lines and grid.
    painter->setPen(QPen(mix(color, Qt::white, 0.55), 1));
    painter->setBrush(QColor(255, 255, 255, 235));
    painter->drawRoundedRect(m_labelRect, m_labelRect.height() / 2, m_labelRect.height() / 2);
    painter->setFont(labelFont());
    painter->setPen(color.darker(120));
    painter->drawText(m_labelRect, Qt::AlignCenter, label());
}

// --- GraphEdgeLayer -----------------------------------------------------------------------------

GraphEdgeLayer::GraphEdgeLayer()
{
    setZValue(0);
    setAcceptedMouseButtons(Qt::NoButton);
    setFlag(ItemUsesExtendedStyleOption); // exposedRect: only the edges it meets are drawn
}

void GraphEdgeLayer::setEdges(const QList<GraphEdgeItem *> &edges)
{
    QRectF bounds;
    for (GraphEdgeItem *e : edges) {
        e->m_layer = this;
        bounds = bounds.united(e->m_bounds);
    }
    m_edges = edges;
    if (bounds != m_bounds) {
        prepareGeometryChange();
        m_bounds = bounds;
    }
    update();
}

void GraphEdgeLayer::edgeChanged(const QRectF &before, const QRectF &after)
{
    if (!m_bounds.contains(after)) {
        prepareGeometryChange();
        m_bounds = m_bounds.united(after);
    }
    update(before.united(after));
}

void GraphEdgeLayer::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const QRectF exposed = option->exposedRect;
    if (QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform()) >= kTextDetail) {
        for (GraphEdgeItem *e : std::as_const(m_edges)) {
            if (e->m_from && e->m_to && e->m_bounds.intersects(exposed) && e->mayMeet(exposed))
                e->paint(painter, option, widget);
        }
        return;
    }
    // Far out: the pieces of every edge of one look in one call, highlighted ones on top.
    struct Batch {
        QColor color;
        bool highlighted;
        QList<QLineF> lines;
    };
    QVarLengthArray<Batch, 8> batches;
    // Nothing selected (as after a load): no edge's ends asked.
    const bool anySelected = !scene() || !scene()->selectedItems().isEmpty();
    const QString *lastOp = nullptr; // consecutive edges mostly share their op: its colour
    QColor color;
    for (GraphEdgeItem *e : std::as_const(m_edges)) {
        if (!e->m_from || !e->m_to || !e->m_bounds.intersects(exposed))
            continue;
        if (!lastOp || e->m_op != *lastOp) {
            color = edgeColor(e->m_op);
            lastOp = &e->m_op;
        }
        const bool highlighted = anySelected && (e->m_from->isSelected() || e->m_to->isSelected());
        auto batch = std::find_if(batches.begin(), batches.end(),
                                  [&](const Batch &b) { return b.highlighted == highlighted && b.color == color; });
        if (batch == batches.end()) {
            batches.append({color, highlighted, {}});
            batch = batches.end() - 1;
        }
        e->appendOutline(batch->lines, exposed);
    }
    // The hairlines by hand into one image of the exposed pixels (tens of thousands of edges
    // crossing the view each paint hundreds of pixels, mostly over each other), then the
    // highlighted ones on top by the painter.
    const QTransform world = painter->worldTransform();
    const qreal ratio = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    const QRect area = world.mapRect(exposed).toAlignedRect().adjusted(-1, -1, 1, 1);
    QImage image;
    if (!area.isEmpty() && area.width() <= 16384 && area.height() <= 16384) {
        image = QImage((QSizeF(area.size()) * ratio).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(ratio);
        image.fill(Qt::transparent);
        const QTransform toImage
            = world * QTransform::fromTranslate(-area.left(), -area.top()) * QTransform::fromScale(ratio, ratio);
        for (const Batch &b : std::as_const(batches)) {
            if (!b.highlighted)
                drawHairlines(image, b.lines, toImage, b.color.rgba());
        }
        painter->save();
        painter->setWorldTransform(QTransform());
        painter->drawImage(area.topLeft(), image);
        painter->restore();
    }
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setBrush(Qt::NoBrush);
    for (const Batch &b : std::as_const(batches)) {
        if (b.highlighted || image.isNull()) {
            painter->setPen(QPen(b.color, b.highlighted ? 2 : 0));
            painter->drawLines(b.lines);
        }
    }
}

} // namespace ascope
