// Hostile input through the built binary, as a user (or an attacker) would feed it: every file in
// tests/hostile/ must end, within 20 s, either with exit 2 and one line naming the file and the
// place ("error: <file>: <where>: <what>") or with exit 0 and the status tests/hostile/EXPECTED
// gives it. Never a crash, never a hang. A few inputs are made here (too big to commit, or not
// files at all).
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int kRunTimeoutMs = 20000;

QString hostileDir()
{
    return QStringLiteral(ASYNCSCOPE_SOURCE_DIR) + u"/tests/hostile"_s;
}

// file name -> "error" or a status, from tests/hostile/EXPECTED
QHash<QString, QString> expectations()
{
    QHash<QString, QString> out;
    QFile f(hostileDir() + u"/EXPECTED"_s);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray &raw : f.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QStringList parts = line.split(u' ', Qt::SkipEmptyParts);
        if (parts.size() == 2)
            out.insert(parts[0], parts[1]);
    }
    return out;
}

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase();
    void everyFileHasAnExpectation();
    void run_data();
    void run();
};

void TestHostile::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // More than the loader's 64 MiB: refused before it is parsed.
    QFile big(m_dir.filePath(u"oversized.json"_s));
    QVERIFY(big.open(QIODevice::WriteOnly));
    const QByteArray chunk(1 << 20, ' ');
    for (int i = 0; i < 65; ++i)
        QCOMPARE(big.write(chunk), chunk.size());
    QVERIFY(big.write("{}") == 2);
    big.close();
    QVERIFY(QDir(m_dir.path()).mkdir(u"a-directory.json"_s));
}

void TestHostile::everyFileHasAnExpectation()
{
    const QHash<QString, QString> expected = expectations();
    const QStringList files = QDir(hostileDir()).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 25, qPrintable(u"only %1 hostile files"_s.arg(files.size())));
    for (const QString &f : files)
        QVERIFY2(expected.contains(f), qPrintable(f + u" has no line in tests/hostile/EXPECTED"_s));
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QVERIFY2(files.contains(it.key()), qPrintable(it.key() + u" is in EXPECTED but not in tests/hostile"_s));
}

void TestHostile::run_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    const QHash<QString, QString> expected = expectations();
    const QStringList files = QDir(hostileDir()).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    for (const QString &f : files)
        QTest::newRow(qPrintable(f)) << hostileDir() + u'/' + f << expected.value(f);
    QTest::newRow("generated: oversized.json (65 MiB)") << m_dir.filePath(u"oversized.json"_s) << u"error"_s;
    QTest::newRow("generated: a directory") << m_dir.filePath(u"a-directory.json"_s) << u"error"_s;
    QTest::newRow("generated: a missing file") << m_dir.filePath(u"missing.json"_s) << u"error"_s;
}

void TestHostile::run()
{
    QFETCH(QString, path);
    QFETCH(QString, expected);
    QVERIFY2(!expected.isEmpty(), "no expectation");

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"QT_QPA_PLATFORM"_s);
    env.remove(u"DISPLAY"_s);
    env.insert(u"XDG_RUNTIME_DIR"_s, m_dir.path());
    QProcess p;
    p.setProcessEnvironment(env);
    const QString outcome = m_dir.filePath(u"outcome.json"_s);
    QFile::remove(outcome);
    p.start(QStringLiteral(ASYNCSCOPE_BINARY), {u"run"_s, path, u"--outcome"_s, outcome});
    QVERIFY2(p.waitForStarted(kRunTimeoutMs), qPrintable(p.errorString()));
    if (!p.waitForFinished(kRunTimeoutMs)) {
        p.kill();
        p.waitForFinished();
        QFAIL("did not finish within 20 s");
    }
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);

    if (expected == u"error") {
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.endsWith(u'\n') && err.count(u'\n') == 1, qPrintable(u"not one line: "_s + err));
        // error: <file>: <where>: <what>
        const QString prefix = u"error: "_s + path + u": "_s;
        QVERIFY2(err.startsWith(prefix), qPrintable(err));
        QVERIFY2(err.mid(prefix.size()).contains(u": "_s), qPrintable(u"no place in: "_s + err));
        QVERIFY2(!QFile::exists(outcome), "an outcome was written for an invalid file");
        return;
    }
    QVERIFY2(p.exitCode() == 0, qPrintable(err));
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QFile f(outcome);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(o.value(u"format"_s).toString(), u"asyncgraph-outcome/1"_s);
    QCOMPARE(o.value(u"status"_s).toString(), expected);
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
