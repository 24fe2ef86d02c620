using System;

namespace Emmap.Streams;

/// <summary>
/// Visits one item of a queue during a fold (emmap <c>peek/3</c>, <c>rpeek/3</c>, <c>pop/3</c>).
/// </summary>
/// <typeparam name="TAccumulate">The accumulator's type.</typeparam>
/// <param name="item">The item's bytes, valid only during the call.</param>
/// <param name="accumulator">The accumulator, which the visitor may update.</param>
/// <returns><see langword="true"/> to go on (emmap <c>{cont, Acc}</c>); <see langword="false"/> to stop (emmap
/// <c>{halt, Acc}</c>), in which case a popping fold leaves this item in the queue.</returns>
public delegate bool QueueFolder<TAccumulate>(ReadOnlySpan<byte> item, ref TAccumulate accumulator);
