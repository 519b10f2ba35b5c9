// asyncio.Task semantics (tasks.py Task.cancel / __step / __wakeup, cancelling() / uncancel()):
// when a cancellation is delivered, what swallowing it does, how counts of cancel requests decide
// what timeout and TaskGroup do afterwards, and the RuntimeError of a task awaiting itself.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope;
using namespace ascope::test;

class TestTask : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        // The cancel lands before a's first step: its body never runs (the future stays pending).
        QTest::newRow("cancel_before_first_step")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"cancel","target":"$a"},
    {"op":"try","body":[{"op":"await","target":"$a"}],"except":[{"types":["CancelledError"],"body":[{"op":"return","value":"caught"}]}]}]},
  {"id":"a","steps":[{"op":"set_result","target":"@f","value":"ran"},{"op":"return","value":1}]}]})json"_ba
            << u"main=done:\"caught\" a=cancelled"_s << u"0:a:cancelled 0:main:done"_s
            << u"completed end=0 futures=[f=pending]"_s;

        // Cancelled while suspended in sleep: the CancelledError comes out of the await at t=1.
        QTest::newRow("cancel_while_awaiting")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"try","body":[{"op":"await","target":"$a"}],"except":[{"types":["CancelledError"],"body":[{"op":"return","value":"caught"}]}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5},{"op":"return","value":"late"}]}]})json"_ba
            << u"main=done:\"caught\" a=cancelled"_s << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // A task that catches CancelledError and goes on is not cancelled: it finishes normally.
        QTest::newRow("swallowed_cancel_keeps_running") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1}]}]},
    {"op":"return","value":"survived"}]}]})json"_ba << u"main=done:\"survived\" a=done:\"survived\""_s
                                                        << u"2:a:done 2:main:done"_s << u"completed end=2"_s;

        // Two cancel() calls before the task wakes deliver one CancelledError (the second finds the
        // sleep future already cancelled and only sets _must_cancel, which the first error satisfies).
        QTest::newRow("double_cancel_one_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},{"op":"cancel","target":"$a"},
    {"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1}]}]},
    {"op":"return","value":"survived"}]}]})json"_ba
            << u"main=done:\"survived\" a=done:\"survived\""_s << u"2:a:done 2:main:done"_s << u"completed end=2"_s;

        // Swallowing inside a repeated sleep: every cancel costs one iteration, never the task.
        QTest::newRow("swallow_in_loop") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},
    {"op":"repeat","times":3,"body":[{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"}]},
    {"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"repeat","times":4,"body":[
    {"op":"try","body":[{"op":"sleep","seconds":2}],"except":[{"types":["CancelledError"]}]}]},{"op":"return","value":"end"}]}]})json"_ba
                                         << u"main=done:\"end\" a=done:\"end\""_s << u"5:a:done 5:main:done"_s
                                         << u"completed end=5"_s;

        // cancel() on a task that already finished does nothing: its result stays.
        QTest::newRow("cancel_done_task_noop")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":0},{"op":"cancel","target":"$a"},
    {"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"return","value":7}]}]})json"_ba
            << u"main=done:7 a=done:7"_s << u"0:a:done 0:main:done"_s << u"completed end=0"_s;

        // The awaiting task is cancelled too when the task it awaits is cancelled (wakeup with the
        // task's CancelledError).
        QTest::newRow("awaiter_of_cancelled_task_is_cancelled")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"w","args":{"t":"$a"},"as":"$w"},
    {"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},{"op":"sleep","seconds":1},{"op":"return","value":"ok"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"w","params":{"t":null},"steps":[{"op":"await","target":"$t"}]}]})json"_ba
            << u"main=done:\"ok\" a=cancelled w=cancelled"_s << u"1:a:cancelled 1:w:cancelled 2:main:done"_s
            << u"completed end=2"_s;

        // CPython 3.11 drops the cancel message when the task itself ends cancelled (__step calls
        // Future.cancel() without it): gather(return_exceptions=True) sees a bare CancelledError.
        QTest::newRow("cancel_message_lost_in_gather")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"spawn","node":"b","as":"$b"},
    {"op":"cancel","target":"$a","message":"stop"},
    {"op":"gather","children":["$a","$b"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":1},{"op":"return","value":2}]}]})json"_ba
            << u"main=done:[exc:CancelledError,2] a=cancelled b=done:2"_s << u"0:a:cancelled 1:b:done 1:main:done"_s
            << u"completed end=1"_s;

        // The same when the cancel hits a task suspended in sleep.
        QTest::newRow("cancel_message_while_sleeping") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},
    {"op":"cancel","target":"$a","message":"later"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
                                                       << u"main=done:[exc:CancelledError] a=cancelled"_s
                                                       << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // A caught CancelledError carries the message too.
        QTest::newRow("cancel_message_caught") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},
    {"op":"cancel","target":"$a","message":"why"},{"op":"await","target":"$a","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],"except":[{"types":["CancelledError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]}]})json"_ba
                                               << u"main=done:exc:CancelledError(why) a=done:exc:CancelledError(why)"_s
                                               << u"1:a:done 1:main:done"_s << u"completed end=1"_s;

        // A task awaiting itself gets RuntimeError thrown in (Task.__step), not a deadlock.
        QTest::newRow("await_itself_runtime_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"selfish","as":"@t"},{"op":"sleep","seconds":1},
    {"op":"try","body":[{"op":"await","target":"@t"}],"except":[{"types":["RuntimeError"],"body":[{"op":"return","value":"saw error"}]}]}]},
  {"id":"selfish","steps":[{"op":"await","target":"@t"}]}]})json"_ba
            << u"main=done:\"saw error\" selfish=failed:RuntimeError(Task cannot await on itself: <_RecordedTask pending name='selfish' coro=<n_selfish() running at <scenario await_itself_runtime_error>:14>>)"_s
            << u"0:selfish:failed 1:main:done"_s << u"completed end=1"_s;

        // ... and the task can catch it and go on.
        QTest::newRow("await_itself_caught") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"selfish","as":"@t"},{"op":"await","target":"@t","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"selfish","steps":[{"op":"try","body":[{"op":"await","target":"@t"}],"except":[{"types":["RuntimeError"],"body":[{"op":"return","value":"recovered"}]}]}]}]})json"_ba
                                             << u"main=done:\"recovered\" selfish=done:\"recovered\""_s
                                             << u"0:selfish:done 0:main:done"_s << u"completed end=0"_s;

        // uncancel(): after a timeout expired and its TimeoutError was handled, the count of
        // cancel requests is back to 0, so the next sleep is not cancelled.
        QTest::newRow("timeout_uncancels") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":5}]}],
      "except":[{"types":["TimeoutError"]}]},
    {"op":"sleep","seconds":1},{"op":"return","value":"after"}]}]})json"_ba
                                           << u"main=done:\"after\""_s << u"2:main:done"_s << u"completed end=2"_s;

        // cancelling() > 0 at the timeout's exit: an outside cancel during the block makes the
        // expiry a CancelledError, even though the deadline also passed.
        QTest::newRow("outer_cancel_beats_timeout") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$a"},
    {"op":"gather","children":["$a"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"a","steps":[{"op":"timeout","seconds":1,"body":[{"op":"sleep","seconds":5}]}]}]})json"_ba
                                                    << u"main=done:[exc:CancelledError] a=cancelled"_s
                                                    << u"1:a:cancelled 1:main:done"_s << u"completed end=1"_s;

        // TaskGroup uncancels its parent when it exits: after catching the ExceptionGroup the
        // parent's next sleep runs to completion.
        QTest::newRow("taskgroup_uncancels_parent")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["boom","slow"],"body":[{"op":"sleep","seconds":5}]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e"}]},
    {"op":"sleep","seconds":1},{"op":"return","value":"$e"}]},
  {"id":"boom","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"bad"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":10}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(bad)] boom=failed:ValueError(bad) slow=cancelled"_s
            << u"1:boom:failed 1:slow:cancelled 2:main:done"_s << u"completed end=2"_s;

        // A failed task's exception is retrieved by awaiting it; cancelling it afterwards does not
        // change that.
        QTest::newRow("failed_task_exception_propagates") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"a","as":"$a"},{"op":"sleep","seconds":1},
    {"op":"try","body":[{"op":"await","target":"$a"}],"except":[{"types":["KeyError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"a","steps":[{"op":"raise","type":"KeyError","message":"k"}]}]})json"_ba
                                                          << u"main=done:exc:KeyError(k) a=failed:KeyError(k)"_s
                                                          << u"0:a:failed 1:main:done"_s << u"completed end=1"_s;
    }

    void outcome()
    {
        verifyOutcomeRow({
            // The reference's message is repr(task) of its own task class: "<_RecordedTask pending
            // name='selfish' coro=<n_selfish() running at <scenario NAME>:LINE>>", LINE being a
            // line of the Python program it generated. The engine says "<Task pending
            // name='selfish'>"; the comparison of outcomes compares messages exactly.
            {"await_itself_runtime_error", "tasks",
             "engine: RuntimeError message differs from the reference's repr(task)"},
        });
    }

    // What does not depend on the reference's repr: the type and the start of the message.
    void awaitItselfMessage()
    {
        const QJsonObject o = runOutcome(R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"selfish","as":"@t"},{"op":"sleep","seconds":1}]},
  {"id":"selfish","steps":[{"op":"await","target":"@t"}]}]})json"_ba);
        QCOMPARE(taskState(o, u"selfish"_s), u"failed"_s);
        const QJsonObject e = taskException(o, u"selfish"_s);
        QCOMPARE(e.value(u"type"_s).toString(), u"RuntimeError"_s);
        const QString msg = e.value(u"message"_s).toString();
        QVERIFY2(msg.startsWith(u"Task cannot await on itself: <"_s), qPrintable(msg));
        QVERIFY2(msg.contains(u"name='selfish'"_s), qPrintable(msg));
        QCOMPARE(taskFinished(o, u"selfish"_s), 0.0);
        QCOMPARE(o.value(u"diagnostics"_s).toObject().value(u"exception_never_retrieved"_s).toArray(),
                 QJsonArray{u"selfish"_s});
    }

    // cancelling() counts every cancel() that returned True; uncancel() takes one back;
    // cancel() on a done task returns False and counts nothing (tasks.py Task.cancel).
    void cancellingCounts()
    {
        auto graph = loadInline(R"json({"nodes":[{"id":"main","steps":[{"op":"hang"}]}]})json"_ba);
        QVERIFY(graph);
        Engine engine(graph);
        QVERIFY(engine.stepOnce()); // begin + main's first step: it now waits on the hang future
        Task *main = engine.runtime().mainTask;
        QVERIFY(main);
        QVERIFY(!main->done());
        QCOMPARE(main->cancelling(), 0);
        QVERIFY(main->cancel(std::nullopt));
        QCOMPARE(main->cancelling(), 1);
        QVERIFY(main->cancel(u"again"_s));
        QCOMPARE(main->cancelling(), 2);
        QCOMPARE(main->uncancel(), 1);
        QCOMPARE(main->cancelling(), 1);
        engine.runSync();
        QVERIFY(main->cancelled());
        QVERIFY(!main->cancel(std::nullopt));
        QCOMPARE(main->cancelling(), 1);
        QCOMPARE(main->uncancel(), 0);
        QCOMPARE(main->uncancel(), 0); // never below zero
        const QJsonObject o = engine.outcome();
        QCOMPARE(taskState(o, u"main"_s), u"cancelled"_s);
    }
};

QTEST_GUILESS_MAIN(TestTask)
#include "tst_task.moc"
