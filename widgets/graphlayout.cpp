#include "graphlayout.h"

#include <QHash>

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

namespace ascope {

namespace {

// The layered graph the phases work on: the real nodes first, then one dummy per layer an edge
// passes through, so that long edges keep a lane free and take part in crossing reduction.
struct Layered {
    int realCount = 0;
    std::vector<int> layer;               // per virtual node
    std::vector<qreal> extent;            // size along the layer (width when layers go down)
    std::vector<std::vector<int>> up;     // neighbours in the previous layer
    std::vector<std::vector<int>> down;   // neighbours in the next layer
    std::vector<std::vector<int>> layers; // virtual nodes of each layer, in order
    std::vector<int> pos;                 // index of each virtual node inside its layer

    int add(int l, qreal e)
    {
        layer.push_back(l);
        extent.push_back(e);
        up.emplace_back();
        down.emplace_back();
        return int(layer.size()) - 1;
    }
    void link(int a, int b) // a in layer l, b in layer l + 1
    {
        down[a].push_back(b);
        up[b].push_back(a);
    }
    void renumber()
    {
        for (const std::vector<int> &nodes : layers) {
            for (int i = 0; i < int(nodes.size()); ++i)
                pos[nodes[i]] = i;
        }
    }
};

// Crossings between layer l and l + 1: inversions of the lower ends when the segments are
// sorted by their upper end (ties broken by the lower end, which cannot cross).
int crossingsBetween(const Layered &g, int l)
{
    std::vector<std::pair<int, int>> segments;
    for (int a : g.layers[l]) {
        for (int b : g.down[a])
            segments.emplace_back(g.pos[a], g.pos[b]);
    }
    std::sort(segments.begin(), segments.end());
    // Segments of one upper end are sorted by lower end and never count, so the crossings are
    // the strict inversions of the lower ends: counted with a Fenwick tree, O(E log E).
    int top = 0;
    for (const auto &s : segments)
        top = std::max(top, s.second + 1);
    std::vector<qint64> tree(size_t(top) + 1, 0);
    qint64 count = 0;
    qint64 seen = 0;
    for (const auto &s : segments) {
        qint64 notAbove = 0; // earlier segments whose lower end is <= this one's
        for (int k = s.second + 1; k > 0; k -= k & -k)
            notAbove += tree[size_t(k)];
        count += seen - notAbove;
        for (int k = s.second + 1; k <= top; k += k & -k)
            ++tree[size_t(k)];
        ++seen;
    }
    return int(std::min<qint64>(count, std::numeric_limits<int>::max() / 4));
}

int totalCrossings(const Layered &g)
{
    int count = 0;
    for (int l = 0; l + 1 < int(g.layers.size()); ++l)
        count += crossingsBetween(g, l);
    return count;
}

// One barycenter pass over layer l, ordering it by the mean position of its neighbours in the
// adjacent layer (`fromAbove`: the previous one). Nodes without such neighbours keep their slot.
void orderLayer(Layered &g, int l, bool fromAbove)
{
    std::vector<int> &nodes = g.layers[l];
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(nodes.size());
    for (int i = 0; i < int(nodes.size()); ++i) {
        const std::vector<int> &adj = fromAbove ? g.up[nodes[i]] : g.down[nodes[i]];
        double key = i;
        if (!adj.empty()) {
            double sum = 0;
            for (int a : adj)
                sum += g.pos[a];
            key = sum / double(adj.size());
        }
        keyed.emplace_back(key, nodes[i]);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (int i = 0; i < int(nodes.size()); ++i) {
        nodes[i] = keyed[i].second;
        g.pos[nodes[i]] = i;
    }
}

// Weighted isotonic regression (pool adjacent violators): the non-decreasing sequence closest
// to `target`. Placing a layer's boxes as near as possible to where their neighbours want them,
// in order and without overlap, reduces to this once the minimum offsets are subtracted.
std::vector<double> isotonic(const std::vector<double> &target, const std::vector<double> &weight)
{
    struct Block {
        double sum; // weighted sum of targets
        double w;   // total weight
        int count;
        double mean() const { return sum / w; }
    };
    std::vector<Block> blocks;
    for (size_t i = 0; i < target.size(); ++i) {
        blocks.push_back({target[i] * weight[i], weight[i], 1});
        while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() > blocks.back().mean()) {
            Block last = blocks.back();
            blocks.pop_back();
            blocks.back().sum += last.sum;
            blocks.back().w += last.w;
            blocks.back().count += last.count;
        }
    }
    std::vector<double> out;
    out.reserve(target.size());
    for (const Block &b : blocks)
        out.insert(out.end(), size_t(b.count), b.mean());
    return out;
}

// Places layer l so that each box's centre is as close as possible to the mean centre of its
// neighbours in the chosen direction(s); boxes keep their order and `gap` between them.
void placeLayer(const Layered &g, std::vector<double> &centre, int l, bool useUp, bool useDown, qreal gap)
{
    const std::vector<int> &nodes = g.layers[l];
    if (nodes.empty())
        return;
    std::vector<double> target(nodes.size());
    std::vector<double> weight(nodes.size());
    double offset = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const int v = nodes[i];
        double sum = 0;
        int n = 0;
        if (useUp) {
            for (int a : g.up[v]) {
                sum += centre[a];
                ++n;
            }
        }
        if (useDown) {
            for (int b : g.down[v]) {
                sum += centre[b];
                ++n;
            }
        }
        const bool dummy = v >= g.realCount;
        const double want = n > 0 ? sum / n : centre[v];
        // Dummies pull hardest (straight long edges), lonely boxes least (they go where there is room).
        weight[i] = n == 0 ? 0.25 : (dummy ? 4.0 : 1.0 + 0.1 * n);
        const double left = want - g.extent[v] / 2;
        target[i] = left - offset;
        offset += g.extent[v] + gap;
    }
    const std::vector<double> fitted = isotonic(target, weight);
    offset = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const int v = nodes[i];
        centre[v] = fitted[i] + offset + g.extent[v] / 2;
        offset += g.extent[v] + gap;
    }
}

