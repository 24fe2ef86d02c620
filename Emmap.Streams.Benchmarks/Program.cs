using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using BenchmarkDotNet.Running;
using Spectre.Console;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Full runs: <c>dotnet run -c Release -- [BenchmarkDotNet arguments]</c> (for example <c>--filter *Positional* --job short</c>).
/// Quick run: <c>--quick [--json FILE] [--check]</c>. Chart: <c>--chart PNG --from FILE.json</c>.
/// One case alone, for profilers: <c>--profile SUITE/CASE --invocations N</c>. The plain harness: <c>--plain [GROUP]</c>.
/// Cross-process latency percentiles: <c>--wake-latency [--samples N] [--recoveries N]</c>. The queue in a reader's plain
/// loop: <c>--plain-queue-loop</c>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--peer")
        {
            return PeerCommands.Run(args);
        }

        if (args.Length > 0 && args[0] == "--wake-latency")
        {
            return WakeLatencyRunner.Run(args);
        }

        if (args.Length > 0 && args[0] == "--plain-queue-loop")
        {
            return PlainQueueLoop.Run();
        }

        if (!args.Contains("--quick") && !args.Contains("--chart") && !args.Contains("--profile") && !args.Contains("--plain"))
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, FullRunConfig.Create());
            return 0;
        }

        return QuickCommand().Parse(args).Invoke();
    }

    private static RootCommand QuickCommand()
    {
        var quick = new Option<bool>("--quick") { Description = "Run every comparison once in this process (about four minutes for every suite) and print a table." };
        var json = new Option<string?>("--json") { Description = "Also write the rows to this file as a JSON array." };
        var check = new Option<bool>("--check") { Description = "Exit with 1 when a bar (issue 6, 14 or 15) is missed, listing which." };
        var filter = new Option<string?>("--filter") { Description = "Only suites or cases whose 'suite/case' contains this text." };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds per case.", DefaultValueFactory = _ => 9 };
        var batch = new Option<double>("--batch-ms") { Description = "Target milliseconds per measured batch.", DefaultValueFactory = _ => 15 };
        var chart = new Option<string?>("--chart") { Description = "Draw the ratios of a quick run's JSON (--from) to this PNG file." };
        var from = new Option<string?>("--from") { Description = "The quick run's JSON file to chart." };
        var profile = new Option<string?>("--profile") { Description = "Run only this case ('suite/case'), --invocations times after a warm-up, for profilers." };
        var invocations = new Option<int>("--invocations") { Description = "Invocations for --profile.", DefaultValueFactory = _ => 1000 };
        var plain = new Option<string?>("--plain")
        {
            Description = "Run the plain harness (static loops, alternating rounds, no benchmark framework): positional, atomic, open, many-files, or all.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var title = new Option<string>("--title") { Description = "The chart's title.", DefaultValueFactory = _ => "Emmap.Streams quick run: time per operation vs. the suite baseline" };

        var root = new RootCommand("Emmap.Streams benchmarks: quick ratio run, chart, single-case profiling. Without --quick, --chart or --profile, arguments go to BenchmarkDotNet.")
        {
            quick, json, check, filter, rounds, batch, chart, from, title, profile, invocations, plain,
        };
        root.SetAction(result =>
        {
            if (result.GetResult(plain) is not null)
            {
                return PlainHarness.Run(result.GetValue(plain));
            }

            if (result.GetValue(profile) is { } name)
            {
                return ProfileRunner.Run(typeof(Program).Assembly, name, result.GetValue(invocations));
            }

            if (result.GetValue(chart) is { } png)
            {
                string source = result.GetValue(from) ?? throw new ArgumentException("--chart needs --from FILE.json.");
                RatioChart.Save(ResultJson.Read(source), png, result.GetValue(title)!);
                Console.Error.WriteLine($"Wrote {png}.");
                return 0;
            }

            var options = new QuickOptions(Math.Max(3, result.GetValue(rounds)), result.GetValue(batch), WarmupMilliseconds: 15, result.GetValue(filter));
            IReadOnlyList<QuickResult> rows = new QuickRunner(options).Run(typeof(Program).Assembly);
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            console.Profile.Width = Math.Max(console.Profile.Width, 160);
            ResultTable.Print(console, rows);
            if (result.GetValue(json) is { } path)
            {
                ResultJson.Write(path, rows);
                Console.Error.WriteLine($"Wrote {path}.");
            }

            List<(Bar, BarOutcome, string)> outcomes = Bars.All.Select(b =>
            {
                (BarOutcome outcome, string measured) = b.Evaluate(rows);
                return (b, outcome, measured);
            }).ToList();
            console.WriteLine();
            ResultTable.PrintBars(console, outcomes);
            return result.GetValue(check) && outcomes.Any(o => o.Item2 == BarOutcome.Missed) ? 1 : 0;
        });
        return root;
    }
}
