// The editable asyncgraph/1 document (graphdocument.h): the file as JSON, every edit one undo
// command holding the document before and after (QJsonObject is implicitly shared, so a
// snapshot costs a few reference counts), and the canonical text the document saves.
#include "graphdocument.h"

#include "loader.h"

#include <QCborValue>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>
#include <QSet>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVarLengthArray>

#include <algorithm>
#include <charconv>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope {
namespace {

constexpr qsizetype kLineWidth = 100;                     // containers that fit on one line are written on one
constexpr qsizetype kMaxFileBytes = 64 * 1024 * 1024 + 1; // the loader refuses more anyway
constexpr double kPasteOffsetDefault = 30;

// ---------------------------------------------------------------------------------------------
// Canonical text
// ---------------------------------------------------------------------------------------------

// Where an object sits decides the order of its keys (QJsonObject itself sorts them).
enum class Ctx : quint8 {
    Root,
    Node,
    Step,
    Handler,
    Child,
    Plain,
    Clip,
    Auto,
    NodeList,
    StepList,
    HandlerList,
    ChildList,
    AutoList
};

const QStringList &rootKeyOrder()
{
    static const QStringList keys
        = {u"format"_s, u"name"_s, u"description"_s, u"entry"_s, u"futures"_s, u"limits"_s, u"nodes"_s};
    return keys;
}

const QStringList &nodeKeyOrder()
{
    static const QStringList keys = {u"id"_s, u"params"_s, u"steps"_s};
    return keys;
}

// Steps, except handlers and {node, args, count} children share one order: what the step does
// first, its result variable and notes next, nested bodies last.
const QStringList &stepKeyOrder()
{
    static const QStringList keys = {
        u"op"_s,          u"node"_s,    u"target"_s, u"types"_s,   u"children"_s, u"args"_s,   u"count"_s,
        u"seconds"_s,     u"times"_s,   u"type"_s,   u"message"_s, u"value"_s,    u"result"_s, u"return_exceptions"_s,
        u"return_when"_s, u"timeout"_s, u"await"_s,  u"as"_s,      u"note"_s,     u"ui"_s,     u"body"_s,
        u"except"_s,      u"finally"_s};
    return keys;
}

// key -> place in one of the orders above
QHash<QString, int> rankOf(const QStringList &order)
{
    QHash<QString, int> rank;
    for (int i = 0; i < int(order.size()); ++i)
        rank.insert(order[i], i);
    return rank;
}

const QHash<QString, int> &rootKeyRank()
{
    static const QHash<QString, int> rank = rankOf(rootKeyOrder());
    return rank;
}

const QHash<QString, int> &nodeKeyRank()
{
    static const QHash<QString, int> rank = rankOf(nodeKeyOrder());
    return rank;
}

const QHash<QString, int> &stepKeyRank()
{
    static const QHash<QString, int> rank = rankOf(stepKeyOrder());
    return rank;
}

Ctx resolveObject(Ctx ctx, const QJsonObject &o)
{
    if (ctx != Ctx::Auto)
        return ctx;
    if (o.contains(u"op"))
        return Ctx::Step;
    if (o.contains(u"types"))
        return Ctx::Handler;
    if (o.contains(u"id") && o.contains(u"steps"))
        return Ctx::Node;
    if (o.contains(u"node"))
        return Ctx::Child;
    return Ctx::Plain;
}

Ctx memberCtx(Ctx ctx, const QString &key)
{
    switch (ctx) {
    case Ctx::Root:
        return key == u"nodes" ? Ctx::NodeList : Ctx::Plain;
    case Ctx::Clip:
        return key == u"asyncgraph-nodes" ? Ctx::NodeList : Ctx::Plain;
    case Ctx::Node:
        return key == u"steps" ? Ctx::StepList : Ctx::Plain;
    case Ctx::Step:
        if (key == u"body" || key == u"finally")
            return Ctx::StepList;
        if (key == u"except")
            return Ctx::HandlerList;
        if (key == u"children")
            return Ctx::ChildList;
        if (key == u"target")
            return Ctx::Child;
        return Ctx::Plain;
    case Ctx::Handler:
        return key == u"body" ? Ctx::StepList : Ctx::Plain;
    default:
        return Ctx::Plain;
    }
}

Ctx elementCtx(Ctx ctx)
{
    switch (ctx) {
    case Ctx::NodeList:
        return Ctx::Node;
    case Ctx::StepList:
        return Ctx::Step;
    case Ctx::HandlerList:
        return Ctx::Handler;
    case Ctx::ChildList:
        return Ctx::Child;
    case Ctx::AutoList:
    case Ctx::Auto:
        return Ctx::Auto;
    default:
        return Ctx::Plain;
    }
}

QString formatDouble(double d)
{
    if (!std::isfinite(d))
        return u"null"_s; // not JSON; the loader never lets one in
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d); // shortest round-trip form
    QString s = QString::fromLatin1(buf, r.ptr - buf);
    if (!s.contains(u'.') && !s.contains(u'e'))
        s += u".0";
    return s;
}

void writeString(QString &out, const QString &s)
{
    static const char hex[] = "0123456789abcdef";
    const auto escape = [&](char16_t u) {
        out += u"\\u";
        for (int shift = 12; shift >= 0; shift -= 4)
            out += QLatin1Char(hex[(u >> shift) & 0xf]);
    };
    out += u'"';
    qsizetype run = 0; // start of the characters not written yet that need no escape
    const auto flush = [&](qsizetype k) {
        if (k > run)
            out += QStringView(s).sliced(run, k - run);
    };
    for (qsizetype k = 0; k < s.size(); ++k) {
        const QChar c = s[k];
        const char16_t u = c.unicode();
        if (u >= 0x20 && u != '"' && u != '\\' && !c.isSurrogate())
            continue; // part of the run
        flush(k);
        run = k + 1;
        switch (u) {
        case '"':
            out += u"\\\"";
            continue;
        case '\\':
            out += u"\\\\";
            continue;
        case '\b':
            out += u"\\b";
            continue;
        case '\f':
            out += u"\\f";
            continue;
        case '\n':
            out += u"\\n";
            continue;
        case '\r':
            out += u"\\r";
            continue;
        case '\t':
            out += u"\\t";
            continue;
        default:
            break;
        }
        if (u < 0x20) {
            escape(u);
        } else if (c.isHighSurrogate() && k + 1 < s.size() && s[k + 1].isLowSurrogate()) {
            out += c;
            out += s[++k];
            run = k + 1;
        } else if (c.isSurrogate()) {
            escape(u); // a lone surrogate has no UTF-8 form: keep it as the file had it
        } else {
            out += c;
        }
    }
    flush(s.size());
    out += u'"';
}

