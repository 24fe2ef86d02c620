using System;
using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>File sizing while mapped, disk-space reservation, identity and sections of files.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed class WindowsFileTests
{
    /// <summary>A folder on a small file system (the Wine runner mounts a 1 MiB tmpfs there), for the disk-full test.</summary>
    public const string SmallDiskVariable = "EMMAP_WINE_SMALL_DISK";

    private static readonly int s_granule = (int)WindowsMemory.Granularity;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("file.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void SetLength_BelowAMappedView_FailsWithUserMappedFileUntilTheViewIsGone()
    {
        ViewMemory.CreatePatterned(_path, 2 * s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(4 * s_granule));
        try
        {
            WindowsMemory.SplitPlaceholder(address, (nuint)(2 * s_granule));
            using (SafeMemoryMappedFileHandle section = FileSections.ForFile(file, 2 * s_granule, ViewProtection.ReadWrite, _path))
            {
                WindowsMemory.MapIntoPlaceholder(section, address, (nuint)(2 * s_granule), 0, ViewProtection.ReadWrite, _path);
            }

            IOException refused = Should.Throw<IOException>(() => WindowsFile.SetLength(file, s_granule, _path));
            WindowsErrors.ErrorOf(refused.HResult).ShouldBe(WindowsConstants.ErrorUserMappedFile);

            // What a FileStream user sees: the same refusal, from another handle.
            using (var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
                IOException fromStream = Should.Throw<IOException>(() => stream.SetLength(100));
                WindowsErrors.ErrorOf(fromStream.HResult).ShouldBe(WindowsConstants.ErrorUserMappedFile);
            }

            RandomAccess.GetLength(file).ShouldBe(2 * s_granule);

            // Growing a mapped file is allowed.
            WindowsFile.SetLength(file, 3 * s_granule, _path);
            RandomAccess.GetLength(file).ShouldBe(3 * s_granule);

            WindowsMemory.UnmapToPlaceholder(address);
            WindowsFile.SetLength(file, 100, _path);
            RandomAccess.GetLength(file).ShouldBe(100);
        }
        finally
        {
            WindowsMemory.CoalescePlaceholders(address, (nuint)(4 * s_granule));
            WindowsMemory.TryReleasePlaceholder(address).ShouldBeTrue();
        }
    }

    [Test]
    public void Grow_AllocatesTheNewBytesOnDisk()
    {
        File.WriteAllBytes(_path, new byte[100]);
        using SafeFileHandle file = ViewMemory.Open(_path);

        WindowsFile.Grow(file, 100, 1 << 20, _path);

        RandomAccess.GetLength(file).ShouldBe(1 << 20);
        WindowsFile.GetAllocationSize(file, _path).ShouldBeGreaterThanOrEqualTo(1 << 20);
    }

    [Test]
    public void Grow_OnAFullDisk_ThrowsDiskFullAndKeepsTheLength()
    {
        if (Environment.GetEnvironmentVariable(SmallDiskVariable) is not { Length: > 0 } smallDisk)
        {
            Assert.Ignore($"Needs a small file system: set {SmallDiskVariable} (eng/wine/run-tests.sh does).");
            return;
        }

        string path = Path.Combine(smallDisk, $"full-{Guid.NewGuid():N}.bin");
        try
        {
            File.WriteAllBytes(path, new byte[100]);
            using SafeFileHandle file = ViewMemory.Open(path);

            IOException full = Should.Throw<IOException>(() => WindowsFile.Grow(file, 100, 64L << 20, path));

            WindowsErrors.ErrorOf(full.HResult).ShouldBeOneOf(WindowsConstants.ErrorDiskFull, WindowsConstants.ErrorHandleDiskFull);
            RandomAccess.GetLength(file).ShouldBe(100);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void GetIdentity_TwoHandlesOfOneFile_AreEqualAndAnotherFileDiffers()
    {
        File.WriteAllBytes(_path, [1]);
        string other = _directory.File("other.bin");
        File.WriteAllBytes(other, [2]);
        using SafeFileHandle first = ViewMemory.Open(_path);
        using SafeFileHandle second = ViewMemory.Open(Path.Combine(_directory.Path, ".", "file.bin"), FileAccess.Read);
        using SafeFileHandle third = ViewMemory.Open(other);

        FileIdentity identity = WindowsFile.GetIdentity(first, _path);

        WindowsFile.GetIdentity(second, _path).ShouldBe(identity);
        WindowsFile.GetIdentity(third, other).ShouldNotBe(identity);
        WindowsObjectNames.For(identity, "size").ShouldStartWith(@"Local\emmap-");
        WindowsObjectNames.For(identity, "size").ShouldNotBe(WindowsObjectNames.For(WindowsFile.GetIdentity(third, other), "size"));
    }

    [Test]
    public void ForFile_EmptyFile_CannotBeMapped()
    {
        File.WriteAllBytes(_path, []);
        using SafeFileHandle file = ViewMemory.Open(_path);

        IOException refused = Should.Throw<IOException>(() => FileSections.ForFile(file, 0, ViewProtection.ReadWrite, _path).Dispose());

        WindowsErrors.ErrorOf(refused.HResult).ShouldBe(WindowsConstants.ErrorFileInvalid);
    }

    [Test]
    public void ForFile_ReadOnlyHandleLongerThanTheFile_Fails()
    {
        File.WriteAllBytes(_path, new byte[100]);
        using SafeFileHandle file = ViewMemory.Open(_path, FileAccess.Read);

        Should.Throw<IOException>(() => FileSections.ForFile(file, s_granule, ViewProtection.CopyOnWrite, _path).Dispose());
        RandomAccess.GetLength(file).ShouldBe(100);
    }
}
