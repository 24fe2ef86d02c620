using System;
using System.IO;
using System.Text;

namespace Emmap.Streams.Cli.Demo;

/// <summary>The README's "Basic Usage": open read-only, shared, direct; pread; read; position; close.</summary>
internal static class BasicUsageDemo
{
    public static void Run(string directory)
    {
        DemoConsole.Section("Basic usage: emmap:open(\"filename\", [read, shared, direct]), file:pread/read/position/close");
        string path = Path.Combine(directory, "filename");
        var text = new StringBuilder();
        for (int line = 0; text.Length < 200; line++)
        {
            text.Append($"line {line:D2}: memory mapped\n");
        }

        File.WriteAllText(path, text.ToString());
        DemoConsole.Step($"write {text.Length} bytes of text to {Path.GetFileName(path)}", "ok");

        using var mem = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.Read, Sharing = MapSharing.Shared, Direct = true });
        DemoConsole.Step("MappedFileStream.Open(path, {Read, Shared, Direct})", $"Existed={mem.Existed}, Length={mem.Length}");

        using (var binary = mem.ReadAt(100, 40))
        {
            DemoConsole.Step("file:pread(Mem, 100, 40)  ->  mem.ReadAt(100, 40)", DemoConsole.Show(binary.Memory.Span));
        }

        byte[] buffer = new byte[8];
        int read = mem.Read(buffer);
        DemoConsole.Step("file:read(Mem, 8)  ->  mem.Read(buffer)", $"{DemoConsole.Show(buffer.AsSpan(0, read))}, Position={mem.Position}");
        DemoConsole.Step("file:read_line(Mem)  ->  mem.ReadLine()", DemoConsole.Show(mem.ReadLine()));
        DemoConsole.Step("file:position(Mem, {eof, 0})  ->  mem.Seek(0, SeekOrigin.End)", mem.Seek(0, SeekOrigin.End).ToString(System.Globalization.CultureInfo.InvariantCulture));
        DemoConsole.Step("file:read(Mem, 8) at the end  ->  mem.Read(buffer)", $"{mem.Read(buffer)} bytes (eof)");

        try
        {
            mem.WriteAt(0, "x"u8);
        }
        catch (System.NotSupportedException)
        {
            DemoConsole.Step("file:pwrite(Mem, 0, <<\"x\">>) on a read-only map", "NotSupportedException (emmap: {error, eacces})");
        }

        mem.Dispose();
        DemoConsole.Step("file:close(Mem)  ->  mem.Dispose()", "ok");
    }
}
