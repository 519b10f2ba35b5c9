// Drives one run of a graph on the Qt event loop: the entry task to its end (the snapshot), the
// end-of-entry collection, asyncio.run()'s shutdown; then the outcome (spec section 4).
// In virtual time each Qt event runs a batch of loop iterations (a few ms), never a busy spin.
#pragma once

#include "runtime.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

namespace ascope {

class JsonWriter;

// A live intervention in a run: applied between two loop iterations, recorded in the trace
// (EventKind::Injected) and in Engine::injections(), saved with the graph as a script so that
// a replay reproduces the run exactly.
struct Injection {
    enum class Kind : quint8 {
        Cancel,       // task or future .cancel(message)
        ForceTimeout, // the innermost deadline (wait_for/timeout/wait/as_completed) moves to now;
                      // a plain await gets TimeoutError thrown in
        Resolve,      // future.set_result(value)
        Fail,         // future.set_exception(excType(message))
        Drop,         // every variable holding the task/future is set to None
        Collect,      // gc.collect()
    };
    Kind kind = Kind::Cancel;
    quint64 iteration = 0;      // applied before the loop runs iteration `iteration + 1`
    std::optional<double> time; // virtual time it was applied at (real-time play lets idle time pass)
    QString target;             // task name ("fetch#2") or named future ("gate"); empty for Collect
    bool hasMessage = false;
    QString message;
    QJsonValue value;                              // Resolve
    QString excType = QStringLiteral("Exception"); // Fail

    QJsonObject toJson() const;
    // Reads one entry of a graph's "injections" list; error names the field.
    static std::optional<Injection> fromJson(const QJsonObject &o, QString *error);
    static const char *kindName(Kind k);
};

class Engine : public QObject
{
    Q_OBJECT
public:
    enum class Stage : quint8 { NotStarted, Run, Shutdown, Finished };

    explicit Engine(std::shared_ptr<const Graph> graph, QObject *parent = nullptr);
    ~Engine() override;

    Runtime &runtime() { return *m_rt; }
    const Runtime &runtime() const { return *m_rt; }
    Stage stage() const { return m_stage; }
    bool isFinished() const { return m_stage == Stage::Finished; }
    QString status() const { return m_status; } // "completed", "deadlock", ...

    // Run everything now, without an event loop.
    void runSync();
    // Run on the Qt event loop in batches; emits finished().
    void start();
    // Stop posting batches (start() resumes).
    void pause();
    bool isPaused() const { return m_paused; }
    // Real time: virtual seconds pass no faster than wall seconds x speed (0.1 .. 100).
    // Off (the default): virtual time jumps straight to the next timer.
    void setRealTime(bool on, double speed = 1.0);
    bool isRealTime() const { return m_realTime; }
    double speed() const { return m_speed; }
    // One loop iteration (and the phase transitions it causes). False once finished.
    bool stepOnce();
    // Frees unreachable objects between iterations as the run goes (Runtime::reclaim), for a
    // run only its outcome is read from (headless `run`): the views need them. Off by default.
    // It runs once twice as many objects were made as survived the last time (at least 2,048), or,
    // with `every` > 0, once `every` were made (1: after every iteration that made one; tests).
    void setReclaim(bool on, size_t every = 0)
    {
        m_reclaim = on;
        m_reclaimEvery = every;
    }

    QJsonObject outcome() const;
    // The outcome as JSON text, streamed (outcome() parses this text).
    void writeOutcome(JsonWriter &w) const;

    // Applies an injection now (between iterations). False with a reason when the target does
    // not exist or cannot take it (e.g. resolving a future that is done).
    bool inject(Injection in, QString *error = nullptr);
    const std::vector<Injection> &injections() const { return m_injections; }
    // Replay: each injection is applied when the loop has completed its `iteration`.
    void setScript(std::vector<Injection> script);
    // Reads the graph's "injections" list (graph.source) as a script; error names the place.
    static std::optional<std::vector<Injection>> scriptFromGraph(const Graph &g, QString *error);

    // Nanoseconds from the engine's construction until the entry task's run_until_complete
    // returned, before the collection and shutdown after it: the part of a run the oracle's
    // `bench` times on CPython (-1 until then).
    qint64 entryNanoseconds() const { return m_entryNs; }

Q_SIGNALS:
    void finished();
    void progressed();

protected:
    void customEvent(QEvent *e) override;

private:
    void begin();
    void endOfEntry();
    void finish();
    void postBatch();
    void maybeReclaim();
    bool injectIntoFreed(Injection in, size_t task, QString *error);

    std::unique_ptr<Runtime> m_rt;
    Stage m_stage = Stage::NotStarted;
    QString m_status = QStringLiteral("completed");
    double m_endTime = 0;
    Future *m_awaited = nullptr; // what run_until_complete waits for
    Listener *m_stopper = nullptr;
    std::vector<Task *> m_alive;
    std::vector<quint8> m_snapshot;        // per task: 0 pending 1 done 2 failed 3 cancelled 4 created in shutdown
    std::vector<QString> m_futureSnapshot; // per named future entry
    std::vector<QString> m_shutdownErrors;
    std::vector<Injection> m_injections;
    std::vector<Injection> m_script;
    size_t m_scriptPos = 0;
    void applyScript();
    void catchUpRealTime();
    bool m_batchPosted = false;
    bool m_paused = false;
    bool m_reclaim = false;
    size_t m_reclaimEvery = 0;
    size_t m_reclaimAfter = 0; // what survived the last reclaim
    QElapsedTimer m_sinceMade;
    qint64 m_entryNs = -1;
    bool m_realTime = false;
    double m_speed = 1.0;
    double m_virtualBase = 0;
    QElapsedTimer m_wall;
    QTimer *m_wakeTimer = nullptr;
};

} // namespace ascope
