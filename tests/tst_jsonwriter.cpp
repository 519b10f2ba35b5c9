// JsonWriter, the outcome's streaming writer: the text it writes is the text
// QJsonDocument::toJson(Indented) gives for the same document, for numbers (integers inside and
// outside the fast path, where Qt switches to exponents, -0.0, fractions, infinities), strings
// (escapes, control characters, non-ASCII, surrogate pairs) and nesting; and written to a device
// in chunks it is the same text as in memory.
#include "jsonwriter.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using namespace ascope;

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void number_data();
    void number();
    void string_data();
    void string();
    void nestedAndChunked();
};

namespace {
QByteArray reference(const QJsonValue &v)
{
    return QJsonDocument(QJsonObject{{u"v"_s, v}}).toJson(QJsonDocument::Indented);
}

QByteArray written(void (*write)(JsonWriter &, const QJsonValue &), const QJsonValue &v)
{
    JsonWriter w;
    w.beginObject();
    w.key("v");
    write(w, v);
    w.endObject();
    return w.buffer();
}
} // namespace

void TestJsonWriter::number_data()
{
    QTest::addColumn<double>("d");
    QTest::newRow("zero") << 0.0;
    QTest::newRow("minus zero") << -0.0;
    QTest::newRow("one") << 1.0;
    QTest::newRow("minus three") << -3.0;
    QTest::newRow("99999") << 99999.0;
    QTest::newRow("-99999") << -99999.0;
    QTest::newRow("100000") << 100000.0;
    QTest::newRow("123456") << 123456.0;
    QTest::newRow("900000 (shortest g: 9e+05)") << 900000.0;
    QTest::newRow("1e6") << 1e6;
    QTest::newRow("2^53") << 9007199254740992.0;
    QTest::newRow("2^53 + 2") << 9007199254740994.0;
    QTest::newRow("-2^53") << -9007199254740992.0;
    QTest::newRow("1e18") << 1e18;
    QTest::newRow("-2^63") << -0x1p63;
    QTest::newRow("2^63") << 0x1p63;
    QTest::newRow("1e21") << 1e21;
    QTest::newRow("half") << 0.5;
    QTest::newRow("12345.5") << 12345.5;
    QTest::newRow("0.1") << 0.1;
    QTest::newRow("1e-7") << 1e-7;
    QTest::newRow("third") << 1.0 / 3.0;
    QTest::newRow("max") << std::numeric_limits<double>::max();
    QTest::newRow("denormal") << std::numeric_limits<double>::denorm_min();
    QTest::newRow("infinity") << std::numeric_limits<double>::infinity();
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
}

void TestJsonWriter::number()
{
    QFETCH(double, d);
    const QByteArray got = written([](JsonWriter &w, const QJsonValue &v) { w.number(v.toDouble()); }, d);
    QCOMPARE(got, reference(d));
}

void TestJsonWriter::string_data()
{
    QTest::addColumn<QString>("s");
    QTest::newRow("empty") << QString();
    QTest::newRow("ascii") << u"leaf#5123"_s;
    QTest::newRow("quotes and backslash") << u"say \"hi\" \\ there"_s;
    QTest::newRow("controls") << u"a\nb\tc\rd\be\ff"_s + QChar(0x01) + QChar(0x1f);
    QTest::newRow("latin-1") << u"caf\u00e9"_s;
    QTest::newRow("cjk") << u"\u4efb\u52a1"_s;
    QTest::newRow("surrogate pair") << u"\U0001F600 done"_s;
    QTest::newRow("del and slash") << u"a/b\u007f"_s;
}

void TestJsonWriter::string()
{
    QFETCH(QString, s);
    const QByteArray got = written([](JsonWriter &w, const QJsonValue &v) { w.string(v.toString()); }, s);
    QCOMPARE(got, reference(s));
}

void TestJsonWriter::nestedAndChunked()
{
    // Large enough to be flushed to the device several times.
    QJsonArray items;
    for (int i = 0; i < 20000; ++i)
        items.append(QJsonObject{{u"i"_s, i}, {u"name"_s, u"task#%1"_s.arg(i)}, {u"t"_s, i * 0.25}});
    const QJsonObject doc{{u"items"_s, items}, {u"empty"_s, QJsonArray()}, {u"none"_s, QJsonValue()}};

    auto write = [&doc](JsonWriter &w) {
        w.beginObject();
        w.key("empty");
        w.beginArray();
        w.endArray();
        w.key("items");
        w.beginArray();
        for (const QJsonValue &v : doc.value(u"items"_s).toArray()) {
            const QJsonObject o = v.toObject();
            w.beginObject();
            w.key("i");
            w.integer(o.value(u"i"_s).toInteger());
            w.key("name");
            w.string(o.value(u"name"_s).toString());
            w.key("t");
            w.number(o.value(u"t"_s).toDouble());
            w.endObject();
        }
        w.endArray();
        w.key("none");
        w.null();
        w.endObject();
    };
    JsonWriter inMemory;
    write(inMemory);
    const QByteArray expected = QJsonDocument(doc).toJson(QJsonDocument::Indented);
    QCOMPARE(inMemory.buffer(), expected);

    QBuffer device;
    QVERIFY(device.open(QIODevice::WriteOnly));
    {
        JsonWriter w(&device);
        write(w);
        QVERIFY(w.flush());
        QVERIFY(w.ok());
    }
    QVERIFY(device.data().size() > 1 << 17);
    QCOMPARE(device.data(), expected);
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
