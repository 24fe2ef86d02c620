using System;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>
    /// Calls <paramref name="reader"/> with the mapped bytes <c>[position, position + length)</c>, clipped at <see cref="Length"/>,
    /// with no copy. If a shrink races with the callback, the callback runs again under the file's gate, so what it returns
    /// was computed from data. For layers built on the stream (the counters' checks); the span must not escape the callback,
    /// and the callback must have no side effects it cannot repeat.
    /// </summary>
    internal TResult ReadInPlace<TState, TResult>(long position, int length, TState state, InPlaceReader<TState, TResult> reader)
        where TState : allows ref struct
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return View.ReadInPlace(position, length, state, reader);
    }
}