void writeScalar(QString &out, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        out += v.toBool() ? u"true"_s : u"false"_s;
        return;
    case QJsonValue::Double: {
        // QJsonValue keeps whole numbers as integers (exactly, beyond 2^53 too).
        const QCborValue c = QCborValue::fromJsonValue(v);
        out += c.isInteger() ? QString::number(c.toInteger()) : formatDouble(v.toDouble());
        return;
    }
    case QJsonValue::String:
        writeString(out, v.toString());
        return;
    default:
        out += u"null";
        return;
    }
}

class Writer
{
public:
    explicit Writer(const QStringList &topOrder, qsizetype width = kLineWidth)
        : m_topOrder(topOrder)
        , m_width(width)
    {
    }

    QString write(const QJsonValue &v, Ctx ctx)
    {
        QString out;
        value(out, v, ctx, 0, 0);
        out += u'\n';
        return out;
    }

private:
    QStringList keys(const QJsonObject &o, Ctx ctx) const
    {
        const QHash<QString, int> *known = nullptr;
        switch (ctx) {
        case Ctx::Root:
            known = &rootKeyRank();
            break;
        case Ctx::Node:
            known = &nodeKeyRank();
            break;
        case Ctx::Step:
        case Ctx::Handler:
        case Ctx::Child:
            known = &stepKeyRank();
            break;
        default:
            return o.keys();
        }
        // The known keys in their order, then (at the top) the file's order, then the rest as
        // the object iterates them: one rank per key, one sort (100,000 nodes are written).
        struct Ranked {
            int group;
            qsizetype rank;
            QString key;
        };
        QVarLengthArray<Ranked, 16> ranked;
        qsizetype k = 0;
        for (auto it = o.constBegin(); it != o.constEnd(); ++it, ++k) {
            const QString key = it.key();
            if (const auto r = known->constFind(key); r != known->constEnd()) {
                ranked.append({0, *r, key});
                continue;
            }
            const qsizetype top = ctx == Ctx::Root ? m_topOrder.indexOf(key) : -1;
            if (top >= 0)
                ranked.append({1, top, key});
            else
                ranked.append({2, k, key});
        }
        std::sort(ranked.begin(), ranked.end(), [](const Ranked &a, const Ranked &b) {
            return a.group != b.group ? a.group < b.group : a.rank < b.rank;
        });
        QStringList out;
        out.reserve(ranked.size());
        for (const Ranked &r : ranked)
            out.append(r.key);
        return out;
    }

    // Appends v on one line; false as soon as it is longer than budget.
    bool compact(QString &out, const QJsonValue &v, Ctx ctx, qsizetype budget) const
    {
        if (v.isObject()) {
            const QJsonObject o = v.toObject();
            const Ctx oc = resolveObject(ctx, o);
            out += u'{';
            bool first = true;
            for (const QString &k : keys(o, oc)) {
                if (!first)
                    out += u", ";
                first = false;
                writeString(out, k);
                out += u": ";
                if (out.size() > budget || !compact(out, o.value(k), memberCtx(oc, k), budget))
                    return false;
            }
            out += u'}';
        } else if (v.isArray()) {
            const QJsonArray a = v.toArray();
            out += u'[';
            for (qsizetype k = 0; k < a.size(); ++k) {
                if (k)
                    out += u", ";
                if (out.size() > budget || !compact(out, a.at(k), elementCtx(ctx), budget))
                    return false;
            }
            out += u']';
        } else {
            writeScalar(out, v);
        }
        return out.size() <= budget;
    }

    void value(QString &out, const QJsonValue &v, Ctx ctx, int indent, qsizetype column)
    {
        if (!v.isObject() && !v.isArray()) {
            writeScalar(out, v);
            return;
        }
        const bool empty = v.isObject() ? v.toObject().isEmpty() : v.toArray().isEmpty();
        if (empty) {
            out += v.isObject() ? u"{}"_s : u"[]"_s;
            return;
        }
        // The top and the list of nodes always take several lines; the rest when too long.
        if (ctx != Ctx::Root && ctx != Ctx::NodeList && ctx != Ctx::Clip) {
            QString line;
            if (compact(line, v, ctx, m_width - column - 1)) {
                out += line;
                return;
            }
        }
        const QString pad(indent + 2, u' ');
        if (v.isObject()) {
            const QJsonObject o = v.toObject();
            const Ctx oc = resolveObject(ctx, o);
            const QStringList ks = keys(o, oc);
            out += u'{';
            for (qsizetype k = 0; k < ks.size(); ++k) {
                out += u'\n' + pad;
                const qsizetype lineStart = out.size() - pad.size();
                writeString(out, ks[k]);
                out += u": ";
                value(out, o.value(ks[k]), memberCtx(oc, ks[k]), indent + 2, out.size() - lineStart);
                if (k + 1 < ks.size())
                    out += u',';
            }
        } else {
            const QJsonArray a = v.toArray();
            out += u'[';
            for (qsizetype k = 0; k < a.size(); ++k) {
                out += u'\n' + pad;
                value(out, a.at(k), elementCtx(ctx), indent + 2, pad.size());
                if (k + 1 < a.size())
                    out += u',';
            }
        }
        out += u'\n' + QString(indent, u' ') + (v.isObject() ? u'}' : u']');
    }

