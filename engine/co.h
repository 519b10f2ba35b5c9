// The interpreter's own coroutine type. A task's body is a QCoro coroutine; the statements it
// runs are Co<T> coroutines below it, and they are on the hot path of every step:
// - a Python exception comes back as a value (Out::exc) that each caller checks, instead of a
//   C++ throw rethrown at every coroutine boundary it passes (a cancel or a timeout passes
//   five to ten of them);
// - frames come from free lists of a few sizes, not malloc and free per call;
// - a Co starts when it is awaited; when it ends after a suspension it resumes its caller
//   directly (symmetric transfer), so a chain of statements costs no trip through the task.
// Other C++ exceptions (Teardown, bad_alloc) still propagate as exceptions.
#pragma once

// moc reads engine.h, which includes this; it cannot parse the standard library's concepts.
#ifndef Q_MOC_RUN

#include "arena.h"

#include <coroutine>
#include <cstddef>
#include <exception>
#include <new>
#include <utility>
#include <vector>

namespace ascope {

struct ExcObj;

// A Python exception in flight through the interpreter's C++ code (thrown by plain functions;
// a Co turns it into a value where it leaves the coroutine).
struct PyRaise {
    ExcObj *exc;
};

// `co_return Raise{e};` ends a Co<T> with the Python exception e.
struct Raise {
    ExcObj *exc;
};

// What a Co<T> without a result returns.
struct Unit { };

// What awaiting a Co<T> (or a future) gives: the Python exception it raised, or its value.
template<typename T> struct Out {
    ExcObj *exc = nullptr;
    T value{};
};

template<typename T> class [[nodiscard]] Co
{
public:
    struct promise_type {
        std::coroutine_handle<> continuation;
        bool runningInline = false; // inside the awaiting caller's await_suspend
        Out<T> out;
        std::exception_ptr error; // a C++ exception other than PyRaise

        Co get_return_object() noexcept { return Co(std::coroutine_handle<promise_type>::from_promise(*this)); }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        struct FinalAwaiter {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) const noexcept
            {
                // Ended inside the caller's co_await (see Co::await_suspend): the caller goes on
                // by itself; ended after a suspension: resume the caller.
                auto &p = h.promise();
                if (p.runningInline || !p.continuation)
                    return std::noop_coroutine();
                return p.continuation;
            }
            void await_resume() const noexcept { }
        };
        FinalAwaiter final_suspend() const noexcept { return {}; }
        void return_value(T v) { out.value = std::move(v); }
        void return_value(Raise r) { out.exc = r.exc; }
        void return_value(Out<T> o) { out = std::move(o); } // `co_return co_await other;`
        void unhandled_exception()
        {
            try {
                throw;
            } catch (const PyRaise &r) {
                out.exc = r.exc;
            } catch (...) {
                error = std::current_exception();
            }
        }
        static void *operator new(size_t n) { return detail::SmallPool::allocate(n); }
        static void operator delete(void *p, size_t n) noexcept { detail::SmallPool::release(p, n); }
    };

    Co() noexcept = default; // no coroutine (an awaiter's "none")
    Co(Co &&o) noexcept
        : m_h(std::exchange(o.m_h, {}))
    {
    }
    Co &operator=(Co &&o) noexcept
    {
        if (this != &o) {
            if (m_h)
                m_h.destroy();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    explicit operator bool() const noexcept { return bool(m_h); }
    Co(const Co &) = delete;
    ~Co()
    {
        if (m_h)
            m_h.destroy();
    }

    // Awaiting runs the coroutine now, inside the caller's resumption. When it ends without
    // suspending (a loop of statements that never wait), the caller does not suspend either:
    // no stack grows with the number of statements run (symmetric transfer alone would rely
    // on tail calls, which unoptimised builds do not make).
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller)
    {
        auto &p = m_h.promise();
        p.continuation = caller;
        p.runningInline = true;
        m_h.resume();
        if (m_h.done())
            return false;
        p.runningInline = false;
        return true;
    }
    Out<T> await_resume()
    {
        auto &p = m_h.promise();
        if (p.error)
            std::rethrow_exception(p.error);
        return std::move(p.out);
    }

private:
    explicit Co(std::coroutine_handle<promise_type> h) noexcept
        : m_h(h)
    {
    }
    std::coroutine_handle<promise_type> m_h{};
};

} // namespace ascope

#endif // Q_MOC_RUN
