using System;

namespace Emmap.Streams.Tests.Atomics;

/// <summary>Calls the extension method an <see cref="AtomicOperation"/> names.</summary>
internal static class AtomicOperationExtensions
{
    public static bool Modifies(this AtomicOperation operation) => operation != AtomicOperation.Read;

    public static long Invoke(this AtomicOperation operation, MappedFileStream stream, long position, long value = 1) => operation switch
    {
        AtomicOperation.Add => stream.AtomicAdd(position, value),
        AtomicOperation.Subtract => stream.AtomicSubtract(position, value),
        AtomicOperation.And => stream.AtomicAnd(position, value),
        AtomicOperation.Or => stream.AtomicOr(position, value),
        AtomicOperation.Xor => stream.AtomicXor(position, value),
        AtomicOperation.Exchange => stream.AtomicExchange(position, value),
        AtomicOperation.CompareExchange => stream.AtomicCompareExchange(position, value, 0),
        AtomicOperation.Read => stream.AtomicRead(position),
        AtomicOperation.Write => WriteAndReturnZero(stream, position, value),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static long WriteAndReturnZero(MappedFileStream stream, long position, long value)
    {
        stream.AtomicWrite(position, value);
        return 0;
    }
}
