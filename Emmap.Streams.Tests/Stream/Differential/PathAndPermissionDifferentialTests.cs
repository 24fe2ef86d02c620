using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// Paths that are not plain files, and files the caller may not open: the same exception types as <see cref="FileStream"/>
/// for every valid mode and access, and the one intended difference (a file that may be written but not read cannot be mapped).
/// </summary>
[TestFixture]
[UnsupportedOSPlatform("windows")]
public sealed class PathAndPermissionDifferentialTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    public static IEnumerable<TestCaseData> Paths()
    {
        yield return new TestCaseData("{dir}").SetArgDisplayNames("a directory");
        yield return new TestCaseData("{dir}/").SetArgDisplayNames("a directory, trailing slash");
        yield return new TestCaseData("{dir}/missing/x.bin").SetArgDisplayNames("a missing directory");
        yield return new TestCaseData("{dir}/file.bin/x.bin").SetArgDisplayNames("a file as a directory");
        yield return new TestCaseData("{dir}/file.bin/").SetArgDisplayNames("a file with a trailing slash");
        yield return new TestCaseData("{dir}/" + new string('n', 300)).SetArgDisplayNames("a name too long");
        yield return new TestCaseData("{dir}/ ").SetArgDisplayNames("a blank name");
        yield return new TestCaseData("{dir}/link-to-missing").SetArgDisplayNames("a dangling symbolic link");
        yield return new TestCaseData("{dir}/link-loop").SetArgDisplayNames("a symbolic link loop");
    }

    [TestCaseSource(nameof(Paths))]
    public void Open_PathThatIsNotAPlainFile_ThrowsWhatFileStreamThrowsForEveryModeAndAccess(string pattern)
    {
        var mismatches = new List<string>();
        int round = 0;
        foreach ((FileMode mode, FileAccess access) in ValidModesAndAccesses())
        {
            string fileDirectory = Prepare($"file-{round}");
            string mappedDirectory = Prepare($"mapped-{round++}");
            string file = pattern.Replace("{dir}", fileDirectory, StringComparison.Ordinal);
            string mapped = pattern.Replace("{dir}", mappedDirectory, StringComparison.Ordinal);

            string expected = Outcome.Of(() => Use(new FileStream(file, mode, access, FileShare.ReadWrite))).Text;
            string actual = Outcome.Of(() => Use(new MappedFileStream(mapped, mode, access, FileShare.ReadWrite))).Text;
            if (actual != expected)
            {
                mismatches.Add($"{mode}/{access}: FileStream {expected}, here {actual}");
            }

            SharedFile.ReadAllBytes(Path.Combine(mappedDirectory, "file.bin")).ShouldBe(SharedFile.ReadAllBytes(Path.Combine(fileDirectory, "file.bin")));
            Directory.GetFileSystemEntries(mappedDirectory).Length.ShouldBe(Directory.GetFileSystemEntries(fileDirectory).Length);
        }

        mismatches.ShouldBeEmpty();
    }

    [Test]
    public void Open_FilePermissions_MatchFileStreamExceptAWriteOnlyFileWhichCannotBeMapped()
    {
        if (OrdinaryPermissions.Unavailable is { } reason)
        {
            Assert.Ignore($"File permissions cannot be enforced here: {reason}.");
        }

        var mismatches = new List<string>();
        int compared = 0;
        foreach (UnixFileMode permissions in new[] { UnixFileMode.None, UnixFileMode.UserWrite, UnixFileMode.UserRead, UnixFileMode.UserRead | UnixFileMode.UserWrite })
        {
            foreach ((FileMode mode, FileAccess access) in ValidModesAndAccesses())
            {
                string file = _directory.File($"file-{(int)permissions}-{mode}-{access}.bin");
                string mapped = _directory.File($"mapped-{(int)permissions}-{mode}-{access}.bin");
                foreach (string path in new[] { file, mapped })
                {
                    File.WriteAllBytes(path, [1, 2, 3]);
                    File.SetUnixFileMode(path, permissions);
                }

                string expected = string.Empty;
                string actual = string.Empty;
                OrdinaryPermissions.Run(() =>
                {
                    expected = Outcome.Of(() => Use(new FileStream(file, mode, access))).Text;
                    actual = Outcome.Of(() => Use(new MappedFileStream(mapped, mode, access))).Text;
                });

                compared++;
                bool writeOnlyFile = permissions == UnixFileMode.UserWrite && expected.StartsWith("Length", StringComparison.Ordinal);
                string wanted = writeOnlyFile ? "throws UnauthorizedAccessException" : expected;
                if (actual != wanted)
                {
                    mismatches.Add($"{permissions}, {mode}/{access}: FileStream {expected}, here {actual}, wanted {wanted}");
                }

                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.SetUnixFileMode(mapped, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                string expectedBytes = Convert.ToHexString(SharedFile.ReadAllBytes(file));
                string actualBytes = Convert.ToHexString(SharedFile.ReadAllBytes(mapped));
                if (!writeOnlyFile && actualBytes != expectedBytes)
                {
                    mismatches.Add($"{permissions}, {mode}/{access}: FileStream left {expectedBytes}, here {actualBytes}");
                }
            }
        }

        compared.ShouldBe(4 * 13);
        mismatches.ShouldBeEmpty();
    }

    [Test]
    public void Open_WriteOnlyPermissionWithWriteAccess_ThrowsUnauthorizedAccessSayingTheMappingNeedsReadAndLeavesTheFile()
    {
        if (OrdinaryPermissions.Unavailable is { } reason)
        {
            Assert.Ignore($"File permissions cannot be enforced here: {reason}.");
        }

        string path = _directory.File("write-only.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserWrite);

        UnauthorizedAccessException? refused = null;
        OrdinaryPermissions.Run(() =>
        {
            using (new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
                // FileStream itself may open it: only the mapping needs to read.
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllBytes(path, [1, 2, 3]);
            File.SetUnixFileMode(path, UnixFileMode.UserWrite);
            refused = Should.Throw<UnauthorizedAccessException>(() => new MappedFileStream(path, FileMode.Create, FileAccess.Write));
        });

        refused!.Message.ShouldContain("read");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SharedFile.ReadAllBytes(path).ShouldBe(new byte[] { 1, 2, 3 }, "a refused Create truncates nothing");
    }

    [TestCase(FileMode.Open)]
    [TestCase(FileMode.OpenOrCreate)]
    [TestCase(FileMode.Create)]
    public void Open_WriteOnlyPermissionWithDeleteOnClose_ThrowsUnauthorizedAccessAndLeavesTheFile(FileMode mode)
    {
        if (OrdinaryPermissions.Unavailable is { } reason)
        {
            Assert.Ignore($"File permissions cannot be enforced here: {reason}.");
        }

        string path = _directory.File("write-only-delete-on-close.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserWrite);

        OrdinaryPermissions.Run(() =>
        {
            // A FileStream opens it, and deletes it only when it is closed; a refused open never had the file to close.
            Should.Throw<UnauthorizedAccessException>(
                () => new MappedFileStream(path, mode, FileAccess.Write, FileShare.ReadWrite, 4096, FileOptions.DeleteOnClose));
        });

        File.Exists(path).ShouldBeTrue("a refused open deletes nothing");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SharedFile.ReadAllBytes(path).ShouldBe(new byte[] { 1, 2, 3 }, "a refused open changes nothing");
    }

    [Test]
    public void Open_DirectoryWithoutWritePermission_CreatingThrowsUnauthorizedAccessAsFileStream()
    {
        if (OrdinaryPermissions.Unavailable is { } reason)
        {
            Assert.Ignore($"File permissions cannot be enforced here: {reason}.");
        }

        string locked = _directory.File("locked");
        Directory.CreateDirectory(locked);
        File.WriteAllBytes(Path.Combine(locked, "existing.bin"), [7]);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var mismatches = new List<string>();
        try
        {
            OrdinaryPermissions.Run(() =>
            {
                foreach (string name in new[] { "new.bin", "existing.bin" })
                {
                    foreach ((FileMode mode, FileAccess access) in ValidModesAndAccesses())
                    {
                        string path = Path.Combine(locked, name);
                        string expected = Outcome.Of(() => Use(new FileStream(path, mode, access, FileShare.ReadWrite))).Text;
                        Restore(path);
                        string actual = Outcome.Of(() => Use(new MappedFileStream(path, mode, access, FileShare.ReadWrite))).Text;
                        Restore(path);
                        if (actual != expected)
                        {
                            mismatches.Add($"{name} {mode}/{access}: FileStream {expected}, here {actual}");
                        }
                    }
                }
            });
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        mismatches.ShouldBeEmpty();
    }

    [Test]
    public void Open_NamedPipe_ThrowsNotSupportedWhereFileStreamOpensIt()
    {
        string fifo = _directory.File("fifo");
        Run("mkfifo", fifo).ShouldBeTrue();

        // Read-write, so that opening one end of the pipe does not wait for the other.
        using (var file = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite))
        {
            file.CanSeek.ShouldBeFalse();
        }

        Should.Throw<NotSupportedException>(() => new MappedFileStream(fifo, FileMode.Open, FileAccess.ReadWrite)).Message.ShouldContain("regular file");
    }

    [Test]
    public void Open_CreateNewWhereAPipeASocketOrADeviceIs_ThrowsAlreadyExistsAsFileStream()
    {
        using System.Net.Sockets.Socket socket = MakePipeAndSocket(out string fifo, out string socketPath);

        foreach (string path in new[] { fifo, socketPath, "/dev/null" })
        {
            foreach (FileAccess access in new[] { FileAccess.ReadWrite, FileAccess.Write })
            {
                string expected = Outcome.Of(() => Use(new FileStream(path, FileMode.CreateNew, access))).Text;
                expected.ShouldBe("throws " + nameof(IOException), customMessage: path);
                Outcome.Of(() => Use(new MappedFileStream(path, FileMode.CreateNew, access))).Text.ShouldBe(expected, customMessage: $"{path} {access}");
            }

            var options = new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite };
            Outcome.Of(() => Use(MappedFileStream.Open(path, options))).Text.ShouldBe("throws " + nameof(IOException), customMessage: path);
        }

        File.Exists("/dev/null").ShouldBeTrue();
    }

    [Test]
    public void Open_NonRegularFilesReadOnly_ThrowAtOnceWithoutBlocking()
    {
        using System.Net.Sockets.Socket socket = MakePipeAndSocket(out string fifo, out string socketPath);
        string link = _directory.File("link-to-fifo");
        File.CreateSymbolicLink(link, fifo);

        // A read-only open of a FIFO blocks until a writer comes: the check must come before any open.
        foreach (string path in new[] { fifo, link, socketPath, "/dev/zero", "/dev/null" })
        {
            var open = System.Threading.Tasks.Task.Run(() => Outcome.Of(() => Use(MappedFileStream.Open(path))).Text);
            open.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue($"opening {path} must not block");
            open.Result.ShouldBe("throws " + nameof(NotSupportedException), customMessage: path);
        }
    }

    /// <summary>Makes a FIFO and a Unix socket in the test's directory; the socket's file is bound while the returned socket is open.</summary>
    private System.Net.Sockets.Socket MakePipeAndSocket(out string fifo, out string socketPath)
    {
        fifo = _directory.File("fifo");
        Run("mkfifo", fifo).ShouldBeTrue();
        socketPath = _directory.File("socket");
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [Test]
    public void Open_DanglingSymbolicLink_BehavesAsFileStreamForEveryModeAndNeverSpins()
    {
        var mismatches = new List<string>();
        foreach ((FileMode mode, FileAccess access) in ValidModesAndAccesses())
        {
            string file = _directory.File($"target-file-{mode}-{access}");
            string mapped = _directory.File($"target-mapped-{mode}-{access}");
            string fileLink = _directory.File($"link-file-{mode}-{access}");
            string mappedLink = _directory.File($"link-mapped-{mode}-{access}");
            File.CreateSymbolicLink(fileLink, file);
            File.CreateSymbolicLink(mappedLink, mapped);

            string expected = Outcome.Of(() => Use(new FileStream(fileLink, mode, access))).Text;
            var open = System.Threading.Tasks.Task.Run(() => Outcome.Of(() => Use(new MappedFileStream(mappedLink, mode, access))).Text);
            open.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue($"{mode}/{access} must not spin");
            if (open.Result != expected || File.Exists(file) != File.Exists(mapped))
            {
                mismatches.Add($"{mode}/{access}: FileStream {expected} (target made: {File.Exists(file)}), here {open.Result} (target made: {File.Exists(mapped)})");
            }
        }

        mismatches.ShouldBeEmpty();
    }

    [Test]
    public void Open_OnAReadOnlyFileSystem_ThrowsWhatFileStreamThrowsForEveryModeAndAccess()
    {
        string mount = _directory.File("ro");
        Directory.CreateDirectory(mount);
        if (!Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount))
        {
            Assert.Ignore("Mounting a file system needs root with CAP_SYS_ADMIN.");
        }

        var mismatches = new List<string>();
        try
        {
            File.WriteAllBytes(Path.Combine(mount, "file.bin"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(mount, "mapped.bin"), [1, 2, 3]);
            Run("mount", "-o", "remount,ro", mount).ShouldBeTrue();
            foreach (bool exists in new[] { true, false })
            {
                foreach ((FileMode mode, FileAccess access) in ValidModesAndAccesses())
                {
                    string file = Path.Combine(mount, exists ? "file.bin" : "missing-file.bin");
                    string mapped = Path.Combine(mount, exists ? "mapped.bin" : "missing-mapped.bin");
                    string expected = Outcome.Of(() => Use(new FileStream(file, mode, access))).Text;
                    string actual = Outcome.Of(() => Use(new MappedFileStream(mapped, mode, access))).Text;
                    if (actual != expected)
                    {
                        mismatches.Add($"{(exists ? "existing" : "missing")} {mode}/{access}: FileStream {expected}, here {actual}");
                    }
                }
            }
        }
        finally
        {
            Run("umount", mount).ShouldBeTrue();
        }

        mismatches.ShouldBeEmpty();
    }

    /// <summary>The mode and access pairs <see cref="FileStream"/> accepts (13 of 18).</summary>
    private static IEnumerable<(FileMode Mode, FileAccess Access)> ValidModesAndAccesses()
    {
        foreach (FileMode mode in Enum.GetValues<FileMode>())
        {
            foreach (FileAccess access in Enum.GetValues<FileAccess>())
            {
                bool writes = (access & FileAccess.Write) != 0;
                bool reads = (access & FileAccess.Read) != 0;
                if ((mode is FileMode.CreateNew or FileMode.Create or FileMode.Truncate or FileMode.Append && !writes) || (mode == FileMode.Append && reads))
                {
                    continue;
                }

                yield return (mode, access);
            }
        }
    }

    /// <summary>Describes a freshly opened stream and what a first write does; disposes it.</summary>
    private static string Use(Stream stream)
    {
        using (stream)
        {
            string text = $"Length={stream.Length} CanRead={stream.CanRead} CanWrite={stream.CanWrite}";
            if (stream.CanWrite)
            {
                stream.WriteByte(9);
                text += $" then Length={stream.Length}";
            }

            return text;
        }
    }

    /// <summary>A directory holding a file, a dangling symbolic link and a symbolic link loop.</summary>
    private string Prepare(string name)
    {
        string directory = _directory.File(name);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "file.bin"), [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(directory, "link-to-missing"), Path.Combine(directory, "nowhere", "target"));
        File.CreateSymbolicLink(Path.Combine(directory, "link-loop"), Path.Combine(directory, "link-loop"));
        return directory;
    }

    /// <summary>Undoes what an open may have done to a file in the locked directory (a truncation).</summary>
    private static void Restore(string path)
    {
        if (File.Exists(path))
        {
            File.WriteAllBytes(path, [7]);
        }
    }

    private static bool Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
