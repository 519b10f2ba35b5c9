#include "jsonwriter.h"

#include <QCborValue>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <cmath>

namespace ascope {

JsonWriter::JsonWriter(QIODevice *device)
    : m_device(device)
{
    if (m_device)
        m_buf.reserve(kChunk + 4096);
}

JsonWriter::~JsonWriter() = default;

bool JsonWriter::flush()
{
    if (m_device && !m_buf.isEmpty()) {
        if (m_device->write(m_buf) != m_buf.size())
            m_ok = false;
        m_buf.resize(0);
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
    m_buf.append(c);
    m_buf.append('\n');
    m_first.push_back(1);
}

void JsonWriter::close(char c)
{
    if (!m_first.back())
        m_buf.append('\n');
    m_first.pop_back();
    indent(int(m_first.size()));
    m_buf.append(c);
    if (m_first.empty())
        m_buf.append('\n');
    maybeFlush();
}

void JsonWriter::key(std::string_view k)
{
    item();
    m_buf.append('"');
    m_buf.append(k.data(), qsizetype(k.size()));
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
    m_buf.append(QByteArray::number(i));
}

void JsonWriter::number(double d)
{
    item();
    if (std::isfinite(d))
        m_buf.append(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
    else
        m_buf.append("null", 4); // as QJsonDocument: RFC 4627 has no infinities
}

void JsonWriter::ascii(std::string_view s)
{
    item();
    m_buf.append('"');
    m_buf.append(s.data(), qsizetype(s.size()));
    m_buf.append('"');
}

void JsonWriter::string(const QString &s)
{
    item();
    m_buf.append('"');
    escaped(s);
    m_buf.append('"');
}

void JsonWriter::escaped(const QString &s)
{
    // qjsonwriter.cpp escapedString: control characters, '"' and '\' escaped, the rest UTF-8
    const char16_t *p = reinterpret_cast<const char16_t *>(s.constData());
    const char16_t *end = p + s.size();
    const char16_t *run = p;
    auto ascii = [this](const char16_t *from, const char16_t *to) {
        const qsizetype n = qsizetype(to - from);
        const qsizetype at = m_buf.size();
        m_buf.resize(at + n);
        char *out = m_buf.data() + at;
        for (qsizetype i = 0; i < n; ++i)
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
            m_buf.append(QStringView(p, q).toUtf8());
            p = q - 1;
        } else {
            static const char hex[] = "0123456789abcdef";
            m_buf.append('\\');
            switch (u) {
            case u'"':
                m_buf.append('"');
                break;
            case u'\\':
                m_buf.append('\\');
                break;
            case u'\b':
                m_buf.append('b');
                break;
            case u'\f':
                m_buf.append('f');
                break;
            case u'\n':
                m_buf.append('n');
                break;
            case u'\r':
                m_buf.append('r');
                break;
            case u'\t':
                m_buf.append('t');
                break;
            default:
                m_buf.append("u00", 3);
                m_buf.append(hex[u >> 4]);
                m_buf.append(hex[u & 0xf]);
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
            m_buf.append('"');
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
