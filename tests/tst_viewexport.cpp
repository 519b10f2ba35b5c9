// Pictures of views (widgets/viewexport.h): PNG at 1x and 2x has the size and the pixels the
// widget or scene shows, SVG is a valid document of the right size, every failure names the path
// and leaves no file (or the old file) behind.
#include "viewexport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>
#include <QXmlStreamReader>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// A 200x100 white widget with a red 40x20 child at (20, 10).
std::unique_ptr<QWidget> makeWidget()
{
    auto w = std::make_unique<QWidget>();
    w->resize(200, 100);
    QPalette pal = w->palette();
    pal.setColor(QPalette::Window, Qt::white);
    w->setPalette(pal);
    w->setAutoFillBackground(true);
    auto *child = new QWidget(w.get());
    child->setGeometry(20, 10, 40, 20);
    QPalette red = child->palette();
    red.setColor(QPalette::Window, Qt::red);
    child->setPalette(red);
    child->setAutoFillBackground(true);
    return w;
}

bool isWellFormedXml(const QByteArray &bytes)
{
    QXmlStreamReader xml(bytes);
    while (!xml.atEnd())
        xml.readNext();
    return !xml.hasError();
}

} // namespace

class TestViewExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void renderWidgetAtRatio_data()
    {
        QTest::addColumn<qreal>("ratio");
        QTest::newRow("1x") << 1.0;
        QTest::newRow("2x") << 2.0;
    }
    void renderWidgetAtRatio()
    {
        QFETCH(qreal, ratio);
        const auto w = makeWidget();
        const QImage image = ascope::renderWidget(w.get(), ratio);
        QCOMPARE(image.size(), QSize(qRound(200 * ratio), qRound(100 * ratio)));
        QCOMPARE(image.devicePixelRatio(), ratio);
        // The child is drawn where it is, scaled by the ratio; the rest is the background.
        QCOMPARE(QColor(image.pixel(qRound(30 * ratio), qRound(20 * ratio))), QColor(Qt::red));
        QCOMPARE(QColor(image.pixel(qRound(59 * ratio), qRound(29 * ratio))), QColor(Qt::red));
        QCOMPARE(QColor(image.pixel(qRound(100 * ratio), qRound(50 * ratio))), QColor(Qt::white));
        QCOMPARE(QColor(image.pixel(qRound(61 * ratio), qRound(20 * ratio))), QColor(Qt::white));
    }

    void savePngFile_data()
    {
        QTest::addColumn<qreal>("ratio");
        QTest::newRow("1x") << 1.0;
        QTest::newRow("2x") << 2.0;
    }
    void savePngFile()
    {
        QFETCH(qreal, ratio);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"view.png"_s);
        const auto w = makeWidget();
        QCOMPARE(ascope::saveWidgetPicture(w.get(), path, ratio), QString());
        QImage read(path);
        QVERIFY(!read.isNull());
        QCOMPARE(read.size(), QSize(qRound(200 * ratio), qRound(100 * ratio)));
        QCOMPARE(QColor(read.pixel(qRound(30 * ratio), qRound(20 * ratio))), QColor(Qt::red));
    }

    void saveSvgFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"view.SVG"_s); // suffixes are case-insensitive
        const auto w = makeWidget();
        QCOMPARE(ascope::saveWidgetPicture(w.get(), path, 2.0), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY(bytes.contains("<svg"));
        QVERIFY(isWellFormedXml(bytes));
        QSvgRenderer svg(bytes);
        QVERIFY(svg.isValid());
        QCOMPARE(svg.viewBoxF(), QRectF(0, 0, 200, 100));
        // The picture is drawn with vectors: the child is a red rectangle, not a bitmap.
        QVERIFY(!bytes.contains("<image"));
        QVERIFY(bytes.contains("#ff0000"));
    }

    void sceneAtRatio_data()
    {
        QTest::addColumn<qreal>("ratio");
        QTest::newRow("1x") << 1.0;
        QTest::newRow("2x") << 2.0;
    }
    void sceneAtRatio()
    {
        QFETCH(qreal, ratio);
        QGraphicsScene scene;
        scene.addRect(0, 0, 100, 50, QPen(Qt::NoPen), Qt::blue);
        scene.setSceneRect(-500, -500, 1000, 1000); // ignored: the picture is the items' bounds
        // Bounds plus a 16-unit margin on each side.
        const QImage image = ascope::renderScene(&scene, ratio);
        QCOMPARE(image.size(), QSize(qRound(132 * ratio), qRound(82 * ratio)));
        QCOMPARE(QColor(image.pixel(qRound(60 * ratio), qRound(40 * ratio))), QColor(Qt::blue));
        QCOMPARE(QColor(image.pixel(qRound(4 * ratio), qRound(4 * ratio))), QColor(Qt::white));
    }

    void sceneSvgHoldsText()
    {
        QGraphicsScene scene;
        scene.addRect(0, 0, 100, 50);
        scene.addSimpleText(u"fetch_all"_s)->setPos(10, 10);
        const QByteArray svg = ascope::sceneSvg(&scene, u"graph"_s);
        QVERIFY(isWellFormedXml(svg));
        QVERIFY(QSvgRenderer(svg).isValid());
        QVERIFY(svg.contains("fetch_all"));
        QVERIFY(svg.contains("<title>graph</title>"));
    }

    void failuresNameThePath_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing directory") << u"no/such/dir/view.png"_s << u"directory does not exist"_s;
        QTest::newRow("file as directory") << u"plain.txt/view.png"_s << u"not a directory"_s;
        QTest::newRow("unknown suffix") << u"view.jpeg"_s << u"unknown picture format"_s;
        QTest::newRow("a directory") << u"sub.png"_s << u"is a directory"_s;
    }
    void failuresNameThePath()
    {
        QFETCH(QString, relative);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        QFile plain(dir.filePath(u"plain.txt"_s));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        QVERIFY(QDir(dir.path()).mkdir(u"sub.png"_s));
        const QString path = dir.filePath(relative);
        const auto w = makeWidget();
        const QString error = ascope::saveWidgetPicture(w.get(), path, 1.0);
        QVERIFY2(error.startsWith(path + u": "_s), qPrintable(error));
        QVERIFY2(error.contains(reason), qPrintable(error));
        QVERIFY(!QFileInfo(path).isFile());
    }

    void checkWritableLeavesNothing_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("reason"); // empty: writable
        QTest::newRow("new file") << u"report.pdf"_s << QString();
        QTest::newRow("existing file") << u"plain.txt"_s << QString();
        QTest::newRow("missing directory") << u"no/such/dir/report.pdf"_s << u"directory does not exist"_s;
        QTest::newRow("a directory") << u"sub.png"_s << u"is a directory"_s;
    }
    void checkWritableLeavesNothing()
    {
        QFETCH(QString, relative);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        QFile plain(dir.filePath(u"plain.txt"_s));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        QCOMPARE(plain.write("kept"), qint64(4));
        plain.close();
        QVERIFY(QDir(dir.path()).mkdir(u"sub.png"_s));
        const QString path = dir.filePath(relative);
        const QString error = ascope::checkWritable(path);
        if (reason.isEmpty()) {
            QVERIFY2(error.isEmpty(), qPrintable(error));
        } else {
            QVERIFY2(error.startsWith(path + u": "_s), qPrintable(error));
            QVERIFY2(error.contains(reason), qPrintable(error));
        }
        // Nothing created, nothing changed: only what was there before.
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 (QStringList{u"plain.txt"_s, u"sub.png"_s}));
        QVERIFY(plain.open(QIODevice::ReadOnly));
        QCOMPARE(plain.readAll(), QByteArray("kept"));
    }

    void failedWriteKeepsTheOldFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"view.png"_s);
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old picture");
        old.close();
        // An encoder that fails half-way: the old file must still be there, whole.
        const QString error = ascope::writeAtomically(path, [](QIODevice *d) {
            d->write("half a new picture");
            return u"encoder failed"_s;
        });
        QCOMPARE(error, path + u": encoder failed"_s);
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), QByteArray("old picture"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{u"view.png"_s});
    }

    void pictureFormatBySuffix_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("format"); // -1: none
        QTest::newRow("png") << u"a/b.png"_s << int(ascope::PictureFormat::Png);
        QTest::newRow("PNG") << u"b.PNG"_s << int(ascope::PictureFormat::Png);
        QTest::newRow("svg") << u"b.svg"_s << int(ascope::PictureFormat::Svg);
        QTest::newRow("pdf") << u"b.pdf"_s << -1;
        QTest::newRow("none") << u"b"_s << -1;
    }
    void pictureFormatBySuffix()
    {
        QFETCH(QString, path);
        QFETCH(int, format);
        const auto f = ascope::pictureFormatFor(path);
        QCOMPARE(f ? int(*f) : -1, format);
    }
};

QTEST_MAIN(TestViewExport)
#include "tst_viewexport.moc"
