using System;
using System.Collections.Generic;
using System.IO;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>FileStreamOptions that FileStream refuses: the same ArgumentException with the same ParamName.</summary>
[TestFixture]
public sealed class OptionsParamNameDifferentialTests
{
    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    public static IEnumerable<TestCaseData> InvalidPreallocations()
    {
        yield return Case("Open, ReadWrite", new() { Mode = FileMode.Open, Access = FileAccess.ReadWrite, PreallocationSize = 5 });
        yield return Case("OpenOrCreate, Write", new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, PreallocationSize = 5 });
        yield return Case("Truncate, ReadWrite", new() { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, PreallocationSize = 5 });
        yield return Case("Append, Write", new() { Mode = FileMode.Append, Access = FileAccess.Write, PreallocationSize = 5 });
        yield return Case("Open, Read", new() { Mode = FileMode.Open, Access = FileAccess.Read, PreallocationSize = 5 });
        yield return Case("OpenOrCreate, Read", new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.Read, PreallocationSize = 5 });
    }

    [TestCaseSource(nameof(InvalidPreallocations))]
    public void Open_WithAnInvalidPreallocation_ThrowsFileStreamsArgumentExceptionWithItsParamName(FileStreamOptions options)
    {
        _twins.Seed("0123456789"u8.ToArray());

        ArgumentException expected = Should.Throw<ArgumentException>(() => new FileStream(_twins.FilePath, options));
        ArgumentException actual = Should.Throw<ArgumentException>(() => new MappedFileStream(_twins.MappedPath, options));

        $"{actual.GetType().Name}({actual.ParamName})".ShouldBe($"{expected.GetType().Name}({expected.ParamName})");
        _twins.ShouldMatchOnDisk();
    }

    private static TestCaseData Case(string name, FileStreamOptions options) => new TestCaseData(options).SetArgDisplayNames(name);
}
