using System;
using System.IO;

namespace Emmap.Streams.Cli.Demo;

/// <summary>The README's shared-memory scenarios: direct (mutable views), shared (visible everywhere), private (invisible).</summary>
internal static class SharedMemoryDemo
{
    /// <summary>"Shared memory and using mutable binaries": a view bound once shows each later write.</summary>
    public static void RunDirect(string directory)
    {
        DemoConsole.Section("Shared memory with direct views: [create, direct, read, write, shared, nolock]");
        string path = Path.Combine(directory, "direct.bin");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 8, Direct = true };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        DemoConsole.Step("shell1 and shell2 open the same 8-byte file", $"Length={shell1.Length}, {shell2.Length}");

        shell1.WriteAt(0, "test1"u8);
        DemoConsole.Step("shell1> pwrite(MM, 0, <<\"test1\">>)", "ok");
        using var bin = shell2.ReadAt(0, 5);
        DemoConsole.Step("shell2> {ok, Bin} = pread(MM, 0, 5)", DemoConsole.Show(bin.Memory.Span));

        shell1.WriteAt(0, "test2"u8);
        DemoConsole.Step("shell1> pwrite(MM, 0, <<\"test2\">>)", "ok");
        DemoConsole.Step("shell2> Bin.", DemoConsole.Show(bin.Memory.Span));

        shell1.WriteAt(0, "test3"u8);
        DemoConsole.Step("shell1> pwrite(MM, 0, <<\"test3\">>)", "ok");
        DemoConsole.Step("shell2> Bin.", DemoConsole.Show(bin.Memory.Span));

        shell1.Dispose();
        shell2.Dispose();
        DemoConsole.Step("both streams disposed; the view is still alive", DemoConsole.Show(bin.Memory.Span));
        DemoConsole.Note("the view pins the mapping: it stays valid until it is disposed, then the mapping goes");
    }

    /// <summary>"Shared memory without using mutable binaries": copies, but every writer is visible everywhere.</summary>
    public static void RunShared(string directory)
    {
        DemoConsole.Section("Shared memory without direct views: [shared, create, read, write] (+ auto_unlink)");
        string path = Path.Combine(directory, "q.bin");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        shell1.WriteAt(0, "abcdefg\n"u8);
        DemoConsole.Step("eshell#1> emmap:pwrite(F, 0, <<\"abcdefg\\n\">>)", "ok");

        byte[] copy = new byte[8];
        shell2.ReadAt(0, copy);
        DemoConsole.Step("eshell#2> emmap:pread(F, 0, 8)", DemoConsole.Show(copy));
        DemoConsole.Step("another OS process maps the file and reads 8 bytes", ChildProcess.Run("read", path, "0", "8"));
        DemoConsole.Step("$ head -1 q.bin  (a plain file read)", DemoConsole.Show(ReadFilePrefix(path, 8)));

        shell1.Dispose();
        shell2.Dispose();
        DemoConsole.Step("both disposed (AutoUnlink)", File.Exists(path) ? "file still there" : "file deleted");
    }

    /// <summary>The same without <c>shared</c>: private mappings see nothing of each other and the file sees nothing.</summary>
    public static void RunPrivate(string directory)
    {
        DemoConsole.Section("Without the shared option: MapSharing.Private (copy-on-write)");
        string path = Path.Combine(directory, "q.bin");
        var options = new MapOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true, Sharing = MapSharing.Private,
        };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        shell1.WriteAt(0, "1234567\n"u8);
        DemoConsole.Step("eshell#1> emmap:pwrite(F, 0, <<\"1234567\\n\">>)", "ok");

        byte[] copy = new byte[8];
        shell2.ReadAt(0, copy);
        DemoConsole.Step("eshell#2> emmap:pread(F, 0, 8)", DemoConsole.Show(copy));
        DemoConsole.Step("$ head -1 q.bin  (a plain file read)", DemoConsole.Show(ReadFilePrefix(path, 8)));
        DemoConsole.Note("private writes reach neither the file nor any other mapping");
    }

    private static byte[] ReadFilePrefix(string path, int count)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] buffer = new byte[count];
        int read = file.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer.AsSpan(0, read).ToArray();
    }
}
