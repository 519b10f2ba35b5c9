#include "objects.h"

#include "future.h"

#include <QHash>

namespace ascope {

Future *Value::future() const
{
    if (kind != Kind::Obj || !obj)
        return nullptr;
    if (obj->kind == ObjKind::Future || obj->kind == ObjKind::Task)
        return static_cast<Future *>(obj);
    return nullptr;
}

ExcObj *Value::exception() const
{
    if (kind == Kind::Obj && obj && obj->kind == ObjKind::Exception)
        return static_cast<ExcObj *>(obj);
    return nullptr;
}

QString Value::typeName() const
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("NoneType");
    case Kind::Bool:
        return QStringLiteral("bool");
    case Kind::Int:
        return QStringLiteral("int");
    case Kind::Double:
        return QStringLiteral("float");
    case Kind::Str:
        return QStringLiteral("str");
    case Kind::List:
        return QStringLiteral("list");
    case Kind::Tuple:
        return QStringLiteral("tuple");
    case Kind::Set:
        return QStringLiteral("set");
    case Kind::Obj:
        if (auto *e = exception())
            return e->type;
        if (obj->kind == ObjKind::Task)
            return QStringLiteral("Task");
        if (auto *f = future())
            return f->pyFuture ? QStringLiteral("Future") : QStringLiteral("_GatheringFuture");
        return QStringLiteral("object");
    }
    return QStringLiteral("object");
}

void PinnedValue::adjust(const Value &v, int by)
{
    if (v.kind == Value::Kind::Obj)
        v.obj->pins = uint32_t(int64_t(v.obj->pins) + by);
    else if (v.isSeq())
        for (const Value &x : *v.items)
            adjust(x, by);
}

void Tracer::visit(Object *o)
{
    if (o && m_edges) {
        m_stack.push_back(o);
        return;
    }
    if (!o || o->markEpoch == m_epoch)
        return;
    o->markEpoch = m_epoch;
    m_stack.push_back(o);
}

void Tracer::visit(const Value &v)
{
    switch (v.kind) {
    case Value::Kind::Obj:
        visit(v.obj);
        break;
    case Value::Kind::List:
    case Value::Kind::Tuple:
    case Value::Kind::Set:
        for (const Value &x : *v.items)
            visit(x);
        break;
    default:
        break;
    }
}

void ExcObj::trace(Tracer &t) const
{
    t.visitAll(members);
    t.visit(context);
    t.visit(cause);
    t.visitAll(traceback);
}

namespace {
const QHash<QString, QString> &parents()
{
    static const QHash<QString, QString> p = {
        {QStringLiteral("BaseException"), QString()},
        {QStringLiteral("Exception"), QStringLiteral("BaseException")},
        {QStringLiteral("RuntimeError"), QStringLiteral("Exception")},
        {QStringLiteral("RecursionError"), QStringLiteral("RuntimeError")},
        {QStringLiteral("ValueError"), QStringLiteral("Exception")},
        {QStringLiteral("LookupError"), QStringLiteral("Exception")},
        {QStringLiteral("KeyError"), QStringLiteral("LookupError")},
        {QStringLiteral("TypeError"), QStringLiteral("Exception")},
        {QStringLiteral("OSError"), QStringLiteral("Exception")},
        {QStringLiteral("ConnectionError"), QStringLiteral("OSError")},
        {QStringLiteral("TimeoutError"), QStringLiteral("OSError")},
        {QStringLiteral("CancelledError"), QStringLiteral("BaseException")},
        {QStringLiteral("InvalidStateError"), QStringLiteral("Exception")},
        {QStringLiteral("BaseExceptionGroup"), QStringLiteral("BaseException")},
        // ExceptionGroup also derives from Exception: handled below
        {QStringLiteral("ExceptionGroup"), QStringLiteral("BaseExceptionGroup")},
        {QStringLiteral("NameError"), QStringLiteral("Exception")},
        {QStringLiteral("AttributeError"), QStringLiteral("Exception")},
    };
    return p;
}
} // namespace

bool excIsKnownType(const QString &type)
{
    return parents().contains(type);
}

bool excIsSubclass(const QString &type, const QString &base)
{
    // The common questions first, without walking the table: the type itself, anything is a
    // BaseException, nothing derives from CancelledError (unknown types derive from Exception).
    if (type == base || base == QLatin1String("BaseException"))
        return true;
    if (base == QLatin1String("CancelledError"))
        return false;
    if (type == QLatin1String("ExceptionGroup") && base == QLatin1String("Exception"))
        return true;
    const auto &p = parents();
    QString t = type;
    for (int guard = 0; guard < 16; ++guard) {
        if (t == base)
            return true;
        auto it = p.find(t);
        if (it == p.end()) { // unknown types derive from Exception
            t = QStringLiteral("Exception");
            continue;
        }
        if (it->isEmpty())
            return false;
        t = *it;
    }
    return false;
}

} // namespace ascope