    const QStringList &m_topOrder;
    qsizetype m_width;
};

// ---------------------------------------------------------------------------------------------
// Document helpers
// ---------------------------------------------------------------------------------------------

QJsonArray nodesOf(const QJsonObject &root)
{
    return root.value(u"nodes").toArray();
}

qsizetype nodeIndex(const QJsonArray &nodes, const QString &id)
{
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        if (nodes.at(i).toObject().value(u"id").toString() == id)
            return i;
    }
    return -1;
}

QJsonObject withNodes(QJsonObject root, const QJsonArray &nodes)
{
    root.insert(u"nodes"_s, nodes);
    return root;
}

QJsonValue round1(double v)
{
    double r = std::round(v * 10) / 10;
    if (!std::isfinite(r))
        r = 0;
    return QJsonValue(r + 0.0); // + 0.0: no "-0.0" in files
}

QJsonObject withPosition(const QJsonObject &node, QPointF pos)
{
    QJsonObject ui = node.value(u"ui").toObject();
    ui.insert(u"x"_s, round1(pos.x()));
    ui.insert(u"y"_s, round1(pos.y()));
    QJsonObject out = node;
    out.insert(u"ui"_s, ui);
    return out;
}

bool hasPosition(const QJsonObject &node)
{
    const QJsonObject ui = node.value(u"ui").toObject();
    return ui.value(u"x").isDouble() && ui.value(u"y").isDouble();
}

QPointF positionOf(const QJsonObject &node)
{
    const QJsonObject ui = node.value(u"ui").toObject();
    return {ui.value(u"x").toDouble(), ui.value(u"y").toDouble()};
}

QString quoted(const QString &s)
{
    return u'\'' + s + u'\'';
}

// Node ids in references: await/wait_for/shield "target", spawn "node", "children" entries (ids
// or {node, ...}), in every nested body, handler and finally. One pass, so a map may swap names.
QJsonValue remapChild(const QJsonValue &v, const QHash<QString, QString> &map, bool *changed)
{
    if (v.isString()) {
        const auto it = map.constFind(v.toString());
        if (it != map.constEnd()) {
            *changed = true;
            return *it;
        }
        return v;
    }
    if (v.isObject()) {
        QJsonObject o = v.toObject();
        const auto it = map.constFind(o.value(u"node").toString());
        if (o.value(u"node").isString() && it != map.constEnd()) {
            o.insert(u"node"_s, *it);
            *changed = true;
        }
        return o;
    }
    return v;
}

QJsonArray remapSteps(const QJsonArray &steps, const QHash<QString, QString> &map, bool *changed);

QJsonObject remapStep(QJsonObject st, const QHash<QString, QString> &map, bool *changed)
{
    for (const QString &key : {u"target"_s, u"node"_s}) {
        if (st.contains(key))
            st.insert(key, remapChild(st.value(key), map, changed));
    }
    if (st.value(u"children").isArray()) {
        QJsonArray children = st.value(u"children").toArray();
        for (qsizetype k = 0; k < children.size(); ++k)
            children.replace(k, remapChild(children.at(k), map, changed));
        st.insert(u"children"_s, children);
    }
    for (const QString &key : {u"body"_s, u"finally"_s}) {
        if (st.value(key).isArray())
            st.insert(key, remapSteps(st.value(key).toArray(), map, changed));
    }
    if (st.value(u"except").isArray()) {
        QJsonArray handlers = st.value(u"except").toArray();
        for (qsizetype k = 0; k < handlers.size(); ++k) {
            QJsonObject h = handlers.at(k).toObject();
            if (h.value(u"body").isArray()) {
                h.insert(u"body"_s, remapSteps(h.value(u"body").toArray(), map, changed));
                handlers.replace(k, h);
            }
        }
        st.insert(u"except"_s, handlers);
    }
    return st;
}

QJsonArray remapSteps(const QJsonArray &steps, const QHash<QString, QString> &map, bool *changed)
{
    bool any = false;
    QJsonArray out;
    for (const QJsonValue &s : steps)
        out.append(s.isObject() ? QJsonValue(remapStep(s.toObject(), map, &any)) : s);
    if (!any)
        return steps; // untouched: keep sharing the original
    *changed = true;
    return out;
}

// Injection targets name tasks after their node ("fetch", "fetch#2").
QJsonValue remapInjections(const QJsonValue &injections, const QString &oldId, const QString &newId)
{
    if (!injections.isArray())
        return injections;
    QJsonArray list = injections.toArray();
    for (qsizetype k = 0; k < list.size(); ++k) {
        QJsonObject in = list.at(k).toObject();
        const QString target = in.value(u"target").toString();
        if (target == oldId || target.startsWith(oldId + u'#')) {
            in.insert(u"target"_s, QString(newId + target.mid(oldId.size())));
            list.replace(k, in);
        }
    }
    return list;
}

QString uniqueId(const QString &prefix, const QSet<QString> &taken)
{
    QString base = GraphDocument::isIdentifier(prefix) ? prefix : u"node"_s;
    if (!taken.contains(base))
        return base;
    // "fetch_2" duplicates as "fetch_3", not "fetch_2_2"
    qsizetype cut = base.size();
    while (cut > 0 && base[cut - 1].isDigit())
        --cut;
    if (cut > 1 && cut < base.size() && base[cut - 1] == u'_')
        base.truncate(cut - 1);
    for (int n = 2;; ++n) {
        const QString id = base + u'_' + QString::number(n);
        if (!taken.contains(id))
            return id;
    }
}

