// An array that grows at its end, in fixed chunks of 2^Bits elements: growing never moves or
// copies what is stored (no doubling, so no moment with the old and the new copy both resident).
#pragma once

#include <QtGlobal>

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace ascope {

template<typename T, size_t Bits> class ChunkedArray
{
public:
    static constexpr size_t kChunk = size_t(1) << Bits;

    class const_iterator
    {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = const T *;
        using reference = const T &;

        const_iterator() = default;
        const_iterator(const ChunkedArray *a, size_t i)
            : m_a(a)
            , m_i(i)
        {
        }
        reference operator*() const { return (*m_a)[m_i]; }
        pointer operator->() const { return &(*m_a)[m_i]; }
        const_iterator &operator++()
        {
            ++m_i;
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator r = *this;
            ++m_i;
            return r;
        }
        friend bool operator==(const const_iterator &a, const const_iterator &b) { return a.m_i == b.m_i; }

    private:
        const ChunkedArray *m_a = nullptr;
        size_t m_i = 0;
    };

    const T &operator[](size_t i) const { return m_chunks[i >> Bits][i & (kChunk - 1)]; }
    T &operator[](size_t i) { return m_chunks[i >> Bits][i & (kChunk - 1)]; }
    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, m_size}; }
    // on every step's path (trace side tables, the arena): inlined, the new chunk not
    Q_ALWAYS_INLINE void push_back(const T &v)
    {
        const size_t slot = m_size & (kChunk - 1);
        if (slot == 0) [[unlikely]]
            addChunk();
        m_chunks.back()[slot] = v;
        ++m_size;
    }
    // Keeps the first n elements (n <= size()); the chunks beyond them are freed.
    void truncate(size_t n)
    {
        m_size = n;
        m_chunks.resize((n + kChunk - 1) >> Bits);
    }
    // Bytes allocated, for measuring.
    size_t memoryBytes() const
    {
        return m_chunks.size() * (sizeof(T) << Bits) + m_chunks.capacity() * sizeof(m_chunks[0]);
    }

private:
    Q_NEVER_INLINE void addChunk() { m_chunks.push_back(std::make_unique_for_overwrite<T[]>(kChunk)); }
    std::vector<std::unique_ptr<T[]>> m_chunks;
    size_t m_size = 0;
};

} // namespace ascope
