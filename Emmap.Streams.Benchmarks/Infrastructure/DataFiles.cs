using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Data files for the suites, in one temporary directory per process that is deleted when the process exits.
/// The 256 MiB file is written once per process and shared by every suite that reads it (so the page cache
/// is warm for all of them alike); scratch files are created on demand.
/// </summary>
internal static class DataFiles
{
    /// <summary>The size of the shared data file: 256 MiB, as in design-notes §5.</summary>
    internal const long LargeFileSize = 256L << 20;

    private static readonly Lock s_gate = new();
    private static readonly Lazy<string> s_directory = new(CreateDirectory);
    private static readonly HashSet<string> s_scratch = [];
    private static string? s_large;

    /// <summary>Gets the temporary directory of this process.</summary>
    internal static string Directory => s_directory.Value;

    /// <summary>Returns the path of the shared 256 MiB file, creating and filling it on first use.</summary>
    internal static string Large()
    {
        lock (s_gate)
        {
            if (s_large is null)
            {
                string path = Path.Combine(Directory, "data-256MiB.bin");
                Fill(path, LargeFileSize);
                s_large = path;
            }

            return s_large;
        }
    }

    /// <summary>Returns a fresh path in the temporary directory, for a suite's own file or folder.</summary>
    internal static string Scratch(string name)
    {
        lock (s_gate)
        {
            string path = Path.Combine(Directory, name + "-" + s_scratch.Count.ToString(CultureInfo.InvariantCulture));
            s_scratch.Add(path);
            return path;
        }
    }

    /// <summary>Writes <paramref name="length"/> bytes of a fixed pseudo-random pattern to <paramref name="path"/>, through to the disk.</summary>
    /// <remarks>One random mebibyte, repeated with the chunk number stamped into its first bytes: quick to write, and
    /// no two chunks alike.</remarks>
    internal static void Fill(string path, long length)
    {
        byte[] chunk = new byte[1 << 20];
        new Random(20240601).NextBytes(chunk);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        long index = 0;
        for (long written = 0; written < length; written += chunk.Length)
        {
            BitConverter.TryWriteBytes(chunk, index++);
            file.Write(chunk, 0, (int)Math.Min(chunk.Length, length - written));
        }

        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Writes the dirty pages of <paramref name="path"/> to the disk now. A suite calls it on the files its setup wrote, so
    /// that the kernel's flusher does not write them back (30 s after they were written) while the cases are being timed:
    /// writing back a mapped file's pages takes one of the machine's CPUs, and cleaning the pages of a writable mapping flushes the
    /// TLBs of every thread that maps it.
    /// </summary>
    internal static void FlushToDisk(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        file.Flush(flushToDisk: true);
    }

    private static string CreateDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "emmap-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteDirectory(directory);
        return directory;
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A handle still open at exit: the OS cleans /tmp eventually; nothing else to do.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
