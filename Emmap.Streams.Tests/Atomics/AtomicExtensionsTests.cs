using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Atomics;

[TestFixture]
public sealed class AtomicExtensionsTests
{
    private const int CellsSize = 64;

    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("cells.bin");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void AtomicOperations_EmmapSimpleTestStep7_ReturnEmmapsValues()
    {
        using MappedFileStream s = CreateCells();

        s.AtomicAdd(0, 10).ShouldBe(0);
        s.AtomicAdd(0, 10).ShouldBe(10);
        s.AtomicSubtract(0, 5).ShouldBe(20);
        s.AtomicSubtract(0, 12).ShouldBe(15);
        s.AtomicAnd(0, 7).ShouldBe(3);
        s.AtomicOr(0, 7).ShouldBe(3);
        s.AtomicXor(0, 9).ShouldBe(7);
        s.AtomicExchange(0, 10).ShouldBe(14);
        s.AtomicExchange(0, 0).ShouldBe(10);
        s.AtomicCompareExchange(0, 20, 0).ShouldBe(0);
        s.AtomicCompareExchange(0, 20, 10).ShouldBe(20);
        s.AtomicCompareExchange(0, 0, 20).ShouldBe(20);

        s.AtomicRead(0).ShouldBe(0);
        FileBytes(0, 8).ShouldBe(new byte[8]);
    }

    [Test]
    public void AtomicAdd_Cell_ReturnsOldValueAndStoresSumLittleEndianInFile()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(8, 0x0102030405060708);

        s.AtomicAdd(8, 0x10).ShouldBe(0x0102030405060708);

