namespace FSpiNN.Snn.Data;

/// <summary>
/// Which data a model was trained on: the dataset's name as <see cref="Dataset.Describe"/> gives it ("mnist/train",
/// "fashion-mnist/train[0..10000)") and the sha256 of its uncompressed images and labels files (null when the data did
/// not come from files). Recorded in model files so that testing on other data can be flagged.
/// </summary>
public sealed record DataFingerprint(string Name, string? ImagesSha256, string? LabelsSha256)
{
    public static DataFingerprint Of(Dataset data) => new(data.Describe(), data.ImagesSha256, data.LabelsSha256);

    /// <summary>
    /// The known dataset whose images these are, with the embedded sample counted as MNIST (it is MNIST images), or
    /// null for unknown files.
    /// </summary>
    public string? KnownDomain => Domain(ImagesSha256);

    /// <summary>
    /// A warning when <paramref name="given"/> (the data handed to `test`) is not the data this fingerprint describes,
    /// else null. Known datasets are compared by domain (of the test images when there are some), so a model trained on
    /// the embedded MNIST sample and tested on full MNIST is not flagged while MNIST against Fashion-MNIST is; unknown
    /// files are compared by the checksum of their training images.
    /// </summary>
    public string? MismatchWith(DatasetPair given)
    {
        var tested = given.Test ?? given.Train;
        if (KnownDomain is { } trained && Domain(tested.ImagesSha256) is { } domain)
            return trained == domain ? null : Warning(tested, $"{Title(trained)} vs {Title(domain)}");
        if (ImagesSha256 is null || given.Train.ImagesSha256 is null)
            return null; // nothing to compare (data not read from files)
        return string.Equals(ImagesSha256, given.Train.ImagesSha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : Warning(given.Train, $"training images sha256 {Short(ImagesSha256)}... vs {Short(given.Train.ImagesSha256)}...");
    }

    private string Warning(Dataset data, string difference) =>
        $"this model was trained on {Name}, but the data given is {data.Name.Split('/')[0]} ({difference}); " +
        "its neurons were labelled on other images, so the accuracy below does not measure it on the data it learned";

    private static string Short(string sha) => sha[..Math.Min(12, sha.Length)];

    private static string Title(string domain) => domain switch
    {
        "mnist" => "MNIST",
        "fashion-mnist" => "Fashion-MNIST",
        _ => domain,
    };

    private static string? Domain(string? imagesSha256)
    {
        if (imagesSha256 is null || DatasetCatalog.Identify(imagesSha256) is not { } known) return null;
        return known.Dataset == DatasetCatalog.MnistSample ? DatasetCatalog.Mnist.Name : known.Dataset.Name;
    }
}
