// asyncio.wait_for (tasks.py wait_for, CPython 3.11): timeout None / 0 / positive, the inner
// finishing exactly at the deadline (timer order decides), an inner that swallows the cancel, the
// outer task cancelled (CancelledError, not TimeoutError), and what happens to the inner.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestWaitFor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        QTest::newRow("timeout_none_waits") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait_for","target":"a","timeout":null,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":100},{"op":"return","value":"a"}]}]})json"_ba
                                            << u"main=done:\"a\""_s << u"100:main:done"_s << u"completed end=100"_s;

        QTest::newRow("finishes_before_timeout")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait_for","target":"a","timeout":2,"as":"$r"},{"op":"sleep","seconds":3},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]}]})json"_ba
            << u"main=done:\"a\" a=done:\"a\""_s << u"1:a:done 4:main:done"_s << u"completed end=4"_s;

        // Expiry cancels the inner task and raises TimeoutError at the deadline.
        QTest::newRow("timeout_expires") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"wait_for","target":"a","timeout":1}],
      "except":[{"types":["TimeoutError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5},{"op":"return","value":"a"}]}]})json"_ba
                                         << u"main=done:exc:TimeoutError a=cancelled"_s
                                         << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // timeout=0 on a coroutine: the new task is not done, so it is cancelled -> TimeoutError.
        QTest::newRow("timeout_zero_fresh_coroutine")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"wait_for","target":"a","timeout":0}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]}]},
  {"id":"a","steps":[{"op":"return","value":"a"}]}]})json"_ba
            << u"main=done:\"timeout\" a=cancelled"_s << u"0:a:cancelled 0:main:done"_s << u"completed end=0"_s;

        // timeout=0 on a task already done: its result, no cancellation.
        QTest::newRow("timeout_zero_done_task")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":0},
    {"op":"wait_for","target":"$a","timeout":0,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"return","value":"a"}]}]})json"_ba
            << u"main=done:\"a\" a=done:\"a\""_s << u"0:a:done 0:main:done"_s << u"completed end=0"_s;

        // The inner's sleep timer and wait_for's deadline both at t=1. The deadline was armed
        // first (wait_for arms it before the inner task takes its first step), so it pops first:
        // the inner is cancelled although its sleep is over -> TimeoutError.
        QTest::newRow("inner_at_deadline_deadline_armed_first")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"wait_for","target":"a","timeout":1,"as":"$r"}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]}]})json"_ba
            << u"main=done:\"timeout\" a=cancelled"_s << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // A task spawned earlier whose sleep ends exactly at the deadline: its timer was armed
        // first, it completes in the same iteration as the deadline and wait_for returns it.
        QTest::newRow("inner_at_deadline_inner_armed_first")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":0},
    {"op":"try","body":[{"op":"wait_for","target":"$a","timeout":1,"as":"$r"}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]}]})json"_ba
            << u"main=done:\"a\" a=done:\"a\""_s << u"1:a:done 1:main:done"_s << u"completed end=1"_s;

        // An inner that swallows the cancellation and returns: wait_for returns its result.
        QTest::newRow("inner_swallows_cancel") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait_for","target":"stubborn","timeout":1,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"stubborn","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],
      "except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1},{"op":"return","value":"late"}]}]}]}]})json"_ba
                                               << u"main=done:\"late\" stubborn=done:\"late\""_s
                                               << u"2:stubborn:done 2:main:done"_s << u"completed end=2"_s;

        // The inner's exception propagates unchanged (and is retrieved).
        QTest::newRow("inner_raises") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"wait_for","target":"bad","timeout":5}],
      "except":[{"types":["ValueError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"inner"}]}]})json"_ba
                                      << u"main=done:exc:ValueError(inner) bad=failed:ValueError(inner)"_s
                                      << u"1:bad:failed 1:main:done"_s << u"completed end=1"_s;

        // The task running wait_for is cancelled: the inner is cancelled and waited for, and the
        // outer sees CancelledError, not TimeoutError.
        QTest::newRow("outer_cancelled") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"try","body":[{"op":"wait_for","target":"a","timeout":10}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"wrong: timeout"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
                                         << u"main=done:[exc:CancelledError] w=cancelled a=cancelled"_s
                                         << u"1:a:cancelled 1:w:cancelled 1:main:done"_s << u"completed end=1"_s;

        // Outer cancelled while the inner needs time to finish its cancellation: the outer waits
        // for it (_cancel_and_wait) before raising.
        QTest::newRow("outer_cancelled_waits_for_inner")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"wait_for","target":"slowstop","timeout":10}]},
  {"id":"slowstop","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],
      "except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":2},{"op":"reraise"}]}]}]}]})json"_ba
            << u"main=done:[exc:CancelledError] w=cancelled slowstop=cancelled"_s
            << u"3:slowstop:cancelled 3:w:cancelled 3:main:done"_s << u"completed end=3"_s;

        // wait_for on a future: the expiry cancels the future itself.
        QTest::newRow("future_cancelled_on_timeout")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"wait_for","target":"@f","timeout":1}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]}]}]})json"_ba
            << u"main=done:\"timeout\""_s << u"1:main:done"_s << u"completed end=1 futures=[f=cancelled]"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestWaitFor)
#include "tst_waitfor.moc"
