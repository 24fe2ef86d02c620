using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>
/// The <see cref="Stream"/> contract of <see cref="MappedFileStream"/>, run by each sealed subclass over one
/// configuration (whole file, an offset window, private, direct) and, for reads and writes, through every
/// <see cref="ReadWriteMode"/>. The file holds <see cref="WindowOffset"/> filler bytes, then the stream's data.
/// </summary>
public abstract class MappedFileStreamConformanceTests
{
    private const byte Filler = 0xEE;
    private const int ContentLength = 300;

    private readonly List<MappedFileStream> _opened = [];
    private TempDirectory _directory = null!;

    /// <summary>The file offset of stream position 0.</summary>
    protected virtual long WindowOffset => 0;

    /// <summary>Whether writes through the stream reach the file (false for private mappings).</summary>
    protected virtual bool WritesReachFile => true;

    /// <summary>Whether <c>ReadAt(position, length)</c> returns a direct view rather than a copy.</summary>
    protected virtual bool ReadAtIsView => false;

    protected string FilePath { get; private set; } = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        FilePath = _directory.File("conformance.bin");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (MappedFileStream stream in _opened)
        {
            stream.Dispose();
        }

        _opened.Clear();
        _directory.Dispose();
    }

    /// <summary>Opens the configuration's stream over the prepared file.</summary>
    protected abstract MappedFileStream OpenStream(string path, FileAccess access);

    /// <summary>
    /// Gets the descriptors one stream alone on the file keeps open: its own open, which maps the file when it was made with
    /// emmap's sharing (<see cref="MappedFileStream.Open(string, MapOptions)"/>), else that and a mapping descriptor.
    /// </summary>
    protected virtual int DescriptorsOfOneStream => 1;

    [Test]
    public async Task Read_WholeData_ReturnsTheFileBytes([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 1);
        MappedFileStream stream = Create(content);

        byte[] read = await StreamIo.ReadUpToAsync(stream, ContentLength + 50, mode);

        read.ShouldBe(content);
        stream.Position.ShouldBe(ContentLength);
    }

    [Test]
    public async Task Read_AtEnd_ReturnsZero([Values] ReadWriteMode mode)
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 2));
        stream.Seek(0, SeekOrigin.End);

        int read = await StreamIo.ReadAsync(stream, new byte[10], 0, 10, mode);

        read.ShouldBe(0);
        stream.ReadByte().ShouldBe(-1);
        stream.Position.ShouldBe(ContentLength);
    }

    [Test]
    public async Task Read_PastEnd_ReturnsZeroAndKeepsPosition([Values] ReadWriteMode mode)
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 3));
        stream.Position = ContentLength + 1000;

        int read = await StreamIo.ReadAsync(stream, new byte[10], 0, 10, mode);

        read.ShouldBe(0);
        stream.Position.ShouldBe(ContentLength + 1000);
    }

    [Test]
    public async Task Read_NearEnd_ReturnsOnlyTheRest([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 4);
        MappedFileStream stream = Create(content);
        stream.Position = ContentLength - 5;
        byte[] buffer = new byte[20];

        int read = await StreamIo.ReadAsync(stream, buffer, 3, 10, mode);

        read.ShouldBe(5);
        buffer.AsSpan(3, 5).ToArray().ShouldBe(content[^5..]);
        buffer[8].ShouldBe((byte)0);
        stream.Position.ShouldBe(ContentLength);
    }

    [Test]
    public async Task Write_AcrossAPageBoundary_IsReadBackAndReachesTheFileIfShared([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 5);
        MappedFileStream stream = Create(content);
        byte[] data = Pattern(50, 6);

        // Position 70..120 holds file bytes 8170..8220 in the window configuration: across the page at 8192.
        stream.Position = 70;
        await StreamIo.WriteAsync(stream, data, mode);

        stream.Position.ShouldBe(120);
        stream.Length.ShouldBe(ContentLength);
        byte[] readBack = new byte[50];
        stream.ReadAt(70, readBack).ShouldBe(50);
        readBack.ShouldBe(data);
        byte[] expected = WritesReachFile ? Splice(content, 70, data) : content;
        DataInFile(ContentLength).ShouldBe(expected);
    }

    [Test]
    public async Task Write_AtEnd_AppendsLikeFileStreamAndTrimsOnDispose([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 7);
        MappedFileStream stream = Create(content);
        byte[] data = Pattern(5000, 8);
        stream.Seek(0, SeekOrigin.End);

        await StreamIo.WriteAsync(stream, data, mode);

        stream.Length.ShouldBe(ContentLength + 5000);
        stream.Position.ShouldBe(ContentLength + 5000);
        stream.Capacity.ShouldBeGreaterThanOrEqualTo(stream.Length);
        stream.Position = 0;
        (await StreamIo.ReadUpToAsync(stream, ContentLength + 6000, mode)).ShouldBe([.. content, .. data]);

        stream.Dispose();
        if (WritesReachFile)
        {
            new FileInfo(FilePath).Length.ShouldBe(WindowOffset + ContentLength + 5000);
            DataInFile(ContentLength + 5000).ShouldBe([.. content, .. data]);
        }
        else
        {
            new FileInfo(FilePath).Length.ShouldBe(WindowOffset + ContentLength);
            DataInFile(ContentLength).ShouldBe(content);
        }
    }

    [Test]
    public async Task Write_PastEnd_ZeroFillsTheGap([Values] ReadWriteMode mode)
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 9));
        stream.Position = ContentLength + 10;

        await StreamIo.WriteAsync(stream, [1, 2, 3], mode);

        stream.Length.ShouldBe(ContentLength + 13);
        byte[] tail = new byte[13];
        stream.ReadAt(ContentLength, tail).ShouldBe(13);
        tail.ShouldBe([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    }

    [Test]
    public async Task Write_EmptyPastTheEnd_DoesNotExtendLikeFileStream([Values] ReadWriteMode mode)
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 25));
        stream.Position = ContentLength + 100;

        await StreamIo.WriteAsync(stream, [], mode);
        stream.WriteAt(ContentLength + 200, ReadOnlySpan<byte>.Empty);

        stream.Length.ShouldBe(ContentLength);
        stream.Position.ShouldBe(ContentLength + 100);
    }

    [Test]
    public async Task Write_OnReadOnlyStream_ThrowsNotSupportedAndLeavesTheFile([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 10);
        PrepareFile(content);
        MappedFileStream stream = Track(OpenStream(FilePath, FileAccess.Read));

        await Should.ThrowAsync<NotSupportedException>(() => StreamIo.WriteAsync(stream, [1, 2, 3], mode));

        stream.CanWrite.ShouldBeFalse();
        stream.Position.ShouldBe(0);
        stream.Length.ShouldBe(ContentLength);
        DataInFile(ContentLength).ShouldBe(content);
    }

    [Test]
    public async Task Read_AfterDispose_ThrowsObjectDisposed([Values] ReadWriteMode mode)
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 11));
        stream.Dispose();

        await Should.ThrowAsync<ObjectDisposedException>(() => StreamIo.ReadAsync(stream, new byte[4], 0, 4, mode));
    }

    [Test]
    public async Task Write_AfterDispose_ThrowsObjectDisposedAndLeavesTheFile([Values] ReadWriteMode mode)
    {
        byte[] content = Pattern(ContentLength, 12);
        MappedFileStream stream = Create(content);
        stream.Dispose();

        await Should.ThrowAsync<ObjectDisposedException>(() => StreamIo.WriteAsync(stream, [1, 2, 3], mode));

        DataInFile(ContentLength).ShouldBe(content);
    }

    [Test]
    public void Seek_FromEachOrigin_MovesThePosition()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 13));

        stream.Seek(10, SeekOrigin.Begin).ShouldBe(10);
        stream.Seek(5, SeekOrigin.Current).ShouldBe(15);
        stream.Seek(-2, SeekOrigin.Current).ShouldBe(13);
        stream.Seek(-2, SeekOrigin.End).ShouldBe(ContentLength - 2);
        stream.Seek(7, SeekOrigin.End).ShouldBe(ContentLength + 7);
        stream.Position.ShouldBe(ContentLength + 7);
        stream.Length.ShouldBe(ContentLength);
    }

    [Test]
    public void Seek_BeforeTheBeginning_ThrowsIOExceptionAndKeepsThePosition()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 14));
        stream.Position = 5;

        Should.Throw<IOException>(() => stream.Seek(-6, SeekOrigin.Current));
        Should.Throw<IOException>(() => stream.Seek(-ContentLength - 1, SeekOrigin.End));

        stream.Position.ShouldBe(5);
    }

    [Test]
    public void SetLength_ShorterThenLonger_CutsTheDataAndZeroFillsTheRegrowth()
    {
        byte[] content = Pattern(ContentLength, 15);
        MappedFileStream stream = Create(content);
        stream.Position = 250;

        stream.SetLength(100);
        stream.Length.ShouldBe(100);
        stream.Position.ShouldBe(100);
        stream.SetLength(200);

        byte[] read = new byte[200];
        stream.ReadAt(0, read).ShouldBe(200);
        read.ShouldBe([.. content[..100], .. new byte[100]]);
        if (WritesReachFile)
        {
            SizeOnDisk.ShouldBeWhileMapped(FilePath, WindowOffset + 200);
        }
    }

    [Test]
    public void SetLength_Zero_EmptiesTheStream()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 16));

        stream.SetLength(0);

        stream.Length.ShouldBe(0);
        stream.ReadAt(0, new byte[4]).ShouldBe(0);
        stream.ReadByte().ShouldBe(-1);
    }

    [Test]
    public void ReadAtAndWriteAt_AnyPosition_LeaveThePositionAlone()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 17));
        stream.Position = 33;

        stream.WriteAt(200, "abc"u8);
        byte[] buffer = new byte[3];
        stream.ReadAt(200, buffer).ShouldBe(3);
        stream.WriteAt(ContentLength, "grow"u8);

        buffer.ShouldBe("abc"u8.ToArray());
        stream.Position.ShouldBe(33);
        stream.Length.ShouldBe(ContentLength + 4);
    }

    [Test]
    public void ReadAtOwner_LaterWrite_IsSeenOnlyThroughADirectView()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 18));
        byte[] before = new byte[5];
        stream.ReadAt(90, before).ShouldBe(5);

        using IMemoryOwner<byte> owner = stream.ReadAt(90, 5);
        stream.WriteAt(90, "fresh"u8);

        owner.Memory.Length.ShouldBe(5);
        owner.Memory.ToArray().ShouldBe(ReadAtIsView ? "fresh"u8.ToArray() : before);
    }

    [Test]
    public void ReadAtOwner_NearTheEnd_IsClipped()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 19));

        using IMemoryOwner<byte> near = stream.ReadAt(ContentLength - 3, 10);
        using IMemoryOwner<byte> past = stream.ReadAt(ContentLength + 3, 10);

        near.Memory.Length.ShouldBe(3);
        past.Memory.Length.ShouldBe(0);
    }

    [Test]
    public void CopyTo_FromThePosition_CopiesTheRest()
    {
        byte[] content = Pattern(ContentLength, 20);
        MappedFileStream stream = Create(content);
        stream.Position = 100;
        using var destination = new MemoryStream();

        stream.CopyTo(destination);

        destination.ToArray().ShouldBe(content[100..]);
        stream.Position.ShouldBe(ContentLength);
    }

    [Test]
    public async Task CopyToAsync_FromThePosition_CopiesTheRest()
    {
        byte[] content = Pattern(ContentLength, 21);
        MappedFileStream stream = Create(content);
        stream.Position = 7;
        using var destination = new MemoryStream();

        await stream.CopyToAsync(destination);

        destination.ToArray().ShouldBe(content[7..]);
        stream.Position.ShouldBe(ContentLength);
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public void ReadLine_Lines_ReturnsEachWithNewlineNormalised()
    {
        byte[] text = Encoding.ASCII.GetBytes("first\nsecond\r\n\nlast");
        MappedFileStream stream = Create(text);

        stream.ReadLine().ShouldBe("first\n"u8.ToArray());
        stream.ReadLine().ShouldBe("second\n"u8.ToArray());
        stream.ReadLine().ShouldBe("\n"u8.ToArray());
        stream.ReadLine().ShouldBe("last"u8.ToArray());
        stream.ReadLine().ShouldBeNull();
        stream.Position.ShouldBe(text.Length);
    }

    [Test]
    public async Task Flush_EveryForm_KeepsTheDataAndSucceeds()
    {
        byte[] content = Pattern(ContentLength, 22);
        MappedFileStream stream = Create(content);
        stream.WriteAt(0, "flushed"u8);

        stream.Flush();
        stream.Flush(flushToDisk: true);
        stream.Flush(0, 10, flushToDisk: true);
        stream.Flush(ContentLength + 100, 10, flushToDisk: false);
        await stream.FlushAsync();

        DataInFile(7).ShouldBe(WritesReachFile ? "flushed"u8.ToArray() : content[..7]);
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndTheStreamReportsNoCapabilities()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 23));
        stream.CanRead.ShouldBeTrue();
        stream.CanSeek.ShouldBeTrue();
        stream.CanWrite.ShouldBeTrue();

        stream.Dispose();
        stream.Dispose();

        stream.CanRead.ShouldBeFalse();
        stream.CanSeek.ShouldBeFalse();
        stream.CanWrite.ShouldBeFalse();
        Should.Throw<ObjectDisposedException>(() => stream.Length);
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void Dispose_TheOnlyHandle_ClosesTheDescriptorAndUnmapsTheFile()
    {
        MappedFileStream stream = Create(Pattern(ContentLength, 24));
        ProcessMaps.Maps(FilePath).ShouldBeTrue();
        ProcessMaps.OpenDescriptors(FilePath).ShouldBe(DescriptorsOfOneStream, "the stream's own open, and a mapping descriptor unless its own open is that");

        stream.Dispose();

        ProcessMaps.Maps(FilePath).ShouldBeFalse();
        ProcessMaps.OpenDescriptors(FilePath).ShouldBe(0);
    }

    /// <summary>Writes the file (filler, then <paramref name="content"/>) and opens the configuration's writable stream.</summary>
    protected MappedFileStream Create(byte[] content)
    {
        PrepareFile(content);
        return Track(OpenStream(FilePath, FileAccess.ReadWrite));
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Splice(byte[] content, int at, byte[] data)
    {
        byte[] result = content.ToArray();
        data.CopyTo(result, at);
        return result;
    }

    private void PrepareFile(byte[] content)
    {
        byte[] file = new byte[WindowOffset + content.Length];
        file.AsSpan(0, (int)WindowOffset).Fill(Filler);
        content.CopyTo(file, WindowOffset);
        File.WriteAllBytes(FilePath, file);
    }

    private MappedFileStream Track(MappedFileStream stream)
    {
        _opened.Add(stream);
        return stream;
    }

    /// <summary>The stream's data as the file holds it (read with plain file I/O), checking the filler is intact.</summary>
    private byte[] DataInFile(int count)
    {
        byte[] file = SharedFile.ReadAllBytes(FilePath);
        file.AsSpan(0, (int)WindowOffset).ToArray().ShouldAllBe(b => b == Filler);
        return file.AsSpan((int)WindowOffset, count).ToArray();
    }
}
