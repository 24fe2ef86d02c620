using System.Linq;
using System.Text.Json.Nodes;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// <see cref="MappedQueue{T}"/> and the typed <see cref="ConcurrentMappedQueue"/> calls: an empty queue is always told apart from an item,
/// even one that equals <see langword="default"/>.
/// </summary>
[TestFixture]
public sealed class TypedMappedQueueTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("typed.queue");

    [Test]
    public void TryPop_ValueTypeItemEqualToDefault_IsAnItemThenTheQueueIsEmpty()
    {
        using MappedQueue<int> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<int>());
        queue.Push(0);

        queue.TryPop(out int item).ShouldBeTrue();
        item.ShouldBe(0);
        queue.TryPop(out _).ShouldBeFalse();
    }

    [Test]
    public void TryPop_JsonNullItem_IsAnItemThenTheQueueIsEmpty()
    {
        using MappedQueue<JsonNode?> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Json<JsonNode?>());
        queue.Push(null);

        queue.TryPop(out JsonNode? item).ShouldBeTrue();
        item.ShouldBeNull();
        queue.TryPop(out _).ShouldBeFalse();
    }

    [Test]
    public void TryPopAndPurge_DefaultItemThenEmpty_ReportsEachAndShrinks()
    {
        using MappedQueue<long> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<long>());
        for (int i = 0; i < 400; i++)
        {
            queue.Push(0);
        }

        queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);
        int popped = 0;
        while (queue.TryPopAndPurge(out long item))
        {
            item.ShouldBe(0);
            popped++;
        }

        popped.ShouldBe(400);
        queue.GetMetadata().FileSize.ShouldBe(4096);
    }

    [Test]
    public void TryPeekFrontAndBack_ReadTheEndsWithoutRemoving_FalseWhenEmpty()
    {
        using MappedQueue<int> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<int>());
        queue.TryPeekFront(out _).ShouldBeFalse();
        queue.TryPeekBack(out _).ShouldBeFalse();

        queue.Push(0);
        queue.Push(7);

        queue.TryPeekFront(out int front).ShouldBeTrue();
        queue.TryPeekBack(out int back).ShouldBeTrue();
        (front, back).ShouldBe((0, 7));
        queue.Enumerate().ShouldBe(new[] { 0, 7 });
    }

    [Test]
    public void ConcurrentTryDequeue_EmptyByteItem_IsAnItemThenTheQueueIsEmpty()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue([]);

        queue.TryDequeue(out byte[]? item).ShouldBeTrue();
        item.ShouldBeEmpty();
        queue.TryDequeue(out byte[]? none).ShouldBeFalse();
        none.ShouldBeNull();
    }

    [Test]
    public void ConcurrentTypedTryDequeue_DefaultItems_AreItemsInOrder()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        IQueueSerializer<int> ints = QueueSerializer.Unmanaged<int>();
        foreach (int value in new[] { 0, 5, 0 })
        {
            queue.Enqueue(value, ints);
        }

        int[] seen = Enumerable.Range(0, 3).Select(_ => queue.TryDequeue(ints, out int item) ? item : -1).ToArray();

        seen.ShouldBe(new[] { 0, 5, 0 });
        queue.TryDequeue(ints, out int _).ShouldBeFalse();
    }
}
