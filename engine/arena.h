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

} // namespace ascope
