#include "autosaver.h"

#include "graphdocument.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QString filePath(const QString &id, const QString &suffix)
{
    return Autosaver::recoveryDir() + u'/' + id + suffix;
}

bool writeAtomically(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(data) == data.size() && file.commit())
        return true;
    if (error)
        *error = path + u": cannot write: " + file.errorString();
    return false;
}

} // namespace

Autosaver::Autosaver(GraphDocument *doc, QObject *parent)
    : QObject(parent)
    , m_doc(doc)
    , m_id(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_timer.setInterval(DefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &Autosaver::onTimeout);
    connect(doc, &GraphDocument::modifiedChanged, this, &Autosaver::onModifiedChanged);
    // A reload or New keeps the document clean but brings other text: the old autosave is moot.
    connect(doc, &GraphDocument::documentReset, this, [this] { onModifiedChanged(m_doc->isModified()); });
    onModifiedChanged(doc->isModified());
}

Autosaver::~Autosaver()
{
    removeFiles();
}

QString Autosaver::recoveryDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + u"/recovery"_s;
}

void Autosaver::setInterval(int ms)
{
    m_timer.setInterval(ms);
}

int Autosaver::interval() const
{
    return m_timer.interval();
}

QString Autosaver::recoveryFile() const
{
    return pathFor(u".json"_s);
}

QString Autosaver::pathFor(const QString &suffix) const
{
    return filePath(m_id, suffix);
}

void Autosaver::onModifiedChanged(bool modified)
{
    if (modified) {
        if (!m_timer.isActive())
            m_timer.start();
        return;
    }
    m_timer.stop();
    removeFiles();
}

void Autosaver::onTimeout()
{
    if (!m_doc->isModified()) {
        m_timer.stop();
        return;
    }
    QString error;
    if (!autosaveNow(&error))
        Q_EMIT autosaveFailed(error);
}

bool Autosaver::autosaveNow(QString *error)
{
    const QByteArray text = m_doc->toJson();
    if (text == m_lastWritten && QFile::exists(recoveryFile()))
        return true;
    if (!QDir().mkpath(recoveryDir())) {
        if (error)
            *error = recoveryDir() + u": cannot create the recovery folder"_s;
        return false;
    }
    if (!m_lock) {
        m_lock = std::make_unique<QLockFile>(pathFor(u".lock"_s));
        m_lock->setStaleLockTime(0); // only a dead owner makes it stale, never its age
        if (!m_lock->tryLock(0)) {
            if (error)
                *error = pathFor(u".lock"_s) + u": cannot lock the recovery file"_s;
            m_lock.reset();
            return false;
        }
    }
    const QJsonObject meta{{u"original"_s, m_doc->filePath()},
                           {u"name"_s, m_doc->displayName()},
                           {u"saved"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}};
    // The text first: a meta file always has its text.
    if (!writeAtomically(recoveryFile(), text, error)
        || !writeAtomically(pathFor(u".meta"_s), QJsonDocument(meta).toJson(), error))
        return false;
    m_lastWritten = text;
    Q_EMIT autosaved(recoveryFile());
    return true;
}

void Autosaver::finish()
{
    m_timer.stop();
    disconnect(m_doc, nullptr, this, nullptr);
    removeFiles();
}

void Autosaver::removeFiles()
{
    m_lastWritten.clear();
    if (!m_lock)
        return;
    QFile::remove(pathFor(u".meta"_s));
    QFile::remove(recoveryFile());
    m_lock->unlock(); // removes the lock file
    m_lock.reset();
}

QList<Autosaver::Recovery> Autosaver::pendingRecoveries()
{
    QList<Recovery> out;
    const QFileInfoList metas = QDir(recoveryDir()).entryInfoList({u"*.meta"_s}, QDir::Files);
    for (const QFileInfo &metaInfo : metas) {
        const QString id = metaInfo.completeBaseName();
        QLockFile lock(filePath(id, u".lock"_s));
        lock.setStaleLockTime(0);
        // Held by a live session (another window): not ours to offer. A stale lock (its process
        // is gone) is taken over by tryLock, and released again at the end of this scope.
        if (!lock.tryLock(0))
            continue;
        QFile metaFile(metaInfo.filePath());
        if (!metaFile.open(QIODevice::ReadOnly) || !QFile::exists(filePath(id, u".json"_s)))
            continue;
        const QJsonObject meta = QJsonDocument::fromJson(metaFile.readAll()).object();
        Recovery r;
        r.id = id;
        r.originalPath = meta.value(u"original").toString();
        r.displayName = meta.value(u"name").toString();
        r.savedAt = QDateTime::fromString(meta.value(u"saved").toString(), Qt::ISODateWithMs);
        out << r;
    }
    std::sort(out.begin(), out.end(), [](const Recovery &a, const Recovery &b) { return a.savedAt > b.savedAt; });
    return out;
}

bool Autosaver::recover(GraphDocument *doc, const Recovery &recovery, QString *error)
{
    const QString path = filePath(recovery.id, u".json"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = path + u": cannot read: " + file.errorString();
        return false;
    }
    if (!doc->loadRecovered(file.readAll(), recovery.originalPath, path, error))
        return false;
    file.close();
    discard(recovery);
    return true;
}

void Autosaver::discard(const Recovery &recovery)
{
    QFile::remove(filePath(recovery.id, u".meta"_s));
    QFile::remove(filePath(recovery.id, u".json"_s));
    QFile::remove(filePath(recovery.id, u".lock"_s));
}

} // namespace ascope