QString invalidIdMessage(const QString &id)
{
    return GraphDocument::tr("'%1' is not a valid node id: use letters, digits and _, not starting with a digit")
        .arg(id);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Undo commands
// ---------------------------------------------------------------------------------------------

// One edit: the document before and after, and what to tell the views. Undo and redo restore
// a snapshot, so they are exact by construction.
class GraphEditCommand : public QUndoCommand
{
public:
    enum class Change : quint8 { Added, Removed, Renamed, Changed, Moved };
    struct Note {
        Change change;
        QString id;
        QString other; // Renamed: the new id
    };

    GraphEditCommand(GraphDocument *doc, const QString &text, QJsonObject before, QJsonObject after, QList<Note> notes)
        : QUndoCommand(text)
        , m_doc(doc)
        , m_before(std::move(before))
        , m_after(std::move(after))
        , m_notes(std::move(notes))
    {
    }

    void redo() override { apply(m_after, false); }
    void undo() override { apply(m_before, true); }

protected:
    void apply(const QJsonObject &root, bool undoing);

    GraphDocument *m_doc;
    QJsonObject m_before;
    QJsonObject m_after;
    QList<Note> m_notes;
};

namespace {

// setNodePosition: consecutive moves of one node are one step in the undo history.
class MoveNodeCommand : public GraphEditCommand
{
public:
    MoveNodeCommand(GraphDocument *doc, const QString &id, QJsonObject before, QJsonObject after)
        : GraphEditCommand(doc, GraphDocument::tr("Move node %1").arg(id), std::move(before), std::move(after),
                           {{Change::Moved, id, {}}})
        , m_id(id)
    {
    }

    int id() const override { return 0x6d6f7665; } // "move"

    bool mergeWith(const QUndoCommand *other) override
    {
        const auto *move = static_cast<const MoveNodeCommand *>(other);
        if (move->m_id != m_id)
            return false;
        m_after = move->m_after;
        return true;
    }

private:
    QString m_id;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// GraphDocument
// ---------------------------------------------------------------------------------------------

struct GraphDocument::Private {
    GraphDocument *q = nullptr;
    QJsonObject root;
    QStringList topOrder; // top-level keys in the order the file had them
    QString filePath;
    QString name; // display name when there is no file path
    QUndoStack *undo = nullptr;
    bool modified = false;
    mutable bool validated = false;
    mutable QString validation;
    // node id -> index in root's nodes (the first node of that id), built on first use: the
    // editor looks nodes up by id once per node and per edge, which must not scan the list.
    mutable QHash<QString, qsizetype> ids;
    mutable bool idsValid = false;

    QByteArray text(const QJsonObject &r) const { return Writer(topOrder).write(r, Ctx::Root).toUtf8(); }

    void updateModified()
    {
        const bool m = !undo->isClean();
        if (m != modified) {
            modified = m;
            Q_EMIT q->modifiedChanged(m);
        }
    }

    void setRoot(const QJsonObject &r)
    {
        root = r;
        validated = false;
        idsValid = false;
        ids.clear();
    }

    qsizetype indexOf(const QString &id) const
    {
        if (!idsValid) {
            const QJsonArray nodes = nodesOf(root);
            ids.reserve(nodes.size());
            for (qsizetype i = 0; i < nodes.size(); ++i) {
                const QString key = nodes.at(i).toObject().value(u"id").toString();
                if (!ids.contains(key))
                    ids.insert(key, i);
            }
            idsValid = true;
        }
        return ids.value(id, -1);
    }

    // justValidated: r was validated as it was read; the views' first validationError() need not
    // serialize and load the whole document again (a pause of a second at 100,000 nodes).
    void reset(const QJsonObject &r, const QStringList &order, const QString &path, const QString &display,
               bool justValidated = false)
    {
        setRoot(r);
        if (justValidated) {
            validation.clear();
            validated = true;
        }
        topOrder = order;
        undo->clear();
        const bool pathChanged = path != filePath;
        filePath = path;
        name = display;
        Q_EMIT q->documentReset();
        if (pathChanged)
            Q_EMIT q->filePathChanged(filePath);
        Q_EMIT q->graphChanged();
        updateModified();
    }

    void push(const QString &text, const QJsonObject &after, QList<GraphEditCommand::Note> notes)
    {
        undo->push(new GraphEditCommand(q, text, root, after, std::move(notes)));
    }

    bool fromBytes(const QByteArray &json, const QString &where, const QString &path, const QString &display,
                   QString *error)
    {
        // Validated only: the runnable model is compiled when the graph runs.
        const SourceResult r = loadGraphSource(json);
        if (!r.error.isEmpty()) {
            if (error)
                *error = where + u": " + r.error;
            return false;
        }
        reset(r.source, r.keys, path, display, true);
        return true;
    }

    // A node edit: replace node i with n (one undo command).
    void pushNode(qsizetype i, const QJsonObject &n, const QString &text, GraphEditCommand::Change change)
    {
        QJsonArray nodes = nodesOf(root);
        const QString id = n.value(u"id").toString();
        nodes.replace(i, n);
        push(text, withNodes(root, nodes), {{change, id, {}}});
    }

    QJsonArray stepsOf(qsizetype i) const { return nodesOf(root).at(i).toObject().value(u"steps").toArray(); }

    void pushSteps(qsizetype i, const QJsonArray &steps, const QString &text)
    {
        QJsonObject n = nodesOf(root).at(i).toObject();
        n.insert(u"steps"_s, steps);
        pushNode(i, n, text, GraphEditCommand::Change::Changed);
    }
};

void GraphEditCommand::apply(const QJsonObject &root, bool undoing)
{
    GraphDocument::Private *d = m_doc->d.get();
    d->setRoot(root);
    // Structure first (views learn of added/renamed nodes), then the contents of nodes.
    const qsizetype n = m_notes.size();
    for (qsizetype k = 0; k < n; ++k) {
        const Note &note = m_notes[undoing ? n - 1 - k : k];
        switch (note.change) {
        case Change::Added:
            if (undoing)
                Q_EMIT m_doc->nodeRemoved(note.id);
            else
                Q_EMIT m_doc->nodeAdded(note.id);
            break;
        case Change::Removed:
            if (undoing)
                Q_EMIT m_doc->nodeAdded(note.id);
            else
                Q_EMIT m_doc->nodeRemoved(note.id);
            break;
        case Change::Renamed:
            if (undoing)
                Q_EMIT m_doc->nodeRenamed(note.other, note.id);
            else
                Q_EMIT m_doc->nodeRenamed(note.id, note.other);
            break;
        default:
            break;
        }
    }
    for (const Note &note : std::as_const(m_notes)) {
        if (note.change == Change::Changed)
            Q_EMIT m_doc->nodeChanged(note.id);
        else if (note.change == Change::Moved)
            Q_EMIT m_doc->nodeMoved(note.id);
    }
    Q_EMIT m_doc->graphChanged();
}

GraphDocument::GraphDocument(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->undo = new QUndoStack(this);
    connect(d->undo, &QUndoStack::cleanChanged, this, [this] { d->updateModified(); });
    newDocument();
}

GraphDocument::~GraphDocument()
{
    // The stack (a QObject child) would go after ~Private, and its clear() reports to us.
    d->undo->disconnect(this);
    delete d->undo;
    d->undo = nullptr;
}

void GraphDocument::newDocument()
{
    const QJsonObject main{
        {u"id"_s, u"main"_s},
        {u"steps"_s, QJsonArray{QJsonObject{{u"op"_s, u"return"_s}}}},
        {u"ui"_s, QJsonObject{{u"x"_s, 0}, {u"y"_s, 0}}},
    };
    const QJsonObject root{
        {u"format"_s, u"asyncgraph/1"_s},
        {u"name"_s, u"untitled"_s},
        {u"entry"_s, u"main"_s},
        {u"nodes"_s, QJsonArray{main}},
    };
    d->reset(root, {}, QString(), QString());
}

bool GraphDocument::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = path + u": cannot read: " + file.errorString();
        return false;
    }
    // Bounded, without reserving the bound up front (QIODevice::read(n) allocates n bytes).
    QByteArray data;
    if (!file.isSequential() && file.size() < kMaxFileBytes) {
        data = file.readAll();
    } else {
        while (data.size() < kMaxFileBytes) {
            const QByteArray chunk = file.read(std::min<qint64>(1 << 20, kMaxFileBytes - data.size()));
            if (chunk.isEmpty())
                break;
            data += chunk;
        }
    }
    if (file.error() != QFileDevice::NoError) {
        if (error)
            *error = path + u": cannot read: " + file.errorString();
        return false;
    }
    return d->fromBytes(data, path, path, QFileInfo(path).fileName(), error);
}

bool GraphDocument::loadJson(const QByteArray &json, const QString &displayName, QString *error)
{
    return d->fromBytes(json, displayName, QString(), displayName, error);
}

bool GraphDocument::loadRecovered(const QByteArray &json, const QString &originalPath, const QString &where,
                                  QString *error)
{
    if (!d->fromBytes(json, where, originalPath, QFileInfo(originalPath).fileName(), error))
        return false;
    d->undo->resetClean(); // no state of the undo stack matches a file on disk
    return true;
}

QByteArray GraphDocument::toJson() const
{
    return d->text(d->root);
}

bool GraphDocument::save(const QString &path, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error)
            *error = path + u": cannot save: " + why;
        return false;
    };
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    const QByteArray text = toJson();
    if (file.write(text) != text.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(why);
    }
    if (!file.commit())
        return fail(file.errorString());
    d->undo->setClean();
    const bool pathChanged = path != d->filePath;
    d->filePath = path;
    d->name = QFileInfo(path).fileName();
    if (pathChanged)
        Q_EMIT filePathChanged(path);
    d->updateModified();
    return true;
}

