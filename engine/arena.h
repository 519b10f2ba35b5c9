// Memory for objects that live as long as a run (or the process), carved out of blocks that
// double in size up to 64 MiB: no malloc and free per object. The pages a large block will
// give out next are populated ahead, on another thread (prefault.h), a window at a time.
#pragma once

// ASCOPE_ASAN: built with AddressSanitizer (GCC says so with __SANITIZE_ADDRESS__, clang with
// __has_feature). Memory the engine recycles itself then comes from malloc object by object,
// so that the sanitizer sees every use after a free.
#if defined(__SANITIZE_ADDRESS__)
#define ASCOPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASCOPE_ASAN 1
#endif
#endif

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace ascope {

class BlockArena
{
public:
    BlockArena() = default;
    ~BlockArena();
    BlockArena(const BlockArena &) = delete;
    BlockArena &operator=(const BlockArena &) = delete;

    void *allocate(size_t n, size_t align)
    {
        uintptr_t p = (m_cur + align - 1) & ~uintptr_t(align - 1);
        if (p + n > m_end || m_cur == 0) {
            refill(n + align);
            p = (m_cur + align - 1) & ~uintptr_t(align - 1);
        }
        m_cur = p + n;
        return reinterpret_cast<void *>(p);
    }

private:
    void refill(size_t atLeast);
    void advanceHorizon();

    uintptr_t m_cur = 0;
    uintptr_t m_end = 0;             // allocate() gives out memory up to here: the block's end, or the
                                     // end of the window being filled (refill() then moves it on)
    uintptr_t m_blockEnd = 0;        // the current block's end
    size_t m_next = size_t(1) << 16; // blocks grow from 64 KiB (a small run stays small)
    std::vector<void *> m_blocks;
};

namespace detail {

// Free lists of small blocks by size class (64-byte steps up to 2 KiB), carved out of an
// arena: coroutine frames and the locals of graph frames, made and dropped at every step.
// Larger blocks, and sanitizer builds (which must see every use after free), use operator new.
class SmallPool
{
public:
    static constexpr size_t kStep = 64;
    static constexpr size_t kClasses = 32;

    static void *allocate(size_t n)
    {
#if !defined(ASCOPE_ASAN)
        const size_t c = (n + kStep - 1) / kStep;
        if (c < kClasses) {
            auto &list = lists()[c];
            if (!list.empty()) {
                void *p = list.back();
                list.pop_back();
                return p;
            }
            return lists().arena.allocate(c * kStep, alignof(std::max_align_t));
        }
#endif
        return ::operator new(n);
    }
    static void release(void *p, [[maybe_unused]] size_t n) noexcept
    {
#if !defined(ASCOPE_ASAN)
        const size_t c = (n + kStep - 1) / kStep;
        if (c < kClasses) {
            try {
                lists()[c].push_back(p);
            } catch (...) { // the block stays in the arena, unused
            }
            return;
        }
#endif
        ::operator delete(p);
    }

private:
    struct Lists {
        BlockArena arena; // the blocks of the size classes, free or in use
        std::vector<void *> v[kClasses];
        std::vector<void *> &operator[](size_t i) { return v[i]; }
    };
    static Lists &lists()
    {
        thread_local Lists l;
        return l;
    }
};

} // namespace detail

// An allocator for the standard containers from SmallPool (std::vector<Value, PoolAllocator<Value>>).
template<typename T> struct PoolAllocator {
    using value_type = T;
    PoolAllocator() noexcept = default;
    template<typename U> PoolAllocator(const PoolAllocator<U> &) noexcept { }
    T *allocate(size_t n)
    {
        static_assert(alignof(T) <= alignof(std::max_align_t));
        return static_cast<T *>(detail::SmallPool::allocate(n * sizeof(T)));
    }
    void deallocate(T *p, size_t n) noexcept { detail::SmallPool::release(p, n * sizeof(T)); }
    template<typename U> bool operator==(const PoolAllocator<U> &) const noexcept { return true; }
};

} // namespace ascope
