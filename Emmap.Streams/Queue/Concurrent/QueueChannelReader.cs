using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Emmap.Streams;

/// <summary>The <see cref="ChannelReader{T}"/> face of a <see cref="ConcurrentMappedQueue"/>: reading dequeues (and purges).</summary>
internal sealed class QueueChannelReader(ConcurrentMappedQueue queue) : ChannelReader<byte[]>
{
    public override Task Completion => queue.Drained;

    public override bool CanCount => true;

    public override bool CanPeek => true;

    public override int Count => (int)Math.Min(queue.Count, int.MaxValue);

    public override bool TryRead([MaybeNullWhen(false)] out byte[] item) => queue.TryDequeueForChannel(out item);

    public override ValueTask<byte[]> ReadAsync(CancellationToken cancellationToken = default) => queue.DequeueAsync(cancellationToken);

    public override bool TryPeek([MaybeNullWhen(false)] out byte[] item) => queue.TryPeekForChannel(out item);

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => queue.WaitToReadAsync(cancellationToken);
}
