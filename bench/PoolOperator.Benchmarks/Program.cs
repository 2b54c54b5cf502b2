using BenchmarkDotNet.Running;

// Run all: dotnet run -c Release --project bench/PoolOperator.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(PoolOperator.Benchmarks.AllocationBenchmarks).Assembly).Run(args);
