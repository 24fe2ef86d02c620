using System.IO;
using Shouldly;

namespace Emmap.Streams.Tests.Support;

/// <summary>A file's existence and bytes at one moment, to prove a failed call left it as it was.</summary>
public sealed class FileSnapshot
{
    private readonly string _path;
    private readonly byte[]? _bytes;

    private FileSnapshot(string path)
    {
        _path = path;
        _bytes = File.Exists(path) ? SharedFile.ReadAllBytes(path) : null;
    }

    public static FileSnapshot Take(string path) => new(path);

    public void ShouldBeUnchanged()
    {
        if (_bytes is null)
        {
            File.Exists(_path).ShouldBeFalse($"'{_path}' should not have been created");
            return;
        }

        File.Exists(_path).ShouldBeTrue($"'{_path}' should still exist");
        SharedFile.ReadAllBytes(_path).ShouldBe(_bytes, $"'{_path}' should be unchanged");
    }
}
