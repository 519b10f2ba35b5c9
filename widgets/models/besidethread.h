// Two pieces of work at once: one on a thread of its own, one on the calling thread. Opening a
// big graph reads and routes 100,000 nodes and edges this way on a machine of two cores.
#pragma once

#include <new>
#include <system_error>
#include <thread>

namespace ascope {

// Runs `beside` on a second thread (when `wanted` and a thread can be had) while `here` runs on
// this one, and returns once both are done. `beside` may not have run, or only in part (no
// thread, or it ran out of memory: its std::bad_alloc ends it quietly), so the caller finds
// what is left undone and does it. What `here` throws is thrown once `beside` has finished.
template<typename Beside, typename Here> void runBeside(bool wanted, Beside &&beside, Here &&here)
{
    std::thread helper;
    if (wanted) {
        try {
            helper = std::thread([&beside] {
                try {
                    beside();
                } catch (const std::bad_alloc &) {
                    // left for the caller
                }
            });
        } catch (const std::system_error &) {
            // no thread to be had: left for the caller
        }
    }
    try {
        here();
    } catch (...) {
        if (helper.joinable())
            helper.join();
        throw;
    }
    if (helper.joinable())
        helper.join();
}

} // namespace ascope
