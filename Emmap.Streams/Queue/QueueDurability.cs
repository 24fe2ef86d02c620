namespace Emmap.Streams;

/// <summary>
/// When a queue's pushes and pops reach the storage device. Every mode survives the process being
/// killed: a committed operation is in the page cache the moment it returns. The modes differ only in
/// what survives power loss or a kernel crash (docs/queue-durability.md).
/// </summary>
public enum QueueDurability
{
    /// <summary>The operating system writes pages back when it chooses (emmap's behaviour). Fastest.</summary>
    None = 0,

    /// <summary>
    /// Group commit: operations return at once and one durable flush, shared by all of them, runs within
    /// <see cref="QueueOptions.BatchInterval"/> (sooner once <see cref="QueueOptions.BatchBytes"/> have accumulated).
    /// After power loss the queue holds every operation acknowledged before the last completed flush.
    /// </summary>
    Batched = 1,

    /// <summary>Each push and pop is flushed to the device before it returns.</summary>
    Always = 2,
}
