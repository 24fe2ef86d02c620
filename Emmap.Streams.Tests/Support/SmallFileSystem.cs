using System;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// A real, tiny file system (<c>mount -t tmpfs -o size=…</c>) for disk-full tests, unmounted and removed on dispose.
/// Needs root, which CI has; elsewhere the test is ignored with the reason.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private SmallFileSystem(string path) => Path = path;

    /// <summary>Gets the mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> KiB in a new directory.</summary>
    public static SmallFileSystem Mount(int kilobytes)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Assert.Ignore("Mounting a small tmpfs needs root on Linux.");
        }

        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emmap-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", path) != 0)
        {
            Directory.Delete(path);
            Assert.Ignore("mount -t tmpfs is not allowed here.");
        }

        return new SmallFileSystem(path);
    }

    /// <summary>A path inside the file system.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Fills the free space with a file until the file system reports it full.</summary>
    public void FillUp(string name = "filler")
    {
        using var filler = new FileStream(File(name), FileMode.Create, FileAccess.Write);
        byte[] block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
                filler.Flush();
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    public void Dispose()
    {
        _ = Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
