// The graph editor's layered layout (graphlayout.h) on small graphs of every shape: edges go
// down the layers except the back edges that break cycles, boxes never overlap, and the same
// input always gives the same output.
#include "graphlayout.h"

#include <QRectF>
#include <QTest>

using namespace Qt::StringLiterals;
using ascope::GraphLayoutInput;
using ascope::GraphLayoutResult;
using ascope::layoutGraph;

namespace {

// "0>1 1>2": edges as from>to pairs of node indices.
QList<GraphLayoutInput::Edge> parseEdges(const QString &text)
{
    QList<GraphLayoutInput::Edge> edges;
    const QStringList pairs = text.split(u' ', Qt::SkipEmptyParts);
    for (const QString &pair : pairs) {
        const QStringList ends = pair.split(u'>');
        Q_ASSERT(ends.size() == 2);
        edges.append({ends[0].toInt(), ends[1].toInt()});
    }
    return edges;
}

// Boxes of varied sizes, as node boxes with different step lists are.
GraphLayoutInput makeInput(int nodes, const QString &edges, int entry, bool leftToRight)
{
    GraphLayoutInput input;
    for (int i = 0; i < nodes; ++i)
        input.sizes.append(QSizeF(120 + (i * 37) % 90, 50 + (i * 23) % 70));
    input.edges = parseEdges(edges);
    input.entry = entry;
    input.leftToRight = leftToRight;
    return input;
}

QRectF box(const GraphLayoutInput &input, const GraphLayoutResult &result, int i)
{
    return QRectF(result.positions[i], input.sizes[i]);
}

} // namespace

class TestGraphLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void layout_data();
    void layout();
    void emptyGraph();
    void crossingReduction();
};

void TestGraphLayout::layout_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QString>("edges");
    QTest::addColumn<int>("entry");
    QTest::addColumn<bool>("leftToRight");
    QTest::addColumn<QList<int>>("layers"); // expected layer of each node (empty: not checked)
    QTest::addColumn<int>("backEdges");     // expected number of reversed edges

    QTest::newRow("single node") << 1 << QString() << 0 << false << QList<int>{0} << 0;
    QTest::newRow("chain") << 4 << u"0>1 1>2 2>3"_s << 0 << false << QList<int>{0, 1, 2, 3} << 0;
    QTest::newRow("chain left to right") << 4 << u"0>1 1>2 2>3"_s << 0 << true << QList<int>{0, 1, 2, 3} << 0;
    QTest::newRow("fan-out") << 6 << u"0>1 0>2 0>3 0>4 0>5"_s << 0 << false << QList<int>{0, 1, 1, 1, 1, 1} << 0;
    QTest::newRow("fan-in") << 5 << u"0>1 0>2 0>3 1>4 2>4 3>4"_s << 0 << false << QList<int>{0, 1, 1, 1, 2} << 0;
    QTest::newRow("diamond") << 4 << u"0>1 0>2 1>3 2>3"_s << 0 << false << QList<int>{0, 1, 1, 2} << 0;
    // Longest path: 3 sits below 2 even though 0 reaches it directly (a long edge with dummies).
    QTest::newRow("long edge") << 4 << u"0>1 1>2 2>3 0>3"_s << 0 << false << QList<int>{0, 1, 2, 3} << 0;
    QTest::newRow("cycle") << 3 << u"0>1 1>2 2>0"_s << 0 << false << QList<int>{0, 1, 2} << 1;
    QTest::newRow("two-node cycle") << 2 << u"0>1 1>0"_s << 0 << false << QList<int>{0, 1} << 1;
    QTest::newRow("inner cycle") << 4 << u"0>1 1>2 2>3 3>1"_s << 0 << false << QList<int>{0, 1, 2, 3} << 1;
    QTest::newRow("self-loops") << 3 << u"0>0 0>1 1>1 1>2 2>2"_s << 0 << false << QList<int>{0, 1, 2} << 0;
    QTest::newRow("duplicate edges") << 3 << u"0>1 0>1 1>2 0>1"_s << 0 << false << QList<int>{0, 1, 2} << 0;
    QTest::newRow("disconnected parts") << 6 << u"0>1 0>2 3>4 4>5"_s << 0 << false << QList<int>{0, 1, 1, 0, 1, 2} << 0;
    QTest::newRow("isolated nodes") << 4 << u"0>1"_s << 0 << false << QList<int>{0, 1, 0, 0} << 0;
    // The entry is not the first node and something points back at it: it still starts layer 0.
    QTest::newRow("entry not first") << 4 << u"2>0 0>1 1>2 2>3"_s << 2 << false << QList<int>{1, 2, 0, 1} << 1;
    QTest::newRow("no entry") << 3 << u"1>0 2>1"_s << -1 << false << QList<int>{2, 1, 0} << 0;
    // A source that is not the entry sits just above the node it feeds, not on top.
    QTest::newRow("late source") << 5 << u"0>1 1>2 2>3 4>3"_s << 0 << false << QList<int>{0, 1, 2, 3, 2} << 0;
    QTest::newRow("bad edges ignored") << 2 << u"0>1 0>7 -1>0"_s << 0 << false << QList<int>{0, 1} << 0;
    QTest::newRow("mixed") << 9 << u"0>1 0>2 0>2 1>3 2>3 3>4 4>1 2>5 5>5 6>7 7>6 8>0"_s << 0 << false << QList<int>()
                           << 3;
}

