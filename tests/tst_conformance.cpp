// Conformance: every scenario in tests/conformance, run by the engine as `asyncscope run` does
// (runScenarioFile), must give the oracle's golden outcome, order of completion events included.
// The goldens are fixtures made by regenerate.sh; this test never runs Python.
#include "outcomediff.h"
#include "runner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype kLinesInFailure = 3; // the rest go to the log

QString corpusDir()
{
    return QStringLiteral(ASYNCSCOPE_CONFORMANCE_DIR);
}

bool isGolden(const QString &fileName)
{
    return fileName.endsWith(u".outcome.json"_s);
}

// Scenario files of the corpus (the goldens are not scenarios), in numeric order: 9-, 10-, 100-.
QStringList scenarioFiles()
{
    QStringList out;
    const QStringList files = QDir(corpusDir()).entryList({u"*.json"_s}, QDir::Files);
    for (const QString &f : files) {
        if (!isGolden(f))
            out.append(f);
    }
    const auto number = [](const QString &f) { return f.section(u'-', 0, 0).toInt(); };
    std::sort(out.begin(), out.end(), [&number](const QString &a, const QString &b) {
        return number(a) != number(b) ? number(a) < number(b) : a < b;
    });
    return out;
}

QString goldenFor(const QString &scenarioPath)
{
    return scenarioPath.chopped(int(qstrlen(".json"))) + u".outcome.json"_s;
}

bool readObject(const QString &path, QJsonObject *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = path + u": "_s + f.errorString();
        return false;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = path + u": not a JSON object: "_s + pe.errorString();
        return false;
    }
    *out = doc.object();
    return true;
}

bool isNullOrMissing(const QJsonValue &v)
{
    return v.isNull() || v.isUndefined();
}

} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The corpus itself: every scenario has a readable golden made from it (same name), and the
    // comparison finds no difference between a golden and itself.
    void corpus()
    {
        const QStringList files = scenarioFiles();
        QVERIFY2(!files.isEmpty(), qPrintable(u"no scenarios in "_s + corpusDir()));
        for (const QString &f : files) {
            const QString path = QDir(corpusDir()).filePath(f);
            QJsonObject scenario;
            QJsonObject golden;
            QString error;
            QVERIFY2(readObject(path, &scenario, &error), qPrintable(error));
            QVERIFY2(readObject(goldenFor(path), &golden, &error),
                     qPrintable(error + u" (run tests/conformance/regenerate.sh)"_s));
            QCOMPARE(golden.value(u"format"_s).toString(), u"asyncgraph-outcome/1"_s);
            QVERIFY2(golden.value(u"scenario"_s) == scenario.value(u"name"_s),
                     qPrintable(f + u": golden made from another version of the scenario; regenerate it"_s));
            const QStringList self = ascope::test::diffOutcomes(golden, golden);
            QVERIFY2(self.isEmpty(), qPrintable(f + u": "_s + self.join(u"; "_s)));
        }
    }

    void run_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<bool>("reclaimAlways");
        for (const QString &f : scenarioFiles()) {
            QTest::newRow(qPrintable(f)) << QDir(corpusDir()).filePath(f) << false;
            // memory freed after every iteration: nothing freed was still needed
            QTest::addRow("%s, reclaiming always", qPrintable(f)) << QDir(corpusDir()).filePath(f) << true;
        }
    }

    void run()
    {
        QFETCH(QString, scenario);
        QFETCH(bool, reclaimAlways);
        QJsonObject golden;
        QString error;
        QVERIFY2(readObject(goldenFor(scenario), &golden, &error), qPrintable(error));
        const QJsonValue excluded = golden.value(u"excluded"_s);
        if (!isNullOrMissing(excluded))
            QSKIP(qPrintable(u"excluded by the oracle: "_s + excluded.toString()));

        QJsonObject outcome;
        if (reclaimAlways) {
            const ascope::ScenarioFile file = ascope::loadScenario(scenario);
            QVERIFY2(file.graph, qPrintable(file.error));
            ascope::Engine engine(file.graph);
            engine.setScript(file.script);
            engine.setReclaim(true, 1);
            engine.runSync();
            outcome = engine.outcome();
        } else {
            const ascope::FileRunResult result = ascope::runScenarioFile(scenario);
            QVERIFY2(result.ok, qPrintable(result.error));
            outcome = result.outcome;
        }

        const QStringList diffs = ascope::test::diffOutcomes(golden, outcome);
        if (!diffs.isEmpty()) {
            if (diffs.size() > kLinesInFailure) { // the whole list in the log, the first lines in the failure
                for (const QString &line : diffs)
                    qInfo().noquote() << QFileInfo(scenario).fileName() << line;
            }
            QString message = diffs.mid(0, kLinesInFailure).join(u"\n   "_s);
            if (diffs.size() > kLinesInFailure)
                message += u"\n   (+%1 more)"_s.arg(diffs.size() - kLinesInFailure);
            QFAIL(qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
