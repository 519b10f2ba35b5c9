// The form behind the Inject menu: which task or named future an injection targets and its
// arguments (a cancel message, a result value as JSON, an exception type and message).
#pragma once

#include "engine.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace ascope {

class InjectionDialog : public QDialog
{
    Q_OBJECT

public:
    struct Target {
        QString name;
        QString detail; // "task · waiting", "future · pending"
    };

    // The exception types of the spec (section 2), in its order.
    static QStringList exceptionTypes();

    InjectionDialog(Injection::Kind kind, const QList<Target> &targets, const QString &preselected,
                    QWidget *parent = nullptr);

    // The injection the form describes (nullopt while it is invalid).
    std::optional<Injection> injection() const;

private:
    void validate();

    Injection::Kind m_kind;
    QComboBox *m_target = nullptr;
    QCheckBox *m_hasMessage = nullptr;
    QLineEdit *m_message = nullptr;
    QLineEdit *m_value = nullptr;
    QComboBox *m_excType = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace ascope
