using BenchmarkDotNet.Running;
using FSpiNN.Benchmarks;

if (args.Length > 0 && args[0] == "probe")
    return SteadyStateProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "pingpong")
    return CacheLinePingPong.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
