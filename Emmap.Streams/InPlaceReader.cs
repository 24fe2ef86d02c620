using System;

namespace Emmap.Streams;

/// <summary>Reads mapped bytes in place for a callback, without a copy or an allocation.</summary>
/// <typeparam name="TState">Caller state passed through.</typeparam>
/// <typeparam name="TResult">What the callback returns.</typeparam>
/// <param name="data">The mapped bytes; valid only during the call.</param>
/// <param name="state">The caller's state.</param>
/// <returns>The callback's result.</returns>
internal delegate TResult InPlaceReader<TState, TResult>(ReadOnlySpan<byte> data, TState state)
    where TState : allows ref struct;
