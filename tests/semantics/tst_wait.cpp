// asyncio.wait (tasks.py wait / _wait): each return_when, the timeout, the [done, pending]
// sets, that wait never raises a child's exception (nor retrieves it), and cancelling what a
// wait left pending (the `cancel` step on a wait result, creation order).
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestWait : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // ALL_COMPLETED waits for every child, failures included, and raises nothing; the failed
        // child's exception is never retrieved.
        QTest::newRow("all_completed") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["a","bad"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"x"}]}]})json"_ba
                                       << u"main=done:[[task:a,task:bad],[]] a=done:\"a\" bad=failed:ValueError(x)"_s
                                       << u"1:a:done 2:bad:failed 2:main:done"_s << u"completed end=2 never=[bad]"_s;

        QTest::newRow("first_completed")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["slow","fast"],"return_when":"FIRST_COMPLETED","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"slow"}]},
  {"id":"fast","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"fast"}]}]})json"_ba
            << u"main=done:[[task:fast],[task:slow]] slow=pending->cancelled fast=done:\"fast\""_s
            << u"1:fast:done 1:main:done 1:slow:cancelled/shutdown"_s << u"completed end=1"_s;

        // Children finishing in the same iteration are all in `done`.
        QTest::newRow("first_completed_simultaneous")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":[{"node":"c","count":3},"slow"],"return_when":"FIRST_COMPLETED","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":1},{"op":"return","value":1}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":2}]}]})json"_ba
            << u"main=done:[[task:c,task:c#2,task:c#3],[task:slow]] c=done:1 c#2=done:1 c#3=done:1 slow=pending->cancelled"_s
            << u"1:c:done 1:c#3:done 1:c#2:done 1:main:done 1:slow:cancelled/shutdown"_s << u"completed end=1"_s;

        QTest::newRow("first_exception")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["a","bad","slow"],"return_when":"FIRST_EXCEPTION","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"x"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":3}]}]})json"_ba
            << u"main=done:[[task:a,task:bad],[task:slow]] a=done:\"a\" bad=failed:ValueError(x) slow=pending->cancelled"_s
            << u"1:a:done 2:bad:failed 2:main:done 2:slow:cancelled/shutdown"_s << u"completed end=2"_s;

        // Without a failure FIRST_EXCEPTION is ALL_COMPLETED.
        QTest::newRow("first_exception_without_failure")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["a","b"],"return_when":"FIRST_EXCEPTION","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:[[task:a,task:b],[]] a=done:\"a\" b=done:\"b\""_s << u"1:a:done 2:b:done 2:main:done"_s
            << u"completed end=2"_s;

        // A cancelled child does not count as an exception for FIRST_EXCEPTION.
        QTest::newRow("first_exception_ignores_cancelled")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"canceller","args":{"t":"$a"}},
    {"op":"wait","children":["$a","b"],"return_when":"FIRST_EXCEPTION","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]},
  {"id":"canceller","params":{"t":null},"steps":[{"op":"sleep","seconds":1},{"op":"cancel","target":"$t"}]}]})json"_ba
            << u"main=done:[[task:a,task:b],[]] a=cancelled canceller=done:null b=done:\"b\""_s
            << u"1:canceller:done 1:a:cancelled 2:b:done 2:main:done"_s << u"completed end=2"_s;

        // The timeout returns what is done so far; the rest keeps running.
        QTest::newRow("timeout_partial") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["a","b"],"timeout":2,"as":"$r"},{"op":"sleep","seconds":5},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":4},{"op":"return","value":"b"}]}]})json"_ba
                                         << u"main=done:[[task:a],[task:b]] a=done:\"a\" b=done:\"b\""_s
                                         << u"1:a:done 4:b:done 7:main:done"_s << u"completed end=7"_s;

        QTest::newRow("timeout_nothing_done")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["a","b"],"timeout":0.5,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":4},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:[[],[task:a,task:b]] a=pending->cancelled b=pending->cancelled"_s
            << u"0.5:main:done 0.5:a:cancelled/shutdown 0.5:b:cancelled/shutdown"_s << u"completed end=0.5"_s;

        // timeout=0: the timer is due in the iteration after the children's first steps.
        QTest::newRow("timeout_zero") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["quick","a"],"timeout":0,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"quick","steps":[{"op":"return","value":"q"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]}]})json"_ba
                                      << u"main=done:[[task:quick],[task:a]] quick=done:\"q\" a=pending->cancelled"_s
                                      << u"0:quick:done 0:main:done 0:a:cancelled/shutdown"_s << u"completed end=0"_s;

        // Everything already done: wait returns without suspending on the children.
        QTest::newRow("already_done") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},
    {"op":"wait","children":["$a"],"return_when":"FIRST_COMPLETED","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"return","value":"a"}]}]})json"_ba
                                      << u"main=done:[[task:a],[]] a=done:\"a\""_s << u"0:a:done 1:main:done"_s
                                      << u"completed end=1"_s;

        // `cancel` of a wait result cancels its pending set, in creation order.
        QTest::newRow("cancel_pending_set")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"wait","children":["fast","s","s"],"return_when":"FIRST_COMPLETED","as":"$r"},
    {"op":"cancel","target":"$r"},{"op":"sleep","seconds":0},{"op":"return","value":"$r"}]},
  {"id":"fast","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"f"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
            << u"main=done:[[task:fast],[task:s,task:s#2]] fast=done:\"f\" s=cancelled s#2=cancelled"_s
            << u"1:fast:done 1:s:cancelled 1:s#2:cancelled 1:main:done"_s << u"completed end=1"_s;

        // Waiting on a future: done once another task sets it.
        QTest::newRow("future_child")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"setter"},{"op":"wait","children":["@f","slow"],"return_when":"FIRST_COMPLETED","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":3}]},
  {"id":"setter","steps":[{"op":"sleep","seconds":1},{"op":"set_result","target":"@f","value":1}]}]})json"_ba
            << u"main=done:[[future:f],[task:slow]] setter=done:null slow=pending->cancelled"_s
            << u"1:setter:done 1:main:done 1:slow:cancelled/shutdown"_s << u"completed end=1 futures=[f=done]"_s;

        // The waiting task cancelled from outside: wait raises CancelledError, the children are
        // not cancelled (they are pending at the snapshot).
        QTest::newRow("waiter_cancelled_children_survive")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"w","steps":[{"op":"wait","children":["a","b"]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":1.5},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:\"end\" w=cancelled a=pending->cancelled b=done:\"b\""_s
            << u"1:w:cancelled 1.5:b:done 2:main:done 2:a:cancelled/shutdown"_s << u"completed end=2"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestWait)
#include "tst_wait.moc"
