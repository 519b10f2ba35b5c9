// Autosave and crash recovery of a GraphDocument: the recovery file follows the unsaved edits,
// goes on save and on a clean exit, and a file left by a dead session is offered back and
// restores the edits as unsaved changes of the original file.
#include "autosaver.h"
#include "graphdocument.h"
#include "stalelock.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace Qt::StringLiterals;
using namespace ascope;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

using ascope::test::staleLockContents;

} // namespace

class TestAutosaver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(u"asyncscope-test-autosaver"_s);
        QVERIFY(m_tmp.isValid());
    }

    void init() { QDir(Autosaver::recoveryDir()).removeRecursively(); }

    void followsUnsavedEdits_data()
    {
        QTest::addColumn<QString>("end"); // how the unsaved state ends
        QTest::newRow("save") << u"save"_s;
        QTest::newRow("undo back to clean") << u"undo"_s;
        QTest::newRow("new document") << u"new"_s;
        QTest::newRow("clean exit") << u"exit"_s;
    }

    void followsUnsavedEdits()
    {
        QFETCH(QString, end);
        GraphDocument doc;
        doc.newDocument();
        auto saver = std::make_unique<Autosaver>(&doc);
        QCOMPARE(saver->interval(), Autosaver::DefaultIntervalMs);
        saver->setInterval(20);
        QSignalSpy autosaved(saver.get(), &Autosaver::autosaved);
        QVERIFY(!QFile::exists(saver->recoveryFile()));

        QVERIFY(doc.addNode(u"worker"_s, {10, 20}));
        QVERIFY(autosaved.wait(5000));
        const QString file = saver->recoveryFile();
        QCOMPARE(readAll(file), doc.toJson());

        QVERIFY(doc.addNode(u"second"_s, {30, 40})); // the next tick writes the new text
        QTRY_COMPARE(readAll(file), doc.toJson());

        if (end == u"save")
            QVERIFY(doc.save(m_tmp.filePath(u"saved.json"_s), nullptr));
        else if (end == u"undo")
            doc.undoStack()->setIndex(doc.undoStack()->cleanIndex());
        else if (end == u"new")
            doc.newDocument();
        else
            saver.reset();
        QVERIFY(!doc.isModified() || end == u"exit");
        QVERIFY(!QFile::exists(file));
        QVERIFY(QDir(Autosaver::recoveryDir()).entryList(QDir::Files).isEmpty());
        QVERIFY(Autosaver::pendingRecoveries().isEmpty());
    }

    void liveSessionsAreNotOffered()
    {
        GraphDocument doc;
        doc.newDocument();
        Autosaver saver(&doc);
        QVERIFY(doc.addNode(u"worker"_s, {0, 0}));
        QString error;
        QVERIFY2(saver.autosaveNow(&error), qPrintable(error));
        QVERIFY(QFile::exists(saver.recoveryFile()));
        QVERIFY(Autosaver::pendingRecoveries().isEmpty()); // its lock is held: still running
    }

    void crashedSessionIsRecovered_data()
    {
        QTest::addColumn<bool>("titled");
        QTest::newRow("edits of a saved file") << true;
        QTest::newRow("untitled graph") << false;
    }

    void crashedSessionIsRecovered()
    {
        QFETCH(bool, titled);
        // The crashed session: a graph with unsaved edits, autosaved, and a lock of a dead pid.
        GraphDocument before;
        before.newDocument();
        const QString original = titled ? m_tmp.filePath(u"work.json"_s) : QString();
        if (titled)
            QVERIFY(before.save(original, nullptr));
        QVERIFY(before.addNode(u"unsaved_node"_s, {5, 5}));
        const QByteArray text = before.toJson();
        QString base;
        QByteArray meta;
        {
            Autosaver crashed(&before);
            QVERIFY(crashed.autosaveNow());
            base = crashed.recoveryFile().chopped(5);
            meta = readAll(base + u".meta"_s);
        } // its clean exit removed the files: put back what a crash would have left
        QVERIFY(writeFile(base + u".json"_s, text));
        QVERIFY(writeFile(base + u".meta"_s, meta));
        QVERIFY(writeFile(base + u".lock"_s, staleLockContents()));

        const QList<Autosaver::Recovery> pending = Autosaver::pendingRecoveries();
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.first().originalPath, original);
        QCOMPARE(pending.first().displayName, titled ? u"work.json"_s : u"untitled"_s);
        QVERIFY(pending.first().savedAt.isValid());

        GraphDocument after;
        after.newDocument();
        QString error;
        QVERIFY2(Autosaver::recover(&after, pending.first(), &error), qPrintable(error));
        QCOMPARE(after.toJson(), text);
        QVERIFY(after.isModified());
        QCOMPARE(after.filePath(), original);
        QVERIFY(after.nodeIds().contains(u"unsaved_node"_s));
        QVERIFY(Autosaver::pendingRecoveries().isEmpty());
        QVERIFY(QDir(Autosaver::recoveryDir()).entryList(QDir::Files).isEmpty());
    }

    void discardRemovesTheFiles()
    {
        QDir().mkpath(Autosaver::recoveryDir());
        const QString base = Autosaver::recoveryDir() + u"/dead-session"_s;
        GraphDocument doc;
        doc.newDocument();
        QVERIFY(writeFile(base + u".json"_s, doc.toJson()));
        QVERIFY(
            writeFile(base + u".meta"_s, R"({"original": "", "name": "untitled", "saved": "2026-01-01T00:00:00Z"})"));
        QVERIFY(writeFile(base + u".lock"_s, staleLockContents()));
        const QList<Autosaver::Recovery> pending = Autosaver::pendingRecoveries();
        QCOMPARE(pending.size(), 1);
        Autosaver::discard(pending.first());
        QVERIFY(Autosaver::pendingRecoveries().isEmpty());
        QVERIFY(QDir(Autosaver::recoveryDir()).entryList(QDir::Files).isEmpty());
    }

    void brokenRecoveryLeavesTheDocument()
    {
        QDir().mkpath(Autosaver::recoveryDir());
        const QString base = Autosaver::recoveryDir() + u"/broken"_s;
        QVERIFY(writeFile(base + u".json"_s, "{\"format\": \"asyncgraph/1\", \"nodes\": ["));
        QVERIFY(
            writeFile(base + u".meta"_s, R"({"original": "", "name": "untitled", "saved": "2026-01-01T00:00:00Z"})"));
        QVERIFY(writeFile(base + u".lock"_s, staleLockContents()));
        const QList<Autosaver::Recovery> pending = Autosaver::pendingRecoveries();
        QCOMPARE(pending.size(), 1);
        GraphDocument doc;
        doc.newDocument();
        const QByteArray text = doc.toJson();
        QString error;
        QVERIFY(!Autosaver::recover(&doc, pending.first(), &error));
        QVERIFY2(error.startsWith(base + u".json: "_s), qPrintable(error));
        QCOMPARE(doc.toJson(), text);
        QVERIFY(!doc.isModified());
        Autosaver::discard(pending.first());
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_GUILESS_MAIN(TestAutosaver)
#include "tst_autosaver.moc"
