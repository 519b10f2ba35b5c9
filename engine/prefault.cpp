#include "prefault.h"

#include <QtGlobal>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#if defined(Q_OS_LINUX)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace ascope {

#if defined(Q_OS_LINUX) && defined(MADV_POPULATE_WRITE)
namespace {

class Prefaulter
{
public:
    static Prefaulter &instance()
    {
        static Prefaulter p;
        return p;
    }

    void request(uintptr_t begin, uintptr_t end)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_broken)
                return;
            if (!m_thread.joinable())
                m_thread = std::thread([this] { work(); });
            m_queue.emplace_back(begin, end);
        }
        m_wake.notify_one();
    }

    bool wait()
    {
        std::unique_lock lock(m_mutex);
        m_idle.wait(lock, [this] { return m_broken || (m_queue.empty() && !m_busy); });
        return !m_broken;
    }

    ~Prefaulter()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    Prefaulter()
    {
        const char *env = std::getenv("ASYNCSCOPE_PREFAULT");
        m_broken = env && std::strcmp(env, "0") == 0;
        if (!m_broken)
            mallopt(M_TOP_PAD, 1 << 20);
    }

    void work()
    {
        const auto page = uintptr_t(sysconf(_SC_PAGESIZE));
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_stop)
                return;
            auto [begin, end] = m_queue.front();
            m_queue.pop_front();
            m_busy = true;
            lock.unlock();
            begin &= ~(page - 1); // whole pages: madvise wants an aligned start
            // In steps, so that a fault of the loop's thread on the same range waits little.
            constexpr uintptr_t kStep = uintptr_t(256) << 10;
            bool ok = true;
            for (uintptr_t p = begin; p < end && ok; p += kStep)
                ok = madvise(reinterpret_cast<void *>(p), size_t(std::min(kStep, end - p)), MADV_POPULATE_WRITE) == 0
                    || errno != EINVAL; // ENOMEM: freed meanwhile; EINVAL: this kernel cannot
            lock.lock();
            m_busy = false;
            if (!ok)
                m_broken = true;
            if (m_broken || m_queue.empty())
                m_idle.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle; // the queue ran empty (wait())
    std::deque<std::pair<uintptr_t, uintptr_t>> m_queue;
    std::thread m_thread;
    bool m_stop = false;
    bool m_busy = false;   // a range is being populated
    bool m_broken = false; // switched off, or the kernel cannot
};

} // namespace

void prefault(void *p, size_t n)
{
    if (n > 0)
        Prefaulter::instance().request(reinterpret_cast<uintptr_t>(p), reinterpret_cast<uintptr_t>(p) + n);
}

bool prefaultWait()
{
    return Prefaulter::instance().wait();
}

void prefaultHeapGrowth()
{
    static std::atomic<uintptr_t> seen{0};
    const auto brk = reinterpret_cast<uintptr_t>(sbrk(0));
    uintptr_t last = seen.load(std::memory_order_relaxed);
    if (brk == last || !seen.compare_exchange_strong(last, brk, std::memory_order_relaxed))
        return;
    if (last != 0 && brk > last)
        prefault(reinterpret_cast<void *>(last), size_t(brk - last));
    else
        Prefaulter::instance(); // the first call: M_TOP_PAD from now on
}
#else
void prefaultHeapGrowth()
{
}
void prefault(void *, size_t)
{
}
bool prefaultWait()
{
    return false;
}
#endif

} // namespace ascope
