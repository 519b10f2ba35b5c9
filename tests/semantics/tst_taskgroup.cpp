// asyncio.TaskGroup (taskgroups.py, CPython 3.11, children cancelled in creation order as
// asyncgraph/1 pins): results in creation order, the first failure cancelling the rest and the
// body, every failure in the ExceptionGroup, the body raising, nested groups, a cancel from outside
// (CancelledError, no group), and children that fail while being cancelled.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestTaskGroup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        QTest::newRow("all_succeed_results_in_creation_order")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":[{"node":"c","args":{"d":2}},{"node":"c","args":{"d":1}},{"node":"c","count":2}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"c","params":{"d":0.5},"steps":[{"op":"sleep","seconds":"$d"},{"op":"return","value":"$d"}]}]})json"_ba
            << u"main=done:[2,1,0.5,0.5] c=done:2 c#2=done:1 c#3=done:0.5 c#4=done:0.5"_s
            << u"0.5:c#3:done 0.5:c#4:done 1:c#2:done 2:c:done 2:main:done"_s << u"completed end=2"_s;

        // The first failure cancels the siblings (creation order) and the body.
        QTest::newRow("first_failure_cancels_rest")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["s1","bad","s2"],"body":[{"op":"sleep","seconds":10}]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"s1","steps":[{"op":"sleep","seconds":5}]},
  {"id":"s2","steps":[{"op":"sleep","seconds":6}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"first"}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(first)] s1=cancelled bad=failed:ValueError(first) s2=cancelled"_s
            << u"1:bad:failed 1:s1:cancelled 1:s2:cancelled 1:main:done"_s << u"completed end=1"_s;

        // Two children failing in the same iteration are both in the group.
        QTest::newRow("simultaneous_failures_both_in_group")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["bad1","bad2","slow"]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad1","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"one"}]},
  {"id":"bad2","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"KeyError","message":"two"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(one),KeyError(two)] bad1=failed:ValueError(one) bad2=failed:KeyError(two) slow=cancelled"_s
            << u"1:bad1:failed 1:bad2:failed 1:slow:cancelled 1:main:done"_s << u"completed end=1"_s;

        // A sibling that raises while being cancelled adds its error to the group.
        QTest::newRow("failure_during_cancellation")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["bad","grumpy"]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"first"}]},
  {"id":"grumpy","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],
      "except":[{"types":["CancelledError"],"body":[{"op":"sleep","seconds":1},{"op":"raise","type":"OSError","message":"cleanup failed"}]}]}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(first),OSError(cleanup failed)] bad=failed:ValueError(first) grumpy=failed:OSError(cleanup failed)"_s
            << u"1:bad:failed 2:grumpy:failed 2:main:done"_s << u"completed end=2"_s;

        // The body raising: children cancelled, the body's error in the group (after the children's).
        QTest::newRow("body_raises")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["slow"],"body":[{"op":"sleep","seconds":1},{"op":"raise","type":"RuntimeError","message":"body"}]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[RuntimeError(body)] slow=cancelled"_s
            << u"1:slow:cancelled 1:main:done"_s << u"completed end=1"_s;

        QTest::newRow("body_raises_and_child_fails")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["bad"],"body":[{"op":"sleep","seconds":2},{"op":"raise","type":"RuntimeError","message":"body"}]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"child"}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[RuntimeError(body)] bad=cancelled"_s
            << u"2:bad:cancelled 2:main:done"_s << u"completed end=2"_s;

        // The group waits for its children after the body ends.
        QTest::newRow("waits_for_children_after_body")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":["slow"],"body":[{"op":"sleep","seconds":1}],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"slow","steps":[{"op":"sleep","seconds":4},{"op":"return","value":"s"}]}]})json"_ba
            << u"main=done:[\"s\"] slow=done:\"s\""_s << u"4:slow:done 4:main:done"_s << u"completed end=4"_s;

        // Nested groups: the inner group's ExceptionGroup is a member of the outer one.
        QTest::newRow("nested_groups")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"taskgroup","children":["inner","sib"]}],
      "except":[{"types":["ExceptionGroup"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"inner","steps":[{"op":"taskgroup","children":["bad","s"]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"deep"}]},
  {"id":"s","steps":[{"op":"sleep","seconds":5}]},
  {"id":"sib","steps":[{"op":"sleep","seconds":5}]}]})json"_ba
            << u"main=done:exc:ExceptionGroup(unhandled errors in a TaskGroup)[ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(deep)]] inner=failed:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(deep)] sib=cancelled bad=failed:ValueError(deep) s=cancelled"_s
            << u"1:bad:failed 1:s:cancelled 1:inner:failed 1:sib:cancelled 1:main:done"_s << u"completed end=1"_s;

        // An inner group whose failure is handled inside its task does not disturb the outer.
        QTest::newRow("nested_inner_failure_handled")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":["inner","sib"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"inner","steps":[{"op":"try","body":[{"op":"taskgroup","children":["bad"]}],
      "except":[{"types":["ExceptionGroup"],"body":[{"op":"return","value":"handled"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"deep"}]},
  {"id":"sib","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"sib"}]}]})json"_ba
            << u"main=done:[\"handled\",\"sib\"] inner=done:\"handled\" sib=done:\"sib\" bad=failed:ValueError(deep)"_s
            << u"1:bad:failed 1:inner:done 2:sib:done 2:main:done"_s << u"completed end=2"_s;

        // Cancelled from outside: children cancelled, CancelledError (not a group) propagates.
        QTest::newRow("outer_cancel_no_group")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"taskgroup","children":["a","b"],"body":[{"op":"sleep","seconds":10}]}]},
  {"id":"a","steps":[{"op":"sleep","seconds":5}]},
  {"id":"b","steps":[{"op":"sleep","seconds":6}]}]})json"_ba
            << u"main=done:[exc:CancelledError] w=cancelled a=cancelled b=cancelled"_s
            << u"1:a:cancelled 1:b:cancelled 1:w:cancelled 1:main:done"_s << u"completed end=1"_s;

        // Cancelled from outside while a child is failing: the error wins, as an ExceptionGroup.
        QTest::newRow("outer_cancel_with_child_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"taskgroup","children":["grumpy"]}]},
  {"id":"grumpy","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],
      "except":[{"types":["CancelledError"],"body":[{"op":"raise","type":"ValueError","message":"while cancelled"}]}]}]}]})json"_ba
            << u"main=done:[exc:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(while cancelled)]] w=failed:ExceptionGroup(unhandled errors in a TaskGroup)[ValueError(while cancelled)] grumpy=failed:ValueError(while cancelled)"_s
            << u"1:grumpy:failed 1:w:failed 1:main:done"_s << u"completed end=1"_s;

        // A child ending cancelled on its own is not an error: the group does not abort (b runs to
        // the end). Reading the results afterwards (t.result()) raises its CancelledError.
        QTest::newRow("child_cancelled_alone_not_an_error")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":["quitter","b"],"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"quitter","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"CancelledError"}]},
  {"id":"b","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"b"}]}]})json"_ba
            << u"main=cancelled quitter=cancelled b=done:\"b\""_s << u"1:quitter:cancelled 2:b:done 2:main:cancelled"_s
            << u"completed end=2"_s;
    }

    void outcome() { verifyOutcomeRow(); }

    // The ExceptionGroup of a failed TaskGroup, field by field: its message and its members in
    // the order the errors were recorded (as the reference's outcome shows them).
    void exceptionGroupContents()
    {
        const QJsonObject o = runOutcome(R"json({"nodes":[
  {"id":"main","steps":[{"op":"taskgroup","children":["bad1","bad2","late"]}]},
  {"id":"bad1","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"v"}]},
  {"id":"bad2","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ConnectionError","message":"c"}]},
  {"id":"late","steps":[{"op":"try","body":[{"op":"sleep","seconds":5}],
      "except":[{"types":["CancelledError"],"body":[{"op":"raise","type":"KeyError","message":"k"}]}]}]}]})json"_ba);
        QCOMPARE(taskState(o, u"main"_s), u"failed"_s);
        const QJsonObject e = taskException(o, u"main"_s);
        QCOMPARE(e.value(u"type"_s).toString(), u"ExceptionGroup"_s);
        QCOMPARE(e.value(u"message"_s).toString(), u"unhandled errors in a TaskGroup"_s);
        const QJsonArray members = e.value(u"exceptions"_s).toArray();
        QStringList got;
        for (const QJsonValue &m : members)
            got << excText(m.toObject());
        QCOMPARE(got, (QStringList{u"ConnectionError(c)"_s, u"KeyError(k)"_s}));
        QCOMPARE(taskState(o, u"bad1"_s), u"cancelled"_s);
        QCOMPARE(taskFinished(o, u"main"_s), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestTaskGroup)
#include "tst_taskgroup.moc"
