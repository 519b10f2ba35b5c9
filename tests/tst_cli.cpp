// The asyncscope command line as a user meets it: the built binary run through QProcess, with no
// display and no QT_QPA_PLATFORM, checking exit codes, stdout/stderr and the files written.
#include "binaryrun.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using ascope::test::Run;

QString example(const QString &name)
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR) + u"/resources/examples/"_s + name;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString tmp(const QString &name) const { return m_dir.filePath(name); }

    // Runs the binary the way CI and conformance.py do: no display, no platform chosen.
    Run run(const QStringList &args, const QString &platform = {}) const
    {
        return ascope::test::runBinary(QStringLiteral(ASYNCSCOPE_BINARY), args, m_dir.path(), platform);
    }

    // exit 2 and exactly one line on stderr, "error: ...", containing every fragment.
    static void checkOneLineError(const Run &r, const QStringList &fragments)
    {
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 2);
        const QStringList lines = r.errLines();
        QVERIFY2(lines.size() == 1, r.err.constData());
        QVERIFY2(lines.first().startsWith(u"error: "_s), r.err.constData());
        for (const QString &f : fragments)
            QVERIFY2(lines.first().contains(f), qPrintable(u"'%1' not in: %2"_s.arg(f, lines.first())));
        QVERIFY2(r.out.isEmpty(), r.out.constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(ASYNCSCOPE_BINARY)), ASYNCSCOPE_BINARY);
    }

    void runInvalidScenario_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content"); // empty: do not create the file
        QTest::addColumn<QStringList>("fragments");

        QTest::newRow("missing file") << tmp(u"missing.json"_s) << QByteArray() << QStringList{tmp(u"missing.json"_s)};
        QTest::newRow("not json") << tmp(u"broken.json"_s) << QByteArray("{\"format\": ")
                                  << QStringList{tmp(u"broken.json"_s)};
        QTest::newRow("wrong format") << tmp(u"format.json"_s)
                                      << QByteArray(R"({"format": "asyncgraph/9", "nodes": []})")
                                      << QStringList{tmp(u"format.json"_s), u"format"_s};
        QTest::newRow("unknown node") << tmp(u"node.json"_s)
                                      << QByteArray(R"({"format": "asyncgraph/1", "name": "x", "nodes": [
                 {"id": "main", "steps": [{"op": "await", "target": "nope"}]}]})")
                                      << QStringList{tmp(u"node.json"_s), u"nodes[0].steps[0].target"_s, u"nope"_s};
    }

    void runInvalidScenario()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QStringList, fragments);
        if (!content.isEmpty())
            QVERIFY(writeFile(file, content));
        const QString outcome = tmp(u"invalid.outcome.json"_s);
        const Run r = run({u"run"_s, file, u"--outcome"_s, outcome});
        checkOneLineError(r, fragments);
        QVERIFY2(!QFile::exists(outcome), "no outcome may be written for an invalid scenario");
    }

    void runWritesOutcome_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("scenario");

        QTest::newRow("taskgroup-failure example")
            << example(u"taskgroup-failure.json"_s) << u"checkout: a failed payment cancels the whole TaskGroup"_s;
        QTest::newRow("gather example") << example(u"gather.json"_s)
                                        << u"gather: collect every answer, or stop at the first error"_s;
        QTest::newRow("shield example") << example(u"shield.json"_s)
                                        << u"shield: a timeout abandons the wait, not the save"_s;
    }

    void runWritesOutcome()
    {
        QFETCH(QString, file);
        QFETCH(QString, scenario);
        const QString outcomePath = tmp(QFileInfo(file).baseName() + u".outcome.json"_s);
        const Run r = run({u"run"_s, file, u"--outcome"_s, outcomePath});
        QVERIFY2(!r.crashed, r.err.constData());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        QVERIFY2(r.out.isEmpty(), r.out.constData());

        QFile f(outcomePath);
        QVERIFY2(f.open(QIODevice::ReadOnly), "the outcome file was not written");
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(doc.isObject());
        const QJsonObject outcome = doc.object();
        if (outcome.isEmpty())
            QSKIP("the engine returned an empty outcome (runner stub)");
        QCOMPARE(outcome.value(u"format").toString(), u"asyncgraph-outcome/1"_s);
        QCOMPARE(outcome.value(u"scenario").toString(), scenario);
        QCOMPARE(outcome.value(u"status").toString(), u"completed"_s);
        QCOMPARE(outcome.value(u"main").toObject().value(u"state").toString(), u"done"_s);
    }

    void runWithoutOutcomeWritesStdout()
    {
        const Run r = run({u"run"_s, example(u"shield.json"_s)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(doc.isObject());
    }

    void runUnwritableOutcome_data()
    {
        QTest::addColumn<QString>("outcome");
        QTest::newRow("missing directory") << tmp(u"no-such-dir/out.json"_s);
        QTest::newRow("a directory") << m_dir.path();
    }

    void runUnwritableOutcome()
    {
        QFETCH(QString, outcome);
        const Run r = run({u"run"_s, example(u"shield.json"_s), u"--outcome"_s, outcome});
        checkOneLineError(r, {outcome});
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");

        QTest::newRow("unknown command") << QStringList{u"frobnicate"_s} << u"frobnicate"_s;
        QTest::newRow("unknown command with file") << QStringList{u"frob"_s, u"x.json"_s} << u"frob"_s;
        QTest::newRow("run without file") << QStringList{u"run"_s} << u"run"_s;
        QTest::newRow("run with two files") << QStringList{u"run"_s, u"a.json"_s, u"b.json"_s} << u"run"_s;
        QTest::newRow("run with unknown option") << QStringList{u"run"_s, u"--bogus"_s, u"a.json"_s} << u"bogus"_s;
        QTest::newRow("outcome without value") << QStringList{u"run"_s, u"a.json"_s, u"--outcome"_s} << u"outcome"_s;
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        checkOneLineError(run(args), {fragment});
    }

    void helpAndVersion_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("fragments");

        QTest::newRow("--help") << QStringList{u"--help"_s}
                                << QStringList{u"asyncscope run FILE"_s, u"--outcome"_s, u"--screenshot"_s};
        QTest::newRow("-h") << QStringList{u"-h"_s} << QStringList{u"asyncscope run FILE"_s};
        QTest::newRow("help after a file")
            << QStringList{u"graph.json"_s, u"--help"_s} << QStringList{u"asyncscope run FILE"_s};
        QTest::newRow("run --help") << QStringList{u"run"_s, u"--help"_s}
                                    << QStringList{u"asyncscope run"_s, u"--outcome"_s};
        QTest::newRow("--version") << QStringList{u"--version"_s}
                                   << QStringList{u"asyncscope " ASYNCSCOPE_VERSION "\n"_s};
    }

    void helpAndVersion()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, fragments);
        const Run r = run(args);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        const QString out = QString::fromUtf8(r.out);
        for (const QString &f : fragments)
            QVERIFY2(out.contains(f), qPrintable(u"'%1' not in: %2"_s.arg(f, out)));
    }

    // The headless commands run in a process that loads Qt Core only (app/main.cpp): what the
    // dynamic loader reports opening (LD_DEBUG, glibc; dlopen included) has no GUI library.
    void headlessLoadsNoGuiLibraries_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("--version") << QStringList{u"--version"_s};
        QTest::newRow("--help") << QStringList{u"--help"_s};
        QTest::newRow("run") << QStringList{u"run"_s, example(u"gather.json"_s), u"--outcome"_s, u"o.json"_s};
        QTest::newRow("check") << QStringList{u"check"_s, example(u"deadlock.json"_s)};
        QTest::newRow("export") << QStringList{u"export"_s, example(u"gather.json"_s), u"--format"_s, u"perfetto"_s};
    }

    void headlessLoadsNoGuiLibraries()
    {
        QFETCH(QStringList, args);
        QDir logDir(tmp(u"ld-"_s + QString::fromLatin1(QTest::currentDataTag())));
        QVERIFY(logDir.mkpath(u"."_s));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"DISPLAY"_s);
        env.remove(u"QT_QPA_PLATFORM"_s);
        env.insert(u"XDG_RUNTIME_DIR"_s, m_dir.path());
        env.insert(u"LD_DEBUG"_s, u"files"_s);
        env.insert(u"LD_DEBUG_OUTPUT"_s, logDir.filePath(u"ld"_s)); // ld.<pid>
        QProcess p;
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(ASYNCSCOPE_BINARY), args);
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() <= 1, p.readAllStandardError().constData());

        const QStringList logs = logDir.entryList({u"ld.*"_s}, QDir::Files);
        if (logs.isEmpty())
            QSKIP("the dynamic loader wrote no LD_DEBUG log (not glibc?)");
        QVERIFY2(logs.size() == 1, qPrintable(logs.join(u' '))); // one process
        QFile log(logDir.filePath(logs.first()));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QVERIFY2(text.contains(u"file=libQt6Core.so"_s), "LD_DEBUG log does not list libQt6Core");
        static const QRegularExpression gui(u"file=(\\S*(libQt6(Gui|Widgets|Charts|Svg|OpenGL|PrintSupport|DBus)"
                                            "|libGL|libEGL|libX11|libxcb|libfontconfig|libfreetype)\\S*)"_s);
        const QRegularExpressionMatch m = gui.match(text);
        QVERIFY2(!m.hasMatch(), qPrintable(u"a headless command loaded "_s + m.captured(1)));
    }

    // The window and report are asyncscope-gui's: without it beside (or installed for) the
    // asyncscope being run, they fail with one line naming where it was looked for, exit 127;
    // the headless commands need nothing but asyncscope itself.
    void missingGuiExecutable()
    {
        QDir alone(tmp(u"alone"_s));
        QVERIFY(alone.mkpath(u"."_s));
        const QString lean = alone.filePath(u"asyncscope"_s);
        QFile::remove(lean);
        QVERIFY(QFile::copy(QStringLiteral(ASYNCSCOPE_BINARY), lean));

        const QString out = tmp(u"alone.json"_s);
        Run r = ascope::test::runBinary(lean, {u"run"_s, example(u"gather.json"_s), u"--outcome"_s, out}, m_dir.path());
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        QVERIFY(QFile::exists(out));

        const QList<QStringList> needGui = {
            {u"report"_s, example(u"gather.json"_s), u"-o"_s, tmp(u"alone.pdf"_s)},
            {example(u"gather.json"_s), u"--run"_s, u"--screenshot"_s, tmp(u"alone.png"_s)},
        };
        for (const QStringList &args : needGui) {
            r = ascope::test::runBinary(lean, args, m_dir.path());
            QVERIFY2(!r.crashed, r.err.constData());
            QCOMPARE(r.exitCode, 127);
            const QStringList lines = r.errLines();
            QVERIFY2(lines.size() == 1, r.err.constData());
            QVERIFY2(lines.first().startsWith(u"error: asyncscope-gui"_s), r.err.constData());
            QVERIFY2(lines.first().contains(alone.filePath(u"asyncscope-gui"_s)), r.err.constData());
        }
        QVERIFY(!QFile::exists(tmp(u"alone.pdf"_s)));
        QVERIFY(!QFile::exists(tmp(u"alone.png"_s)));
    }

    void screenshot_data()
    {
        QTest::addColumn<QString>("platform");
        QTest::newRow("offscreen platform") << u"offscreen"_s;
        QTest::newRow("no display, platform chosen by the app") << QString();
    }

    void screenshot()
    {
        QFETCH(QString, platform);
        const QString png = tmp(u"shot-%1.png"_s.arg(platform.isEmpty() ? u"auto"_s : platform));
        const Run r = run({example(u"taskgroup-failure.json"_s), u"--run"_s, u"--screenshot"_s, png}, platform);
        QVERIFY2(!r.crashed, r.err.constData());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QImage image(png);
        QVERIFY2(!image.isNull(), "no readable PNG written");
        QCOMPARE(image.size(), QSize(1280, 800));
    }

    void screenshotOfInvalidFileFails()
    {
        const QString missing = tmp(u"gone.json"_s);
        const QString png = tmp(u"gone.png"_s);
        const Run r = run({missing, u"--screenshot"_s, png}, u"offscreen"_s);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 2);
        // Qt may add its own warnings for a GUI start; the error line must be there.
        const QStringList lines = r.errLines();
        QVERIFY2(std::any_of(lines.cbegin(), lines.cend(),
                             [&](const QString &l) { return l.startsWith(u"error: "_s) && l.contains(missing); }),
                 r.err.constData());
        QVERIFY(!QFile::exists(png));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