QString GraphDocument::filePath() const
{
    return d->filePath;
}

QString GraphDocument::displayName() const
{
    return d->name.isEmpty() ? u"untitled"_s : d->name;
}

bool GraphDocument::isModified() const
{
    return !d->undo->isClean();
}

QUndoStack *GraphDocument::undoStack() const
{
    return d->undo;
}

QJsonObject GraphDocument::root() const
{
    return d->root;
}

QString GraphDocument::graphName() const
{
    return d->root.value(u"name").toString();
}

int GraphDocument::nodeCount() const
{
    return int(nodesOf(d->root).size());
}

QStringList GraphDocument::nodeIds() const
{
    QStringList ids;
    for (const QJsonValue &n : nodesOf(d->root))
        ids.append(n.toObject().value(u"id").toString());
    return ids;
}

int GraphDocument::indexOf(const QString &id) const
{
    return int(d->indexOf(id));
}

QJsonObject GraphDocument::node(const QString &id) const
{
    const qsizetype i = d->indexOf(id);
    return i < 0 ? QJsonObject() : nodesOf(d->root).at(i).toObject();
}

QPointF GraphDocument::nodePosition(const QString &id) const
{
    return positionOf(node(id));
}

bool GraphDocument::hasPositions() const
{
    const QJsonArray nodes = nodesOf(d->root);
    return !nodes.isEmpty()
        && std::all_of(nodes.begin(), nodes.end(), [](const QJsonValue &n) { return hasPosition(n.toObject()); });
}

QString GraphDocument::validationError() const
{
    if (!d->validated) {
        d->validation = loadGraph(toJson()).error;
        d->validated = true;
    }
    return d->validation;
}

std::shared_ptr<const Graph> GraphDocument::compile(QString *error) const
{
    LoadResult r = loadGraph(toJson());
    if (!r.graph && error)
        *error = r.error;
    return r.graph;
}

QString GraphDocument::uniqueNodeId(const QString &prefix) const
{
    const QStringList ids = nodeIds();
    return uniqueId(prefix, QSet<QString>(ids.begin(), ids.end()));
}

QString GraphDocument::validationErrorOf(const QJsonObject &candidateRoot) const
{
    return loadGraph(d->text(candidateRoot)).error;
}

// --- edits -------------------------------------------------------------------------------------

