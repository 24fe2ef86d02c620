using System;
using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

[TestFixture]
public sealed class MappedCopyTests
{
    [Test]
    public void Copy_EveryLengthUpTo200_CopiesExactlyThoseBytes()
    {
        var random = new Random(7);
        for (int length = 0; length <= 200; length++)
        {
            byte[] source = new byte[length + 64];
            byte[] destination = new byte[length + 64];
            random.NextBytes(source);
            random.NextBytes(destination);
            byte[] expected = (byte[])destination.Clone();
            Array.Copy(source, 3, expected, 5, length);

            MappedCopy.Copy(ref destination[5], ref source[3], (uint)length);

            destination.ShouldBe(expected, $"length {length}");
        }
    }

    [Test]
    public void Copy_OverlappingRangesInBothDirections_BehavesAsMemmove()
    {
        var random = new Random(8);
        for (int length = 1; length <= 140; length++)
        {
            foreach (int shift in new[] { -17, -1, 1, 9, 31 })
            {
                byte[] buffer = new byte[length + 128];
                random.NextBytes(buffer);
                byte[] expected = (byte[])buffer.Clone();
                Array.Copy(expected, 40, expected, 40 + shift, length);

                MappedCopy.Copy(ref buffer[40 + shift], ref buffer[40], (uint)length);

                buffer.ShouldBe(expected, $"length {length}, shift {shift}");
            }
        }
    }

    [Test]
    public void ReadAt_IntoADirectViewOfTheSameMapping_MovesBytesLikeMemmove()
    {
        using var dir = new TempDirectory();
        using var stream = MappedFileStream.Open(
            dir.File("overlap.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        byte[] content = new byte[4096];
        new Random(9).NextBytes(content);
        stream.WriteAt(0, content);
        byte[] expected = (byte[])content.Clone();
        Array.Copy(expected, 100, expected, 110, 48);

        using var view = stream.ReadDirect(110, 48);
        stream.ReadAt(100, view.Memory.Span).ShouldBe(48);

        byte[] actual = new byte[4096];
        stream.ReadAt(0, actual);
        actual.ShouldBe(expected);
    }
}
