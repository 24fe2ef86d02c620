namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>The ways a caller can read or write a <see cref="System.IO.Stream"/>; every conformance test runs each.</summary>
public enum ReadWriteMode
{
    /// <summary><c>Read(byte[], int, int)</c> / <c>Write(byte[], int, int)</c>.</summary>
    SyncArray,

    /// <summary><c>Read(Span)</c> / <c>Write(ReadOnlySpan)</c>.</summary>
    SyncSpan,

    /// <summary><c>ReadByte</c> / <c>WriteByte</c>, one byte at a time.</summary>
    SyncByte,

    /// <summary><c>ReadAsync(byte[], int, int, CancellationToken)</c> / <c>WriteAsync(byte[], ...)</c>.</summary>
    AsyncArray,

    /// <summary><c>ReadAsync(Memory)</c> / <c>WriteAsync(ReadOnlyMemory)</c>.</summary>
    AsyncMemory,

    /// <summary><c>BeginRead</c>/<c>EndRead</c> and <c>BeginWrite</c>/<c>EndWrite</c>.</summary>
    Apm,
}
