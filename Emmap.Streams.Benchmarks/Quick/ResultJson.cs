using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Emmap.Streams.Benchmarks;

/// <summary>Reads and writes quick-run rows as a JSON array of flat objects.</summary>
internal static class ResultJson
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true };

    internal static void Write(string path, IReadOnlyList<QuickResult> rows)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(rows, s_options) + "\n");
    }

    internal static IReadOnlyList<QuickResult> Read(string path) =>
        JsonSerializer.Deserialize<List<QuickResult>>(File.ReadAllText(path), s_options)
        ?? throw new InvalidDataException($"'{path}' does not hold a JSON array of results.");
}
