#include "arena.h"

#include <algorithm>
#include <new>

namespace ascope {

namespace {
constexpr size_t kMaxStep = size_t(64) << 20; // blocks stop doubling here
} // namespace

BlockArena::~BlockArena()
{
    for (void *p : m_blocks)
        ::operator delete(p);
}

void BlockArena::refill(size_t atLeast)
{
    const size_t size = std::max(m_next, atLeast);
    m_next = std::min(m_next * 2, kMaxStep);
    m_blocks.reserve(m_blocks.size() + 1); // before the block: nothing leaks if this throws
    void *p = ::operator new(size);
    m_blocks.push_back(p);
    m_cur = reinterpret_cast<uintptr_t>(p);
    m_end = m_cur + size;
}

} // namespace ascope