bool GraphDocument::addNode(const QString &id, QPointF pos, QString *error)
{
    if (!isIdentifier(id)) {
        if (error)
            *error = invalidIdMessage(id);
        return false;
    }
    if (indexOf(id) >= 0) {
        if (error)
            *error = tr("there is already a node %1").arg(quoted(id));
        return false;
    }
    QJsonObject n{{u"id"_s, id}, {u"steps"_s, QJsonArray{QJsonObject{{u"op"_s, u"return"_s}}}}};
    QJsonArray nodes = nodesOf(d->root);
    nodes.append(withPosition(n, pos));
    d->push(tr("Add node %1").arg(id), withNodes(d->root, nodes), {{GraphEditCommand::Change::Added, id, {}}});
    return true;
}

bool GraphDocument::removeNode(const QString &id)
{
    QJsonArray nodes = nodesOf(d->root);
    const qsizetype i = nodeIndex(nodes, id);
    if (i < 0)
        return false;
    nodes.removeAt(i);
    d->push(tr("Delete node %1").arg(id), withNodes(d->root, nodes), {{GraphEditCommand::Change::Removed, id, {}}});
    return true;
}

bool GraphDocument::renameNode(const QString &oldId, const QString &newId, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QJsonArray nodes = nodesOf(d->root);
    const qsizetype i = nodeIndex(nodes, oldId);
    if (i < 0)
        return fail(tr("there is no node %1").arg(quoted(oldId)));
    if (newId == oldId)
        return true;
    if (!isIdentifier(newId))
        return fail(invalidIdMessage(newId));
    if (nodeIndex(nodes, newId) >= 0)
        return fail(tr("there is already a node %1").arg(quoted(newId)));

    const QHash<QString, QString> map{{oldId, newId}};
    QList<GraphEditCommand::Note> notes{{GraphEditCommand::Change::Renamed, oldId, newId}};
    for (qsizetype k = 0; k < nodes.size(); ++k) {
        QJsonObject n = nodes.at(k).toObject();
        bool changed = false;
        const QJsonArray steps = remapSteps(n.value(u"steps").toArray(), map, &changed);
        if (changed)
            n.insert(u"steps"_s, steps);
        if (k == i)
            n.insert(u"id"_s, newId);
        else if (changed)
            notes.append({GraphEditCommand::Change::Changed, n.value(u"id").toString(), {}});
        if (changed || k == i)
            nodes.replace(k, n);
    }
    QJsonObject root = withNodes(d->root, nodes);
    if (root.value(u"entry").toString() == oldId || (!root.contains(u"entry") && oldId == u"main"))
        root.insert(u"entry"_s, newId); // an absent entry means "main": keep pointing at it
    if (root.contains(u"injections"))
        root.insert(u"injections"_s, remapInjections(root.value(u"injections"), oldId, newId));
    d->push(tr("Rename node %1 to %2").arg(oldId, newId), root, notes);
    return true;
}

QString GraphDocument::duplicateNode(const QString &id)
{
    QJsonArray nodes = nodesOf(d->root);
    const qsizetype i = nodeIndex(nodes, id);
    if (i < 0)
        return {};
    const QString newId = uniqueNodeId(id);
    QJsonObject n = nodes.at(i).toObject();
    n.insert(u"id"_s, newId);
    if (hasPosition(n))
        n = withPosition(n, positionOf(n) + QPointF(kPasteOffsetDefault, kPasteOffsetDefault));
    nodes.insert(i + 1, n);
    d->push(tr("Duplicate node %1").arg(id), withNodes(d->root, nodes), {{GraphEditCommand::Change::Added, newId, {}}});
    return newId;
}

void GraphDocument::setNodePosition(const QString &id, QPointF pos)
{
    QJsonArray nodes = nodesOf(d->root);
    const qsizetype i = d->indexOf(id);
    if (i < 0)
        return;
    const QJsonObject before = nodes.at(i).toObject();
    const QJsonObject after = withPosition(before, pos);
    if (after == before)
        return;
    nodes.replace(i, after);
    d->undo->push(new MoveNodeCommand(this, id, d->root, withNodes(d->root, nodes)));
}

void GraphDocument::setNodePositions(const QHash<QString, QPointF> &positions, const QString &text)
{
    QJsonArray nodes = nodesOf(d->root);
    QList<GraphEditCommand::Note> notes;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QJsonObject before = nodes.at(i).toObject();
        const QString id = before.value(u"id").toString();
        const auto it = positions.constFind(id);
        if (it == positions.constEnd())
            continue;
        const QJsonObject after = withPosition(before, *it);
        if (after != before) {
            nodes.replace(i, after);
            notes.append({GraphEditCommand::Change::Moved, id, {}});
        }
    }
    if (notes.isEmpty())
        return;
    d->push(text.isEmpty() ? tr("Move nodes") : text, withNodes(d->root, nodes), notes);
}

bool GraphDocument::insertStep(const QString &nodeId, int index, const QJsonObject &step)
{
    const int i = indexOf(nodeId);
    if (i < 0)
        return false;
    QJsonArray steps = d->stepsOf(i);
    if (index == -1)
        index = int(steps.size());
    if (index < 0 || index > steps.size())
        return false;
    steps.insert(index, step);
    d->pushSteps(i, steps, tr("Add step to %1").arg(nodeId));
    return true;
}

bool GraphDocument::removeStep(const QString &nodeId, int index)
{
    const int i = indexOf(nodeId);
    if (i < 0)
        return false;
    QJsonArray steps = d->stepsOf(i);
    if (index < 0 || index >= steps.size())
        return false;
    steps.removeAt(index);
    d->pushSteps(i, steps, tr("Delete step of %1").arg(nodeId));
    return true;
}

bool GraphDocument::moveStep(const QString &nodeId, int from, int to)
{
    const int i = indexOf(nodeId);
    if (i < 0)
        return false;
    QJsonArray steps = d->stepsOf(i);
    if (from < 0 || from >= steps.size() || to < 0 || to >= steps.size())
        return false;
    if (from == to)
        return true;
    const QJsonValue step = steps.takeAt(from);
    steps.insert(to, step);
    d->pushSteps(i, steps, tr("Move step of %1").arg(nodeId));
    return true;
}

