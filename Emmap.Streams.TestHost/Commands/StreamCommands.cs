using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Emmap.Streams.Testing;

namespace Emmap.Streams.TestHost;

/// <summary>
/// <list type="bullet">
/// <item><c>stream-write PATH POSITION TEXT [shared|private]</c>: maps PATH read-write, writes TEXT, prints "written",
/// then waits for a line on stdin before disposing (so the parent can look while the mapping is live).</item>
/// <item><c>stream-read PATH POSITION COUNT</c>: maps PATH read-only and prints the bytes at POSITION as UTF-8 text.</item>
/// <item><c>stream-session PATH [shared|private|readonly|fixed]</c>: maps PATH (read-write unless <c>readonly</c>; shared with
/// <c>MapOptions.FixedSize</c> for <c>fixed</c>), prints "ready", then answers one line per command read from stdin, all on
/// the same live mapping, until stdin closes: <c>read POSITION COUNT</c> (a copy), <c>write POSITION TEXT</c> ("ok", or
/// "error" and the type of the <c>IOException</c> it threw), <c>add POSITION VALUE</c> (an atomic addition: the value before,
/// or "error" and the type of the <c>ArgumentOutOfRangeException</c> it threw), <c>append TEXT</c> (prints the position),
/// <c>setlength N</c>, <c>flush</c>, <c>view POSITION COUNT</c> (takes a direct view and keeps it), <c>show</c> (the view's
/// bytes now), <c>length</c>, <c>close</c> (disposes the view and the stream, prints "closed"), and <c>crash POINT</c>, which
/// makes the process kill itself with SIGKILL the next time it reaches crash point POINT (see CrashPoints), and
/// <c>pause POINT</c>, which makes the command that next reaches POINT print "paused" there and wait for a line on stdin
/// before it goes on (holding whatever it holds at that point). Bytes are printed as Latin-1 text with NUL as '.'.</item>
/// <item><c>stream-full-disk-view PATH FILLER</c>: on a small file system, takes a view over the upper two thirds of a new file,
/// shrinks the file under the view, fills the file system up (FILLER), then writes through the whole view and tries to
/// grow the file back; prints one line per step. A fault would end the process with SIGBUS instead.</item>
/// <item><c>stream-append PATH ID COUNT SIZE [--crash POINT K | --pause POINT K]</c>: opens or creates PATH read-write, prints
/// "ready", waits for a line on stdin, then appends COUNT records of SIZE bytes with <see cref="MappedFileStream.Append"/>:
/// each record is ID and its sequence number (little-endian 32-bit each) followed by the byte ID repeated; prints "done".
/// With <c>--crash</c> it kills itself with SIGKILL at the K-th visit of POINT; with <c>--pause</c> it prints "paused" there
/// and waits to be killed.</item>
/// <item><c>stream-read-no-descriptors PATH COUNT SIZE</c>: opens PATH read-only twice, as a <see cref="MappedFileStream"/> and as a
/// <see cref="FileStream"/>, takes every file descriptor the process has left (Linux), then reads COUNT ranges of SIZE bytes
/// spread over the file from both; prints "same N" when all N reads agree, otherwise the first that differs or fails (after a
/// line for the same reads of a copy of PATH, made first with descriptors to spare).</item>
/// <item><c>stream-write-small-files PATH LIMIT</c>: lets the process make no file larger than LIMIT bytes (Linux), maps PATH
/// read-write, writes one byte, disposes the stream and prints "written": the file's shared page cannot be sized, so the
/// process keeps the file's state to itself.</item>
/// <item><c>stream-stale-writer PATH</c>: maps PATH read-write, prints "ready", then writes 64 bytes of 'W' at random
/// 8-byte-aligned positions inside the length it last looked at, looking again every 65,536 writes only (a few milliseconds), until a line on stdin;
/// then prints "stopped N" (the writes made) and waits for another line before it closes.</item>
/// </list>
/// </summary>
internal static class StreamCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        "stream-write" => Write(args[1], Parse(args[2]), args[3], args.Length > 4 ? args[4] : "shared"),
        "stream-read" => Read(args[1], Parse(args[2]), (int)Parse(args[3])),
        "stream-session" => Session(args[1], args.Length > 2 ? args[2] : "shared"),
        "stream-view-write" => ViewWrite(args[1], args[2], args.Length > 3 ? args[3] : "shared"),
        "stream-append" => Append(args),
        "stream-full-disk-view" => FullDiskView(args[1], args[2]),
        "stream-read-no-descriptors" => ReadWithoutDescriptors(args[1], (int)Parse(args[2]), (int)Parse(args[3])),
        "stream-write-small-files" => WriteWithSmallFiles(args[1], Parse(args[2])),
        "stream-stale-writer" => StaleWriter(args[1]),
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

    private static int ReadWithoutDescriptors(string path, int count, int size)
    {
        // A first pass over a copy loads and compiles everything the reads need: loading an assembly takes a descriptor too.
        string copy = path + ".warm-up";
        File.Copy(path, copy, overwrite: true);
        using (var warmMapped = MappedFileStream.Open(copy))
        using (var warmFile = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            Console.WriteLine($"warm-up: {CompareReads(warmMapped, warmFile, count, size)}");
        }

        using var mapped = MappedFileStream.Open(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        string outcome;
        using (DescriptorLimit.Exhaust())
        {
            outcome = CompareReads(mapped, file, count, size);
        }

        // Printed once the descriptors are back: the console opens its output lazily.
        Console.WriteLine(outcome);
        return 0;
    }

    private static int WriteWithSmallFiles(string path, long limit)
    {
        using (FileSizeLimit.Lower(limit))
        {
            using var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
            stream.WriteAt(0, "x"u8);
        }

        Console.WriteLine("written");
        return 0;
    }

    private static string CompareReads(MappedFileStream mapped, FileStream file, int count, int size)
    {
        long length = file.Length;
        byte[] expected = new byte[size];
        byte[] actual = new byte[size];
        for (int read = 0; read < count; read++)
        {
            long position = length * read / count;
            int fromFile = RandomAccess.Read(file.SafeFileHandle, expected, position);
            int fromMapped;
            try
            {
                fromMapped = mapped.ReadAt(position, actual);
            }
            catch (IOException e)
            {
                return $"read {read} failed: {e.Message}";
            }

            if (fromMapped != fromFile || !expected.AsSpan(0, fromFile).SequenceEqual(actual.AsSpan(0, fromMapped)))
            {
                return $"read {read} differs: {fromMapped} bytes against {fromFile}";
            }
        }

        return $"same {count}";
    }

    private static int Session(string path, string sharing)
    {
        var options = new MapOptions
        {
            Access = sharing == "readonly" ? FileAccess.Read : FileAccess.ReadWrite,
            Sharing = sharing == "private" ? MapSharing.Private : MapSharing.Shared,
            FixedSize = sharing == "fixed",
        };
        AppContext.SetSwitch(CrashPoints.SwitchName, true);
        var stream = MappedFileStream.Open(path, options);
        IMemoryOwner<byte>? view = null;
        try
        {
            Answer("ready");
            while (Console.ReadLine() is { } line)
            {
                string[] words = line.Split(' ', 3);
                switch (words[0])
                {
                    case "read":
                        byte[] buffer = new byte[Parse(words[2])];
                        int read = stream.ReadAt(Parse(words[1]), buffer);
                        Answer(Show(buffer.AsSpan(0, read)));
                        break;
                    case "write":
                        try
                        {
                            stream.WriteAt(Parse(words[1]), Encoding.UTF8.GetBytes(words[2]));
                            Answer("ok");
                        }
                        catch (IOException ex)
                        {
                            Answer($"error {ex.GetType().Name}");
                        }

                        break;
                    case "add":
                        try
                        {
                            Answer(stream.AtomicAdd(Parse(words[1]), Parse(words[2])).ToString(CultureInfo.InvariantCulture));
                        }
                        catch (ArgumentOutOfRangeException ex)
                        {
                            Answer($"error {ex.GetType().Name}");
                        }

                        break;
                    case "view":
                        view?.Dispose();
                        view = stream.ReadDirect(Parse(words[1]), (int)Parse(words[2]));
                        Answer("ok");
                        break;
                    case "show":
                        Answer(view is null ? "no view" : Show(view.Memory.Span));
                        break;
                    case "length":
                        Answer(stream.Length.ToString(CultureInfo.InvariantCulture));
                        break;
                    case "append":
                        Answer(stream.Append(Encoding.UTF8.GetBytes(words[1])).ToString(CultureInfo.InvariantCulture));
                        break;
                    case "setlength":
                        stream.SetLength(Parse(words[1]));
                        Answer("ok");
                        break;
                    case "flush":
                        stream.Flush();
                        Answer("ok");
                        break;
                    case "close":
                        view?.Dispose();
                        view = null;
                        stream.Dispose();
                        Answer("closed");
                        break;
                    case "crash":
                        string point = words[1];
                        CrashPoints.Hook = name =>
                        {
                            if (name == point)
                            {
                                SelfKill.Now();
                            }
                        };
                        Answer("armed");
                        break;
                    case "pause":
                        string pausePoint = words[1];
                        CrashPoints.Hook = name =>
                        {
                            if (name == pausePoint)
                            {
                                CrashPoints.Hook = null;
                                Answer("paused");
                                _ = Console.ReadLine();
                            }
                        };
                        Answer("armed");
                        break;
                    default:
                        Answer($"unknown {words[0]}");
                        return 2;
                }
            }
        }
        finally
        {
            view?.Dispose();
            stream.Dispose();
        }

        return 0;
    }

    private static int StaleWriter(string path)
    {
        using var stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite });
        byte[] record = new byte[64];
        record.AsSpan().Fill((byte)'W');
        var random = new Random(7);
        long writes = 0;
        using var stop = new ManualResetEventSlim();
        var writer = new Thread(() =>
        {
            long length = 0;
            while (!stop.IsSet)
            {
                if (writes % 65536 == 0)
                {
                    length = stream.Length;
                }

                if (length >= record.Length)
                {
                    stream.WriteAt(random.NextInt64(0, length - record.Length + 1) & ~7L, record);
                }

                writes++;
            }
        });
        writer.Start();
        Answer("ready");
        _ = Console.ReadLine();
        stop.Set();
        writer.Join();
        Answer($"stopped {writes}");
        _ = Console.ReadLine();
        return 0;
    }

    private static int Append(string[] args)
    {
        string path = args[1];
        int id = (int)Parse(args[2]);
        int count = (int)Parse(args[3]);
        int size = (int)Parse(args[4]);
        int crash = Array.IndexOf(args, "--crash");
        int pause = Array.IndexOf(args, "--pause");
        int at = Math.Max(crash, pause);
        if (at >= 0)
        {
            string point = args[at + 1];
            long remaining = Parse(args[at + 2]);
            AppContext.SetSwitch(CrashPoints.SwitchName, true);
            CrashPoints.Hook = name =>
            {
                if (name != point || --remaining != 0)
                {
                    return;
                }

                if (pause >= 0)
                {
                    Answer("paused");
                    Thread.Sleep(Timeout.Infinite);
                }

                SelfKill.Now();
            };
        }

        using var stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite });
        Answer("ready");
        _ = Console.ReadLine();
        byte[] record = new byte[size];
        record.AsSpan(8).Fill((byte)id);
        BinaryPrimitives.WriteInt32LittleEndian(record, id);
        for (int sequence = 0; sequence < count; sequence++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), sequence);
            _ = stream.Append(record);
        }

        Answer("done");
        return 0;
    }

    private static int ViewWrite(string path, string text, string sharing)
    {
        var options = new MapOptions { Sharing = sharing == "private" ? MapSharing.Private : MapSharing.Shared };
        using var stream = MappedFileStream.Open(path, options);
        byte[] data = Encoding.UTF8.GetBytes(text);
        using (IMemoryOwner<byte> view = stream.ReadDirect(0, data.Length))
        {
            data.CopyTo(view.Memory.Span);
            Answer(Show(view.Memory.Span));
        }

        byte[] read = new byte[data.Length];
        Answer(Show(read.AsSpan(0, stream.ReadAt(0, read))));
        return 0;
    }

    private static int FullDiskView(string path, string filler)
    {
        const int Third = 64 * 1024;
        using var stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 3 * Third });
        byte[] data = new byte[3 * Third];
        data.AsSpan().Fill(0x5A);
        stream.WriteAt(0, data);
        using IMemoryOwner<byte> view = stream.ReadDirect(Third, 2 * Third);
        stream.SetLength(Third);
        Answer($"shrunk {new FileInfo(path).Length}");

        using (var fill = new FileStream(filler, FileMode.Create, FileAccess.Write))
        {
            byte[] block = new byte[4096];
            try
            {
                while (true)
                {
                    fill.Write(block);
                    fill.Flush();
                }
            }
            catch (IOException)
            {
                Answer("full");
            }
        }

        view.Memory.Span.Fill(0x77);
        Answer("wrote through the view");
        try
        {
            stream.SetLength(3 * Third);
            Answer("grew");
        }
        catch (IOException)
        {
            Answer($"grow refused, length {stream.Length}");
        }

        File.Delete(filler);
        stream.SetLength(3 * Third);
        byte[] regrown = new byte[2 * Third];
        stream.ReadAt(Third, regrown);
        Answer(regrown.AsSpan().IndexOfAnyExcept((byte)0) < 0 && view.Memory.Span.IndexOfAnyExcept((byte)0) < 0 ? "regrown zeros" : "regrown with old bytes");
        return 0;
    }

    private static string Show(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes).Replace('\0', '.');

    private static void Answer(string text)
    {
        Console.WriteLine(text);
        Console.Out.Flush();
    }
}
