// Reads, validates and resolves asyncgraph/1 files (loader.h).
//
// Three stages, each complete before the next starts:
//  1. JsonReader: a strict JSON parser (what Python's json module accepts, NaN and Infinity
//     included: they are read like Python reads them and judged by place in stage 2) into an
//     ordered tree. QJsonDocument is not enough on its own: it forgets the order of
//     keys (parameters are positional in the model) and stores 1.0 as the integer 1, while
//     the oracle (Python) keeps int and float apart. QJsonDocument still words syntax errors.
//  2. Validator: the checks of the oracle's validate(), in the same order, with the same
//     places and wording ("nodes[1].steps[3].target: no node 'fetch'"), plus a few limits
//     of our own (step nesting, repeat/count sizes, document size).
//  3. Builder: the resolved model of graph.h (every $x/@x turned into a slot).
// Validation errors travel as an exception private to this file; loadGraph() never throws.
#include "loader.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QSet>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

using namespace Qt::StringLiterals;

namespace ascope {
namespace {

constexpr qsizetype kMaxDocumentBytes = 64 * 1024 * 1024;
constexpr qsizetype kMaxJsonValues = 4'000'000; // bounds the memory of tree, sources and model
constexpr int kMaxJsonDepth = 1024;             // as QJsonDocument
constexpr int kMaxStepDepth = 200;              // nested body/finally/except levels
constexpr qint64 kMaxRepeat = 10'000'000;       // repeat.times and children[].count
constexpr qsizetype kMaxReprChars = 500;        // values quoted in messages are cut after this

// limits.tasks / steps / iterations (graph.h): what a file may ask for, at most.
struct BudgetSpec {
    QLatin1StringView key;
    qint64 max;
    qint64 Graph::*field;
};
const BudgetSpec kBudgets[] = {
    {QLatin1StringView("tasks"), 10'000'000, &Graph::taskLimit},
    {QLatin1StringView("steps"), 1'000'000'000, &Graph::stepLimit},
    {QLatin1StringView("iterations"), 1'000'000'000, &Graph::iterationLimit},
};

// ---------------------------------------------------------------------------------------------
// An ordered JSON tree
// ---------------------------------------------------------------------------------------------

enum class JType : quint8 { Null, Bool, Int, Double, String, Array, Object };

// Same text as a key of the format (keys are mostly short ASCII: compared inline).
inline bool sameKey(const QString &k, QLatin1StringView key)
{
    if (k.size() != key.size())
        return false;
    const QChar *a = k.constData();
    const char *b = key.data();
    for (qsizetype i = 0; i < k.size(); ++i) {
        if (a[i].unicode() != static_cast<unsigned char>(b[i]))
            return false;
    }
    return true;
}

// A value of the tree. Containers do not own their elements: the reader keeps every element
// and key of the document in a few large blocks (JArena), which go at once with the reader.
struct JValue {
    JType type = JType::Null;
    bool bigInt = false; // an integer literal beyond qint64: a Python int, kept here as a double
    bool b = false;
    qint64 i = 0;
    double d = 0;
    QString s; // String; for a bigInt, its literal digits
    // Array, Object: the elements (the values of the keys), and for objects the keys in file
    // order (a repeated key keeps its first place)
    const JValue *items = nullptr;
    const QString *keys = nullptr;
    qsizetype count = 0;

    bool isString() const { return type == JType::String; }
    bool isObject() const { return type == JType::Object; }
    bool isArray() const { return type == JType::Array; }
    bool isNumber() const { return type == JType::Int || type == JType::Double; }
    // Python's isinstance(v, int) and not bool
    bool isWhole() const { return type == JType::Int || (type == JType::Double && bigInt); }
    bool isNegative() const { return (type == JType::Int && i < 0) || (type == JType::Double && d < 0); }
    // NaN, +-Infinity, and literals beyond a double (1e400, or an integer of 400 digits)
    bool isNonFinite() const { return type == JType::Double && !std::isfinite(d); }
    double number() const { return type == JType::Int ? double(i) : d; }

    qsizetype size() const { return count; }
    const JValue &at(qsizetype k) const { return items[k]; }
    const QString &keyAt(qsizetype k) const { return keys[k]; }

    const JValue *get(QLatin1StringView key) const
    {
        if (type != JType::Object)
            return nullptr;
        for (qsizetype k = 0; k < count; ++k) {
            if (sameKey(keys[k], key))
                return &items[k];
        }
        return nullptr;
    }
    bool has(QLatin1StringView key) const { return get(key) != nullptr; }
};

// Blocks of T handed out in runs of n contiguous elements (the elements of one container).
template<typename T> class JArena
{
public:
    T *take(size_t n)
    {
        if (n > m_left) {
            const size_t size = std::max<size_t>(n, kBlock);
            m_blocks.emplace_back(new T[size]);
            m_next = m_blocks.back().get();
            m_left = size;
        }
        T *p = m_next;
        m_next += n;
        m_left -= n;
        return p;
    }

private:
    static constexpr size_t kBlock = 4096;
    std::vector<std::unique_ptr<T[]>> m_blocks;
    T *m_next = nullptr;
    size_t m_left = 0;
};

// Short plain strings read once and shared after (keys, ops, ids named again as children):
// an open-addressing table over the raw bytes, which stops growing when three quarters full.
class JInterner
{
public:
    static constexpr qsizetype kMaxLength = 32;

    // The string of these bytes (ASCII, no escapes), shared with the last one of the same text
    // that hashed to its slot. One slot per hash, a newcomer taking it: a document's keys and
    // ops recur every few values and stay, while its ids (each seen once or twice) come and go
    // without filling the table for good (100,000 node ids before the first "ui" key would).
    QString get(const char *p, qsizetype n)
    {
        quint32 h = 2166136261u;
        for (qsizetype k = 0; k < n; ++k)
            h = (h ^ static_cast<unsigned char>(p[k])) * 16777619u;
        Entry &e = m_slots[h & (kSlots - 1)];
        if (e.bytes && e.length == n && std::memcmp(e.bytes, p, size_t(n)) == 0)
            return e.text;
        e = {p, n, QString::fromLatin1(p, n)};
        return e.text;
    }

private:
    static constexpr quint32 kSlots = 4096;
    struct Entry {
        const char *bytes = nullptr; // in the document, which outlives the reader
        qsizetype length = 0;
        QString text;
    };
    std::vector<Entry> m_slots = std::vector<Entry>(kSlots);
};

const JValue &noneValue()
{
    static const JValue none;
    return none;
}

// Strict RFC 8259 parser (Python's json.loads rules: no BOM, no control characters in strings,
// no "1." or ".5"; lone \uD800 escapes are kept as Python keeps them). Bounded in depth and in
// the number of values, so any input fails cleanly.
class JsonReader
{
public:
    explicit JsonReader(const QByteArray &text)
        : m_begin(text.constData())
        , m_p(text.constData())
        , m_end(text.constData() + text.size())
    {
    }

    bool read(JValue &root)
    {
        skipSpace();
        if (!value(root, 0))
            return false;
        skipSpace();
        if (m_p != m_end)
            return fail("garbage at the end of the document");
        return true;
    }

    qsizetype errorOffset() const { return m_errorAt - m_begin; }
    QString error() const { return m_error; }
    // True when the reason is ours alone (too big, too deep, out of range): QJsonDocument
    // would word it vaguely or not see it.
    bool ownReason() const { return m_own; }

private:
    bool fail(const char *what, const char *at = nullptr)
    {
        m_error = QString::fromLatin1(what);
        m_errorAt = at ? at : m_p;
        return false;
    }

    void skipSpace()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
            ++m_p;
    }

    bool literal(const char *word)
    {
        const qsizetype n = qsizetype(std::strlen(word));
        if (m_end - m_p < n || std::memcmp(m_p, word, size_t(n)) != 0)
            return fail("illegal value");
        m_p += n;
        return true;
    }

    bool value(JValue &out, int depth)
    {
        if (++m_values > kMaxJsonValues) {
            m_own = true;
            return fail("too many values in the document");
        }
        if (m_p >= m_end)
            return fail("illegal value");
        switch (*m_p) {
        case '{':
        case '[':
            if (depth >= kMaxJsonDepth) {
                m_own = true;
                return fail("too deeply nested document");
            }
            return *m_p == '{' ? object(out, depth + 1) : array(out, depth + 1);
        case '"':
            out.type = JType::String;
            return string(out.s);
        case 't':
            out.type = JType::Bool;
            out.b = true;
            return literal("true");
        case 'f':
            out.type = JType::Bool;
            return literal("false");
        case 'n':
            return literal("null");
        case 'N': // Python's json.loads reads NaN, Infinity and -Infinity as floats
            out.type = JType::Double;
            out.d = std::numeric_limits<double>::quiet_NaN();
            return literal("NaN");
        case 'I':
            out.type = JType::Double;
            out.d = std::numeric_limits<double>::infinity();
            return literal("Infinity");
        default:
            if (*m_p == '-' && m_end - m_p > 1 && m_p[1] == 'I') {
                ++m_p;
                out.type = JType::Double;
                out.d = -std::numeric_limits<double>::infinity();
                return literal("Infinity");
            }
            if (*m_p == '-' || (*m_p >= '0' && *m_p <= '9'))
                return number(out);
            return fail("illegal value");
        }
    }

    // Elements are read onto stacks shared by all levels (no vector per container) and moved
    // to the arena, in one run, when the container ends.
    bool object(JValue &out, int depth)
    {
        out.type = JType::Object;
        const size_t base = m_items.size();
        const size_t keyBase = m_keys.size(); // arrays around keep no keys: its own base
        QHash<QString, size_t> index;         // only for big objects: keeps duplicate detection linear
        ++m_p;
        skipSpace();
        if (m_p < m_end && *m_p == '}') {
            ++m_p;
            return true;
        }
        for (;;) {
            skipSpace();
            if (m_p >= m_end || *m_p != '"')
                return fail(m_p >= m_end ? "unterminated object" : "expected a string as name");
            QString key;
            if (!string(key))
                return false;
            skipSpace();
            if (m_p >= m_end || *m_p != ':')
                return fail("missing name separator");
            ++m_p;
            skipSpace();
            JValue v;
            if (!value(v, depth))
                return false;
            // Python's dict: a repeated key keeps its first position and takes the last value.
            const size_t n = m_items.size() - base;
            size_t found = n;
            if (n < 16) {
                for (size_t k = 0; k < n; ++k) {
                    if (m_keys[keyBase + k] == key) {
                        found = k;
                        break;
                    }
                }
            } else {
                if (index.isEmpty()) {
                    for (size_t k = 0; k < n; ++k)
                        index.insert(m_keys[keyBase + k], k);
                }
                found = index.value(key, n);
            }
            if (found < n) {
                m_items[base + found] = std::move(v);
            } else {
                if (!index.isEmpty())
                    index.insert(key, n);
                m_keys.push_back(std::move(key));
                m_items.push_back(std::move(v));
            }
            skipSpace();
            if (m_p >= m_end)
                return fail("unterminated object");
            if (*m_p == '}') {
                ++m_p;
                close(out, base, keyBase);
                return true;
            }
            if (*m_p != ',')
                return fail("missing value separator");
            ++m_p;
        }
    }

    bool array(JValue &out, int depth)
    {
        out.type = JType::Array;
        const size_t base = m_items.size();
        ++m_p;
        skipSpace();
        if (m_p < m_end && *m_p == ']') {
            ++m_p;
            return true;
        }
        for (;;) {
            skipSpace();
            JValue v;
            if (!value(v, depth))
                return false;
            m_items.push_back(std::move(v));
            skipSpace();
            if (m_p >= m_end)
                return fail("unterminated array");
            if (*m_p == ']') {
                ++m_p;
                close(out, base, kNoKeys);
                return true;
            }
            if (*m_p != ',')
                return fail("missing value separator");
            ++m_p;
        }
    }

    static constexpr size_t kNoKeys = std::numeric_limits<size_t>::max();

    // The elements from base on (and the keys from keyBase on) become out's, in the arena.
    void close(JValue &out, size_t base, size_t keyBase)
    {
        const size_t n = m_items.size() - base;
        JValue *items = m_itemArena.take(n);
        std::move(m_items.begin() + qsizetype(base), m_items.end(), items);
        m_items.resize(base);
        out.items = items;
        out.count = qsizetype(n);
        if (keyBase != kNoKeys) {
            QString *keys = m_keyArena.take(n);
            std::move(m_keys.begin() + qsizetype(keyBase), m_keys.end(), keys);
            m_keys.resize(keyBase);
            out.keys = keys;
        }
    }

    bool number(JValue &out)
    {
        const char *start = m_p;
        if (*m_p == '-')
            ++m_p;
        if (m_p >= m_end || !(*m_p >= '0' && *m_p <= '9'))
            return fail("illegal number", start);
        if (*m_p == '0') {
            ++m_p;
        } else {
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        }
        bool integral = true;
        if (m_p < m_end && *m_p == '.') {
            integral = false;
            ++m_p;
            if (m_p >= m_end || !(*m_p >= '0' && *m_p <= '9'))
                return fail("illegal number", start);
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        }
        if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
            integral = false;
            ++m_p;
            if (m_p < m_end && (*m_p == '+' || *m_p == '-'))
                ++m_p;
            if (m_p >= m_end || !(*m_p >= '0' && *m_p <= '9'))
                return fail("illegal number", start);
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        }
        if (integral) {
            qint64 v = 0;
            const auto r = std::from_chars(start, m_p, v);
            if (r.ec == std::errc() && r.ptr == m_p) {
                out.type = JType::Int;
                out.i = v;
                return true;
            }
            out.bigInt = true;
            out.s = QString::fromLatin1(start, m_p - start);
        }
        double d = 0;
        const auto r = std::from_chars(start, m_p, d);
        if (r.ec == std::errc::result_out_of_range) {
            // Python turns overflow into inf and underflow into 0.0 (a huge integer stays an
            // int there; as a number of seconds it cannot become a float either).
            const double inf = std::numeric_limits<double>::infinity();
            if (overflows(start, m_p))
                d = *start == '-' ? -inf : inf;
            else
                d = *start == '-' ? -0.0 : 0.0;
        } else if (r.ec != std::errc() || r.ptr != m_p) {
            return fail("illegal number", start);
        }
        out.type = JType::Double;
        out.d = d;
        return true;
    }

    // For a literal std::from_chars found out of range: does its magnitude overflow?
    static bool overflows(const char *p, const char *end)
    {
        if (*p == '-')
            ++p;
        qint64 exponent = 0;
        qint64 intDigits = 0;
        qint64 firstNonZero = -1;
        qint64 digitIndex = 0;
        bool fraction = false;
        for (; p < end && *p != 'e' && *p != 'E'; ++p) {
            if (*p == '.') {
                fraction = true;
                continue;
            }
            if (!fraction)
                ++intDigits;
            if (*p != '0' && firstNonZero < 0)
                firstNonZero = digitIndex;
            ++digitIndex;
        }
        if (p < end) {
            const char *q = p + 1;
            const bool negative = *q == '-';
            if (*q == '+' || *q == '-')
                ++q;
            if (std::from_chars(q, end, exponent).ec != std::errc())
                exponent = std::numeric_limits<qint32>::max(); // absurdly long: far out either way
            if (negative)
                exponent = -exponent;
        }
        if (firstNonZero < 0)
            return false;
        return exponent + (intDigits - 1 - firstNonZero) >= 0;
    }

    static int hexValue(char ch)
    {
        if (ch >= '0' && ch <= '9')
            return ch - '0';
        if (ch >= 'a' && ch <= 'f')
            return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
            return ch - 'A' + 10;
        return -1;
    }

    bool hex4(char32_t &out)
    {
        if (m_end - m_p < 4)
            return fail("invalid escape sequence");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const int h = hexValue(m_p[k]);
            if (h < 0)
                return fail("invalid escape sequence");
            out = out * 16 + char32_t(h);
        }
        m_p += 4;
        return true;
    }