bool GraphDocument::replaceStep(const QString &nodeId, int index, const QJsonObject &step)
{
    const int i = indexOf(nodeId);
    if (i < 0)
        return false;
    QJsonArray steps = d->stepsOf(i);
    if (index < 0 || index >= steps.size())
        return false;
    if (steps.at(index) == step)
        return true;
    steps.replace(index, step);
    d->pushSteps(i, steps, tr("Edit step of %1").arg(nodeId));
    return true;
}

bool GraphDocument::setNodeParams(const QString &nodeId, const QJsonObject &params)
{
    const int i = indexOf(nodeId);
    if (i < 0)
        return false;
    const QJsonObject before = nodesOf(d->root).at(i).toObject();
    QJsonObject after = before;
    if (params.isEmpty())
        after.remove(u"params"_s);
    else
        after.insert(u"params"_s, params);
    if (after != before)
        d->pushNode(i, after, tr("Edit parameters of %1").arg(nodeId), GraphEditCommand::Change::Changed);
    return true;
}

bool GraphDocument::setGraphField(const QString &key, const QJsonValue &value)
{
    if (key.isEmpty() || key == u"nodes" || key == u"format")
        return false; // nodes change through the node edits; the format is fixed
    QJsonObject root = d->root;
    if (value.isUndefined())
        root.remove(key);
    else
        root.insert(key, value);
    if (root != d->root)
        d->push(tr("Change %1").arg(key), root, {});
    return true;
}

QByteArray GraphDocument::copyNodes(const QStringList &ids) const
{
    QJsonArray list;
    for (const QJsonValue &n : nodesOf(d->root)) {
        if (ids.contains(n.toObject().value(u"id").toString()))
            list.append(n);
    }
    const QJsonObject clip{{u"asyncgraph-nodes"_s, list}};
    return Writer(d->topOrder).write(clip, Ctx::Clip).toUtf8();
}

QStringList GraphDocument::pasteNodes(const QByteArray &data, QPointF offset)
{
    QString error;
    const QJsonValue v = parseJson(data, &error);
    QJsonArray list;
    if (v.toObject().value(u"asyncgraph-nodes").isArray())
        list = v.toObject().value(u"asyncgraph-nodes").toArray();
    else if (v.toObject().value(u"nodes").isArray()) // a whole graph file
        list = v.toObject().value(u"nodes").toArray();
    else if (v.toObject().contains(u"id"))
        list.append(v);

    QList<QJsonObject> pasted;
    for (const QJsonValue &n : std::as_const(list)) {
        if (n.isObject() && isIdentifier(n.toObject().value(u"id").toString()))
            pasted.append(n.toObject());
    }
    if (pasted.isEmpty())
        return {};

    const QStringList ids = nodeIds();
    QSet<QString> taken(ids.begin(), ids.end());
    QHash<QString, QString> map;
    QStringList added;
    for (const QJsonObject &n : std::as_const(pasted)) {
        const QString id = n.value(u"id").toString();
        const QString newId = uniqueId(id, taken);
        taken.insert(newId);
        added.append(newId);
        if (newId != id && !map.contains(id))
            map.insert(id, newId);
    }

    QJsonArray nodes = nodesOf(d->root);
    QList<GraphEditCommand::Note> notes;
    for (qsizetype k = 0; k < pasted.size(); ++k) {
        QJsonObject n = pasted[k];
        bool changed = false;
        const QJsonArray steps = remapSteps(n.value(u"steps").toArray(), map, &changed);
        if (changed)
            n.insert(u"steps"_s, steps);
        n.insert(u"id"_s, added[k]);
        if (hasPosition(n))
            n = withPosition(n, positionOf(n) + offset);
        nodes.append(n);
        notes.append({GraphEditCommand::Change::Added, added[k], {}});
    }
    d->push(tr("Paste %n node(s)", nullptr, int(added.size())), withNodes(d->root, nodes), notes);
    return added;
}

// --- helpers for editors -------------------------------------------------------------------------

bool GraphDocument::isIdentifier(const QString &text)
{
    if (text.isEmpty())
        return false;
    for (qsizetype k = 0; k < text.size(); ++k) {
        const char16_t ch = text[k].unicode();
        const bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
        if (!alpha && !(k > 0 && ch >= '0' && ch <= '9'))
            return false;
    }
    return true;
}

QByteArray GraphDocument::formatJson(const QJsonValue &value, int width)
{
    const QStringList none;
    QByteArray out = Writer(none, width).write(value, value.isArray() ? Ctx::AutoList : Ctx::Auto).toUtf8();
    out.chop(1); // no final newline in a fragment
    return out;
}

QJsonValue GraphDocument::parseJson(const QByteArray &text, QString *error)
{
    // QJsonDocument reads only objects and arrays at the top: read the value inside a list.
    QByteArray wrapped = "[";
    wrapped += text;
    wrapped += "\n]";
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &pe);
    if (pe.error != QJsonParseError::NoError) {
        if (error) {
            const qsizetype offset = std::clamp<qsizetype>(pe.offset - 1, 0, text.size());
            *error = u"invalid JSON at offset "_s + QString::number(offset) + u": " + pe.errorString();
        }
        return QJsonValue(QJsonValue::Undefined);
    }
    const QJsonArray a = doc.array();
    if (a.size() != 1) {
        if (error)
            *error = a.isEmpty() ? u"invalid JSON at offset 0: empty document"_s
                                 : u"invalid JSON: expected one value, got "_s + QString::number(a.size());
        return QJsonValue(QJsonValue::Undefined);
    }
    if (error)
        error->clear();
    return a.at(0);
}