// The layered layout of one weakly connected graph (it works on any graph; the pieces of a
// disconnected one are just better placed side by side than interleaved).
GraphLayoutResult layoutComponent(const GraphLayoutInput &input)
{
    GraphLayoutResult result;
    const int n = int(input.sizes.size());
    result.positions.resize(n);
    result.layers.resize(n);
    result.order.resize(n);
    if (n == 0)
        return result;
    const int entry = input.entry >= 0 && input.entry < n ? input.entry : -1;

    // --- edges: one per ordered pair, in input order ---------------------------------------
    std::vector<std::vector<int>> out(n);
    QHash<quint64, QList<int>> edgeIndices; // (from, to) -> input edges
    auto key = [](int a, int b) { return (quint64(quint32(a)) << 32) | quint32(b); };
    for (int i = 0; i < int(input.edges.size()); ++i) {
        const auto &e = input.edges[i];
        if (e.from < 0 || e.from >= n || e.to < 0 || e.to >= n || e.from == e.to)
            continue;
        QList<int> &indices = edgeIndices[key(e.from, e.to)];
        if (indices.isEmpty())
            out[e.from].push_back(e.to);
        indices.append(i);
    }
    std::vector<int> inDegree(n, 0);
    for (int u = 0; u < n; ++u) {
        for (int v : out[u])
            ++inDegree[v];
    }

    // --- cycle breaking: DFS from the entry, then from the sources, then from the rest --------
    std::vector<int> roots;
    if (entry >= 0)
        roots.push_back(entry);
    for (int u = 0; u < n; ++u) {
        if (u != entry && inDegree[u] == 0)
            roots.push_back(u);
    }
    for (int u = 0; u < n; ++u) {
        if (u != entry && inDegree[u] != 0)
            roots.push_back(u);
    }
    enum Colour : quint8 { White, Grey, Black };
    std::vector<Colour> colour(n, White);
    std::vector<std::pair<int, int>> dagEdges; // (from, to) after reversing the back edges
    QList<quint64> reversed;
    for (int root : roots) {
        if (colour[root] != White)
            continue;
        std::vector<std::pair<int, size_t>> stack{{root, 0}}; // node, next out-edge
        colour[root] = Grey;
        while (!stack.empty()) {
            auto &[u, next] = stack.back();
            if (next == out[u].size()) {
                colour[u] = Black;
                stack.pop_back();
                continue;
            }
            const int v = out[u][next++];
            // Edges into the entry are reversed too: the entry always starts the first layer.
            if (colour[v] == Grey || v == entry) {
                dagEdges.emplace_back(v, u);
                reversed.append(key(u, v));
            } else {
                dagEdges.emplace_back(u, v);
                if (colour[v] == White) {
                    colour[v] = Grey;
                    stack.emplace_back(v, 0);
                }
            }
        }
    }
    for (quint64 k : std::as_const(reversed))
        result.backEdges.append(edgeIndices.value(k));
    std::sort(result.backEdges.begin(), result.backEdges.end());

    // A reversed edge may duplicate a forward one (a <-> b): keep each DAG pair once.
    std::sort(dagEdges.begin(), dagEdges.end());
    dagEdges.erase(std::unique(dagEdges.begin(), dagEdges.end()), dagEdges.end());
    std::vector<std::vector<int>> dagOut(n), dagIn(n);
    for (const auto &[a, b] : dagEdges) {
        dagOut[a].push_back(b);
        dagIn[b].push_back(a);
    }

    // --- layering: longest path from the sources (Kahn order, smallest index first) ---------
    std::vector<int> topo;
    {
        std::vector<int> pending(n);
        std::vector<int> ready;
        for (int u = 0; u < n; ++u) {
            pending[u] = int(dagIn[u].size());
            if (pending[u] == 0)
                ready.push_back(u);
        }
        std::make_heap(ready.begin(), ready.end(), std::greater<>());
        while (!ready.empty()) {
            std::pop_heap(ready.begin(), ready.end(), std::greater<>());
            const int u = ready.back();
            ready.pop_back();
            topo.push_back(u);
            for (int v : dagOut[u]) {
                if (--pending[v] == 0) {
                    ready.push_back(v);
                    std::push_heap(ready.begin(), ready.end(), std::greater<>());
                }
            }
        }
    }
    std::vector<int> layer(n, 0);
    for (int u : topo) {
        for (int v : dagOut[u])
            layer[v] = std::max(layer[v], layer[u] + 1);
    }
    // Sources other than the entry sit just above their nearest successor, not all on top.
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
        const int u = *it;
        if (u == entry || !dagIn[u].empty() || dagOut[u].empty())
            continue;
        int nearest = layer[dagOut[u].front()];
        for (int v : dagOut[u])
            nearest = std::min(nearest, layer[v]);
        layer[u] = std::max(0, nearest - 1);
    }
    const int layerCount = 1 + *std::max_element(layer.begin(), layer.end());

    // --- the proper layered graph: a dummy on every layer a long edge crosses -----------------
    Layered g;
    g.realCount = n;
    for (int u = 0; u < n; ++u) {
        const QSizeF s = input.sizes[u];
        g.add(layer[u], input.leftToRight ? s.height() : s.width());
    }
    for (const auto &[a, b] : dagEdges) {
        int prev = a;
        for (int l = layer[a] + 1; l < layer[b]; ++l) {
            const int d = g.add(l, input.dummyWidth);
            g.link(prev, d);
            prev = d;
        }
        g.link(prev, b);
    }

    // Initial order: depth-first from the roots, so that what hangs together starts together.
    g.layers.assign(size_t(layerCount), {});
    g.pos.assign(g.layer.size(), -1);
    {
        std::vector<bool> seen(g.layer.size(), false);
        auto visit = [&](int start) {
            std::vector<int> stack{start};
            while (!stack.empty()) {
                const int v = stack.back();
                stack.pop_back();
                if (seen[v])
                    continue;
                seen[v] = true;
                g.layers[size_t(g.layer[v])].push_back(v);
                // Reverse so that the first successor is visited first.
                for (auto it = g.down[v].rbegin(); it != g.down[v].rend(); ++it) {
                    if (!seen[*it])
                        stack.push_back(*it);
                }
            }
        };
        for (int root : roots)
            visit(root);
        for (int v = 0; v < int(g.layer.size()); ++v) {
            if (!seen[v])
                visit(v);
        }
    }
    g.renumber();

    // --- crossing reduction: barycenter sweeps, keeping the best ordering seen --------------
    int best = totalCrossings(g);
    std::vector<std::vector<int>> bestLayers = g.layers;
    for (int sweep = 0; sweep < input.sweeps && best > 0; ++sweep) {
        if (sweep % 2 == 0) {
            for (int l = 1; l < layerCount; ++l)
                orderLayer(g, l, true);
        } else {
            for (int l = layerCount - 2; l >= 0; --l)
                orderLayer(g, l, false);
        }
        const int c = totalCrossings(g);
        if (c < best) {
            best = c;
            bestLayers = g.layers;
        }
    }
    g.layers = bestLayers;
    g.renumber();
    result.crossings = best;

    // --- coordinates along the layers: packed, then pulled towards the neighbours -----------
    const qreal gap = input.nodeSpacing;
    std::vector<double> centre(g.layer.size(), 0);
    double widest = 0;
    for (const std::vector<int> &nodes : g.layers) {
        double w = 0;
        for (int v : nodes)
            w += g.extent[v] + gap;
        widest = std::max(widest, w);
    }
    for (const std::vector<int> &nodes : g.layers) {
        double w = 0;
        for (int v : nodes)
            w += g.extent[v] + gap;
        double x = (widest - w) / 2;
        for (int v : nodes) {
            centre[v] = x + g.extent[v] / 2;
            x += g.extent[v] + gap;
        }
    }
    for (int iteration = 0; iteration < 4; ++iteration) {
        for (int l = 1; l < layerCount; ++l)
            placeLayer(g, centre, l, true, false, gap);
        for (int l = layerCount - 2; l >= 0; --l)
            placeLayer(g, centre, l, false, true, gap);
    }
    for (int l = 0; l < layerCount; ++l)
        placeLayer(g, centre, l, true, true, gap);

    // --- coordinates across the layers: each layer as thick as its biggest box -------------
    std::vector<double> thickness(size_t(layerCount), 0);
    for (int u = 0; u < n; ++u) {
        const QSizeF s = input.sizes[u];
        thickness[size_t(layer[u])]
            = std::max<double>(thickness[size_t(layer[u])], input.leftToRight ? s.width() : s.height());
    }
    std::vector<double> layerStart(size_t(layerCount), 0);
    for (int l = 1; l < layerCount; ++l)
        layerStart[size_t(l)]
            = layerStart[size_t(l - 1)] + std::max(thickness[size_t(l - 1)], 20.0) + input.layerSpacing;

    double minAlong = 0;
    bool first = true;
    for (int u = 0; u < n; ++u) {
        const double left = centre[u] - g.extent[u] / 2;
        minAlong = first ? left : std::min(minAlong, left);
        first = false;
    }
    for (int u = 0; u < n; ++u) {
        // Rounded: positions end up in the document, where whole numbers read better.
        const double along = qRound(centre[u] - g.extent[u] / 2 - minAlong);
        const double across = qRound(layerStart[size_t(layer[u])]);
        result.positions[u] = input.leftToRight ? QPointF(across, along) : QPointF(along, across);
        result.layers[u] = layer[u];
    }
    for (const std::vector<int> &nodes : g.layers) {
        int rank = 0;
        for (int v : nodes) {
            if (v < n)
                result.order[v] = rank++;
        }
    }
    result.layerCount = layerCount;
    return result;
}

} // namespace