        s.AtomicRead(8).ShouldBe(0x0102030405060718);
        FileBytes(8, 8).ShouldBe(new byte[] { 0x18, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 });
        FileBytes(0, 8).ShouldBe(new byte[8]);
        FileBytes(16, 8).ShouldBe(new byte[8]);
    }

    [Test]
    public void AtomicAdd_MaxValuePlusOne_WrapsToMinValue()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, long.MaxValue);

        s.AtomicAdd(0, 1).ShouldBe(long.MaxValue);

        s.AtomicRead(0).ShouldBe(long.MinValue);
        FileBytes(0, 8).ShouldBe(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x80 });
    }

    [Test]
    public void AtomicSubtract_MinValueMinusOne_WrapsToMaxValue()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, long.MinValue);

        s.AtomicSubtract(0, 1).ShouldBe(long.MinValue);

        s.AtomicRead(0).ShouldBe(long.MaxValue);
    }

    [Test]
    public void AtomicSubtract_MinValue_SubtractsWithWrap()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 5);

        s.AtomicSubtract(0, long.MinValue).ShouldBe(5);

        s.AtomicRead(0).ShouldBe(unchecked(5 - long.MinValue));
    }

    [Test]
    public void AtomicAnd_Cell_ReturnsOldValueAndStoresConjunction()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 0b1100);

        s.AtomicAnd(0, 0b1010).ShouldBe(0b1100);

        s.AtomicRead(0).ShouldBe(0b1000);
    }

    [Test]
    public void AtomicOr_Cell_ReturnsOldValueAndStoresDisjunction()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 0b1100);

        s.AtomicOr(0, 0b1010).ShouldBe(0b1100);

        s.AtomicRead(0).ShouldBe(0b1110);
    }

    [Test]
    public void AtomicXor_Cell_ReturnsOldValueAndFlipsBits()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 0b1100);

        s.AtomicXor(0, 0b1010).ShouldBe(0b1100);
        s.AtomicRead(0).ShouldBe(0b0110);

        s.AtomicXor(0, -1).ShouldBe(0b0110);
        s.AtomicRead(0).ShouldBe(~0b0110L);
    }

    [Test]
    public void AtomicExchange_Cell_ReturnsOldValueAndStoresNew()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, -42);

        s.AtomicExchange(0, long.MinValue).ShouldBe(-42);

        s.AtomicRead(0).ShouldBe(long.MinValue);
    }

    [Test]
    public void AtomicCompareExchange_ComparandMatches_StoresValueAndReturnsComparand()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 7);

        s.AtomicCompareExchange(0, 99, 7).ShouldBe(7);

        s.AtomicRead(0).ShouldBe(99);
    }

    [Test]
    public void AtomicCompareExchange_ComparandDiffers_LeavesCellAndReturnsCurrent()
    {
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, 7);

        s.AtomicCompareExchange(0, 99, 8).ShouldBe(7);

        s.AtomicRead(0).ShouldBe(7);
    }

    [Test]
    public void AtomicWrite_Cell_StoresValueLittleEndianInFile()
    {
        using MappedFileStream s = CreateCells();

        s.AtomicWrite(24, -2);

        FileBytes(24, 8).ShouldBe(new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
    }

    [Test]
    public void AtomicRead_ValueWrittenByAnotherHandle_SeesIt()
    {
        using MappedFileStream writer = CreateCells();
        using var reader = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });

        writer.AtomicAdd(32, 5);

        reader.AtomicRead(32).ShouldBe(5);
    }

    [Test]
    public void Atomics_MisalignedPosition_ThrowArgumentExceptionAndChangeNothing(
        [Values] AtomicOperation operation, [Values(1, 3, 4, 7, 9)] long position)
    {
        using MappedFileStream s = CreateCells();
        s.WriteAt(0, Pattern(CellsSize));

        var ex = Should.Throw<ArgumentException>(() => operation.Invoke(s, position, 20));

        ex.GetType().ShouldBe(typeof(ArgumentException));
        ex.ParamName.ShouldBe("position");
        ex.Message.ShouldContain("aligned");
        FileBytes(0, CellsSize).ShouldBe(Pattern(CellsSize), "emmap's CAS silently acts on the next aligned word; nothing may change here");
    }

    [Test]
    public void Atomics_WindowAtOddOffset_CountAlignmentFromStartOfFile([Values] AtomicOperation operation)
    {
        CreateCells().Dispose();
        using var window = MappedFileStream.Open(_path, 3, 40, new MapOptions { Access = FileAccess.ReadWrite });

        // Position 5 of the window is file offset 8: aligned.
        operation.Invoke(window, 5, 6);
        Should.Throw<ArgumentException>(() => operation.Invoke(window, 0, 6)).Message.ShouldContain("window starts at file offset 3");
        Should.Throw<ArgumentException>(() => operation.Invoke(window, 8, 6)).GetType().ShouldBe(typeof(ArgumentException));
    }

    [Test]
    public void AtomicAdd_WindowAtOddOffset_ChangesTheAlignedFileCell()
    {
        using MappedFileStream whole = CreateCells();
        using var window = MappedFileStream.Open(_path, 3, 40, new MapOptions { Access = FileAccess.ReadWrite });

        window.AtomicAdd(13, 0x55).ShouldBe(0);

        whole.AtomicRead(16).ShouldBe(0x55);
        FileBytes(16, 8).ShouldBe(new byte[] { 0x55, 0, 0, 0, 0, 0, 0, 0 });
    }

    [Test]
    public void Atomics_CellPastEnd_ThrowArgumentOutOfRange([Values] AtomicOperation operation, [Values(64, 72, 1L << 40, long.MaxValue)] long position)
    {
        using MappedFileStream s = CreateCells();

        Should.Throw<ArgumentOutOfRangeException>(() => operation.Invoke(s, position)).ParamName.ShouldBe("position");
    }

    [Test]
    public void Atomics_NegativePosition_ThrowArgumentOutOfRange([Values] AtomicOperation operation, [Values(-8, -1, long.MinValue)] long position)
    {
        using MappedFileStream s = CreateCells();

        Should.Throw<ArgumentOutOfRangeException>(() => operation.Invoke(s, position)).ParamName.ShouldBe("position");
    }

    [Test]
    public void Atomics_LastCell_Work([Values] AtomicOperation operation)
    {
        using MappedFileStream s = CreateCells();

        operation.Invoke(s, CellsSize - 8, 1);

        s.AtomicRead(CellsSize - 8).ShouldBe(operation switch
        {
            AtomicOperation.Subtract => -1,
            AtomicOperation.And or AtomicOperation.Read => 0,
            _ => 1,
        });
    }

    [Test]
    public void Atomics_StreamShorterThanACell_ThrowArgumentOutOfRange([Values] AtomicOperation operation)
    {
        using var s = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 7 });

        Should.Throw<ArgumentOutOfRangeException>(() => operation.Invoke(s, 0));
    }

    [Test]
    public void AtomicsAndCounters_OnAWriteOnlyStream_ThrowNotSupportedAndChangeNothing()
    {
        using (MappedFileStream cells = CreateCells())
        {
        }

        byte[] before = File.ReadAllBytes(_path);
        using (MappedFileStream s = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.Write }))
        {
            Should.Throw<NotSupportedException>(() => s.AtomicWrite(8, 0x0102030405060708));
            Should.Throw<NotSupportedException>(() => s.AtomicAdd(8, 1));
            Should.Throw<NotSupportedException>(() => s.AtomicRead(8));
            Should.Throw<NotSupportedException>(() => s.AsCounters(0, leaveOpen: true));
        }

        File.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Atomics_ReadOnlyStream_ModifyingOperationsThrowNotSupportedAndReadWorks([Values] AtomicOperation operation)
    {
        using (MappedFileStream writer = CreateCells())
        {
            writer.AtomicWrite(8, 1234);
        }

        // No writable handle is open: the pages are mapped read-only, so a missing check would fault, not pass.
        using var readOnly = MappedFileStream.Open(_path);
        if (operation.Modifies())
        {
            Should.Throw<NotSupportedException>(() => operation.Invoke(readOnly, 8, 99));
        }
        else
        {
            operation.Invoke(readOnly, 8).ShouldBe(1234);
        }

        readOnly.AtomicRead(8).ShouldBe(1234);
        BinaryPrimitives.ReadInt64LittleEndian(FileBytes(8, 8)).ShouldBe(1234);
    }

    [Test]
    public void AtomicRead_ReadOnlyPrivateMapping_ReadsTheFile()
    {
        using (MappedFileStream writer = CreateCells())
        {
            writer.AtomicWrite(0, -5);
        }

        using var readOnly = MappedFileStream.Open(_path, new MapOptions { Sharing = MapSharing.Private });

        readOnly.AtomicRead(0).ShouldBe(-5);
        Should.Throw<NotSupportedException>(() => readOnly.AtomicAdd(0, 1));
    }

    [Test]
    public void Atomics_DisposedStream_ThrowObjectDisposed([Values] AtomicOperation operation)
    {
        MappedFileStream s = CreateCells();
        s.Dispose();

        Should.Throw<ObjectDisposedException>(() => operation.Invoke(s, 0));
    }

    [Test]
    public void Atomics_NullStream_ThrowArgumentNull([Values] AtomicOperation operation) =>
        Should.Throw<ArgumentNullException>(() => operation.Invoke(null!, 0)).ParamName.ShouldBe("stream");

    [Test]
    public void Atomics_PrivateMapping_WorkAndStayPrivate()
    {
        using (MappedFileStream writer = CreateCells())
        {
            writer.AtomicWrite(0, 100);
        }

        using var shared = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var privateMap = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });

        privateMap.AtomicAdd(0, 1).ShouldBe(100);
        privateMap.AtomicXor(0, 0xFF).ShouldBe(101);
        privateMap.AtomicCompareExchange(0, 7, 101 ^ 0xFF).ShouldBe(101 ^ 0xFF);
        privateMap.AtomicWrite(8, 42);

        privateMap.AtomicRead(0).ShouldBe(7);
        privateMap.AtomicRead(8).ShouldBe(42);
        shared.AtomicRead(0).ShouldBe(100);
        shared.AtomicRead(8).ShouldBe(0);
        BinaryPrimitives.ReadInt64LittleEndian(FileBytes(0, 8)).ShouldBe(100);
        BinaryPrimitives.ReadInt64LittleEndian(FileBytes(8, 8)).ShouldBe(0);
    }

    [Test]
    public void AtomicAdd_ManyThreadsOneCell_LosesNoUpdate()
    {
        const int threads = 4;
        const int perThread = 200_000;
        using MappedFileStream s = CreateCells();

        RunTogether(threads, _ =>
        {
            for (int i = 0; i < perThread; i++)
            {
                s.AtomicAdd(0, 1);
                s.AtomicSubtract(8, 1);
            }
        });

        s.AtomicRead(0).ShouldBe(threads * perThread);
        s.AtomicRead(8).ShouldBe(-threads * perThread);
    }

    [Test]
    public void AtomicXorAndCompareExchange_ManyThreadsOneCell_LoseNoUpdate()
    {
        const int threads = 4;
        const int flips = 100_001;
        const int casIncrements = 50_000;
        using MappedFileStream s = CreateCells();

        RunTogether(threads, thread =>
        {
            long bit = 1L << thread;
            for (int i = 0; i < flips; i++)
            {
                s.AtomicXor(0, bit);
            }

            for (int i = 0; i < casIncrements; i++)
            {
                long seen = s.AtomicRead(8);
                while (s.AtomicCompareExchange(8, seen + 1, seen) is long actual && actual != seen)
                {
                    seen = actual;
                }
            }
        });

        // Each thread flipped its own bit an odd number of times: any lost xor leaves that bit clear.
        s.AtomicRead(0).ShouldBe((1L << threads) - 1);
        s.AtomicRead(8).ShouldBe(threads * casIncrements);
    }

    [Test]
    public void AtomicAndOr_ManyThreadsOneCell_LoseNoUpdate()
    {
        const int threads = 4;
        const int rounds = 50_000;
        using MappedFileStream s = CreateCells();
        s.AtomicWrite(0, -1);

        RunTogether(threads, thread =>
        {
            long setBit = 1L << thread;
            long clearBit = 1L << (thread + 8);
            for (int i = 0; i < rounds; i++)
            {
                s.AtomicAnd(0, ~setBit);
                s.AtomicOr(0, setBit);
            }

            s.AtomicAnd(0, ~clearBit);
        });

        // Every thread ends with its low bit set and its high bit clear; a lost and/or leaves a wrong bit.
        long expected = -1L;
        for (int thread = 0; thread < threads; thread++)
        {
            expected &= ~(1L << (thread + 8));
        }

        s.AtomicRead(0).ShouldBe(expected);
    }

    [Test]
    public void AtomicAdd_RacingDispose_CompletesOrThrowsObjectDisposed()
    {
        CreateCells().Dispose();
        for (int round = 0; round < 20; round++)
        {
            var s = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
            using var started = new CountdownEvent(1);
            Task<Exception?> worker = Task.Factory.StartNew(
                () =>
                {
                    started.Signal();
                    try
                    {
                        for (int i = 0; i < 2_000_000; i++)
                        {
                            s.AtomicAdd(0, 1);
                            s.AtomicCompareExchange(8, i, i - 1);
                        }

                        return null;
                    }
                    catch (Exception ex)
                    {
                        return ex;
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

            started.Wait();
            s.Dispose();

            Exception? outcome = worker.GetAwaiter().GetResult();
            if (outcome is not null)
            {
                outcome.ShouldBeOfType<ObjectDisposedException>();
            }
        }
    }

    [Test]
    public void Atomics_WarmCalls_AllocateNothing()
    {
        using MappedFileStream s = CreateCells();
        foreach (AtomicOperation operation in Enum.GetValues<AtomicOperation>())
        {
            operation.Invoke(s, 8, 3);
        }

        AllocationMeter.LeastOf(3, () => Calls(s, 10_000)).ShouldBe(0);

        static void Calls(MappedFileStream s, int count)
        {
            for (int i = 0; i < count; i++)
            {
                s.AtomicAdd(8, 3);
                s.AtomicSubtract(8, 1);
                s.AtomicAnd(8, -1);
                s.AtomicOr(8, 4);
                s.AtomicXor(8, 2);
                s.AtomicExchange(16, i);
                s.AtomicCompareExchange(16, 0, i);
                s.AtomicWrite(24, i);
                s.AtomicRead(24);
            }
        }
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 1)).ToArray();

    private static void RunTogether(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        Task[] tasks = Enumerable.Range(0, threads)
            .Select(thread => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    body(thread);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))
            .ToArray();
        Task.WaitAll(tasks);
    }

    private MappedFileStream CreateCells() =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = CellsSize });

    private byte[] FileBytes(int offset, int count)
    {
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] bytes = new byte[count];
        file.Position = offset;
        file.ReadExactly(bytes);
        return bytes;
    }
}
