// libFuzzer target: any bytes through the loader; whatever loads runs to its outcome (with its
// injection script, if any) under small budgets, so that one input takes milliseconds; half of
// them reclaiming memory after every iteration (Engine::setReclaim). A crash,
// a sanitizer report, a leak or a timeout here is a bug; an error message is not.
#include "engine.h"
#include "loader.h"

#include <QJsonDocument>

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const ascope::LoadResult r = ascope::loadGraph(bytes);
    if (!r.graph) {
        if (r.error.isEmpty())
            __builtin_trap(); // a rejection always says why
        return 0;
    }
    auto g = std::make_shared<ascope::Graph>(*r.graph);
    g->taskLimit = std::min<qint64>(g->taskLimit, 2000);
    g->stepLimit = std::min<qint64>(g->stepLimit, 20000);
    g->iterationLimit = std::min<qint64>(g->iterationLimit, 20000);
    ascope::Engine engine(g);
    if (size % 2 == 1) // half the inputs free what nothing reaches after every iteration
        engine.setReclaim(true, 1);
    if (auto script = ascope::Engine::scriptFromGraph(*g, nullptr))
        engine.setScript(std::move(*script));
    engine.runSync();
    const QByteArray out = QJsonDocument(engine.outcome()).toJson(QJsonDocument::Compact);
    if (out.isEmpty())
        __builtin_trap();
    return 0;
}
