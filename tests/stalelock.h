// The lock file a crashed asyncscope session leaves behind (QLockFile's format) for the autosave
// and recovery tests: the pid of no running process, the application name, this machine.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QSysInfo>

#include <algorithm>
#include <cerrno>
#include <csignal>

namespace ascope::test {

// A pid no process has now: from the top of the pid range down (not the pid of a process that
// just exited, which a loaded machine may already have reused, or 0 when it could not start).
inline qint64 deadPid()
{
    qint64 top = 32768;
    QFile max(QStringLiteral("/proc/sys/kernel/pid_max"));
    if (max.open(QIODevice::ReadOnly))
        top = std::max<qint64>(300, max.readAll().trimmed().toLongLong());
    for (qint64 pid = top - 1; pid > 300; --pid) {
        if (::kill(pid_t(pid), 0) == -1 && errno == ESRCH)
            return pid;
    }
    return top - 1;
}

inline QByteArray staleLockContents()
{
    return QByteArray::number(deadPid()) + "\nasyncscope\n" + QSysInfo::machineHostName().toUtf8() + '\n'
        + QSysInfo::machineUniqueId() + '\n' + QSysInfo::bootUniqueId() + '\n';
}

} // namespace ascope::test
