// asyncio.run()'s end (spec 3.5): the snapshot when the entry task's stop callback has run, the
// end-of-entry collection, then every pending task cancelled in creation order and waited for;
// tasks that outlive the cancel, fail during shutdown (shutdown_errors), or are created during it.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestShutdown : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // Pending tasks are cancelled in creation order, not in the order they would finish.
        QTest::newRow("cancelled_in_creation_order")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s","args":{"d":9}},{"op":"spawn","node":"s","args":{"d":3}},{"op":"spawn","node":"s","args":{"d":6}},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","params":{"d":1},"steps":[{"op":"sleep","seconds":"$d"}]}]})json"_ba
            << u"main=done:\"end\" s=pending->cancelled s#2=pending->cancelled s#3=pending->cancelled"_s
            << u"1:main:done 1:s:cancelled/shutdown 1:s#2:cancelled/shutdown 1:s#3:cancelled/shutdown"_s
            << u"completed end=1"_s;

        // A task finishing in the same iteration as the entry task is done at the snapshot.
        QTest::newRow("same_iteration_as_entry")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"s"}]}]})json"_ba
            << u"main=done:\"end\" s=done:\"s\""_s << u"1:main:done 1:s:done"_s << u"completed end=1"_s;

        // One more iteration is still in time: the stop callback is ready in that iteration, and
        // the iteration runs to its end (s's step after the sleep(0) is in the same batch).
        QTest::newRow("stop_iteration_runs_to_its_end")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":1},{"op":"sleep","seconds":0},{"op":"return","value":"s"}]}]})json"_ba
            << u"main=done:\"end\" s=done:\"s\""_s << u"1:main:done 1:s:done"_s << u"completed end=1"_s;

        // A task that handles the shutdown's cancel and finishes normally, after some time.
        QTest::newRow("survives_cancel_finishes_in_shutdown")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"try","body":[{"op":"sleep","seconds":10}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":2},{"op":"return","value":"cleaned"}]}]}]}]})json"_ba
            << u"main=done:\"end\" s=pending->done"_s << u"1:main:done 3:s:done/shutdown"_s << u"completed end=1"_s;

        // A task failing during shutdown is a shutdown error.
        QTest::newRow("fails_in_shutdown")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"try","body":[{"op":"sleep","seconds":10}],"except":[{"types":["CancelledError"],"body":[{"op":"raise","type":"RuntimeError","message":"cleanup"}]}]}]}]})json"_ba
            << u"main=done:\"end\" s=pending->failed"_s << u"1:main:done 1:s:failed/shutdown"_s
            << u"completed end=1 shutdown_errors=[s]"_s;

        // A task created during shutdown is not cancelled by it (and is reported as such).
        QTest::newRow("created_in_shutdown")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"try","body":[{"op":"sleep","seconds":10}],"except":[{"types":["CancelledError"],"body":[{"op":"spawn","node":"late","as":"$l"},{"op":"await","target":"$l"}]}]}]},
  {"id":"late","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"late"}]}]})json"_ba
            << u"main=done:\"end\" s=pending->done late=shutdown->done"_s
            << u"1:main:done 2:late:done/shutdown 2:s:done/shutdown"_s << u"completed end=1"_s;

        // The entry task failing: its exception is in the outcome and shutdown still runs.
        QTest::newRow("entry_fails") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"main broke"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
                                     << u"main=failed:ValueError(main broke) s=pending->cancelled"_s
                                     << u"1:main:failed 1:s:cancelled/shutdown"_s << u"completed end=1"_s;

        // Reading a graph variable never assigned is G['main']: KeyError('main') in the entry task.
        QTest::newRow("unbound_graph_variable_key_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"killer","args":{"t":"@main"}},{"op":"sleep","seconds":5},{"op":"return","value":"never"}]},
  {"id":"killer","params":{"t":null},"steps":[{"op":"sleep","seconds":1},{"op":"cancel","target":"$t"}]}]})json"_ba
            << u"main=failed:KeyError(main)"_s << u"0:main:failed"_s << u"completed end=0"_s;

        // Blocking work moves the clock for everyone: the timers due meanwhile fire at once,
        // earliest deadline first, at the later time.
        QTest::newRow("blocking_delays_timers") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s","args":{"d":2}},{"op":"spawn","node":"s","args":{"d":1}},{"op":"sleep","seconds":0},
    {"op":"block","seconds":5},{"op":"sleep","seconds":0},{"op":"return","value":"end"}]},
  {"id":"s","params":{"d":1},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
                                                << u"main=done:\"end\" s=done:2 s#2=done:1"_s
                                                << u"5:main:done 5:s#2:done 5:s:done"_s << u"completed end=5"_s;

        // Two more iterations are too late: s is pending at the snapshot, then cancelled.
        QTest::newRow("two_iterations_late") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"s"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":1},{"op":"sleep","seconds":0},{"op":"sleep","seconds":0},{"op":"return","value":"s"}]}]})json"_ba
                                             << u"main=done:\"end\" s=pending->cancelled"_s
                                             << u"1:main:done 1:s:cancelled/shutdown"_s << u"completed end=1"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestShutdown)
#include "tst_shutdown.moc"
