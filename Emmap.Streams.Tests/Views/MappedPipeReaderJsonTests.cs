using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// <c>JsonSerializer.DeserializeAsync(PipeReader, …)</c> and <c>DeserializeAsyncEnumerable(PipeReader, …)</c> (new in
/// .NET 10) fed by <see cref="MappedFileStream.AsPipeReader"/>: the same objects as through a <see cref="FileStream"/>,
/// also with a window smaller than a single string of the document, which the serializer gets with
/// <see cref="PipeReader.ReadAtLeastAsync"/>.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderJsonTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private List<Item> _items = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("items.json");
        var random = new Random(15);
        _items = Enumerable.Range(0, 20_000)
            .Select(i => new Item(i, $"item {i}", random.NextDouble() * 1000, i % 1000 == 0 ? new string('n', 10_000) : "short", [i, i * 2, i * 3]))
            .ToList();
        using FileStream file = File.Create(_path);
        JsonSerializer.Serialize(file, _items, JsonSerializerOptions.Web);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task DeserializeAsync_FromTheMappedReader_GivesWhatTheFileStreamOverloadGives([Values(4096, MappedPipeReaderOptions.DefaultWindowSize)] int window)
    {
        List<Item>? expected;
        await using (FileStream file = File.OpenRead(_path))
        {
            expected = await JsonSerializer.DeserializeAsync<List<Item>>(file, JsonSerializerOptions.Web);
        }

        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = window });
        List<Item>? items = await JsonSerializer.DeserializeAsync<List<Item>>(reader, JsonSerializerOptions.Web);
        await reader.CompleteAsync();

        items.ShouldNotBeNull();
        items.Count.ShouldBe(_items.Count);
        items.ShouldBe(expected, new ItemComparer());
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task DeserializeAsyncEnumerable_FromTheMappedReader_StreamsEveryItem()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 8192 });

        int count = 0;
        await foreach (Item? item in JsonSerializer.DeserializeAsyncEnumerable<Item>(reader, JsonSerializerOptions.Web))
        {
            new ItemComparer().Equals(item, _items[count]).ShouldBeTrue($"item {count}");
            count++;
        }

        await reader.CompleteAsync();
        count.ShouldBe(_items.Count);
    }

    public sealed record Item(int Id, string Name, double Price, string Note, int[] Values);

    private sealed class ItemComparer : IEqualityComparer<Item?>
    {
        public bool Equals(Item? x, Item? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Name == y.Name && x.Price.Equals(y.Price) && x.Note == y.Note && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(Item? obj) => obj?.Id ?? 0;
    }
}
