using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>Reads and writes a stream through the form a <see cref="ReadWriteMode"/> names.</summary>
public static class StreamIo
{
    /// <summary>One read call (one byte at a time for <see cref="ReadWriteMode.SyncByte"/>, up to <paramref name="count"/>); returns the bytes read.</summary>
    public static async Task<int> ReadAsync(Stream stream, byte[] buffer, int offset, int count, ReadWriteMode mode)
    {
        switch (mode)
        {
            case ReadWriteMode.SyncArray:
                return stream.Read(buffer, offset, count);
            case ReadWriteMode.SyncSpan:
                return stream.Read(buffer.AsSpan(offset, count));
            case ReadWriteMode.SyncByte:
                int read = 0;
                while (read < count)
                {
                    int value = stream.ReadByte();
                    if (value < 0)
                    {
                        break;
                    }

                    buffer[offset + read++] = (byte)value;
                }

                return read;
            case ReadWriteMode.AsyncArray:
#pragma warning disable CA1835 // The array overload is the form under test.
                return await stream.ReadAsync(buffer, offset, count, CancellationToken.None);
#pragma warning restore CA1835
            case ReadWriteMode.AsyncMemory:
                return await stream.ReadAsync(buffer.AsMemory(offset, count));
            default:
                return await Task.Factory.FromAsync(stream.BeginRead, stream.EndRead, buffer, offset, count, null);
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes or the end; returns what was read.</summary>
    public static async Task<byte[]> ReadUpToAsync(Stream stream, int count, ReadWriteMode mode)
    {
        byte[] buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int read = await ReadAsync(stream, buffer, total, count - total, mode);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer.AsSpan(0, total).ToArray();
    }

    /// <summary>Writes all of <paramref name="data"/>.</summary>
    public static async Task WriteAsync(Stream stream, byte[] data, ReadWriteMode mode)
    {
        switch (mode)
        {
            case ReadWriteMode.SyncArray:
                stream.Write(data, 0, data.Length);
                break;
            case ReadWriteMode.SyncSpan:
                stream.Write(data.AsSpan());
                break;
            case ReadWriteMode.SyncByte:
                foreach (byte value in data)
                {
                    stream.WriteByte(value);
                }

                break;
            case ReadWriteMode.AsyncArray:
#pragma warning disable CA1835 // The array overload is the form under test.
                await stream.WriteAsync(data, 0, data.Length, CancellationToken.None);
#pragma warning restore CA1835
                break;
            case ReadWriteMode.AsyncMemory:
                await stream.WriteAsync(data.AsMemory());
                break;
            default:
                await Task.Factory.FromAsync(stream.BeginWrite, stream.EndWrite, data, 0, data.Length, null);
                break;
        }
    }
}
