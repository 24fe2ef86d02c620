using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Emmap.Streams;

/// <summary>The <see cref="ChannelWriter{T}"/> face of a <see cref="ConcurrentMappedQueue"/>: writing enqueues.</summary>
internal sealed class QueueChannelWriter(ConcurrentMappedQueue queue) : ChannelWriter<ReadOnlyMemory<byte>>
{
    public override bool TryWrite(ReadOnlyMemory<byte> item) => queue.TryEnqueueForChannel(item.Span);

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => queue.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null) => queue.TryComplete(error);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken = default) =>
        queue.WriteForChannelAsync(item, cancellationToken);
}