void TestGraphLayout::layout()
{
    QFETCH(int, nodes);
    QFETCH(QString, edges);
    QFETCH(int, entry);
    QFETCH(bool, leftToRight);
    QFETCH(QList<int>, layers);
    QFETCH(int, backEdges);

    const GraphLayoutInput input = makeInput(nodes, edges, entry, leftToRight);
    const GraphLayoutResult result = layoutGraph(input);
    QCOMPARE(result.positions.size(), nodes);
    QCOMPARE(result.layers.size(), nodes);
    if (!layers.isEmpty())
        QCOMPARE(result.layers, layers);
    QCOMPARE(result.backEdges.size(), backEdges);

    // Every edge goes to a later layer, except the back edges, which go to an earlier one.
    for (int i = 0; i < input.edges.size(); ++i) {
        const auto &e = input.edges[i];
        if (e.from < 0 || e.from >= nodes || e.to < 0 || e.to >= nodes || e.from == e.to)
            continue;
        const bool back = result.backEdges.contains(i);
        if (back)
            QVERIFY2(result.layers[e.to] < result.layers[e.from], qPrintable(u"back edge %1"_s.arg(i)));
        else
            QVERIFY2(result.layers[e.to] > result.layers[e.from], qPrintable(u"edge %1"_s.arg(i)));
    }

    // Boxes never overlap, and a later layer starts after the whole previous one.
    for (int i = 0; i < nodes; ++i) {
        for (int j = i + 1; j < nodes; ++j) {
            QVERIFY2(!box(input, result, i).intersects(box(input, result, j)),
                     qPrintable(u"boxes %1 and %2 overlap"_s.arg(i).arg(j)));
        }
        for (int j = 0; j < nodes; ++j) {
            if (result.layers[j] > result.layers[i]) {
                if (leftToRight)
                    QVERIFY(box(input, result, j).left() > box(input, result, i).right());
                else
                    QVERIFY(box(input, result, j).top() > box(input, result, i).bottom());
            }
        }
    }

    // The drawing starts at the origin.
    qreal minX = result.positions[0].x(), minY = result.positions[0].y();
    for (const QPointF &p : result.positions) {
        minX = std::min(minX, p.x());
        minY = std::min(minY, p.y());
    }
    QCOMPARE(minX, 0.0);
    QCOMPARE(minY, 0.0);

    // Deterministic: a second run gives exactly the same answer.
    const GraphLayoutResult again = layoutGraph(input);
    QCOMPARE(again.positions, result.positions);
    QCOMPARE(again.layers, result.layers);
    QCOMPARE(again.order, result.order);
    QCOMPARE(again.backEdges, result.backEdges);
}

void TestGraphLayout::emptyGraph()
{
    const GraphLayoutResult result = layoutGraph(GraphLayoutInput());
    QVERIFY(result.positions.isEmpty());
    QCOMPARE(result.layerCount, 0);
}

// Depth-first order starts 1's children before 2's, which crosses 2>3 with 1>4; one barycenter
// sweep swaps them. A tree is centred: the parent sits over the middle of its children.
void TestGraphLayout::crossingReduction()
{
    GraphLayoutInput input = makeInput(5, u"0>1 0>2 1>3 1>4 2>3"_s, 0, false);
    GraphLayoutResult result = layoutGraph(input);
    QCOMPARE(result.crossings, 0);
    QVERIFY(result.order[4] < result.order[3]);

    input = makeInput(4, u"0>1 0>2 0>3"_s, 0, false);
    for (QSizeF &s : input.sizes)
        s = QSizeF(100, 60);
    result = layoutGraph(input);
    QCOMPARE(result.crossings, 0);
    const qreal parentCentre = box(input, result, 0).center().x();
    QCOMPARE(parentCentre, box(input, result, 2).center().x());
    QVERIFY(box(input, result, 1).center().x() < parentCentre);
    QVERIFY(box(input, result, 3).center().x() > parentCentre);
}

QTEST_GUILESS_MAIN(TestGraphLayout)
#include "tst_graphlayout.moc"
