using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Bad input on every public member: a clear exception and the file exactly as it was. Negative arguments →
/// <see cref="ArgumentOutOfRangeException"/>; writes on a read-only stream → <see cref="NotSupportedException"/>;
/// anything after dispose → <see cref="ObjectDisposedException"/>; contradictory options → <see cref="ArgumentException"/>.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamBadInputTests
{
    private const int FileLength = 64;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("bad.bin");
        byte[] content = new byte[FileLength];
        new Random(42).NextBytes(content);
        File.WriteAllBytes(_path, content);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    public static IEnumerable<TestCaseData> NegativeArguments()
    {
        byte[] buffer = new byte[8];
        yield return Case("ReadAt(-1, span)", s => s.ReadAt(-1, buffer.AsSpan()));
        yield return Case("ReadAt(-1, length)", s => s.ReadAt(-1, 4));
        yield return Case("ReadAt(0, -1)", s => s.ReadAt(0, -1));
        yield return Case("WriteAt(-1, data)", s => s.WriteAt(-1, buffer));
        yield return Case("Stream.ReadAt(-1, span)", s => StreamExtensions.ReadAt(s, -1, buffer.AsSpan()));
        yield return Case("Stream.ReadAt(-1, length)", s => StreamExtensions.ReadAt(s, -1, 4));
        yield return Case("Stream.ReadAt(0, -1)", s => StreamExtensions.ReadAt(s, 0, -1));
        yield return Case("Stream.WriteAt(-1, data)", s => StreamExtensions.WriteAt(s, -1, buffer));
        yield return Case("ReadDirect(-1, 1)", s => s.ReadDirect(-1, 1));
        yield return Case("ReadDirect(0, -1)", s => s.ReadDirect(0, -1));
        yield return Case("ReadSequence(-1, 1)", s => s.ReadSequence(-1, 1));
        yield return Case("ReadSequence(0, -1)", s => s.ReadSequence(0, -1));
        yield return Case("Resize(-1)", s => s.Resize(-1));
        yield return Case("SetLength(-1)", s => s.SetLength(-1));
        yield return Case("Position = -1", s => s.Position = -1);
        yield return Case("Flush(-1, 1, false)", s => s.Flush(-1, 1, false));
        yield return Case("Flush(0, -1, true)", s => s.Flush(0, -1, true));
        yield return Case("Read(buffer, -1, 1)", s => s.Read(buffer, -1, 1));
        yield return Case("Read(buffer, 0, -1)", s => s.Read(buffer, 0, -1));
        yield return Case("Write(buffer, -1, 1)", s => s.Write(buffer, -1, 1));
        yield return Case("Write(buffer, 0, -1)", s => s.Write(buffer, 0, -1));
        yield return Case("ReadAsync(buffer, -1, 1)", s => s.ReadAsync(buffer, -1, 1, CancellationToken.None));
        yield return Case("WriteAsync(buffer, 0, -1)", s => s.WriteAsync(buffer, 0, -1, CancellationToken.None));
        yield return Case("BeginRead(buffer, -1, 1)", s => s.BeginRead(buffer, -1, 1, null, null));
        yield return Case("BeginWrite(buffer, 0, -1)", s => s.BeginWrite(buffer, 0, -1, null, null));
        yield return Case("CopyTo(destination, 0)", s => s.CopyTo(new MemoryStream(), 0));
        yield return Case("CopyToAsync(destination, -1)", s => s.CopyToAsync(new MemoryStream(), -1).GetAwaiter().GetResult());
    }

    public static IEnumerable<TestCaseData> WritesOnReadOnly()
    {
        byte[] data = [1, 2, 3];
        yield return Case("Write(array)", s => s.Write(data, 0, 3));
        yield return Case("Write(span)", s => s.Write(data.AsSpan()));
        yield return Case("WriteByte", s => s.WriteByte(1));
        yield return Case("WriteAsync(array)", s => s.WriteAsync(data, 0, 3, CancellationToken.None).GetAwaiter().GetResult());
        yield return Case("WriteAsync(memory)", s => s.WriteAsync(data.AsMemory()).AsTask().GetAwaiter().GetResult());
        yield return Case("BeginWrite/EndWrite", s => s.EndWrite(s.BeginWrite(data, 0, 3, null, null)));
        yield return Case("WriteAt", s => s.WriteAt(0, data));
        yield return Case("WriteAt(empty)", s => s.WriteAt(0, ReadOnlySpan<byte>.Empty));
        yield return Case("Stream.WriteAt", s => StreamExtensions.WriteAt(s, 0, data));
        yield return Case("WriteAt past the end", s => s.WriteAt(FileLength, data));
        yield return Case("SetLength(shorter)", s => s.SetLength(1));
        yield return Case("SetLength(longer)", s => s.SetLength(FileLength * 2));
        yield return Case("Resize()", s => s.Resize());
        yield return Case("Resize(n)", s => s.Resize(8));
    }

    public static IEnumerable<TestCaseData> CallsAfterDispose()
    {
        byte[] buffer = new byte[8];
        yield return Case("Read(array)", s => s.Read(buffer, 0, 8));
        yield return Case("Read(span)", s => s.Read(buffer.AsSpan()));
        yield return Case("ReadByte", s => s.ReadByte());
        yield return Case("ReadAsync(array)", s => s.ReadAsync(buffer, 0, 8, CancellationToken.None).GetAwaiter().GetResult());
        yield return Case("ReadAsync(memory)", s => s.ReadAsync(buffer.AsMemory()).AsTask().GetAwaiter().GetResult());
        yield return Case("BeginRead/EndRead", s => s.EndRead(s.BeginRead(buffer, 0, 8, null, null)));
        yield return Case("Write(array)", s => s.Write(buffer, 0, 8));
        yield return Case("Write(span)", s => s.Write(buffer.AsSpan()));
        yield return Case("WriteByte", s => s.WriteByte(1));
        yield return Case("WriteAsync(array)", s => s.WriteAsync(buffer, 0, 8, CancellationToken.None).GetAwaiter().GetResult());
        yield return Case("WriteAsync(memory)", s => s.WriteAsync(buffer.AsMemory()).AsTask().GetAwaiter().GetResult());
        yield return Case("BeginWrite/EndWrite", s => s.EndWrite(s.BeginWrite(buffer, 0, 8, null, null)));
        yield return Case("ReadAt(span)", s => s.ReadAt(0, buffer.AsSpan()));
        yield return Case("ReadAt(length)", s => s.ReadAt(0, 8));
        yield return Case("WriteAt", s => s.WriteAt(0, buffer));
        yield return Case("WriteAt past the end", s => s.WriteAt(FileLength, buffer));
        yield return Case("Stream.ReadAt(span)", s => StreamExtensions.ReadAt(s, 0, buffer.AsSpan()));
        yield return Case("Stream.ReadAt(length)", s => StreamExtensions.ReadAt(s, 0, 8));
        yield return Case("Stream.WriteAt", s => StreamExtensions.WriteAt(s, 0, buffer));
        yield return Case("ReadDirect", s => s.ReadDirect(0, 8));
        yield return Case("ReadSequence", s => s.ReadSequence(0, 8));
        yield return Case("ReadLine", s => s.ReadLine());
        yield return Case("Seek", s => s.Seek(0, SeekOrigin.Begin));
        yield return Case("Position get", s => s.Position);
        yield return Case("Position set", s => s.Position = 1);
        yield return Case("Length", s => s.Length);
        yield return Case("Capacity", s => s.Capacity);
        yield return Case("SetLength", s => s.SetLength(1));
        yield return Case("Resize()", s => s.Resize());
        yield return Case("Resize(n)", s => s.Resize(8));
        yield return Case("Flush()", s => s.Flush());
        yield return Case("Flush(true)", s => s.Flush(true));
        yield return Case("Flush(range)", s => s.Flush(0, 8, false));
        yield return Case("FlushAsync", s => s.FlushAsync().GetAwaiter().GetResult());
        yield return Case("CopyTo", s => s.CopyTo(new MemoryStream()));
        yield return Case("CopyToAsync", s => s.CopyToAsync(new MemoryStream()).GetAwaiter().GetResult());
        yield return Case("AtomicRead", s => s.AtomicRead(0));
        yield return Case("AtomicAdd", s => s.AtomicAdd(0, 1));
    }

    /// <summary>
    /// A disposed stream and a negative argument at once: the positional copies and the atomics report as
    /// <see cref="RandomAccess"/> does (the handle, then the offset); the views, the ranged flush and the <c>Stream</c>
    /// members as <see cref="FileStream"/>'s own members do (the arguments first).
    /// </summary>
    public static IEnumerable<TestCaseData> DisposedWithANegativeArgument()
    {
        byte[] buffer = new byte[8];
        Type disposed = typeof(ObjectDisposedException);
        Type argument = typeof(ArgumentOutOfRangeException);
        yield return Order("ReadAt(-1, span)", disposed, s => s.ReadAt(-1, buffer.AsSpan()));
        yield return Order("ReadExactlyAt(-1, span)", disposed, s => s.ReadExactlyAt(-1, buffer.AsSpan()));
        yield return Order("WriteAt(-1, data)", disposed, s => s.WriteAt(-1, buffer));
        yield return Order("ReadAtAsync(-1, memory)", disposed, s => s.ReadAtAsync(-1, buffer.AsMemory()).AsTask());
        yield return Order("WriteAtAsync(-1, memory)", disposed, s => s.WriteAtAsync(-1, buffer.AsMemory()).AsTask());
        yield return Order("AtomicRead(-1)", disposed, s => s.AtomicRead(-1));
        yield return Order("AtomicAdd(-1, 1)", disposed, s => s.AtomicAdd(-1, 1));
        yield return Order("ReadAt(-1, length)", argument, s => s.ReadAt(-1, 4));
        yield return Order("ReadDirect(-1, 1)", argument, s => s.ReadDirect(-1, 1));
        yield return Order("ReadSequence(-1, 1)", argument, s => s.ReadSequence(-1, 1));
        yield return Order("Flush(-1, 1, false)", argument, s => s.Flush(-1, 1, false));
        yield return Order("SetLength(-1)", argument, s => s.SetLength(-1));
        yield return Order("Position = -1", argument, s => s.Position = -1);
        yield return Order("Read(buffer, -1, 1)", argument, s => s.Read(buffer, -1, 1));
    }

    [TestCaseSource(nameof(DisposedWithANegativeArgument))]
    public void Member_DisposedAndGivenANegativeArgument_ReportsWhatTheBclTypeItMirrorsReportsFirst(Type expected, Action<MappedFileStream> call)
    {
        var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        stream.Dispose();

        Exception thrown = Should.Throw<Exception>(() => call(stream));

        thrown.GetType().ShouldBe(expected);
    }

    [Test]
    public void Bcl_DisposedAndGivenANegativeArgument_RandomAccessReportsTheHandleAndFileStreamTheArgument()
    {
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        handle.Dispose();
        var file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite);
        file.Dispose();

        Should.Throw<ObjectDisposedException>(() => RandomAccess.Read(handle, new byte[8], -1));
        Should.Throw<ObjectDisposedException>(() => RandomAccess.Write(handle, new byte[8], -1));
        Should.Throw<ArgumentOutOfRangeException>(() => file.SetLength(-1));
        Should.Throw<ArgumentOutOfRangeException>(() => file.Position = -1);
        Should.Throw<ArgumentOutOfRangeException>(() => file.Read(new byte[8], -1, 1));
    }

    [TestCaseSource(nameof(NegativeArguments))]
    public void Member_NegativeArgument_ThrowsArgumentOutOfRangeAndLeavesTheFile(Action<MappedFileStream> call)
    {
        var before = FileSnapshot.Take(_path);
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.Position = 3;

            ThrowsFromCallOrTask<ArgumentOutOfRangeException>(() => call(stream));

            stream.Position.ShouldBe(3);
            stream.Length.ShouldBe(FileLength);
        }

        before.ShouldBeUnchanged();
    }

    [TestCaseSource(nameof(WritesOnReadOnly))]
    public void Member_WriteOnReadOnlyStream_ThrowsNotSupportedAndLeavesTheFile(Action<MappedFileStream> call)
    {
        var before = FileSnapshot.Take(_path);
        using (var stream = MappedFileStream.Open(_path))
        {
            ThrowsFromCallOrTask<NotSupportedException>(() => call(stream));

            stream.Position.ShouldBe(0);
            stream.Length.ShouldBe(FileLength);
        }

        before.ShouldBeUnchanged();
    }

    [TestCaseSource(nameof(CallsAfterDispose))]
    public void Member_AfterDispose_ThrowsObjectDisposedAndLeavesTheFile(Action<MappedFileStream> call)
    {
        var before = FileSnapshot.Take(_path);
        var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        stream.Dispose();

        ThrowsFromCallOrTask<ObjectDisposedException>(() => call(stream));

        before.ShouldBeUnchanged();
    }

    [Test]
    public void Members_NullOrEmptyArguments_ThrowArgumentExceptions()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        var before = FileSnapshot.Take(_path);

        Should.Throw<ArgumentNullException>(() => MappedFileStream.Open(null!));
        Should.Throw<ArgumentException>(() => MappedFileStream.Open(string.Empty));
        Should.Throw<ArgumentNullException>(() => MappedFileStream.Open(null!, 0, 0));
        Should.Throw<ArgumentNullException>(() => stream.Read(null!, 0, 1));
        Should.Throw<ArgumentNullException>(() => stream.Write(null!, 0, 1));
        Should.Throw<ArgumentException>(() => stream.Read(new byte[4], 2, 4));
        Should.Throw<ArgumentException>(() => stream.Write(new byte[4], 2, 4));
        Should.Throw<ArgumentNullException>(() => stream.CopyTo(null!));
        Should.Throw<ArgumentException>(() => stream.Seek(0, (SeekOrigin)7));
        Should.Throw<ArgumentNullException>(() => StreamExtensions.ReadAt(null!, 0, new byte[1].AsSpan()));
        Should.Throw<ArgumentNullException>(() => StreamExtensions.WriteAt(null!, 0, new byte[1]));
        Should.Throw<ArgumentNullException>(() => StreamExtensions.ReadAt(null!, 0, 1));

        stream.Position.ShouldBe(0);
        before.ShouldBeUnchanged();
    }

    [Test]
    public void Members_HugePositions_ThrowOrReturnNothingWithoutTouchingTheFile()
    {
        var before = FileSnapshot.Take(_path);
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.ReadAt(long.MaxValue, new byte[8]).ShouldBe(0);
            using (var view = stream.ReadDirect(long.MaxValue, 8))
            {
                view.Memory.Length.ShouldBe(0);
            }

            Should.Throw<ArgumentOutOfRangeException>(() => stream.WriteAt(long.MaxValue - 2, new byte[8]));
            Should.Throw<ArgumentOutOfRangeException>(() => stream.SetLength(long.MaxValue)); // EFBIG, reported as FileStream reports it
            Should.Throw<ArgumentOutOfRangeException>(() => stream.Resize(long.MaxValue)).ParamName.ShouldBe("newSize");
            stream.Position = long.MaxValue;
            stream.Read(new byte[8]).ShouldBe(0);
            Should.Throw<IOException>(() => stream.Seek(1, SeekOrigin.Current));
            stream.Length.ShouldBe(FileLength);
        }

        before.ShouldBeUnchanged();
    }

    [Test]
    public void CopyTo_ReadOnlyDestination_ThrowsNotSupported()
    {
        using var stream = MappedFileStream.Open(_path);
        using var destination = new MemoryStream(new byte[100], writable: false);

        Should.Throw<NotSupportedException>(() => stream.CopyTo(destination));
    }

    [Test]
    public void Open_ContradictoryOrInvalidOptions_ThrowArgumentExceptionBeforeTouchingAnything()
    {
        string missing = _directory.File("missing.bin");
        var existing = FileSnapshot.Take(_path);
        var none = FileSnapshot.Take(missing);
        MapOptions[] invalid =
        [
            new() { Access = FileAccess.Read, Mode = FileMode.CreateNew, Size = 8 },
            new() { Access = FileAccess.Read, Mode = FileMode.Create, Size = 8 },
            new() { Access = FileAccess.Read, Mode = FileMode.Truncate, Size = 8 },
            new() { Access = FileAccess.Read, Mode = FileMode.Append, Size = 8 },
            new() { Access = FileAccess.ReadWrite, Mode = FileMode.Append, Size = 8 },
            new() { Access = FileAccess.ReadWrite, Mode = FileMode.OpenOrCreate, Size = -1 },
            new() { Access = FileAccess.ReadWrite, Mode = FileMode.OpenOrCreate, Size = 8, MaxIncrementSize = 0 },
            new() { Access = FileAccess.ReadWrite, Mode = FileMode.OpenOrCreate, Size = 8, MaxIncrementSize = -5 },
            new() { Access = FileAccess.ReadWrite, Mode = (FileMode)99, Size = 8 },
            new() { Access = (FileAccess)99, Mode = FileMode.OpenOrCreate, Size = 8 },
            new() { Access = FileAccess.ReadWrite, Mode = FileMode.OpenOrCreate, Size = 8, Sharing = (MapSharing)5 },
        ];

        foreach (MapOptions options in invalid)
        {
            Should.Throw<ArgumentException>(() => MappedFileStream.Open(missing, options).Dispose());
            Should.Throw<ArgumentException>(() => MappedFileStream.Open(missing, 0, 0, options).Dispose());
        }

        Should.Throw<ArgumentException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Mode = FileMode.Append }));
        Should.Throw<ArgumentException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.Read, Mode = FileMode.Truncate }));
        Should.Throw<ArgumentException>(() => MappedFileStream.Open(_path, new MapOptions { MaxIncrementSize = 0 }));
        none.ShouldBeUnchanged();
        existing.ShouldBeUnchanged();
    }

    [TestCase(FileMode.Open)]
    [TestCase(FileMode.Truncate)]
    [TestCase(FileMode.Create)]
    [TestCase(FileMode.OpenOrCreate)]
    public void Open_UnixCreateModeWithBitsThatAreNotPermissions_ThrowsOutOfRangeInEveryModeAndChangesNothing(FileMode mode)
    {
        var existing = FileSnapshot.Take(_path);
        var options = new MapOptions { Access = FileAccess.ReadWrite, Mode = mode, UnixCreateMode = (UnixFileMode)0x1000 };

        Should.Throw<ArgumentOutOfRangeException>(() => MappedFileStream.Open(_path, options).Dispose()).ParamName.ShouldBe("options");
        existing.ShouldBeUnchanged();
    }

    private static TestCaseData Order(string name, Type expected, Action<MappedFileStream> call) =>
        new TestCaseData(expected, call).SetArgDisplayNames(name);

    private static TestCaseData Order(string name, Type expected, Func<MappedFileStream, object?> call) =>
        Order(name, expected, Disposing(call));

    private static TestCaseData Case(string name, Action<MappedFileStream> call) => new TestCaseData(call).SetArgDisplayNames(name);

    private static TestCaseData Case(string name, Func<MappedFileStream, object?> call) => Case(name, Disposing(call));

    /// <summary>The call, then the wait for or disposal of what it returned.</summary>
    private static Action<MappedFileStream> Disposing(Func<MappedFileStream, object?> call) => s => DisposeResult(call(s));

    private static void DisposeResult(object? result)
    {
        switch (result)
        {
            case Task task:
                task.GetAwaiter().GetResult();
                break;
            case IAsyncResult asyncResult:
                asyncResult.AsyncWaitHandle.WaitOne();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>The exception may come from the call or from the task it returned; either is a clear failure.</summary>
    private static void ThrowsFromCallOrTask<TException>(Action call)
        where TException : Exception
    {
        Exception? thrown = null;
        try
        {
            call();
        }
        catch (Exception ex)
        {
            thrown = ex is AggregateException { InnerException: { } inner } ? inner : ex;
        }

        thrown.ShouldNotBeNull($"{typeof(TException).Name} expected");
        thrown.ShouldBeOfType<TException>();
    }
}
