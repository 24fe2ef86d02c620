using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace Emmap.Streams;

/// <summary>Cold paths that build exception messages, kept out of the hot methods.</summary>
internal static class ThrowHelper
{
    // Every bit a UnixFileMode value may have: the permissions and the set-user-ID, set-group-ID and sticky bits (07777).
    private const UnixFileMode ValidCreateModeBits = (UnixFileMode)0xFFF;

    /// <summary>
    /// Refuses a creation mode with bits that are not permissions, in every open mode (as the other options are checked), before
    /// anything is touched: <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/>.
    /// </summary>
    internal static void ThrowIfNotPermissions(UnixFileMode mode, string option, string paramName)
    {
        if ((mode & ~ValidCreateModeBits) != 0)
        {
            throw new ArgumentOutOfRangeException(paramName, mode, $"{option} has bits that are not permissions.");
        }
    }

    [DoesNotReturn]
    internal static void ThrowReadOnly() => throw ReadOnly();

    internal static NotSupportedException ReadOnly() =>
        new("The stream was opened read-only (FileAccess.Read): it does not support writing.");

    internal static NotSupportedException WriteOnly() =>
        new("The stream was opened write-only (FileAccess.Write): it does not support reading.");

    [DoesNotReturn]
    internal static void ThrowEndOfData(long position, int count, long length) =>
        throw new EndOfStreamException(
            $"Reading {count} bytes at position {position} needs data to {(ulong)position + (ulong)count}, but the stream ends at {length}.");

    [DoesNotReturn]
    internal static void ThrowAppendSeek() =>
        throw new IOException("Unable to seek backward to overwrite data that existed before the stream was opened in FileMode.Append.");

    [DoesNotReturn]
    internal static void ThrowAppendTruncate() =>
        throw new IOException("Unable to truncate data that existed before the stream was opened in FileMode.Append.");

    [DoesNotReturn]
    internal static void ThrowObjectDisposed(object instance) => throw new ObjectDisposedException(instance.GetType().FullName);

    [DoesNotReturn]
    internal static void ThrowObjectDisposed(Type type) => throw new ObjectDisposedException(type.FullName);

    [DoesNotReturn]
    internal static void ThrowPipeReaderCompleted() =>
        throw new InvalidOperationException("Reading is not allowed after the reader was completed.");

    [DoesNotReturn]
    internal static void ThrowPipeAlreadyAdvanced() =>
        throw new InvalidOperationException("The PipeReader has already advanced past the provided position.");

    [DoesNotReturn]
    internal static void ThrowPipeExaminedBeforeConsumed() =>
        throw new InvalidOperationException("The examined position must be greater than or equal to the consumed position.");

    [DoesNotReturn]
    internal static void ThrowPipePositionNotFromBuffer() =>
        throw new InvalidOperationException("The position does not come from the buffer of this reader's last read.");

    [DoesNotReturn]
    internal static void ThrowPipePositionPastBuffer(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "The position is past the end of the buffer of this reader's last read.");

    [DoesNotReturn]
    internal static void ThrowFixedSize(string path, long length) =>
        throw new IOException($"The mapping of '{path}' has a fixed size of {length} bytes (MapOptions.FixedSize): it cannot grow or shrink.");

    [DoesNotReturn]
    internal static void ThrowBoundedWindow(string path, long offset, long length) =>
        throw new IOException(
            $"The window [{offset}, {offset + length}) of '{path}' does not reach the end of the file, so it cannot change length.");

    [DoesNotReturn]
    internal static void ThrowFileTooLarge(string path, long length) =>
        throw new IOException(
            $"'{path}' cannot be {length} bytes long: a mapped file holds at most {Mapping.MappedLimits.MaxFileSize} bytes.",
            Native.UnixConstants.ErrorFileTooLarge);

    [DoesNotReturn]
    internal static void ThrowPositionTooLarge(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "The position and length exceed the largest file offset.");
}
