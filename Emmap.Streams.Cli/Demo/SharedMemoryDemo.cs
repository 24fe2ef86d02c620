using System;
using System.IO;

namespace Emmap.Streams.Cli.Demo;

/// <summary>emmap's shared-memory scenarios: direct views that see later writes, shared mappings seen everywhere, private ones seen nowhere.</summary>
internal static class SharedMemoryDemo
{
    /// <summary>"Shared memory and using mutable binaries": a view taken once shows each later write.</summary>
    public static void RunDirect(string directory)
    {
        DemoConsole.Section("Views that see every later write: ReadAt on a stream opened with Direct = true");
        string path = Path.Combine(directory, "direct.bin");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 8, Direct = true };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        DemoConsole.Step(
            "shell1 and shell2 = MappedFileStream.Open(path, options)",
            $"two streams on one 8-byte file: Length={shell1.Length}, {shell2.Length}",
            "{ok, MM, _Info} = emmap:open(\"/tmp/mem.data\", 0, 8, [create, direct, read, write, shared, nolock])  (in two shells)");

        shell1.WriteAt(0, "test1"u8);
        DemoConsole.Step("shell1.WriteAt(0, \"test1\"u8)", "ok", "shell1> emmap:pwrite(MM, 0, <<\"test1\">>)");
        using var bin = shell2.ReadAt(0, 5);
        DemoConsole.Step("using var bin = shell2.ReadAt(0, 5);  then read bin.Memory", DemoConsole.Show(bin.Memory.Span), "shell2> {ok, Bin} = emmap:pread(MM, 0, 5)");

        shell1.WriteAt(0, "test2"u8);
        DemoConsole.Step("shell1.WriteAt(0, \"test2\"u8);  then read bin.Memory again", DemoConsole.Show(bin.Memory.Span), "shell1> emmap:pwrite(MM, 0, <<\"test2\">>), then shell2> Bin.");

        shell1.WriteAt(0, "test3"u8);
        DemoConsole.Step("shell1.WriteAt(0, \"test3\"u8);  then read bin.Memory again", DemoConsole.Show(bin.Memory.Span), "shell1> emmap:pwrite(MM, 0, <<\"test3\">>), then shell2> Bin.");

        shell1.Dispose();
        shell2.Dispose();
        DemoConsole.Step("shell1.Dispose(); shell2.Dispose();  then read bin.Memory", DemoConsole.Show(bin.Memory.Span));
        DemoConsole.Note("the view pins the mapping: it stays valid until it is disposed, then the mapping goes");
    }

    /// <summary>Shared mappings: copies, but every writer is visible to every handle, every process and plain file reads.</summary>
    public static void RunShared(string directory)
    {
        DemoConsole.Section("Shared writes are seen by a second stream, another process and a plain file read (MapSharing.Shared)");
        string path = Path.Combine(directory, "q.bin");
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        DemoConsole.Step(
            "shell1 and shell2 = MappedFileStream.Open(path, options)",
            "two streams on one 128-byte file, deleted when both are disposed",
            "{ok, F, _Info} = emmap:open(\"q.bin\", 0, 128, [create, read, write, shared, auto_unlink])");
        shell1.WriteAt(0, "abcdefg\n"u8);
        DemoConsole.Step("shell1.WriteAt(0, \"abcdefg\\n\"u8)", "ok", "emmap:pwrite(F, 0, <<\"abcdefg\\n\">>)");

        byte[] copy = new byte[8];
        shell2.ReadAt(0, copy);
        DemoConsole.Step("shell2.ReadAt(0, buffer)  (an 8-byte copy)", DemoConsole.Show(copy), "emmap:pread(F, 0, 8)");
        DemoConsole.Step("another OS process maps the file and reads 8 bytes", ChildProcess.Run("read", path, "0", "8"));
        DemoConsole.Step("new FileStream(path, ...).Read: a plain file read", DemoConsole.Show(ReadFilePrefix(path, 8)));

        shell1.Dispose();
        shell2.Dispose();
        DemoConsole.Step("shell1.Dispose(); shell2.Dispose();  (AutoUnlink)", File.Exists(path) ? "the file is still there" : "the file is deleted", "auto_unlink");
    }

    /// <summary>The same without <c>shared</c>: private mappings see nothing of each other and the file sees nothing.</summary>
    public static void RunPrivate(string directory)
    {
        DemoConsole.Section("Private writes are seen by no one else (MapSharing.Private: copy-on-write)");
        string path = Path.Combine(directory, "q.bin");
        var options = new MapOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true, Sharing = MapSharing.Private,
        };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        shell1.WriteAt(0, "1234567\n"u8);
        DemoConsole.Step("shell1.WriteAt(0, \"1234567\\n\"u8)", "ok", "emmap:pwrite(F, 0, <<\"1234567\\n\">>)  (opened without shared)");

        byte[] copy = new byte[8];
        shell2.ReadAt(0, copy);
        DemoConsole.Step("shell2.ReadAt(0, buffer)", DemoConsole.Show(copy), "emmap:pread(F, 0, 8)");
        DemoConsole.Step("new FileStream(path, ...).Read: a plain file read", DemoConsole.Show(ReadFilePrefix(path, 8)));
        DemoConsole.Note("private writes reach neither the file nor any other mapping; emmap's default is private, Emmap.Streams' is shared");
    }

    private static byte[] ReadFilePrefix(string path, int count)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] buffer = new byte[count];
        int read = file.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer.AsSpan(0, read).ToArray();
    }
}
