// The desktop integration files in packaging/: they pass the freedesktop validators
// (desktop-file-validate, appstreamcli; skipped when not installed) and agree with each other on
// the file type, the desktop id and the version; the installed layout (cmake --install, as the
// .deb has it) runs the headless commands, the window and report.
#include "binaryrun.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

QString packaging(const QString &name)
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR) + u"/packaging/"_s + name;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every element named `element`: its attributes (or, with `attribute` empty, its text).
QStringList xmlValues(const QByteArray &xml, const QString &element, const QString &attribute = {})
{
    QStringList values;
    QXmlStreamReader reader(xml);
    while (!reader.atEnd()) {
        if (reader.readNext() == QXmlStreamReader::StartElement && reader.name() == element)
            values << (attribute.isEmpty() ? reader.readElementText()
                                           : reader.attributes().value(attribute).toString());
    }
    return reader.hasError() ? QStringList{u"XML error: "_s + reader.errorString()} : values;
}

QString desktopKey(const QByteArray &desktop, const QString &key)
{
    const QRegularExpression line(u"^"_s + key + u"=(.*)$"_s, QRegularExpression::MultilineOption);
    return line.match(QString::fromUtf8(desktop)).captured(1);
}

} // namespace

class TestPackaging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validators_data()
    {
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QStringList>("args");
        QTest::newRow("desktop entry") << u"desktop-file-validate"_s << QStringList{packaging(u"asyncscope.desktop"_s)};
        QTest::newRow("AppStream metainfo")
            << u"appstreamcli"_s
            << QStringList{u"validate"_s, u"--no-net"_s, packaging(u"io.github.asyncscope.metainfo.xml"_s)};
    }

    void validators()
    {
        QFETCH(QString, tool);
        QFETCH(QStringList, args);
        const QString program = QStandardPaths::findExecutable(tool);
        if (program.isEmpty())
            QSKIP(qPrintable(tool + u" is not installed"_s));
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(program, args);
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAll().constData());
    }

    void filesAgree()
    {
        const QByteArray mime = readAll(packaging(u"asyncscope-mime.xml"_s));
        const QByteArray meta = readAll(packaging(u"io.github.asyncscope.metainfo.xml"_s));
        const QByteArray desktop = readAll(packaging(u"asyncscope.desktop"_s));
        QVERIFY(!mime.isEmpty() && !meta.isEmpty() && !desktop.isEmpty());

        const QString type = u"application/x-asyncgraph+json"_s;
        QCOMPARE(xmlValues(mime, u"mime-type"_s, u"type"_s), QStringList{type});
        QCOMPARE(xmlValues(mime, u"sub-class-of"_s, u"type"_s), QStringList{u"application/json"_s});
        QCOMPARE(xmlValues(mime, u"glob"_s, u"pattern"_s), (QStringList{u"*.asyncgraph.json"_s, u"*.asyncgraph"_s}));
        QVERIFY(desktopKey(desktop, u"MimeType"_s).split(u';', Qt::SkipEmptyParts).contains(type));
        QCOMPARE(xmlValues(meta, u"mediatype"_s), QStringList{type});

        QCOMPARE(xmlValues(meta, u"launchable"_s), QStringList{u"asyncscope.desktop"_s});
        QCOMPARE(xmlValues(meta, u"binary"_s), QStringList{desktopKey(desktop, u"Exec"_s).section(u' ', 0, 0)});
        QCOMPARE(xmlValues(meta, u"icon"_s), QStringList{desktopKey(desktop, u"Icon"_s)});
        QVERIFY(QFile::exists(packaging(desktopKey(desktop, u"Icon"_s) + u".svg"_s)));
        QCOMPARE(xmlValues(meta, u"release"_s, u"version"_s).value(0), QStringLiteral(ASYNCSCOPE_VERSION));
    }

    // This build installed under a fresh prefix: bin/asyncscope (what the desktop entry starts)
    // finds libexec/asyncscope/asyncscope-gui for the window and report.
    void installedLayout()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        QProcess install;
        install.setProcessChannelMode(QProcess::MergedChannels);
        install.start(QStringLiteral(ASYNCSCOPE_CMAKE),
                      {u"--install"_s, QStringLiteral(ASYNCSCOPE_BUILD_DIR), u"--prefix"_s, prefix.path()});
        QVERIFY(install.waitForFinished(120000));
        QVERIFY2(install.exitStatus() == QProcess::NormalExit && install.exitCode() == 0,
                 install.readAll().constData());

        const QDir root(prefix.path());
        const QString desktop = root.filePath(u"share/applications/asyncscope.desktop"_s);
        const QString exec = desktopKey(readAll(desktop), u"Exec"_s).section(u' ', 0, 0);
        const QString binary = root.filePath(u"bin/"_s + exec);
        QVERIFY2(QFile::exists(binary), qPrintable(binary));
        QVERIFY(QFile::exists(root.filePath(u"libexec/asyncscope/asyncscope-gui"_s)));
        QVERIFY(!QFile::exists(root.filePath(u"bin/asyncscope-gui"_s)));

        const QString runtime = root.filePath(u"runtime"_s);
        QVERIFY(QDir().mkpath(runtime));
        QVERIFY(QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const QString example = root.filePath(u"share/asyncscope/examples/gather.json"_s);
        const QList<QStringList> runs = {
            {u"--version"_s},
            {u"run"_s, example, u"--outcome"_s, root.filePath(u"o.json"_s)},
            {u"report"_s, example, u"-o"_s, root.filePath(u"r.svg"_s)},
            {example, u"--run"_s, u"--screenshot"_s, root.filePath(u"s.png"_s)},
        };
        for (const QStringList &args : runs) {
            const ascope::test::Run r = ascope::test::runBinary(binary, args, runtime);
            QVERIFY2(!r.crashed && r.exitCode == 0, qPrintable(args.join(u' ') + u": "_s + QString::fromUtf8(r.err)));
        }
        QVERIFY(QFile::exists(root.filePath(u"o.json"_s)));
        QVERIFY(QFile::exists(root.filePath(u"r.svg"_s)));
        QCOMPARE(QImage(root.filePath(u"s.png"_s)).size(), QSize(1280, 800));
    }
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
