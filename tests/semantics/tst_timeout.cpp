// asyncio.timeout (timeouts.py, CPython 3.11): expiry turns the cancellation into TimeoutError,
// no deadline (None), a deadline already passed, a body that ends in time (timer cancelled), a
// blocking body, nesting, a body that swallows the cancellation, and a cancel from outside that
// must stay a CancelledError (Task.uncancel() / cancelling() decide).
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestTimeout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        QTest::newRow("expiry_raises_timeout_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":5}]}],
      "except":[{"types":["TimeoutError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:TimeoutError"_s << u"1:main:done"_s << u"completed end=1"_s;

        // Uncaught: the task fails with TimeoutError at the deadline.
        QTest::newRow("expiry_uncaught") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":3},{"op":"return","value":"end"}]},
  {"id":"a","steps":[{"op":"timeout","seconds":1.5,"body":[{"op":"sleep","seconds":5}]}]}]})json"_ba
                                         << u"main=done:\"end\" a=failed:TimeoutError"_s
                                         << u"1.5:a:failed 3:main:done"_s << u"completed end=3 never=[a]"_s;

        QTest::newRow("null_means_no_deadline")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"timeout","seconds":null,"body":[{"op":"sleep","seconds":50}]},{"op":"return","value":"done"}]}]})json"_ba
            << u"main=done:\"done\""_s << u"50:main:done"_s << u"completed end=50"_s;

        QTest::newRow("body_finishes_in_time") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"timeout","seconds":2,"body":[{"op":"sleep","seconds":1}]},{"op":"sleep","seconds":5},{"op":"return","value":"done"}]}]})json"_ba
                                               << u"main=done:\"done\""_s << u"6:main:done"_s << u"completed end=6"_s;

        // Deadline 0 (already passed): the first await in the body is cancelled.
        QTest::newRow("already_expired") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":0,"body":[{"op":"sleep","seconds":1}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"expired"}]}]}]}]})json"_ba
                                         << u"main=done:\"expired\""_s << u"0:main:done"_s << u"completed end=0"_s;

        // Deadline passed, but the body never yields: no TimeoutError.
        QTest::newRow("already_expired_body_never_yields")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"timeout","seconds":0,"body":[{"op":"block","seconds":1}]},{"op":"return","value":"no timeout"}]}]})json"_ba
            << u"main=done:\"no timeout\""_s << u"1:main:done"_s << u"completed end=1"_s;

        // A blocking body overruns the deadline, then yields with sleep(0). The overdue timer is
        // queued behind the task's own wakeup in the next iteration, so the body ends (and
        // cancels the timer) before the expiry runs: no TimeoutError.
        QTest::newRow("blocking_body_overrun_unnoticed")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"block","seconds":2},{"op":"sleep","seconds":0}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"late"}]}]}]}]})json"_ba
            << u"main=done:null"_s << u"2:main:done"_s << u"completed end=2"_s;

        // Nested, inner deadline first: the inner raises, the outer is unaffected.
        QTest::newRow("nested_inner_expires") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"timeout","seconds":5,"body":[
      {"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":3}]}],"except":[{"types":["TimeoutError"]}]},
      {"op":"sleep","seconds":1}]},{"op":"return","value":"ok"}]}]})json"_ba
                                              << u"main=done:\"ok\""_s << u"2:main:done"_s << u"completed end=2"_s;

        // Nested, outer deadline first: the inner context lets the CancelledError through (it did
        // not expire) and the outer turns it into TimeoutError.
        QTest::newRow("nested_outer_expires") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[
      {"op":"try","body":[{"op":"timeout","seconds":5,"body":[{"op":"sleep","seconds":3}]}],"except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"inner"}]}]}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"outer"}]}]}]}]})json"_ba
                                              << u"main=done:\"outer\""_s << u"1:main:done"_s << u"completed end=1"_s;

        // The body swallows the cancellation: __aexit__ sees no CancelledError, so no TimeoutError,
        // and the rest of the body runs.
        QTest::newRow("body_swallows_cancel")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"timeout","seconds":1,"body":[
      {"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"]}]},{"op":"sleep","seconds":1}]},
    {"op":"return","value":"swallowed"}]}]})json"_ba
            << u"main=done:\"swallowed\""_s << u"2:main:done"_s << u"completed end=2"_s;

        // Cancelled from outside before the deadline: CancelledError, not TimeoutError.
        QTest::newRow("outside_cancel_stays_cancelled") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"timeout","seconds":5,"body":[{"op":"sleep","seconds":10}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"wrong: timeout"}]}]}]}]})json"_ba
                                                        << u"main=done:[exc:CancelledError] a=cancelled"_s
                                                        << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // Cancelled from outside in the same iteration the deadline fires: the outside request is
        // still counted (cancelling() > the count at entry), so it stays a CancelledError.
        QTest::newRow("outside_cancel_at_deadline") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":2},{"op":"cancel","target":"$a"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"timeout","seconds":2,"body":[{"op":"sleep","seconds":10}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]}]}]})json"_ba
                                                    << u"main=done:[exc:CancelledError] a=cancelled"_s
                                                    << u"2:a:cancelled 2:main:done"_s << u"completed end=2"_s;

        // A timeout inside a TaskGroup child: the child handles it, the group is undisturbed.
        QTest::newRow("in_taskgroup_child")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":["a","b"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":3}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"a timed out"}]}]}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:[\"a timed out\",\"b\"] a=done:\"a timed out\" b=done:\"b\""_s
            << u"1:a:done 2:b:done 2:main:done"_s << u"completed end=2"_s;

        // ... but a real wait after the overrun gets the expiry (the timer is overdue, due at once).
        QTest::newRow("blocking_body_overrun_then_wait")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"block","seconds":2},{"op":"sleep","seconds":0.5}]}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"late"}]}]}]}]})json"_ba
            << u"main=done:\"late\""_s << u"2:main:done"_s << u"completed end=2"_s;

        // A repeated timeout: every round's uncancel() leaves the count at 0.
        QTest::newRow("repeated_expiries") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"repeat","times":3,"body":[
      {"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":2}]}],"except":[{"types":["TimeoutError"]}]}]},
    {"op":"sleep","seconds":1},{"op":"return","value":"ok"}]}]})json"_ba
                                           << u"main=done:\"ok\""_s << u"4:main:done"_s << u"completed end=4"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestTimeout)
#include "tst_timeout.moc"
