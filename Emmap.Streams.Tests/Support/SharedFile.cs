using System.IO;
using System.Text;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// Reads a file the way a reader that tolerates writers does: shared for reading, writing and deleting. <c>File.ReadAllBytes</c>
/// shares for reading only, which Windows refuses while any handle (a writable stream under test) may write the file; on Unix
/// the two are the same.
/// </summary>
public static class SharedFile
{
    public static byte[] ReadAllBytes(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        byte[] bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    public static string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path)).TrimStart('\uFEFF');
}
