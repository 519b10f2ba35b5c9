#include "jsonwriter.h"

#include <QCborValue>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <charconv>
#include <cmath>

namespace ascope {

JsonWriter::JsonWriter(QIODevice *device)
    : m_device(device)
{
    if (m_device)
        m_buf.reserve(size_t(kChunk) + 4096);
}

JsonWriter::~JsonWriter() = default;

bool JsonWriter::flush()
{
    if (m_device && !m_buf.empty()) {
        if (m_device->write(m_buf.data(), qint64(m_buf.size())) != qint64(m_buf.size()))
            m_ok = false;
        m_buf.clear();
    }
    return m_ok;
}

void JsonWriter::item()
{
    // qjsonwriter.cpp: members are separated by ",\n", each on its own indented line
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_first.empty())
        return;
    if (!m_first.back())
        m_buf.append(",\n", 2);
    m_first.back() = 0;
    indent(int(m_first.size()));
}

void JsonWriter::open(char c)
{
    item();
    m_buf.push_back(c);
    m_buf.push_back('\n');
    m_first.push_back(1);
}

void JsonWriter::close(char c)
{
    if (!m_first.back())
        m_buf.push_back('\n');
    m_first.pop_back();
    indent(int(m_first.size()));
    m_buf.push_back(c);
    if (m_first.empty())
        m_buf.push_back('\n');
    maybeFlush();
}

void JsonWriter::key(std::string_view k)
{
    item();
    m_buf.push_back('"');
    m_buf.append(k);
    m_buf.append("\": ", 3);
    m_afterKey = true;
}

void JsonWriter::null()
{
    item();
    m_buf.append("null", 4);
}

void JsonWriter::boolean(bool b)
{
    item();
    if (b)
        m_buf.append("true", 4);
    else
        m_buf.append("false", 5);
}

void JsonWriter::integer(qint64 i)
{
    item();
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, i);
    m_buf.append(digits, size_t(r.ptr - digits));
}

void JsonWriter::number(double d)
{
    // QJsonValue(double) keeps an integral double within +-2^53 as an integer, and writes it
    // so: "100000", not the "1e+05" of the shortest 'g'
    if (d == std::trunc(d) && std::fabs(d) <= 0x1p53 && !(d == 0 && std::signbit(d)))
        return integer(qint64(d));
    item();
    if (!std::isfinite(d)) {
        m_buf.append("null", 4); // as QJsonDocument: RFC 4627 has no infinities
        return;
    }
    const QByteArray text = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
    m_buf.append(text.constData(), size_t(text.size()));
}

void JsonWriter::ascii(std::string_view s)
{
    item();
    m_buf.push_back('"');
    m_buf.append(s);
    m_buf.push_back('"');
}

void JsonWriter::string(const QString &s)
{
    item();
    m_buf.push_back('"');
    escaped(s);
    m_buf.push_back('"');
}

void JsonWriter::escaped(const QString &s)
{
    // qjsonwriter.cpp escapedString: control characters, '"' and '\' escaped, the rest UTF-8
    const char16_t *p = reinterpret_cast<const char16_t *>(s.constData());
    const char16_t *end = p + s.size();
    const char16_t *run = p;
    auto ascii = [this](const char16_t *from, const char16_t *to) {
        const size_t n = size_t(to - from);
        const size_t at = m_buf.size();
        m_buf.resize(at + n); // one resize for the run, then plain stores
        char *out = m_buf.data() + at;
        for (size_t i = 0; i < n; ++i)
            out[i] = char(from[i]);
    };
    for (; p != end; ++p) {
        const char16_t u = *p;
        if (u >= 0x20 && u < 0x80 && u != u'"' && u != u'\\')
            continue;
        ascii(run, p);
        if (u >= 0x80) {
            const char16_t *q = p;
            while (q != end && *q >= 0x80)
                ++q;
            const QByteArray utf8 = QStringView(p, q).toUtf8();
            m_buf.append(utf8.constData(), size_t(utf8.size()));
            p = q - 1;
        } else {
            static const char hex[] = "0123456789abcdef";
            m_buf.push_back('\\');
            switch (u) {
            case u'"':
                m_buf.push_back('"');
                break;
            case u'\\':
                m_buf.push_back('\\');
                break;
            case u'\b':
                m_buf.push_back('b');
                break;
            case u'\f':
                m_buf.push_back('f');
                break;
            case u'\n':
                m_buf.push_back('n');
                break;
            case u'\r':
                m_buf.push_back('r');
                break;
            case u'\t':
                m_buf.push_back('t');
                break;
            default:
                m_buf.append("u00", 3);
                m_buf.push_back(hex[u >> 4]);
                m_buf.push_back(hex[u & 0xf]);
                break;
            }
        }
        run = p + 1;
    }
    ascii(run, end);
}

void JsonWriter::value(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        null();
        break;
    case QJsonValue::Bool:
        boolean(v.toBool());
        break;
    case QJsonValue::Double: {
        // QJsonValue keeps integers apart from doubles (QCborValue::Integer) and prints them whole
        const QCborValue c = QCborValue::fromJsonValue(v);
        if (c.isInteger())
            integer(c.toInteger());
        else
            number(v.toDouble());
        break;
    }
    case QJsonValue::String:
        string(v.toString());
        break;
    case QJsonValue::Array: {
        beginArray();
        const QJsonArray a = v.toArray();
        for (const QJsonValue &x : a)
            value(x);
        endArray();
        break;
    }
    case QJsonValue::Object: {
        beginObject();
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) { // QJsonObject keeps its keys sorted
            item();
            m_buf.push_back('"');
            escaped(it.key());
            m_buf.append("\": ", 3);
            m_afterKey = true;
            value(it.value());
        }
        endObject();
        break;
    }
    }
}

} // namespace ascope
