using System;
using System.IO;

namespace Emmap.Streams;

/// <summary>
/// The exception <see cref="MappedQueue.Push(ReadOnlySpan{byte})"/> throws when a fixed-size queue has no room for
/// the item (emmap <c>{error, full}</c>). Nothing was written.
/// </summary>
public sealed class QueueFullException : IOException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public QueueFullException()
        : base("The queue is full.")
    {
    }

    /// <summary>Initializes a new instance with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public QueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with <paramref name="message"/> and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public QueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
