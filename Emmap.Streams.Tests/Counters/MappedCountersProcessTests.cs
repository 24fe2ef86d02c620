using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Counters;

/// <summary>Counters shared by threads and by real OS processes: creation races, lost updates, and SIGKILL.</summary>
[TestFixture]
public sealed class MappedCountersProcessTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("shared.counters");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Open_ManyThreadsCreateOneMissingFileAtOnce_AllSeeAValidHeader()
    {
        const int threads = 8;
        using var start = new Barrier(threads);

        (int Count, long Old)[] results = Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                using var counters = MappedCounters.Open(_path, 3);
                return (counters.Count, counters.Increment(0));
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))).GetAwaiter().GetResult();

        results.Select(r => r.Count).ShouldAllBe(count => count == 3);
        results.Select(r => r.Old).Order().ShouldBe(Enumerable.Range(0, threads).Select(i => (long)i));
        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { _path });
    }

    [Test]
    public void Open_ManyProcessesCreateOneMissingFileAtOnce_AllSeeAValidHeader()
    {
        const int processes = 4;
        CounterHost[] hosts = Enumerable.Range(0, processes).Select(_ => CounterHost.Start("counter-open", _path, "3")).ToArray();
        try
        {
            foreach (CounterHost host in hosts)
            {
                host.WaitUntilReady();
            }

            foreach (CounterHost host in hosts)
            {
                host.Go();
            }

            string[] lines = hosts.Select(host => host.Finish()).ToArray();

            lines.ShouldAllBe(line => line.StartsWith("count=3 old=", StringComparison.Ordinal));
            lines.Select(line => long.Parse(line["count=3 old=".Length..], CultureInfo.InvariantCulture)).Order()
                .ShouldBe(Enumerable.Range(0, processes).Select(i => (long)i));
        }
        finally
        {
            foreach (CounterHost host in hosts)
            {
                host.Dispose();
            }
        }

        using var counters = MappedCounters.Open(_path, 3);
        counters.Read(0).ShouldBe(processes);
        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { _path });
    }

    [Test]
    public void Increment_ThreeProcessesAndTheParentMillionEach_LoseNoUpdate()
    {
        const int children = 3;
        const int perProcess = 1_000_000;
        using var counters = MappedCounters.Open(_path, 2);
        CounterHost[] hosts = Enumerable.Range(0, children)
            .Select(_ => CounterHost.Start("counter-increment", _path, "1", perProcess.ToString(CultureInfo.InvariantCulture)))
            .ToArray();
        try
        {
            foreach (CounterHost host in hosts)
            {
                host.WaitUntilReady();
            }

            foreach (CounterHost host in hosts)
            {
                host.Go();
            }

            for (int i = 0; i < perProcess; i++)
            {
                counters.Increment(1);
            }

            hosts.Select(host => host.Finish()).ShouldAllBe(output => output == "done");
        }
        finally
        {
            foreach (CounterHost host in hosts)
            {
                host.Dispose();
            }
        }

        counters.Read(1).ShouldBe((children + 1L) * perProcess);
        counters.Read(0).ShouldBe(0);
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Increment_ChildKilledWithSigkill_KeepsEveryReportedIncrementAndReopensCleanly()
    {
        const long reportsWanted = 20_000;
        using (MappedCounters.Open(_path, 2))
        {
        }

        long reported;
        using (CounterHost host = CounterHost.Start("counter-loop", _path, "1", "100000000"))
        {
            host.WaitUntilReady();
            host.Go();
            reported = 0;
            while (reported < reportsWanted)
            {
                string line = host.ReadLine();
                line.ShouldStartWith("reached ");
                reported = long.Parse(line["reached ".Length..], CultureInfo.InvariantCulture);
            }

            host.KillHard();
            host.ExitCode.ShouldBe(128 + 9, "the child must have died of SIGKILL, not finished its loop");
        }

        // No flush anywhere: the increments were in the page cache the moment each call returned.
        byte[] header = SharedFile.ReadAllBytes(_path)[..16];
        header.ShouldBe([.. "EMMAP01\n"u8, 2, 0, 0, 0, 0, 0, 0, 0]);
        using var reopened = MappedCounters.Open(_path, 2);
        long value = reopened.Read(1);
        value.ShouldBeGreaterThanOrEqualTo(reported);
        reopened.Read(0).ShouldBe(0);
        reopened.Increment(1).ShouldBe(value);
    }
}
