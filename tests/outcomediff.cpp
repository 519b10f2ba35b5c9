#include "outcomediff.h"

#include <QHash>
#include <QJsonArray>
#include <QLocale>

#include <algorithm>
#include <array>
#include <cmath>

using namespace Qt::StringLiterals;

namespace ascope::test {

namespace {

constexpr double kTolerance = 1e-6; // spec section 4: times are compared within 1e-6

const QString kFormat = u"asyncgraph-outcome/1"_s;

// Qt's JSON parser stores 1.0 as the integer 1, so whether Python would print 1 or 1.0 is lost.
// Time fields are floats in every outcome the oracle writes; other integral numbers print as ints.
bool isTimeKey(const QString &key)
{
    return key == u"t"_s || key == u"created"_s || key == u"finished"_s || key == u"end_time"_s;
}

bool isIntegral(double d)
{
    return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18;
}

// repr(float) of a finite number: the shortest round-trip digits, fixed notation for
// 1e-4 <= |x| < 1e16, otherwise d.ddde+XX.
QString pythonFloat(double d)
{
    if (d == 0)
        return std::signbit(d) ? u"-0.0"_s : u"0.0"_s;
    const QString sci = QString::number(std::fabs(d), 'e', QLocale::FloatingPointShortest);
    const qsizetype e = sci.indexOf(u'e');
    QString digits = sci.left(e);
    digits.remove(u'.');
    const int decpt = sci.mid(e + 1).toInt() + 1; // value = 0.<digits> * 10^decpt
    const int n = int(digits.size());
    QString out = d < 0 ? u"-"_s : QString();
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0)
            out += u"0."_s + QString(-decpt, u'0') + digits;
        else if (decpt >= n)
            out += digits + QString(decpt - n, u'0') + u".0"_s;
        else
            out += digits.left(decpt) + u'.' + digits.mid(decpt);
    } else {
        const int exp = decpt - 1;
        out += digits.left(1);
        if (n > 1)
            out += u'.' + digits.mid(1);
        out += (exp < 0 ? u"e-"_s : u"e+"_s) + QStringLiteral("%1").arg(std::abs(exp), 2, 10, QLatin1Char('0'));
    }
    return out;
}

// Python prints a number from json.load as an int or a float; json.dumps and repr differ only in
// how they spell the non-finite floats.
QString pythonNumber(const QJsonValue &v, bool asJson, bool asTime)
{
    const double d = v.toDouble();
    if (!asTime && isIntegral(d))
        return QString::number(qint64(d));
    if (std::isnan(d))
        return asJson ? u"NaN"_s : u"nan"_s;
    if (std::isinf(d))
        return asJson ? (d > 0 ? u"Infinity"_s : u"-Infinity"_s) : (d > 0 ? u"inf"_s : u"-inf"_s);
    return pythonFloat(d);
}

// json.dumps of a string (ensure_ascii=True).
QString dumpsString(const QString &s)
{
    QString out = u"\""_s;
    for (const QChar c : s) {
        switch (c.unicode()) {
        case u'"':
            out += u"\\\""_s;
            break;
        case u'\\':
            out += u"\\\\"_s;
            break;
        case u'\n':
            out += u"\\n"_s;
            break;
        case u'\r':
            out += u"\\r"_s;
            break;
        case u'\t':
            out += u"\\t"_s;
            break;
        case u'\b':
            out += u"\\b"_s;
            break;
        case u'\f':
            out += u"\\f"_s;
            break;
        default:
            if (c.unicode() < 0x20 || c.unicode() > 0x7e)
                out += u"\\u"_s + QStringLiteral("%1").arg(uint(c.unicode()), 4, 16, QLatin1Char('0'));
            else
                out += c;
        }
    }
    return out + u'"';
}

