// The engine's object model: Python-like values and the heap objects the collector traces
// (futures, tasks, exceptions, frames, loop handles). Objects live in the Loop's arena until
// the run ends, or until Runtime::reclaim() frees them (headless runs); reachability (not
// ownership) decides what a collection destroys.
#pragma once

#include "arena.h"

#include <QString>
#include <QVarLengthArray>

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace ascope {

class Loop;
class Tracer;
struct Object;
struct ExcObj;
struct Frame;
class Future;
class Task;

enum class ObjKind : quint8 { Future, Task, Exception, Frame, Handle, Helper };

// A value a graph variable can hold: JSON-like data or a reference to a heap object. 40 bytes:
// every frame local, future result, handle argument and coroutine frame holds some, so the
// scalars share one word and a string shares its storage with a sequence's items; only the
// member `kind` names is valid.
struct Value {
    enum class Kind : quint8 { None, Bool, Int, Double, Str, List, Tuple, Set, Obj };
    using Items = std::shared_ptr<const std::vector<Value>>;
    Kind kind = Kind::None;
    union {
        bool b;
        qint64 i = 0;
        double d;
        Object *obj; // Obj
    };
    union {
        QString s;             // Str
        Items items;           // List, Tuple, Set (Set kept in creation order)
        void *noHeavy[3] = {}; // neither (zeroed: no compiler sees it uninitialised)
    };
    static_assert(sizeof(QString) <= sizeof(noHeavy) && sizeof(Items) <= sizeof(noHeavy));

    Value() noexcept { }
    Value(const Value &o)
        : kind(o.kind)
        , i(o.i)
    {
        copyHeavy(o);
    }
    Value(Value &&o) noexcept
        : kind(o.kind)
        , i(o.i)
    {
        moveHeavy(std::move(o));
    }
    Value &operator=(const Value &o)
    {
        if (this != &o) {
            destroyHeavy();
            kind = o.kind;
            i = o.i;
            copyHeavy(o);
        }
        return *this;
    }
    Value &operator=(Value &&o) noexcept
    {
        if (this != &o) {
            destroyHeavy();
            kind = o.kind;
            i = o.i;
            moveHeavy(std::move(o));
        }
        return *this;
    }
    ~Value() { destroyHeavy(); }

    static Value none() { return {}; }
    static Value boolean(bool v)
    {
        Value x;
        x.kind = Kind::Bool;
        x.i = 0;
        x.b = v;
        return x;
    }
    static Value integer(qint64 v)
    {
        Value x;
        x.kind = Kind::Int;
        x.i = v;
        return x;
    }
    static Value real(double v)
    {
        Value x;
        x.kind = Kind::Double;
        x.d = v;
        return x;
    }
    static Value str(const QString &v)
    {
        Value x;
        x.kind = Kind::Str;
        new (&x.s) QString(v);
        return x;
    }
    static Value object(Object *o)
    {
        Value x;
        if (o) {
            x.kind = Kind::Obj;
            x.obj = o;
        }
        return x;
    }
    static Value seq(Kind k, std::vector<Value> v)
    {
        Value x;
        x.kind = k;
        new (&x.items) Items(std::make_shared<const std::vector<Value>>(std::move(v)));
        return x;
    }
    bool isSeq() const { return kind == Kind::List || kind == Kind::Tuple || kind == Kind::Set; }
    bool isNone() const { return kind == Kind::None; }
    bool isNumber() const { return kind == Kind::Int || kind == Kind::Double; }
    double number() const { return kind == Kind::Int ? double(i) : d; }
    Future *future() const; // the Future (or Task) this value refers to, or nullptr
    ExcObj *exception() const;
    // Python's type name of the value (for TypeError messages).
    QString typeName() const;

private:
    void copyHeavy(const Value &o)
    {
        if (!isHeavy()) [[likely]]
            return;
        if (kind == Kind::Str)
            new (&s) QString(o.s);
        else
            new (&items) Items(o.items);
    }
    void moveHeavy(Value &&o) noexcept
    {
        if (!isHeavy()) [[likely]]
            return;
        if (kind == Kind::Str)
            new (&s) QString(std::move(o.s));
        else
            new (&items) Items(std::move(o.items));
    }
    // Most values are scalars or objects: the test inlined, the destructors not.
    bool isHeavy() const { return kind >= Kind::Str && kind <= Kind::Set; }
    Q_ALWAYS_INLINE void destroyHeavy() noexcept
    {
        if (isHeavy()) [[unlikely]]
            destroyHeavySlow();
    }
    Q_NEVER_INLINE void destroyHeavySlow() noexcept
    {
        if (kind == Kind::Str)
            s.~QString();
        else
            items.~Items();
    }
};
static_assert(sizeof(Value) == 40);

// A value the interpreter's C++ keeps across a suspension (a return value waiting for a
// `finally`, sleep()'s result): every object in it is pinned (see Pin).
class PinnedValue
{
public:
    PinnedValue() = default;
    explicit PinnedValue(const Value &v) { set(v); }
    ~PinnedValue() { adjust(m_v, -1); }
    PinnedValue(const PinnedValue &) = delete;
    PinnedValue &operator=(const PinnedValue &) = delete;
    void set(const Value &v)
    {
        adjust(m_v, -1);
        m_v = v;
        adjust(m_v, +1);
    }
    const Value &value() const { return m_v; }

private:
    static void adjust(const Value &v, int by);
    Value m_v;
};

// Visits references during a collection's mark phase.
class Tracer
{
public:
    explicit Tracer(std::vector<Object *> &stack, uint32_t epoch)
        : m_stack(stack)
        , m_epoch(epoch)
    {
    }
    // Edge mode: every referenced object is appended, marked or not.
    static Tracer edges(std::vector<Object *> &out)
    {
        Tracer t(out, 0);
        t.m_edges = true;
        return t;
    }
    void visit(Object *o);
    void visit(const Value &v);
    template<typename C> void visitAll(const C &c)
    {
        for (const auto &x : c)
            visit(x);
    }

private:
    std::vector<Object *> &m_stack;
    uint32_t m_epoch;
    bool m_edges = false;
};

struct Object {
    explicit Object(ObjKind k)
        : kind(k)
    {
    }
    virtual ~Object() = default;
    Object(const Object &) = delete;
    Object &operator=(const Object &) = delete;
    virtual void trace(Tracer &t) const = 0;

    ObjKind kind;
    bool dead = false;        // found unreachable by a collection: CPython has freed it
    bool diedInCycle = false; // freed by the cycle collector (weakrefs cleared first), not by refcount
    uint8_t sizeClass = 0;    // sizeof / 8 of the object made, for reusing its memory (0: none)
    uint32_t markEpoch = 0;
    int32_t scratch = -1;
    uint32_t pins = 0; // Pin objects holding it (C++ code across a suspension)
};

// Keeps an object's memory from being reclaimed while only the interpreter's C++ code refers
// to it, across a suspension (a caught exception re-raised after an await, a future a library
// coroutine keeps in a local). Only Runtime::reclaim() reads pins; collections (the program's
// gc semantics) do not.
class Pin
{
public:
    Pin() = default;
    explicit Pin(Object *o) { pin(o); }
    ~Pin() { pin(nullptr); }
    Pin(const Pin &) = delete;
    Pin &operator=(const Pin &) = delete;
    void pin(Object *o)
    {
        if (m_o)
            --m_o->pins;
        m_o = o;
        if (m_o)
            ++m_o->pins;
    }

private:
    Object *m_o = nullptr;
};

// An exception passes a few frames: kept inline, no allocation.
using Traceback = QVarLengthArray<Frame *, 8>;

// A Python exception instance: type, message, group members, and what its traceback keeps alive.
struct ExcObj final : Object {
    ExcObj()
        : Object(ObjKind::Exception)
    {
    }
    QString type;                  // "ValueError", "CancelledError", "NameError", ...
    bool hasArg = false;           // Python args non-empty
    QString message;               // str(args[0]) (or the group message)
    std::vector<ExcObj *> members; // ExceptionGroup / BaseExceptionGroup
    ExcObj *context = nullptr;
    ExcObj *cause = nullptr;
    Traceback traceback; // frames the exception passed through, oldest first
    void trace(Tracer &t) const override;
    void addFrame(Frame *f)
    {
        if (traceback.empty() || traceback.back() != f)
            traceback.push_back(f);
    }
};

// Which of a frame's locals are assigned: bits kept inline for up to 64 locals (nearly every
// node), a vector beyond.
class BoundSet
{
public:
    void assign(const std::vector<char> &v)
    {
        m_bits = 0;
        if (v.size() <= 64) {
            m_more.reset();
            for (size_t i = 0; i < v.size(); ++i)
                m_bits |= uint64_t(v[i] != 0) << i;
        } else {
            m_more = std::make_unique<std::vector<char>>(v);
        }
    }
    bool operator[](size_t i) const { return m_more ? (*m_more)[i] != 0 : ((m_bits >> i) & 1) != 0; }
    void set(size_t i)
    {
        if (m_more)
            (*m_more)[i] = 1;
        else
            m_bits |= uint64_t(1) << i;
    }

private:
    uint64_t m_bits = 0;
    std::unique_ptr<std::vector<char>> m_more;
};

// A frame's locals and evaluation stack: made and dropped with every call, so from SmallPool.
using ValueVec = std::vector<Value, PoolAllocator<Value>>;

// A Python frame: a node coroutine's locals, or the state of an asyncio library coroutine
// (wait_for, wait, ...), plus the temporaries its current statement holds.
struct Frame final : Object {
    Frame()
        : Object(ObjKind::Frame)
    {
    }
    ValueVec locals;
    BoundSet bound;                       // locals[i] is assigned (else reading it is a NameError)
    ValueVec held;                        // evaluation stack / with-managers / handled exceptions
    Object *refs[2] = {nullptr, nullptr}; // what a frame of asyncio's own code holds
    void setTemp(const void *key, const Value &v)
    {
        if (!temps)
            temps = std::make_unique<std::vector<std::pair<const void *, Value>>>();
        for (auto &[k, x] : *temps) {
            if (k == key) {
                x = v;
                return;
            }
        }
        temps->emplace_back(key, v);
    }
    void clearTemp(const void *key)
    {
        if (temps)
            std::erase_if(*temps, [key](const auto &p) { return p.first == key; });
    }
    void trace(Tracer &t) const override
    {
        t.visitAll(locals);
        t.visitAll(held);
        if (temps)
            for (const auto &p : *temps)
                t.visit(p.second);
        t.visit(refs[0]);
        t.visit(refs[1]);
    }

private:
    // generated temporaries (_ts, _r, _tg) by step: made for the few frames that have one
    std::unique_ptr<std::vector<std::pair<const void *, Value>>> temps;
};

// Python's repr() of a value, with reprlib's limits (level 0 = top).
QString pyRepr(const Value &v, int level = 0);

// Exception hierarchy of the asyncgraph/1 types (unknown names derive from Exception).
bool excIsSubclass(const QString &type, const QString &base);
bool excIsKnownType(const QString &type);

} // namespace ascope
