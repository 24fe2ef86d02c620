using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Queue.Fuzz;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Recovery against damaged and forged files (issue 9, item 9): mutated queue files (bit flips, cuts at any offset, header words
/// no checksum covers set to a forger's values, slots forged with a recomputed checksum) must satisfy
/// <see cref="QueueFileOracle"/>. The fuzz run is deterministic per seed and bounded in time (EMMAP_QUEUE_FUZZ_SECONDS, default 6;
/// EMMAP_QUEUE_FUZZ_SEED starts at another seed); a failing case is saved under the test's work directory and names its seed, and
/// belongs in Queue/Corpus, whose files every run replays.
/// </summary>
[TestFixture]
public sealed class QueueFuzzTests
{
    private static readonly string s_corpus = Path.Combine(AppContext.BaseDirectory, "Queue", "Corpus");
    private TempDirectory _dir = null!;
    private IReadOnlyList<QueueImage> _images = null!;

    [OneTimeSetUp]
    public void BuildImages()
    {
        _dir = new TempDirectory();
        _images = QueueImage.BuildAll(_dir);
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    public static IEnumerable<string> CorpusFiles() =>
        Directory.Exists(s_corpus) ? Directory.GetFiles(s_corpus, "*.queue").Select(Path.GetFileName).Order()! : [];

    [Test]
    public void Open_MutatedFiles_RecoverValidPrefixOrThrowInvalidData()
    {
        double seconds = Environment.GetEnvironmentVariable("EMMAP_QUEUE_FUZZ_SECONDS") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : 6;
        int seed = Environment.GetEnvironmentVariable("EMMAP_QUEUE_FUZZ_SEED") is { Length: > 0 } first ? int.Parse(first, CultureInfo.InvariantCulture) : 1;
        string path = _dir.File("fuzz.queue");
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        int cases = 0;
        for (; clock.Elapsed.TotalSeconds < seconds; seed++, cases++)
        {
            QueueImage image = _images[seed % _images.Count];
            (byte[] bytes, string what) = QueueMutator.Mutate(image.Bytes, seed);
            File.WriteAllBytes(path, bytes);
            string context = $"seed {seed} ({image.Name}: {what})";
            try
            {
                QueueFileOutcome outcome = QueueFileOracle.Check(path, image.Pushed.ToHashSet(), context, image.Shared);
                string kind = !outcome.Opened ? "refused" : outcome.Intact ? "intact" : "repaired";
                outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
            }
            catch (Exception)
            {
                string saved = Path.Combine(TestContext.CurrentContext.WorkDirectory, "queue-fuzz-failures", $"seed-{seed}-{image.Name}.queue");
                Directory.CreateDirectory(Path.GetDirectoryName(saved)!);
                File.WriteAllBytes(saved, bytes);
                TestContext.Out.WriteLine($"Failing file saved as {saved}; replay with EMMAP_QUEUE_FUZZ_SEED={seed}.");
                throw;
            }
        }

        TestContext.Out.WriteLine($"{cases} mutated files in {clock.Elapsed.TotalSeconds:F1} s: " +
            string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value} {o.Key}")));
        cases.ShouldBeGreaterThan(20, "the time budget ran out before the fuzz test got going");
        outcomes.Keys.ShouldBe(["intact", "refused", "repaired"], ignoreOrder: true, "every kind of outcome should come up");
    }

    [TestCaseSource(nameof(CorpusFiles))]
    public void Open_CorpusFile_MatchesOracleAndExpectation(string name)
    {
        string path = _dir.File(name);
        File.Copy(Path.Combine(s_corpus, name), path, overwrite: true);

        QueueFileOutcome outcome = QueueFileOracle.Check(path, pushed: null, name);

        string expectFile = Path.Combine(s_corpus, Path.ChangeExtension(name, ".expect"));
        if (File.Exists(expectFile))
        {
            string expected = File.ReadLines(expectFile).First(line => line.StartsWith("outcome: ", StringComparison.Ordinal))["outcome: ".Length..];
            outcome.ToString().ShouldBe(expected, $"{name} ({string.Join(" ", File.ReadLines(expectFile).Where(l => l.StartsWith('#')))})");
        }
    }

    [Test]
    public void Verify_CursorWordsNearLongMaxValue_ReportsDamageAndPushesSurvive()
    {
        // The issue's case: both cursor words forged to the same 16-aligned value just below long.MaxValue. They agree with each
        // other and with the slot's ordering, so they used to pass as an intact, empty queue; 5 pushes then overflowed the tail.
        string path = _dir.File("issue9.queue");
        File.Copy(Path.Combine(s_corpus, "issue9-cursor-words-near-max.queue"), path, overwrite: true);

        QueueVerification verification = MappedQueue.Verify(path);
        verification.IsIntact.ShouldBeFalse();
        verification.Problems.ShouldContain(p => p.Contains("cursor words", StringComparison.Ordinal));
        verification.ItemsChecked.ShouldBe(100);

        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            for (long id = 0; id < 5; id++)
            {
                queue.Push(TestHost.QueueItems.Make(10_000 + id, 64));
            }

            queue.GetMetadata().Tail.ShouldBeLessThan(QueueLayout.PositionLimit);
        }

        using (MappedQueue reopened = MappedQueue.Open(path, 4096))
        {
            List<long> ids = [.. reopened.Enumerate().Select(item => TestHost.QueueItems.Check(item))];
            ids.ShouldBe([.. Enumerable.Range(500, 100).Select(i => (long)i), 10_000, 10_001, 10_002, 10_003, 10_004]);
        }
    }

    [Test]
    public void Push_TailPastMaxPosition_RefusesPushesAndKeepsItems()
    {
        // A queue whose positions reached the end of their space (4 EiB pushed): it refuses pushes rather than overflow.
        string path = _dir.File("end.queue");
        QueueCorpus.WriteAtPosition(path, QueueLayout.MaxPosition - (16 * 20), items: 3);
        using MappedQueue queue = MappedQueue.Open(path, 4096);
        queue.Count.ShouldBe(3);

        // The tail is 80 bytes short of the end: pushes go on to the end of the current lap of the 3 KiB ring, then stop.
        int pushed = 0;
        Should.Throw<IOException>(() =>
        {
            while (pushed < 1000)
            {
                queue.Push(TestHost.QueueItems.Make(100 + pushed, 64));
                pushed++;
            }
        }).Message.ShouldContain("position space");
        pushed.ShouldBeLessThan(40);

        queue.GetMetadata().Tail.ShouldBeLessThanOrEqualTo(QueueLayout.PositionLimit);
        long count = queue.Count;
        count.ShouldBe(3 + pushed);
        for (long i = 0; i < count; i++)
        {
            queue.Pop().ShouldNotBeNull();
        }
    }

    [Test]
    [Explicit("Writes the hand-made corpus files into the source tree.")]
    public void Corpus_Regenerate()
    {
        string source = Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "Queue", "Corpus");
        QueueCorpus.WriteAll(Path.GetFullPath(source), _dir);
    }
}
