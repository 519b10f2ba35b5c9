// asyncio.Future as graphs use it (futures.py): set_result / set_exception waking every awaiting
// task in registration order, InvalidStateError on a second set, cancel (with its message) reaching
// the awaiters, exceptions never retrieved, and the exception hierarchy of except clauses.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestFuture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // Waiters wake in the order they started waiting (done-callbacks in registration order).
        QTest::newRow("set_result_wakes_waiters_in_order")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","args":{"k":1}},{"op":"spawn","node":"w","args":{"k":2}},{"op":"spawn","node":"w","args":{"k":3}},
    {"op":"sleep","seconds":1},{"op":"set_result","target":"@f","value":"v"},{"op":"sleep","seconds":0},{"op":"sleep","seconds":0},{"op":"return","value":"end"}]},
  {"id":"w","params":{"k":0},"steps":[{"op":"await","target":"@f","as":"$v"},{"op":"return","value":["$k","$v"]}]}]})json"_ba
            << u"main=done:\"end\" w=done:[1,\"v\"] w#2=done:[2,\"v\"] w#3=done:[3,\"v\"]"_s
            << u"1:w:done 1:w#2:done 1:w#3:done 1:main:done"_s << u"completed end=1 futures=[f=done]"_s;

        // Everyone awaiting a failed future gets the exception; it counts as retrieved.
        QTest::newRow("set_exception_reaches_all")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$a"},{"op":"spawn","node":"w","as":"$b"},{"op":"sleep","seconds":1},
    {"op":"set_exception","target":"@f","type":"ConnectionError","message":"down"},
    {"op":"gather","children":["$a","$b"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"await","target":"@f"}]}]})json"_ba
            << u"main=done:[exc:ConnectionError(down),exc:ConnectionError(down)] w=failed:ConnectionError(down) w#2=failed:ConnectionError(down)"_s
            << u"1:w:failed 1:w#2:failed 1:main:done"_s << u"completed end=1 futures=[f=failed]"_s;

        // A failed future nobody awaits: exception never retrieved, reported by name.
        QTest::newRow("failed_future_never_retrieved")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"set_exception","target":"@f","type":"ValueError","message":"lost"},{"op":"return","value":"end"}]}]})json"_ba
            << u"main=done:\"end\""_s << u"0:main:done"_s << u"completed end=0 futures=[f=failed] never=[f]"_s;

        // Setting a done future raises InvalidStateError in the setting task.
        QTest::newRow("second_set_invalid_state")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"set_result","target":"@f","value":1},
    {"op":"try","body":[{"op":"set_result","target":"@f","value":2}],"except":[{"types":["InvalidStateError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:InvalidStateError(FINISHED: <Future finished result=1>)"_s << u"0:main:done"_s
            << u"completed end=0 futures=[f=done]"_s;

        // The message is f'{state}: {future!r}': the repr shows the result or exception.
        QTest::newRow("invalid_state_message_string_result")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"set_result","target":"@f","value":"it's"},
    {"op":"try","body":[{"op":"set_result","target":"@f","value":2}],"except":[{"types":["InvalidStateError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:InvalidStateError(FINISHED: <Future finished result=\"it's\">)"_s << u"0:main:done"_s
            << u"completed end=0 futures=[f=done]"_s;

        QTest::newRow("invalid_state_message_list_result")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"set_result","target":"@f","value":[1,"a",null,true,1.5]},
    {"op":"try","body":[{"op":"set_result","target":"@f","value":2}],"except":[{"types":["InvalidStateError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:InvalidStateError(FINISHED: <Future finished result=[1, 'a', None, True, 1.5]>)"_s
            << u"0:main:done"_s << u"completed end=0 futures=[f=done]"_s;

        QTest::newRow("invalid_state_message_exception")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"set_exception","target":"@f","type":"ValueError","message":"bad"},
    {"op":"try","body":[{"op":"set_result","target":"@f","value":2}],"except":[{"types":["InvalidStateError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:InvalidStateError(FINISHED: <Future finished exception=ValueError('bad')>)"_s
            << u"0:main:done"_s << u"completed end=0 futures=[f=failed] never=[f]"_s;

        // Tasks do not support set_result: RuntimeError.
        QTest::newRow("set_result_on_task")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},
    {"op":"try","body":[{"op":"set_result","target":"$a","value":2}],"except":[{"types":["RuntimeError"],"as":"$e","body":[{"op":"await","target":"$a"},{"op":"return","value":"$e"}]}]}]},
  {"id":"a","steps":[{"op":"return","value":1}]}]})json"_ba
            << u"main=done:exc:RuntimeError(Task does not support set_result operation) a=done:1"_s
            << u"0:a:done 0:main:done"_s << u"completed end=0"_s;

        // ... and so does setting a cancelled one.
        QTest::newRow("set_after_cancel_invalid_state")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"cancel","target":"@f"},{"op":"set_exception","target":"@f","type":"ValueError"}]}]})json"_ba
            << u"main=failed:InvalidStateError(CANCELLED: <Future cancelled>)"_s << u"0:main:failed"_s
            << u"completed end=0 futures=[f=cancelled]"_s;

        // The message of Future.cancel(msg) reaches the awaiting task's CancelledError.
        QTest::newRow("cancel_message_reaches_awaiter")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"@f","message":"called off"},
    {"op":"await","target":"$w","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"try","body":[{"op":"await","target":"@f"}],"except":[{"types":["CancelledError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:CancelledError(called off) w=done:exc:CancelledError(called off)"_s
            << u"1:w:done 1:main:done"_s << u"completed end=1 futures=[f=cancelled]"_s;

        // Awaiting a future that is done already does not suspend: same iteration, same time.
        QTest::newRow("await_done_future_no_suspend")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"future","as":"$f"},{"op":"set_result","target":"$f","value":"ready"},{"op":"spawn","node":"other"},
    {"op":"await","target":"$f","as":"$v"},{"op":"return","value":"$v"}]},
  {"id":"other","steps":[{"op":"return","value":"o"}]}]})json"_ba
            << u"main=done:\"ready\" other=done:\"o\""_s << u"0:main:done 0:other:done"_s
            << u"completed end=0 futures=[f=collected]"_s;

        // except clauses follow Python's hierarchy.
        QTest::newRow("hierarchy_lookup_catches_key")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"raise","type":"KeyError","message":"k"}],"except":[{"types":["LookupError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:KeyError(k)"_s << u"0:main:done"_s << u"completed end=0"_s;

        QTest::newRow("hierarchy_oserror_catches_timeout_and_connection") << R"json({"nodes":[
  {"id":"main","steps":[
    {"op":"try","body":[{"op":"raise","type":"TimeoutError"}],"except":[{"types":["OSError"],"as":"$a"}]},
    {"op":"try","body":[{"op":"raise","type":"ConnectionError","message":"c"}],"except":[{"types":["OSError"],"as":"$b"}]},
    {"op":"return","value":["$a","$b"]}]}]})json"_ba << u"main=done:[exc:TimeoutError,exc:ConnectionError(c)]"_s
                                                                          << u"0:main:done"_s << u"completed end=0"_s;

        // CancelledError is not an Exception: `except Exception` lets it through.
        QTest::newRow("hierarchy_cancelled_not_exception") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["Exception"],"body":[{"op":"return","value":"wrong"}]}]}]}]})json"_ba
                                                           << u"main=done:[exc:CancelledError] a=cancelled"_s
                                                           << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // BaseException catches everything, CancelledError included.
        QTest::newRow("hierarchy_base_exception_catches_cancel")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["BaseException"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:CancelledError a=done:exc:CancelledError"_s << u"1:a:done 1:main:done"_s
            << u"completed end=1"_s;

        // A raised ExceptionGroup carries one bare Exception (as the reference raises it).
        QTest::newRow("raise_exception_group")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"raise","type":"ExceptionGroup","message":"many"}],"except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(many)[Exception]"_s << u"0:main:done"_s << u"completed end=0"_s;

        // finally runs on the way out of a cancelled sleep; reraise keeps the original exception.
        QTest::newRow("finally_and_reraise") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":["$r","@cleaned"]}]},
  {"id":"a","steps":[{"op":"try","body":[
      {"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1},{"op":"reraise"}]}]}],
    "finally":[{"op":"sleep","seconds":1,"result":true,"as":"@cleaned"}]}]}]})json"_ba
                                             << u"main=done:[[exc:CancelledError],true] a=cancelled"_s
                                             << u"3:a:cancelled 3:main:done"_s << u"completed end=3"_s;

        // sleep(seconds, result) returns the result; an inline await of a node runs in the same task.
        QTest::newRow("sleep_result_and_inline_await")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"await","target":{"node":"sub","args":{"x":4}},"as":"$v"},{"op":"return","value":"$v"}]},
  {"id":"sub","params":{"x":0},"steps":[{"op":"sleep","seconds":"$x","result":"slept","as":"$r"},{"op":"return","value":["$r","$x"]}]}]})json"_ba
            << u"main=done:[\"slept\",4]"_s << u"4:main:done"_s << u"completed end=4"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestFuture)
#include "tst_future.moc"
