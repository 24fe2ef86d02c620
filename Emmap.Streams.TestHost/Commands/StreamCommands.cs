using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Emmap.Streams.TestHost;

/// <summary>
/// <list type="bullet">
/// <item><c>stream-write PATH POSITION TEXT [shared|private]</c>: maps PATH read-write, writes TEXT, prints "written",
/// then waits for a line on stdin before disposing (so the parent can look while the mapping is live).</item>
/// <item><c>stream-read PATH POSITION COUNT</c>: maps PATH read-only and prints the bytes at POSITION as UTF-8 text.</item>
/// </list>
/// </summary>
internal static class StreamCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        "stream-write" => Write(args[1], Parse(args[2]), args[3], args.Length > 4 ? args[4] : "shared"),
        "stream-read" => Read(args[1], Parse(args[2]), (int)Parse(args[3])),
        _ => null,
    };

    private static long Parse(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static int Write(string path, long position, string text, string sharing)
    {
        var options = new MapOptions
        {
            Access = FileAccess.ReadWrite,
            Sharing = sharing == "private" ? MapSharing.Private : MapSharing.Shared,
        };
        using var stream = MappedFileStream.Open(path, options);
        stream.WriteAt(position, Encoding.UTF8.GetBytes(text));
        Console.WriteLine("written");
        Console.Out.Flush();
        _ = Console.ReadLine();
        return 0;
    }

    private static int Read(string path, long position, int count)
    {
        using var stream = MappedFileStream.Open(path);
        byte[] buffer = new byte[count];
        int read = stream.ReadAt(position, buffer);
        Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, read));
        return 0;
    }
}