// repr of a str: single quotes unless the text has a ' and no ".
QString reprString(const QString &s)
{
    const QChar quote = s.contains(u'\'') && !s.contains(u'"') ? u'"' : u'\'';
    QString out = quote;
    for (const QChar c : s) {
        if (c == quote || c == u'\\')
            out += u'\\' + QString(c);
        else if (c == u'\n')
            out += u"\\n"_s;
        else if (c == u'\r')
            out += u"\\r"_s;
        else if (c == u'\t')
            out += u"\\t"_s;
        else if (c.unicode() < 0x20 || (c.unicode() >= 0x7f && c.unicode() < 0xa0))
            out += u"\\x"_s + QStringLiteral("%1").arg(uint(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out + quote;
}

// str() as an f-string prints it: repr, except that a string is its own text.
QString pythonStr(const QJsonValue &v, bool asTime = false)
{
    return v.isString() ? v.toString() : pythonRepr(v, asTime);
}

// Python's == on the scalars of an event tuple (True == 1, 1 == 1.0).
bool pythonEquals(const QJsonValue &a, const QJsonValue &b)
{
    const auto numeric = [](const QJsonValue &v) { return v.isDouble() || v.isBool(); };
    const auto number = [](const QJsonValue &v) { return v.isBool() ? (v.toBool() ? 1.0 : 0.0) : v.toDouble(); };
    if (numeric(a) && numeric(b))
        return number(a) == number(b);
    if ((a.isNull() || a.isUndefined()) && (b.isNull() || b.isUndefined()))
        return true;
    return a.type() == b.type() && a == b;
}

// sorted() of a diagnostics list: code point order for names; other values by kind, then text.
bool pythonLess(const QJsonValue &a, const QJsonValue &b)
{
    if (a.isString() && b.isString())
        return a.toString().toUcs4() < b.toString().toUcs4();
    if (a.isDouble() && b.isDouble())
        return a.toDouble() < b.toDouble();
    if (a.type() != b.type())
        return a.type() < b.type();
    return pythonJsonDumps(a) < pythonJsonDumps(b);
}

QJsonArray sortedArray(const QJsonArray &array)
{
    QList<QJsonValue> items(array.begin(), array.end());
    std::stable_sort(items.begin(), items.end(), pythonLess);
    QJsonArray out;
    for (const QJsonValue &v : items)
        out.append(v);
    return out;
}

// dict.get(key) on what might not be a dict.
QJsonValue field(const QJsonValue &v, const QString &key)
{
    return v.isObject() ? v.toObject().value(key) : QJsonValue(QJsonValue::Undefined);
}

// A list of tasks keyed by name, in first-seen order (a later duplicate replaces the value,
// as building a dict does).
struct NamedTasks {
    QList<QJsonValue> names;           // the name values, first-seen order
    QHash<QString, QJsonObject> byKey; // keyed by the name's JSON text
    QJsonArray allNames;               // every task's name, list order (duplicates kept)

    explicit NamedTasks(const QJsonValue &tasks)
    {
        const QJsonArray array = tasks.toArray();
        for (const QJsonValue &t : array) {
            const QJsonValue name = field(t, u"name"_s);
            const QString key = pythonJsonDumps(name);
            if (!byKey.contains(key))
                names.append(name);
            byKey.insert(key, t.toObject());
            allNames.append(name.isUndefined() ? QJsonValue() : name);
        }
    }

    bool contains(const QJsonValue &name) const { return byKey.contains(pythonJsonDumps(name)); }
    QJsonObject value(const QJsonValue &name) const { return byKey.value(pythonJsonDumps(name)); }
};

QString reprList(const QList<QJsonValue> &values)
{
    QStringList parts;
    for (const QJsonValue &v : values)
        parts.append(pythonRepr(v));
    return u'[' + parts.join(u", "_s) + u']';
}

using EventKey = std::array<QJsonValue, 3>; // (task, state, phase)

QString reprEvents(const QList<EventKey> &events, qsizetype from)
{
    QStringList parts;
    for (qsizetype i = from; i < events.size() && i < from + 3; ++i) {
        const EventKey &e = events.at(i);
        parts.append(u'(' + pythonRepr(e[0]) + u", "_s + pythonRepr(e[1]) + u", "_s + pythonRepr(e[2]) + u')');
    }
    return u'[' + parts.join(u", "_s) + u']';
}

QList<EventKey> eventKeys(const QJsonValue &events)
{
    QList<EventKey> out;
    const QJsonArray array = events.toArray();
    for (const QJsonValue &e : array)
        out.append({field(e, u"task"_s), field(e, u"state"_s), field(e, u"phase"_s)});
    return out;
}

// The order compare_outcomes.py reports diagnostics in (the oracle writes them in this order);
// unknown keys follow, sorted.
QStringList diagnosticsKeys(const QJsonObject &diagnostics)
{
    QStringList keys;
    for (const QString &k : {u"pending_at_exit"_s, u"destroyed_pending"_s, u"exception_never_retrieved"_s,
                             u"shutdown_errors"_s, u"collections"_s}) {
        if (diagnostics.contains(k))
            keys.append(k);
    }
    for (const QString &k : diagnostics.keys()) {
        if (!keys.contains(k))
            keys.append(k);
    }
    return keys;
}

// Collections as the reference normalises the actual ones: each collection's destroyed names sorted.
QJsonValue normalisedCollections(const QJsonValue &actual)
{
    if (!actual.isArray())
        return actual;
    const QJsonArray array = actual.toArray();
    QJsonArray out;
    for (const QJsonValue &c : array) {
        if (!c.isObject())
            return actual; // not a list of collections: compared as it is
        QJsonObject o = c.toObject();
        const QJsonValue destroyed = o.value(u"destroyed"_s);
        if (destroyed.isUndefined())
            o.insert(u"destroyed"_s, QJsonArray());
        else if (destroyed.isArray())
            o.insert(u"destroyed"_s, sortedArray(destroyed.toArray()));
        out.append(o);
    }
    return out;
}

} // namespace

bool sameJson(const QJsonValue &a, const QJsonValue &b)
{
    if (a.isBool() || b.isBool())
        return a.isBool() && b.isBool() && a.toBool() == b.toBool();
    if (a.isDouble() && b.isDouble()) {
        const double x = a.toDouble();
        const double y = b.toDouble();
        return x == y || std::fabs(x - y) <= kTolerance;
    }
    if (a.isArray() && b.isArray()) {
        const QJsonArray x = a.toArray();
        const QJsonArray y = b.toArray();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (!sameJson(x.at(i), y.at(i)))
                return false;
        }
        return true;
    }
    if (a.isObject() && b.isObject()) {
        const QJsonObject x = a.toObject();
        const QJsonObject y = b.toObject();
        if (x.keys() != y.keys()) // keys() is sorted: equal lists = equal key sets
            return false;
        for (auto it = x.begin(); it != x.end(); ++it) {
            if (!sameJson(it.value(), y.value(it.key())))
                return false;
        }
        return true;
    }
    const bool aNull = a.isNull() || a.isUndefined();
    const bool bNull = b.isNull() || b.isUndefined();
    if (aNull || bNull)
        return aNull && bNull;
    return a.isString() && b.isString() && a.toString() == b.toString();
}

QString pythonJsonDumps(const QJsonValue &v, bool asTime)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"null"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double:
        return pythonNumber(v, true, asTime);
    case QJsonValue::String:
        return dumpsString(v.toString());
    case QJsonValue::Array: {
        QStringList parts;
        const QJsonArray array = v.toArray();
        for (const QJsonValue &x : array)
            parts.append(pythonJsonDumps(x, asTime));
        return u'[' + parts.join(u", "_s) + u']';
    }
    case QJsonValue::Object: {
        QStringList parts;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            parts.append(dumpsString(it.key()) + u": "_s + pythonJsonDumps(it.value(), isTimeKey(it.key())));
        return u'{' + parts.join(u", "_s) + u'}';
    }
    }
    return u"null"_s;
}

