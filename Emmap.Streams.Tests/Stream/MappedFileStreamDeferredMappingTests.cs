using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// A whole-file read-only <see cref="MappedFileStream.Open(string, MapOptions?)"/> of a file no writer using the library has
/// open reads its first bytes from the file and maps it only when it must: the first reads, disposal and refusals need no
/// mapping, every byte read is data, and a writer that comes meanwhile (in this process or another) never makes the
/// stream read surplus zeros.
/// </summary>
[TestFixture]
[LinuxOnly("reads before the mapping are a Linux path; elsewhere Open maps at once")]
public sealed class MappedFileStreamDeferredMappingTests
{
    private const int FileLength = 3 * 4096;
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _content = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("deferred.bin");
        _content = Enumerable.Range(0, FileLength).Select(i => (byte)('a' + (i % 26))).ToArray();
        File.WriteAllBytes(_path, _content);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadAtOwner_AfterAnotherProgramAppends_ReturnsWhatReadAtIntoASpanReturns()
    {
        using var stream = MappedFileStream.Open(_path);
        stream.ReadAt(0, new byte[10]).ShouldBe(10);
        using (var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Write("tail"u8);
        }

        using IMemoryOwner<byte> owner = stream.ReadAt(FileLength, 100);
        byte[] span = new byte[100];
        stream.ReadAt(FileLength, span).ShouldBe(4);

        owner.Memory.ToArray().ShouldBe("tail"u8.ToArray());
    }

    [Test]
    public void Open_ReadOnly_ServesTheFirstReadsFromTheFileThenMaps()
    {
        using var stream = MappedFileStream.Open(_path);
        byte[] buffer = new byte[100];
        for (int read = 0; read < DeferredMapping.ReadsBeforeMapping; read++)
        {
            stream.ReadAt(read * 1000, buffer).ShouldBe(buffer.Length);
            buffer.ShouldBe(_content.AsSpan(read * 1000, buffer.Length).ToArray());
            ProcessMaps.Maps(_path).ShouldBeFalse($"read {read} comes from the file");
        }

        stream.ReadAt(5000, buffer).ShouldBe(buffer.Length);
        buffer.ShouldBe(_content.AsSpan(5000, buffer.Length).ToArray());
        ProcessMaps.Maps(_path).ShouldBeTrue("the read after the first ones maps the file");
        stream.ReadAt(FileLength - 10, buffer).ShouldBe(10);
        buffer.AsSpan(0, 10).ToArray().ShouldBe(_content.AsSpan(FileLength - 10).ToArray());
    }

    [Test]
    public void Open_ReadOnly_SequentialReadsAndEndOfDataBehaveAsBeforeTheMapping()
    {
        using var stream = MappedFileStream.Open(_path);
        stream.ReadByte().ShouldBe('a');
        stream.Position.ShouldBe(1);
        stream.Seek(-2, SeekOrigin.End).ShouldBe(FileLength - 2);
        byte[] tail = new byte[8];
        stream.Read(tail).ShouldBe(2);
        stream.Read(tail).ShouldBe(0);
        stream.ReadAt(FileLength + 5, tail).ShouldBe(0);
        Should.Throw<EndOfStreamException>(() => stream.ReadExactlyAt(FileLength - 4, tail));
        stream.Length.ShouldBe(FileLength);
        ProcessMaps.Maps(_path).ShouldBeFalse("nothing so far needed mapped memory");
    }

    [Test]
    public void Open_ReadOnly_ACallThatNeedsMappedMemoryMapsTheFile()
    {
        using var stream = MappedFileStream.Open(_path);
        stream.ReadAt(0, new byte[1]).ShouldBe(1);
        ProcessMaps.Maps(_path).ShouldBeFalse();

        using (var view = stream.ReadDirect(4096, 64))
        {
            ProcessMaps.Maps(_path).ShouldBeTrue();
            view.Memory.ToArray().ShouldBe(_content.AsSpan(4096, 64).ToArray());
        }

        stream.LiveViewCount.ShouldBe(0);
    }

    public enum MappingCall
    {
        ReadSequence,
        AsPipeReader,
        AtomicRead,
        Capacity,
    }

    [Test]
    public void Open_ReadOnly_EachOtherCallThatNeedsMappedMemoryMapsTheFile([Values] MappingCall call)
    {
        using var stream = MappedFileStream.Open(_path);
        stream.ReadAt(0, new byte[1]).ShouldBe(1);
        ProcessMaps.Maps(_path).ShouldBeFalse();

        switch (call)
        {
            case MappingCall.ReadSequence:
                using (MappedSequenceOwner sequence = stream.ReadSequence(4096, 64))
                {
                    sequence.Sequence.ToArray().ShouldBe(_content.AsSpan(4096, 64).ToArray());
                }

                break;
            case MappingCall.AsPipeReader:
                stream.AsPipeReader(4096).Complete();
                break;
            case MappingCall.AtomicRead:
                stream.AtomicRead(4096).ShouldBe(BitConverter.ToInt64(_content, 4096));
                break;
            default:
                stream.Capacity.ShouldBeGreaterThanOrEqualTo(FileLength);
                break;
        }

        ProcessMaps.Maps(_path).ShouldBeTrue($"{call} needs mapped memory");
    }

