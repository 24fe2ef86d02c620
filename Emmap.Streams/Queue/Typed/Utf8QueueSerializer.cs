using System;
using System.Buffers;
using System.IO;
using System.Text;

namespace Emmap.Streams;

/// <summary>Items are strings, stored as UTF-8 without a terminator or byte order mark.</summary>
internal sealed class Utf8QueueSerializer : IQueueSerializer<string>
{
    internal static readonly Utf8QueueSerializer Instance = new();

    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Serialize(string item, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(destination);
        _ = s_strict.GetBytes(item, destination);
    }

    public string Deserialize(ReadOnlySpan<byte> data)
    {
        try
        {
            return s_strict.GetString(data);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException("A queue item is not valid UTF-8.", ex);
        }
    }
}
