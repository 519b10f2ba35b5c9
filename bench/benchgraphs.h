// What the benchmarks share: generated graphs and the median.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <vector>

namespace ascope::benchgraphs {

using namespace Qt::StringLiterals;

inline QByteArray fanOut(int n)
{
    // main gathers n/1000 batches, each gathering 1000 leaves that sleep 0.5 or 1 s
    const int batches = std::max(1, n / 1000);
    return u"{\"format\": \"asyncgraph/1\", \"name\": \"fan-out %1\", \"nodes\": ["
           "{\"id\": \"main\", \"steps\": [{\"op\": \"gather\", \"children\": [{\"node\": \"batch\", \"count\": "
           "%2}]}]},"
           "{\"id\": \"batch\", \"steps\": [{\"op\": \"gather\", \"children\": ["
           "{\"node\": \"leaf\", \"args\": {\"d\": 0.5}, \"count\": 500}, {\"node\": \"leaf\", \"args\": {\"d\": 1}, "
           "\"count\": 500}]}]},"
           "{\"id\": \"leaf\", \"params\": {\"d\": 1}, \"steps\": [{\"op\": \"sleep\", \"seconds\": \"$d\"}]}]}"_s
               .arg(n)
               .arg(batches)
               .toUtf8();
}

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// As bench/run.sh's gen_nodes: n distinct nodes with positions, all started by one TaskGroup.
inline QByteArray manyNodes(int n)
{
    QByteArray out = "{\"format\": \"asyncgraph/1\", \"name\": \"" + QByteArray::number(n)
        + " nodes\", \"nodes\": [\n {\"id\": \"main\", \"steps\": [{\"op\": \"taskgroup\", \"children\": [";
    for (int i = 0; i < n; ++i)
        out += (i ? ", \"n" : "\"n") + QByteArray::number(i) + '"';
    out += "]}, {\"op\": \"return\", \"value\": \"done\"}]}";
    for (int i = 0; i < n; ++i) {
        out += ",\n {\"id\": \"n" + QByteArray::number(i) + "\", \"ui\": {\"x\": " + QByteArray::number((i % 100) * 160)
            + ", \"y\": " + QByteArray::number((i / 100) * 80)
            + "}, \"steps\": [{\"op\": \"sleep\", \"seconds\": " + QByteArray::number((i % 7) * 0.25, 'g', 6)
            + "}, {\"op\": \"return\", \"value\": " + QByteArray::number(i) + "}]}";
    }
    out += "\n]}\n";
    return out;
}

// "--name VALUE" taken out of args (empty when absent).
inline QString takeOption(QStringList &args, const QString &name)
{
    const qsizetype i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size())
        return QString();
    const QString v = args.at(i + 1);
    args.remove(i, 2);
    return v;
}

} // namespace ascope::benchgraphs
