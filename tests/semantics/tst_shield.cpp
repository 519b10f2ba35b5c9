// asyncio.shield (tasks.py shield): the inner survives the cancellation of the awaiting task,
// cancelling the inner cancels the shield, a shield future (await: false) cancelled on its own,
// failures passing through, and nobody retrieving an inner failure that comes after the cancel.
// Expected lines are the reference oracle's (tests/semantics/oracle_rows.py).
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ascope::test;

class TestShield : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data()
    {
        addOutcomeColumns();

        QTest::newRow("result_passes_through")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"shield","target":"work","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"work","steps":[{"op":"sleep","seconds":1},{"op":"return","value":"w"}]}]})json"_ba
            << u"main=done:\"w\" work=done:\"w\""_s << u"1:work:done 1:main:done"_s << u"completed end=1"_s;

        // The awaiting task is cancelled at 1; the inner task goes on and finishes at 3.
        QTest::newRow("outer_task_cancelled_inner_survives")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"sleep","seconds":3},{"op":"return","value":"end"}]},
  {"id":"w","steps":[{"op":"shield","target":"work"}]},
  {"id":"work","steps":[{"op":"sleep","seconds":3},{"op":"return","value":"w"}]}]})json"_ba
            << u"main=done:\"end\" w=cancelled work=done:\"w\""_s << u"1:w:cancelled 3:work:done 4:main:done"_s
            << u"completed end=4"_s;

        // The shielding task catches the CancelledError and can still await the inner task.
        QTest::newRow("catch_then_await_inner") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"await","target":"$w","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"spawn","node":"work","as":"$t"},
    {"op":"try","body":[{"op":"shield","target":"$t"}],"except":[{"types":["CancelledError"],"body":[{"op":"await","target":"$t","as":"$v"},{"op":"return","value":"$v"}]}]}]},
  {"id":"work","steps":[{"op":"sleep","seconds":3},{"op":"return","value":"w"}]}]})json"_ba
                                                << u"main=done:\"w\" w=done:\"w\" work=done:\"w\""_s
                                                << u"3:work:done 3:w:done 3:main:done"_s << u"completed end=3"_s;

        // Cancelling the inner future cancels the shield: the awaiting task gets CancelledError.
        QTest::newRow("inner_cancelled_cancels_outer")
            << R"json({"futures":["f"],"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"@f"},
    {"op":"gather","children":["$w"],"return_exceptions":true,"as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","steps":[{"op":"shield","target":"@f"}]}]})json"_ba
            << u"main=done:[exc:CancelledError] w=cancelled"_s << u"1:w:cancelled 1:main:done"_s
            << u"completed end=1 futures=[f=cancelled]"_s;

        // A shield future (await: false) cancelled directly: the inner keeps going.
        QTest::newRow("shield_future_cancelled") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"work","as":"$t"},{"op":"shield","target":"$t","await":false,"as":"$s"},
    {"op":"cancel","target":"$s"},{"op":"await","target":"$t","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"work","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"w"}]}]})json"_ba
                                                 << u"main=done:\"w\" work=done:\"w\""_s << u"2:work:done 2:main:done"_s
                                                 << u"completed end=2 futures=[s=collected]"_s;

        // The inner's exception reaches the awaiting task.
        QTest::newRow("inner_failure_propagates") << R"json({"nodes":[
  {"id":"main","steps":[{"op":"try","body":[{"op":"shield","target":"bad"}],
      "except":[{"types":["ValueError"],"as":"$e","body":[{"op":"return","value":"$e"}]}]}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":1},{"op":"raise","type":"ValueError","message":"inner"}]}]})json"_ba
                                                  << u"main=done:exc:ValueError(inner) bad=failed:ValueError(inner)"_s
                                                  << u"1:bad:failed 1:main:done"_s << u"completed end=1"_s;

        // The inner fails after the shield was cancelled. Cancelling the shield removed its
        // callback from the inner (_outer_done_callback), so nobody retrieves the late exception.
        QTest::newRow("late_inner_failure_never_retrieved")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"w","as":"$w"},{"op":"sleep","seconds":1},{"op":"cancel","target":"$w"},
    {"op":"sleep","seconds":3},{"op":"return","value":"end"}]},
  {"id":"w","steps":[{"op":"shield","target":"bad"}]},
  {"id":"bad","steps":[{"op":"sleep","seconds":2},{"op":"raise","type":"ValueError","message":"late"}]}]})json"_ba
            << u"main=done:\"end\" w=cancelled bad=failed:ValueError(late)"_s
            << u"1:w:cancelled 2:bad:failed 4:main:done"_s << u"completed end=4 never=[bad]"_s;

        // Shielding a task that is already done gives its result without suspending.
        QTest::newRow("inner_already_done")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"work","as":"$t"},{"op":"sleep","seconds":3},
    {"op":"shield","target":"$t","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"work","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"w"}]}]})json"_ba
            << u"main=done:\"w\" work=done:\"w\""_s << u"2:work:done 3:main:done"_s << u"completed end=3"_s;

        // Two shields over the same task: cancelling one awaiting task leaves the other waiting.
        QTest::newRow("two_shields_one_cancelled")
            << R"json({"nodes":[
  {"id":"main","steps":[{"op":"spawn","node":"work","as":"$t"},
    {"op":"spawn","node":"w","args":{"t":"$t"},"as":"$w1"},{"op":"spawn","node":"w","args":{"t":"$t"},"as":"$w2"},
    {"op":"sleep","seconds":1},{"op":"cancel","target":"$w1"},{"op":"await","target":"$w2","as":"$r"},{"op":"return","value":"$r"}]},
  {"id":"w","params":{"t":null},"steps":[{"op":"shield","target":"$t","as":"$v"},{"op":"return","value":"$v"}]},
  {"id":"work","steps":[{"op":"sleep","seconds":2},{"op":"return","value":"w"}]}]})json"_ba
            << u"main=done:\"w\" work=done:\"w\" w=cancelled w#2=done:\"w\""_s
            << u"1:w:cancelled 2:work:done 2:w#2:done 2:main:done"_s << u"completed end=2"_s;
    }

    void outcome() { verifyOutcomeRow(); }
};

QTEST_GUILESS_MAIN(TestShield)
#include "tst_shield.moc"
