using System;
using System.Buffers;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Emmap.Streams;

/// <summary>Items are stored as UTF-8 JSON by System.Text.Json, written straight into the queue's pooled buffer.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class JsonQueueSerializer<T> : IQueueSerializer<T>
{
    // One writer per thread, reset onto each destination, so serializing allocates no writer per item. It is taken out while
    // in use: a converter that serializes another item meanwhile (pushing to a queue) gets a writer of its own.
    [ThreadStatic]
    private static Utf8JsonWriter? s_threadWriter;

    [ThreadStatic]
    private static JsonQueueSerializer<T>? s_threadWriterOwner;

    // What JsonSerializerOptions.MaxDepth = 0 means.
    private const int DefaultMaxDepth = 64;

    private readonly JsonTypeInfo<T> _typeInfo;
    private readonly JsonWriterOptions _writerOptions;

    internal JsonQueueSerializer(JsonTypeInfo<T> typeInfo)
    {
        _typeInfo = typeInfo;
        // The reader's depth limit, also for the writer (whose own default is 1000): an item nested deeper than a pop could
        // read is refused at the push, as JsonSerializer refuses it with the same options.
        int maxDepth = typeInfo.Options.MaxDepth == 0 ? DefaultMaxDepth : typeInfo.Options.MaxDepth;
        // The layout options too, so that an item is stored as JsonSerializer writes it with the same options.
        JsonSerializerOptions options = typeInfo.Options;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            MaxDepth = maxDepth,
            SkipValidation = true,
        };
    }

    public void Serialize(T item, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Utf8JsonWriter? writer = s_threadWriter;
        if (writer is null || !ReferenceEquals(s_threadWriterOwner, this))
        {
            writer = new Utf8JsonWriter(destination, _writerOptions);
        }
        else
        {
            s_threadWriter = null;
            writer.Reset(destination);
        }

        try
        {
            JsonSerializer.Serialize(writer, item, _typeInfo);
            writer.Flush();
        }
        finally
        {
            s_threadWriter = writer;
            s_threadWriterOwner = this;
        }
    }

    public T Deserialize(ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, _typeInfo)!;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"A queue item is not JSON for {typeof(T).Name}: {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            // JSON that System.Text.Json cannot turn into the type (an interface or abstract member, no usable constructor): the
            // bytes are not an item of this type, as the serializer contract reports such bytes.
            throw new InvalidDataException($"A queue item cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
