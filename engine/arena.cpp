#include "arena.h"

#include "prefault.h"

#include <algorithm>
#include <new>

namespace ascope {

namespace {
constexpr size_t kMaxStep = size_t(64) << 20; // blocks stop doubling here
// Populated ahead a window at a time, one window beyond the one being filled: a run's peak RSS
// grows by at most that. A block smaller than four windows is populated whole when it is made.
constexpr uintptr_t kWindow = uintptr_t(512) << 10;
} // namespace

BlockArena::~BlockArena()
{
    for (void *p : m_blocks)
        ::operator delete(p);
}

void BlockArena::advanceHorizon()
{
    m_end = std::min(m_blockEnd, m_end + kWindow);
    if (m_end < m_blockEnd)
        prefault(reinterpret_cast<void *>(m_end), size_t(std::min(kWindow, m_blockEnd - m_end)));
}

void BlockArena::refill(size_t atLeast)
{
    if (m_cur != 0 && m_cur + atLeast <= m_blockEnd) { // the end of a window, not of the block
        while (m_end < m_cur + atLeast)
            advanceHorizon();
        return;
    }
    const size_t size = std::max(m_next, atLeast);
    m_next = std::min(m_next * 2, kMaxStep);
    m_blocks.reserve(m_blocks.size() + 1); // before the block: nothing leaks if this throws
    void *p = ::operator new(size);
    m_blocks.push_back(p);
    m_cur = reinterpret_cast<uintptr_t>(p);
    m_blockEnd = m_cur + size;
    if (size < 4 * kWindow) {
        m_end = m_blockEnd;
        prefault(p, size);
        return;
    }
    prefault(p, kWindow); // the loop's thread faults in what it reaches first itself
    m_end = m_cur;
    while (m_end < m_cur + atLeast)
        advanceHorizon();
}

} // namespace ascope
