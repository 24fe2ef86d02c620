using System;
using System.IO;
using System.Text;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Commands (one per process), printing results on stdout:
/// <list type="bullet">
/// <item><c>write PATH POSITION TEXT [shared|private]</c>: maps PATH read-write, writes TEXT, prints "written", waits for a line on stdin.</item>
/// <item><c>read PATH POSITION COUNT</c>: maps PATH read-only, prints the bytes at POSITION as text.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            return args[0] switch
            {
                "write" => Write(args[1], long.Parse(args[2]), args[3], args.Length > 4 ? args[4] : "shared"),
                "read" => Read(args[1], long.Parse(args[2]), int.Parse(args[3])),
                _ => Fail($"unknown command {args[0]}"),
            };
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex);
            return 2;
        }
    }

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

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
