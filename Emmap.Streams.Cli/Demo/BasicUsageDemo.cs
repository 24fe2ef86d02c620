using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Emmap.Streams.Cli.Demo;

/// <summary>emmap's "Basic Usage": open read-only, shared, direct; read at a position; read on; seek; close.</summary>
internal static class BasicUsageDemo
{
    public static void Run(string directory)
    {
        DemoConsole.Section("Read a file through a memory mapping: MappedFileStream, a Stream whose reads are memory copies");
        string path = Path.Combine(directory, "filename");
        var text = new StringBuilder();
        for (int line = 0; text.Length < 200; line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"line {line:D2}: memory mapped\n");
        }

        File.WriteAllText(path, text.ToString());
        DemoConsole.Step($"File.WriteAllText(path, ...)  ({text.Length} bytes of text)", "ok");

        using var mem = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.Read, Sharing = MapSharing.Shared, Direct = true });
        DemoConsole.Step(
            "var mem = MappedFileStream.Open(path, new MapOptions { Direct = true })",
            $"Existed={mem.Existed}, Length={mem.Length}",
            "{ok, Mem, _Info} = emmap:open(\"filename\", [read, shared, direct])");
        DemoConsole.Note("the defaults open an existing file read-only and shared; Direct makes ReadAt(position, length) return views");

        using (var binary = mem.ReadAt(100, 40))
        {
            DemoConsole.Step("using var view = mem.ReadAt(100, 40);  (a view, no copy)", DemoConsole.Show(binary.Memory.Span), "{ok, Binary} = file:pread(Mem, 100, 40)");
        }

        byte[] buffer = new byte[8];
        int read = mem.Read(buffer);
        DemoConsole.Step("mem.Read(buffer)  (8-byte buffer, from Position 0)", $"{read} bytes: {DemoConsole.Show(buffer.AsSpan(0, read))}, Position={mem.Position}", "file:read(Mem, 8)");
        DemoConsole.Step("mem.ReadLine()  (the rest of the line)", DemoConsole.Show(mem.ReadLine()), "file:read_line(Mem)");
        DemoConsole.Step("mem.Seek(0, SeekOrigin.End)", mem.Seek(0, SeekOrigin.End).ToString(CultureInfo.InvariantCulture), "file:position(Mem, eof)");
        DemoConsole.Step("mem.Read(buffer)  (at the end)", $"{mem.Read(buffer)} bytes: the end of the file", "file:read(Mem, 8) returns eof");

        try
        {
            mem.WriteAt(0, "x"u8);
        }
        catch (NotSupportedException)
        {
            DemoConsole.Step("mem.WriteAt(0, \"x\"u8)  (on a read-only stream)", "NotSupportedException", "file:pwrite(Mem, 0, <<\"x\">>) returns {error, eacces}");
        }

        mem.Dispose();
        DemoConsole.Step("mem.Dispose()", "ok", "ok = file:close(Mem)");
    }
}
