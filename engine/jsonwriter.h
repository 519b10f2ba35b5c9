// A streaming JSON writer: the outcome of a run with 100,000s of tasks is written as it is
// produced, without building a QJsonObject tree first. The text is laid out exactly as
// QJsonDocument::toJson(QJsonDocument::Indented) lays it out (4 spaces, "key": value); the
// caller writes object members in the sorted key order QJsonObject would keep.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

#include <string>
#include <string_view>
#include <vector>

class QIODevice;

namespace ascope {

class JsonWriter
{
public:
    // Without a device the text accumulates in buffer(); with one it is flushed to it in chunks.
    explicit JsonWriter(QIODevice *device = nullptr);
    ~JsonWriter();
    JsonWriter(const JsonWriter &) = delete;
    JsonWriter &operator=(const JsonWriter &) = delete;

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    // The next value is the member `k` of the current object (k: ASCII, no escapes needed).
    void key(std::string_view k);

    void null();
    void boolean(bool b);
    void integer(qint64 i);
    void number(double d); // as a QJsonValue(double): shortest round-trip text, "null" if not finite
    void string(const QString &s);
    void ascii(std::string_view s); // a string value known to need no escapes
    void value(const QJsonValue &v);

    // Writes what is buffered to the device; false when the device refused it.
    bool flush();
    bool ok() const { return m_ok; }
    QByteArray buffer() const { return QByteArray(m_buf.data(), qsizetype(m_buf.size())); }

private:
    void open(char c);
    void close(char c);
    void item();
    void indent(int level) { m_buf.append(size_t(4 * level), ' '); }
    void maybeFlush()
    {
        if (m_device && m_buf.size() >= size_t(kChunk))
            flush();
    }
    void escaped(const QString &s);

    static constexpr qsizetype kChunk = 1 << 16;
    QIODevice *m_device;
    std::string m_buf;         // std::string: appending a char is inline (QByteArray 6.4's is a call)
    std::vector<char> m_first; // per open container: no item written yet
    bool m_afterKey = false;
    bool m_ok = true;
};

} // namespace ascope
