using System;
using System.Buffers;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>Edges of the typed queue layer: every item that goes in comes out, and a disposed typed queue refuses every call.</summary>
[TestFixture]
public sealed class TypedQueueEdgeTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("typed.queue");

    // A stream serializer whose items may be empty: an empty string writes no bytes.
    private static readonly IQueueSerializer<string> s_text = QueueSerializer.FromStream<string>(
        static (stream, item) => stream.Write(System.Text.Encoding.UTF8.GetBytes(item)),
        static stream =>
        {
            byte[] bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        });

    [Test]
    public void Push_SerializerThatPushesToTheSameQueueWhileItWrites_StoresBothItemsWhole([Values] bool onlyIfRoom)
    {
        var serializer = new AuditingSerializer();
        using MappedQueue<string> queue = MappedQueue.Open(QueuePath, 65536, serializer);
        serializer.Audit = record => queue.Push(record);

        if (onlyIfRoom)
        {
            queue.TryPush("outer").ShouldBeTrue();
        }
        else
        {
            queue.Push("outer");
        }

        // The audit record is pushed while the outer item is being written, so it comes first.
        queue.Enumerate().ShouldBe(["<audit:outer>", "<outer>"]);
    }

    [Test]
    public void ConcurrentEnqueue_SerializerThatEnqueuesWhileItWrites_StoresBothItemsWhole([Values] bool sameQueue)
    {
        var serializer = new AuditingSerializer();
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 65536);
        using ConcurrentMappedQueue other = ConcurrentMappedQueue.Open(_dir.File("audit.queue"), 65536);
        ConcurrentMappedQueue audit = sameQueue ? queue : other;
        serializer.Audit = record => audit.Enqueue(record, serializer);

        queue.Enqueue("outer", serializer);

        if (sameQueue)
        {
            queue.TryDequeue(serializer, out string? first).ShouldBeTrue();
            first.ShouldBe("<audit:outer>");
        }
        else
        {
            other.TryDequeue(serializer, out string? record).ShouldBeTrue();
            record.ShouldBe("<audit:outer>");
        }

        queue.TryDequeue(serializer, out string? item).ShouldBeTrue();
        item.ShouldBe("<outer>");
        queue.Count.ShouldBe(0);
    }

    [Test]
    public void Json_ConverterThatPushesWithTheSameSerializerWhileItWrites_StoresBothItemsWhole()
    {
        var options = new JsonSerializerOptions();
        options.Converters.Add(new AuditingConverter());
        IQueueSerializer<Message> serializer = QueueSerializer.Json<Message>(options);
        using MappedQueue<Message> audit = MappedQueue.Open(_dir.File("audit.queue"), 65536, serializer);
        using MappedQueue<Message> main = MappedQueue.Open(QueuePath, 65536, serializer);
        AuditingConverter.Audit = audit;
        try
        {
            main.Push(new Message("hello", Audited: true));
        }
        finally
        {
            AuditingConverter.Audit = null;
        }

        main.TryPop(out Message? item).ShouldBeTrue();
        item.ShouldBe(new Message("hello", Audited: true));
        audit.TryPop(out Message? record).ShouldBeTrue();
        record.ShouldBe(new Message("audit:hello", Audited: false));
    }

    [Test]
    public void FromStream_EmptyItem_PopsBackAsAnEmptyItem()
    {
        using MappedQueue<string> queue = MappedQueue.Open(QueuePath, 4096, s_text);
        queue.Push(string.Empty);
        queue.Push("next");

        queue.TryPop(out string? first).ShouldBeTrue();
        first.ShouldBe(string.Empty);
        queue.TryPop(out string? second).ShouldBeTrue();
        second.ShouldBe("next");
    }

    [Test]
    public void FromStream_EmptyItem_DeserializeOfNoBytesCallsTheDelegate()
    {
        s_text.Deserialize(ReadOnlySpan<byte>.Empty).ShouldBe(string.Empty);
    }

    [Test]
    public void ConcurrentTryDequeue_FromStreamEmptyItem_IsAnItem()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue(string.Empty, s_text);

        queue.TryDequeue(s_text, out string? item).ShouldBeTrue();
        item.ShouldBe(string.Empty);
    }

    [Test]
    public void TryPop_AfterTypedDisposeWithLeaveOpen_ThrowsObjectDisposedAndPopsNothing()
    {
        using MappedQueue bytes = MappedQueue.Open(QueuePath, 4096);
        var typed = new MappedQueue<int>(bytes, QueueSerializer.Unmanaged<int>(), leaveOpen: true);
        typed.Push(1);
        typed.Dispose();

        Should.Throw<ObjectDisposedException>(() => typed.Push(2));
        Should.Throw<ObjectDisposedException>(() => typed.TryPop(out _));
        Should.Throw<ObjectDisposedException>(() => typed.TryPopAndPurge(out _));
        Should.Throw<ObjectDisposedException>(() => typed.TryPop(static item => item, out _));
        Should.Throw<ObjectDisposedException>(() => typed.TryPeekFront(out _));
        Should.Throw<ObjectDisposedException>(() => typed.TryPeekBack(out _));
        Should.Throw<ObjectDisposedException>(() => typed.Enumerate());
        Should.Throw<ObjectDisposedException>(() => typed.EnumerateReverse());
        Should.Throw<ObjectDisposedException>(() => typed.PopWhile(0, static (_, sum) => (true, sum)));
        Should.Throw<ObjectDisposedException>(() => typed.Count);
        Should.Throw<ObjectDisposedException>(() => typed.IsEmpty);
        Should.Throw<ObjectDisposedException>(() => typed.Purge());
        Should.Throw<ObjectDisposedException>(() => typed.Erase());
        Should.Throw<ObjectDisposedException>(() => typed.GetMetadata());
        Should.Throw<ObjectDisposedException>(() => typed.Flush());
        bytes.Count.ShouldBe(1, "the byte queue it was given stays open and keeps its item");
    }

    [Test]
    public void Json_NodeNestedDeeperThanAPopCouldRead_IsRefusedAtThePush()
    {
        // Nested deeper than JsonSerializerOptions.Default.MaxDepth (64) but within Utf8JsonWriter's default (1000).
        JsonNode node = new JsonArray();
        for (int i = 0; i < 100; i++)
        {
            node = new JsonArray(node);
        }

        // System.Text.Json with the same (default) options refuses to write it: its writer gets the options' MaxDepth.
        Should.Throw<Exception>(() => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<JsonNode?>(node));

        using MappedQueue<JsonNode?> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Json<JsonNode?>());
        queue.Push(new JsonArray(new JsonArray()));
        Should.Throw<Exception>(() => queue.Push(node));

        queue.Count.ShouldBe(1, "the refused item left nothing in the queue");
        queue.TryPop(out JsonNode? item).ShouldBeTrue();
        item!.ToJsonString().ShouldBe("[[]]");
    }

    [Test]
    public void Json_ItemThatCannotBeReadAsItsType_PopsAsInvalidDataAndStays()
    {
        // Written as {"Item":{}}, which System.Text.Json cannot read back into an interface-typed member.
        using MappedQueue<JsonHolder> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Json<JsonHolder>());
        queue.Push(new JsonHolder { Item = new JsonThing { A = 5 } });

        Should.Throw<System.IO.InvalidDataException>(() => queue.TryPop(out _)).InnerException.ShouldBeOfType<NotSupportedException>();

        queue.Count.ShouldBe(1, "the item stays at the head");
    }

    [Test]
    public void Json_WithLayoutOptions_StoresWhatJsonSerializerWritesWithThem()
    {
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true, IndentSize = 4 };
        using MappedQueue<int[]> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Json<int[]>(options));

        queue.Push([1, 2]);

        queue.Queue.Enumerate().Single().ShouldBe(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new[] { 1, 2 }, options));
        queue.TryPop(out int[]? item).ShouldBeTrue();
        item.ShouldBe(new[] { 1, 2 });
    }

    [Test]
    public void DequeueAsyncOfT_TokenCanceledAlready_CancelsAndRemovesNothing_AsTheByteFormDoes()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue("waiting", s_text);
        using var cancel = new System.Threading.CancellationTokenSource();
        cancel.Cancel();

        ValueTask<string> typed = queue.DequeueAsync(s_text, cancel.Token);
        ValueTask<byte[]> bytes = queue.DequeueAsync(cancel.Token);

        typed.IsCanceled.ShouldBeTrue();
        bytes.IsCanceled.ShouldBeTrue();
        queue.Count.ShouldBe(1, "neither canceled call removed the item");
        Should.Throw<ArgumentNullException>(new Action(() => queue.DequeueAsync<string>(null!).AsTask()), "the argument is checked at the call");
    }

    /// <summary>An interface-typed member, which System.Text.Json writes but cannot read back.</summary>
    public interface IJsonThing
    {
    }

    /// <summary>A JSON item holding an <see cref="IJsonThing"/>.</summary>
    public sealed class JsonHolder
    {
        /// <summary>Gets or sets the member.</summary>
        public IJsonThing? Item { get; set; }
    }

    /// <summary>An implementation of <see cref="IJsonThing"/>.</summary>
    public sealed class JsonThing : IJsonThing
    {
        /// <summary>Gets or sets a value.</summary>
        public int A { get; set; }
    }

    internal sealed record Message(string Text, bool Audited);

    /// <summary>Writes "&lt;item&gt;" in two parts, handing an audit record to <see cref="Audit"/> between them.</summary>
    private sealed class AuditingSerializer : IQueueSerializer<string>
    {
        public Action<string>? Audit { get; set; }

        public void Serialize(string item, IBufferWriter<byte> destination)
        {
            destination.Write("<"u8);
            if (!item.StartsWith("audit:", StringComparison.Ordinal))
            {
                Audit!("audit:" + item);
            }

            destination.Write(Encoding.UTF8.GetBytes(item + ">"));
        }

        public string Deserialize(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);
    }

    /// <summary>Writes a message in two parts, pushing an audit message with the same serializer between them.</summary>
    private sealed class AuditingConverter : JsonConverter<Message>
    {
        public static MappedQueue<Message>? Audit { get; set; }

        public override Message Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string text = string.Empty;
            bool audited = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name == "text")
                {
                    text = reader.GetString()!;
                }
                else
                {
                    audited = reader.GetBoolean();
                }
            }

            return new Message(text, audited);
        }

        public override void Write(Utf8JsonWriter writer, Message value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("text", value.Text);
            if (value.Audited)
            {
                Audit!.Push(new Message("audit:" + value.Text, Audited: false));
            }

            writer.WriteBoolean("audited", value.Audited);
            writer.WriteEndObject();
        }
    }
}
