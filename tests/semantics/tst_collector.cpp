// The collector (spec 3.6: gc steps and the end-of-entry collection): a pending task nothing
// reachable can resume is destroyed; timers, graph variables and the running task are roots; a
// task that returned releases its locals but a failed or cancelled one keeps them; an exception in
// a variable keeps its frames; named futures nobody holds are reported 'collected'.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope;
using namespace ascope::test;

class TestCollector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // The only reference to a task waiting on a private future is dropped: gc destroys it.
        QTest::newRow("dropped_reference_destroys_pending")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":1},{"op":"drop","target":"$h"},{"op":"gc"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba
            << u"main=done:\"end\" h=pending"_s << u"2:main:done"_s
            << u"completed end=2 futures=[hang=collected] collected=[1:h]"_s;

        // While the reference is held, the same gc destroys nothing.
        QTest::newRow("held_reference_keeps_pending") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":1},{"op":"gc"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" h=pending"_s
                                                      << u"2:main:done"_s
                                                      << u"completed end=2 futures=[hang=collected] collected=[2:h]"_s;

        // A sleeping task is held by its timer: never destroyed.
        QTest::newRow("sleeping_task_never_destroyed")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s","as":"$s"},{"op":"sleep","seconds":1},{"op":"drop","target":"$s"},{"op":"gc"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":10},{"op":"return","value":"s"}]}]})json"_ba
            << u"main=done:\"end\" s=pending->cancelled"_s << u"2:main:done 2:s:cancelled/shutdown"_s
            << u"completed end=2"_s;

        // Waiting on a graph-level future: reachable from the graph variables.
        QTest::newRow("global_future_keeps_waiter") << R"json({"futures":["g"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"drop","target":"$w"},{"op":"gc"},
    {"op":"set_result","target":"@g","value":"go"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"w","steps":[{"op":"await","target":"@g","as":"$v"},{"op":"return","value":"$v"}]}]})json"_ba
                                                    << u"main=done:\"end\" w=done:\"go\""_s << u"1:w:done 2:main:done"_s
                                                    << u"completed end=2 futures=[g=done]"_s;

        // A future held in main's local keeps its waiter; once dropped too, the waiter goes.
        QTest::newRow("local_future_keeps_waiter_until_dropped")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"spawn","node":"w","args":{"f":"$f"},"as":"$w"},{"op":"sleep","seconds":1},
    {"op":"drop","target":"$w"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"drop","target":"$f"},{"op":"gc"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"w","params":{"f":null},"steps":[{"op":"await","target":"$f"}]}]})json"_ba
            << u"main=done:\"end\" w=pending"_s << u"3:main:done"_s
            << u"completed end=3 futures=[f=collected] collected=[2:w]"_s;

        // A task that returned releases its locals: the hanging task it kept in $h is destroyed
        // although main still holds the finished task.
        QTest::newRow("returned_task_releases_locals") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},{"op":"sleep","seconds":1},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":0},{"op":"return","value":"b"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" b=done:\"b\" h=pending"_s
                                                       << u"0:b:done 2:main:done"_s
                                                       << u"completed end=2 futures=[hang=collected] collected=[1:h]"_s;

        // A task that failed keeps its locals alive (its exception's traceback holds its frame):
        // the same hanging task survives the gc at 1 while main holds the failed task, and goes
        // at the end-of-entry collection (2), when main's locals are gone.
        QTest::newRow("failed_task_keeps_locals")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},{"op":"sleep","seconds":1},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":0},{"op":"raise","type":"ValueError","message":"b"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba
            << u"main=done:\"end\" b=failed:ValueError(b) h=pending"_s << u"0:b:failed 2:main:done"_s
            << u"completed end=2 futures=[hang=collected] collected=[2:h] never=[b]"_s;

        // ... and a cancelled one too.
        QTest::newRow("cancelled_task_keeps_locals") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$b"},{"op":"sleep","seconds":1},
    {"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":5}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" b=cancelled h=pending"_s
                                                     << u"1:b:cancelled 3:main:done"_s
                                                     << u"completed end=3 futures=[hang=collected] collected=[3:h]"_s;

        // Once the failed task itself is unreachable, its locals go with it (gc at 2).
        QTest::newRow("failed_task_dropped_releases_locals")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},{"op":"sleep","seconds":1},{"op":"sleep","seconds":1},{"op":"drop","target":"$b"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":0},{"op":"raise","type":"ValueError","message":"b"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba
            << u"main=done:\"end\" b=failed:ValueError(b) h=pending"_s << u"0:b:failed 3:main:done"_s
            << u"completed end=3 futures=[hang=collected] collected=[2:h] never=[b]"_s;

        // An exception kept in a variable keeps alive the frames it passed through (b's, with $h).
        QTest::newRow("caught_exception_keeps_frames") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},
    {"op":"try","body":[{"op":"await","target":"$b"}],"except":[{"types":["ValueError"],"as":"$e"}]},
    {"op":"sleep","seconds":1},{"op":"drop","target":"$b"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":0},{"op":"raise","type":"ValueError","message":"b"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" b=failed:ValueError(b) h=pending"_s
                                                       << u"0:b:failed 2:main:done"_s
                                                       << u"completed end=2 futures=[hang=collected] collected=[2:h]"_s;

        // Without the variable the same gc destroys h.
        QTest::newRow("handled_exception_not_kept") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"b","as":"$b"},
    {"op":"try","body":[{"op":"await","target":"$b"}],"except":[{"types":["ValueError"]}]},
    {"op":"sleep","seconds":1},{"op":"drop","target":"$b"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"b","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":0},{"op":"raise","type":"ValueError","message":"b"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" b=failed:ValueError(b) h=pending"_s
                                                    << u"0:b:failed 2:main:done"_s
                                                    << u"completed end=2 futures=[hang=collected] collected=[1:h]"_s;

        // A chain of waiters on an unreachable task dies together.
        QTest::newRow("chain_destroyed_together") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"top","as":"$t"},{"op":"sleep","seconds":1},{"op":"drop","target":"$t"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"top","steps":[{"op":"await","target":"mid"}]},
  {"id":"mid","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"await","target":"$h"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" top=pending h=pending"_s
                                                  << u"2:main:done"_s
                                                  << u"completed end=2 futures=[hang=collected] collected=[1:h,top]"_s;

        // End-of-entry collection: a fire-and-forget task left hanging when main returns is
        // destroyed then (before shutdown could cancel it).
        QTest::newRow("end_of_entry_collection") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" h=pending"_s
                                                 << u"1:main:done"_s
                                                 << u"completed end=1 futures=[hang=collected] collected=[1:h]"_s;

        // Held by a graph variable at the end: not destroyed, cancelled by shutdown instead.
        QTest::newRow("end_of_entry_global_survives") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"@keep"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=done:\"end\" h=pending->cancelled"_s
                                                      << u"1:main:done 1:h:cancelled/shutdown"_s
                                                      << u"completed end=1 futures=[hang=pending]"_s;

        // Named futures nobody holds at the snapshot are 'collected' (k too, though main returned
        // it: the entry task is no root at the end-of-entry collection); graph futures stay.
        QTest::newRow("named_futures_collected") << R"json({"futures":["g"],"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"future","as":"$k"},{"op":"set_result","target":"$k","value":1},
    {"op":"drop","target":"$f"},{"op":"gc"},{"op":"return","value":"$k"}]}]})json"_ba
                                                 << u"main=done:future:k"_s << u"0:main:done"_s
                                                 << u"completed end=0 futures=[g=pending,f=collected,k=collected]"_s;

        // gather's own children are destroyed with an unreachable gather, without being reported.
        QTest::newRow("unreachable_gather_children")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["h","h"],"await":false,"as":"$g"},{"op":"sleep","seconds":1},
    {"op":"drop","target":"$g"},{"op":"gc"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba
            << u"main=done:\"end\" h=pending h#2=pending"_s << u"2:main:done"_s
            << u"completed end=2 futures=[g=collected,hang=collected,hang#2=collected]"_s;

        // The task running gc is a root even when nothing else refers to it.
        QTest::newRow("collecting_task_is_root")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"c"},{"op":"sleep","seconds":2},{"op":"return","value":"end"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":1},{"op":"gc"},{"op":"return","value":"survived"}]}]})json"_ba
            << u"main=done:\"end\" c=done:\"survived\""_s << u"1:c:done 2:main:done"_s << u"completed end=2"_s;

        // A frame that is still referenced when it finishes links to its caller's frame
        // (CPython 3.11 take_ownership sets f_back), and so on up the stack. A stored exception
        // therefore keeps alive every frame it was raised under: __step, __wakeup (with the future
        // that woke the task), Handle._run, _run_once, run_forever and run_until_complete, whose
        // `future` is the entry task. Here the failed task in @keep keeps main (failed, so its
        // frame keeps $f) alive through the end-of-entry collection: f is pending, not collected.
        QTest::newRow("stored_exception_keeps_entry_task")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"spawn","node":"bad","as":"@keep"},{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"main"}]},
  {"id":"bad","steps":[{"op":"raise","type":"KeyError","message":"k"}]}]})json"_ba
            << u"main=failed:ValueError(main) bad=failed:KeyError(k)"_s << u"0:bad:failed 1:main:failed"_s
            << u"completed end=1 futures=[f=pending] never=[bad]"_s;

        // Control: without the global the failed task is garbage, and so is main: f collected.
        QTest::newRow("stored_exception_unreachable")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"spawn","node":"bad","as":"$b"},{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"main"}]},
  {"id":"bad","steps":[{"op":"raise","type":"KeyError","message":"k"}]}]})json"_ba
            << u"main=failed:ValueError(main) bad=failed:KeyError(k)"_s << u"0:bad:failed 1:main:failed"_s
            << u"completed end=1 futures=[f=collected] never=[bad]"_s;

        // Control: main returned, so its locals are gone whatever keeps the task alive.
        QTest::newRow("stored_exception_entry_returned")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"spawn","node":"bad","as":"@keep"},{"op":"sleep","seconds":1},{"op":"return","value":1}]},
  {"id":"bad","steps":[{"op":"raise","type":"KeyError","message":"k"}]}]})json"_ba
            << u"main=done:1 bad=failed:KeyError(k)"_s << u"0:bad:failed 1:main:done"_s
            << u"completed end=1 futures=[f=collected] never=[bad]"_s;

        // The same chain decides a task's fate: the hanging task in main's locals survives the
        // end-of-entry collection (cancelled by shutdown) instead of being destroyed.
        QTest::newRow("stored_exception_keeps_hanging_task")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"spawn","node":"bad","as":"@keep"},{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"main"}]},
  {"id":"bad","steps":[{"op":"raise","type":"KeyError","message":"k"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba
            << u"main=failed:ValueError(main) h=pending->cancelled bad=failed:KeyError(k)"_s
            << u"0:bad:failed 1:main:failed 1:h:cancelled/shutdown"_s
            << u"completed end=1 futures=[hang=pending] never=[bad]"_s;

        // A cancelled task's CancelledError (Task._cancelled_exc) does the same.
        QTest::newRow("cancelled_task_keeps_entry_task") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"spawn","node":"c","as":"@keep"},{"op":"sleep","seconds":0},{"op":"cancel","target":"@keep"},
    {"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"main"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":5}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba << u"main=failed:ValueError(main) h=pending->cancelled c=cancelled"_s
                                                         << u"0:c:cancelled 1:main:failed 1:h:cancelled/shutdown"_s
                                                         << u"completed end=1 futures=[hang=pending]"_s;

        // __wakeup's frame keeps `future` (only `self` is cleared): the future that woke a task
        // that then failed stays alive with the task's exception.
        QTest::newRow("wakeup_frame_keeps_future")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"spawn","node":"w","args":{"f":"$f"},"as":"@keep"},{"op":"sleep","seconds":0},
    {"op":"set_result","target":"$f","value":1},{"op":"drop","target":"$f"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"w","params":{"f":null},"steps":[{"op":"await","target":"$f"},{"op":"drop","target":"$f"},{"op":"raise","type":"KeyError","message":"k"}]}]})json"_ba
            << u"main=done:\"end\" w=failed:KeyError(k)"_s << u"0:w:failed 1:main:done"_s
            << u"completed end=1 futures=[f=done] never=[w]"_s;

        // A frame that returned while a traceback held it keeps its locals (the entry task's $f,
        // through the exception a sleeping task holds).
        QTest::newRow("returned_frame_held_by_traceback")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"try","body":[{"op":"raise","type":"ValueError","message":"v"}],"except":[{"types":["ValueError"],"as":"$e"}]},
    {"op":"spawn","node":"keeper","args":{"e":"$e"}},{"op":"sleep","seconds":0},{"op":"return","value":"end"}]},
  {"id":"keeper","params":{"e":null},"steps":[{"op":"sleep","seconds":100}]}]})json"_ba
            << u"main=done:\"end\" keeper=pending->cancelled"_s << u"0:main:done 0:keeper:cancelled/shutdown"_s
            << u"completed end=0 futures=[f=pending]"_s;

        // The entry task deadlocks inside try/finally and is collected at the end-of-entry
        // collection: CPython would run its cleanup there, so the reference excludes the run.
        QTest::newRow("collected_with_cleanup_excluded")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"hang"}],"finally":[{"op":"sleep","seconds":1}]}]}]})json"_ba
            << u"main=pending"_s << u""_s << u"deadlock end=0 futures=[hang=collected] collected=[0:main] excluded"_s;
    }

    void outcome()
    {
        verifyOutcomeRow({
            // The engine never sets "excluded" (conformance skips such runs by the golden's flag,
            // so this only shows in `asyncscope run` output).
            {"collected_with_cleanup_excluded", "diag", "engine: outcome.excluded is never set"},
        });
    }

    // The engine's side of a collection: the destroyed task is flagged, gets one Collected event
    // at the gc's time and never a completion (not even in shutdown, which skips it), and the
    // run records both collections (the gc step and the end-of-entry one).
    void destroyedTaskNeverResumes()
    {
        auto engine = runEngine(R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"h","as":"$h"},{"op":"sleep","seconds":1},{"op":"drop","target":"$h"},{"op":"gc"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"h","steps":[{"op":"hang"}]}]})json"_ba);
        QVERIFY(engine);
        const Runtime &rt = engine->runtime();
        QCOMPARE(rt.tasks.size(), size_t(2));
        const Task *h = rt.tasks[1];
        QCOMPARE(h->name(), u"h"_s);
        QVERIFY(h->destroyed);
        QVERIFY(!h->done());
        int collected = 0, terminal = 0;
        for (const Event &e : rt.loop().trace().events()) {
            if (e.subject != h->index)
                continue;
            if (e.kind == EventKind::Collected) {
                ++collected;
                QCOMPARE(e.t, 1.0);
            }
            if (e.kind == EventKind::TaskDone || e.kind == EventKind::TaskFailed || e.kind == EventKind::TaskCancelled)
                ++terminal;
        }
        QCOMPARE(collected, 1);
        QCOMPARE(terminal, 0);
        QCOMPARE(rt.collections.size(), size_t(2)); // the gc step and the end-of-entry collection
        QCOMPARE(rt.destroyedPending.size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestCollector)
#include "tst_collector.moc"
