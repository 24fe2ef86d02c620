using System;
using System.IO;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    // FileStream's defaults.
    private const FileShare DefaultShare = FileShare.Read;
    private const int DefaultBufferSize = 4096;

    // FileOptions values FileStream accepts (NoBuffering has no FileOptions member).
    private const FileOptions KnownFileOptions = FileOptions.WriteThrough | FileOptions.Asynchronous | FileOptions.RandomAccess
        | FileOptions.DeleteOnClose | FileOptions.SequentialScan | FileOptions.Encrypted | (FileOptions)0x20000000;

    // The permissions FileStream gives a new file, subject to the umask.
    private const UnixFileMode FileStreamCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>
    /// Opens and maps a file as <see cref="FileStream(string, FileMode)"/> opens it: read-write (write-only for
    /// <see cref="FileMode.Append"/>), sharing reads with other openers.
    /// </summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a <see cref="FileMode"/> value.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, another opener holds the
    /// file with <see cref="FileShare.None"/>, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access
    /// (a writable mapping needs permission to read the file as well).</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileMode mode)
        : this(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite, DefaultShare, DefaultBufferSize, FileOptions.None)
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileMode, FileAccess)"/> opens it, sharing reads with other openers.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <param name="access">What the stream may do: read, write, or both.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or <paramref name="mode"/> and
    /// <paramref name="access"/> do not go together (a mode that creates or truncates without write access; <see cref="FileMode.Append"/>
    /// with read access).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> or <paramref name="access"/> is not a value of its enum.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, another opener holds the
    /// file with <see cref="FileShare.None"/>, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileMode mode, FileAccess access)
        : this(path, mode, access, DefaultShare, DefaultBufferSize, FileOptions.None)
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileMode, FileAccess, FileShare)"/> opens it.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <param name="access">What the stream may do: read, write, or both.</param>
    /// <param name="share">What other openers may do meanwhile, enforced as <see cref="FileStream"/> enforces it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or <paramref name="mode"/> and
    /// <paramref name="access"/> do not go together.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/>, <paramref name="access"/> or <paramref name="share"/> is not a
    /// value of its enum.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, the sharing conflicts
    /// with another opener's, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileMode mode, FileAccess access, FileShare share)
        : this(path, mode, access, share, DefaultBufferSize, FileOptions.None)
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileMode, FileAccess, FileShare, int)"/> opens it.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <param name="access">What the stream may do: read, write, or both.</param>
    /// <param name="share">What other openers may do meanwhile.</param>
    /// <param name="bufferSize">Validated as by <see cref="FileStream"/>, otherwise unused: a mapped stream has no buffer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or <paramref name="mode"/> and
    /// <paramref name="access"/> do not go together.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum argument is out of range, or <paramref name="bufferSize"/> is negative.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, the sharing conflicts
    /// with another opener's, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize)
        : this(path, mode, access, share, bufferSize, FileOptions.None)
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileMode, FileAccess, FileShare, int, bool)"/> opens it.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <param name="access">What the stream may do: read, write, or both.</param>
    /// <param name="share">What other openers may do meanwhile.</param>
    /// <param name="bufferSize">Validated as by <see cref="FileStream"/>, otherwise unused: a mapped stream has no buffer.</param>
    /// <param name="useAsync">Accepted for compatibility; asynchronous calls complete synchronously, since they are memory copies.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or <paramref name="mode"/> and
    /// <paramref name="access"/> do not go together.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum argument is out of range, or <paramref name="bufferSize"/> is negative.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, the sharing conflicts
    /// with another opener's, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, bool useAsync)
        : this(path, mode, access, share, bufferSize, useAsync ? FileOptions.Asynchronous : FileOptions.None)
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/> opens it.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="mode">How to open or create the file.</param>
    /// <param name="access">What the stream may do: read, write, or both.</param>
    /// <param name="share">What other openers may do meanwhile.</param>
    /// <param name="bufferSize">Validated as by <see cref="FileStream"/>, otherwise unused: a mapped stream has no buffer.</param>
    /// <param name="options">File options; <see cref="FileOptions.DeleteOnClose"/> deletes the file when the stream is disposed, the
    /// others are passed to the system's open as <see cref="FileStream"/> passes them (see the remarks).</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or <paramref name="mode"/> and
    /// <paramref name="access"/> do not go together.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum argument is out of range, or <paramref name="bufferSize"/> is negative.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="FileMode.CreateNew"/>, the sharing conflicts
    /// with another opener's, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>
    /// <para>The file is opened with exactly these arguments first, so that every check, exception and sharing conflict is
    /// <see cref="FileStream"/>'s own, then mapped whole and shared. New files get <see cref="FileStream"/>'s permissions
    /// (<c>0666</c> less the umask). An empty file gives a stream of length 0 that grows at the first write.</para>
    /// <para>What still differs from <see cref="FileStream"/> is listed in docs/filestream-parity.md: a write-only stream still needs
    /// permission to read the file; writes are in the file (and visible to every reader) at once, and
    /// <see cref="FileOptions.WriteThrough"/> does not make each write durable, <see cref="Flush(bool)"/> does.</para>
    /// </remarks>
    public MappedFileStream(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options)
        : this(OpenLikeFileStream(path, mode, access, share, bufferSize, options))
    {
    }

    /// <summary>Opens and maps a file as <see cref="FileStream(string, FileStreamOptions)"/> opens it.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="options">How to open it. <see cref="FileStreamOptions.BufferSize"/> is unused (a mapped stream has no buffer);
    /// <see cref="FileStreamOptions.PreallocationSize"/> reserves disk space for a new file as with <see cref="FileStream"/>, without
    /// changing its length; <see cref="FileStreamOptions.UnixCreateMode"/> sets a new file's permissions.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a null character, or the options do not go
    /// together (a mode and access <see cref="FileStream"/> refuses; a preallocation for a mode other than <see cref="FileMode.Create"/>
    /// and <see cref="FileMode.CreateNew"/> or without write access; a creation mode for <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and the mode is <see cref="FileMode.Open"/> or <see cref="FileMode.Truncate"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="PathTooLongException">The path or a name in it is longer than the system allows.</exception>
    /// <exception cref="IOException">The file exists and the mode is <see cref="FileMode.CreateNew"/>, the sharing conflicts with another
    /// opener's, the preallocation does not fit on the disk, or an I/O error occurred.</exception>
    /// <exception cref="UnauthorizedAccessException">The path is a directory, or the file's permissions do not allow the access.</exception>
    /// <exception cref="NotSupportedException">The path names a pipe, a socket or a device, which cannot be memory-mapped.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform is neither Linux, macOS nor Windows 10 1803 or later, or the CPU is big-endian.</exception>
    /// <remarks>See <see cref="MappedFileStream(string, FileMode, FileAccess, FileShare, int, FileOptions)"/>.</remarks>
    public MappedFileStream(string path, FileStreamOptions options)
        : this(OpenLikeFileStream(path, options))
    {
    }

    private static OpenedMapping OpenLikeFileStream(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options)
    {
        // FileStream's checks, in FileStream's order, before anything on disk is touched.
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileShare shareWithoutInheritable = share & ~FileShare.Inheritable;
        string? badArgument = mode is < FileMode.CreateNew or > FileMode.Append ? nameof(mode)
            : access is < FileAccess.Read or > FileAccess.ReadWrite ? nameof(access)
            : shareWithoutInheritable is < FileShare.None or > (FileShare.ReadWrite | FileShare.Delete) ? nameof(share)
            : null;
        if (badArgument is not null)
        {
            throw new ArgumentOutOfRangeException(badArgument, "Enum value was out of legal range.");
        }

        if (options != FileOptions.None && (options & ~KnownFileOptions) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Enum value was out of legal range.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(bufferSize);
        ValidateModeAndAccess(mode, access, nameof(access));
        MapOptions mapping = MappingOptions(mode, access, null);
        return OpenCore(path, 0, 0, wholeFile: true, mapping, share, options, 0, null);
    }

    // A FileStreamOptions value that FileStream refuses naming the constructor argument the option stands for.
    private static ArgumentException OptionRefused(string message, string paramName) => new(message, paramName);

    private static OpenedMapping OpenLikeFileStream(string path, FileStreamOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ValidateModeAndAccess(options.Mode, options.Access, nameof(options));
        if (options.PreallocationSize > 0)
        {
            if ((options.Access & FileAccess.Write) == 0)
            {
                throw OptionRefused("A preallocation size can be requested only with write access.", "access");
            }

            if (options.Mode is not (FileMode.Create or FileMode.CreateNew))
            {
                throw OptionRefused("A preallocation size can be requested only for new files (FileMode.Create, FileMode.CreateNew).", "mode");
            }
        }

        UnixFileMode? createMode = OperatingSystem.IsWindows() ? null : options.UnixCreateMode;
        if (createMode.HasValue && options.Mode is FileMode.Open or FileMode.Truncate)
        {
            throw new ArgumentException("UnixCreateMode can be requested only for modes that can create new files.", nameof(options));
        }

        MapOptions mapping = MappingOptions(options.Mode, options.Access, createMode);
        return OpenCore(path, 0, 0, wholeFile: true, mapping, options.Share, options.Options, options.PreallocationSize, createMode);
    }

    /// <summary>The <see cref="MapOptions"/> equivalent of a <see cref="FileStream"/> open: the whole file, shared, no length asked.</summary>
    private static MapOptions MappingOptions(FileMode mode, FileAccess access, UnixFileMode? createMode) => new()
    {
        Mode = mode,
        Access = access,
        Sharing = MapSharing.Shared,
        UnixCreateMode = createMode ?? FileStreamCreateMode,
    };
}
