// BlockArena and prefault(): every allocation is aligned and its own (a pattern written to each
// survives all the others, across windows and blocks, for small and large requests), and
// populating memory ahead (arena windows, or what the C heap gained) never changes what is in
// it, even while it is being written.
// ChunkedArray: what is appended is read back in order, by index and by iteration, across chunks.
#include "arena.h"
#include "chunked.h"
#include "prefault.h"

#include <QTest>

#include <cstring>
#include <memory>
#include <vector>

#if defined(Q_OS_LINUX)
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace ascope;

class TestArena : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void allocations_data();
    void allocations();
    void prefaultKeepsContent();
    void heapGrowthKeepsContent();
    void chunkedArray_data();
    void chunkedArray();
};

void TestArena::allocations_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("align");
    QTest::addColumn<int>("count");
    QTest::newRow("tiny, 1-aligned") << 1 << 1 << 10000;
    QTest::newRow("task-sized, 8-aligned") << 320 << 8 << 60000; // 19 MB: windows of large blocks
    QTest::newRow("odd size, 16-aligned") << 72 << 16 << 50000;
    QTest::newRow("64-aligned") << 100 << 64 << 20000;
    QTest::newRow("larger than a window") << (700 << 10) << 16 << 40;
    QTest::newRow("larger than a block at first") << (3 << 20) << 8 << 6;
}

void TestArena::allocations()
{
    QFETCH(int, size);
    QFETCH(int, align);
    QFETCH(int, count);
    BlockArena arena;
    std::vector<unsigned char *> got;
    for (int i = 0; i < count; ++i) {
        auto *p = static_cast<unsigned char *>(arena.allocate(size_t(size), size_t(align)));
        QVERIFY(p);
        QCOMPARE(reinterpret_cast<uintptr_t>(p) % uintptr_t(align), uintptr_t(0));
        std::memset(p, i & 0xff, size_t(size));
        got.push_back(p);
    }
    for (int i = 0; i < count; ++i) {
        const unsigned char *p = got[size_t(i)];
        const auto want = static_cast<unsigned char>(i & 0xff);
        // its first and last bytes, and one in the middle: nothing else wrote over it
        QVERIFY2(p[0] == want && p[size - 1] == want && p[size / 2] == want, qPrintable(QString::number(i)));
    }
}

void TestArena::prefaultKeepsContent()
{
    constexpr size_t n = size_t(8) << 20;
    auto buf = std::make_unique_for_overwrite<unsigned char[]>(n);
    // Written while it is being populated: every byte keeps what this thread wrote.
    prefault(buf.get(), n);
    for (size_t i = 0; i < n; ++i)
        buf[i] = static_cast<unsigned char>(i * 7);
    prefault(buf.get(), n);
    const bool works = prefaultWait();
    for (size_t i = 0; i < n; i += 4093)
        QCOMPARE(buf[i], static_cast<unsigned char>(i * 7));
#if defined(Q_OS_LINUX)
    if (!works)
        QSKIP("this kernel cannot populate ahead (MADV_POPULATE_WRITE), or ASYNCSCOPE_PREFAULT=0");
    // Fresh pages nobody touched are resident once populated.
    const auto page = size_t(sysconf(_SC_PAGESIZE));
    void *fresh = mmap(nullptr, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    QVERIFY(fresh != MAP_FAILED);
    prefault(fresh, 64 * page);
    QVERIFY(prefaultWait());
    std::vector<unsigned char> resident(64);
    QCOMPARE(mincore(fresh, 64 * page, resident.data()), 0);
    int in = 0;
    for (unsigned char r : resident)
        in += r & 1;
    QCOMPARE(in, 64);
    for (size_t i = 0; i < 64 * page; i += page)
        QCOMPARE(static_cast<const unsigned char *>(fresh)[i], static_cast<unsigned char>(0));
    munmap(fresh, 64 * page);
#else
    Q_UNUSED(works);
#endif
}

void TestArena::heapGrowthKeepsContent()
{
    // The C heap grows while the allocations are written; what it gained is populated behind
    // them: every allocation keeps what was written to it.
    prefaultHeapGrowth();
    std::vector<std::unique_ptr<unsigned char[]>> blocks;
    for (int i = 0; i < 8000; ++i) {
        blocks.push_back(std::make_unique_for_overwrite<unsigned char[]>(600));
        std::memset(blocks.back().get(), i & 0xff, 600);
        prefaultHeapGrowth();
    }
    prefaultWait();
    for (int i = 0; i < 8000; ++i) {
        const unsigned char *p = blocks[size_t(i)].get();
        const auto want = static_cast<unsigned char>(i & 0xff);
        QVERIFY2(p[0] == want && p[599] == want && p[300] == want, qPrintable(QString::number(i)));
    }
}

void TestArena::chunkedArray_data()
{
    QTest::addColumn<int>("count");
    QTest::newRow("empty") << 0;
    QTest::newRow("one") << 1;
    QTest::newRow("a chunk less one") << 15;
    QTest::newRow("exactly a chunk") << 16;
    QTest::newRow("a chunk and one") << 17;
    QTest::newRow("many chunks") << 1000;
}

void TestArena::chunkedArray()
{
    QFETCH(int, count);
    ChunkedArray<int, 4> a; // chunks of 16
    const int *first = nullptr;
    for (int i = 0; i < count; ++i) {
        a.push_back(i * 3);
        if (i == 0)
            first = &a[0];
    }
    QCOMPARE(a.size(), size_t(count));
    QCOMPARE(a.empty(), count == 0);
    if (count > 0)
        QCOMPARE(&a[0], first); // growing never moved it
    int k = 0;
    for (int v : a) {
        QCOMPARE(v, k * 3);
        QCOMPARE(a[size_t(k)], k * 3);
        ++k;
    }
    QCOMPARE(k, count);
    QVERIFY(a.memoryBytes() >= size_t(count) * sizeof(int));
}

QTEST_GUILESS_MAIN(TestArena)
#include "tst_arena.moc"