    [Test]
    public void Mapping_ThatFails_LeavesEveryDeferredStreamOfTheFileReadingThroughItsOwnOpen()
    {
        using var first = MappedFileStream.Open(_path);
        using var second = MappedFileStream.Open(_path);
        byte[] buffer = new byte[64];
        first.ReadAt(0, buffer).ShouldBe(buffer.Length);
        second.ReadAt(0, buffer).ShouldBe(buffer.Length);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            Should.Throw<IOException>(() => first.Capacity);
            ProcessMaps.Maps(_path).ShouldBeFalse();
            foreach (MappedFileStream stream in new[] { first, second })
            {
                stream.ReadAt(4000, buffer).ShouldBe(buffer.Length, "the failed mapping took nothing from the stream");
                buffer.ShouldBe(_content.AsSpan(4000, buffer.Length).ToArray());
                stream.Length.ShouldBe(FileLength);
            }
        }

        first.Capacity.ShouldBeGreaterThanOrEqualTo(FileLength);
        ProcessMaps.Maps(_path).ShouldBeTrue();
        second.ReadAt(FileLength - 64, buffer).ShouldBe(buffer.Length);
        buffer.ShouldBe(_content.AsSpan(FileLength - 64).ToArray());
    }

    [Test]
    public void Open_TruncateInThisProcessWhileADeferredReaderIsOpen_CutsTheFileAtOnce()
    {
        // The reader's presence is this process's: it must not make the open zero the file in place, as for another process.
        using var reader = MappedFileStream.Open(_path);
        reader.ReadAt(0, new byte[16]).ShouldBe(16);
        using (var writer = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite }))
        {
            writer.Length.ShouldBe(0);
            SizeOnDisk.Of(_path).ShouldBe(0);
        }

        reader.Length.ShouldBe(0);
        reader.ReadAt(0, new byte[16]).ShouldBe(0);
        SharedFileState.PageExists(NativeFile.TryGetStatus(_path)!.Value.Identity).ShouldBeFalse();
    }

    [Test]
    public void Open_ReadOnlyWhileAWriterOfThisProcessComesAndGoes_LeavesTheFileTrimmedAndNoPage()
    {
        // The read-only open has looked for writers and let the size lock go; before it returns, a writer of this process opens,
        // grows the file (capacity past the length) and closes. The reader's presence must not count as another process's then:
        // the writer is the last to close, trims the file and deletes its page.
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        long written = -1;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.DeferredOpenUnlocked)
            {
                CrashPoints.Hook = null;
                Task writing = Task.Run(() =>
                {
                    using var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
                    written = writer.Append("tail"u8);
                });
                writing.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue("the writer finished");
            }
        };
        MappedFileStream reader;
        try
        {
            reader = MappedFileStream.Open(_path);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        using (reader)
        {
            written.ShouldBe(FileLength);
            SizeOnDisk.Of(_path).ShouldBe(FileLength + 4, "the writer was the last to close: it trimmed its capacity");
            SharedFileState.PageExists(identity).ShouldBeFalse("the writer was the last to close: it deleted its page");
        }

        SizeOnDisk.Of(_path).ShouldBe(FileLength + 4);
        SharedFileState.PageExists(identity).ShouldBeFalse();
    }

    [Test]
    public void Open_TruncateThatFailsAfterTheCutWhileADeferredReaderIsOpen_LeavesNoPageAndNoZeros()
    {
        using var reader = MappedFileStream.Open(_path);
        reader.ReadAt(0, new byte[16]).ShouldBe(16);

        // The open grows the file to its new size before the cut, then again after it: the second growth fails.
        int allocations = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Allocate && ++allocations == 2 ? 28 : 0))
        {
            Should.Throw<IOException>(() =>
                MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, Size = 8 * 4096 }).Dispose());
        }

        allocations.ShouldBe(2);
        SizeOnDisk.Of(_path).ShouldBe(0, "the cut was made, not zeros in its place");
        SharedFileState.PageExists(NativeFile.TryGetStatus(_path)!.Value.Identity).ShouldBeFalse();
        reader.ReadAt(100, new byte[64]).ShouldBe(0);
        reader.Length.ShouldBe(0);
    }

    [Test]
    public void Open_WritableThatFailsBeforeChangingTheLengthWhileADeferredReaderIsOpen_LeavesNoPageOnceAllIsClosed()
    {
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        var reader = MappedFileStream.Open(_path);
        try
        {
            reader.ReadAt(0, new byte[16]).ShouldBe(16);
            using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
            {
                Should.Throw<IOException>(() =>
                    MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite }).Dispose());
            }

            // Disposed without another read: a read would see the page and map, and the mapping's close would delete it.
        }
        finally
        {
            reader.Dispose();
        }

        SizeOnDisk.Of(_path).ShouldBe(FileLength);
        SharedFileState.PageExists(identity).ShouldBeFalse("no handle of the file is left, in this process or any other");
    }

    [Test]
    public void Read_WhileMappingFailsAfterAWritableOpenOfThisProcessFailed_IsServedFromTheStreamsOwnOpen()
    {
        // The failed open withdrew the stream's presence (its entry made the page); with the entry and the page gone, the
        // stream takes it back as its open did, and reads on through its own descriptor while mapping still fails.
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        using var reader = MappedFileStream.Open(_path);
        byte[] buffer = new byte[64];
        reader.ReadAt(0, buffer).ShouldBe(buffer.Length);
        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            Should.Throw<IOException>(() =>
                MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite }).Dispose());
            SharedFileState.PageExists(identity).ShouldBeFalse();
            for (int read = 0; read < 3; read++)
            {
                reader.ReadAt(4000 + (read * 100), buffer).ShouldBe(buffer.Length);
                buffer.ShouldBe(_content.AsSpan(4000 + (read * 100), buffer.Length).ToArray());
            }

            reader.Length.ShouldBe(FileLength);
            ProcessMaps.Maps(_path).ShouldBeFalse();
        }

        // The stream's presence holds again: a writer of this process withdraws it before it cuts the file, as at the open.
        using (var writer = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite }))
        {
            SizeOnDisk.Of(_path).ShouldBe(0);
        }

        reader.ReadAt(0, buffer).ShouldBe(0);
        SharedFileState.PageExists(identity).ShouldBeFalse();
    }

    [Test]
    public void Read_WhileMappingFailsAfterAnotherHandleOfThisProcessMappedTheFileAndClosed_IsServedFromTheStreamsOwnOpen()
    {
        using var reader = MappedFileStream.Open(_path);
        byte[] buffer = new byte[64];
        reader.ReadAt(0, buffer).ShouldBe(buffer.Length);
        MappedFileStream.Open(_path, 0, 100).Dispose();
        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            reader.ReadAt(5000, buffer).ShouldBe(buffer.Length);
            buffer.ShouldBe(_content.AsSpan(5000, buffer.Length).ToArray());
            ProcessMaps.Maps(_path).ShouldBeFalse();
        }
    }

    [Test]
    public void Read_WhenMappingTheFileFails_IsServedFromTheStreamsOwnOpenAndTheMappingIsTriedAgainLater()
    {
        // As a FileStream keeps reading when the system is short of descriptors or address space, so does the stream: only
        // calls that need mapped memory report the failure.
        using var stream = MappedFileStream.Open(_path);
        byte[] buffer = new byte[100];
        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            for (int read = 0; read < 3 * DeferredMapping.ReadsBeforeMapping; read++)
            {
                stream.ReadAt(read * 300, buffer).ShouldBe(buffer.Length);
                buffer.ShouldBe(_content.AsSpan(read * 300, buffer.Length).ToArray());
            }

            stream.ReadExactlyAt(FileLength - buffer.Length, buffer);
            buffer.ShouldBe(_content.AsSpan(FileLength - buffer.Length).ToArray());
            stream.Seek(-10, SeekOrigin.End);
            stream.Read(buffer).ShouldBe(10);
            stream.Length.ShouldBe(FileLength);
            Should.Throw<IOException>(() => stream.ReadDirect(0, 10));
            ProcessMaps.Maps(_path).ShouldBeFalse();
        }

        for (int read = 0; read <= DeferredMapping.ReadsBeforeMapping; read++)
        {
            stream.ReadAt(read, buffer).ShouldBe(buffer.Length);
        }

        ProcessMaps.Maps(_path).ShouldBeTrue("the mapping was tried again and made");
        buffer.ShouldBe(_content.AsSpan(DeferredMapping.ReadsBeforeMapping, buffer.Length).ToArray());
    }

    [Test]
    public void Read_WhoseMappingFailsWhileAnotherOpenOfThisProcessFailsToo_IsServedFromTheStreamsOwnOpen()
    {
        using MappedFileStream stream = OpenReadToTheMapping();
        byte[] buffer = new byte[100];

        // The stream's mapping made the file's entry and fails while another thread's open holds the entry, so the stream tries
        // again through it. The other open's mapping fails too, and the stream's second try fails after the other open has gone.
        // Nothing maps the file then, and nothing stops the stream from reading through its own open. Both mappings run under the
        // entry's lock: if the stream's second try gets it first, it gives it up until the other open has tried.
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        Thread reader = Thread.CurrentThread;
        FileEntry? entry = null;
        Thread? other = null;
        Exception? otherFailure = null;
        int readerMaps = 0;
        using var otherMapped = new ManualResetEventSlim();
        using (FaultInjection.Install(point =>
        {
            if (point != FaultPoint.Map)
            {
                return 0;
            }

            if (Thread.CurrentThread != reader)
            {
                // The stream has failed once and waits for the entry's lock, or inside its second try.
                SpinWait.SpinUntil(() => (reader.ThreadState & ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(10)).ShouldBeTrue();
                otherMapped.Set();
                return 12;
            }

            if (++readerMaps == 1)
            {
                entry = FileRegistry.Snapshot().Single(e => e.Identity == identity);
                other = new Thread(() =>
                {
                    try
                    {
                        MappedFileStream.Open(_path, 0, 100).Dispose();
                    }
                    catch (IOException e)
                    {
                        otherFailure = e;
                    }
                })
                { IsBackground = true };
                other.Start();
                SpinWait.SpinUntil(() => Volatile.Read(ref entry.Refs) == 2, TimeSpan.FromSeconds(10)).ShouldBeTrue("the other open takes the entry");
                return 12;
            }

            FileRegistry.Snapshot().Single(e => e.Identity == identity).ShouldBeSameAs(entry);
            if (!otherMapped.IsSet)
            {
                // The stream took the lock first: it gives it up until the other open has tried.
                entry!.Gate.Exit();
                entry.Gate.IsHeldByCurrentThread.ShouldBeFalse();
                bool mapped = otherMapped.Wait(TimeSpan.FromSeconds(10));
                entry.Gate.Enter();
                mapped.ShouldBeTrue("the other open maps");
            }

            // The other open lets go of the entry without its lock.
            other!.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue();
            return 12;
        }))
        {
            stream.ReadAt(5000, buffer).ShouldBe(buffer.Length);
        }

        readerMaps.ShouldBe(2, "the stream tried again through the other open's entry");
        otherFailure.ShouldBeOfType<IOException>();
        buffer.ShouldBe(_content.AsSpan(5000, buffer.Length).ToArray());
        ProcessMaps.Maps(_path).ShouldBeFalse();
        stream.ReadAt(6000, buffer).ShouldBe(buffer.Length);
        buffer.ShouldBe(_content.AsSpan(6000, buffer.Length).ToArray());
    }

    [Test]
    public void Read_WhoseMappingFailsWhileAnotherHandleOfThisProcessMapsTheFile_ReadsThroughThatMapping()
    {
        using MappedFileStream stream = OpenReadToTheMapping();
        byte[] buffer = new byte[100];

        // The stream's mapping made the file's entry; another thread opens a window of the file through that entry, and then
        // the stream's mapping fails. The entry stays, with the window's mapping, and the read goes through it.
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;
        MappedFileStream? window = null;
        Thread? other = null;
        using (FaultInjection.Install(point =>
        {
            if (point != FaultPoint.Map || other is not null)
            {
                return 0;
            }

            FileEntry entry = FileRegistry.Snapshot().Single(e => e.Identity == identity);
            other = new Thread(() => window = MappedFileStream.Open(_path, 0, 100)) { IsBackground = true };
            other.Start();
            SpinWait.SpinUntil(() => Volatile.Read(ref entry.Refs) == 2, TimeSpan.FromSeconds(10)).ShouldBeTrue("the window's open takes the entry");
            return 12;
        }))
        {
            stream.ReadAt(5000, buffer).ShouldBe(buffer.Length);
        }

        other.ShouldNotBeNull();
        other.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        using (window)
        {
            buffer.ShouldBe(_content.AsSpan(5000, buffer.Length).ToArray());
            ProcessMaps.Maps(_path).ShouldBeTrue();
        }
    }

    [Test]
    public void Read_InAProcessWithNoDescriptorLeft_ReadsWhatAFileStreamReads()
    {
        // Mapping the file needs a descriptor of its own; a FileStream's reads need none.
        ChildHost.Run("stream-read-no-descriptors", _path, "40", "100").Split('\n').ShouldBe(["warm-up: same 40", "same 40"]);
    }

    [Test]
    public void Open_ReadOnly_RefusesWritesAndReportsDisposalWithoutMapping()
    {
        var stream = MappedFileStream.Open(_path);
        stream.CanRead.ShouldBeTrue();
        stream.CanWrite.ShouldBeFalse();
        Should.Throw<NotSupportedException>(() => stream.WriteAt(0, "x"u8));
        Should.Throw<NotSupportedException>(() => stream.Write("x"u8));
        Should.Throw<NotSupportedException>(() => stream.SetLength(10));
        Should.Throw<NotSupportedException>(() => stream.Append("x"u8));
        Should.Throw<NotSupportedException>(() => stream.AtomicAdd(0, 1));
        stream.Flush();
        ProcessMaps.Maps(_path).ShouldBeFalse("a refusal maps nothing");

        stream.Dispose();
        stream.CanRead.ShouldBeFalse();
        stream.CanSeek.ShouldBeFalse();
        Should.Throw<ObjectDisposedException>(() => stream.ReadAt(0, new byte[1]));
        Should.Throw<ObjectDisposedException>(() => stream.WriteAt(0, "x"u8));
        Should.Throw<ObjectDisposedException>(() => _ = stream.Length);
        Should.Throw<ObjectDisposedException>(() => _ = stream.Position);
        Should.Throw<ObjectDisposedException>(() => stream.ReadDirect(0, 1));
        ProcessMaps.Maps(_path).ShouldBeFalse();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0, "disposal closes the stream's descriptor");
        using var exclusive = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Test]
    public void Open_ReadOnly_AutoUnlinkDeletesTheFileAtDisposal()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions { AutoUnlink = true });
        stream.ReadAt(0, new byte[1]).ShouldBe(1);
        stream.Dispose();
        File.Exists(_path).ShouldBeFalse();
    }

    [Test]
    public void Read_PastTheKnownEnd_SeesWhatAFileStreamAppended()
    {
        using var stream = MappedFileStream.Open(_path);
        stream.ReadAt(0, new byte[1]).ShouldBe(1);
        using (var appender = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            appender.Write("tail"u8);
        }

        byte[] buffer = new byte[10];
        stream.ReadAt(FileLength, buffer).ShouldBe(4);
        Encoding.ASCII.GetString(buffer, 0, 4).ShouldBe("tail");
        stream.Length.ShouldBe(FileLength + 4);
        ProcessMaps.Maps(_path).ShouldBeFalse();
    }

    [Test]
    public void WriterInThisProcess_ShrinksAndGrowsBack_TheReaderMapsAndSharesItsLength()
    {
        using var reader = MappedFileStream.Open(_path);
        reader.ReadAt(0, new byte[1]).ShouldBe(1);

        using var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        writer.SetLength(100);
        SizeOnDisk.Of(_path).ShouldBe(100, "the reader is of this process, whose entry is its presence: the writer is alone and cuts the file");
        writer.Append(new byte[200].AsSpan()).ShouldBe(100);
        writer.WriteAt(100, "new"u8);

        byte[] buffer = new byte[10];
        reader.ReadAt(8000, buffer).ShouldBe(0, "a handle of this process maps the file: the reader maps too and shares its length at once");
        ProcessMaps.Maps(_path).ShouldBeTrue();
        reader.ReadAt(100, buffer.AsSpan(0, 3)).ShouldBe(3);
        Encoding.ASCII.GetString(buffer, 0, 3).ShouldBe("new");
        reader.Length.ShouldBe(300);
    }

    [Test]
    public void Open_WhileAWriterInThisProcessHoldsGrowthCapacity_MapsAtOnceAndReadsTheLength()
    {
        using var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        writer.Append(new byte[10]).ShouldBe(FileLength);
        SizeOnDisk.Of(_path).ShouldBeGreaterThan(FileLength + 10, "the writer holds growth capacity");

        using var reader = MappedFileStream.Open(_path);
        reader.Length.ShouldBe(FileLength + 10);
        reader.ReadAt(FileLength + 10, new byte[10]).ShouldBe(0, "the writer's surplus is not data");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Open_AfterOpensRememberedThePageMissing_SeesTheLengthOfAWriterInAnotherProcess(bool writerKilled)
    {
        // Enough opens that find no shared page for the look to be remembered, as in a process that opens files often.
        for (int open = 0; open <= NegativeLookupCache.WatchAfterMisses + 1; open++)
        {
            using var again = MappedFileStream.Open(_path);
            again.ReadAt(0, new byte[1]).ShouldBe(1);
        }

        SharedFileState.PageLooksRemembered.ShouldBeTrue();
        using var writer = ChildHost.Start("stream-session", _path);
        writer.ReadLine().ShouldBe("ready");
        writer.Ask("append grown").ShouldBe(FileLength.ToString(CultureInfo.InvariantCulture));
        SizeOnDisk.Of(_path).ShouldBeGreaterThan(FileLength + 5, "the writer holds growth capacity");
        if (writerKilled)
        {
            // Its page stays: the only record of where the data ends.
            writer.Kill();
        }

        using (var reader = MappedFileStream.Open(_path))
        {
            reader.Length.ShouldBe(FileLength + 5);
            reader.ReadAt(FileLength + 5, new byte[10]).ShouldBe(0, "the writer's surplus is not data");
            byte[] tail = new byte[5];
            reader.ReadAt(FileLength, tail).ShouldBe(5);
            Encoding.ASCII.GetString(tail).ShouldBe("grown");
        }

        if (!writerKilled)
        {
            writer.Ask("close").ShouldBe("closed");
            writer.ShouldExitWith(0);
        }
    }

    [Test]
    public void WriterInAnotherProcess_CannotTruncateUnderADeferredReader()
    {
        using var reader = MappedFileStream.Open(_path);
        reader.ReadAt(0, new byte[1]).ShouldBe(1);
        using (var writer = ChildHost.Start("stream-session", _path))
        {
            writer.ReadLine().ShouldBe("ready");
            writer.Ask("setlength 100").ShouldBe("ok");
            writer.Ask("append grown").ShouldBe("100");
            SizeOnDisk.Of(_path).ShouldBeGreaterThanOrEqualTo(FileLength, "a reader is present: nothing is cut from the file on disk");

            // As a FileStream sees another's cut: a read inside the length the reader knew finds the writer, maps the file and
            // stops at the length the writer published, never returning the erased bytes as zeros.
            byte[] buffer = new byte[10];
            reader.ReadAt(8000, buffer).ShouldBe(0);
            reader.ReadAt(100, buffer).ShouldBe(5);
            Encoding.ASCII.GetString(buffer, 0, 5).ShouldBe("grown");
            reader.Length.ShouldBe(105, "the reader maps the file and takes the length the writer published");
            writer.Ask("close").ShouldBe("closed");
            writer.ShouldExitWith(0);
        }
    }

    [Test]
    public void DeferredReaderInAnotherProcess_SeesAppendsAndKeepsTheFileWhole()
    {
        using var reader = ChildHost.Start("stream-session", _path, "readonly");
        reader.ReadLine().ShouldBe("ready");
        reader.Ask("read 0 3").ShouldBe("abc");

        using (var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            writer.Append("more"u8).ShouldBe(FileLength);
            reader.Ask($"read {FileLength} 10").ShouldBe("more");
            writer.SetLength(10);
            SizeOnDisk.Of(_path).ShouldBeGreaterThanOrEqualTo(FileLength, "the reader is present: nothing is cut from the file on disk");
            reader.Ask("length").ShouldBe("10");
            reader.Ask("close").ShouldBe("closed");
            reader.ShouldExitWith(0);
        }

        SizeOnDisk.Of(_path).ShouldBe(10, "the writer closes last and trims the file to its length");
    }

    [Test]
    public void ReadAt_FromManyThreadsWhileTheStreamMapsAndIsDisposed_ReadsDataOrThrowsObjectDisposed()
    {
        for (int round = 0; round < 20; round++)
        {
            var stream = MappedFileStream.Open(_path);
            using var start = new Barrier(5);
            Task[] readers = Enumerable.Range(0, 4).Select(id => Task.Run(() =>
            {
                var random = new Random((round * 10) + id);
                byte[] buffer = new byte[64];
                start.SignalAndWait();
                for (int i = 0; i < 200; i++)
                {
                    int position = random.Next(FileLength - buffer.Length);
                    try
                    {
                        stream.ReadAt(position, buffer).ShouldBe(buffer.Length);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }

                    buffer.ShouldBe(_content.AsSpan(position, buffer.Length).ToArray());
                }
            })).ToArray();
            start.SignalAndWait();
            Thread.SpinWait(round * 500);
            stream.Dispose();
            Task.WaitAll(readers);
        }

        ProcessMaps.Maps(_path).ShouldBeFalse("every mapping went with its stream");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void Open_ReadOnly_OnceMappedHoldsOneDescriptorAndKeepsTheSharingLock()
    {
        using var stream = MappedFileStream.Open(_path);
        ProcessMaps.OpenDescriptors(_path).ShouldBe(1);
        using (IMemoryOwner<byte> view = stream.ReadDirect(0, 16))
        {
            view.Memory.Span.ToArray().ShouldBe(_content.AsSpan(0, 16).ToArray());
            ProcessMaps.OpenDescriptors(_path).ShouldBe(1, "the mapping's descriptor replaces the stream's own open");
            Should.Throw<IOException>(OpenAlone);
        }

        stream.ReadAt(100, new byte[8]).ShouldBe(8);
        Should.Throw<IOException>(OpenAlone);
        stream.Dispose();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
        OpenAlone();
    }

    [Test]
    public void Open_ReadOnly_MappingAFileAnotherStreamMapped_KeepsItsOwnOpenForTheSharingLock()
    {
        using var deferred = MappedFileStream.Open(_path);
        using var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using (deferred.ReadDirect(0, 16))
        {
            ProcessMaps.OpenDescriptors(_path).ShouldBe(2, "the writer's open serves the mapping, the reader keeps its own");
        }

        mapped.Dispose();
        Should.Throw<IOException>(OpenAlone);
        deferred.ReadAt(FileLength - 4, new byte[4]).ShouldBe(4);
        deferred.Dispose();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
        OpenAlone();
    }

    [Test]
    public void ReadAt_WhileAnotherCallMapsTheFileAndClosesTheStreamsOwnOpen_ReadsThroughTheMapping()
    {
        using var stream = MappedFileStream.Open(_path);

        // Between a read's checks and its pread, the mapping happens (here on the same thread, from the hook): the read
        // finds the stream's own open closed and reads through the mapping instead.
        bool mapped = false;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.DeferredRead)
            {
                CrashPoints.Hook = null;
                using IMemoryOwner<byte> view = stream.ReadDirect(0, 1);
                mapped = true;
            }
        };
        byte[] buffer = new byte[100];
        try
        {
            stream.ReadAt(4000, buffer).ShouldBe(buffer.Length);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        mapped.ShouldBeTrue();
        buffer.ShouldBe(_content.AsSpan(4000, buffer.Length).ToArray());
        ProcessMaps.OpenDescriptors(_path).ShouldBe(1);
    }

    [Test]
    public void ReadAt_FromManyThreadsWhileOneMapsTheFile_ReadsDataWithoutError()
    {
        for (int round = 0; round < 20; round++)
        {
            using var stream = MappedFileStream.Open(_path);
            using var start = new Barrier(4);
            Task[] readers = Enumerable.Range(0, 4).Select(id => Task.Run(() =>
            {
                var random = new Random((round * 10) + id);
                byte[] buffer = new byte[4096];
                start.SignalAndWait();
                for (int i = 0; i < DeferredMapping.ReadsBeforeMapping; i++)
                {
                    int position = random.Next(FileLength - buffer.Length);
                    stream.ReadAt(position, buffer).ShouldBe(buffer.Length);
                    buffer.ShouldBe(_content.AsSpan(position, buffer.Length).ToArray());
                }
            })).ToArray();
            Task.WaitAll(readers);
            ProcessMaps.OpenDescriptors(_path).ShouldBe(1);
        }
    }

    [Test]
    public void Open_ReadOnlyWhileAWritableOpenOfThisProcessWaitsForTheSizeLock_BothComplete()
    {
        // The read-only open holds the shared size lock; a writable open of this process makes the file's entry and waits for
        // the exclusive size lock. The read-only open must not then wait for anything that open holds.
        (MappedFileStream reader, MappedFileStream writer) = OpenWhileAWritableOpenWaitsForTheSizeLock(during: null);
        using (reader)
        using (writer)
        {
            byte[] buffer = new byte[4];
            reader.ReadAt(0, buffer).ShouldBe(4);
            buffer.ShouldBe(_content.AsSpan(0, 4).ToArray());
            writer.Length.ShouldBe(FileLength);
        }
    }

    [Test]
    public void ReadAt_OfAnotherFileWhileAnOpenOfThisProcessWaitsForASizeLock_DoesNotWait()
    {
        // A deferred read looks in the registry twice, and must not wait for an open of another file.
        string other = _directory.File("other.bin");
        File.WriteAllBytes(other, _content);
        using var bystander = MappedFileStream.Open(other);
        byte[] buffer = new byte[64];
        bool readWithoutWaiting = false;
        (MappedFileStream reader, MappedFileStream writer) = OpenWhileAWritableOpenWaitsForTheSizeLock(during: () =>
            readWithoutWaiting = Task.Run(() => bystander.ReadAt(100, buffer)).Wait(TimeSpan.FromSeconds(10)));
        reader.Dispose();
        writer.Dispose();

        readWithoutWaiting.ShouldBeTrue("the read waited for the open");
        buffer.ShouldBe(_content.AsSpan(100, buffer.Length).ToArray());
        ProcessMaps.Maps(other).ShouldBeFalse();
    }

    // A read-only open of the file stops while it holds the shared size lock; a writable open of this process starts then and
    // waits for the exclusive size lock while it makes the file's entry. While both wait, `during` runs; then both must complete.
    private (MappedFileStream Reader, MappedFileStream Writer) OpenWhileAWritableOpenWaitsForTheSizeLock(Action? during)
    {
        ulong inode = NativeFile.TryGetStatus(_path)!.Value.Identity.Inode;
        MappedFileStream? writer = null;
        MappedFileStream? reader = null;
        Exception? failure = null;
        var writerThread = new Thread(() =>
        {
            try
            {
                writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
        }) { IsBackground = true };
        var readerThread = new Thread(() =>
        {
            CrashPoints.Hook = point =>
            {
                if (point == CrashPoints.DeferredOpenLocked)
                {
                    CrashPoints.Hook = null;
                    writerThread.Start();
                    SpinWait.SpinUntil(() => FileLocks.WaiterExists(inode), TimeSpan.FromSeconds(10)).ShouldBeTrue("the writer waits for the size lock");
                    during?.Invoke();
                }
            };
            try
            {
                reader = MappedFileStream.Open(_path);
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
            finally
            {
                CrashPoints.Hook = null;
            }
        }) { IsBackground = true };

        readerThread.Start();
        bool readerDone = readerThread.Join(TimeSpan.FromSeconds(30));
        bool writerDone = writerThread.Join(TimeSpan.FromSeconds(30));
        if (!readerDone || !writerDone || failure is not null)
        {
            reader?.Dispose();
            writer?.Dispose();
            readerDone.ShouldBeTrue("the read-only open waited for good");
            writerDone.ShouldBeTrue("the writable open waited for good");
            failure.ShouldBeNull();
        }

        return (reader!, writer!);
    }

    [Test]
    public void Open_ReadOnlyAndWritableFromTwoThreadsAtOnce_NeitherWaitsForTheOther()
    {
        // A read-only open looks for writers under the shared size lock while a writable open of this process makes the
        // file's entry and waits for the exclusive size lock: neither may wait for the other's lock.
        const int Rounds = 200;
        using var start = new Barrier(2);
        Exception? failure = null;
        Thread[] threads = [.. new[] { false, true }.Select(writable => new Thread(() =>
        {
            try
            {
                var options = new MapOptions { Access = writable ? FileAccess.ReadWrite : FileAccess.Read };
                byte[] buffer = new byte[16];
                for (int round = 0; round < Rounds; round++)
                {
                    start.SignalAndWait();
                    using var stream = MappedFileStream.Open(_path, options);
                    stream.ReadAt(round, buffer).ShouldBe(buffer.Length);
                    buffer.ShouldBe(_content.AsSpan(round, buffer.Length).ToArray());
                }
            }
            catch (Exception ex)
            {
                failure ??= ex;
                start.RemoveParticipant();
            }
        }) { IsBackground = true })];

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join(TimeSpan.FromSeconds(60)).ShouldBeTrue("an open waited for good for a lock the other open held");
        }

        failure.ShouldBeNull();
    }

    [Test]
    public void WriterInThisProcess_ClosesBeforeADeferredReader_TrimsTheFileAndLeavesNoPage()
    {
        using var reader = MappedFileStream.Open(_path);
        reader.ReadAt(0, new byte[1]).ShouldBe(1);
        FileIdentity identity = NativeFile.TryGetStatus(_path)!.Value.Identity;

        using (var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            writer.SetLength(1000);
            writer.Append("end"u8).ShouldBe(1000);
        }

        SizeOnDisk.Of(_path).ShouldBe(1003, "the writer closed last of the processes using the file: it trims to the length");
        SharedFileState.PageExists(identity).ShouldBeFalse("the last process to close deletes the page");
        byte[] buffer = new byte[100];
        reader.ReadAt(990, buffer).ShouldBe(13);
        Encoding.ASCII.GetString(buffer, 10, 3).ShouldBe("end");
        reader.Length.ShouldBe(1003);
    }

    [Test]
    public void ReadAt_WhileAWriterOfThisProcessCutsAndGrowsTheFile_ReturnsOnlyData()
    {
        using var reader = MappedFileStream.Open(_path);
        MappedFileStream? writer = null;

        // Between the read's checks and its pread, a writer of this process opens the file, cuts it and appends, which leaves
        // growth capacity (zeros) right after the new end: the read must not return those zeros as data.
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.DeferredRead)
            {
                CrashPoints.Hook = null;
                writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
                writer.SetLength(100);
                writer.Append("x"u8).ShouldBe(100);
            }
        };
        byte[] buffer = new byte[128];
        try
        {
            reader.ReadAt(0, buffer).ShouldBe(101);
        }
        finally
        {
            CrashPoints.Hook = null;
            writer?.Dispose();
        }

        writer.ShouldNotBeNull();
        buffer.AsSpan(0, 100).ToArray().ShouldBe(_content.AsSpan(0, 100).ToArray());
        buffer[100].ShouldBe((byte)'x');
    }

    // Opens the file with FileShare.None and closes it: throws IOException while any stream holds its sharing lock.
    private void OpenAlone() => new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.None).Dispose();

    // Opens the file read-only and reads it through its own open until the next read maps it.
    private MappedFileStream OpenReadToTheMapping()
    {
        MappedFileStream stream = MappedFileStream.Open(_path);
        byte[] buffer = new byte[100];
        for (int read = 0; read < DeferredMapping.ReadsBeforeMapping; read++)
        {
            stream.ReadAt(read, buffer).ShouldBe(buffer.Length);
        }

        return stream;
    }
}
