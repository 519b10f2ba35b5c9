#include "injectiondialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

QString titleFor(Injection::Kind kind)
{
    switch (kind) {
    case Injection::Kind::Cancel:
        return InjectionDialog::tr("Cancel");
    case Injection::Kind::ForceTimeout:
        return InjectionDialog::tr("Force timeout");
    case Injection::Kind::Resolve:
        return InjectionDialog::tr("Resolve future");
    case Injection::Kind::Fail:
        return InjectionDialog::tr("Fail future");
    case Injection::Kind::Drop:
        return InjectionDialog::tr("Drop reference");
    case Injection::Kind::Collect:
        return InjectionDialog::tr("Collect now");
    }
    return {};
}

QString explanationFor(Injection::Kind kind)
{
    switch (kind) {
    case Injection::Kind::Cancel:
        return InjectionDialog::tr(
            "Calls cancel(message) on the task or future: a task gets CancelledError thrown in at its next step.");
    case Injection::Kind::ForceTimeout:
        return InjectionDialog::tr("Moves the innermost deadline of the task (wait_for, timeout, wait, as_completed) "
                                   "to now; a plain await gets TimeoutError thrown in.");
    case Injection::Kind::Resolve:
        return InjectionDialog::tr(
            "Calls set_result(value) on a pending named future. The value is JSON: 42, \"text\", [1, 2], null.");
    case Injection::Kind::Fail:
        return InjectionDialog::tr("Calls set_exception(Type(message)) on a pending named future.");
    case Injection::Kind::Drop:
        return InjectionDialog::tr(
            "Sets every variable holding the task or future to None: the next collection may destroy it.");
    case Injection::Kind::Collect:
        return InjectionDialog::tr("Runs gc.collect() now.");
    }
    return {};
}

// JSON text of a value, or nullopt: a bare scalar is accepted ("42", "\"x\"", "null").
std::optional<QJsonValue> parseValue(const QString &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(u"["_s.append(text).append(u']').toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return std::nullopt;
    const QJsonValue v = doc.array().at(0);
    if (v.isObject())
        return std::nullopt; // values are scalars and lists (spec section 1)
    return v;
}

} // namespace

QStringList InjectionDialog::exceptionTypes()
{
    return {u"BaseException"_s,  u"Exception"_s,         u"RuntimeError"_s,   u"ValueError"_s,        u"KeyError"_s,
            u"LookupError"_s,    u"TypeError"_s,         u"OSError"_s,        u"ConnectionError"_s,   u"TimeoutError"_s,
            u"CancelledError"_s, u"InvalidStateError"_s, u"ExceptionGroup"_s, u"BaseExceptionGroup"_s};
}

InjectionDialog::InjectionDialog(Injection::Kind kind, const QList<Target> &targets, const QString &preselected,
                                 QWidget *parent)
    : QDialog(parent)
    , m_kind(kind)
{
    setWindowTitle(titleFor(kind));
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);
    auto *layout = new QVBoxLayout(this);
    auto *explanation = new QLabel(explanationFor(kind), this);
    explanation->setWordWrap(true);
    layout->addWidget(explanation);
    auto *form = new QFormLayout;
    layout->addLayout(form);

    if (kind != Injection::Kind::Collect) {
        m_target = new QComboBox(this);
        m_target->setObjectName(u"target"_s);
        for (const Target &t : targets)
            m_target->addItem(t.detail.isEmpty() ? t.name : t.name + u"  ("_s + t.detail + u')', t.name);
        const int at = m_target->findData(preselected);
        if (at >= 0)
            m_target->setCurrentIndex(at);
        form->addRow(kind == Injection::Kind::Resolve || kind == Injection::Kind::Fail ? tr("&Future:")
                                                                                       : tr("&Target:"),
                     m_target);
        connect(m_target, &QComboBox::currentIndexChanged, this, &InjectionDialog::validate);
    }
    if (kind == Injection::Kind::Resolve) {
        m_value = new QLineEdit(u"null"_s, this);
        m_value->setObjectName(u"value"_s);
        form->addRow(tr("&Value (JSON):"), m_value);
        connect(m_value, &QLineEdit::textChanged, this, &InjectionDialog::validate);
    }
    if (kind == Injection::Kind::Fail) {
        m_excType = new QComboBox(this);
        m_excType->setObjectName(u"type"_s);
        m_excType->addItems(exceptionTypes());
        m_excType->setCurrentText(u"ConnectionError"_s);
        form->addRow(tr("&Exception type:"), m_excType);
    }
    if (kind == Injection::Kind::Cancel || kind == Injection::Kind::Fail || kind == Injection::Kind::ForceTimeout) {
        m_hasMessage = new QCheckBox(tr("&Message:"), this);
        m_message = new QLineEdit(this);
        m_message->setObjectName(u"message"_s);
        m_message->setPlaceholderText(kind == Injection::Kind::Cancel ? tr("optional, e.g. shutting down")
                                                                      : tr("optional"));
        form->addRow(m_hasMessage, m_message);
        connect(m_message, &QLineEdit::textEdited, this, [this] { m_hasMessage->setChecked(true); });
    }
    m_problem = new QLabel(this);
    m_problem->setStyleSheet(u"color: #c62828"_s);
    layout->addWidget(m_problem);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Inject"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
    if (m_message && m_target && m_target->count() > 0)
        m_message->setFocus();
}

void InjectionDialog::validate()
{
    QString problem;
    if (m_target && m_target->count() == 0)
        problem = m_kind == Injection::Kind::Resolve || m_kind == Injection::Kind::Fail
            ? tr("This graph has no pending named future.")
            : tr("Nothing to target yet: start the run first.");
    else if (m_value && !parseValue(m_value->text()))
        problem = tr("The value is not JSON (a number, a \"string\", true/false, null or a list).");
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

std::optional<Injection> InjectionDialog::injection() const
{
    Injection in;
    in.kind = m_kind;
    if (m_target) {
        if (m_target->currentIndex() < 0)
            return std::nullopt;
        in.target = m_target->currentData().toString();
    }
    if (m_value) {
        const auto v = parseValue(m_value->text());
        if (!v)
            return std::nullopt;
        in.value = *v;
    }
    if (m_excType)
        in.excType = m_excType->currentText();
    if (m_hasMessage && m_hasMessage->isChecked()) {
        in.hasMessage = true;
        in.message = m_message->text();
    }
    return in;
}

} // namespace ascope