    static void append(QString &s, char32_t cp)
    {
        if (cp < 0x10000) {
            s.append(QChar(char16_t(cp)));
        } else {
            s.append(QChar(QChar::highSurrogate(cp)));
            s.append(QChar(QChar::lowSurrogate(cp)));
        }
    }

    // One UTF-8 sequence, strictly (no overlongs, no surrogates, nothing above U+10FFFF).
    bool utf8(QString &s)
    {
        const auto *u = reinterpret_cast<const unsigned char *>(m_p);
        const qsizetype left = m_end - m_p;
        char32_t cp = 0;
        int n = 0;
        char32_t min = 0;
        if (u[0] >= 0xc2 && u[0] <= 0xdf) {
            n = 2, cp = u[0] & 0x1f, min = 0x80;
        } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
            n = 3, cp = u[0] & 0x0f, min = 0x800;
        } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
            n = 4, cp = u[0] & 0x07, min = 0x10000;
        } else {
            return fail("invalid UTF8 string");
        }
        if (left < n)
            return fail("invalid UTF8 string");
        for (int k = 1; k < n; ++k) {
            if ((u[k] & 0xc0) != 0x80)
                return fail("invalid UTF8 string");
            cp = (cp << 6) | (u[k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return fail("invalid UTF8 string");
        append(s, cp);
        m_p += n;
        return true;
    }

    bool string(QString &s)
    {
        ++m_p; // opening quote
        {
            // Short plain ASCII, the common case: shared through the interner.
            const char *q = m_p;
            const char *limit = m_p + std::min<qsizetype>(m_end - m_p, JInterner::kMaxLength + 1);
            while (q < limit && *q != '"' && *q != '\\' && static_cast<unsigned char>(*q) >= 0x20
                   && static_cast<unsigned char>(*q) < 0x80)
                ++q;
            if (q < limit && *q == '"') {
                if (q > m_p) // "" stays a null string, as appending nothing leaves it
                    s = m_interner.get(m_p, q - m_p);
                m_p = q + 1;
                return true;
            }
        }
        for (;;) {
            const char *run = m_p;
            while (m_p < m_end && *m_p != '"' && *m_p != '\\' && static_cast<unsigned char>(*m_p) >= 0x20
                   && static_cast<unsigned char>(*m_p) < 0x80)
                ++m_p;
            if (m_p > run)
                s.append(QLatin1StringView(run, m_p - run));
            if (m_p >= m_end)
                return fail("unterminated string");
            const auto ch = static_cast<unsigned char>(*m_p);
            if (ch == '"') {
                ++m_p;
                return true;
            }
            if (ch < 0x20)
                return fail("control character in string");
            if (ch >= 0x80) {
                if (!utf8(s))
                    return false;
                continue;
            }
            // backslash
            ++m_p;
            if (m_p >= m_end)
                return fail("unterminated string");
            const char e = *m_p++;
            switch (e) {
            case '"':
                s.append(u'"');
                break;
            case '\\':
                s.append(u'\\');
                break;
            case '/':
                s.append(u'/');
                break;
            case 'b':
                s.append(u'\b');
                break;
            case 'f':
                s.append(u'\f');
                break;
            case 'n':
                s.append(u'\n');
                break;
            case 'r':
                s.append(u'\r');
                break;
            case 't':
                s.append(u'\t');
                break;
            case 'u': {
                char32_t cp = 0;
                if (!hex4(cp))
                    return false;
                // A surrogate pair written as two escapes is one character; a lone one stays.
                if (cp >= 0xd800 && cp <= 0xdbff && m_end - m_p >= 6 && m_p[0] == '\\' && m_p[1] == 'u') {
                    const char *save = m_p;
                    m_p += 2;
                    char32_t low = 0;
                    if (hex4(low) && low >= 0xdc00 && low <= 0xdfff) {
                        append(s, 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00));
                        break;
                    }
                    m_p = save;
                    m_error.clear();
                }
                s.append(QChar(char16_t(cp)));
                break;
            }
            default:
                return fail("invalid escape sequence", m_p - 2);
            }
        }
    }

    const char *m_begin;
    const char *m_p;
    const char *m_end;
    const char *m_errorAt = nullptr;
    QString m_error;
    qsizetype m_values = 0;
    bool m_own = false;
    std::vector<JValue> m_items; // elements of the containers being read, innermost last
    std::vector<QString> m_keys; // their keys (objects only: m_keys[k] goes with m_items[k])
    JArena<JValue> m_itemArena;
    JArena<QString> m_keyArena;
    JInterner m_interner;
};

QJsonValue toQJson(const JValue &v)
{
    switch (v.type) {
    case JType::Null:
        return QJsonValue(QJsonValue::Null);
    case JType::Bool:
        return QJsonValue(v.b);
    case JType::Int:
        return QJsonValue(v.i);
    case JType::Double:
        return QJsonValue(v.d);
    case JType::String:
        return QJsonValue(v.s);
    case JType::Array: {
        QJsonArray a;
        for (qsizetype k = 0; k < v.size(); ++k)
            a.append(toQJson(v.at(k)));
        return a;
    }
    case JType::Object: {
        QJsonObject o;
        for (qsizetype k = 0; k < v.size(); ++k)
            o.insert(v.keyAt(k), toQJson(v.at(k)));
        return o;
    }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Python's repr(), for messages that quote values the way the oracle does
// ---------------------------------------------------------------------------------------------

// Python sorts str by code point; QString compares UTF-16 units. Fold surrogates above U+FFFF.
bool pyLess(const QString &a, const QString &b)
{
    const auto fold = [](char16_t u) -> int {
        if (u >= 0xd800 && u <= 0xdfff)
            return u + 0x2000;
        if (u >= 0xe000)
            return u - 0x800;
        return u;
    };
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype k = 0; k < n; ++k) {
        if (a[k] != b[k])
            return fold(a[k].unicode()) < fold(b[k].unicode());
    }
    return a.size() < b.size();
}

bool pyPrintable(char32_t cp)
{
    if (cp == ' ')
        return true;
    switch (QChar::category(cp)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Separator_Space:
        return false;
    default:
        return true;
    }
}

QString hexEscape(char32_t cp)
{
    if (cp <= 0xff)
        return u"\\x"_s + QString::number(uint(cp), 16).rightJustified(2, u'0');
    if (cp <= 0xffff)
        return u"\\u"_s + QString::number(uint(cp), 16).rightJustified(4, u'0');
    return u"\\U"_s + QString::number(uint(cp), 16).rightJustified(8, u'0');
}

QString pyReprString(const QString &s)
{
    const QChar quote = (s.contains(u'\'') && !s.contains(u'"')) ? u'"' : u'\'';
    QString out;
    out.reserve(s.size() + 2);
    out.append(quote);
    for (qsizetype k = 0; k < s.size(); ++k) {
        char32_t cp = s[k].unicode();
        if (QChar::isHighSurrogate(cp) && k + 1 < s.size() && s[k + 1].isLowSurrogate()) {
            cp = QChar::surrogateToUcs4(s[k].unicode(), s[k + 1].unicode());
            ++k;
        }
        if (cp == quote.unicode() || cp == '\\') {
            out.append(u'\\');
            out.append(QChar(char16_t(cp)));
        } else if (cp == '\t') {
            out.append(u"\\t");
        } else if (cp == '\n') {
            out.append(u"\\n");
        } else if (cp == '\r') {
            out.append(u"\\r");
        } else if (cp < 0x20 || cp == 0x7f) {
            out.append(hexEscape(cp));
        } else if (cp < 0x7f) {
            out.append(QChar(char16_t(cp)));
        } else if (!pyPrintable(cp)) {
            out.append(hexEscape(cp));
        } else if (cp >= 0x10000) {
            out.append(QChar(QChar::highSurrogate(cp)));
            out.append(QChar(QChar::lowSurrogate(cp)));
        } else {
            out.append(QChar(char16_t(cp)));
        }
    }
    out.append(quote);
    return out;
}

// repr(float): the shortest round-trip digits, in fixed notation for 1e-4 <= |d| < 1e16.
QString pyReprDouble(double d)
{
    if (std::isnan(d))
        return u"nan"_s;
    if (std::isinf(d))
        return d < 0 ? u"-inf"_s : u"inf"_s;
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const QString sci = QString::fromLatin1(buf, r.ptr - buf); // "-1.25e+20"
    const qsizetype e = sci.indexOf(u'e');
    QString mantissa = sci.left(e);
    const int exponent = sci.mid(e + 1).toInt();
    QString sign;
    if (mantissa.startsWith(u'-')) {
        sign = u"-"_s;
        mantissa.remove(0, 1);
    }
    const QString digits = QString(mantissa).remove(u'.');
    if (exponent >= -4 && exponent < 16) {
        QString intPart;
        QString fracPart;
        if (exponent >= 0) {
            intPart = digits.left(exponent + 1).leftJustified(exponent + 1, u'0');
            fracPart = digits.mid(exponent + 1);
        } else {
            intPart = u"0"_s;
            fracPart = QString(-exponent - 1, u'0') + digits;
        }
        if (fracPart.isEmpty())
            fracPart = u"0"_s;
        return sign + intPart + u'.' + fracPart;
    }
    QString out = sign + digits.left(1);
    if (digits.size() > 1)
        out += u'.' + digits.mid(1);
    const QString exp = QString::number(std::abs(exponent)).rightJustified(2, u'0');
    return out + u'e' + (exponent < 0 ? u'-' : u'+') + exp;
}

void pyReprInto(const JValue &v, QString &out)
{
    if (out.size() > kMaxReprChars)
        return;
    switch (v.type) {
    case JType::Null:
        out += u"None";
        return;
    case JType::Bool:
        out += v.b ? u"True"_s : u"False"_s;
        return;
    case JType::Int:
        out += QString::number(v.i);
        return;
    case JType::Double:
        out += v.bigInt ? v.s : pyReprDouble(v.d);
        return;
    case JType::String:
        out += pyReprString(v.s);
        return;
    case JType::Array:
        out += u'[';
        for (qsizetype k = 0; k < v.size() && out.size() <= kMaxReprChars; ++k) {
            if (k)
                out += u", ";
            pyReprInto(v.at(k), out);
        }
        out += u']';
        return;
    case JType::Object:
        out += u'{';
        for (qsizetype k = 0; k < v.size() && out.size() <= kMaxReprChars; ++k) {
            if (k)
                out += u", ";
            out += pyReprString(v.keyAt(k)) + u": ";
            pyReprInto(v.at(k), out);
        }
        out += u'}';
        return;
    }
}

QString pyRepr(const JValue &v)
{
    QString out;
    pyReprInto(v, out);
    if (out.size() > kMaxReprChars) {
        out.truncate(kMaxReprChars);
        out += u"...";
    }
    return out;
}

// str(x) as Python's exceptions apply it to their argument.
QString pyStr(const JValue &v)
{
    return v.isString() ? v.s : pyRepr(v);
}

QString pyReprList(std::vector<QString> names)
{
    std::sort(names.begin(), names.end(), pyLess);
    QString out = u"["_s;
    for (size_t k = 0; k < names.size(); ++k) {
        if (k)
            out += u", ";
        out += pyReprString(names[k]);
    }
    return out + u']';
}

// Python's truthiness, as the oracle reads "await" and "return_exceptions".
bool pyTruthy(const JValue &v)
{
    switch (v.type) {
    case JType::Null:
        return false;
    case JType::Bool:
        return v.b;
    case JType::Int:
        return v.i != 0;
    case JType::Double:
        return v.d != 0;
    case JType::String:
        return !v.s.isEmpty();
    case JType::Array:
    case JType::Object:
        return v.size() > 0;
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Tables of the format
// ---------------------------------------------------------------------------------------------

struct OpSpec {
    Op op;
    QLatin1StringView name;
    std::vector<QLatin1StringView> required;
    std::vector<QLatin1StringView> optional;
};

const std::vector<OpSpec> &opSpecs()
{
    using L = QLatin1StringView;
    static const std::vector<OpSpec> specs = {
        {Op::Sleep, L("sleep"), {L("seconds")}, {L("result"), L("as")}},
        {Op::Block, L("block"), {L("seconds")}, {}},
        {Op::Return, L("return"), {}, {L("value")}},
        {Op::Raise, L("raise"), {L("type")}, {L("message")}},
        {Op::Reraise, L("reraise"), {}, {}},
        {Op::Await, L("await"), {L("target")}, {L("as")}},
        {Op::Spawn, L("spawn"), {L("node")}, {L("args"), L("as")}},
        {Op::Gather, L("gather"), {L("children")}, {L("return_exceptions"), L("await"), L("as")}},
        {Op::Wait, L("wait"), {L("children")}, {L("return_when"), L("timeout"), L("as")}},
        {Op::WaitFor, L("wait_for"), {L("target"), L("timeout")}, {L("as")}},
        {Op::Shield, L("shield"), {L("target")}, {L("await"), L("as")}},
        {Op::AsCompleted, L("as_completed"), {L("children")}, {L("timeout"), L("as")}},
        {Op::TaskGroup, L("taskgroup"), {L("children")}, {L("body"), L("as")}},
        {Op::Timeout, L("timeout"), {L("seconds"), L("body")}, {}},
        {Op::Try, L("try"), {L("body")}, {L("except"), L("finally")}},
        {Op::Future, L("future"), {L("as")}, {}},
        {Op::SetResult, L("set_result"), {L("target")}, {L("value")}},
        {Op::SetException, L("set_exception"), {L("target"), L("type")}, {L("message")}},
        {Op::Cancel, L("cancel"), {L("target")}, {L("message")}},
        {Op::Drop, L("drop"), {L("target")}, {}},
        {Op::Gc, L("gc"), {}, {}},
        {Op::Hang, L("hang"), {}, {}},
        {Op::Repeat, L("repeat"), {L("times"), L("body")}, {}},
    };
    return specs;
}

const OpSpec *findOp(const JValue &op)
{
    if (!op.isString())
        return nullptr;
    for (const OpSpec &spec : opSpecs()) {
        if (op.s == spec.name)
            return &spec;
    }
    return nullptr;
}

bool isExceptionType(const JValue &v)
{
    static const QLatin1StringView types[] = {
        QLatin1StringView("BaseException"),   QLatin1StringView("Exception"),
        QLatin1StringView("RuntimeError"),    QLatin1StringView("ValueError"),
        QLatin1StringView("KeyError"),        QLatin1StringView("LookupError"),
        QLatin1StringView("TypeError"),       QLatin1StringView("OSError"),
        QLatin1StringView("ConnectionError"), QLatin1StringView("TimeoutError"),
        QLatin1StringView("CancelledError"),  QLatin1StringView("InvalidStateError"),
        QLatin1StringView("ExceptionGroup"),  QLatin1StringView("BaseExceptionGroup"),
    };
    if (!v.isString())
        return false;
    return std::any_of(std::begin(types), std::end(types), [&](QLatin1StringView t) { return v.s == t; });
}

const QLatin1StringView kReturnWhen[]
    = {QLatin1StringView("ALL_COMPLETED"), QLatin1StringView("FIRST_COMPLETED"), QLatin1StringView("FIRST_EXCEPTION")};

// [A-Za-z_][A-Za-z0-9_]* (the oracle's NAME_RE, without the trailing newline re's $ lets through)
bool isIdentifier(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (qsizetype k = 0; k < s.size(); ++k) {
        const char16_t ch = s[k].unicode();
        const bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
        if (!alpha && !(k > 0 && ch >= '0' && ch <= '9'))
            return false;
    }
    return true;
}

bool isRef(const JValue &v)
{
    return v.isString() && v.s.size() > 1 && (v.s[0] == u'$' || v.s[0] == u'@')
        && isIdentifier(QStringView(v.s).mid(1));
}

bool startsWithSigil(const QString &s)
{
    return !s.isEmpty() && (s[0] == u'$' || s[0] == u'@');
}

// ---------------------------------------------------------------------------------------------
// Validation: the oracle's validate(), check for check
// ---------------------------------------------------------------------------------------------

struct Invalid {
    QString message;
};

[[noreturn]] void fail(const QString &message)
{
    throw Invalid{message};
}

// Where in the document a check is: "nodes[3].steps[0].seconds". Built as a chain of pieces
// on the stack and spelt out only for an error message (spelling it for each of a 100,000-node
// graph's steps was a third of the check).
class Where
{
public:
    explicit Where(const char16_t *root)
        : m_literal(root)
    {
    }
    Where(QString text) // NOLINT(google-explicit-constructor): an already spelt-out place
        : m_owned(std::move(text))
        , m_kind(Kind::Owned)
    {
    }
    Where(const Where *parent, const char16_t *suffix)
        : m_parent(parent)
        , m_literal(suffix)
    {
    }
    Where(const Where *parent, qsizetype index)
        : m_parent(parent)
        , m_index(index)
        , m_kind(Kind::Index)
    {
    }
    Where(const Where *parent, QLatin1StringView member) // parent.member
        : m_parent(parent)
        , m_member(member)
        , m_kind(Kind::Member)
    {
    }

    QString str() const
    {
        QString out = m_parent ? m_parent->str() : QString();
        switch (m_kind) {
        case Kind::Literal:
            out += QStringView(m_literal);
            break;
        case Kind::Owned:
            out += m_owned;
            break;
        case Kind::Index:
            out += u'[' + QString::number(m_index) + u']';
            break;
        case Kind::Member:
            out += u'.' + QString(m_member);
            break;
        }
        return out;
    }
    operator QString() const { return str(); } // NOLINT(google-explicit-constructor)

private:
    enum class Kind : quint8 { Literal, Owned, Index, Member };
    const Where *m_parent = nullptr;
    const char16_t *m_literal = nullptr;
    QString m_owned;
    qsizetype m_index = 0;
    QLatin1StringView m_member;
    Kind m_kind = Kind::Literal;
};

// where + u".field": a place inside `where` (it must outlive the result: use it in the same
// expression, or keep `where` alive).
Where operator+(const Where &w, const char16_t *suffix)
{
    return Where(&w, suffix);
}
QString operator+(const Where &w, const QString &text)
{
    return w.str() + text;
}
QString operator+(const Where &w, char16_t c)
{
    return w.str() + QChar(c);
}

Where index(const Where &where, qsizetype k)
{
    return Where(&where, k);
}

class Validator
{
public:
    explicit Validator(const JValue &root)
        : m_root(root)
    {
    }

    void run()
    {
        const JValue &sc = m_root;
        if (!sc.isObject())
            fail(u"top level: expected a JSON object"_s);
        const JValue *format = sc.get(QLatin1StringView("format"));
        if (!format || !format->isString() || format->s != u"asyncgraph/1")
            fail(u"format: expected 'asyncgraph/1', got "_s + pyRepr(format ? *format : noneValue()));
        const JValue *nodes = sc.get(QLatin1StringView("nodes"));
        if (!nodes || !nodes->isArray() || nodes->size() == 0)
            fail(u"nodes: expected a non-empty list"_s);
        const Where nodesRoot(u"nodes");
        m_ids.reserve(std::min<qsizetype>(nodes->size(), qsizetype(1) << 20)); // no rehash up to 1M nodes
        for (qsizetype i = 0; i < nodes->size(); ++i) {
            const JValue &n = nodes->at(i);
            const Where where(&nodesRoot, i);
            const JValue *id = n.get(QLatin1StringView("id"));
            if (!n.isObject() || !id || !id->isString() || !isIdentifier(id->s))
                fail(where + u".id: expected an identifier");
            const qsizetype known = m_ids.size();
            QSet<QString> &names = m_ids[id->s]; // one look-up: 100,000 nodes are 100,000 of them
            if (m_ids.size() == known)
                fail(where + u".id: duplicate id " + pyReprString(id->s));
            if (const JValue *params = n.get(QLatin1StringView("params"))) {
                bool ok = params->isObject();
                for (qsizetype k = 0; ok && k < params->size(); ++k)
                    ok = isIdentifier(params->keyAt(k));
                if (!ok)
                    fail(where + u".params: expected an object of identifier -> value");
                for (qsizetype k = 0; k < params->size(); ++k) {
                    names.insert(params->keyAt(k));
                    checkValue(params->at(k), where + u".params." + params->keyAt(k));
                }
            }
            const JValue *steps = n.get(QLatin1StringView("steps"));
            if (!steps || !steps->isArray())
                fail(where + u".steps: expected a list");
        }
        const JValue *entry = sc.get(QLatin1StringView("entry"));
        if (entry && (!entry->isString() || !m_ids.contains(entry->s)))
            fail(u"entry: no node "_s + pyRepr(*entry));
        if (!entry && !m_ids.contains(u"main"_s))
            fail(u"entry: no node 'main'"_s);
        if (const JValue *futures = sc.get(QLatin1StringView("futures"))) {
            bool ok = futures->isArray();
            for (qsizetype k = 0; ok && k < futures->size(); ++k)
                ok = futures->at(k).isString() && isIdentifier(futures->at(k).s);
            if (!ok)
                fail(u"futures: expected a list of identifiers"_s);
        }
        if (const JValue *limits = sc.get(QLatin1StringView("limits"))) {
            if (!limits->isObject())
                fail(u"limits: expected an object"_s);
            if (const JValue *time = limits->get(QLatin1StringView("time"))) {
                checkNumber(*time, u"limits.time"_s, false, false);
                if (!std::isfinite(time->number())) // beyond the oracle: a run needs an end
                    fail(u"limits.time: expected a finite number, got "_s + pyRepr(*time));
            }
            // Our budgets (the oracle ignores these keys): whole numbers from 1 to a hard cap.
            for (const BudgetSpec &b : kBudgets) {
                const JValue *v = limits->get(b.key);
                if (!v)
                    continue;
                const QString where = u"limits."_s + QString(b.key);
                if (!v->isWhole() || v->bigInt || v->i < 1)
                    fail(where + u": expected a whole number >= 1, got " + pyRepr(*v));
                if (v->i > b.max)
                    fail(where + u": expected at most " + QString::number(b.max) + u", got " + pyRepr(*v));
            }
        }
        for (qsizetype i = 0; i < nodes->size(); ++i)
            steps(*nodes->at(i).get(QLatin1StringView("steps")), index(u"nodes"_s, i) + u".steps", false, 0);
    }

private:
    static void checkValue(const JValue &v, const Where &where)
    {
        if (v.isString() && startsWithSigil(v.s)) {
            if (!isRef(v))
                fail(where + u": bad variable reference " + pyRepr(v));
            return;
        }
        if (v.isArray()) {
            for (qsizetype k = 0; k < v.size(); ++k)
                checkValue(v.at(k), index(where, k));
            return;
        }
        if (v.isObject())
            fail(where + u": values are JSON scalars, lists or $/@ references, not dict");
        // beyond the oracle, which writes them into its program as the undefined names nan/inf
        if (v.isNonFinite())
            fail(where + u": expected a finite number, got " + pyRepr(v));
    }

    // cancel's message is any JSON (the oracle writes its repr): only NaN/inf have no repr there.
    static void checkFinite(const JValue &v, const Where &where)
    {
        if (v.isNonFinite())
            fail(where + u": expected a finite number, got " + pyRepr(v));
        for (qsizetype k = 0; (v.isArray() || v.isObject()) && k < v.size(); ++k)
            checkFinite(v.at(k), v.isArray() ? index(where, k) : Where(where + u'.' + v.keyAt(k)));
    }

    static void checkNumber(const JValue &v, const Where &where, bool allowNone, bool allowRef)
    {
        if (v.type == JType::Null && allowNone)
            return;
        if (allowRef && isRef(v))
            return;
        if (!v.isNumber())
            fail(where + u": expected a number, got " + pyRepr(v));
        if (v.isNegative())
            fail(where + u": must not be negative, got " + pyRepr(v));
        if (v.isNonFinite())
            fail(where + u": expected a finite number, got " + pyRepr(v));
    }

    // repeat.times, children[].count: Python int >= 0, and (ours) not absurdly large.
    static void checkWhole(const JValue &v, const Where &where)
    {
        if (!v.isWhole() || v.isNegative())
            fail(where + u": expected a whole number >= 0");
        if (v.bigInt || v.i > kMaxRepeat)
            fail(where + u": expected at most " + QString::number(kMaxRepeat) + u", got " + pyRepr(v));
    }

    // A fresh coroutine of a node: {"node", "args"?, "count"?} (spawn passes its own fields).
    void nodeCall(const JValue &node, const JValue *args, const JValue *count, const Where &where, bool allowCount)
    {
        const auto known = node.isString() ? m_ids.constFind(node.s) : m_ids.constEnd();
        if (known == m_ids.constEnd())
            fail(where + u".node: no node " + pyRepr(node));
        if (count) {
            if (!allowCount)
                fail(where + u".count: not allowed here");
            checkWhole(*count, where + u".count");
        }
        if (!args)
            return;
        if (!args->isObject())
            fail(where + u".args: expected an object");
        const QSet<QString> &params = *known;
        for (qsizetype k = 0; k < args->size(); ++k) {
            const QString &name = args->keyAt(k);
            if (!params.contains(name))
                fail(where + u".args." + name + u": node " + pyReprString(node.s) + u" has no parameter "
                     + pyReprString(name));
            checkValue(args->at(k), where + u".args." + name);
        }
    }

    void child(const JValue &c, const Where &where, bool allowCount)
    {
        if (c.isString()) {
            if (isRef(c))
                return;
            if (!m_ids.contains(c.s))
                fail(where + u": no node " + pyRepr(c));
            return;
        }
        if (c.isObject()) {
            if (const JValue *node = c.get(QLatin1StringView("node"))) {
                if (!node->isString() || !m_ids.contains(node->s))
                    fail(where + u".node: no node " + pyRepr(*node));
                std::vector<QString> extra;
                for (qsizetype k = 0; k < c.size(); ++k) {
                    const QString &key = c.keyAt(k);
                    if (key != u"node" && key != u"args" && key != u"count")
                        extra.push_back(key);
                }
                if (!extra.empty())
                    fail(where + u": unknown field(s) " + pyReprList(extra));
                nodeCall(*node, c.get(QLatin1StringView("args")), c.get(QLatin1StringView("count")), where, allowCount);
                return;
            }
        }
        fail(where + u": expected a node id, a $/@ reference or {node, args, count}");
    }

    void steps(const JValue &list, const Where &where, bool inExcept, int depth)
    {
        if (!list.isArray())
            fail(where + u": expected a list of steps");
        if (depth > kMaxStepDepth)
            fail(where + u": steps nested deeper than " + QString::number(kMaxStepDepth) + u" levels");
        for (qsizetype j = 0; j < list.size(); ++j)
            step(list.at(j), index(where, j), inExcept, depth);
    }

    void step(const JValue &st, const Where &w, bool inExcept, int depth)
    {
        const JValue *opValue = st.get(QLatin1StringView("op")); // null when st is not an object
        const OpSpec *spec = opValue ? findOp(*opValue) : nullptr;
        if (!spec)
            fail(w + u".op: unknown operation " + pyRepr(st.isObject() ? (opValue ? *opValue : noneValue()) : st));
        const auto field = [&](const char *name) { return st.get(QLatin1StringView(name)); };

        std::vector<QString> missing;
        for (QLatin1StringView r : spec->required) {
            if (!st.has(r))
                missing.push_back(QString(r));
        }
        if (!missing.empty())
            fail(w + u" (" + QString(spec->name) + u"): missing field(s) " + pyReprList(missing));
        std::vector<QString> unknown;
        for (qsizetype k = 0; k < st.size(); ++k) {
            const QString &key = st.keyAt(k);
            if (key == u"op" || key == u"note" || key == u"ui")
                continue;
            const auto same = [&](QLatin1StringView f) { return key == f; };
            if (std::none_of(spec->required.begin(), spec->required.end(), same)
                && std::none_of(spec->optional.begin(), spec->optional.end(), same))
                unknown.push_back(key);
        }
        if (!unknown.empty())
            fail(w + u" (" + QString(spec->name) + u"): unknown field(s) " + pyReprList(unknown));

        if (const JValue *as = field("as"); as && !isRef(*as))
            fail(w + u".as: expected $name or @name");
        const Op op = spec->op;
        if (op == Op::Sleep || op == Op::Block)
            checkNumber(*field("seconds"), w + u".seconds", false, true);
        if (op == Op::Timeout)
            checkNumber(*field("seconds"), w + u".seconds", true, true);
        if (op == Op::Wait || op == Op::AsCompleted) {
            const JValue *t = field("timeout");
            checkNumber(t ? *t : noneValue(), w + u".timeout", true, true);
        }
        if (op == Op::WaitFor)
            checkNumber(*field("timeout"), w + u".timeout", true, true);
        if (op == Op::Wait) {
            if (const JValue *rw = field("return_when")) {
                const bool ok = rw->isString()
                    && std::any_of(std::begin(kReturnWhen), std::end(kReturnWhen),
                                   [&](QLatin1StringView n) { return rw->s == n; });
                if (!ok)
                    fail(w + u".return_when: one of ['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION']");
            }
        }
        if (op == Op::Raise || op == Op::SetException) {
            if (!isExceptionType(*field("type")))
                fail(w + u".type: unknown exception type " + pyRepr(*field("type")));
            if (const JValue *m = field("message"); m && !m->isString())
                fail(w + u".message: expected a string");
        }
        if (op == Op::Cancel) {
            if (const JValue *m = field("message"))
                checkFinite(*m, w + u".message");
        }
        if (op == Op::Reraise && !inExcept)
            fail(w + u": reraise is only allowed inside an except body");
        for (const char *k : {"value", "result"}) {
            if (const JValue *v = field(k))
                checkValue(*v, Where(&w, QLatin1StringView(k)));
        }
        if (op == Op::Await || op == Op::WaitFor || op == Op::Shield)
            child(*field("target"), w + u".target", false);
        if (op == Op::Spawn)
            nodeCall(*field("node"), field("args"), nullptr, w, false);
        if (op == Op::Gather || op == Op::Wait || op == Op::AsCompleted || op == Op::TaskGroup) {
            const JValue &children = *field("children");
            if (!children.isArray())
                fail(w + u".children: expected a list");
            for (qsizetype k = 0; k < children.size(); ++k) {
                child(children.at(k), index(w + u".children", k), true);
                if (op == Op::TaskGroup && isRef(children.at(k)))
                    fail(index(w + u".children", k) + u": taskgroup children are nodes, not references");
            }
            if (op == Op::Wait && children.size() == 0)
                fail(w + u".children: wait needs at least one child");
        }
        if ((op == Op::SetResult || op == Op::SetException || op == Op::Cancel || op == Op::Drop)
            && !isRef(*field("target")))
            fail(w + u".target: expected $name or @name");
        if (op == Op::Repeat)
            checkWhole(*field("times"), w + u".times");
        for (const char *k : {"body", "finally"}) {
            if (const JValue *b = field(k))
                steps(*b, Where(&w, QLatin1StringView(k)), inExcept, depth + 1);
        }
        if (op == Op::Try) {
            const JValue *handlers = field("except");
            if (!handlers)
                return;
            if (!handlers->isArray())
                fail(w + u".except: expected a list of handlers");
            for (qsizetype k = 0; k < handlers->size(); ++k) {
                const JValue &h = handlers->at(k);
                const Where except = w + u".except";
                const Where hw(&except, k);
                const JValue *types = h.get(QLatin1StringView("types"));
                if (!h.isObject() || !types || !types->isArray() || types->size() == 0)
                    fail(hw + u".types: expected a non-empty list of exception types");
                for (qsizetype t = 0; t < types->size(); ++t) {
                    if (!isExceptionType(types->at(t)))
                        fail(hw + u".types: unknown exception type " + pyRepr(types->at(t)));
                }
                if (const JValue *as = h.get(QLatin1StringView("as")); as && !isRef(*as))
                    fail(hw + u".as: expected $name or @name");
                std::vector<QString> extra;
                for (qsizetype f = 0; f < h.size(); ++f) {
                    const QString &key = h.keyAt(f);
                    if (key != u"types" && key != u"as" && key != u"body")
                        extra.push_back(key);
                }
                if (!extra.empty())
                    fail(hw + u": unknown field(s) " + pyReprList(extra));
                if (const JValue *body = h.get(QLatin1StringView("body")))
                    steps(*body, hw + u".body", true, depth + 1);
            }
        }
    }

    const JValue &m_root;
    QHash<QString, QSet<QString>> m_ids; // node id -> its parameter names
};

// ---------------------------------------------------------------------------------------------
// Building the model
// ---------------------------------------------------------------------------------------------

// Runs twice over a validated tree: the first pass only collects the names every node
// mentions (slots are assigned from the complete sets), the second builds with final slots.
class Builder
{
public:
    explicit Builder(const JValue &root)
        : m_root(root)
    {
    }

    Graph build()
    {
        const JValue &nodes = *m_root.get(QLatin1StringView("nodes"));
        const auto nodeCount = size_t(nodes.size());
        m_params.resize(nodeCount);
        m_localSeen.resize(nodeCount);
        for (size_t i = 0; i < nodeCount; ++i) {
            const JValue &n = nodes.at(qsizetype(i));
            m_nodeIndex.insert(n.get(QLatin1StringView("id"))->s, int(i));
            if (const JValue *params = n.get(QLatin1StringView("params"))) {
                for (qsizetype k = 0; k < params->size(); ++k)
                    m_params[i].insert(params->keyAt(k), int(k));
            }
        }

        Graph g;
        m_collect = true;
        for (size_t i = 0; i < nodeCount; ++i)
            collectNode(nodes.at(qsizetype(i)), int(i));

        // Globals: the futures as listed (a repeated name resolves to its last future, as the
        // oracle's G[name] does), then every other @name, sorted.
        if (const JValue *futures = m_root.get(QLatin1StringView("futures"))) {
            for (qsizetype k = 0; k < futures->size(); ++k) {
                m_globalSlot.insert(futures->at(k).s, int(g.globalNames.size()));
                g.globalNames.push_back(futures->at(k).s);
            }
        }
        g.futureCount = int(g.globalNames.size());
        for (const QString &name : m_globalSeen) {
            if (!m_globalSlot.contains(name)) {
                m_globalSlot.insert(name, int(g.globalNames.size()));
                g.globalNames.push_back(name);
            }
        }

        m_collect = false;
        g.nodes.reserve(nodeCount);
        for (size_t i = 0; i < nodeCount; ++i)
            g.nodes.push_back(buildNode(nodes.at(qsizetype(i)), int(i)));

        if (const JValue *name = m_root.get(QLatin1StringView("name")); name && name->isString())
            g.name = name->s;
        if (const JValue *d = m_root.get(QLatin1StringView("description")); d && d->isString())
            g.description = d->s;
        const JValue *entry = m_root.get(QLatin1StringView("entry"));
        g.entry = m_nodeIndex.value(entry ? entry->s : u"main"_s);
        if (const JValue *limits = m_root.get(QLatin1StringView("limits"))) {
            if (const JValue *time = limits->get(QLatin1StringView("time")))
                g.timeLimit = time->number();
            for (const BudgetSpec &b : kBudgets) {
                if (const JValue *v = limits->get(b.key))
                    g.*b.field = v->i;
            }
        }
        return g;
    }

private:
    Node buildNode(const JValue &n, int i)
    {
        m_node = i;
        Node node;
        node.id = n.get(QLatin1StringView("id"))->s;
        const JValue *params = n.get(QLatin1StringView("params"));
        node.paramCount = params ? int(params->size()) : 0;
        if (!m_collect) {
            // Locals: the parameters in file order, then every other $name, sorted.
            auto &slots = m_localSlot.emplace_back();
            for (qsizetype k = 0; k < node.paramCount; ++k) {
                slots.insert(params->keyAt(k), int(k));
                node.localNames.push_back(params->keyAt(k));
            }
            for (const QString &name : m_localSeen[size_t(i)]) {
                if (!slots.contains(name)) {
                    slots.insert(name, int(node.localNames.size()));
                    node.localNames.push_back(name);
                }
            }
        }
        // A $x in a parameter's default is read as a local of this node.
        for (qsizetype k = 0; k < node.paramCount; ++k)
            node.paramDefaults.push_back(value(params->at(k)));
        node.steps = steps(*n.get(QLatin1StringView("steps")));
        return node;
    }

    // Pass 1: the names a node mentions, where the build below reads a reference (ref(),
    // value(), child(), nodeCall()), without building anything.
    void collectNode(const JValue &n, int i)
    {
        m_node = i;
        if (const JValue *params = n.get(QLatin1StringView("params"))) {
            for (qsizetype k = 0; k < params->size(); ++k)
                collectValue(params->at(k));
        }
        collectSteps(*n.get(QLatin1StringView("steps")));
    }

    void collectValue(const JValue &v)
    {
        if (v.isString() && isRef(v)) {
            ref(v.s);
        } else if (v.isArray()) {
            for (qsizetype k = 0; k < v.size(); ++k)
                collectValue(v.at(k));
        }
    }

    void collectChild(const JValue &c)
    {
        if (c.isString()) {
            if (isRef(c))
                ref(c.s);
            return;
        }
        if (const JValue *args = c.get(QLatin1StringView("args"))) {
            for (qsizetype k = 0; k < args->size(); ++k)
                collectValue(args->at(k));
        }
    }

    void collectSteps(const JValue &list)
    {
        for (qsizetype j = 0; j < list.size(); ++j)
            collectStep(list.at(j));
    }

    void collectStep(const JValue &st)
    {
        const auto field = [&](const char *name) { return st.get(QLatin1StringView(name)); };
        const Op op = findOp(*field("op"))->op;
        if (const JValue *as = field("as"))
            ref(as->s);
        const auto valueOf = [&](const char *name) {
            if (const JValue *v = field(name))
                collectValue(*v);
        };
        if (op == Op::Sleep || op == Op::Block || op == Op::Timeout)
            valueOf("seconds");
        if (op == Op::Sleep)
            valueOf("result");
        if (op == Op::Return || op == Op::SetResult)
            valueOf("value");
        if (op == Op::Wait || op == Op::WaitFor || op == Op::AsCompleted)
            valueOf("timeout");
        if (op == Op::Await || op == Op::Shield || op == Op::WaitFor)
            collectChild(*field("target"));
        if (op == Op::Spawn)
            collectChild(st); // its own "args"
        if (op == Op::Gather || op == Op::Wait || op == Op::AsCompleted || op == Op::TaskGroup) {
            const JValue &children = *field("children");
            for (qsizetype k = 0; k < children.size(); ++k)
                collectChild(children.at(k));
        }
        if (op == Op::SetResult || op == Op::SetException || op == Op::Cancel || op == Op::Drop)
            ref(field("target")->s);
        if (const JValue *body = field("body"))
            collectSteps(*body);
        if (op == Op::Try) {
            if (const JValue *handlers = field("except")) {
                for (qsizetype k = 0; k < handlers->size(); ++k) {
                    const JValue &h = handlers->at(k);
                    if (const JValue *as = h.get(QLatin1StringView("as")))
                        ref(as->s);
                    if (const JValue *body = h.get(QLatin1StringView("body")))
                        collectSteps(*body);
                }
            }
            if (const JValue *fin = field("finally"))
                collectSteps(*fin);
        }
    }

    VarRef ref(const QString &text)
    {
        VarRef r;
        r.global = text[0] == u'@';
        const QString name = text.mid(1);
        if (m_collect) {
            if (r.global)
                m_globalSeen.insert(name);
            else if (!m_params[size_t(m_node)].contains(name))
                m_localSeen[size_t(m_node)].insert(name);
            return r;
        }
        r.slot = r.global ? m_globalSlot.value(name, -1) : m_localSlot[size_t(m_node)].value(name, -1);
        return r;
    }

    ValueExpr value(const JValue &v)
    {
        ValueExpr e;
        switch (v.type) {
        case JType::Null:
            break;
        case JType::Bool:
            e.kind = ValueExpr::Kind::Bool, e.b = v.b;
            break;
        case JType::Int:
            e.kind = ValueExpr::Kind::Int, e.i = v.i;
            break;
        case JType::Double:
            e.kind = ValueExpr::Kind::Double, e.d = v.d;
            break;
        case JType::String:
            if (isRef(v)) {
                e.kind = ValueExpr::Kind::Ref;
                e.ref = ref(v.s);
            } else {
                e.kind = ValueExpr::Kind::String;
                e.s = v.s;
            }
            break;
        case JType::Array:
            e.kind = ValueExpr::Kind::List;
            e.list.reserve(size_t(v.size()));
            for (qsizetype k = 0; k < v.size(); ++k)
                e.list.push_back(value(v.at(k)));
            break;
        case JType::Object:
            break; // rejected by the validator
        }
        return e;
    }

    ValueExpr optionalValue(const JValue *v) { return v ? value(*v) : ValueExpr(); }

    ChildExpr nodeCall(const JValue &node, const JValue *args, const JValue *count)
    {
        ChildExpr c;
        c.node = m_nodeIndex.value(node.s, -1);
        if (args) {
            const auto &params = m_params[size_t(c.node)];
            for (qsizetype k = 0; k < args->size(); ++k)
                c.args.emplace_back(params.value(args->keyAt(k), -1), value(args->at(k)));
        }
        if (count)
            c.count = int(count->i);
        return c;
    }

    ChildExpr child(const JValue &c)
    {
        if (c.isString()) {
            ChildExpr e;
            if (isRef(c)) {
                e.isRef = true;
                e.ref = ref(c.s);
            } else {
                e.node = m_nodeIndex.value(c.s, -1);
            }
            return e;
        }
        return nodeCall(*c.get(QLatin1StringView("node")), c.get(QLatin1StringView("args")),
                        c.get(QLatin1StringView("count")));
    }

    std::vector<ChildExpr> children(const JValue &list)
    {
        std::vector<ChildExpr> out;
        out.reserve(size_t(list.size()));
        for (qsizetype k = 0; k < list.size(); ++k)
            out.push_back(child(list.at(k)));
        return out;
    }

    std::vector<Step> steps(const JValue &list)
    {
        std::vector<Step> out;
        out.reserve(size_t(list.size()));
        for (qsizetype j = 0; j < list.size(); ++j)
            out.push_back(step(list.at(j)));
        return out;
    }

    Step step(const JValue &st)
    {
        const auto field = [&](const char *name) { return st.get(QLatin1StringView(name)); };
        Step s;
        s.op = findOp(*field("op"))->op;
        if (const JValue *as = field("as"))
            s.as = ref(as->s);
        switch (s.op) {
        case Op::Sleep:
            s.seconds = value(*field("seconds"));
            if (const JValue *r = field("result")) {
                s.hasValue = true;
                s.value = value(*r);
            }
            break;
        case Op::Block:
        case Op::Timeout:
            s.seconds = value(*field("seconds"));
            break;
        case Op::Return:
        case Op::SetResult:
            if (const JValue *v = field("value")) {
                s.hasValue = true;
                s.value = value(*v);
            }
            break;
        case Op::Raise:
        case Op::SetException:
        case Op::Cancel:
            if (const JValue *t = field("type"))
                s.excType = t->s;
            // cancel's message is not checked by the oracle: CancelledError(msg) gives str(msg).
            if (const JValue *m = field("message"); m && m->type != JType::Null) {
                s.hasMessage = true;
                s.message = pyStr(*m);
            }
            break;
        case Op::Await:
        case Op::Shield:
        case Op::WaitFor:
            s.target = child(*field("target"));
            break;
        case Op::Spawn:
            s.target = nodeCall(*field("node"), field("args"), nullptr);
            break;
        case Op::Gather:
        case Op::Wait:
        case Op::AsCompleted:
        case Op::TaskGroup:
            s.children = children(*field("children"));
            break;
        case Op::Reraise:
        case Op::Try:
        case Op::Future:
        case Op::Drop:
        case Op::Gc:
        case Op::Hang:
        case Op::Repeat:
            break;
        }
        if (s.op == Op::Gather) {
            const JValue *re = field("return_exceptions");
            s.returnExceptions = re && pyTruthy(*re);
        }
        if (s.op == Op::Gather || s.op == Op::Shield) {
            const JValue *aw = field("await");
            s.await = !aw || pyTruthy(*aw);
        }
        if (s.op == Op::Wait) {
            const JValue *rw = field("return_when");
            if (rw && rw->s == u"FIRST_COMPLETED")
                s.returnWhen = ReturnWhen::FirstCompleted;
            else if (rw && rw->s == u"FIRST_EXCEPTION")
                s.returnWhen = ReturnWhen::FirstException;
        }
        if (s.op == Op::Wait || s.op == Op::WaitFor || s.op == Op::AsCompleted)
            s.timeout = optionalValue(field("timeout"));
        if (s.op == Op::SetResult || s.op == Op::SetException || s.op == Op::Cancel || s.op == Op::Drop)
            s.targetRef = ref(field("target")->s);
        if (s.op == Op::Repeat)
            s.times = field("times")->i;
        if (const JValue *body = field("body"))
            s.body = steps(*body);
        if (s.op == Op::Try) {
            const JValue *handlers = field("except");
            for (qsizetype k = 0; handlers && k < handlers->size(); ++k) {
                const JValue &h = handlers->at(k);
                ExceptHandler eh;
                const JValue &types = *h.get(QLatin1StringView("types"));
                for (qsizetype t = 0; t < types.size(); ++t)
                    eh.types.push_back(types.at(t).s);
                if (const JValue *as = h.get(QLatin1StringView("as")))
                    eh.as = ref(as->s);
                if (const JValue *body = h.get(QLatin1StringView("body")))
                    eh.body = steps(*body);
                s.handlers.push_back(std::move(eh));
            }
            // as the oracle writes it: a finally clause when there is one or when no handler is
            // given (Python needs one of the two; an empty one is a bare "finally: pass").
            const JValue *fin = field("finally");
            s.hasFinally = fin || !handlers || handlers->size() == 0;
            if (fin)
                s.finallyBody = steps(*fin);
        }
        return s;
    }

    const JValue &m_root;
    bool m_collect = true;
    int m_node = -1;
    QHash<QString, int> m_nodeIndex;
    std::vector<QHash<QString, int>> m_params;    // per node: parameter -> slot
    std::vector<std::set<QString>> m_localSeen;   // pass 1: $names per node (not parameters)
    std::set<QString> m_globalSeen;               // pass 1: every @name
    std::vector<QHash<QString, int>> m_localSlot; // pass 2: per node: $name -> slot
    QHash<QString, int> m_globalSlot;             // pass 2: @name -> slot
};

// The objects as read (Graph::source, Node::source, Step::source), laid on the built model.
void attachSteps(std::vector<Step> &steps, const QJsonValue &source)
{
    const QJsonArray sources = source.toArray();
    for (size_t j = 0; j < steps.size(); ++j) {
        Step &s = steps[j];
        s.source = sources.at(qsizetype(j)).toObject();
        attachSteps(s.body, s.source.value(u"body"_s));
        if (s.op == Op::Try) {
            const QJsonArray handlers = s.source.value(u"except"_s).toArray();
            for (size_t k = 0; k < s.handlers.size(); ++k)
                attachSteps(s.handlers[k].body, handlers.at(qsizetype(k)).toObject().value(u"body"_s));
            attachSteps(s.finallyBody, s.source.value(u"finally"_s));
        }
    }
}

void attachSources(Graph &g, QJsonObject source)
{
    g.source = std::move(source);
    const QJsonArray nodes = g.source.value(u"nodes"_s).toArray();
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        Node &n = g.nodes[i];
        n.source = nodes.at(qsizetype(i)).toObject();
        attachSteps(n.steps, n.source.value(u"steps"_s));
    }
}

// The document as a QJsonObject (the editor's and the runner's copy of the file). For a big
// document: Qt's own parser over the text (it fills the containers directly, where building
// them key by key copies every key twice), which gives the same object as the tree does for
// everything our reader accepts but NaN and Infinity (then it fails, and the tree is used);
// and on a second thread from the start, while the first reads, validates and builds the
// model, none of which needs it. Neither changes the text meanwhile.
class SourceJob
{
public:
    static constexpr qsizetype kBigFrom = 256 * 1024; // bytes of JSON

    explicit SourceJob(const QByteArray &json)
        : m_json(json)
    {
        if (json.size() < kBigFrom)
            return;
        try {
            m_thread = std::thread([this] {
                try {
                    m_parsed = parse();
                } catch (const std::bad_alloc &) {
                    m_failed = true;
                }
            });
        } catch (const std::system_error &) {
            // no thread to be had: take() builds it here
        }
    }
    ~SourceJob()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    Q_DISABLE_COPY_MOVE(SourceJob)

    // What Qt's parser said of the text, once it is done: for the message when our reader
    // rejects the text (null when it did not parse it: a small text, or no thread to be had).
    const QJsonParseError *parseError()
    {
        if (m_thread.joinable())
            m_thread.join();
        return m_parsedText && !m_failed ? &m_error : nullptr;
    }

    // root: the tree of the same text, which our reader accepted
    QJsonObject take(const JValue &root)
    {
        if (m_thread.joinable()) {
            m_thread.join();
            if (m_failed)
                throw std::bad_alloc();
        } else {
            m_parsed = parse();
        }
        if (m_parsed)
            return std::move(*m_parsed);
        return toQJson(root).toObject();
    }

private:
    std::optional<QJsonObject> parse()
    {
        if (m_json.size() < kBigFrom)
            return std::nullopt;
        const QJsonDocument doc = QJsonDocument::fromJson(m_json, &m_error);
        m_parsedText = true;
        if (m_error.error != QJsonParseError::NoError || !doc.isObject())
            return std::nullopt;
        return doc.object();
    }

    const QByteArray &m_json;
    std::thread m_thread;
    std::optional<QJsonObject> m_parsed;
    QJsonParseError m_error{};
    bool m_parsedText = false;
    bool m_failed = false;
};

// qtError: what QJsonDocument said of the text when it has parsed it already (else it is asked).
QString jsonError(const QByteArray &text, const JsonReader &reader, const QJsonParseError *qtError)
{
    // QJsonDocument words the common syntax errors; it is more lenient than Python in places
    // ("1.", "\x", a BOM), where our own reason is the one to give.
    if (!reader.ownReason()) {
        QJsonParseError error{};
        if (qtError)
            error = *qtError;
        else
            QJsonDocument::fromJson(text, &error);
        if (error.error != QJsonParseError::NoError)
            return u"invalid JSON at offset "_s + QString::number(error.offset) + u": " + error.errorString();
    }
    return u"invalid JSON at offset "_s + QString::number(reader.errorOffset()) + u": " + reader.error();
}

// Reads and validates json, then hands the tree and the job making its QJsonObject to `done`
// (which builds what the caller wants); the error as loadGraph words it, empty on success.
template<typename Done> QString readValidated(const QByteArray &json, Done &&done)
{
    try {
        if (json.size() > kMaxDocumentBytes)
            return u"size: too large to load ("_s + QString::number(json.size()) + u" bytes, at most 64 MiB)";
        if (json.startsWith("\xef\xbb\xbf")) {
            // Python's json rejects it too ("Unexpected UTF-8 BOM").
            return u"invalid JSON at offset 0: unexpected UTF-8 byte order mark"_s;
        }
        SourceJob source(json);
        JValue root;
        JsonReader reader(json);
        if (!reader.read(root))
            return jsonError(json, reader, source.parseError());
        Validator(root).run();
        done(root, source);
    } catch (const Invalid &invalid) {
        return invalid.message;
    } catch (const std::bad_alloc &) {
        return u"out of memory while loading the document"_s;
    } catch (const std::exception &e) {
        return u"cannot load the document: "_s + QString::fromLocal8Bit(e.what());
    }
    return QString();
}

} // namespace

LoadResult loadGraph(const QByteArray &json)
{
    LoadResult result;
    result.error = readValidated(json, [&result](const JValue &root, SourceJob &source) {
        Graph graph = Builder(root).build();
        attachSources(graph, source.take(root));
        result.graph = std::make_shared<const Graph>(std::move(graph));
    });
    if (!result.error.isEmpty())
        result.graph.reset();
    return result;
}

SourceResult loadGraphSource(const QByteArray &json)
{
    SourceResult result;
    result.error = readValidated(json, [&result](const JValue &root, SourceJob &source) {
        result.keys.reserve(root.size());
        for (qsizetype k = 0; k < root.size(); ++k) // a repeated key: once, where it came first
            result.keys.append(root.keyAt(k));
        result.source = source.take(root);
    });
    if (!result.error.isEmpty()) {
        result.source = QJsonObject();
        result.keys.clear();
    }
    return result;
}

LoadResult loadGraphFile(const QString &path)
{
    LoadResult result;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.error = path + u": cannot read: " + file.errorString();
        return result;
    }
    // Read in chunks up to one byte past the limit instead of trusting size() (devices and
    // pipes report 0) and without reserving the whole limit for every small file.
    QByteArray data;
    while (data.size() <= kMaxDocumentBytes) {
        const QByteArray chunk = file.read(std::min<qint64>(1 << 20, kMaxDocumentBytes + 1 - data.size()));
        if (chunk.isEmpty())
            break;
        data += chunk;
    }
    if (file.error() != QFileDevice::NoError) {
        result.error = path + u": cannot read: " + file.errorString();
        return result;
    }
    if (data.size() > kMaxDocumentBytes) {
        result.error = path + u": size: too large to load (more than 64 MiB)";
        return result;
    }
    result = loadGraph(data);
    if (!result.error.isEmpty())
        result.error = path + u": " + result.error;
    return result;
}

} // namespace ascope