QString pythonRepr(const QJsonValue &v, bool asTime)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return u"None"_s;
    case QJsonValue::Bool:
        return v.toBool() ? u"True"_s : u"False"_s;
    case QJsonValue::Double:
        return pythonNumber(v, false, asTime);
    case QJsonValue::String:
        return reprString(v.toString());
    case QJsonValue::Array: {
        const QJsonArray array = v.toArray();
        return reprList(QList<QJsonValue>(array.begin(), array.end()));
    }
    case QJsonValue::Object: {
        QStringList parts;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            parts.append(reprString(it.key()) + u": "_s + pythonRepr(it.value(), isTimeKey(it.key())));
        return u'{' + parts.join(u", "_s) + u'}';
    }
    }
    return u"None"_s;
}

// As compare_outcomes.py diff(): same checks, same order, same wording.
QStringList diffOutcomes(const QJsonObject &expected, const QJsonObject &actual, bool checkOrder)
{
    QStringList out;
    const auto check = [&out](const QString &where, const QJsonValue &a, const QJsonValue &b, bool asTime = false) {
        if (!sameJson(a, b))
            out.append(where + u": expected "_s + pythonJsonDumps(a, asTime) + u", got "_s
                       + pythonJsonDumps(b, asTime));
    };

    const QJsonValue format = actual.value(u"format"_s);
    if (!(format.isString() && format.toString() == kFormat))
        return {u"format: expected 'asyncgraph-outcome/1', got "_s + pythonRepr(format)};

    check(u"status"_s, expected.value(u"status"_s), actual.value(u"status"_s));
    check(u"end_time"_s, expected.value(u"end_time"_s), actual.value(u"end_time"_s), true);
    check(u"main"_s, expected.value(u"main"_s), actual.value(u"main"_s));

    const NamedTasks exp(expected.value(u"tasks"_s));
    const NamedTasks act(actual.value(u"tasks"_s));
    QList<QJsonValue> missing;
    QList<QJsonValue> extra;
    for (const QJsonValue &n : exp.names) {
        if (!act.contains(n))
            missing.append(n);
    }
    for (const QJsonValue &n : act.names) {
        if (!exp.contains(n))
            extra.append(n);
    }
    if (!missing.isEmpty())
        out.append(u"tasks missing: "_s + reprList(missing));
    if (!extra.isEmpty())
        out.append(u"tasks not expected: "_s + reprList(extra));
    if (missing.isEmpty() && extra.isEmpty())
        check(u"task creation order"_s, exp.allNames, act.allNames);
    static const QStringList taskFields
        = {u"node"_s, u"created"_s, u"state"_s, u"finished"_s, u"result"_s, u"exception"_s, u"final_state"_s};
    for (const QJsonValue &n : exp.names) {
        if (!act.contains(n))
            continue;
        const QJsonObject e = exp.value(n);
        const QJsonObject a = act.value(n);
        const QString label = pythonStr(n);
        for (const QString &k : taskFields) {
            if (e.contains(k) || a.contains(k))
                check(u"task "_s + label + u'.' + k, e.value(k), a.value(k), isTimeKey(k));
        }
    }

    const auto orEmptyList = [](const QJsonValue &v) { return v.isUndefined() ? QJsonValue(QJsonArray()) : v; };
    check(u"futures"_s, orEmptyList(expected.value(u"futures"_s)), orEmptyList(actual.value(u"futures"_s)));

    const QJsonObject expDiag = expected.value(u"diagnostics"_s).toObject();
    const QJsonObject actDiag = actual.value(u"diagnostics"_s).toObject();
    for (const QString &k : diagnosticsKeys(expDiag)) {
        const QJsonValue v = expDiag.value(k);
        const QJsonValue a = orEmptyList(actDiag.value(k));
        if (k == u"collections"_s) // ordered: when each collection found what
            check(u"diagnostics.collections"_s, v, normalisedCollections(a));
        else
            check(u"diagnostics."_s + k, sortedArray(v.toArray()),
                  a.isArray() ? QJsonValue(sortedArray(a.toArray())) : a);
    }

    if (checkOrder) {
        const QList<EventKey> ee = eventKeys(expected.value(u"events"_s));
        const QList<EventKey> ae = eventKeys(actual.value(u"events"_s));
        const auto sameKey = [](const EventKey &x, const EventKey &y) {
            return pythonEquals(x[0], y[0]) && pythonEquals(x[1], y[1]) && pythonEquals(x[2], y[2]);
        };
        qsizetype k = 0;
        const qsizetype common = std::min(ee.size(), ae.size());
        while (k < common && sameKey(ee.at(k), ae.at(k)))
            ++k;
        if (k < common || ee.size() != ae.size()) {
            out.append(u"event order differs at #"_s + QString::number(k) + u": expected "_s + reprEvents(ee, k)
                       + u", got "_s + reprEvents(ae, k));
        } else {
            const QJsonArray expEvents = expected.value(u"events"_s).toArray();
            const QJsonArray actEvents = actual.value(u"events"_s).toArray();
            for (qsizetype i = 0; i < expEvents.size(); ++i) {
                const QJsonValue x = field(expEvents.at(i), u"t"_s);
                const QJsonValue y = field(actEvents.at(i), u"t"_s);
                if (!sameJson(x, y)) {
                    out.append(u"event #"_s + QString::number(i) + u" time: expected "_s + pythonStr(x, true)
                               + u", got "_s + pythonStr(y, true));
                    break;
                }
            }
        }
    }
    return out;
}

} // namespace ascope::test
