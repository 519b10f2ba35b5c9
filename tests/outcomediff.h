// Compares two asyncgraph-outcome/1 objects (spec section 4) with the rules of the reference
// compare_outcomes.py, so that the conformance test judges the engine the way conformance.py does.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

namespace ascope::test {

// One line per difference between the oracle's outcome (expected) and the engine's (actual), in the
// reference's wording ("status: expected \"completed\", got \"deadlock\""); empty when they agree.
// checkOrder = level 'order' (the default): also the exact order of completion events, then their
// times; false = level 'states'.
QStringList diffOutcomes(const QJsonObject &expected, const QJsonObject &actual, bool checkOrder = true);

// The reference's notion of equal values: numbers within 1e-6, booleans never equal to numbers,
// objects with the same keys; a missing value (Undefined) is null.
bool sameJson(const QJsonValue &a, const QJsonValue &b);

// Python's json.dumps (", " and ": " separators, ASCII escapes): how differences quote values.
// Qt's JSON parser keeps no difference between 1 and 1.0, so integral numbers print as ints, except
// time values (asTime, and members named t, created, finished, end_time), which the oracle always
// writes as floats. Objects print with sorted keys (QJsonObject keeps no order), the reference in
// file order.
QString pythonJsonDumps(const QJsonValue &v, bool asTime = false);

// Python's repr of the value json.load would give (None, True, 'text', 1.0, [...], {...}); numbers
// as in pythonJsonDumps.
QString pythonRepr(const QJsonValue &v, bool asTime = false);

} // namespace ascope::test