QStringList GraphDocument::stepOps()
{
    return {u"sleep"_s,     u"block"_s,   u"return"_s, u"raise"_s,    u"reraise"_s,    u"await"_s,
            u"spawn"_s,     u"gather"_s,  u"wait"_s,   u"wait_for"_s, u"shield"_s,     u"as_completed"_s,
            u"taskgroup"_s, u"timeout"_s, u"try"_s,    u"future"_s,   u"set_result"_s, u"set_exception"_s,
            u"cancel"_s,    u"drop"_s,    u"gc"_s,     u"hang"_s,     u"repeat"_s};
}

QJsonObject GraphDocument::stepTemplate(const QString &op, const QString &childNode)
{
    const QString child = childNode.isEmpty() ? u"main"_s : childNode;
    const QJsonObject sleep1{{u"op"_s, u"sleep"_s}, {u"seconds"_s, 1}};
    QJsonObject s{{u"op"_s, op}};
    const auto set = [&](const QString &k, const QJsonValue &v) { s.insert(k, v); };
    if (op == u"sleep") {
        set(u"seconds"_s, 1);
    } else if (op == u"block") {
        set(u"seconds"_s, 0.5);
    } else if (op == u"raise" || op == u"set_exception") {
        if (op == u"set_exception")
            set(u"target"_s, u"$fut"_s);
        set(u"type"_s, u"ValueError"_s);
        set(u"message"_s, u"error"_s);
    } else if (op == u"await") {
        set(u"target"_s, child);
        set(u"as"_s, u"$result"_s);
    } else if (op == u"spawn") {
        set(u"node"_s, child);
        set(u"as"_s, u"$task"_s);
    } else if (op == u"gather" || op == u"as_completed" || op == u"taskgroup") {
        set(u"children"_s, QJsonArray{child, child});
        set(u"as"_s, u"$results"_s);
    } else if (op == u"wait") {
        set(u"children"_s, QJsonArray{child, child});
        set(u"return_when"_s, u"FIRST_COMPLETED"_s);
        set(u"as"_s, u"$waited"_s);
    } else if (op == u"wait_for") {
        set(u"target"_s, child);
        set(u"timeout"_s, 1);
        set(u"as"_s, u"$result"_s);
    } else if (op == u"shield") {
        set(u"target"_s, child);
        set(u"as"_s, u"$result"_s);
    } else if (op == u"timeout") {
        set(u"seconds"_s, 1);
        set(u"body"_s, QJsonArray{sleep1});
    } else if (op == u"try") {
        set(u"body"_s, QJsonArray{sleep1});
        set(u"except"_s,
            QJsonArray{
                QJsonObject{{u"types"_s, QJsonArray{u"Exception"_s}}, {u"as"_s, u"$e"_s}, {u"body"_s, QJsonArray()}}});
    } else if (op == u"future") {
        set(u"as"_s, u"$fut"_s);
    } else if (op == u"set_result") {
        set(u"target"_s, u"$fut"_s);
        set(u"value"_s, QJsonValue(QJsonValue::Null));
    } else if (op == u"cancel" || op == u"drop") {
        set(u"target"_s, u"$task"_s);
    } else if (op == u"repeat") {
        set(u"times"_s, 2);
        set(u"body"_s, QJsonArray{sleep1});
    }
    return s;
}

namespace {

QString shortValue(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isObject() && v.toObject().contains(u"node")) {
        const QJsonObject o = v.toObject();
        QString s = o.value(u"node").toString();
        if (o.contains(u"args")) {
            QStringList args;
            const QJsonObject a = o.value(u"args").toObject();
            for (auto it = a.constBegin(); it != a.constEnd(); ++it)
                args.append(it.key() + u'=' + shortValue(it.value()));
            s += u'(' + args.join(u", ") + u')';
        }
        if (o.contains(u"count"))
            s += u" \u00d7" + shortValue(o.value(u"count"));
        return s;
    }
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue &x : v.toArray())
            parts.append(shortValue(x));
        return u'[' + parts.join(u", ") + u']';
    }
    QString out;
    writeScalar(out, v);
    if (v.isObject())
        out = QString::fromUtf8(GraphDocument::formatJson(v));
    return out;
}

} // namespace

QString GraphDocument::stepSummary(const QJsonObject &step)
{
    const QString op = step.value(u"op").toString();
    const auto has = [&](const char16_t *k) { return step.contains(QStringView(k)); };
    const auto val = [&](const char16_t *k) { return shortValue(step.value(QStringView(k))); };
    QString s = op.isEmpty() ? u"(no op)"_s : op;
    if (op == u"sleep" || op == u"block" || op == u"timeout") {
        s += u' ' + val(u"seconds");
    } else if (op == u"return") {
        if (has(u"value"))
            s += u' ' + val(u"value");
    } else if (op == u"raise") {
        s += u' ' + val(u"type");
        if (has(u"message"))
            s += u"(\"" + val(u"message") + u"\")";
    } else if (op == u"await" || op == u"shield" || op == u"cancel" || op == u"drop") {
        s += u' ' + val(u"target");
    } else if (op == u"wait_for") {
        s += u' ' + val(u"target") + u" timeout=" + val(u"timeout");
    } else if (op == u"spawn") {
        QJsonObject call{{u"node"_s, step.value(u"node")}};
        if (has(u"args"))
            call.insert(u"args"_s, step.value(u"args"));
        s += u' ' + shortValue(call);
    } else if (op == u"gather" || op == u"wait" || op == u"as_completed" || op == u"taskgroup") {
        s += u' ' + val(u"children");
        if (has(u"return_when"))
            s += u' ' + val(u"return_when");
        if (has(u"timeout"))
            s += u" timeout=" + val(u"timeout");
    } else if (op == u"set_result") {
        s += u' ' + val(u"target");
        if (has(u"value"))
            s += u" = " + val(u"value");
    } else if (op == u"set_exception") {
        s += u' ' + val(u"target") + u' ' + val(u"type");
    } else if (op == u"repeat") {
        s += u' ' + val(u"times") + u" times";
    }
    if (has(u"as"))
        s += u" \u2192 " + val(u"as");
    return s;
}

} // namespace ascope
