using FSpiNN.Dse.Space;

namespace FSpiNN.SnnSearch;

/// <summary>
/// The space a bare `fspinn explore` searches: 2 networks x 3 sizes x 3 precisions = 18 candidates on the embedded sample;
/// post-training quantization lets the 12 quantized candidates reuse the 6 trained float networks.
/// </summary>
public static class DefaultSpace
{
    public const string Json = """
        {
          "name": "default",
          "description": "Built-in space: FSpiNN vs the BindsNET baseline, three network sizes, float32 / 8-bit / 4-bit weights (post-training quantized).",
          "parameters": {
            "network": ["bindsnet", "fspinn"],
            "neurons": [50, 100, 200],
            "bits": [32, 8, 4]
          },
          "fixed": { "rounding": "sr", "quantize": "ptq", "train_samples": 1000 }
        }
        """;

    public static SearchSpace Create() => SearchSpace.Parse(Json, "default");
}
