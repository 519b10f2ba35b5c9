// asyncio.as_completed (tasks.py as_completed, CPython 3.11): results in completion order, equal
// completion times in timer order, the timeout raising TimeoutError with the remaining tasks left
// running (the "leak"), and a failure surfacing at its turn.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestAsCompleted : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        QTest::newRow("completion_order") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"as_completed","children":[{"node":"c","args":{"d":3}},{"node":"c","args":{"d":1}},{"node":"c","args":{"d":2}}],"as":"$r"},
    {"op":"return","value":"$r"}]},
  {"id":"c","params":{"d":0},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
                                          << u"main=done:[1,2,3] c=done:3 c#2=done:1 c#3=done:2"_s
                                          << u"1:c#2:done 2:c#3:done 3:c:done 3:main:done"_s << u"completed end=3"_s;

        // Equal completion times: the order the timers pop, then the queue's FIFO.
        QTest::newRow("simultaneous_completions")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"as_completed","children":[{"node":"c","count":6}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":1},{"op":"return","value":1}]}]})json"_ba
            << u"main=done:[1,1,1,1,1,1] c=done:1 c#2=done:1 c#3=done:1 c#4=done:1 c#5=done:1 c#6=done:1"_s
            << u"1:c:done 1:c#3:done 1:c#6:done 1:c#5:done 1:c#2:done 1:c#4:done 1:main:done"_s << u"completed end=1"_s;

        // Already-finished tasks come first, then the rest as they complete.
        QTest::newRow("some_already_done") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"quick","as":"$q"},{"op":"sleep","seconds":0.5},
    {"op":"as_completed","children":["slow","$q"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"quick","steps":[{"op":"return","value":"q"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"s"}]}]})json"_ba
                                           << u"main=done:[\"q\",\"s\"] quick=done:\"q\" slow=done:\"s\""_s
                                           << u"0:quick:done 1.5:slow:done 1.5:main:done"_s << u"completed end=1.5"_s;

        // The timeout raises TimeoutError from the next await; the tasks not yet done are not
        // cancelled: they are still pending at the snapshot (shutdown cancels them).
        QTest::newRow("timeout_leaks_tasks")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"as_completed","children":[{"node":"c","args":{"d":1}},{"node":"c","args":{"d":3}},{"node":"c","args":{"d":5}}],"timeout":2,"as":"$r"}],
      "except":[{"types":["TimeoutError"],"body":[{"op":"return","value":"timeout"}]}]}]},
  {"id":"c","params":{"d":0},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
            << u"main=done:\"timeout\" c=done:1 c#2=pending->cancelled c#3=pending->cancelled"_s
            << u"1:c:done 2:main:done 2:c#2:cancelled/shutdown 2:c#3:cancelled/shutdown"_s << u"completed end=2"_s;

        // The leaked tasks keep running and finish if the entry task lives long enough.
        QTest::newRow("timeout_leaked_tasks_finish") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"as_completed","children":[{"node":"c","args":{"d":1}},{"node":"c","args":{"d":3}}],"timeout":2}],
      "except":[{"types":["TimeoutError"]}]},{"op":"sleep","seconds":5},{"op":"return","value":"end"}]},
  {"id":"c","params":{"d":0},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
                                                     << u"main=done:\"end\" c=done:1 c#2=done:3"_s
                                                     << u"1:c:done 3:c#2:done 7:main:done"_s << u"completed end=7"_s;

        // A failing child raises at its turn; the later ones are left running.
        QTest::newRow("failure_stops_iteration")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"as_completed","children":["ok","bad","late"],"as":"$r"}],
      "except":[{"types":["ValueError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"ok","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"ok"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"bad"}]},
  {"id":"late","steps":[{"op":"sleep","seconds":3},{"op":"return","value":"late"}]}]})json"_ba
            << u"main=done:exc:ValueError(bad) ok=done:\"ok\" bad=failed:ValueError(bad) late=pending->cancelled"_s
            << u"1:ok:done 2:bad:failed 2:main:done 2:late:cancelled/shutdown"_s << u"completed end=2"_s;

        // A cancelled child raises CancelledError into the iterating task at its turn.
        QTest::newRow("cancelled_child")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"canceller","args":{"t":"$a"}},
    {"op":"try","body":[{"op":"as_completed","children":["$a","b"],"as":"$r"}],
      "except":[{"types":["CancelledError"],"body":[{"op":"return","value":"caught"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]},
  {"id":"canceller","params":{"t":null},"steps":[{"op":"sleep","seconds":1},{"op":"cancel","target":"$t"}]}]})json"_ba
            << u"main=done:\"caught\" a=cancelled canceller=done:null b=pending->cancelled"_s
            << u"1:canceller:done 1:a:cancelled 1:main:done 1:b:cancelled/shutdown"_s << u"completed end=1"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestAsCompleted)
#include "tst_ascompleted.moc"
