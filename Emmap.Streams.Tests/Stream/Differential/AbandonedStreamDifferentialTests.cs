using System;
using System.IO;
using System.Runtime.CompilerServices;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>A stream dropped without Dispose gives up its FileShare lock once finalized, as a FileStream does, for every share, access and number of reads.</summary>
[TestFixture]
public sealed class AbandonedStreamDifferentialTests
{
    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [Test]
    public void AbandonedStream_AfterItIsFinalized_NoLongerHoldsItsSharingLock(
        [Values(FileShare.Read, FileShare.ReadWrite | FileShare.Delete, FileShare.None)] FileShare share,
        [Values(FileAccess.Read, FileAccess.ReadWrite)] FileAccess access,
        [Values(0, 1, 20)] int reads)
    {
        _twins.Seed("0123456789"u8.ToArray());

        string expected = AbandonThenOpenExclusively(StreamKind.FileStream, share, access, reads);
        string actual = AbandonThenOpenExclusively(StreamKind.Mapped, share, access, reads);

        actual.ShouldBe(expected);
    }

    private string AbandonThenOpenExclusively(StreamKind kind, FileShare share, FileAccess access, int reads)
    {
        OpenAndAbandon(kind, share, access, reads);
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        try
        {
            using Stream exclusive = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return $"opened Length={exclusive.Length}";
        }
        catch (Exception ex)
        {
            return "throws " + ex.GetType().Name;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OpenAndAbandon(StreamKind kind, FileShare share, FileAccess access, int reads)
    {
        Stream stream = _twins.Open(kind, FileMode.Open, access, share);
        for (int i = 0; i < reads; i++)
        {
            stream.Position = 0;
            stream.ReadByte();
        }
    }
}
