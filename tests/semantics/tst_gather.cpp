// asyncio.gather (tasks.py gather / _GatheringFuture): results in argument order whatever the
// completion order, the first exception propagating while the other children keep running,
// return_exceptions, cancelling the outer future cancels the children, a cancelled child,
// duplicates, and gather as a future (await: false).
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestGather : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // Results follow the arguments (a, b, c, c#2), not the completion order (b first).
        QTest::newRow("results_in_argument_order")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["a","b",{"node":"c","count":2}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"a"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"b"}]},
  {"id":"c","params":{"d":3},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
            << u"main=done:[\"a\",\"b\",3,3] a=done:\"a\" b=done:\"b\" c=done:3 c#2=done:3"_s
            << u"1:b:done 2:a:done 3:c#2:done 3:c:done 3:main:done"_s << u"completed end=3"_s;

        // Coroutine children become tasks in argument order (creation order = names).
        QTest::newRow("args_passed_to_children")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":[{"node":"c","args":{"d":2}},{"node":"c","args":{"d":1}}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"c","params":{"d":0},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
            << u"main=done:[2,1] c=done:2 c#2=done:1"_s << u"1:c#2:done 2:c:done 2:main:done"_s << u"completed end=2"_s;

        // The first exception reaches the awaiting task at once; the other child is not
        // cancelled and is still pending at the snapshot (shutdown cancels it).
        QTest::newRow("first_exception_propagates")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"gather","children":["bad","slow"]}],
      "except":[{"types":["ValueError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"boom"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":3},{"op":"return","value":"slow"}]}]})json"_ba
            << u"main=done:exc:ValueError(boom) bad=failed:ValueError(boom) slow=pending->cancelled"_s
            << u"1:bad:failed 1:main:done 1:slow:cancelled/shutdown"_s << u"completed end=1"_s;

        // After the first failure the later ones are retrieved by gather's callback: nothing is
        // reported as never retrieved.
        QTest::newRow("later_failures_retrieved")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"gather","children":["bad","bad2"]}],
      "except":[{"types":["ValueError"]}]},{"op":"sleep","seconds":5},{"op":"return","value":"ok"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"one"}]},
  {"id":"bad2","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"KeyError","message":"two"}]}]})json"_ba
            << u"main=done:\"ok\" bad=failed:ValueError(one) bad2=failed:KeyError(two)"_s
            << u"1:bad:failed 2:bad2:failed 6:main:done"_s << u"completed end=6"_s;

        QTest::newRow("return_exceptions")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["bad","good","bad"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"boom"}]},
  {"id":"good","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"fine"}]}]})json"_ba
            << u"main=done:[exc:ValueError(boom),\"fine\",exc:ValueError(boom)] bad=failed:ValueError(boom) good=done:\"fine\" bad#2=failed:ValueError(boom)"_s
            << u"1:bad:failed 1:bad#2:failed 2:good:done 2:main:done"_s << u"completed end=2"_s;

        // Cancelling the task that awaits gather cancels the gather and with it every child.
        QTest::newRow("cancel_outer_cancels_children")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"gather","children":["a","b"]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":6}]}]})json"_ba
            << u"main=done:[exc:CancelledError] w=cancelled a=cancelled b=cancelled"_s
            << u"1:a:cancelled 1:b:cancelled 1:w:cancelled 1:main:done"_s << u"completed end=1"_s;

        // With return_exceptions the cancelled outer still ends the awaiting task with
        // CancelledError (set as the outer's exception once every child is done).
        QTest::newRow("cancel_outer_return_exceptions")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"try","body":[{"op":"gather","children":["a","b"],"return_exceptions":true}],
      "except":[{"types":["CancelledError"],"body":[{"op":"return","value":"w caught"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":6}]}]})json"_ba
            << u"main=done:[\"w caught\"] w=done:\"w caught\" a=cancelled b=cancelled"_s
            << u"1:a:cancelled 1:b:cancelled 1:w:done 1:main:done"_s << u"completed end=1"_s;

        // A child cancelled on its own makes gather raise CancelledError into the awaiting task,
        // which is not itself cancelled: it can catch it and return.
        QTest::newRow("child_cancelled_raises_cancelled")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"canceller","args":{"t":"$a"}},
    {"op":"try","body":[{"op":"gather","children":["$a","b"]}],
      "except":[{"types":["CancelledError"],"body":[{"op":"return","value":"caught"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]},
  {"id":"canceller","params":{"t":null},"steps":[{"op":"sleep","seconds":1},{"op":"cancel","target":"$t"}]}]})json"_ba
            << u"main=done:\"caught\" a=cancelled canceller=done:null b=pending->cancelled"_s
            << u"1:canceller:done 1:a:cancelled 1:main:done 1:b:cancelled/shutdown"_s << u"completed end=1"_s;

        // The same awaitable twice is awaited once; the result is repeated.
        QTest::newRow("duplicate_child") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"gather","children":["$a","$a"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"x"}]}]})json"_ba
                                         << u"main=done:[\"x\",\"x\"] a=done:\"x\""_s << u"1:a:done 1:main:done"_s
                                         << u"completed end=1"_s;

        // gather() of a future set later by another task.
        QTest::newRow("future_child") << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"setter"},{"op":"gather","children":["@f","a"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"return","value":1}]},
  {"id":"setter","steps":[{"op":"sleep","seconds":2},{"op":"set_result","target":"@f","value":"set"}]}]})json"_ba
                                      << u"main=done:[\"set\",1] setter=done:null a=done:1"_s
                                      << u"0:a:done 2:setter:done 2:main:done"_s
                                      << u"completed end=2 futures=[f=done]"_s;

        // await: false makes the gather a named future; its children run without anyone awaiting.
        QTest::newRow("not_awaited_future")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["a","b"],"await":false,"as":"$g"},{"op":"sleep","seconds":3},
    {"op":"await","target":"$g","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"a"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:[\"a\",\"b\"] a=done:\"a\" b=done:\"b\""_s << u"1:a:done 2:b:done 3:main:done"_s
            << u"completed end=3 futures=[g=collected]"_s;

        // A never-awaited gather whose child failed: the gather future's exception is never
        // retrieved (the child's was, by gather's callback).
        QTest::newRow("not_awaited_failure_never_retrieved")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["bad"],"await":false,"as":"$g"},{"op":"sleep","seconds":2},{"op":"return","value":"end"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"lost"}]}]})json"_ba
            << u"main=done:\"end\" bad=failed:ValueError(lost)"_s << u"1:bad:failed 2:main:done"_s
            << u"completed end=2 futures=[g=collected] never=[g]"_s;

        // Cancelling a not-awaited gather future cancels its children.
        QTest::newRow("cancel_gather_future")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":["a","b"],"await":false,"as":"$g"},{"op":"sleep","seconds":1},
    {"op":"cancel","target":"$g"},{"op":"sleep","seconds":1},{"op":"return","value":"end"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":0.5},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=done:\"end\" a=cancelled b=done:\"b\""_s << u"0.5:b:done 1:a:cancelled 2:main:done"_s
            << u"completed end=2 futures=[g=collected] never=[g]"_s;

        // Children done in the same iteration complete in the order their timers pop.
        QTest::newRow("simultaneous_children")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"gather","children":[{"node":"c","count":5}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"c","steps":[{"op":"sleep","seconds":1},{"op":"return","value":1}]}]})json"_ba
            << u"main=done:[1,1,1,1,1] c=done:1 c#2=done:1 c#3=done:1 c#4=done:1 c#5=done:1"_s
            << u"1:c:done 1:c#3:done 1:c#5:done 1:c#2:done 1:c#4:done 1:main:done"_s << u"completed end=1"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestGather)
#include "tst_gather.moc"
