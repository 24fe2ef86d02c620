using System;
using System.IO;

namespace Emmap.Streams;

/// <summary>
/// How <see cref="MappedQueue.Open(string, long, QueueOptions?)"/> opens a queue: the .NET shape of the options
/// emmap's <c>emmap_queue:open/3</c> accepts, plus durability.
/// </summary>
/// <example>
/// <code>
/// using var queue = MappedQueue.Open("jobs.queue", 64 * 1024, new QueueOptions { Durability = QueueDurability.Batched });
/// </code>
/// </example>
public sealed class QueueOptions
{
    /// <summary>The default for <see cref="BatchInterval"/>: 2 ms.</summary>
    public static readonly TimeSpan DefaultBatchInterval = TimeSpan.FromMilliseconds(2);

    /// <summary>The default for <see cref="BatchBytes"/>: 1 MiB.</summary>
    public const long DefaultBatchBytes = 1024 * 1024;

    /// <summary>
    /// Gets or sets whether the file keeps its size: a push that does not fit fails instead of growing the file
    /// (emmap <c>fixed_size</c>).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool FixedSize { get; set; }

    /// <summary>Gets or sets whether the file is deleted when the queue is disposed (emmap <c>auto_unlink</c>).</summary>
    /// <value>Default <see langword="false"/>.</value>
    /// <remarks>A <see cref="ReadOnly"/> open never deletes the file: it inspects a queue that another process may own.</remarks>
    public bool AutoUnlink { get; set; }

    /// <summary>
    /// Gets or sets the growth threshold: the file doubles while below it and then grows by it
    /// (emmap <c>{max_inc_size, N}</c>).
    /// </summary>
    /// <value>Default <see cref="MapOptions.DefaultMaxIncrementSize"/> (64 MiB).</value>
    public long MaxIncrementSize { get; set; } = MapOptions.DefaultMaxIncrementSize;

    /// <summary>Gets or sets when pushes and pops reach the storage device.</summary>
    /// <value>Default <see cref="QueueDurability.None"/>.</value>
    public QueueDurability Durability { get; set; } = QueueDurability.None;

    /// <summary>Gets or sets the longest time a <see cref="QueueDurability.Batched"/> operation waits for its durable flush to start.</summary>
    /// <value>Default <see cref="DefaultBatchInterval"/> (2 ms).</value>
    public TimeSpan BatchInterval { get; set; } = DefaultBatchInterval;

    /// <summary>Gets or sets how many bytes of records pushed or popped since the last flush make a <see cref="QueueDurability.Batched"/> flush start at once.</summary>
    /// <value>Default <see cref="DefaultBatchBytes"/> (1 MiB).</value>
    public long BatchBytes { get; set; } = DefaultBatchBytes;

    /// <summary>
    /// Gets or sets whether the queue is opened for inspection only: peeks, enumeration, <see cref="MappedQueue.Count"/>
    /// and metadata work; operations that change the queue throw <see cref="NotSupportedException"/>. The file is
    /// never written, not even to repair it, and the queue can be inspected while another process owns it.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// Gets or sets whether several processes may have the queue open at once (shared mode). Every operation is then atomic
    /// across all of them: one FIFO order, each item popped by exactly one consumer, and <see cref="MappedQueue.Count"/> exact
    /// at some instant during the call. <see cref="ConcurrentMappedQueue.DequeueAsync"/> and its channel reader complete when
    /// another process pushes. A process killed at any instruction, even while holding the queue's lock, loses no
    /// acknowledged push and delivers no item twice; the others take its lock over within milliseconds.
    /// </summary>
    /// <value>Default <see langword="false"/>: one process at a time owns the queue, and nothing is paid for sharing.</value>
    /// <remarks>
    /// <para>The first shared open marks the file as format version 2, which libraries that know only version 1 refuse.
    /// While any process has the queue open in shared mode, an open without this option throws <see cref="IOException"/>,
    /// and the other way round.</para>
    /// <para><b>Delivery.</b> <see cref="MappedQueue.Pop"/>, <see cref="MappedQueue.TryPop(System.Buffers.IBufferWriter{byte})"/> and
    /// <see cref="MappedQueue.PopInto"/> remove the item before they return: a consumer killed after that and before it has
    /// processed the item loses it (at most once). A pop with a handler
    /// (<see cref="MappedQueue.TryPop{TResult}(Func{ReadOnlySpan{byte}, TResult}, out TResult)"/>,
    /// <see cref="ConcurrentMappedQueue.TryDequeue{TResult}(Func{ReadOnlySpan{byte}, TResult}, out TResult)"/>) removes it only
    /// after the handler returns: a consumer killed inside the handler leaves it for the next one (at least once). See
    /// docs/queue-durability.md.</para>
    /// </remarks>
    public bool MultiProcess { get; set; }

    /// <summary>Gets or sets the permissions of a queue file that the open creates, subject to the umask.</summary>
    /// <value>Default <c>0600</c>.</value>
    public UnixFileMode UnixCreateMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Returns a copy of these options, so a queue is not affected by later changes to them.</summary>
    /// <returns>A new <see cref="QueueOptions"/> with the same values.</returns>
    public QueueOptions Clone() => (QueueOptions)MemberwiseClone();

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/>.</summary>
    internal void Validate(string paramName)
    {
        if (MaxIncrementSize <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, MaxIncrementSize, "QueueOptions.MaxIncrementSize must be positive.");
        }

        if (Durability is < QueueDurability.None or > QueueDurability.Always)
        {
            throw new ArgumentOutOfRangeException(paramName, Durability, "QueueOptions.Durability is not a QueueDurability value.");
        }

        if (BatchInterval <= TimeSpan.Zero || BatchInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(paramName, BatchInterval, "QueueOptions.BatchInterval must be positive and at most one minute.");
        }

        if (BatchBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, BatchBytes, "QueueOptions.BatchBytes must be positive.");
        }

        ThrowHelper.ThrowIfNotPermissions(UnixCreateMode, "QueueOptions.UnixCreateMode", paramName);
    }
}
