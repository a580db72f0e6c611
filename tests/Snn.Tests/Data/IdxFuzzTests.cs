using FSpiNN.Snn.Data;
using static FSpiNN.Snn.Tests.Data.IdxTestFiles;

namespace FSpiNN.Snn.Tests.Data;

/// <summary>
/// Random truncations, byte flips and appended bytes of the real sample files (raw and gzip): every outcome must be
/// a consistent dataset or an <see cref="IdxFormatException"/> naming the damaged file, never another exception or a hang.
/// </summary>
[TestFixture]
public sealed class IdxFuzzTests
{
    private enum Mutation { Truncate, FlipBytes, FlipHeaderByte, Append }

    private static readonly TimeSpan PerCaseTimeout = TimeSpan.FromSeconds(10);

    [TestCase(false, 20240601, 160)]
    [TestCase(true, 20240602, 160)]
    public void Mutated_sample_files_give_a_valid_dataset_or_a_typed_error(bool gzip, int seed, int cases)
    {
        var random = new Random(seed);
        var files = new Dictionary<bool, byte[]>
        {
            [true] = gzip ? Gzip(TestImages) : Raw(TestImages),
            [false] = gzip ? Gzip(TestLabels) : Raw(TestLabels),
        };
        var outcomes = new Dictionary<string, int>();

        for (var c = 0; c < cases; c++)
        {
            var mutateImages = random.Next(2) == 0;
            var mutation = (Mutation)random.Next(4);
            var mutated = Mutate(files[mutateImages], mutation, random);
            var images = mutateImages ? mutated : files[true];
            var labels = mutateImages ? files[false] : mutated;
            var caseName = $"case {c}: {mutation} of the {(mutateImages ? "images" : "labels")} ({(gzip ? "gz" : "raw")})";

            var attempt = Task.Run(() => Read(images, labels));
            var finished = Task.WhenAny(attempt, Task.Delay(PerCaseTimeout)).GetAwaiter().GetResult() == attempt;
            Assert.That(finished, Is.True, $"{caseName}: no answer within {PerCaseTimeout}");
            if (attempt.Exception?.InnerException is { } error)
            {
                Assert.That(error, Is.InstanceOf<IdxFormatException>(), $"{caseName}: {error}");
                var idx = (IdxFormatException)error;
                Assert.That(idx.File, Is.EqualTo(mutateImages ? "images.idx" : "labels.idx"), $"{caseName}: {idx.Message}");
                if (mutation == Mutation.Append)
                    Assert.That(idx.Problem, Is.AnyOf(IdxProblem.TrailingData, IdxProblem.GzipCorrupt), $"{caseName}: {idx.Message}");
                Count(outcomes, idx.Problem.ToString());
            }
            else
            {
                var data = attempt.Result;
                Assert.That(mutation, Is.Not.EqualTo(Mutation.Truncate).And.Not.EqualTo(Mutation.Append),
                    $"{caseName}: a shortened or lengthened file was accepted as a dataset");
                Assert.That(data.Pixels.Length, Is.EqualTo((long)data.Count * data.Rows * data.Cols), caseName);
                Assert.That(data.Labels.Length, Is.EqualTo(data.Count), caseName);
                Assert.That(data.Labels.ToArray(), Has.All.LessThan(10), caseName);
                Count(outcomes, "dataset");
            }
        }

        TestContext.Out.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}")));
        Assert.That(outcomes.Keys, Has.Member("dataset").And.Count.GreaterThanOrEqualTo(4), "the mutations should reach several outcomes");
    }

    private static void Count(Dictionary<string, int> outcomes, string key) =>
        outcomes[key] = outcomes.GetValueOrDefault(key) + 1;

    private static byte[] Mutate(byte[] original, Mutation mutation, Random random)
    {
        switch (mutation)
        {
            case Mutation.Truncate:
                // half the cuts inside the first 40 bytes (headers), half anywhere
                var length = random.Next(2) == 0 ? random.Next(Math.Min(40, original.Length)) : random.Next(original.Length);
                return original[..length];
            case Mutation.FlipBytes:
            {
                var copy = (byte[])original.Clone();
                var flips = random.Next(1, 5);
                for (var i = 0; i < flips; i++)
                    copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
                return copy;
            }
            case Mutation.FlipHeaderByte:
            {
                var copy = (byte[])original.Clone();
                copy[random.Next(Math.Min(16, copy.Length))] ^= (byte)random.Next(1, 256);
                return copy;
            }
            default:
            {
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                return [.. original, .. extra];
            }
        }
    }
}