GraphLayoutResult layoutGraph(const GraphLayoutInput &input)
{
    const int n = int(input.sizes.size());
    const int entry = input.entry >= 0 && input.entry < n ? input.entry : -1;
    auto valid = [n](const GraphLayoutInput::Edge &e) {
        return e.from >= 0 && e.from < n && e.to >= 0 && e.to < n && e.from != e.to;
    };

    // Weakly connected components (union-find), the entry's first, then by lowest node index;
    // nodes without any edge share one last piece (a row on the first layer).
    std::vector<int> parent(size_t(std::max(n, 0)));
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&parent](int v) {
        while (parent[v] != v)
            v = parent[v] = parent[parent[v]];
        return v;
    };
    std::vector<bool> linked(size_t(std::max(n, 0)), false);
    for (const auto &e : input.edges) {
        if (!valid(e))
            continue;
        linked[e.from] = linked[e.to] = true;
        parent[find(e.from)] = find(e.to);
    }
    std::vector<std::vector<int>> pieces;
    std::vector<int> lonely;
    QHash<int, int> pieceOfRoot;
    auto place = [&](int u) {
        if (!linked[u] && u != entry) {
            lonely.push_back(u);
            return;
        }
        const int root = find(u);
        auto it = pieceOfRoot.find(root);
        if (it == pieceOfRoot.end()) {
            it = pieceOfRoot.insert(root, int(pieces.size()));
            pieces.emplace_back();
        }
        pieces[size_t(*it)].push_back(u);
    };
    if (entry >= 0)
        place(entry);
    for (int u = 0; u < n; ++u) {
        if (u != entry)
            place(u);
    }
    if (!lonely.empty())
        pieces.push_back(lonely);
    if (pieces.size() <= 1)
        return layoutComponent(input);

    GraphLayoutResult result;
    result.positions.resize(n);
    result.layers.resize(n);
    result.order.resize(n);
    std::vector<int> local(size_t(n), -1);
    qreal offset = 0;
    for (const std::vector<int> &piece : pieces) {
        GraphLayoutInput sub = input;
        sub.sizes.clear();
        sub.edges.clear();
        for (int u : piece) {
            local[u] = int(sub.sizes.size());
            sub.sizes.append(input.sizes[u]);
        }
        QList<int> edgeIndex; // sub edge -> input edge
        for (int i = 0; i < int(input.edges.size()); ++i) {
            const auto &e = input.edges[i];
            if (valid(e) && find(e.from) == find(piece.front()) && linked[piece.front()]) {
                sub.edges.append({local[e.from], local[e.to]});
                edgeIndex.append(i);
            }
        }
        sub.entry = entry >= 0 && piece.front() == entry ? 0 : -1;
        const GraphLayoutResult r = layoutComponent(sub);

        qreal breadth = 0; // extent across the layers' direction, to put the next piece after
        for (int k = 0; k < int(piece.size()); ++k) {
            const int u = piece[size_t(k)];
            const QPointF p = r.positions[k];
            result.positions[u] = input.leftToRight ? p + QPointF(0, offset) : p + QPointF(offset, 0);
            result.layers[u] = r.layers[k];
            result.order[u] = r.order[k];
            breadth = std::max(breadth,
                               input.leftToRight ? p.y() + input.sizes[u].height() : p.x() + input.sizes[u].width());
        }
        for (int b : r.backEdges)
            result.backEdges.append(edgeIndex[b]);
        result.crossings += r.crossings;
        result.layerCount = std::max(result.layerCount, r.layerCount);
        offset += breadth + 2 * input.nodeSpacing;
    }
    std::sort(result.backEdges.begin(), result.backEdges.end());
    return result;
}

} // namespace ascope
