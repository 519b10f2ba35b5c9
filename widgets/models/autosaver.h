// Autosave and crash recovery for a GraphDocument. While the document has unsaved changes, its
// text is written every interval (30 s by default) to a recovery file of this session; saving,
// loading another graph or a clean exit removes it. Each session holds a lock file next to its
// recovery file, so a recovery file whose lock is stale (its process is gone) was left by a
// crash: the next start lists it with pendingRecoveries() and offers it back.
//
// Files, in recoveryDir(): <id>.json (the document's canonical text), <id>.meta (original path,
// display name, time of the autosave), <id>.lock (QLockFile of the session that owns them).
#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

class QLockFile;

namespace ascope {

class GraphDocument;

class Autosaver : public QObject
{
    Q_OBJECT
public:
    struct Recovery {
        QString id;           // the files' base name
        QString originalPath; // the file the edits belong to (empty: an untitled graph)
        QString displayName;  // as the window title showed it
        QDateTime savedAt;    // when the autosave was written
    };

    static constexpr int DefaultIntervalMs = 30000;

    explicit Autosaver(GraphDocument *doc, QObject *parent = nullptr);
    ~Autosaver() override; // a clean exit: the recovery file goes

    // Where recovery files live (QStandardPaths::AppLocalDataLocation + "/recovery").
    static QString recoveryDir();

    void setInterval(int ms);
    int interval() const;
    // This session's recovery file (it exists only while an autosave of unsaved edits does).
    QString recoveryFile() const;
    // Writes the recovery file now (what the timer does). False with *error when it cannot.
    bool autosaveNow(QString *error = nullptr);

    // A clean exit (the window closed, its edits saved or discarded): stops autosaving and
    // removes this session's recovery files, as the destructor does.
    void finish();

    // Recovery files of sessions that did not exit cleanly, newest first. Files of sessions
    // still running (another window) are not listed.
    static QList<Recovery> pendingRecoveries();
    // Puts a recovery into `doc` (modified, with the original file path so that Save writes
    // there) and removes its files. On error the document is unchanged and *error says why.
    static bool recover(GraphDocument *doc, const Recovery &recovery, QString *error);
    // Removes a recovery's files (the user does not want them).
    static void discard(const Recovery &recovery);

Q_SIGNALS:
    void autosaved(const QString &path);
    void autosaveFailed(const QString &error);

private:
    void onModifiedChanged(bool modified);
    void onTimeout();
    void removeFiles();
    QString pathFor(const QString &suffix) const;

    GraphDocument *m_doc = nullptr;
    QTimer m_timer;
    QString m_id;
    std::unique_ptr<QLockFile> m_lock;
    QByteArray m_lastWritten;
};

} // namespace ascope
