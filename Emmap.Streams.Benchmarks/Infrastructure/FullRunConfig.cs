using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The BenchmarkDotNet configuration of full runs: memory diagnoser, and baselines per category (each suite's
/// <c>read</c>/<c>write</c>, <c>add</c>/<c>cas</c>, … has its own baseline), with the category shown as a column.
/// </summary>
internal static class FullRunConfig
{
    internal static IConfig Create() =>
        DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(CategoriesColumn.Default)
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
}
